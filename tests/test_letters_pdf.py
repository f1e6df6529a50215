"""Printed letters: the PDF holds the letter and its questions, cites a restricted case only
by number and initials, sets Persian right to left, and goes only to staff who may see it."""

import base64
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Authority
from docket.letters import services
from docket.letters.models import Letter
from docket.letters.pdf import FetchNothing, letter_html, pdf_attachment, render_letter_pdf
from tests import factories

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "On what legal basis is the man in the first case held without charge?",
    "When may his family visit him in the camp?",
]


def pdf_text(content: bytes) -> str:
    """The words of a PDF, as poppler's pdftotext reads them."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install Debian's poppler-utils (make test-services).")
    completed = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    # Names sit between Unicode isolates (U+2068, U+2069) so they keep their direction.
    return completed.stdout.decode().replace("\u2068", "").replace("\u2069", "")


def pdf_fonts(content: bytes, tmp_path: Any) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture
def ministry(documenter: Any) -> Authority:
    return case_services.create_authority(
        actor=documenter,
        name="Fictional Ministry of the Interior",
        address="12 Imaginary Avenue\nNowhere City",
        country="IR",
        working_days=True,
    )


@pytest.fixture
def police(documenter: Any) -> Authority:
    return case_services.create_authority(actor=documenter, name="Fictional Border Police")


@pytest.fixture
def letter(documenter: Any, team: Any, ministry: Authority, police: Authority) -> Letter:
    hidden = factories.person(documenter, "Kaveh Tabrizi", confidentiality="restricted", team=team)
    restricted = factories.case(
        documenter,
        "Kaveh Tabrizi held at the northern camp",
        [hidden],
        summary="Moved between three cells in March",
        confidentiality="restricted",
        team=team,
    )
    known = factories.person(documenter, "Azar Rahimi", confidentiality="public", team=team)
    public = factories.case(
        documenter,
        "Azar Rahimi refused a visit",
        [known],
        summary="Her sister was turned away at the gate",
        confidentiality="public",
        team=team,
    )
    return services.create_letter(
        actor=documenter,
        title="Open letter on detentions without charge",
        body="We write about **two** documented cases.",
        recipients=[ministry, police],
        cases=[restricted, public],
        questions=QUESTIONS,
        team=team,
        confidentiality="restricted",
    )


def test_the_pdf_holds_the_letter_and_its_questions(letter: Letter) -> None:
    content = render_letter_pdf(letter)

    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Open letter on detentions without charge" in text
    assert "We write about two documented cases." in text
    for question in QUESTIONS:
        assert question in text
    # Addressed to every recipient.
    assert "Fictional Ministry of the Interior" in text
    assert "Fictional Border Police" in text


def test_the_pdf_cites_a_restricted_case_only_by_number_and_initials(letter: Letter) -> None:
    restricted = letter.cases.get(confidentiality="restricted")

    text = pdf_text(render_letter_pdf(letter))

    assert f"Case {restricted.pk}" in text
    assert "K. T." in text
    assert "northern camp" not in text
    assert "three cells" not in text
    assert "Kaveh" not in text
    assert "Tabrizi" not in text
    # The public case and its public person in full.
    assert "Azar Rahimi refused a visit" in text
    assert "Her sister was turned away at the gate" in text


def test_a_copy_is_addressed_to_its_recipient_with_its_reference(
    letter: Letter, ministry: Authority, documenter: Any
) -> None:
    services.send_copies(
        actor=documenter,
        letter=letter,
        channel="post",
        authorities=[ministry],
        sent_on=date(2025, 3, 4),
    )
    copy = letter.dispatches.get(authority=ministry)

    name, content, kind = pdf_attachment(copy)

    text = pdf_text(content)
    assert (name, kind) == (f"letter-{letter.pk}-{copy.reference}.pdf", "application/pdf")
    assert "12 Imaginary Avenue" in text
    assert copy.reference in text
    assert "Fictional Border Police" not in text
    assert "4 March 2025" in text


def test_a_persian_letter_is_set_right_to_left_in_a_persian_font(
    documenter: Any, team: Any, ministry: Authority, tmp_path: Any
) -> None:
    letter = services.create_letter(
        actor=documenter,
        title="نامهٔ سرگشاده دربارهٔ بازداشت بدون اتهام",
        body="ما دربارهٔ **دو** پرونده به شما می‌نویسیم.",
        language="fa",
        recipients=[ministry],
        questions=["به استناد کدام قانون بازداشت شده است؟"],
        team=team,
    )

    content = render_letter_pdf(letter)

    text = pdf_text(content)
    assert "استناد" in text
    assert "قانون" in text
    fonts = pdf_fonts(content, tmp_path)
    assert "Naskh" in fonts or "DejaVu-Sans" in fonts


def test_the_html_behind_a_persian_letter_runs_right_to_left(
    documenter: Any, team: Any, ministry: Authority
) -> None:
    letter = services.create_letter(
        actor=documenter, title="نامه", language="fa", recipients=[ministry], team=team
    )

    html = letter_html(letter)

    assert '<html lang="fa" dir="rtl">' in html
    assert '<html lang="en" dir="ltr">' in letter_html(
        services.create_letter(actor=documenter, title="Letter", team=team)
    )


# The page that serves it


def test_staff_who_may_see_the_letter_download_it_and_it_is_logged(
    logged_in: Any, viewer: Any, letter: Letter
) -> None:
    client = logged_in(viewer)

    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert f'filename="letter-{letter.pk}.pdf"' in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action=Action.DOWNLOAD).get()
    assert (entry.actor, entry.object_id) == (viewer, str(letter.pk))


def test_staff_who_may_not_see_the_letter_get_404(
    logged_in: Any, outsider: Any, letter: Letter
) -> None:
    client = logged_in(outsider)

    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=Action.DOWNLOAD).exists()


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client: Any, letter: Letter) -> None:
    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_one_recipients_copy_by_its_authority(
    logged_in: Any, documenter: Any, letter: Letter, ministry: Authority
) -> None:
    client = logged_in(documenter)
    path = reverse("letters:letter_pdf", args=[letter.pk])

    response = client.get(path, {"authority": ministry.pk})

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "12 Imaginary Avenue" in text
    assert "Fictional Border Police" not in text
    entry = AuditEntry.objects.filter(action=Action.DOWNLOAD).get()
    assert entry.detail["copy_for"] == ministry.name


def test_a_copy_for_an_authority_the_letter_does_not_go_to_is_404(
    logged_in: Any, documenter: Any, letter: Letter
) -> None:
    stranger = Authority.objects.create(name="Fictional Parliament")
    client = logged_in(documenter)
    path = reverse("letters:letter_pdf", args=[letter.pk])

    assert client.get(path, {"authority": stranger.pk}).status_code == 404
    assert client.get(path, {"authority": "x"}).status_code == 404
    assert client.get(path, {"authority": "9" * 30}).status_code == 404


def test_a_deleted_letter_is_404(logged_in: Any, coordinator: Any, letter: Letter) -> None:
    case_services.delete_record(actor=coordinator, record=letter)
    client = logged_in(coordinator)

    assert client.get(reverse("letters:letter_pdf", args=[letter.pk])).status_code == 404


# A 1×1 PNG, to see whether printing loads a file it is pointed at.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_printing_fetches_nothing_it_is_pointed_at(tmp_path: Any) -> None:
    from weasyprint import HTML  # slow to import: only here

    image = tmp_path / "pixel.png"
    image.write_bytes(PIXEL)
    html = f'<p>A letter</p><img src="{image.as_uri()}">'

    # WeasyPrint's own fetcher reads the file; Docket's refuses it, as it refuses any address.
    loaded = HTML(string=html).write_pdf()
    refused = HTML(string=html, url_fetcher=FetchNothing()).write_pdf()

    assert b"/Subtype /Image" in loaded
    assert b"/Subtype /Image" not in refused
