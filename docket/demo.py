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
from docket.cases.models import Authority, Case, Event, EventType, InvolvementRole
from docket.letters import services as letters_services
from docket.letters.models import (
    REFERENCE_ALPHABET,
    REFERENCE_PREFIX,
    Answer,
    AnswerStatus,
    Dispatch,
    Letter,
    Response,
)
from docket.lib.fictional import FictionalName, FictionalNames
from docket.lib.partialdate import PartialDate
from docket.people.models import NameKind, Person, RelationshipKind, Script
from docket.people.services import NameInput, create_person, relate
from docket.tracing import services as tracing
from docket.tracing.models import Consent, TracingRequest

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
    # Ten working days of Iran's calendar: Friday is the weekend, Nowruz a holiday.
    ("Consular Department, Ministry of Foreign Affairs", "IR", "ministry", 10, True),
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
        self.detention_cases: list[Case] = []

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
            # Nothing starts after the demo's own today: Docket refuses a start in the future.
            start=PartialDate.from_date(min(start, ANCHOR)),
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
            self.detention_cases.append(case)
        elif pattern == 1:
            self.event(actor, case, "detention", start, charged=False, **place_facts)
            self.event(actor, case, "deportation", start + timedelta(days=90), destination="TR")
            self.event(actor, case, "return", start + timedelta(days=200))
            self.event(actor, case, "detention", start + timedelta(days=210), charged=False)
            self.detained.append((held, actor))
            self.detention_cases.append(case)
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
        """Letters like the association's, in every state a letter goes through: an open
        letter to the ministry citing detention cases, published, with one of its five
        questions answered; a letter to two authorities, overdue, one of which replied in
        part; a letter answered in full; a restricted one sent by hand; a draft."""
        advocate, colleague = self.writers[5], self.writers[6]
        ministry, border, directorate, prosecutor, consulate, foreign, refugees, tehran = (
            self.authorities
        )
        visible = set(Case.objects.visible_to(advocate).values_list("pk", flat=True))
        detention = [case for case in self.detention_cases if case.pk in visible]
        open_letter = self.letter(
            advocate,
            "Open letter to the Minister of the Interior on detention without charge",
            "We write about the persons named below, held at the closed centre and elsewhere "
            "without charge, some of them for more than a year. Their families have not been "
            "told on what grounds they are held, and most have not been allowed to visit.",
            [ministry],
            [
                "On what legal basis is each person named in this letter held?",
                "Has any charge been brought against any of them, and if so, when?",
                "When will each of them be brought before a judge?",
                "When will their families be allowed to visit them?",
                "Will you allow an independent doctor to examine them?",
            ],
            cases=detention[:4],
            confidentiality="public",
        )
        self.send(advocate, open_letter, "published", ANCHOR - timedelta(days=75))
        self.reply(
            advocate,
            open_letter,
            ministry,
            ANCHOR - timedelta(days=40),
            "The persons concerned are held under the Law on Foreigners pending their removal.",
            {1: AnswerStatus.ANSWERED},
        )
        letters_services.publish_letter(actor=advocate, letter=open_letter)

        families = self.letter(
            advocate,
            "Letter on relatives refused visas and visits",
            "Relatives of the persons named below were refused visas to visit them, and those "
            "who reached the country were turned away at the gate of the camp.",
            [consulate, foreign],
            [
                "On what grounds were the visa applications of these relatives refused?",
                "Who decided that they could not visit, and under which rule?",
                "Will the applications be considered again?",
            ],
            cases=[
                case
                for case in self.cases
                if case.pk in visible and case.title.startswith("Family refused visas")
            ][:2],
        )
        self.send(advocate, families, "post", ANCHOR - timedelta(days=70))
        self.reply(
            advocate,
            families,
            consulate,
            ANCHOR - timedelta(days=50),
            "Visa decisions are not given reasons. New applications may be made at any time.",
            {1: AnswerStatus.REFUSED, 2: AnswerStatus.IGNORED, 3: AnswerStatus.PARTIAL},
        )

        commissioner = self.letter(
            colleague,
            "Request for the number of persons held at the border",
            "We ask for figures on persons held at the border crossing points this year.",
            [refugees],
            [
                "How many persons were held at the border crossing points this year?",
                "How many of them had applied for asylum?",
            ],
        )
        self.send(colleague, commissioner, "post", ANCHOR - timedelta(days=200))
        self.reply(
            colleague,
            commissioner,
            refugees,
            ANCHOR - timedelta(days=150),
            "Our office recorded the figures in its annual report, attached.",
            {1: AnswerStatus.ANSWERED, 2: AnswerStatus.ANSWERED},
        )
        letters_services.publish_letter(actor=advocate, letter=commissioner)

        hearing = self.letter(
            advocate,
            "Letter to the prosecutor on a detention order",
            "We ask about the order under which the person named below is held.",
            [prosecutor],
            [
                "Was a detention order issued, and by whom?",
                "Has the person been told of the order in a language they understand?",
            ],
            cases=detention[4:5],
            confidentiality="restricted",
        )
        self.send(advocate, hearing, "hand", ANCHOR - timedelta(days=20))

        contact = self.letter(
            colleague,
            "Letter on families barred from contact",
            "Families abroad have had no news of the persons named below for years.",
            [tehran],
            [
                "Will the families be told where the persons named below are?",
                "May they write to them, and how?",
            ],
        )
        self.send(colleague, contact, "post", ANCHOR - timedelta(days=45))

        self.letter(
            colleague,
            "Request for information on refused identity papers",
            "Several persons were refused identity cards, work permits and bank accounts.",
            [directorate, border],
            [
                "Under which rule are identity cards refused to recognised refugees?",
                "How can a refusal be appealed?",
                "How many such refusals were made this year?",
            ],
        )

    def letter(
        self,
        actor: User,
        title: str,
        body: str,
        recipients: list[Authority],
        questions: list[str],
        *,
        cases: list[Case] | None = None,
        confidentiality: str = "internal",
    ) -> Letter:
        letter = letters_services.create_letter(
            actor=actor,
            title=title,
            body=body,
            questions=questions,
            cases=cases or [],
            confidentiality=confidentiality,
        )
        # Each copy's reply reference from the seed, so the same seed gives the same data.
        for authority in recipients:
            reference = "".join(self.chance.choice(REFERENCE_ALPHABET) for _ in range(8))
            Dispatch.objects.create(
                letter=letter, authority=authority, reference=REFERENCE_PREFIX + reference
            )
        return letter

    def send(self, actor: User, letter: Letter, channel: str, sent_on: date) -> None:
        # By post, by hand or published: nothing is emailed from a demo.
        letters_services.send_copies(actor=actor, letter=letter, channel=channel, sent_on=sent_on)

    def reply(
        self,
        actor: User,
        letter: Letter,
        authority: Authority,
        received_on: date,
        body: str,
        answers: dict[int, str],
    ) -> None:
        # Written directly: the demo's days are counted from ANCHOR, not from today.
        response = Response.objects.create(
            letter=letter,
            authority=authority,
            received_on=received_on,
            via="post",
            body=body,
            recorded_by=actor,
        )
        for number, status in answers.items():
            Answer.objects.create(
                response=response, question=letter.questions.get(number=number), status=status
            )

    def add_tracing(self) -> None:
        """Families looking for their relatives, through the tracing services: requests in
        every state, consents (one withdrawn), a refusal, messages relayed with a reply,
        and refused visas, one of them documented as an event on the sought person's case."""
        for index, (requester, sought, actor) in enumerate(self.families[:12]):
            opened = ANCHOR - timedelta(days=100 + index * 30)
            request = tracing.open_request(
                actor=actor,
                intake=tracing.Intake(
                    requester=requester,
                    sought=sought,
                    relationship="sibling",
                    reason="The family has had no news since the transfer to the camp.",
                    asks_for=["news", "message"] if index % 2 else ["news", "contact", "visit"],
                    opened_on=opened,
                    last_contact=opened - timedelta(days=365 * (1 + index % 6)),
                    last_known_place=self.chance.choice(PLACES)[0],
                ),
                match=False,
            )
            self._tracing_story(index % 6, request, actor, opened)
            visa = tracing.log_attempt(
                actor=actor,
                request=request,
                kind="visa_application",
                date=opened + timedelta(days=20),
                outcome="refused",
                channel="Consulate counter",
                refused_by=self.authorities[4],
            )
            tracing.log_attempt(
                actor=actor,
                request=request,
                kind="call",
                date=opened + timedelta(days=40),
                outcome="no_answer",
                channel="Camp office telephone",
            )
            case = Case.objects.filter(persons=sought).order_by("pk").first()
            if index % 4 == 0 and case is not None:
                tracing.document_refusal(actor=actor, attempt=visa, case=case)

    def _tracing_story(
        self, story: int, request: TracingRequest, actor: User, opened: date
    ) -> None:
        def move(to: str, days: int, note: str = "", whereabouts: str | None = None) -> None:
            tracing.move_request(
                actor=actor,
                request=request,
                to=to,
                on=opened + timedelta(days=days),
                note=note,
                whereabouts=whereabouts,
            )

        def agree(scope: str, days: int) -> Consent:
            return tracing.record_consent(
                actor=actor,
                request=request,
                scope=scope,
                given_on=opened + timedelta(days=days),
                how="oral_witnessed",
            )

        if story == 0:
            return
        move("searching", 10)
        if story == 1:
            return
        if story == 5:
            move("closed", 90, "No trace after three months of searching.")
            return
        move("located", 30, "Seen by a visiting lawyer.", whereabouts="The closed camp, block C")
        move("consent_sought", 45)
        if story == 3:
            tracing.record_refusal(
                actor=actor,
                request=request,
                scope="share_whereabouts",
                refused_on=opened + timedelta(days=55),
                how="oral_witnessed",
                notes="Does not wish the family to be told where he is.",
            )
            move("declined", 56)
            return
        agree("pass_messages", 50)
        if story == 2:
            agree("share_whereabouts", 50)
        message = tracing.log_message(
            actor=actor,
            request=request,
            text="We think of you every day. Mother is well. Write if you can.",
            written_on=opened + timedelta(days=52),
        )
        tracing.relay_message(actor=actor, message=message, on=opened + timedelta(days=53))
        tracing.record_delivery(
            actor=actor,
            message=message,
            delivered_on=opened + timedelta(days=60),
            reply="I am alive and in good health. Kiss mother for me.",
            reply_on=opened + timedelta(days=70),
        )
        move("contact_established", 70)
        if story == 4:
            consent = Consent.objects.get(
                person=request.sought, granted_to=request.requester, scope="pass_messages"
            )
            tracing.withdraw_consent(
                actor=actor, request=request, consent=consent, on=opened + timedelta(days=85)
            )


def _unique_username(base: str, taken: set[str]) -> str:
    base = base.lower().replace("'", "").replace(" ", "-")
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate)
    return candidate
