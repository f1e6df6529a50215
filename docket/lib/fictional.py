"""Fictional names for demo and benchmark data, deterministic given a seed.

Given and family names are common ones, paired at random, so no generated
person stands for a real one. Each name comes with its Persian spelling and
the Latin spellings that different hands give it (Gholamreza, Qolamreza,
Gholam-Reza), because matching those variants is what Docket must do well.
"""

import random
from dataclasses import dataclass

# (Persian script, Latin variants; the first variant is the usual one)
GIVEN_NAMES_MALE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("غلامرضا", ("Gholamreza", "Qolamreza", "Gholam-Reza")),
    ("محمد", ("Mohammad", "Mohammed", "Muhammad")),
    ("علی", ("Ali",)),
    ("حسین", ("Hossein", "Hosein", "Hussein")),
    ("مهدی", ("Mahdi", "Mehdi")),
    ("رضا", ("Reza",)),
    ("جواد", ("Javad", "Jawad")),
    ("مجید", ("Majid", "Madjid")),
    ("فرهاد", ("Farhad",)),
    ("بهروز", ("Behrouz", "Behruz")),
    ("ابراهیم", ("Ebrahim", "Ibrahim")),
    ("یوسف", ("Yousef", "Yusuf", "Yousof")),
    ("حمیدرضا", ("Hamidreza", "Hamid-Reza")),
    ("کاظم", ("Kazem", "Kazim")),
)
GIVEN_NAMES_FEMALE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("فاطمه", ("Fatemeh", "Fatima", "Fatemah")),
    ("زهرا", ("Zahra",)),
    ("مریم", ("Maryam", "Mariam")),
    ("لیلا", ("Leila", "Layla", "Leyla")),
    ("نرگس", ("Narges", "Nargis")),
    ("سمیرا", ("Samira",)),
    ("پروین", ("Parvin", "Parwin")),
    ("شیرین", ("Shirin", "Shireen")),
    ("معصومه", ("Masoumeh", "Masoume", "Ma'sumeh")),
    ("طاهره", ("Tahereh", "Tahere")),
    ("اشرف", ("Ashraf",)),
    ("منیژه", ("Manijeh", "Manizheh")),
)
FAMILY_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("شکاری", ("Shekari", "Shakari", "Shekary")),
    ("رحیمی", ("Rahimi", "Rahimy")),
    ("کریمی", ("Karimi", "Karimy")),
    ("حسینی", ("Hosseini", "Husseini", "Hoseini")),
    ("نوری", ("Nouri", "Nuri", "Noori")),
    ("موسوی", ("Mousavi", "Musavi", "Moussavi")),
    ("جعفری", ("Jafari", "Ja'fari", "Jaafari")),
    ("قاسمی", ("Ghasemi", "Qasemi", "Ghassemi")),
    ("صادقی", ("Sadeghi", "Sadeqi")),
    ("امینی", ("Amini",)),
    ("یزدانی", ("Yazdani",)),
    ("کاظمی", ("Kazemi", "Kazimi")),
    ("طاهری", ("Taheri", "Tahery")),
    ("نجفی", ("Najafi",)),
    ("باقری", ("Bagheri", "Baqeri", "Bagheri-Nia")),
    ("اسدی", ("Asadi", "Assadi")),
)


@dataclass(frozen=True)
class FictionalName:
    given_persian: str
    family_persian: str
    given_latin: tuple[str, ...]
    family_latin: tuple[str, ...]
    sex: str  # "male" or "female"

    @property
    def persian(self) -> str:
        return f"{self.given_persian} {self.family_persian}"

    @property
    def latin(self) -> str:
        return f"{self.given_latin[0]} {self.family_latin[0]}"

    def latin_variants(self) -> list[str]:
        """Every Latin spelling of the full name, the usual one first."""
        return [f"{given} {family}" for given in self.given_latin for family in self.family_latin]


class FictionalNames:
    """A deterministic stream of fictional names: the same seed, the same names."""

    def __init__(self, seed: int) -> None:
        # Not for security: reproducible demo and benchmark data.
        self._random = random.Random(seed)  # noqa: S311  # nosec B311

    def name(self) -> FictionalName:
        sex = self._random.choice(("male", "female"))
        given_pool = GIVEN_NAMES_MALE if sex == "male" else GIVEN_NAMES_FEMALE
        given_persian, given_latin = self._random.choice(given_pool)
        family_persian, family_latin = self._random.choice(FAMILY_NAMES)
        return FictionalName(given_persian, family_persian, given_latin, family_latin, sex)

    def names(self, count: int) -> list[FictionalName]:
        return [self.name() for _ in range(count)]
