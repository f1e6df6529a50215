"""The fictional demo dataset: `docket demo`, deterministic given a seed.

Teams and staff, then a families' association's files: people with Persian and
Latin names, their families, a few dozen cases of the kinds it follows
(detention without charge, deportation and return, refused visas and visits,
refused papers, contact barred, an office searched), sources with evidence,
letters with numbered questions, and tracing requests with consents. Every
name comes from docket.lib.fictional; the authorities are generic offices.
Each domain adds its part here as it lands.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from docket.accounts.models import Role, Team, User
from docket.accounts.services import create_staff
from docket.cases import services as cases
from docket.cases.models import Case, Event, EventType, InvolvementRole
from docket.letters.models import AnswerStatus, Letter, Question, Response
from docket.lib.fictional import FictionalName, FictionalNames
from docket.lib.partialdate import PartialDate
from docket.people.models import NameKind, Person, RelationshipKind, Script
from docket.people.services import NameInput, create_person, relate
from docket.tracing.models import Consent, ContactAttempt, TracingRequest

TEAM_NAMES = ("Documentation", "Families desk", "Advocacy")

# (role, index of the team in TEAM_NAMES)
STAFF = (
    (Role.COORDINATOR, 0),
    (Role.DOCUMENTER, 0),
    (Role.DOCUMENTER, 0),
    (Role.COORDINATOR, 1),
    (Role.DOCUMENTER, 1),
    (Role.COORDINATOR, 2),
    (Role.DOCUMENTER, 2),
    (Role.VIEWER, 2),
)

# Dates are counted back from a fixed day so the same seed gives the same data.
ANCHOR = date(2026, 11, 1)

AUTHORITIES = (
    ("Ministry of the Interior", "AL", "ministry", 30, True),
    ("Border and Migration Police", "AL", "border", 30, True),
    ("Directorate of Asylum and Citizenship", "AL", "ministry", 40, False),
    ("District Prosecutor's Office", "AL", "prosecutor", 30, True),
    ("Consular Section, Embassy in the capital", "AL", "embassy", 20, False),
    ("Ministry for Europe and Foreign Affairs", "AL", "ministry", 30, True),
    ("Office of the High Commissioner for Refugees", "CH", "international", 60, False),
)
PLACES = (
    ("Closed reception centre", "AL"),
    ("Camp gate, northern district", "AL"),
    ("Airport holding area", "AL"),
    ("Border crossing point", "AL"),
    ("Police station, coastal district", "AL"),
)


@dataclass(frozen=True)
class DemoSummary:
    teams: int
    staff: int
    persons: int = 0
    cases: int = 0
    events: int = 0
    letters: int = 0


def has_data() -> bool:
    """Whether the database already holds records a demo load would mix with."""
    return Team.objects.exists() or User.objects.exclude(role=Role.ADMINISTRATOR).exists()


@transaction.atomic
def load_demo(*, seed: int, cases_wanted: int = 36) -> DemoSummary:
    names = FictionalNames(seed)
    # Not for security: reproducible demo data.
    chance = random.Random(seed)  # noqa: S311  # nosec B311
    teams = [Team.objects.create(name=name) for name in TEAM_NAMES]
    taken: set[str] = set(User.objects.values_list("username", flat=True))
    staff: list[User] = []
    for role, team_index in STAFF:
        name = names.name()
        staff.append(
            create_staff(
                username=_unique_username(f"{name.given_latin[0]}.{name.family_latin[0]}", taken),
                first_name=name.given_latin[0],
                last_name=name.family_latin[0],
                role=role,
                teams=[teams[team_index]],
            )
        )
    writers = [user for user in staff if user.role != Role.VIEWER]
    builder = _Builder(names, chance, writers)
    for number in range(cases_wanted):
        builder.add_case(number)
    builder.add_letters()
    builder.add_tracing()
    return DemoSummary(
        teams=len(teams),
        staff=len(staff),
        persons=Person.objects.count(),
        cases=Case.objects.count(),
        events=Event.objects.count(),
        letters=Letter.objects.count(),
    )


class _Builder:
    def __init__(self, names: FictionalNames, chance: random.Random, writers: list[User]) -> None:
        self.names = names
        self.chance = chance
        self.writers = writers
        self.types = {term.code: term for term in EventType.objects.all()}
        self.roles = {term.code: term for term in InvolvementRole.objects.all()}
        self.kinds = {term.code: term for term in RelationshipKind.objects.all()}
        self.authorities = [
            cases.create_authority(
                actor=writers[0],
                name=name,
                country=country,
                kind=kind,
                response_days=days,
                working_days=working,
                email=f"office{index}@authority.example",
            )
            for index, (name, country, kind, days, working) in enumerate(AUTHORITIES)
        ]
        self.detained: list[tuple[Person, User]] = []
        self.families: list[tuple[Person, Person, User]] = []
        self.cases: list[Case] = []

    def person(self, actor: User, name: FictionalName, confidentiality: str) -> Person:
        spellings = name.latin_variants()
        names = [
            NameInput(name.latin),
            NameInput(name.persian, script=Script.PERSIAN),
        ]
        if len(spellings) > 1 and self.chance.random() < 0.6:
            names.append(NameInput(self.chance.choice(spellings[1:]), kind=NameKind.ALIAS))
        father = self.names.name()
        names.append(NameInput(father.given_latin[0], kind=NameKind.FATHER))
        year = self.chance.randint(1950, 1995)
        birth = self.chance.choice(
            [f"{year}", f"{year}-{self.chance.randint(1, 12):02d}", f"{year}~"]
        )
        return create_person(
            actor=actor,
            names=names,
            sex=name.sex,
            birth_date=PartialDate.parse(birth),
            nationality="IR",
            status=self.chance.choice(["refugee", "refugee", "asylum_seeker"]),
            confidentiality=confidentiality,
            contact_details=f"Through the families desk, line {self.chance.randint(10, 99)}",
        )

    def event(
        self,
        actor: User,
        case: Case,
        code: str,
        start: date,
        people: list[tuple[Person, str]] | None = None,
        **extra: Any,
    ) -> None:
        """Add an event; the case's persons are its victims unless `people` says otherwise."""
        involved = people or [(person, "victim") for person in case.persons.all()]
        involvements = [
            cases.InvolvementInput(person, self.roles[role]) for person, role in involved
        ]
        cases.add_event(
            actor=actor,
            case=case,
            type=self.types[code],
            start=PartialDate.from_date(start),
            involvements=involvements,
            authority=extra.pop("authority", self.chance.choice(self.authorities[:4])),
            **extra,
        )

    def add_case(self, number: int) -> None:
        actor = self.writers[number % len(self.writers)]
        level = self.chance.choices(
            ["public", "internal", "restricted", "secret"], weights=[2, 5, 4, 1]
        )[0]
        held = self.person(actor, self.names.name(), level if level != "public" else "internal")
        relative = self.person(actor, self.names.name(), "restricted")
        relate(actor=actor, person=held, relative=relative, kind=self.kinds["sibling"])
        self.families.append((relative, held, actor))
        pattern = number % 6
        titles = [
            "Held without charge at the closed centre",
            "Deported, returned and detained again",
            "Family refused visas and visits",
            "Refused identity and work papers",
            "Barred from any contact with family",
            "Office searched, money and devices seized",
        ]
        case = cases.open_case(
            actor=actor,
            title=f"{titles[pattern]}: {held.display_name}",
            summary=self._summary(pattern),
            persons=[held],
            confidentiality=level,
            status=self.chance.choice(["open", "open", "monitoring", "closed"]),
        )
        self.cases.append(case)
        start = ANCHOR - timedelta(days=self.chance.randint(40, 2000))
        place, country = self.chance.choice(PLACES)
        place_facts: dict[str, Any] = {"place_name": place, "place_country": country}
        if pattern == 0:
            self.event(actor, case, "detention", start, charged=False, **place_facts)
            self.detained.append((held, actor))
        elif pattern == 1:
            self.event(actor, case, "detention", start, charged=False, **place_facts)
            self.event(actor, case, "deportation", start + timedelta(days=90), destination="TR")
            self.event(actor, case, "return", start + timedelta(days=200))
            self.event(actor, case, "detention", start + timedelta(days=210), charged=False)
            self.detained.append((held, actor))
        elif pattern == 2:
            family = [(relative, "family")]
            embassy = self.authorities[4]
            self.event(actor, case, "visa_refused", start, people=family, authority=embassy)
            self.event(actor, case, "visit_refused", start + timedelta(days=60), people=family)
        elif pattern == 3:
            for offset, document in enumerate(["id_card", "work_permit", "bank_account"]):
                self.event(
                    actor,
                    case,
                    "document_refused",
                    start + timedelta(days=offset * 45),
                    document=document,
                )
        elif pattern == 4:
            self.event(actor, case, "contact_barred", start, **place_facts)
        else:
            self.event(actor, case, "search_seizure", start, **place_facts)
            self.event(actor, case, "charge", start + timedelta(days=30))
            self.event(actor, case, "hearing", start + timedelta(days=120))
        source = cases.create_source(
            actor=actor,
            title=f"Testimony of {relative.display_name}",
            kind="testimony",
            given_by=relative.display_name,
            date=PartialDate.from_date(start + timedelta(days=14)),
            reliability=self.chance.choice(["confirmed", "probable", "possible"]),
        )
        cases.attach_evidence(
            actor=actor,
            source=source,
            upload=SimpleUploadedFile(
                f"testimony-{number + 1}.txt",
                f"Fictional demo testimony number {number + 1}.\n".encode(),
            ),
        )
        for event in case.events.all():
            event.sources.add(source)

    def _summary(self, pattern: int) -> str:
        return [
            "Held for months at a closed centre with no charge brought and no hearing.",
            "Removed to a third country against refugee-law standards, then returned and held.",
            "Relatives abroad were refused visas and turned away when they came to visit.",
            "Refused an identity card, a work permit and a bank account for years.",
            "No call, letter or visit from family has been allowed.",
            "The office was searched and money and devices were taken; a charge followed.",
        ][pattern]

    def add_letters(self) -> None:
        questions = [
            "On what legal basis is each person named in this letter held?",
            "Has any charge been brought against them, and when?",
            "When will their families be allowed to visit?",
            "Why were their applications for identity papers refused?",
        ]
        for index in range(6):
            actor = self.writers[index % len(self.writers)]
            recipients = self.chance.sample(self.authorities, k=self.chance.randint(1, 2))
            sent = ANCHOR - timedelta(days=20 + index * 37)
            letter = Letter.objects.create(
                title=f"Open letter {index + 1}: detention without charge and family contact",
                body="We write about the persons named below, held without charge.",
                sent_on=sent,
                channel=self.chance.choice(["email", "post", "published"]),
                published=index % 2 == 0,
                team=actor.teams.first(),
            )
            letter.to.set(recipients)
            letter.cases.set(self.chance.sample(self.cases, k=3))
            asked = [
                Question.objects.create(letter=letter, number=number, text=text)
                for number, text in enumerate(questions, start=1)
            ]
            if index % 3 == 0:
                reply = Response.objects.create(
                    letter=letter,
                    authority=recipients[0],
                    received_on=sent + timedelta(days=25),
                    body="The persons concerned are held in accordance with the law.",
                )
                reply.answers.set(asked[:1])
                Question.objects.filter(pk=asked[0].pk).update(status=AnswerStatus.PARTIAL)

    def add_tracing(self) -> None:
        for index, (requester, sought, actor) in enumerate(self.families[:12]):
            opened = ANCHOR - timedelta(days=100 + index * 30)
            request = TracingRequest.objects.create(
                requester=requester,
                sought=sought,
                relationship="sibling",
                opened_on=opened,
                last_contact=opened - timedelta(days=365 * (1 + index % 6)),
                status=self.chance.choice(["open", "searching", "located", "consent_sought"]),
                team=actor.teams.first(),
            )
            ContactAttempt.objects.create(
                tracing_request=request,
                kind="visa_application",
                date=opened + timedelta(days=20),
                outcome="refused",
                refused_by=self.authorities[4],
            )
            ContactAttempt.objects.create(
                tracing_request=request,
                kind="call",
                date=opened + timedelta(days=40),
                outcome="no_answer",
            )
            if index % 2 == 0:
                Consent.objects.create(
                    person=sought,
                    scope="pass_messages",
                    granted_to=requester,
                    given_on=opened + timedelta(days=50),
                    how="oral_witnessed",
                )


def _unique_username(base: str, taken: set[str]) -> str:
    base = base.lower().replace("'", "").replace(" ", "-")
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate)
    return candidate
