"""Persian and Albanian are complete, keep their placeholders, and are compiled.

Reads the .po files directly (no database, no browser): every entry translated and
none fuzzy, the same placeholders and HTML tags in msgstr as in msgid, the compiled
.mo answering what the .po says, and every vocabulary label the data migrations
load (event types, roles, relationship kinds, instruments, articles) translated.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from docket.lib import vocabulary_labels
from tests import factories

DOCKET = Path(__file__).resolve().parent.parent / "docket"
LANGUAGES = ("fa", "sq")

# %(name)s, %s, %d, {0}, {name}; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{[A-Za-z0-9_]*\}")
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    line: int = 0


def _parse(path: Path) -> list[Entry]:
    """A small .po reader: enough for Docket's catalogues (no obsolete entries)."""
    entries: list[Entry] = []
    entry = Entry()
    current: str | None = None

    def finish() -> None:
        nonlocal entry
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            current = None
        elif line.startswith("#,"):
            entry.fuzzy = "fuzzy" in (flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = json.loads(line)
            if current is None:
                raise AssertionError(f"{path}:{number}: a string continues nothing")
            if current.startswith("msgstr"):
                entry.msgstr[-1] += value
            else:
                setattr(entry, current, (getattr(entry, current) or "") + value)
        else:
            keyword, _, value = line.partition(" ")
            text = json.loads(value)
            entry.line = entry.line or number
            if keyword.startswith("msgstr"):
                entry.msgstr.append(text)
                current = "msgstr"
            elif keyword in ("msgid", "msgid_plural", "msgctxt"):
                setattr(entry, keyword, text)
                current = keyword
            else:
                raise AssertionError(f"{path}:{number}: unknown keyword {keyword}")
    finish()
    return [entry for entry in entries if entry.msgid]  # the header has an empty msgid


def _catalogue(language: str) -> list[Entry]:
    return _parse(DOCKET / "locale" / language / "LC_MESSAGES" / "django.po")


def _where(language: str, entry: Entry) -> str:
    return f"{language}/django.po:{entry.line} {entry.msgid[:60]!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = _catalogue(language)
    assert len(entries) > 1000  # the reader read the catalogue, not an empty file
    wanting = [
        _where(language, entry)
        for entry in entries
        if entry.fuzzy or not entry.msgstr or any(not text for text in entry.msgstr)
    ]
    assert not wanting, f"{len(wanting)} untranslated or fuzzy:\n" + "\n".join(wanting[:40])


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def _tags(text: str) -> Counter[str]:
    return Counter(TAG.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_html_tags_are_kept(language: str) -> None:
    problems = []
    for entry in _catalogue(language):
        for index, text in enumerate(entry.msgstr):
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if entry.msgid_plural is not None:
                # A form may serve several numbers (Persian's first serves 0 and 1):
                # compare the placeholders named, not how often, against both msgids.
                wanted = set(_placeholders(entry.msgid)) | set(_placeholders(entry.msgid_plural))
                if set(_placeholders(text)) != wanted:
                    problems.append(f"{_where(language, entry)}: {text!r}")
            elif _placeholders(text) != _placeholders(source):
                problems.append(f"{_where(language, entry)}: {text!r}")
            if _tags(text) != _tags(source):
                problems.append(f"{_where(language, entry)} (HTML): {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    """Run `make messages` (compilemessages) after editing a .po file."""
    stale = []
    with translation.override(language):
        for entry in _catalogue(language):
            if entry.msgid_plural is not None or entry.fuzzy or not entry.msgstr[0]:
                continue
            if entry.msgctxt is not None:
                shown = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                shown = translation.gettext(entry.msgid)
            if shown != entry.msgstr[0]:
                stale.append(_where(language, entry))
    assert not stale, "the .mo file is older than the .po file:\n" + "\n".join(stale[:20])


def _shipped_labels() -> set[str]:
    """What the data migrations load into the vocabulary tables."""
    cases = json.loads((DOCKET / "cases" / "vocabulary.json").read_text())
    people = json.loads((DOCKET / "people" / "vocabulary.json").read_text())
    law = json.loads((DOCKET / "law" / "rights.json").read_text())
    return (
        {term["label"] for term in cases["event_types"]}
        | {term["label"] for term in cases["roles"]}
        | {term["label"] for term in people["relationship_kinds"]}
        | {instrument["name"] for instrument in law["instruments"]}
        | {
            article["title"]
            for instrument in law["instruments"]
            for article in instrument["articles"]
        }
    )


def test_the_label_list_follows_the_shipped_vocabularies() -> None:
    """makemessages finds the labels in docket/lib/vocabulary_labels.py: keep it in step."""
    listed = {
        label
        for name in ("EVENT_TYPES", "ROLES", "RELATIONSHIP_KINDS", "INSTRUMENTS", "ARTICLES")
        for label in getattr(vocabulary_labels, name)
    }
    assert _shipped_labels() <= listed


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_vocabulary_label_is_translated(language: str) -> None:
    labels = _shipped_labels()
    translated = {
        entry.msgid: entry.msgstr[0]
        for entry in _catalogue(language)
        if entry.msgctxt is None and entry.msgstr and entry.msgstr[0] and not entry.fuzzy
    }
    assert not labels - translated.keys(), sorted(labels - translated.keys())
    with translation.override(language):
        assert all(translation.gettext(label) == translated[label] for label in labels)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "type_label", "role_label", "right_title"),
    [
        ("fa", "بازداشت", "قربانی", "آزادی و امنیت شخصی"),
        ("sq", "Ndalim", "Viktimë", "Liria dhe siguria e personit"),
    ],
)
def test_a_case_page_shows_the_shipped_vocabulary_in_the_readers_language(
    logged_in: Any,
    documenter: Any,
    language: str,
    type_label: str,
    role_label: str,
    right_title: str,
) -> None:
    """Event types, roles and rights are stored in English and shown translated."""
    victim = factories.person(documenter, "Fictional Person Alpha")
    case = factories.case(documenter, "A fictional case", [victim])
    factories.event(documenter, case, "detention", "2024-03-01", victims=(victim,))
    client = logged_in(documenter)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert type_label in page and role_label in page and right_title in page
    for english in ("Detention", "(<bdi>Victim</bdi>)", "Liberty and security of person"):
        assert english not in page
