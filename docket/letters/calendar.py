"""When a reply is due: calendar days, or working days that skip each country's weekend
and public holidays.

Public holidays come from the `holidays` package, which ships them as data for
about 150 countries (Iran's Nowruz and its lunar holidays, Australia's
national days, and so on) together with each country's weekend (Friday in
Iran, Saturday and Sunday in most of Europe). An authority without a country,
or in a country the package does not know, has a Saturday-and-Sunday weekend
and no holidays.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

SATURDAY_SUNDAY = frozenset({5, 6})


@lru_cache(maxsize=64)
def _calendar(country: str) -> holidays.HolidayBase | None:
    if not country:
        return None
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:
        return None


def weekend(country: str) -> frozenset[int]:
    calendar = _calendar(country)
    days = getattr(calendar, "weekend", None) if calendar is not None else None
    return frozenset(days) if days else SATURDAY_SUNDAY


def is_working_day(day: date, country: str = "") -> bool:
    if day.weekday() in weekend(country):
        return False
    calendar = _calendar(country)
    # The calendar fills in each year's holidays the first time a day of it is asked.
    return calendar is None or day not in calendar


def holiday_name(day: date, country: str) -> str | None:
    calendar = _calendar(country)
    return calendar.get(day) if calendar is not None else None


def due_date(sent_on: date, *, days: int, working_days: bool, country: str = "") -> date:
    """The day a reply is due: `days` calendar days after sending, or `days` working days
    of the authority's country (the day of sending not counted)."""
    if not working_days:
        return sent_on + timedelta(days=days)
    due, counted = sent_on, 0
    while counted < days:
        due += timedelta(days=1)
        if is_working_day(due, country):
            counted += 1
    return due
