"""Dates and durations in text: Gregorian or Solar Hijri, in words or digits.

Every find keeps its span in the text and its precision (a year, a month, a day), so a
date proposed from "March 2021" is "2021-03", never a made-up day. Solar Hijri dates
("۱۲ اسفند ۱۳۹۹", "Esfand 1399", "1399/12/12") are turned into Gregorian ones with
jdatetime; a Solar Hijri month or year spans two Gregorian ones, so it keeps the
precision of the Gregorian month or year its first day falls in.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import timedelta

import jdatetime

from docket.drafts import lexicon
from docket.lib.partialdate import PartialDate


@dataclass(frozen=True)
class FoundDate:
    begin: int
    end: int
    value: PartialDate


@dataclass(frozen=True)
class Duration:
    begin: int
    end: int
    amount: int
    unit: str  # day, week, month, year

    @property
    def days(self) -> int:
        return self.amount * {"day": 1, "week": 7, "month": 30, "year": 365}[self.unit]


def _alternatives(words: list[str]) -> str:
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


def _month_table() -> dict[str, tuple[int, bool]]:
    """Each month word: (month number, Solar Hijri?)."""
    table: dict[str, tuple[int, bool]] = {}
    for number, word in enumerate(lexicon.EN_MONTHS, 1):
        table[word] = (number, False)
    for number, word in enumerate(lexicon.EN_MONTHS_SHORT, 1):
        table.setdefault(word, (number, False))
    for number, word in enumerate(lexicon.SQ_MONTHS, 1):
        table[word] = (number, False)
    for number, forms in enumerate(lexicon.SQ_MONTH_FORMS, 1):
        for word in forms:
            table[word] = (number, False)
    for number, forms in enumerate(lexicon.FA_GREGORIAN_MONTHS, 1):
        for word in forms:
            table[word] = (number, False)
    for number, forms in enumerate(lexicon.SOLAR_MONTHS, 1):
        for word in forms:
            table[word] = (number, True)
    return table


MONTHS = _month_table()
_MONTH = rf"(?P<month>{_alternatives(list(MONTHS))})"
_DAY_WORDS = {**lexicon.EN_ORDINALS, **lexicon.FA_ORDINALS}
_DAY = rf"(?P<day>\d{{1,2}}|{_alternatives(list(_DAY_WORDS))})(?:st|nd|rd|th|\.|-?ام|-?م)?"
_YEAR = r"(?P<year>\d{4})"
_B = r"(?<![\w/.-])"  # a number standing alone
_E = r"(?![\w/-]|\.\d)"

PATTERNS = [
    # 2021-03-12, 1399/12/12 (Solar Hijri when the year is below 1700)
    re.compile(rf"{_B}(?P<year>\d{{4}})[-/.](?P<mnum>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_E}"),
    # 12.03.2021, 12/03/2021 (day first, as in Albania and Iran)
    re.compile(rf"{_B}(?P<day>\d{{1,2}})[-/.](?P<mnum>\d{{1,2}})[-/.](?P<year>\d{{4}}){_E}"),
    # the 12th of March 2021, 12 mars 2021, ۱۲ اسفند ۱۳۹۹, 12 Esfand 1399, دوازدهم اسفند ۱۳۹۹
    re.compile(
        rf"{_B}(?:the\s+)?{_DAY}\s+(?:of\s+|(?:e|i|të)\s+)?(?:muajit\s+)?{_MONTH}"
        rf"(?:,?\s+(?:(?:of|të|sal|سال)\s+)?(?:vitit\s+)?{_YEAR})?(?![\w])"
    ),
    # March 12, 2021
    re.compile(rf"(?<![\w]){_MONTH}\s+{_DAY},?\s+{_YEAR}{_E}"),
    # March 2021, mars 2021, Esfand 1399, اسفند ۱۳۹۹, اسفند ماه ۱۳۹۹
    re.compile(
        rf"(?<![\w]){_MONTH}(?:\s+ماه)?(?:\s+(?:of|të|i|e|سال))?(?:\s+vitit)?\s+{_YEAR}{_E}"
    ),
    # in 2021, në vitin 2021, سال ۱۳۹۹, در ۱۳۹۹
    re.compile(
        rf"(?:\b(?:in|since|until|from|to|by|of|early|late|mid|në|nga|deri|prej|vitin|vitit)\s+|(?<![^\s])(?:سال|در|از|تا)\s+)"
        rf"(?:(?:vitin|vitit|سال)\s+)?{_YEAR}{_E}"
    ),
]


def _day_number(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    return _DAY_WORDS.get(text)


def _solar(year: int, month: int | None, day: int | None) -> PartialDate | None:
    try:
        first = jdatetime.date(year, month or 1, day or 1).togregorian()
    except ValueError:
        return None
    if day is not None:
        return PartialDate(first.year, first.month, first.day)
    if month is not None:
        # A Solar Hijri month runs from about the 21st of one Gregorian month to the 20th of
        # the next; it is given as the Gregorian month most of it falls in.
        middle = jdatetime.date(year, month, 15).togregorian()
        return PartialDate(middle.year, middle.month)
    return PartialDate(jdatetime.date(year, 6, 1).togregorian().year)


def _make(year: int, month: int | None, day: int | None, solar: bool) -> PartialDate | None:
    if solar or year < 1700:
        if not 1300 <= year <= 1500:
            return None
        return _solar(year, month, day)
    if not 1900 <= year <= 2100:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return PartialDate(year, month, day)


def find_dates(text: str, *, default_year: int | None = None) -> list[FoundDate]:
    """Every date in normalised `text`, the longest find winning where two overlap."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            begin, end = match.span()
            if "year" in match.re.groupindex and match.group("year") is None:
                continue
            if any(begin < stop and start < end for start, stop in taken):
                continue
            groups = match.groupdict()
            solar = False
            month: int | None = None
            if groups.get("mnum"):
                month = int(groups["mnum"])
            elif groups.get("month"):
                month, solar = MONTHS[groups["month"]]
            day = _day_number(groups.get("day"))
            year_text = groups.get("year")
            if year_text is None:
                continue
            value = _make(int(year_text), month, day, solar)
            if value is None:
                continue
            # The year alone: where the number stands, not the word before it.
            if month is None and day is None:
                begin = match.start("year")
            found.append(FoundDate(begin, end, value))
            taken.append((begin, end))
    return sorted(found, key=lambda item: item.begin)


_NUMBER_WORDS = {**lexicon.EN_NUMBERS, **lexicon.SQ_NUMBERS, **lexicon.FA_NUMBERS}
_NUMBER = _alternatives(list(_NUMBER_WORDS))
# "five", "29", "twenty-nine", "بیست و سه", "njëzet e një"
_AMOUNT = rf"(?P<amount>\d{{1,3}}|{_NUMBER})(?:(?:\s+و\s+|-|\s+e\s+)(?P<more>{_NUMBER}))?"
_UNIT = rf"(?P<unit>{_alternatives(list(lexicon.UNITS))})"
DURATIONS = [
    re.compile(
        rf"(?:\b(?:for|over|some|about|nearly|almost|për|prej|gati|rreth)\s+"
        rf"(?:(?:about|nearly|almost|more than|over|rreth|gati)\s+)?"
        rf"|(?<![^\s])(?:به مدت|مدت|حدود|بیش از)\s+)"
        rf"{_AMOUNT}\s+{_UNIT}(?![\w])"
    ),
    re.compile(rf"(?<![\w]){_AMOUNT}\s+{_UNIT}(?:\s+(?:است|بود|تمام))(?![\w])"),
]


def find_durations(text: str) -> list[Duration]:
    found: list[Duration] = []
    matches = [match for pattern in DURATIONS for match in pattern.finditer(text)]
    for match in matches:
        if any(item.begin <= match.start("amount") < item.end for item in found):
            continue
        amount_text = match.group("amount")
        amount = int(amount_text) if amount_text.isdigit() else _NUMBER_WORDS[amount_text]
        if match.group("more"):
            amount += _NUMBER_WORDS[match.group("more")]
        unit = lexicon.UNITS[match.group("unit")][0]
        found.append(Duration(match.start("amount"), match.end("unit"), amount, unit))
    return found


def add(value: PartialDate, duration: Duration, *, sign: int = 1) -> PartialDate | None:
    """`value` moved by `duration`, at `value`'s precision (a year moved by months is None)."""
    if duration.unit in ("day", "week"):
        if value.day is None:
            return None
        moved = value.earliest() + sign * timedelta(days=duration.days)
        return PartialDate(moved.year, moved.month, moved.day)
    months = duration.amount * (12 if duration.unit == "year" else 1)
    if value.month is None:
        if months % 12:
            return None
        return PartialDate(value.year + sign * months // 12)
    index = value.year * 12 + value.month - 1 + sign * months
    year, month = divmod(index, 12)
    if value.day is None:
        return PartialDate(year, month + 1)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return PartialDate(year, month + 1, day)


def days_between(start: PartialDate, end: PartialDate) -> int:
    return (end.earliest() - start.earliest()).days
