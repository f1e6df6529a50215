"""Drafts from text: what the rules read, the review page, saving, and the read door."""

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.audit.models import AuditEntry
from docket.cases.models import Case, Event, Source
from docket.drafts.extract import draft
from docket.drafts.reading import text_of
from docket.drafts.score import score_corpus
from docket.people.models import Person
from docket.people.services import NameInput, create_person

CORPUS = Path(__file__).parent / "data" / "drafts"

LETTER = (
    "Date: 14 September 2023\n\n"
    "Kian Rostami was arrested on 12 March 2021 and held without charge for five months. "
    "His brother Omid Rostami was deported in June 2022.\n"
)


def test_the_corpus_is_read_well_enough_in_each_language() -> None:
    result = score_corpus(CORPUS)
    assert result["overall"]["documents"] >= 30
    for language in ("en", "fa", "sq"):
        figures = result["languages"][language]
        assert figures["documents"] >= 10
        assert figures["pairs"]["f1"] >= 0.8, (language, result["misses"])
        assert figures["dates"]["accuracy"] >= 0.9, (language, result["misses"])
    assert result["overall"]["persons"]["f1"] >= 0.9
    # Each document's language is recognised when none is given.
    for path in CORPUS.glob("*.txt"):
        assert draft(path.read_text(encoding="utf-8")).language == path.name[:2], path.name


def test_durations_become_dates_where_the_text_anchors_them() -> None:
    result = draft(LETTER + "Laleh Karimi has been held for 29 months.\n", language="en")
    events = {(event.person, event.type): event for event in result.events}
    kian = events[("p1", "detention")]
    assert (str(kian.start), str(kian.end), kian.charged) == ("2021-03-12", "2021-08-12", False)
    # Counted back from the letter's date, as precise as a month, still going on.
    laleh = events[("p3", "detention")]
    assert (str(laleh.start), laleh.end, laleh.duration_days) == ("2021-04", None, 870)
    begin, end = kian.sources["start"]
    assert LETTER[begin:end] == "12 March 2021"


def test_solar_hijri_dates_in_persian_digits_and_words_are_read() -> None:
    text = "کیان رستمی در دوازدهم اسفند ۱۳۹۹ بازداشت شد و به مدت پنج ماه در زندان ماند."
    (event,) = draft(text).events
    assert (event.type, str(event.start), str(event.end)) == (
        "detention",
        "2021-03-02",
        "2021-08-02",
    )
    assert draft(text).language == "fa"


def test_what_did_not_happen_is_not_proposed() -> None:
    result = draft("Arben Hoxha was arrested in 2020. He has not been released.", language="en")
    assert [event.type for event in result.events] == ["detention"]


def _pdf(text: str) -> bytes:
    """A one-page PDF with `text` in its text layer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_files_of_each_kind_give_their_text() -> None:
    assert (
        text_of(_pdf("Kian Rostami was arrested in 2021.")) == "Kian Rostami was arrested in 2021."
    )
    with pytest.raises(ValidationError):
        text_of(_pdf(""))
    import docx

    document = docx.Document()
    document.add_paragraph("Kian Rostami was arrested in 2021.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert "Kian Rostami" in text_of(buffer.getvalue())
    mail = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Omid\r\n\r\n"
        b"Omid Rostami was deported.\r\n"
    )
    assert "Omid Rostami was deported" in text_of(mail)
    assert text_of("سارا نوری".encode()) == "سارا نوری"


def _own_and_hidden(documenter: User, outsider: User) -> tuple[Person, Person]:
    mine = create_person(
        actor=documenter,
        names=[NameInput("Omid Rostami")],
        confidentiality=Confidentiality.RESTRICTED,
    )
    hidden = create_person(
        actor=outsider, names=[NameInput("Kian Rostami")], confidentiality=Confidentiality.SECRET
    )
    return mine, hidden


@pytest.mark.django_db(transaction=True)
def test_the_review_page_proposes_and_saves_nothing_and_never_names_a_hidden_person(
    documenter: User, outsider: User, logged_in: Callable[[User], Client]
) -> None:
    mine, hidden = _own_and_hidden(documenter, outsider)
    persons, events = Person.objects.count(), Event.objects.count()
    response = logged_in(documenter).post(reverse("drafts:start"), {"text": LETTER})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<mark class="draft-person"' in page and "draft-date" in page
    assert hashlib.sha256(LETTER.encode()).hexdigest() in page
    # The documenter's own team's person is proposed; the other team's secret one is not.
    assert f'<option value="{mine.pk}" selected>' in page
    assert f'value="{hidden.pk}"' not in page
    assert (Person.objects.count(), Event.objects.count()) == (persons, events)
    # The other team's own reader is offered their person.
    page = logged_in(outsider).post(reverse("drafts:start"), {"text": LETTER}).content.decode()
    assert f'<option value="{hidden.pk}" selected>' in page


def _accepted(mine: Person) -> dict[str, str]:
    return {
        "text": LETTER,
        "person": ["p1", "p2"],
        "person-p1-accept": "1",
        "person-p1-name": "Kian Rostami",
        "person-p1-match": "",
        "person-p2-accept": "1",
        "person-p2-name": "Omid Rostami",
        "person-p2-match": str(mine.pk),
        "event": ["0", "1"],
        "event-0-accept": "1",
        "event-0-person": "p1",
        "event-0-type": "detention",
        "event-0-start": "2021-03-12",
        "event-0-end": "2021-08-12",
        "event-0-charged": "no",
        "event-0-quote": "«arrested»",
        # The second event is dropped: not ticked.
        "event-1-person": "p2",
        "event-1-type": "deportation",
        "new_case_title": "Rostami brothers",
        "source_title": "Letter of 14 September 2023",
        "source_kind": "letter",
    }


def test_accepting_saves_through_the_services_with_the_text_as_source(
    documenter: User, outsider: User, logged_in: Callable[[User], Client]
) -> None:
    mine, _hidden = _own_and_hidden(documenter, outsider)
    response = logged_in(documenter).post(reverse("drafts:save"), _accepted(mine))
    assert response.status_code == 302
    case = Case.objects.get(title="Rostami brothers")
    (event,) = Event.objects.filter(case=case)
    assert (event.type.code, str(event.start), str(event.end), event.charged) == (
        "detention",
        "2021-03-12",
        "2021-08-12",
        False,
    )
    (source,) = event.sources.all()
    (evidence,) = source.files.all()
    assert evidence.sha256 == hashlib.sha256(LETTER.encode()).hexdigest()
    kian = event.persons.get()
    assert kian.display_name == "Kian Rostami" and kian.team == case.team
    assert set(case.persons.all()) == {kian, mine}
    assert event.history.exists() and kian.history.exists()
    assert AuditEntry.objects.filter(
        object_type="cases.source",
        object_id=str(source.pk),
        detail__drafted_from_text=evidence.sha256,
    ).exists()


def test_a_forged_match_with_a_hidden_person_saves_nothing(
    documenter: User, outsider: User, viewer: User, logged_in: Callable[[User], Client]
) -> None:
    mine, hidden = _own_and_hidden(documenter, outsider)
    forged = _accepted(mine) | {"person-p1-match": str(hidden.pk)}
    sources = Source.objects.count()
    assert logged_in(documenter).post(reverse("drafts:save"), forged).status_code == 404
    assert not Case.objects.filter(title="Rostami brothers").exists()
    assert Source.objects.count() == sources
    # Another team's case cannot be written to, and a viewer writes nothing.
    other_case = Case.objects.create(
        title="Theirs", team=outsider.teams.get(), confidentiality=Confidentiality.SECRET
    )
    theirs = _accepted(mine) | {"case": str(other_case.pk), "person-p1-match": ""}
    assert logged_in(documenter).post(reverse("drafts:save"), theirs).status_code == 404
    assert logged_in(viewer).post(reverse("drafts:save"), _accepted(mine)).status_code == 403
    assert not Event.objects.exists()


def test_the_command_prints_the_draft_and_scores_the_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: None
) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text(LETTER, encoding="utf-8")
    call_command("draft", str(letter), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert [person["names"] for person in printed["persons"]] == [
        ["Kian Rostami"],
        ["Omid Rostami"],
    ]
    assert printed["persons"][0]["match"] is None
    detention = printed["events"][0]
    assert (detention["type"], detention["start"], detention["charged"]) == (
        "detention",
        "2021-03-12",
        False,
    )
    assert set(detention) >= {"person", "type", "start", "end", "duration_days", "place"}
    assert all(LETTER[begin:end] for begin, end in detention["spans"])


def test_the_command_as_a_user_matches_only_persons_that_user_may_see(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], documenter: User, outsider: User
) -> None:
    mine, hidden = _own_and_hidden(documenter, outsider)
    letter = tmp_path / "letter.txt"
    letter.write_text(LETTER, encoding="utf-8")
    matches = {}
    for user in (documenter, outsider):
        call_command("draft", str(letter), "--json", "--as", user.username)
        printed = json.loads(capsys.readouterr().out)
        matches[user.username] = [person["match"] for person in printed["persons"]]
    assert matches[documenter.username] == [None, mine.pk]
    assert matches[outsider.username] == [hidden.pk, None]


def test_a_refused_save_shows_the_corrections_again_and_saves_nothing(
    documenter: User, outsider: User, logged_in: Callable[[User], Client]
) -> None:
    mine, _hidden = _own_and_hidden(documenter, outsider)
    wrong = _accepted(mine) | {"event-0-start": "in spring", "event-0-place": "Gorse Camp"}
    response = logged_in(documenter).post(reverse("drafts:save"), wrong)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="in spring"' in page and 'value="Gorse Camp"' in page
    assert 'value="Rostami brothers"' in page
    assert not Case.objects.filter(title="Rostami brothers").exists()


def test_an_uploaded_file_is_read_and_reviewed(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    upload = SimpleUploadedFile("letter.pdf", _pdf("Omid Rostami was deported in June 2022."))
    response = logged_in(documenter).post(reverse("drafts:start"), {"file": upload})
    assert response.status_code == 200
    assert 'value="2022-06"' in response.content.decode()
    scan = SimpleUploadedFile("scan.pdf", _pdf(""))
    response = logged_in(documenter).post(reverse("drafts:start"), {"file": scan})
    assert "no text layer" in response.content.decode()
