"""Authorities' scorecards: the table of every authority, sortable by each of its figures,
and one authority's letters with where each stands.

The figures are those of docket.letters.figures, counted over the letters the
reader may see (`Letter.objects.visible_to(user)`), so a scorecard never
reveals that a letter the reader may not see exists.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import holidays
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from docket.cases.models import Authority
from docket.letters.figures import (
    AuthorityFigures,
    RecipientFigures,
    authorities_figures,
    letter_figures,
    with_figures_prefetched,
)
from docket.letters.models import Letter


@dataclass(frozen=True)
class Row:
    authority: Authority
    figures: AuthorityFigures


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Row], Any]
    numeric: bool = True


COLUMNS = (
    Column("name", _("Name"), lambda row: row.authority.name.casefold(), numeric=False),
    Column("kind", _("Kind"), lambda row: str(row.authority.get_kind_display()), numeric=False),
    Column(
        "country", _("Country"), lambda row: str(row.authority.country.name or ""), numeric=False
    ),
    Column("letters", _("Letters received"), lambda row: row.figures.letters_received),
    Column("questions", _("Questions asked"), lambda row: row.figures.questions_asked),
    Column("answered", _("Answered"), lambda row: row.figures.answered),
    Column("refused", _("Refused"), lambda row: row.figures.refused),
    Column("overdue", _("Overdue"), lambda row: row.figures.overdue),
    Column("share", _("Share answered"), lambda row: row.figures.share_answered),
    Column("median", _("Median days to answer"), lambda row: row.figures.median_days_to_answer),
)
BY_KEY = {column.key: column for column in COLUMNS}


@dataclass(frozen=True)
class Sort:
    key: str = "name"
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None) -> "Sort":
        """`?sort=overdue` sorts by a column, `?sort=-overdue` the other way round;
        anything else sorts by name."""
        value = value or ""
        key = value.removeprefix("-")
        if key not in BY_KEY:
            return cls()
        return cls(key, value.startswith("-"))

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class Header:
    key: str
    label: Any
    numeric: bool
    # The ?sort= value a click on the header asks for.
    next: str
    # "ascending" or "descending" on the column the table is sorted by (aria-sort).
    current: str | None


def headers(sort: Sort) -> list[Header]:
    """The table's column headers; a click sorts by the column, a second click reverses.
    A figure's first click puts the largest first, a name's the first in the alphabet."""
    result = []
    for column in COLUMNS:
        if column.key == sort.key:
            following = Sort(column.key, not sort.descending)
            current = "descending" if sort.descending else "ascending"
        else:
            following = Sort(column.key, column.numeric)
            current = None
        result.append(Header(column.key, column.label, column.numeric, following.value, current))
    return result


def rows(
    authorities: QuerySet[Authority], *, letters: QuerySet[Letter], as_of: date, sort: Sort
) -> list[Row]:
    """Every authority of `authorities` with its figures over `letters`, sorted; an empty
    figure (no question asked, none answered) comes last whichever way the table runs."""
    listed = list(authorities)
    figures = authorities_figures(listed, as_of=as_of, letters=letters)
    table = [Row(authority, figures[authority.pk]) for authority in listed]
    column = BY_KEY[sort.key]
    known = [row for row in table if column.value(row) is not None]
    unknown = [row for row in table if column.value(row) is None]
    # Python's sort is stable: equal figures keep the alphabetical order of `authorities`.
    known.sort(key=column.value, reverse=sort.descending)
    return known + unknown


def deadline_rule(authority: Authority) -> str:
    """The reply deadline in words: "30 working days, public holidays of Iran skipped"."""
    days = authority.response_days
    if not authority.working_days:
        return ngettext("%(days)s calendar day", "%(days)s calendar days", days) % {"days": days}
    country = str(authority.country or "")
    if country and country in holidays.list_supported_countries():
        return ngettext(
            "%(days)s working day, public holidays of %(country)s skipped",
            "%(days)s working days, public holidays of %(country)s skipped",
            days,
        ) % {"days": days, "country": authority.country.name}
    return ngettext(
        "%(days)s working day (Monday to Friday)", "%(days)s working days (Monday to Friday)", days
    ) % {"days": days}


@dataclass(frozen=True)
class LetterToAuthority:
    letter: Letter
    copy: RecipientFigures
    status: str


def _status(copy: RecipientFigures) -> str:
    if copy.days_since_sent is None:
        return str(_("Not sent yet"))
    if copy.overdue_questions:
        return ngettext(
            "%(count)s question overdue", "%(count)s questions overdue", copy.overdue_questions
        ) % {"count": copy.overdue_questions}
    if copy.open_questions:
        return ngettext(
            "%(count)s question open", "%(count)s questions open", copy.open_questions
        ) % {"count": copy.open_questions}
    return str(_("Every question dealt with"))


def letters_to(
    authority: Authority, *, letters: QuerySet[Letter], as_of: date
) -> list[LetterToAuthority]:
    """The letters of `letters` sent (or to be sent) to `authority`, newest first, each with
    its copy's figures."""
    found = with_figures_prefetched(letters.filter(dispatches__authority=authority)).order_by(
        "-created_at", "-pk"
    )
    result = []
    for letter in found:
        figures = letter_figures(letter, as_of=as_of)
        copy = next(r for r in figures.recipients if r.authority_id == authority.pk)
        result.append(LetterToAuthority(letter, copy, _status(copy)))
    return result
