"""Dates as people read and type them (docket.lib.dates): each language's own form, the
Solar Hijri calendar and Persian digits, partial dates, clear refusals, the reader's own
settings; and the text around them: the Persian comma, emails and the reply letter in
their language's direction, and `make run`'s prepare step done once."""

import io
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Event, EventType
from docket.letters import mail
from docket.letters import services as letter_services
from docket.lib import dates, static
from docket.lib.dates import Preferences, parse_entry, show_date
from docket.lib.forms import DayField, PartialDateFormField
from docket.lib.partialdate import PartialDate
from docket.tracing import services as tracing_services
from docket.tracing.consent import disclosure_for_reader
from docket.tracing.pdf import reply_html
from tests import factories

DAY = date(2026, 12, 3)


def shown(value: Any, language: str, **options: Any) -> str:
    with translation.override(language):
        return show_date(value, **options)


# Shown


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", DAY, "3 Dec 2026"),
        ("en", PartialDate(2026, 12), "Dec 2026"),
        ("en", PartialDate(2026), "2026"),
        ("en", PartialDate(1980, 2, None, True), "about Feb 1980"),
        ("sq", DAY, "3 dhjetor 2026"),
        ("sq", PartialDate(2026, 12), "dhjetor 2026"),
        ("fa", DAY, "۱۲ آذر ۱۴۰۵"),
        # A Gregorian month or year is the Solar Hijri span it covers, never more precise.
        ("fa", PartialDate(2026, 12), "آذر–دی ۱۴۰۵"),
        ("fa", PartialDate(2026, 3), "اسفند ۱۴۰۴–فروردین ۱۴۰۵"),
        ("fa", PartialDate(2026), "۱۴۰۴–۱۴۰۵"),
    ],
)
def test_each_language_shows_dates_its_own_way(language, value, expected):
    assert shown(value, language) == expected


def test_a_page_printed_for_others_has_the_gregorian_beside_the_solar_hijri():
    assert shown(DAY, "fa", printed=True) == "۱۲ آذر ۱۴۰۵ (۳ دسامبر ۲۰۲۶)"
    assert shown(DAY, "en", printed=True) == "3 December 2026"


def test_a_readers_choice_changes_calendar_and_digits_but_not_printed_pages():
    with dates.using(Preferences(calendar=dates.GREGORIAN, digits=dates.LATIN)):
        assert shown(DAY, "fa") == "3 دسامبر 2026"
        assert shown(DAY, "fa", printed=True).startswith("۱۲ آذر ۱۴۰۵")
    with dates.using(Preferences(calendar=dates.SOLAR_HIJRI)):
        assert shown(DAY, "en") == "12 Azar 1405"


def test_the_showdate_filter_and_the_persian_comma_in_templates():
    template = Template(
        "{{ day|showdate }}: {% for name in names %}{{ name }}"
        "{% if not forloop.last %}{% listsep %}{% endif %}{% endfor %}"
    )
    context = Context({"day": DAY, "names": ["Azar", "Mehdi"]})
    with translation.override("fa"):
        assert template.render(context) == "۱۲ آذر ۱۴۰۵: Azar، Mehdi"
    with translation.override("en"):
        assert template.render(context) == "3 Dec 2026: Azar, Mehdi"


# Typed


@pytest.mark.parametrize("typed", ["۱۴۰۵/۰۹/۱۲", "1405/09/12", "1405-09-12", "۱۴۰۵/۹/۱۲ ه.ش"])
def test_a_solar_hijri_date_typed_is_stored_gregorian_and_shown_back(typed):
    value = parse_entry(typed)

    assert value == PartialDate(2026, 12, 3)
    assert shown(value, "fa") == "۱۲ آذر ۱۴۰۵"


def test_partial_dates_typed_keep_their_precision():
    assert parse_entry("1980-02") == PartialDate(1980, 2)
    assert parse_entry("1980~") == PartialDate(1980, approximate=True)
    # Most of Azar 1405 is in December 2026.
    assert parse_entry("۱۴۰۵/۰۹") == PartialDate(2026, 12)
    assert parse_entry("1405") == PartialDate(2026)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1980-02-31", "February 1980 has only 29 days, not 31."),
        ("1981-02-29", "February 1981 has only 28 days, not 29."),
        ("1404/12/30", "Esfand 1404 has only 29 days, not 30."),
        ("2026-13", "There is no month 13"),
        ("03/12/2026", "Write the year first"),
        ("spring 2020", "Enter a date as YYYY-MM-DD, YYYY-MM or YYYY."),
    ],
)
def test_a_date_that_is_not_one_is_refused_saying_why(typed, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        PartialDateFormField().clean(typed)

    assert message in refused.value.messages[0]


def test_a_whole_date_field_takes_either_calendar_and_wants_a_day():
    field = DayField()

    assert field.clean("۱۴۰۵/۰۹/۱۲") == date(2026, 12, 3)
    with translation.override("en"), pytest.raises(ValidationError, match="whole date"):
        field.clean("2026-12")
    assert 'type="text"' in str(field.widget.render("on", None))


@pytest.mark.django_db
def test_an_event_starting_in_the_future_is_refused(documenter, team):
    case = factories.case(documenter, "A fictional case", [], team=team)
    later = timezone.localdate() + timedelta(days=365 * 5)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        factories.event(documenter, case, "detention", later.isoformat())

    assert "is in the future" in refused.value.message_dict["start"][0]
    assert not Event.objects.filter(case=case).exists()
    # A start in the past is taken, even one whose end is still open.
    factories.event(documenter, case, "detention", f"{later.year - 10}")


@pytest.mark.django_db
def test_the_event_form_says_a_start_in_the_future_is_refused(logged_in, documenter, team):
    case = factories.case(documenter, "A fictional case", [], team=team)
    later = timezone.localdate().year + 5

    response = logged_in(documenter).post(
        reverse("cases:event_create", args=[case.pk]),
        {
            "type": EventType.objects.get(code="detention").pk,
            "start": f"{later}-03-01",
            "persons-TOTAL_FORMS": "0",
            "persons-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    assert not Event.objects.filter(case=case).exists()


def _tracing_request(actor: Any, team: Any, opened_on: date) -> Any:
    requester = factories.person(actor, "Parvin Fictional", team=team)
    sought = factories.person(actor, "Dariush Fictional", team=team)
    intake = tracing_services.Intake(
        requester=requester, sought=sought, team=team, opened_on=opened_on
    )
    return tracing_services.open_request(actor=actor, intake=intake, match=False)


@pytest.mark.django_db
def test_a_tracing_step_dated_before_the_request_opened_is_refused(documenter, team):
    opened = timezone.localdate() - timedelta(days=10)
    tracing = _tracing_request(documenter, team, opened)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        tracing_services.move_request(
            actor=documenter, request=tracing, to="searching", on=opened - timedelta(days=1)
        )

    assert "The request was opened on" in refused.value.message_dict["on"][0]
    step = tracing_services.move_request(
        actor=documenter, request=tracing, to="searching", on=opened
    )
    assert step.on == opened


@pytest.mark.django_db
def test_the_events_list_says_a_date_filter_is_not_a_date(logged_in, documenter):
    client = logged_in(documenter)

    page = client.get(reverse("search:event_list"), {"from": "1980-02-31", "to": "1990"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "February 1980 has only 29 days, not 31." in text
    assert 'value="1980-02-31"' in text
    assert "events-to-error" not in text
    assert "events-from-error" not in client.get(reverse("search:event_list")).content.decode()


# Settings


@pytest.mark.django_db
def test_the_settings_page_changes_how_dates_are_shown(logged_in, documenter):
    client = logged_in(documenter)
    page = reverse("account_settings")
    today = timezone.localdate()
    with translation.override("en"):
        gregorian = show_date(today, calendar_name=dates.GREGORIAN, digits=dates.LATIN)
        solar = show_date(today, calendar_name=dates.SOLAR_HIJRI, digits=dates.PERSIAN)
    assert gregorian in client.get(page).content.decode()

    saved = client.post(page, {"date_calendar": "solar_hijri", "date_digits": "persian"})

    assert saved.status_code == 302
    shown_now = client.get(page).content.decode()
    assert solar in shown_now and gregorian not in shown_now
    documenter.refresh_from_db()
    assert (documenter.date_calendar, documenter.date_digits) == ("solar_hijri", "persian")
    assert AuditEntry.objects.filter(
        action=Action.CHANGE, object_id=str(documenter.pk), actor=documenter
    ).exists()
    refused = client.post(page, {"date_calendar": "julian", "date_digits": ""})
    assert refused.status_code == 200
    documenter.refresh_from_db()
    assert documenter.date_calendar == "solar_hijri"


def test_the_settings_page_needs_a_log_in(client):
    response = client.get(reverse("account_settings"))

    assert response.status_code == 302 and "/login/" in response["Location"]


# Emails and the reply letter


@pytest.mark.django_db
def test_a_persian_letters_email_has_html_right_to_left_and_a_text_part(documenter, team):
    ministry = case_services.create_authority(
        actor=documenter, name="Fictional Ministry", country="IR", email="m@example.org"
    )
    letter = letter_services.create_letter(
        actor=documenter,
        title="نامه",
        body="**پرسش** درباره بازداشت",
        language="fa",
        recipients=[ministry],
        team=team,
    )
    copy = letter.dispatches.get()

    message = mail.compose(copy, on=DAY)

    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert '<html lang="fa" dir="rtl">' in html
    assert "<strong>پرسش</strong>" in html
    assert "۱۲ آذر ۱۴۰۵ (۳ دسامبر ۲۰۲۶)" in html
    assert "**پرسش**" in message.body and "<strong>" not in message.body


@pytest.mark.django_db
def test_the_persian_reply_to_a_family_runs_right_to_left(documenter, team):
    tracing = _tracing_request(documenter, team, timezone.localdate())
    told = disclosure_for_reader(tracing, documenter, timezone.localdate())

    with translation.override("fa"):
        persian = reply_html(told)
    with translation.override("en"):
        english = reply_html(told)

    assert '<html lang="fa" dir="rtl">' in persian
    assert '<html lang="en" dir="ltr">' in english


# make run


@pytest.mark.django_db
def test_prepare_does_nothing_twice(administrator, documenter, settings, tmp_path, monkeypatch):
    settings.STATIC_ROOT = tmp_path
    collected: list[str] = []
    monkeypatch.setattr(static, "call_command", lambda name, **options: collected.append(name))
    output = io.StringIO()

    call_command("prepare", stdout=output)
    call_command("prepare", stdout=output)

    assert collected == ["collectstatic"]
    assert output.getvalue().count("demo data not loaded") == 2
    assert "Log in as an existing administrator" in output.getvalue()


def test_the_password_hint_names_the_command_as_it_was_run(monkeypatch, tmp_path):
    from docket.cli import invoked_as

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "docket").touch()
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sys, "argv", [".venv/bin/docket", "createadmin"])

    assert invoked_as() == ".venv/bin/docket"


# Django's own `date` filter and a date put in a template as it is ({{ day }}) spell a
# month from Django's catalogue and format: Albanian "06 Dhjetor 2026" (capitalised,
# zero-padded) beside Docket's "6 dhjetor 2026". Templates go through `showdate`.
_DJANGO_DATE = re.compile(r"""\|date\b(?!:\s*["'](?:Y-m-d|c|Y-m-d H:i(?::s)?)["'])""")


def test_no_template_spells_a_date_with_djangos_date_filter():
    root = Path(dates.__file__).resolve().parent.parent
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("templates/**/*.*"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _DJANGO_DATE.search(line)
    ]
    assert found == [], "use |showdate (or an ISO format) instead of |date: " + ", ".join(found)


@pytest.mark.django_db
def test_an_albanian_page_writes_a_day_in_lowercase_and_without_a_leading_zero(
    logged_in, coordinator, team
):
    from docket.people.erasure import erase_person

    person = factories.person(coordinator, "Fictional Person Erased")
    erase_person(actor=coordinator, person=person, reason="A fictional request")
    client = logged_in(coordinator)
    client.post("/i18n/setlang/", {"language": "sq", "next": "/"})
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    today = timezone.localdate()
    month = "janar shkurt mars prill maj qershor korrik gusht shtator tetor nëntor dhjetor"
    assert f"më {today.day} {month.split()[today.month - 1]} {today.year}:" in page
