"""The public text of a letter: its title, body and questions with the name of every person
who is not public replaced by that person's initials, wherever and however it is written.

The rule, applied by `redact` to the whole text the public reads (the citations
of cases follow their own rule, in docket.letters.text):

- a name is found by its name keys (docket.lib.names), so every spelling and
  script of it is found: "Gholamreza Shekari", "Qolamreza Shakari",
  "Shekari Gholamreza" and "غلامرضا شکاری" are one name;
- the names looked for are those of every person who is not public
  (restricted, internal or secret; in a cited case, also deleted): a whole
  name (full name, alias, or given name with family name, even when recorded
  apart) of anyone Docket records, found through the name keys the search
  index stores (`Engine.persons_named`), never by reading every person;
- for the persons of the cases the letter cites, whom the letter concerns, also
  each part of their names alone ("Mr Shekari", "شکاری"): a word written in
  Latin letters counts only when capitalised, so that the verb "said" is not
  the name Said, and a word that a public person of those cases also bears in
  their name (a family name shared with a public brother) is public already;
- names are read as the page displays them (`view`): entities decoded,
  compatibility forms folded, invisible characters (soft hyphen, zero-width
  spaces and joiners, word joiner) and combining marks dropped, Cyrillic and
  Greek look-alike letters read as Latin; each text is read once as written
  (a name in a link's address) and once without the Markdown that is not shown
  (a name split by a link, a code mark or a tag), and what either finds is
  replaced in the source;
- each name found is replaced by the initials of the name as the text writes
  it ("Qolamreza Shakari" gives "Q. S.", "غلامرضا شکاری" gives "غ. ش.",
  "Mr Shekari" gives "Mr S."), never by those of the person's recorded name,
  which would tie an alias to the name behind it.

A name shared by a public person and one who is not is replaced: the text
cannot say which of them it means. A name written in one word of a person known
to Docket only by a one-word name is not looked for, unless that person is in a
cited case.

The result is kept on the letter when it is published (`Letter.public_text`)
and computed again, by the same rule, whenever a person or a name changes.
Each replacement sits between two private-use characters (`START`, `END`), so
the public page and the preview can mark it; `plain` takes them out.
"""

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from docket.accounts.permissions import Confidentiality
from docket.letters.models import Letter
from docket.letters.text import initials, render_markdown
from docket.lib.names import name_key_variants, name_keys
from docket.people.models import NameKind, Person, PersonName
from docket.search.documents import MAX_NAME_WORDS, key_token
from docket.search.engine import engine
from docket.search.models import Audience

START, END = "\ue000", "\ue001"
# A word of a name: letters and digits, with the harakat written over them and an
# apostrophe inside (Ja'fari); never an underscore, which Markdown uses for emphasis.
WORD = re.compile(r"[^\W_](?:[^\W_]|[\u064b-\u065f\u0670]|['’](?=[^\W_]))*")
# What may stand between two words of one name: spaces, hyphens, the zero-width
# non-joiner, Markdown's emphasis. Any other mark (a comma, a full stop) ends a name.
JOINER = re.compile(r"[\s\-\u2010\u2011\u200c*_]+")
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f]")
# Keys shorter than this say too little to count as a name (Al, Ho).
MIN_KEY = 3

# Reading a text as it is displayed. An HTML entity stands for the character it writes.
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Markdown that is not shown: a link's or a reference's target, an HTML tag, the marks of
# code, emphasis and links, the backslash of an escape.
MARKUP = re.compile(r"\]\([^)\n]*\)|\]\[[^\]\n]*\]|<[^<>\n]*>|[`*_~\[\]]|\\(?=[!-/:-@\[-`{-~])")
# Letters of other scripts that look like Latin ones (Cyrillic, Greek): read as Latin.
CONFUSABLES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеһіјоԁрсѕуухԛԝӀΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιονρτυχ",
    "ABESIJKMHOPCTXYaehijodpcsyyxqwIABEZHIKMNOPTYXaiovptux",
)
ZWNJ = "\u200c"


@dataclass(frozen=True)
class View:
    """A text as a reader reads it, each character with the span of the source it comes
    from: entities decoded, compatibility forms folded (NFKC), invisible characters
    (soft hyphen, zero-width spaces and joiners, word joiner, byte order mark, direction
    marks) and combining marks dropped, look-alike letters read as Latin and, when
    `displayed`, Markdown that is not shown (link targets, code and emphasis marks, tags)
    left out."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _hidden(char: str, before: str) -> bool:
    if char == ZWNJ:
        # Persian writes it between the parts of a word or a name; elsewhere it hides.
        return not ARABIC_SCRIPT.match(before)
    category = unicodedata.category(char)
    return category in ("Cf", "Mn", "Me")


def view(source: str, *, displayed: bool) -> View:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    while position < len(source):
        entity = ENTITY.match(source, position)
        markup = MARKUP.match(source, position) if displayed else None
        if markup:
            position = markup.end()
            continue
        if entity and html.unescape(entity.group()) != entity.group():
            end = entity.end()
            written = html.unescape(entity.group())
        else:
            end = position + 1
            written = source[position]
        for char in unicodedata.normalize("NFKC", written).translate(CONFUSABLES):
            if not _hidden(char, chars[-1] if chars else ""):
                chars.append(char)
                starts.append(position)
                ends.append(end)
        position = end
    return View("".join(chars), tuple(starts), tuple(ends))


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    # Joined to the word before it by nothing but a space, a hyphen or emphasis.
    joined: bool


def words(text: str) -> list[Word]:
    found: list[Word] = []
    for match in WORD.finditer(text):
        written = match.group()
        possessive = POSSESSIVE.search(written) if written.isascii() else None
        end = match.end() - (len(possessive.group()) if possessive else 0)
        joined = bool(found) and bool(JOINER.fullmatch(text[found[-1].end : match.start()]))
        found.append(Word(match.start(), end, text[match.start() : end], joined))
    return found


def windows(found: list[Word]) -> Iterable[tuple[int, int]]:
    """(first, last + 1) of each run of joined words, at most MAX_NAME_WORDS long."""
    for first in range(len(found)):
        for last in range(first, min(first + MAX_NAME_WORDS, len(found))):
            if last > first and not found[last].joined:
                break
            yield first, last + 1


def _keys(found: list[Word], first: int, stop: int) -> frozenset[str]:
    written = " ".join(word.text for word in found[first:stop])
    if any(char.isdigit() for char in written):
        return frozenset()
    return frozenset(key for key in name_key_variants(written) if len(key) >= MIN_KEY)


def _tokens(found: list[Word], first: int, stop: int) -> tuple[str, ...]:
    return tuple(sorted(key_token(key) for key in _keys(found, first, stop)))


def _capitalised(word: Word) -> bool:
    """Written as a name is: capitalised in Latin letters; Persian has no capitals."""
    return bool(ARABIC_SCRIPT.search(word.text)) or word.text[:1].isupper()


@dataclass(frozen=True)
class Named:
    """Who a name found in the text may be."""

    person_id: int
    cited: bool


def written_initials(found: list[Word]) -> str:
    """The initials of a name as the text writes it, never those of the person's recorded
    name: an alias must not be tied to the name behind it."""
    return initials(" ".join(word.text for word in found))


@dataclass(frozen=True)
class Flag:
    """A name found in the text and what replaces it."""

    where: str  # "title", "body", or a question's number
    start: int
    end: int
    written: str
    replacement: str
    persons: tuple[Named, ...]

    @property
    def cited(self) -> bool:
        return any(person.cited for person in self.persons)


@dataclass
class Redaction:
    title: str
    body: str
    questions: dict[int, str]
    flags: list[Flag] = field(default_factory=list)

    def stored(self) -> dict[str, Any]:
        """What `Letter.public_text` keeps."""
        return {
            "title": self.title,
            "body": self.body,
            "questions": {str(number): text for number, text in self.questions.items()},
        }

    @property
    def digest(self) -> str:
        """A fingerprint of the public text, so that what is published is what was shown."""
        text = json.dumps(self.stored(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PublicText:
    """A letter's public title, body and questions, as stored."""

    title: str
    body: str
    questions: Mapping[int, str]

    @classmethod
    def load(cls, stored: Mapping[str, Any]) -> "PublicText":
        return cls(
            title=str(stored.get("title", "")),
            body=str(stored.get("body", "")),
            questions={int(number): str(text) for number, text in stored["questions"].items()},
        )


def plain(text: str) -> str:
    """Redacted text without the marks around its replacements."""
    return text.replace(START, "").replace(END, "")


def _marked(html: str) -> SafeString:
    """Safe HTML with each replacement in a `<bdi class="redacted">` (isolated, as Latin
    initials may stand in Persian text); marks inside a tag (a link's address that held
    a name) are dropped rather than put inside an attribute."""
    parts = re.split(r"(<[^>]*>)", html)
    out = []
    for part in parts:
        if part.startswith("<"):
            out.append(plain(part))
        else:
            out.append(part.replace(START, '<bdi class="redacted">').replace(END, "</bdi>"))
    # Escaped or sanitised before; the spans are ours.
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703


def text_html(text: str) -> SafeString:
    """A title or a question, escaped, with its replacements marked."""
    return _marked(str(escape(text)))


def body_html(text: str) -> SafeString:
    """The body, rendered through the Markdown allow-list, with its replacements marked."""
    return _marked(render_markdown(text))


# Finding names


class Names:
    """Name keys of the persons a text may name, each mapped to who bears it."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Named]] = {}
        self.single_words = False
        # Keys of the words of public persons' names in the cited cases: public already.
        self.public_words: set[str] = set()

    def add(self, key: str, named: Named) -> None:
        bearers = self.by_key.setdefault(key, [])
        if all(other.person_id != named.person_id for other in bearers):
            bearers.append(named)


def _whole_names(names: list[tuple[str, str]]) -> list[str]:
    """The names that name a person alone: full names, aliases, given with family name."""
    whole = [name for name, kind in names if kind in (NameKind.FULL, NameKind.ALIAS)]
    given = [name for name, kind in names if kind == NameKind.GIVEN]
    family = [name for name, kind in names if kind == NameKind.FAMILY]
    whole += [
        f"{first} {last}"
        for first in given
        for last in family
        if bool(ARABIC_SCRIPT.search(first)) == bool(ARABIC_SCRIPT.search(last))
    ]
    return whole or [name for name, _kind in names]


def _runs(name: str) -> Iterable[str]:
    parts = [word.text for word in words(name)][:MAX_NAME_WORDS]
    for first in range(len(parts)):
        for stop in range(first + 1, len(parts) + 1):
            yield " ".join(parts[first:stop])


def _load(person_ids: set[int], cited: set[int]) -> Names:
    known = Names()
    if not person_ids:
        return known
    names: dict[int, list[tuple[str, str]]] = {}
    for person_id, name, kind in (
        PersonName.objects.filter(person_id__in=person_ids)
        .order_by("position", "pk")
        .values_list("person_id", "name", "kind")
    ):
        names.setdefault(person_id, []).append((name, kind))
    not_public = set(
        Person.objects.filter(pk__in=person_ids)
        .filter(~Q(confidentiality=Confidentiality.PUBLIC) | Q(deleted_at__isnull=False))
        .values_list("pk", flat=True)
    )
    for person_id in sorted(cited - not_public):
        for name, _kind in names.get(person_id, []):
            for word in words(name):
                known.public_words.update(name_key_variants(word.text))
    for person_id in sorted(not_public):
        own = names.get(person_id, [])
        whole = _whole_names(own)
        named = Named(person_id, person_id in cited)
        for name in whole:
            for key in name_keys(name):
                if len(key) >= MIN_KEY:
                    known.add(key, named)
        if person_id in cited:
            known.single_words = True
            for name, _kind in own:
                for run in _runs(name):
                    for key in name_key_variants(run):
                        if len(key) >= MIN_KEY:
                            known.add(key, named)
    return known


def cited_persons(letter: Letter) -> set[int]:
    """The persons of the living cases the letter cites, whom it concerns."""
    return set(
        Person.objects.filter(cases__in=letter.cases.filter(deleted_at__isnull=True)).values_list(
            "pk", flat=True
        )
    )


def _not_public_audiences() -> list[int]:
    return list(
        Audience.objects.exclude(confidentiality=Confidentiality.PUBLIC).values_list(
            "pk", flat=True
        )
    )


def find_names(texts: Mapping[str, str], *, cited: set[int]) -> list[Flag]:
    """Every name of a person who is not public in `texts` (by where they are), in order.

    Each text is read twice: as written (so that a name in a link's address is found) and
    as displayed (so that a name split by a link, a code mark or a tag is found); both
    ignore entities, invisible characters and look-alike letters. A name found in either
    is replaced in the source, the two finds merged where they overlap."""
    views = {
        (where, displayed): view(text, displayed=displayed)
        for where, text in texts.items()
        for displayed in (False, True)
    }
    split = {place: words(read.text) for place, read in views.items()}
    clauses: set[tuple[tuple[str, ...], ...]] = set()
    for found in split.values():
        for first, stop in windows(found):
            if stop - first < 2:
                continue
            # The window as one name of the index ("Gholamreza Shekari", in any order)...
            whole = _tokens(found, first, stop)
            if whole:
                clauses.add((whole,))
            # ...or as a given name and a family name recorded apart, when it looks like a
            # name: each part among the person's keys.
            if stop - first <= 4 and all(_capitalised(word) for word in found[first:stop]):
                for middle in range(first + 1, stop):
                    parts = (_tokens(found, first, middle), _tokens(found, middle, stop))
                    if all(parts):
                        clauses.add(parts)
    candidates: set[int] = set()
    if clauses:
        candidates = engine().persons_named(sorted(clauses), _not_public_audiences())
    known = _load(candidates | cited, cited)
    flags: list[Flag] = []
    for where, text in texts.items():
        spans: list[tuple[int, int, str, tuple[Named, ...]]] = []
        for displayed in (False, True):
            read, found = views[(where, displayed)], split[(where, displayed)]
            position = 0
            while position < len(found):
                match = _longest(found, position, known)
                if match is None:
                    position += 1
                    continue
                stop, bearers = match
                start = read.starts[found[position].start]
                end = read.ends[found[stop - 1].end - 1]
                # The letter's own persons first.
                bearers = sorted(bearers, key=lambda named: (not named.cited, named.person_id))
                spans.append((start, end, written_initials(found[position:stop]), tuple(bearers)))
                position = stop
        for start, end, replacement, persons in _merged(spans):
            flags.append(Flag(where, start, end, text[start:end], replacement, persons))
    return flags


def _merged(
    spans: list[tuple[int, int, str, tuple[Named, ...]]],
) -> list[tuple[int, int, str, tuple[Named, ...]]]:
    """Overlapping finds as one, replaced by the initials of the longest."""
    merged: list[tuple[int, int, str, tuple[Named, ...]]] = []
    longest: list[int] = []
    for start, end, replacement, bearers in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            unique = {named.person_id: named for named in (*last[3], *bearers)}
            persons = sorted(unique.values(), key=lambda named: (not named.cited, named.person_id))
            if end - start > longest[-1]:
                longest[-1] = end - start
                last = (last[0], last[1], replacement, last[3])
            merged[-1] = (last[0], max(last[1], end), last[2], tuple(persons))
        else:
            merged.append((start, end, replacement, bearers))
            longest.append(end - start)
    return merged


def _longest(found: list[Word], first: int, known: Names) -> tuple[int, list[Named]] | None:
    longest: tuple[int, list[Named]] | None = None
    for start, stop in windows(found[first : first + MAX_NAME_WORDS]):
        if start:
            break
        bearers = [
            named
            for key in _keys(found, first, first + stop)
            for named in known.by_key.get(key, ())
        ]
        if stop == 1:
            if not known.single_words or not _capitalised(found[first]):
                continue
            # A single word names only a person of a cited case, and not when a public
            # person of those cases bears it too.
            keys = _keys(found, first, first + 1)
            if keys & known.public_words:
                continue
            bearers = [named for named in bearers if named.cited]
        if bearers:
            unique = {named.person_id: named for named in bearers}
            longest = (first + stop, list(unique.values()))
    return longest


def _replace(text: str, flags: list[Flag]) -> str:
    out = []
    position = 0
    for flag in sorted(flags, key=lambda flag: flag.start):
        out += [text[position : flag.start], START, flag.replacement, END]
        position = flag.end
    out.append(text[position:])
    return "".join(out)


def redact(letter: Letter) -> Redaction:
    """The letter's public title, body and questions, and each name replaced in them."""
    questions = {
        number: plain(text)
        for number, text in letter.questions.order_by("number").values_list("number", "text")
    }
    texts = {"title": plain(letter.title), "body": plain(letter.body)}
    texts |= {str(number): text for number, text in questions.items()}
    flags = find_names(texts, cited=cited_persons(letter))
    by_place: dict[str, list[Flag]] = {}
    for flag in flags:
        by_place.setdefault(flag.where, []).append(flag)
    return Redaction(
        title=_replace(texts["title"], by_place.get("title", [])),
        body=_replace(texts["body"], by_place.get("body", [])),
        questions={
            number: _replace(text, by_place.get(str(number), []))
            for number, text in questions.items()
        },
        flags=flags,
    )


def public_text(letter: Letter) -> PublicText:
    """The stored public text of a published letter, computed and kept when missing (never
    published with it, or a person or name changed since: docket.letters.signals)."""
    if letter.public_text is None:
        stored = redact(letter).stored()
        Letter.objects.filter(pk=letter.pk).update(public_text=stored)
        letter.public_text = stored
    return PublicText.load(letter.public_text)


def mark_stale() -> None:
    """A person or a name changed: published letters compute their public text again."""
    Letter.objects.filter(published=True, public_text__isnull=False).update(public_text=None)
