"""Attacks on the rule, each asserting the safe behaviour (a failure is a confirmed leak)."""

import contextlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from docket.accounts.models import Role, Team, User
from docket.interchange.models import ImportedRef
from docket.letters.models import Letter

pytestmark = pytest.mark.django_db

SOURCE = "partner-attack.json"


def _header(**collections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "docket", "version": 1, **collections}


AUTHORITY = {"ref": "a1", "name": "Ministry of Roads (fictional)", "kind": "ministry"}
SENT = {
    "ref": "lsent",
    "title": "Open letter on the depot",
    "to": ["a1"],
    "body": "We write about the depot.",
    "questions": [{"ref": "q1", "text": "Who is held at the depot?"}],
    "sent_on": "2022-03-01",
    "channel": "post",
}
DRAFT = {
    "ref": "ldraft",
    "title": "Letter on visiting hours",
    "to": ["a1"],
    "body": "We ask about visiting hours.",
    "questions": [{"ref": "q2", "text": "When may families visit?"}],
}
BASE = _header(authorities=[AUTHORITY], letters=[SENT, DRAFT])


def _write(folder: Path, document: dict[str, Any], name: str) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _import(path: Path, *arguments: str) -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", str(path), "--source", SOURCE, *arguments, stdout=out, stderr=err)
    except CommandError as refusal:
        return False, out.getvalue() + err.getvalue() + str(refusal)
    return True, out.getvalue() + err.getvalue()


def _imported(collection: str, ref: str) -> int:
    return ImportedRef.objects.get(source=SOURCE, collection=collection, ref=ref).object_id


@pytest.fixture
def base(tmp_path: Path, other_team: Team) -> Path:
    done, output = _import(_write(tmp_path, BASE, "base.json"), "--team", other_team.name)
    assert done, output
    return tmp_path


def test_import_documenter_cannot_rewrite_a_published_letters_public_text(
    base, other_team, outsider
):
    """(b) A documenter may not publish; rewriting a letter already published (not sent)
    changes what the public page shows without the coordinator's preview."""
    coordinator = User.objects.create_user(username="omid.farahani", role=Role.COORDINATOR)
    coordinator.teams.add(other_team)
    done, output = _import(
        _write(base, _header(letters=[DRAFT | {"published": True}]), "pub.json"),
        "--as",
        coordinator.username,
    )
    assert done, output
    rewritten = DRAFT | {
        "published": True,
        "title": "Retraction of all our findings",
        "body": "Everything we published was false.",
    }
    done, output = _import(
        _write(base, _header(letters=[rewritten]), "rw.json"), "--as", outsider.username
    )
    letter = Letter.objects.get(pk=_imported("letters", "ldraft"))
    assert letter.published
    assert letter.title == DRAFT["title"], "a documenter rewrote a published letter by import"
    assert not done


def test_import_cannot_move_a_question_off_a_sent_letter(base, outsider):
    """(b) A sent letter's questions are fixed; naming its question's ref under a draft
    moves it off the sent letter."""
    moved = DRAFT | {
        "questions": [
            {"ref": "q1", "text": "Who is held at the depot?"},
            {"ref": "q2", "text": "When may families visit?"},
        ]
    }
    done, output = _import(
        _write(base, _header(letters=[moved]), "mv.json"), "--as", outsider.username
    )
    sent = Letter.objects.get(pk=_imported("letters", "lsent"))
    assert list(sent.questions.values_list("text", flat=True)) == ["Who is held at the depot?"], (
        output
    )


# (d) Names of persons who are not public, in a published letter

import html as html_module  # noqa: E402
import re  # noqa: E402
import unicodedata  # noqa: E402

from docket.letters import redaction  # noqa: E402
from docket.letters import services as letter_services  # noqa: E402
from tests import factories  # noqa: E402

HIDDEN = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u0640"
HOMOGLYPHS = str.maketrans({"\u041a": "K", "\u0430": "a", "\u0456": "i", "\u0410": "A"})


def _as_read(rendered: str) -> str:
    """What a reader of the public page sees: tags gone, entities decoded, invisible
    characters dropped, compatibility forms folded, look-alike letters read as Latin."""
    text = html_module.unescape(re.sub(r"<[^>]+>", "", rendered))
    text = "".join(char for char in text if char not in HIDDEN)
    text = unicodedata.normalize("NFKC", text).translate(HOMOGLYPHS)
    return re.sub(r"\s+", " ", text)


EVASIONS = {
    "link_text": "We met [Kian](https://example.org/x) Azadi in the depot.",
    "inline_code": "We met `Kian` Azadi in the depot.",
    "entity": "We met K&#105;an Azadi in the depot.",
    "soft_hyphen": "We met Ki\u00adan Azadi in the depot.",
    "zero_width_space": "We met Kian\u200b Azadi in the depot.",
    "word_joiner": "We met Ki\u2060an Azadi in the depot.",
    "fullwidth": "We met \uff2b\uff49\uff41\uff4e \uff21\uff5a\uff41\uff44\uff49 in the depot.",
    "cyrillic_lookalike": "We met \u041aian Azadi in the depot.",
    "upper_case": "We met KIAN AZADI in the depot.",
    "tatweel_persian": "We met \u06a9\u06cc\u0640\u0627\u0646 \u0622\u0632\u0627\u062f\u06cc in the depot.",  # noqa: E501
    "arabic_yeh_kaf": "We met \u0643\u064a\u0627\u0646 \u0622\u0632\u0627\u062f\u064a in the depot.",  # noqa: E501
}


@pytest.mark.parametrize("name", sorted(EVASIONS))
def test_public_text_leaves_out_a_restricted_name_however_written(name, documenter, team):
    factories.person(
        documenter,
        "Kian Azadi",
        "\u06a9\u06cc\u0627\u0646 \u0622\u0632\u0627\u062f\u06cc",
        confidentiality="restricted",
        team=team,
    )
    letter = letter_services.create_letter(
        actor=documenter, title="A fictional letter", body=EVASIONS[name], team=team
    )
    shown = _as_read(redaction.body_html(redaction.redact(letter).body))
    folded = shown.replace("\u0643", "\u06a9").replace("\u064a", "\u06cc")
    assert "kian azadi" not in shown.lower(), shown
    assert "\u06a9\u06cc\u0627\u0646 \u0622\u0632\u0627\u062f\u06cc" not in folded, shown


def test_public_page_and_feed_leave_out_a_restricted_name_in_link_text(client, documenter, team):
    """(d) end to end: an anonymous visitor reads the public page and the Atom feed."""
    from django.urls import reverse

    factories.person(documenter, "Kian Azadi", confidentiality="restricted", team=team)
    letter = letter_services.create_letter(
        actor=documenter,
        title="A fictional letter",
        body=EVASIONS["soft_hyphen"] + "\n\n" + EVASIONS["link_text"],
        team=team,
    )
    letter_services.set_published(actor=None, letter=letter, published=True)
    page = client.get(reverse("public:letter_detail", args=[letter.pk])).content.decode()
    feed = client.get(reverse("public:letter_feed")).content.decode()
    leaked = [
        where
        for where, text in (
            ("page", _as_read(page)),
            ("feed", _as_read(html_module.unescape(feed))),
        )
        if "kian azadi" in text.lower()
    ]
    assert not leaked


# (e) Administrators changing membership or the second factor without an audit entry

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from docket.audit.models import AuditEntry  # noqa: E402
from tests.conftest import pass_second_factor  # noqa: E402


def _user_entries(user: User) -> list[dict[str, Any]]:
    return [
        entry.detail
        for entry in AuditEntry.objects.filter(
            object_type="accounts.user", object_id=str(user.pk)
        ).order_by("id")
    ]


def test_recovery_codes_added_for_someone_through_djangos_admin_are_audited(
    client, administrator, coordinator
):
    """A static (recovery-code) device is a second factor: whoever holds its code passes
    a coordinator's two-factor step. Django's admin offers it to administrators."""
    client.force_login(administrator)
    pass_second_factor(client, administrator)
    assert client.get("/admin/otp_static/staticdevice/add/").status_code == 200
    before = len(_user_entries(coordinator))
    device = StaticDevice.objects.create(user=coordinator, name="Backup", confirmed=True)
    StaticToken.objects.create(device=device, token="fict1234")
    after = _user_entries(coordinator)[before:]
    assert any("two_factor" in detail for detail in after), after


def test_replacing_the_key_of_a_confirmed_authenticator_is_audited(
    client, administrator, coordinator
):
    client.force_login(administrator)
    pass_second_factor(client, administrator)
    device = TOTPDevice.objects.create(user=coordinator, name="Phone", confirmed=True)
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 200
    before = len(_user_entries(coordinator))
    device = TOTPDevice.objects.get(pk=device.pk)
    device.key = "3132333435363738393031323334353637383930"
    device.save()
    after = _user_entries(coordinator)[before:]
    assert any("two_factor" in detail for detail in after), after


def test_deleting_a_team_audits_the_memberships_it_removes(outsider, other_team):
    before = len(_user_entries(outsider))
    other_team.delete()
    after = _user_entries(outsider)[before:]
    assert any("teams_removed" in detail for detail in after), after


def test_a_membership_written_on_the_through_model_is_audited(viewer, other_team):
    before = len(_user_entries(viewer))
    User.teams.through.objects.create(user=viewer, team=other_team)
    assert viewer.teams.filter(pk=other_team.pk).exists()
    after = _user_entries(viewer)[before:]
    assert any("teams_added" in detail for detail in after), after


# (b)/(c) Reviving a withdrawn consent with a new consent dated before the withdrawal

from docket.tracing import services as tracing_services  # noqa: E402
from docket.tracing.consent import disclosure_for_requester  # noqa: E402
from docket.tracing.models import Consent, TracingRequest  # noqa: E402

WHEREABOUTS = {
    "ref": "k1",
    "person": "psought",
    "scope": "share_whereabouts",
    "granted_to": "prequester",
    "given_on": "2021-02-01",
    "how": "written",
}
TRACING = _header(
    persons=[
        {"ref": "psought", "names": [{"name": "Dara Kamrani"}], "confidentiality": "restricted"},
        {"ref": "prequester", "names": [{"name": "Mina Kamrani"}], "confidentiality": "internal"},
    ],
    tracing_requests=[{"ref": "t1", "requester": "prequester", "sought": "psought"}],
    consents=[WHEREABOUTS],
)


@pytest.fixture
def traced(tmp_path: Path, other_team: Team, outsider: User) -> TracingRequest:
    done, output = _import(_write(tmp_path, TRACING, "tracing.json"), "--team", other_team.name)
    assert done, output
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    TracingRequest.objects.filter(pk=request.pk).update(whereabouts="Camp 4, fictional town")
    request.refresh_from_db()
    consent = Consent.objects.get(pk=_imported("consents", "k1"))
    assert disclosure_for_requester(request, timezone.localdate()).found
    tracing_services.withdraw_consent(actor=outsider, request=request, consent=consent)
    assert not disclosure_for_requester(request, timezone.localdate()).found
    return request


def test_import_cannot_revive_a_withdrawn_consent_under_a_new_ref(tmp_path, traced, outsider):
    again = _header(consents=[WHEREABOUTS | {"ref": "k1-again"}])
    done, output = _import(_write(tmp_path, again, "again.json"), "--as", outsider.username)
    told = disclosure_for_requester(traced, timezone.localdate())
    assert not told.found and not told.whereabouts, (done, output, told)


def test_a_consent_backdated_before_a_withdrawal_does_not_revive_it(traced, outsider):
    # Refusing the backdated consent is as safe as ignoring it.
    with contextlib.suppress(ValidationError, PermissionDenied):
        tracing_services.record_consent(
            actor=outsider,
            request=traced,
            scope="share_whereabouts",
            given_on=date(2021, 2, 1),
            how="written",
        )
    told = disclosure_for_requester(traced, timezone.localdate())
    assert not told.found and not told.whereabouts, told


# (d) A case cited in full, later made secret, on the public page

from docket.cases import services as case_services  # noqa: E402
from docket.cases.models import Case  # noqa: E402


def test_a_case_made_secret_after_its_letter_was_published_leaves_the_public_page(
    client, documenter, coordinator, team
):
    from django.urls import reverse

    case = factories.case(
        documenter, "Fictional depot transfers", [], confidentiality="restricted", team=team
    )
    letter = letter_services.create_letter(
        actor=documenter,
        title="On the depot",
        body="We ask.",
        cases=[case],
        revealed=[case],
        team=team,
    )
    letter_services.set_published(actor=None, letter=letter, published=True)
    case = Case.objects.get(pk=case.pk)
    case_services.update_case(
        actor=coordinator,
        case=case,
        expected_version=case.version,
        confidentiality="secret",
        title="Informant Farid Nazari's testimony (fictional)",
        summary="Met the informant at the bakery on Tuesdays.",
    )
    page = client.get(reverse("public:letter_detail", args=[letter.pk])).content.decode()
    feed = client.get(reverse("public:letter_feed")).content.decode()
    leaked = [
        where
        for where, text in (("page", page), ("feed", html_module.unescape(feed)))
        if "bakery" in text or "informant" in text.lower()
    ]
    assert not leaked


def test_another_teams_documenter_does_not_read_a_secret_case_through_an_internal_letter(
    client, documenter, coordinator, outsider, team
):
    """(a) The case was revealed while restricted; raised to secret since, it is hidden
    from the outsider everywhere, except in the letter citing it."""
    from django.urls import reverse

    case = factories.case(
        documenter, "Fictional depot transfers", [], confidentiality="restricted", team=team
    )
    letter = letter_services.create_letter(
        actor=documenter,
        title="On the depot",
        body="We ask.",
        cases=[case],
        revealed=[case],
        team=team,
        confidentiality="internal",
    )
    case = Case.objects.get(pk=case.pk)
    case_services.update_case(
        actor=coordinator,
        case=case,
        expected_version=case.version,
        confidentiality="secret",
        summary="Met the informant at the bakery on Tuesdays.",
    )
    client.force_login(outsider)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    page = client.get(reverse("letters:letter_detail", args=[letter.pk]))
    assert page.status_code == 200
    assert "bakery" not in page.content.decode()


# (b) An import rewrites links to records the importer may not see

HIDDEN_LINKS = _header(
    persons=[
        {"ref": "pinformant", "names": [{"name": "Farid Nazari"}], "confidentiality": "secret"},
        {"ref": "pwitness", "names": [{"name": "Leyla Sadeghi"}], "confidentiality": "internal"},
    ],
    cases=[
        {
            "ref": "cdepot",
            "title": "Depot transfers (fictional)",
            "persons": ["pinformant", "pwitness"],
            "confidentiality": "restricted",
        }
    ],
)


def test_an_import_keeps_the_links_to_persons_the_importer_may_not_see(
    tmp_path, other_team, administrator
):
    done, output = _import(_write(tmp_path, HIDDEN_LINKS, "links.json"), "--team", other_team.name)
    assert done, output
    case = Case.objects.get(pk=_imported("cases", "cdepot"))
    informant = _imported("persons", "pinformant")
    # The administrator sees the restricted case and the internal witness, not the secret
    # informant; they may edit the case (restricted, visible to them).
    update = _header(
        cases=[
            {
                "ref": "cdepot",
                "title": "Depot transfers (fictional)",
                "persons": ["pwitness"],
                "confidentiality": "restricted",
            }
        ]
    )
    done, output = _import(_write(tmp_path, update, "update.json"), "--as", administrator.username)
    assert case.persons.filter(pk=informant).exists(), (done, output)


def test_an_alias_is_not_replaced_by_the_initials_of_the_real_name(documenter, team):
    """(d) A letter that writes only a person's alias must not tell the public the
    initials of the name behind it (linking the alias to the person)."""
    from docket.people import services as people_services
    from docket.people.services import NameInput

    people_services.create_person(
        actor=documenter,
        names=[NameInput("Kian Azadi"), NameInput("Darvish Khan", kind="alias")],
        team=team,
        confidentiality="secret",
    )
    letter = letter_services.create_letter(
        actor=documenter,
        title="A fictional letter",
        body="Darvish Khan was seen at the depot.",
        team=team,
    )
    body = redaction.plain(redaction.redact(letter).body)
    assert "Darvish" not in body
    assert "K. A." not in body, body


def test_an_api_token_made_for_someone_outside_docket_token_is_audited(coordinator):
    """The table of "whatever path" names a shell or a script; a token acts as its user
    with no second factor."""
    from docket.api.models import ApiToken

    token = ApiToken.objects.create(user=coordinator, name="script", token_sha256="ab" * 32)
    assert AuditEntry.objects.filter(object_type="api.apitoken", object_id=str(token.pk)).exists()


def test_a_team_renamed_outside_the_screens_is_audited(other_team):
    other_team.name = "Renamed association (fictional)"
    other_team.save()
    assert AuditEntry.objects.filter(
        object_type="accounts.team", object_id=str(other_team.pk)
    ).exists()


# (a) The reply prepared for the requester, read by someone who may not see the requester

HIDDEN_REQUESTER = _header(
    persons=[
        {"ref": "psought2", "names": [{"name": "Navid Ebrahimi"}], "confidentiality": "internal"},
        {"ref": "preq2", "names": [{"name": "Golnar Ebrahimi"}], "confidentiality": "secret"},
    ],
    tracing_requests=[{"ref": "t2", "requester": "preq2", "sought": "psought2"}],
)


def test_the_reply_page_does_not_name_a_requester_the_reader_may_not_see(
    client, tmp_path, other_team, viewer
):
    from django.urls import reverse

    done, output = _import(
        _write(tmp_path, HIDDEN_REQUESTER, "hidden.json"), "--team", other_team.name
    )
    assert done, output
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t2"))
    # The owning team shares the request itself with all staff (internal).
    TracingRequest.objects.filter(pk=request.pk).update(confidentiality="internal")
    client.force_login(viewer)
    requester = _imported("persons", "preq2")
    assert client.get(reverse("people:person_detail", args=[requester])).status_code == 404
    api = client.get(f"/api/v1/tracing/{request.pk}")
    assert api.status_code == 200 and api.json()["requester"] is None
    leaked = {}
    for where, url in (
        ("reply", reverse("tracing:requester_reply", args=[request.pk])),
        ("api", f"/api/v1/tracing/{request.pk}/for-requester"),
    ):
        answer = client.get(url)
        if answer.status_code == 200 and "Golnar" in answer.content.decode():
            leaked[where] = answer.status_code
    assert not leaked


def test_the_reply_shows_contact_details_only_to_those_who_may_edit_the_sought(
    client, tmp_path, other_team, outsider, viewer
):
    """(a) "Contact details of a person are shown only to those who may edit the person";
    the reply prepared for the requester shows them to any reader of the request."""
    from django.urls import reverse

    from docket.people.models import Person

    done, output = _import(_write(tmp_path, TRACING, "tracing.json"), "--team", other_team.name)
    assert done, output
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    TracingRequest.objects.filter(pk=request.pk).update(confidentiality="internal")
    sought = Person.objects.get(pk=_imported("persons", "psought"))
    Person.objects.filter(pk=sought.pk).update(confidentiality="internal")
    sought = Person.objects.get(pk=sought.pk)
    sought.contact_details = "+00 555 0199 (fictional)"
    sought.save()
    tracing_services.record_consent(
        actor=outsider,
        request=request,
        scope="share_contact",
        given_on=date(2024, 1, 1),
        how="written",
    )
    client.force_login(viewer)
    person_page = client.get(reverse("people:person_detail", args=[sought.pk])).content.decode()
    assert "555 0199" not in person_page
    reply = client.get(reverse("tracing:requester_reply", args=[request.pk])).content.decode()
    assert "555 0199" not in reply
