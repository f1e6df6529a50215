"""Fictional person records with known people: the person-matching benchmark's data.

Deterministic for a seed. Each fictional person gets a given name, a family
name and a father's name drawn from common Persian names (so no record stands
for a real person), a birth date and a birth place. Several sources then
write each person down, each in its own way:

- a family list: Iranian-style Latin spelling, full dates;
- a testimony: Persian script (sometimes typed with Arabic code points), often
  the birth year only;
- a media report: Arabic- or English-style Latin (Hussein, Muhammad, Fatima,
  Kazim), year or nothing;
- an official roster: Latin, family name first now and then, dates written
  day/month/year and sometimes with day and month swapped;
- an association form: Persian script, full dates.

Any record may carry a typo, lack the father's name or the birth place, give
the birth year one off, or write the compound names joined, spaced or hyphenated.

Hard negatives come with the people: siblings share family name, father's name
and birth place (twins even the birth date), and common names make namesakes,
who share given and family names and sometimes the year.

Run `python -m bench.linkage.generate --records 10000 --out records.csv`: the
CSV has `docket link`'s columns and `person_id`, the truth, which the linkage
never reads.
"""

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# (Persian script, Iranian-style Latin). Common names, so that namesakes happen.
GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("محمد", "Mohammad"),
    ("علی", "Ali"),
    ("حسین", "Hossein"),
    ("حسن", "Hasan"),
    ("رضا", "Reza"),
    ("مهدی", "Mehdi"),
    ("احمد", "Ahmad"),
    ("محمود", "Mahmoud"),
    ("جواد", "Javad"),
    ("مجید", "Majid"),
    ("حمید", "Hamid"),
    ("حامد", "Hamed"),
    ("سعید", "Saeed"),
    ("امید", "Omid"),
    ("وحید", "Vahid"),
    ("فرهاد", "Farhad"),
    ("بهروز", "Behrouz"),
    ("ابراهیم", "Ebrahim"),
    ("یوسف", "Yousef"),
    ("کاظم", "Kazem"),
    ("مرتضی", "Morteza"),
    ("مصطفی", "Mostafa"),
    ("عباس", "Abbas"),
    ("اکبر", "Akbar"),
    ("اصغر", "Asghar"),
    ("غلامرضا", "Gholamreza"),
    ("حمیدرضا", "Hamidreza"),
    ("علیرضا", "Alireza"),
    ("محمدرضا", "Mohammadreza"),
    ("داریوش", "Dariush"),
    ("کوروش", "Kourosh"),
    ("بابک", "Babak"),
    ("سیامک", "Siamak"),
    ("نادر", "Nader"),
    ("ناصر", "Naser"),
    ("منصور", "Mansour"),
    ("مسعود", "Masoud"),
    ("محسن", "Mohsen"),
    ("مجتبی", "Mojtaba"),
    ("جعفر", "Jafar"),
    ("صادق", "Sadegh"),
    ("قاسم", "Ghasem"),
    ("هادی", "Hadi"),
    ("هوشنگ", "Houshang"),
    ("پرویز", "Parviz"),
    ("خسرو", "Khosrow"),
    ("ایرج", "Iraj"),
    ("کامران", "Kamran"),
    ("شهرام", "Shahram"),
    ("بهزاد", "Behzad"),
    ("فریدون", "Fereydoun"),
    ("رحیم", "Rahim"),
    ("کریم", "Karim"),
    ("اسماعیل", "Esmaeil"),
    ("یعقوب", "Yaghoub"),
    ("سلیمان", "Soleiman"),
    ("اسدالله", "Asadollah"),
    ("روح‌الله", "Rouhollah"),
    ("مختار", "Mokhtar"),
    ("شهاب", "Shahab"),
)
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("فاطمه", "Fatemeh"),
    ("زهرا", "Zahra"),
    ("زهره", "Zohreh"),
    ("مریم", "Maryam"),
    ("لیلا", "Leila"),
    ("نرگس", "Narges"),
    ("سمیرا", "Samira"),
    ("پروین", "Parvin"),
    ("شیرین", "Shirin"),
    ("معصومه", "Masoumeh"),
    ("طاهره", "Tahereh"),
    ("اشرف", "Ashraf"),
    ("منیژه", "Manijeh"),
    ("سارا", "Sara"),
    ("ساره", "Sareh"),
    ("مینا", "Mina"),
    ("نسرین", "Nasrin"),
    ("راضیه", "Razieh"),
    ("مرضیه", "Marzieh"),
    ("اعظم", "Azam"),
    ("فرشته", "Fereshteh"),
    ("سیمین", "Simin"),
    ("ژیلا", "Zhila"),
    ("شهلا", "Shahla"),
    ("پریسا", "Parisa"),
    ("نازنین", "Nazanin"),
    ("الهام", "Elham"),
    ("الهه", "Elaheh"),
    ("سودابه", "Soudabeh"),
    ("رقیه", "Roghayeh"),
    ("سکینه", "Sakineh"),
    ("خدیجه", "Khadijeh"),
    ("کبری", "Kobra"),
    ("هدی", "Hoda"),
    ("آزاده", "Azadeh"),
    ("ندا", "Neda"),
    ("نیلوفر", "Niloufar"),
    ("مهناز", "Mahnaz"),
    ("فریبا", "Fariba"),
    ("گلاره", "Golareh"),
)
FAMILY: tuple[tuple[str, str], ...] = (
    ("حسینی", "Hosseini"),
    ("موسوی", "Mousavi"),
    ("احمدی", "Ahmadi"),
    ("رضایی", "Rezaei"),
    ("محمدی", "Mohammadi"),
    ("کریمی", "Karimi"),
    ("رحیمی", "Rahimi"),
    ("جعفری", "Jafari"),
    ("قاسمی", "Ghasemi"),
    ("صادقی", "Sadeghi"),
    ("امینی", "Amini"),
    ("یزدانی", "Yazdani"),
    ("کاظمی", "Kazemi"),
    ("طاهری", "Taheri"),
    ("نجفی", "Najafi"),
    ("باقری", "Bagheri"),
    ("اسدی", "Asadi"),
    ("شکاری", "Shekari"),
    ("نوری", "Nouri"),
    ("حسنی", "Hassani"),
    ("مرادی", "Moradi"),
    ("عباسی", "Abbasi"),
    ("سلیمانی", "Soleimani"),
    ("قربانی", "Ghorbani"),
    ("رستمی", "Rostami"),
    ("شریفی", "Sharifi"),
    ("هاشمی", "Hashemi"),
    ("زارعی", "Zarei"),
    ("کرمانی", "Kermani"),
    ("تهرانی", "Tehrani"),
    ("شیرازی", "Shirazi"),
    ("اصفهانی", "Esfahani"),
    ("تبریزی", "Tabrizi"),
    ("خراسانی", "Khorasani"),
    ("فرهادی", "Farhadi"),
    ("بهرامی", "Bahrami"),
    ("میرزایی", "Mirzaei"),
    ("ملکی", "Maleki"),
    ("افشار", "Afshar"),
    ("نادری", "Naderi"),
    ("منصوری", "Mansouri"),
    ("صالحی", "Salehi"),
    ("عزیزی", "Azizi"),
    ("اکبری", "Akbari"),
    ("سبحانی", "Sobhani"),
    ("خلیلی", "Khalili"),
    ("جلالی", "Jalali"),
    ("یوسفی", "Yousefi"),
    ("ابراهیمی", "Ebrahimi"),
    ("مختاری", "Mokhtari"),
    ("خسروی", "Khosravi"),
    ("طالبی", "Talebi"),
    ("حیدری", "Heydari"),
    ("غفاری", "Ghaffari"),
    ("نصیری", "Nasiri"),
    ("سلطانی", "Soltani"),
    ("شجاعی", "Shojaei"),
    ("کامرانی", "Kamrani"),
    ("نیک‌نام", "Niknam"),
    ("پاکزاد", "Pakzad"),
)
# Family names built as most Persian ones are: a word and an ending, written
# joined, spaced or hyphenated (Karimzadeh, Karim Zadeh, Karim-Zadeh). With the
# list above they make about a thousand names, so that a large population has
# namesakes about as often as a real one.
FAMILY_FIRST_PARTS: tuple[tuple[str, str], ...] = (
    ("علی", "Ali"),
    ("حسن", "Hasan"),
    ("رضا", "Reza"),
    ("تقی", "Taghi"),
    ("قلی", "Gholi"),
    ("حسین", "Hossein"),
    ("کریم", "Karim"),
    ("رحیم", "Rahim"),
    ("محمد", "Mohammad"),
    ("جعفر", "Jafar"),
    ("ابراهیم", "Ebrahim"),
    ("یوسف", "Yousef"),
    ("مهدی", "Mehdi"),
    ("امیر", "Amir"),
    ("نصیر", "Nasir"),
    ("صادق", "Sadegh"),
    ("نیک", "Nik"),
    ("پاک", "Pak"),
    ("مهر", "Mehr"),
    ("شیر", "Shir"),
    ("خوش", "Khosh"),
    ("نور", "Nour"),
    ("بهار", "Bahar"),
    ("کوه", "Kouh"),
    ("دانش", "Danesh"),
    ("روشن", "Roshan"),
    ("آزاد", "Azad"),
    ("فرخ", "Farrokh"),
    ("امین", "Amin"),
    ("شریف", "Sharif"),
    ("جلال", "Jalal"),
    ("کمال", "Kamal"),
    ("نصر", "Nasr"),
    ("سلطان", "Soltan"),
    ("ملک", "Malek"),
    ("خلیل", "Khalil"),
    ("طالب", "Taleb"),
    ("صالح", "Saleh"),
    ("عزیز", "Aziz"),
    ("نجف", "Najaf"),
    ("باقر", "Bagher"),
    ("اسد", "Asad"),
    ("طاهر", "Taher"),
    ("یزدان", "Yazdan"),
    ("بهرام", "Bahram"),
    ("رستم", "Rostam"),
    ("مراد", "Morad"),
    ("قربان", "Ghorban"),
    ("حیدر", "Heydar"),
    ("غفار", "Ghaffar"),
    ("شجاع", "Shoja"),
    ("منصور", "Mansour"),
    ("مسعود", "Masoud"),
    ("فرهاد", "Farhad"),
    ("بهروز", "Behrouz"),
    ("کاظم", "Kazem"),
    ("ناصر", "Naser"),
    ("قاسم", "Ghasem"),
    ("هادی", "Hadi"),
    ("جواد", "Javad"),
    ("مجید", "Majid"),
    ("حمید", "Hamid"),
    ("سعید", "Saeed"),
    ("وحید", "Vahid"),
    ("کامران", "Kamran"),
    ("شهرام", "Shahram"),
    ("بابک", "Babak"),
    ("نادر", "Nader"),
    ("اکبر", "Akbar"),
    ("اصغر", "Asghar"),
    ("عباس", "Abbas"),
    ("احمد", "Ahmad"),
    ("محمود", "Mahmoud"),
    ("خسرو", "Khosrow"),
    ("پرویز", "Parviz"),
    ("ایرج", "Iraj"),
    ("فریدون", "Fereydoun"),
    ("داریوش", "Dariush"),
    ("کوروش", "Kourosh"),
    ("بهزاد", "Behzad"),
)
# Endings written as a separate word or joined; "i" and "ian" are always joined.
FAMILY_ENDINGS: tuple[tuple[str, str], ...] = (
    ("زاده", "zadeh"),
    ("پور", "pour"),
    ("نیا", "nia"),
    ("فر", "far"),
    ("نژاد", "nejad"),
    ("وند", "vand"),
    ("لو", "lou"),
)
JOINED_ENDINGS: tuple[tuple[str, str], ...] = (("ی", "i"), ("یان", "ian"))
PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("تهران", ("Tehran", "Teheran")),
    ("مشهد", ("Mashhad", "Mashad")),
    ("اصفهان", ("Esfahan", "Isfahan")),
    ("شیراز", ("Shiraz",)),
    ("تبریز", ("Tabriz",)),
    ("اهواز", ("Ahvaz", "Ahwaz")),
    ("کرمانشاه", ("Kermanshah",)),
    ("کرج", ("Karaj",)),
    ("قم", ("Qom", "Ghom")),
    ("رشت", ("Rasht",)),
    ("زاهدان", ("Zahedan",)),
    ("همدان", ("Hamedan", "Hamadan")),
    ("کرمان", ("Kerman",)),
    ("یزد", ("Yazd",)),
    ("اراک", ("Arak",)),
    ("اردبیل", ("Ardabil",)),
    ("سنندج", ("Sanandaj",)),
    ("قزوین", ("Qazvin", "Ghazvin")),
    ("زنجان", ("Zanjan",)),
    ("گرگان", ("Gorgan",)),
    ("ساری", ("Sari",)),
    ("کاشان", ("Kashan",)),
    ("آبادان", ("Abadan",)),
    ("دزفول", ("Dezful", "Dezfoul")),
    ("بیرجند", ("Birjand",)),
    ("سبزوار", ("Sabzevar",)),
)
# Letters that do not join the next one: a compound after them needs no ZWNJ.
NON_JOINING = set("ادذرزژوآ")

# (source, script "persian" or "latin", Latin style, share of records)
SOURCES: tuple[tuple[str, str, str, float], ...] = (
    ("family list", "latin", "iranian", 0.30),
    ("testimony", "persian", "", 0.20),
    ("media report", "latin", "arabic", 0.15),
    ("official roster", "latin", "roster", 0.20),
    ("association form", "persian", "", 0.15),
)
COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "birth_place",
    "source",
    "person_id",
)


@dataclass(frozen=True)
class Name:
    persian: str
    latin: str
    # Where a compound splits (Gholam|reza, Ali|zadeh), in Persian and Latin; 0 for none.
    split_persian: int = 0
    split_latin: int = 0


@dataclass(frozen=True)
class Person:
    person_id: int
    given: Name
    family: Name
    father: Name
    year: int
    month: int
    day: int
    place: int


_GIVEN_SPLITS = {"غلامرضا": (4, 6), "حمیدرضا": (4, 5), "علیرضا": (3, 3), "محمدرضا": (4, 8)}


def _given(entry: tuple[str, str]) -> Name:
    persian, latin = entry
    split_persian, split_latin = _GIVEN_SPLITS.get(persian, (0, 0))
    return Name(persian, latin, split_persian, split_latin)


def _family_names() -> list[Name]:
    names = [Name(persian, latin) for persian, latin in FAMILY]
    known = {name.persian for name in names}
    for first_persian, first_latin in FAMILY_FIRST_PARTS:
        if first_latin[-1] not in "aeiou" and first_persian[-1] not in "اویه":
            for ending_persian, ending_latin in JOINED_ENDINGS:
                persian = first_persian + ending_persian
                if persian not in known:
                    known.add(persian)
                    names.append(Name(persian, first_latin + ending_latin))
        for ending_persian, ending_latin in FAMILY_ENDINGS:
            joiner = "" if first_persian[-1] in NON_JOINING else "\u200c"
            names.append(
                Name(
                    first_persian + joiner + ending_persian,
                    first_latin + ending_latin,
                    len(first_persian),
                    len(first_latin),
                )
            )
    return names


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


class Generator:
    """Fictional people and the records sources make of them; the same seed, the same data."""

    def __init__(self, seed: int) -> None:
        # Not for security: reproducible benchmark data.
        self.random = random.Random(seed)  # noqa: S311  # nosec B311
        self.male = [_given(entry) for entry in GIVEN_MALE]
        self.female = [_given(entry) for entry in GIVEN_FEMALE]
        self.family = _family_names()
        self.random.shuffle(self.family)
        # Common names are much commoner than rare ones, as in any population.
        self.male_weights = _zipf_weights(len(self.male), 0.8)
        self.female_weights = _zipf_weights(len(self.female), 0.8)
        # The commonest family name is about 3% of people, as Mohammadi is in Iran.
        self.family_weights = _zipf_weights(len(self.family), 0.6)
        self.place_weights = _zipf_weights(len(PLACES), 1.0)

    # --- people ---------------------------------------------------------------

    def _pick(self, names: Sequence[Name], weights: Sequence[float]) -> Name:
        return self.random.choices(names, weights)[0]

    def _given_name(self, male: bool, avoid: set[str]) -> Name:
        pool, weights = (
            (self.male, self.male_weights) if male else (self.female, self.female_weights)
        )
        while True:
            name = self._pick(pool, weights)
            if name.persian not in avoid:
                return name

    def people(self, count: int) -> list[Person]:
        people: list[Person] = []
        while len(people) < count:
            family = self._pick(self.family, self.family_weights)
            father = self._pick(self.male, self.male_weights)
            place = self.random.choices(range(len(PLACES)), self.place_weights)[0]
            year = self.random.randint(1950, 2004)
            # Siblings: one to four children of one father, born a few years apart.
            children = self.random.choices((1, 2, 3, 4), (0.55, 0.25, 0.13, 0.07))[0]
            taken: set[str] = {father.persian}
            twin_date: tuple[int, int, int] | None = None
            for child in range(children):
                given = self._given_name(self.random.random() < 0.55, taken)
                taken.add(given.persian)
                if child and twin_date and self.random.random() < 0.02:
                    birth = twin_date  # twins: only the given name tells them apart
                else:
                    birth = (
                        min(2006, year + child * self.random.randint(1, 4)),
                        self.random.randint(1, 12),
                        self.random.randint(1, 28),
                    )
                twin_date = birth
                people.append(Person(len(people), given, family, father, *birth, place=place))
                if len(people) == count:
                    break
        return people

    # --- spellings ------------------------------------------------------------

    def _persian(self, name: Name) -> str:
        text = name.persian
        if name.split_persian:
            # A compound joined, with a zero-width non-joiner, or with a space.
            head, tail = text[: name.split_persian].rstrip("\u200c"), text[name.split_persian :]
            tail = tail.lstrip("\u200c")
            joiner = "" if head[-1] in NON_JOINING else "\u200c"
            text = head + self.random.choice((joiner, joiner, " ", "")) + tail
        if self.random.random() < 0.25:
            # Typed on an Arabic keyboard.
            text = text.replace("ی", "ي").replace("ک", "ك")
        if self.random.random() < 0.04:
            text = self._typo(text)
        return text

    def _latin(self, name: Name, style: str) -> str:
        text = name.latin
        if name.split_latin and self.random.random() < 0.5:
            head, tail = text[: name.split_latin], text[name.split_latin :]
            joiner = self.random.choice((" ", "-"))
            text = head + joiner + (tail.capitalize() if self.random.random() < 0.7 else tail)
        text = self._respell(text, style)
        if self.random.random() < 0.06:
            text = self._typo(text)
        if style == "roster" and self.random.random() < 0.3:
            text = text.upper()
        return text

    def _respell(self, text: str, style: str) -> str:
        chance = self.random.random

        def swap(old: str, new: str, probability: float) -> None:
            nonlocal text
            if old in text and chance() < probability:
                text = text.replace(old, new, 1)

        swap("gh", "q", 0.25)
        swap("Gh", "Q", 0.25)
        swap("ou", "u", 0.3)
        swap("ou", "oo", 0.15)
        swap("ei", "ey", 0.2)
        swap("ee", "i", 0.2)
        swap("aa", "a", 0.3)
        if text.endswith("eh") and chance() < 0.35:
            text = text[:-1]
        if text.endswith("i") and chance() < 0.08:
            text = text[:-1] + "y"
        swap("ss", "s", 0.3)
        swap("e", "a", 0.07)
        if style == "arabic":
            swap("o", "u", 0.6)  # Hossein → Hussein, Mohammad → Muhammad
            swap("v", "w", 0.5)
            swap("ei", "ai", 0.3)
            swap("ou", "oo", 0.3)
            swap("e", "i", 0.25)  # Kazem → Kazim, Narges → Nargis
            if text.endswith(("eh", "e")) and chance() < 0.4:
                text = text.rstrip("h")[:-1] + "a"  # Fatemeh → Fatima
            swap("Gh", "Q", 0.4)
        elif style == "roster":
            swap("j", "dj", 0.1)  # French-style Madjid
            swap("s", "ss", 0.15)
            swap("kh", "x", 0.05)
        return text

    def _typo(self, text: str) -> str:
        letters = list(text)
        if len(letters) < 4:
            return text
        position = self.random.randrange(1, len(letters) - 1)
        kind = self.random.randrange(4)
        if kind == 0:
            del letters[position]
        elif kind == 1:
            letters.insert(position, letters[position])
        elif kind == 2:
            letters[position], letters[position + 1] = letters[position + 1], letters[position]
        else:
            letters[position] = self.random.choice("aeiourntsdlmkh")
        return "".join(letters)

    def _date(self, person: Person, source: str) -> str:
        chance = self.random.random()
        year = person.year
        if self.random.random() < 0.05:
            year += self.random.choice((-1, 1))  # a year off: an age counted on another calendar
        if source in ("testimony", "media report"):
            if chance < 0.25:
                return ""
            if chance < 0.85:
                return f"{year}"
        elif chance < 0.08:
            return ""
        elif chance < 0.2:
            return f"{year}"
        elif chance < 0.25:
            return f"{year}-{person.month:02d}"
        month, day = person.month, person.day
        if source == "official roster":
            if day <= 12 and self.random.random() < 0.15:
                month, day = day, month
            return f"{day:02d}/{month:02d}/{year}"
        return f"{year}-{month:02d}-{day:02d}"

    def records(self, people: Sequence[Person], count: int) -> list[dict[str, str]]:
        """`count` records of the people, each person at least once, the rest at random."""
        sources = [source for source, *_ in SOURCES]
        shares = [share for *_, share in SOURCES]
        who = list(range(len(people))) + [
            self.random.randrange(len(people)) for _ in range(max(0, count - len(people)))
        ]
        self.random.shuffle(who)
        rows: list[dict[str, str]] = []
        for index, person_index in enumerate(who[:count]):
            person = people[person_index]
            source = self.random.choices(sources, shares)[0]
            _, script, style, _ = SOURCES[sources.index(source)]
            place = (
                PLACES[person.place][0]
                if script == "persian"
                else self.random.choice(PLACES[person.place][1])
            )
            given, family, father = (
                self._persian(name) if script == "persian" else self._latin(name, style)
                for name in (person.given, person.family, person.father)
            )
            if self.random.random() < (0.15 if source == "official roster" else 0.03):
                given, family = family, given  # family name first, in the given-name column
            rows.append(
                {
                    "record_id": f"r{index + 1:07d}",
                    "given_name": given,
                    "family_name": family,
                    "father_name": father if self.random.random() < 0.8 else "",
                    "birth_date": self._date(person, source),
                    "birth_place": place if self.random.random() < 0.8 else "",
                    "source": source,
                    "person_id": f"p{person.person_id}",
                }
            )
        return rows


def generate(
    records: int, *, seed: int = 1, records_per_person: float = 2.5
) -> list[dict[str, str]]:
    generator = Generator(seed)
    people = generator.people(max(1, round(records / records_per_person)))
    return generator.records(people, records)


def write_csv(rows: Sequence[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)
    rows = generate(arguments.records, seed=arguments.seed)
    write_csv(rows, arguments.out)
    print(f"wrote {len(rows)} records to {arguments.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
