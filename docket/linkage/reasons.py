"""Why the model thinks two persons match, in words a reviewer reads.

Each comparison of a pair (docket.linkage.scoring.Evidence) is shown as what
was compared, what the model saw ("same name key", "day and month swapped"),
and its weight as a factor on the odds: "×40" makes the pair forty times
likelier one person, "÷20" twenty times likelier two.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COMPARISONS: dict[str, Promise] = {
    "given": _("Given name"),
    "family": _("Family name"),
    "father": _("Father's name"),
    "birth_date": _("Birth date"),
    "birth_place": _("Birth place"),
    "nationality": _("Nationality"),
}

# The labels of docket.linkage.model's levels, by pattern (Splink writes some itself).
_LEVELS: list[tuple[re.Pattern[str], Promise]] = [
    (re.compile(r" is NULL$|^unknown$"), _("not known on one side")),
    (re.compile(r"^Exact match on \w+_key$"), _("same key: the same name, however spelt")),
    (re.compile(r"^Exact match on nationality$"), _("the same")),
    (re.compile(r"^Array intersection size"), _("one spelling can be read as the other")),
    (re.compile(r"^one edit apart$"), _("keys one letter apart")),
    (re.compile(r"^Jaro-Winkler distance of \w+_text"), _("spellings nearly alike (a typo?)")),
    (re.compile(r"^Exact match on \w+_skel$"), _("the same consonants")),
    (re.compile(r"^written as the other's family name$"), _("written as the other's family name")),
    (re.compile(r"^written as the other's given name$"), _("written as the other's given name")),
    (re.compile(r"^Jaro-Winkler distance of \w+_key"), _("somewhat alike")),
    (re.compile(r"^same date$"), _("the same date")),
    (re.compile(r"^day and month swapped$"), _("day and month swapped")),
    (re.compile(r"^same day and month, a year apart$"), _("the same day and month, a year apart")),
    (re.compile(r"^same year, one says less$"), _("the same year, one says less")),
    (re.compile(r"^same year, different day$"), _("the same year, another day")),
    (re.compile(r"^one year apart$"), _("one year apart")),
    (re.compile(r"^All other comparisons$"), _("different")),
]


def level_words(label: str) -> str:
    for pattern, words in _LEVELS:
        if pattern.search(label):
            return str(words)
    return label


def factor(weight: float) -> str:
    """A weight in bits as a factor on the odds: ×40, ÷20, ×1.5."""
    ratio = 2.0 ** abs(weight)
    shown = f"{ratio:.1f}" if ratio < 10 else f"{ratio:,.0f}"
    if shown.endswith(".0"):
        shown = shown[:-2]
    return ("÷" if weight < 0 else "×") + shown


@dataclass(frozen=True)
class Reason:
    comparison: str
    level: str
    weight: float
    factor: str

    @property
    def direction(self) -> str:
        """for, against or none: how this comparison moves the pair."""
        if abs(self.weight) < 0.05:
            return "none"
        return "for" if self.weight > 0 else "against"


def reasons(weights: list[dict[str, Any]]) -> list[Reason]:
    return [
        Reason(
            comparison=str(COMPARISONS.get(entry["comparison"], entry.get("description", ""))),
            level=level_words(entry.get("level", "")),
            weight=float(entry.get("weight", 0.0)),
            factor=factor(float(entry.get("weight", 0.0))),
        )
        for entry in weights
    ]
