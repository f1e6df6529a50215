"""Dates as people read and type them: one place for every page, list, PDF and email.

Shown (`show_date`, the `showdate` template filter):

- English "3 Dec 2026" ("3 December 2026" printed for others), Albanian
  "3 dhjetor 2026", Persian in the Solar Hijri calendar with Persian digits,
  "۱۲ آذر ۱۴۰۵", by default. Never month before day, never slashes.
- A user may choose the calendar (Gregorian, Solar Hijri) and the digits (Latin,
  Persian) in their settings; the choice reaches the filters through a context
  variable set per request (`docket.lib.dates.PreferencesMiddleware`). Without a
  choice (or outside a request: tasks, emails) the language decides.
- A page printed for others (a PDF, a reply to a family) ignores the reader's own
  choice: it follows the document's language, and a Solar Hijri date has the
  Gregorian beside it, "۱۲ آذر ۱۴۰۵ (۳ دسامبر ۲۰۲۶)".
- Partial dates keep their precision. A Gregorian month or year does not line up
  with Solar Hijri ones (the Solar Hijri year starts at the March equinox), so in
  that calendar a partial date is shown as the Solar Hijri span it covers: the
  year 2026 is "۱۴۰۴–۱۴۰۵", December 2026 "آذر–دی ۱۴۰۵". Nothing is made more
  precise than what was recorded. An approximate date reads "about ...".

Typed (`parse_entry`): YYYY-MM-DD, YYYY-MM or YYYY (a trailing "~" for "about"),
with Latin or Persian digits and "-" or "/" between the parts. A year from 1200 to
1499, or one marked "SH" / "ه.ش", is a Solar Hijri one ("۱۴۰۵/۰۹/۱۲"): no record
in Docket is dated in the Gregorian 13th-15th centuries. Dates are stored in the
Gregorian calendar as before; a Solar Hijri month or year is stored as the
Gregorian month or year most of it falls in (as `docket.drafts.dates` does).
Day/month orders (03/12/2026) are refused: they read differently in each country.
"""

import calendar
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jdatetime
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from docket.lib.partialdate import PartialDate

GREGORIAN = "gregorian"
SOLAR_HIJRI = "solar_hijri"
LATIN = "latin"
PERSIAN = "persian"

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": tuple("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()),
    "sq": tuple(
        "janar shkurt mars prill maj qershor korrik gusht shtator tetor nëntor dhjetor".split()
    ),
    "fa": (
        "ژانویه",
        "فوریه",
        "مارس",
        "آوریل",
        "مه",
        "ژوئن",
        "ژوئیه",
        "اوت",
        "سپتامبر",
        "اکتبر",
        "نوامبر",
        "دسامبر",
    ),
}
# Full English month names, for messages ("February 1980 has only 29 days").
_MONTHS_LONG_EN = tuple(calendar.month_name)[1:]
_SOLAR_MONTHS: dict[str, tuple[str, ...]] = {
    "fa": (
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ),
    # Transliterated, for a reader of English or Albanian who chose this calendar.
    "en": tuple(
        "Farvardin Ordibehesht Khordad Tir Mordad Shahrivar "
        "Mehr Aban Azar Dey Bahman Esfand".split()
    ),
}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@dataclass(frozen=True)
class Preferences:
    """How a reader wants dates: empty means "as the language has it"."""

    calendar: str = ""
    digits: str = ""


_preferences: ContextVar[Preferences | None] = ContextVar("date_preferences", default=None)


def _language(language: str | None = None) -> str:
    code = (language or translation.get_language() or "en").split("-")[0]
    return code if code in _MONTHS else "en"


def default_calendar(language: str | None = None) -> str:
    return SOLAR_HIJRI if _language(language) == "fa" else GREGORIAN


def default_digits(language: str | None = None) -> str:
    return PERSIAN if _language(language) == "fa" else LATIN


def _settings(language: str, printed: bool) -> tuple[str, str]:
    chosen = None if printed else _preferences.get()
    calendar_name = (chosen and chosen.calendar) or default_calendar(language)
    digits = (chosen and chosen.digits) or default_digits(language)
    return calendar_name, digits


def _digits(text: str, digits: str) -> str:
    return text.translate(_PERSIAN_DIGITS) if digits == PERSIAN else text


def list_separator(language: str | None = None) -> str:
    """The comma between items of a list: Persian writes "،"."""
    return "، " if _language(language) == "fa" else ", "


def _as_partial(value: Any) -> PartialDate | None:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return PartialDate.from_date(moment.date())
    if isinstance(value, date):
        return PartialDate.from_date(value)
    if isinstance(value, str) and value.strip():
        try:
            return PartialDate.parse(value)
        except ValueError:
            return None
    return None


def _gregorian(value: PartialDate, language: str, *, long: bool = False) -> str:
    # A letter printed in English spells the month out; lists and pages abbreviate it.
    months = _MONTHS_LONG_EN if long and language == "en" else _MONTHS[language]
    if value.month is None:
        return str(value.year)
    if value.day is None:
        return f"{months[value.month - 1]} {value.year}"
    return f"{value.day} {months[value.month - 1]} {value.year}"


def _solar_hijri(value: PartialDate, language: str) -> str:
    months = _SOLAR_MONTHS["fa" if language == "fa" else "en"]
    first = jdatetime.date.fromgregorian(date=value.earliest())
    if value.day is not None:
        return f"{first.day} {months[first.month - 1]} {first.year}"
    last = jdatetime.date.fromgregorian(date=value.latest())
    if value.month is None:
        # A Gregorian year always spans two Solar Hijri ones.
        return f"{first.year}–{last.year}"
    if first.year == last.year:
        return f"{months[first.month - 1]}–{months[last.month - 1]} {first.year}"
    return f"{months[first.month - 1]} {first.year}–{months[last.month - 1]} {last.year}"


def show_date(
    value: Any,
    *,
    language: str | None = None,
    calendar_name: str | None = None,
    digits: str | None = None,
    printed: bool = False,
) -> str:
    """A date, datetime (its local day) or partial date as the reader reads it; "" for none.

    `printed`: a page for someone else (PDF, reply, email): the language's own
    calendar and digits, not the current reader's, and the Gregorian date beside
    a Solar Hijri one."""
    partial = _as_partial(value)
    if partial is None:
        return "" if value in (None, "") else str(value)
    code = _language(language)
    chosen_calendar, chosen_digits = _settings(code, printed)
    calendar_name = calendar_name or chosen_calendar
    digits = digits or chosen_digits
    with translation.override(code):
        if calendar_name == SOLAR_HIJRI:
            text = _solar_hijri(partial, code)
            if printed:
                text = f"{text} ({_gregorian(partial, code)})"
        else:
            text = _gregorian(partial, code, long=printed)
        if partial.approximate:
            text = _("about %(date)s") % {"date": text}
    return _digits(text, digits)


def machine_date(value: Any) -> str:
    """The ISO text of a date or partial date (without "~"), as HTML's <time> wants it."""
    partial = _as_partial(value)
    return PartialDate(partial.year, partial.month, partial.day).isoformat() if partial else ""


def show_datetime(value: datetime | None, *, language: str | None = None) -> str:
    """A moment: its local day as `show_date` gives it, and the time, "3 Dec 2026, 14:05"."""
    if value is None:
        return ""
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    code = _language(language)
    _calendar, digits = _settings(code, False)
    day = show_date(moment.date(), language=code)
    return day + list_separator(code) + _digits(moment.strftime("%H:%M"), digits)


def month_name(year: int, month: int, *, solar: bool = False) -> str:
    """ "February 1980" (or "Esfand 1403") in the current language, for messages."""
    code = _language()
    if solar:
        names = _SOLAR_MONTHS["fa" if code == "fa" else "en"]
    else:
        names = _MONTHS_LONG_EN if code == "en" else _MONTHS[code]
    return _digits(f"{names[month - 1]} {year}", default_digits(code))


# Entry --------------------------------------------------------------------------------

_ENTRY = re.compile(
    r"^(?P<year>\d{4})(?:[-/](?P<month>\d{1,2})(?:[-/](?P<day>\d{1,2}))?)?"
    r"\s*(?P<about>~)?\s*(?P<marker>SH|ه\.?\s?ش\.?|هـ\.?\s?ش\.?)?\s*(?P<about2>~)?$",
    re.IGNORECASE,
)
SOLAR_YEARS = range(1200, 1500)


ENTRY_HELP = gettext_lazy(
    "YYYY-MM-DD, YYYY-MM or YYYY; add ~ if approximate. A Solar Hijri date works too: 1405/09/12."
)
DAY_HELP = gettext_lazy("YYYY-MM-DD; a Solar Hijri date works too: 1405/09/12.")


def parse_entry(text: str, *, partial: bool = True) -> PartialDate:
    """What a person typed into a date box, as a (Gregorian) partial date.

    Raises ValidationError with a message saying what is wrong: the format, a month
    that does not exist, a day the month does not have, a missing day where the
    field wants one."""
    cleaned = text.strip().translate(_TO_LATIN)
    match = _ENTRY.match(cleaned)
    if not match:
        if re.match(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$", cleaned):
            raise ValidationError(
                _(
                    "Write the year first (YYYY-MM-DD): a date such as 03/12/2026 "
                    "reads differently in different countries."
                ),
                code="invalid",
            )
        raise ValidationError(
            _("Enter a date as YYYY-MM-DD, YYYY-MM or YYYY.")
            if partial
            else _("Enter a date as YYYY-MM-DD."),
            code="invalid",
        )
    year = int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    approximate = bool(match["about"] or match["about2"])
    solar = bool(match["marker"]) or year in SOLAR_YEARS
    if not partial and (day is None or approximate):
        raise ValidationError(_("Enter the whole date: year, month and day."), code="partial")
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(
            _("There is no month %(month)s: months go from 1 to 12.") % {"month": month},
            code="invalid_month",
        )
    if solar:
        result = _from_solar(year, month, day)
    else:
        if day is not None and month is not None:
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                raise ValidationError(
                    _("%(month)s has only %(days)s days, not %(day)s.")
                    % {"month": month_name(year, month), "days": days, "day": day},
                    code="invalid_day",
                )
        result = PartialDate(year, month, day)
    if approximate:
        result = PartialDate(result.year, result.month, result.day, True)
    return result


def _from_solar(year: int, month: int | None, day: int | None) -> PartialDate:
    if day is not None and month is not None:
        days = jdatetime.j_days_in_month[month - 1]
        if month == 12 and jdatetime.date(year, 1, 1).isleap():
            days = 30
        if not 1 <= day <= days:
            raise ValidationError(
                _("%(month)s has only %(days)s days, not %(day)s.")
                % {"month": month_name(year, month, solar=True), "days": days, "day": day},
                code="invalid_day",
            )
        gregorian = jdatetime.date(year, month, day).togregorian()
        return PartialDate(gregorian.year, gregorian.month, gregorian.day)
    if month is not None:
        # A Solar Hijri month runs from about the 21st of one Gregorian month to the 20th
        # of the next: kept as the Gregorian month most of it falls in.
        middle = jdatetime.date(year, month, 15).togregorian()
        return PartialDate(middle.year, middle.month)
    return PartialDate(jdatetime.date(year, 6, 1).togregorian().year)


def refuse_future(value: PartialDate | date | None, *, today: date | None = None) -> None:
    """A start that has not happened yet is a typing mistake (2031 for 2021)."""
    if value is None:
        return
    first = value.earliest() if isinstance(value, PartialDate) else value
    today = today or timezone.localdate()
    if first > today:
        raise ValidationError(
            _("%(date)s is in the future: enter a date up to today (%(today)s).")
            % {"date": show_date(value), "today": show_date(today)},
            code="future",
        )


# Threading the reader's choice ---------------------------------------------------------


def preferences_of(user: Any) -> Preferences:
    return Preferences(
        calendar=getattr(user, "date_calendar", "") or "",
        digits=getattr(user, "date_digits", "") or "",
    )


class PreferencesMiddleware:
    """Sets the signed-in reader's calendar and digits for the dates this request shows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = preferences_of(user) if user is not None and user.is_authenticated else None
        token = _preferences.set(chosen)
        try:
            return self.get_response(request)
        finally:
            _preferences.reset(token)


def using(preferences: Preferences | None) -> Any:
    """A context manager setting the preferences, for tests and commands."""
    from contextlib import contextmanager

    @contextmanager
    def scope() -> Any:
        token = _preferences.set(preferences)
        try:
            yield
        finally:
            _preferences.reset(token)

    return scope()
