"""A draft communication to the UN Working Group on Arbitrary Detention, filled from a
detention case, for staff to complete.

It follows the sections of the Working Group's model questionnaire for persons
alleging arbitrary arrest or detention: I. identity, II. arrest, III. detention
(with the legal basis invoked for each), IV. why it is arbitrary, V. remedies
sought at home (the letters to authorities and their answers), VI. the
submitter. What Docket knows is filled in; the rest is marked "[to complete]".
It names the person: it is for a submission made with their consent or their
family's, and it is read through the read door like a PDF.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from docket.cases.figures import case_figures
from docket.cases.models import Case, Event
from docket.dossiers.build import _letters, _rights
from docket.letters.models import Letter
from docket.people.models import NameKind, Person

TO_COMPLETE = "[to complete]"


@dataclass
class Section:
    heading: str
    lines: list[tuple[str, str]]


def _names(person: Person, kind: str) -> str:
    return ", ".join(name.name for name in person.names.all() if name.kind == kind)


def _detained_persons(case: Case, events: list[Event], reader: Any) -> list[Person]:
    victims = {
        item.person_id
        for event in events
        if event.type.code == "detention"
        for item in event.involvements.all()
        if item.role.code == "victim"
    }
    return list(Person.objects.visible_to(reader).filter(pk__in=victims).prefetch_related("names"))


def draft(case: Case, *, reader: Any, as_of: date, person: Person | None = None) -> list[Section]:
    """The sections of the draft for `case` (fetched through the read door), about `person`
    or else each person detained in it."""
    figures = case_figures(case, as_of=as_of, user=reader)
    detained = _detained_persons(case, figures.events, reader)
    if person is not None:
        detained = [candidate for candidate in detained if candidate.pk == person.pk]
    blank = _(TO_COMPLETE)
    sections: list[Section] = []
    for index, held in enumerate(detained, start=1):
        own = [
            event
            for event in figures.events
            if any(item.person_id == held.pk for item in event.involvements.all())
        ]
        detentions = [event for event in own if event.type.code == "detention"]
        first = detentions[0] if detentions else None
        numbers = figures.persons.get(held.pk)
        prefix = f"{index}. " if len(detained) > 1 else ""
        sections.append(
            Section(
                prefix + _("I. Identity"),
                [
                    (_("Family name"), _names(held, NameKind.FAMILY) or blank),
                    (_("First name"), _names(held, NameKind.GIVEN) or blank),
                    (_("Full name as recorded"), held.display_name),
                    (_("Other names"), _names(held, NameKind.ALIAS) or "—"),
                    (_("Sex"), str(held.get_sex_display())),
                    (_("Birth date"), str(held.birth_date or blank)),
                    (_("Nationality"), str(held.nationality.name or blank)),
                    (_("Identity document, issued by, date, number"), blank),
                    (_("Profession or activity"), blank),
                    (_("Address of usual residence"), blank),
                ],
            )
        )
        sections.append(
            Section(
                prefix + _("II. Arrest"),
                [
                    (_("Date of arrest"), str(first.start) if first and first.start else blank),
                    (
                        _("Place of arrest"),
                        (first.place_name if first and first.place_name else blank),
                    ),
                    (
                        _("Forces who carried out the arrest"),
                        first.authority.name if first and first.authority else blank,
                    ),
                    (_("Was a warrant shown? Issued by whom?"), blank),
                    (_("Reasons for the arrest given by the authorities"), blank),
                    (_("Legal basis for the arrest, with the legislation applied"), blank),
                ],
            )
        )
        places = sorted({event.place_name for event in detentions if event.place_name})
        sections.append(
            Section(
                prefix + _("III. Detention"),
                [
                    (_("Date of detention"), str(first.start) if first and first.start else blank),
                    (
                        _("Duration of detention"),
                        _("%(days)s days as of %(date)s (%(uncharged)s without charge)")
                        % {
                            "days": numbers.days_detained_total,
                            "date": as_of.isoformat(),
                            "uncharged": numbers.days_detained_without_charge,
                        }
                        if numbers
                        else blank,
                    ),
                    (
                        _("Authorities holding the detainee"),
                        ", ".join(
                            sorted(
                                {event.authority.name for event in detentions if event.authority}
                            )
                        )
                        or blank,
                    ),
                    (_("Places of detention"), ", ".join(places) or blank),
                    (_("Authorities that ordered the detention"), blank),
                    (
                        _("Charged"),
                        _("yes")
                        if any(event.charged for event in detentions)
                        else _("not charged, as far as recorded"),
                    ),
                    (_("Reasons for the detention given by the authorities"), blank),
                    (_("Legal basis for the detention, with the legislation applied"), blank),
                ],
            )
        )
        rights = ", ".join(f"{reference} ({title})" for reference, title in _rights(own))
        sections.append(
            Section(
                prefix + _("IV. Why the detention is arbitrary"),
                [
                    (_("Rights at stake (from the recorded events)"), rights or blank),
                    (
                        _("Circumstances, and the categories (I to V) that apply"),
                        "\n".join(
                            f"{event.start or ''} {event.type}: {event.description}".strip()
                            for event in own
                            if event.description
                        )
                        or blank,
                    ),
                ],
            )
        )
    remedies = []
    for letter in _letters(Letter.objects.visible_to(reader).filter(cases=case), reader, False):
        answered = "; ".join(f"{number}: {status}" for number, _text, status in letter.questions)
        remedies.append(
            (
                f"{letter.sent.isoformat()} {letter.title}",
                _("to %(recipients)s; answers: %(answers)s")
                % {"recipients": ", ".join(letter.recipients) or "—", "answers": answered or "—"},
            )
        )
    sections.append(
        Section(
            _("V. Remedies sought at home"),
            remedies or [(_("Steps taken before courts or authorities, and their results"), blank)],
        )
    )
    author = getattr(reader, "get_full_name", lambda: "")() or str(reader)
    sections.append(
        Section(
            _("VI. Submitter"),
            [
                (_("Organisation"), settings.LETTERHEAD.splitlines()[0]),
                (_("Prepared by"), author),
                (_("Address, telephone, email"), blank),
                (_("Consent of the person or their family"), blank),
            ],
        )
    )
    return sections


def as_text(case: Case, sections: list[Section], *, as_of: date) -> str:
    """The draft as plain text, to paste into the Working Group's form."""
    lines = [
        _("Draft communication to the UN Working Group on Arbitrary Detention"),
        _("From case %(number)s, prepared %(date)s. A draft for staff to complete and check.")
        % {"number": case.pk, "date": as_of.isoformat()},
        "",
    ]
    for section in sections:
        lines += [section.heading, "-" * len(section.heading)]
        for label, value in section.lines:
            lines.append(f"{label}: {value}")
        lines.append("")
    return "\n".join(lines)
