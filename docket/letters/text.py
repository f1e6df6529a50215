"""What a letter says: its Markdown body rendered safely, and the cases it cites, redacted
by rule.

The rule for a cited case, the same in the copy sent, the PDF and the public
page, so an authority and the public read the same letter:

- a public case is cited in full: title and summary;
- any other case only by its number and the initials of its persons, unless
  the writer chose to cite it in full (`Letter.revealed_cases`, which only a
  writer who may edit the case can set) and the case is not secret: the choice
  is read at every rendering, so a case made secret after it was revealed is
  cited by number and initials from then on, in public output too;
- on a staff page (`reader` given), a case the reader may not see is never
  cited in full, whatever the writer chose;
- a person is named in full only when the person's own record is public;
  everyone else appears by initials, even in a case cited in full.
"""

from dataclasses import dataclass
from typing import Any

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from docket.accounts.permissions import Confidentiality
from docket.cases.models import Case
from docket.letters.models import Letter
from docket.lib.dates import list_separator
from docket.people.models import Person

# Enough for a letter: paragraphs, emphasis, lists, quotations, headings, links, tables.
ALLOWED_TAGS = {
    "p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "h2", "h3", "h4",
    "a", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> SafeString:
    """HTML for `text`; whatever HTML or script the text holds is dropped by an allow-list."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 has just removed everything not allowed.
    return mark_safe(cleaned)  # noqa: S308  # nosec B308 B703


def initials(name: str) -> str:
    """ "Azar Rahimi" gives "A. R."; a name in Persian script gives its Persian initials."""
    return " ".join(f"{word[0].upper()}." for word in name.replace("-", " ").split() if word)


def person_label(person: Person) -> str:
    if person.confidentiality == Confidentiality.PUBLIC and person.deleted_at is None:
        return person.display_name
    return initials(person.display_name)


@dataclass(frozen=True)
class Citation:
    number: int
    full: bool
    title: str
    summary: str
    persons: list[str]


def citation(case: Case, *, revealed: bool, readable: bool = True) -> Citation:
    """`revealed`: the writer chose to cite it in full; `readable`: the reader may see it
    (always, for public output, which has no reader)."""
    full = case.confidentiality == Confidentiality.PUBLIC or (
        revealed and readable and case.confidentiality != Confidentiality.SECRET
    )
    persons = [person_label(person) for person in case.persons.all() if person.deleted_at is None]
    return Citation(
        number=case.pk,
        full=full,
        title=case.title if full else "",
        summary=case.summary if full else "",
        persons=persons,
    )


def citations(letter: Letter, *, reader: Any = None) -> list[Citation]:
    """The letter's cited cases; with a `reader` (a staff page), a case that reader may
    not see is cited by number and initials only."""
    revealed = set(letter.revealed_cases.values_list("pk", flat=True))
    cases = letter.cases.filter(deleted_at__isnull=True).prefetch_related("persons__names")
    readable: set[int] | None = None
    if reader is not None:
        readable = set(
            Case.objects.visible_to(reader).filter(pk__in=revealed).values_list("pk", flat=True)
        )
    return [
        citation(
            case,
            revealed=case.pk in revealed,
            readable=readable is None or case.pk in readable,
        )
        for case in cases.order_by("pk")
    ]


def plain_text(letter: Letter) -> str:
    """The letter as plain text, for the body of an email: body, cited cases, questions."""
    lines = [letter.title, "", letter.body.strip(), ""]
    cited = citations(letter)
    if cited:
        with override(letter.language):
            lines.append(_("Cases cited:"))
        for item in cited:
            who = list_separator(letter.language).join(item.persons)
            if item.full:
                lines.append(f"- {item.number}. {item.title} ({who}): {item.summary}".rstrip(": "))
            else:
                lines.append(f"- {item.number}. {who}")
        lines.append("")
    for question in letter.questions.order_by("number"):
        lines.append(f"{question.number}. {question.text}")
    return "\n".join(lines).strip() + "\n"
