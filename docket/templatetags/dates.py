"""`showdate`, `showdatetime`, `listsep`, `translated`: as the reader reads them.

Built in to every template (settings.TEMPLATES "builtins"); the rules are in
docket.lib.dates. `{{ day|showdate }}` follows the reader's settings;
`{{ day|showdate:"printed" }}` is for a page printed for others (the document's
language's calendar, with the Gregorian beside a Solar Hijri date).
"""

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext

from docket.lib import dates

register = template.Library()


@register.filter
def showdate(value: Any, how: str = "") -> str:
    if isinstance(value, datetime) and how == "time":
        return dates.show_datetime(value)
    return dates.show_date(value, printed=how == "printed")


@register.filter
def showdatetime(value: datetime | None) -> str:
    return dates.show_datetime(value)


@register.simple_tag
def listsep() -> str:
    """The comma between the items of a list: "، " on a Persian page."""
    return dates.list_separator()


@register.filter
def joinlist(values: Any) -> str:
    """Items joined by the page's comma (autoescaped as one string by the caller)."""
    return dates.list_separator().join(str(value) for value in values or ())


@register.filter
def dated(value: Any) -> str:
    """`showdate` in a <time> element whose `datetime` is the ISO date (partial as it is),
    for machines and for readers whose browser shows it."""
    shown = dates.show_date(value)
    if not shown:
        return ""
    machine = dates.machine_date(value)
    if not machine:
        return conditional_escape(shown)
    return format_html('<time datetime="{}">{}</time>', machine, shown)


@register.filter
def translated(value: Any) -> str:
    """A text Docket ships in English and stores (a default of the register, a
    vocabulary label) in the page's language; a text someone typed is no msgid and
    shows as typed."""
    text = "" if value is None else str(value)
    return gettext(text) if text else ""
