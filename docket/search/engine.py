"""Search: one interface over SQLite's FTS5 and PostgreSQL's full-text search.

`search(user, text)` finds persons, cases, events, sources and letters whose
words, or whose names' keys, match every word of the query (a word of three
letters or more also matches as the start of a longer word), and gives them
grouped by kind, ranked, with the matching words marked.

What a user may see is decided twice: the index rows carry their record's
audience, so matches and counts are filtered by the audiences
`visibility_q(user)` admits (`audiences_of`); and the records shown are then
read through each model's `visible_to(user)`.

Ranking: candidates are the newest matches of the exact words and of their
prefixes; among them, a whole-name key match ranks first, then a name key or
title word matching exactly, a prefix of one, and a word of the text, the
newest first among equals. Counts stop at `COUNT_LIMIT` ("more than 1,000"):
counting every match of a common word costs a scan of its whole list, which
the events list does instead, with facets.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from docket.accounts.permissions import visibility_q
from docket.lib.names import fold, name_key_variants
from docket.search.documents import (
    CASE,
    EVENT,
    KINDS,
    LETTER,
    PERSON,
    SOURCE,
    WORD,
    entry_id,
    key_token,
    kind_ids,
)
from docket.search.models import Audience, Kind

COUNT_LIMIT = 1000
MAX_WORDS = 8
MAX_WORD_LENGTH = 60
# Name key tokens are lower-case letters and digits (docket.search.documents.key_token),
# safe inside a full-text query; and how many go into one query.
KEY_TOKEN = re.compile(r"[a-z0-9]+")
NAMED_BATCH = 400
# Groups of tokens that must all be present, one token of each (docket.letters.redaction).
Clause = Sequence[Sequence[str]]
# A word shorter than this matches only whole words, never as a prefix.
PREFIX_FROM = 3
# Shown around the first marked word of a text.
SNIPPET_WORDS = 24


def audiences_of(user: Any) -> list[int]:
    """The audiences whose records `user` may see: the permission rule, applied to the
    small table of (confidentiality, team) pairs the index uses."""
    return list(Audience.objects.filter(visibility_q(user)).values_list("pk", flat=True))


@dataclass(frozen=True)
class Query:
    """A query as the index reads it: folded words, and the name keys of each and of all."""

    text: str
    words: tuple[str, ...]
    word_keys: tuple[frozenset[str], ...]
    whole_keys: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> "Query":
        found = [word[:MAX_WORD_LENGTH] for word in WORD.findall(fold(text or ""))][:MAX_WORDS]
        keys = tuple(_keys(word) for word in found)
        whole = _keys(" ".join(found)) if len(found) > 1 else frozenset()
        return cls(text=text, words=tuple(found), word_keys=keys, whole_keys=whole)

    def __bool__(self) -> bool:
        return bool(self.words)

    def prefix(self, word: str) -> bool:
        return len(word) >= PREFIX_FROM


def _keys(text: str) -> frozenset[str]:
    return frozenset(key_token(key) for key in name_key_variants(text) if len(key) >= 2)


@dataclass
class Candidate:
    entry_id: int
    object_id: int
    title: str
    names: str
    body: str
    score: float = 0.0


class Engine:
    """The part that speaks one database's full-text language."""

    @contextmanager
    def session(self) -> Iterator[None]:
        """Around a search's statements (PostgreSQL sets its planner there)."""
        yield

    def count(self, query: Query, kind: str, audiences: list[int], limit: int) -> int:
        raise NotImplementedError

    def candidates(
        self, query: Query, kind: str, audiences: list[int], *, exact: bool, limit: int
    ) -> list[Candidate]:
        raise NotImplementedError

    def object_ids(self, query: Query, kind: str) -> tuple[str, list[Any]]:
        """SQL (with its parameters) selecting the object ids of `kind` that match, for
        lists that filter by words (the events list)."""
        raise NotImplementedError

    def persons_named(self, clauses: Sequence[Clause], audiences: list[int]) -> set[int]:
        """The persons of `audiences` whose name key tokens (`key_token`) satisfy one of
        `clauses`: each a list of groups, every group having one of its tokens, exactly.
        For the names a published letter must not print (docket.letters.redaction)."""
        wanted = [
            clause
            for clause in clauses
            if clause
            and all(group and all(KEY_TOKEN.fullmatch(t) for t in group) for group in clause)
        ]
        found: set[int] = set()
        batch: list[Clause] = []
        terms = 0
        for clause in [*wanted, None]:
            size = sum(len(group) for group in clause) if clause else 0
            if batch and (clause is None or terms + size > NAMED_BATCH):
                found |= self._persons_named(batch, audiences) if audiences else set()
                batch, terms = [], 0
            if clause:
                batch.append(clause)
                terms += size
        return found

    def _persons_named(self, clauses: list[Clause], audiences: list[int]) -> set[int]:
        raise NotImplementedError


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


class SQLiteEngine(Engine):
    """FTS5. A prefix ("shek*") makes FTS5 merge the postings of every word it begins
    before it can skip through them; so a prefix of few words is first spelled out as
    those words ("shekari" OR "shekary"), which FTS5 skips through cheaply, once per
    search (`words_beginning`)."""

    # A prefix beginning more words than this stays a prefix.
    SPELLED_OUT = 24

    def __init__(self) -> None:
        self._beginning: dict[str, str] = {}

    def words_beginning(self, prefix: str) -> str:
        """An FTS5 expression for the words that begin with `prefix`."""
        if prefix not in self._beginning:
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT term FROM search_fts_vocab WHERE term >= %s AND term < %s LIMIT %s",
                    [prefix, upper, self.SPELLED_OUT + 1],
                )
                terms = [str(row[0]) for row in cursor.fetchall()]
            if len(terms) > self.SPELLED_OUT:
                self._beginning[prefix] = f'"{prefix}"*'
            elif terms:
                self._beginning[prefix] = "(" + " OR ".join(f'"{term}"' for term in terms) + ")"
            else:
                self._beginning[prefix] = f'"{prefix}"'  # no such word: matches nothing
        return self._beginning[prefix]

    def expression(self, query: Query, kind: str, *, exact: bool) -> str:
        """An FTS5 query: every word in the title or text, or among the name keys; or the
        whole query among the name keys. Words are \\w+ runs, safe inside quotes."""

        def term(word: str, prefix: bool) -> str:
            return self.words_beginning(word) if prefix else f'"{word}"'

        clauses = []
        for word, keys in zip(query.words, query.word_keys, strict=True):
            options = [f"{{title body}} : {term(word, not exact and query.prefix(word))}"]
            if keys:
                options.append(
                    "names : (" + " OR ".join(term(key, not exact) for key in sorted(keys)) + ")"
                )
            clauses.append("(" + " OR ".join(options) + ")")
        match = " AND ".join(clauses)
        if query.whole_keys:
            whole = " OR ".join(term(key, not exact) for key in sorted(query.whole_keys))
            match = f"(({match}) OR names : ({whole}))"
        return f'({match}) AND kind : "{kind}"'

    def count(self, query: Query, kind: str, audiences: list[int], limit: int) -> int:
        sql = (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_fts "  # noqa: S608 - placeholders  # nosec B608
            "JOIN search_searchentry entry ON entry.id = search_fts.rowid "
            "WHERE search_fts MATCH %s "
            f"AND entry.audience_id IN ({_placeholders(audiences)}) LIMIT %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.expression(query, kind, exact=False), *audiences, limit + 1])
            return int(cursor.fetchone()[0])

    def candidates(
        self, query: Query, kind: str, audiences: list[int], *, exact: bool, limit: int
    ) -> list[Candidate]:
        sql = (
            "SELECT entry.id, entry.object_id, entry.title, entry.names, entry.body "  # noqa: S608  # nosec B608
            "FROM search_fts JOIN search_searchentry entry ON entry.id = search_fts.rowid "
            "WHERE search_fts MATCH %s "
            f"AND entry.audience_id IN ({_placeholders(audiences)}) "
            "ORDER BY search_fts.rowid DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.expression(query, kind, exact=exact), *audiences, limit])
            return [Candidate(*row) for row in cursor.fetchall()]

    def object_ids(self, query: Query, kind: str) -> tuple[str, list[Any]]:
        # An entry's id carries its record's id (docket.search.documents.entry_id).
        return (
            f"SELECT rowid - {entry_id(kind, 0)} FROM search_fts "  # noqa: S608  # nosec B608
            "WHERE search_fts MATCH %s",
            [self.expression(query, kind, exact=False)],
        )

    def _persons_named(self, clauses: list[Clause], audiences: list[int]) -> set[int]:
        either = " OR ".join(
            "(" + " AND ".join("(" + " OR ".join(f'"{t}"' for t in g) + ")" for g in clause) + ")"
            for clause in clauses
        )
        match = f'names : ({either}) AND kind : "{PERSON}"'
        sql = (
            "SELECT entry.object_id FROM search_fts "  # noqa: S608 - placeholders  # nosec B608
            "JOIN search_searchentry entry ON entry.id = search_fts.rowid "
            f"WHERE search_fts MATCH %s AND entry.audience_id IN ({_placeholders(audiences)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *audiences])
            return {int(row[0]) for row in cursor.fetchall()}


class PostgreSQLEngine(Engine):
    """tsvector and a GIN index per kind. Counting goes through the GIN index always: the
    planner, told of a LIMIT, would rather walk the table, believing a word found in one
    kind is as common in every kind (it may be absent: "detention" among persons). The
    newest matches are read two ways: when few entries match (the count says so), all of
    them through the GIN index, then sorted; when many do, by walking the kind's newest
    entries and keeping those that match, which finds a page at once."""

    def __init__(self) -> None:
        self._counted: dict[str, int] = {}

    @staticmethod
    def expression(query: Query, *, exact: bool) -> str:
        """A tsquery: title (A) or text (D) words, or name keys (B). Words are \\w+ runs."""
        clauses = []
        for word, keys in zip(query.words, query.word_keys, strict=True):
            star = "" if exact or not query.prefix(word) else "*"
            options = [f"'{word}':{star}AD"]
            key_star = "" if exact else "*"
            options += [f"'{key}':{key_star}B" for key in sorted(keys)]
            clauses.append("(" + " | ".join(options) + ")")
        match = " & ".join(clauses)
        if query.whole_keys:
            key_star = "" if exact else "*"
            whole = " | ".join(f"'{key}':{key_star}B" for key in sorted(query.whole_keys))
            match = f"(({match}) | {whole})"
        return match

    def _where(self, query: Query, kind: str, audiences: list[int], exact: bool) -> Any:
        # The kind's range of ids as well: walking the newest entries, start at its own.
        return (
            "kind = %s AND id BETWEEN %s AND %s AND audience_id = ANY(%s) "
            "AND document @@ to_tsquery('simple'::regconfig, %s)",
            [kind, *kind_ids(kind), audiences, self.expression(query, exact=exact)],
        )

    def count(self, query: Query, kind: str, audiences: list[int], limit: int) -> int:
        where, parameters = self._where(query, kind, audiences, exact=False)
        sql = (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_searchentry "  # noqa: S608  # nosec B608
            f"WHERE {where} LIMIT %s) found"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*parameters, limit + 1])
            found = int(cursor.fetchone()[0])
        self._counted[kind] = found if found <= limit else -1
        return found

    def candidates(
        self, query: Query, kind: str, audiences: list[int], *, exact: bool, limit: int
    ) -> list[Candidate]:
        where, parameters = self._where(query, kind, audiences, exact=exact)
        columns = "id, object_id, title, names, body"
        if self._counted.get(kind, -1) >= 0:
            sql = (
                f"WITH found AS MATERIALIZED (SELECT {columns} FROM search_searchentry "  # noqa: S608  # nosec B608
                f"WHERE {where}) SELECT {columns} FROM found ORDER BY id DESC LIMIT %s"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [*parameters, limit])
                return [Candidate(*row) for row in cursor.fetchall()]
        sql = (
            f"SELECT {columns} FROM search_searchentry "  # noqa: S608  # nosec B608
            f"WHERE {where} ORDER BY id DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            # Many match: walk the kind's newest entries (a btree index scan).
            cursor.execute("SET LOCAL enable_indexscan = on")
            cursor.execute(sql, [*parameters, limit])
            found = [Candidate(*row) for row in cursor.fetchall()]
            cursor.execute("SET LOCAL enable_indexscan = off")
            return found

    @contextmanager
    def session(self) -> Iterator[None]:
        """Within it, PostgreSQL reads entries through a bitmap of a GIN index, never by
        walking the table or a btree, unless told otherwise (`candidates`)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
            try:
                yield
            finally:
                cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on")

    def object_ids(self, query: Query, kind: str) -> tuple[str, list[Any]]:
        return (
            "SELECT object_id FROM search_searchentry WHERE kind = %s "
            "AND document @@ to_tsquery('simple'::regconfig, %s)",
            [kind, self.expression(query, exact=False)],
        )

    def _persons_named(self, clauses: list[Clause], audiences: list[int]) -> set[int]:
        either = " | ".join(
            "(" + " & ".join("(" + " | ".join(f"'{t}':B" for t in g) + ")" for g in clause) + ")"
            for clause in clauses
        )
        sql = (
            "SELECT object_id FROM search_searchentry WHERE kind = %s AND id BETWEEN %s AND %s "
            "AND audience_id = ANY(%s) AND document @@ to_tsquery('simple'::regconfig, %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [PERSON, *kind_ids(PERSON), audiences, either])
            return {int(row[0]) for row in cursor.fetchall()}


def engine() -> Engine:
    if connection.vendor == "postgresql":
        return PostgreSQLEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search does not support {connection.vendor}")


# Ranking


def score(query: Query, candidate: Candidate) -> float:
    title = set(candidate.title.split())
    names = set(candidate.names.split())
    body = set(candidate.body.split())
    total = 0.0
    if query.whole_keys & names:
        total += 10
    for word, keys in zip(query.words, query.word_keys, strict=True):
        if keys & names:
            best = 3.0
        elif word in title:
            best = 2.5
        elif any(name.startswith(key) for name in names for key in keys):
            best = 2.0
        elif query.prefix(word) and any(token.startswith(word) for token in title):
            best = 1.5
        elif word in body:
            best = 1.0
        else:
            best = 0.5
        total += best
    if query.words == tuple(candidate.title.split()):
        total += 2
    return total


# Results


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    detail: str
    snippet: SafeString
    marked_title: SafeString


@dataclass
class Group:
    kind: str
    label: str
    count: int
    more: bool
    hits: list[Hit] = field(default_factory=list)

    @property
    def shown_count(self) -> int:
        return min(self.count, COUNT_LIMIT)


@dataclass
class Results:
    query: Query
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.shown_count for group in self.groups)

    @property
    def any_more(self) -> bool:
        return any(group.more for group in self.groups)


def search(user: Any, text: str, kinds: Iterable[str] | None = None, limit: int = 5) -> Results:
    """Records `user` may see that match `text`, grouped by kind, best first."""
    query = Query.parse(text)
    wanted = [kind for kind in KINDS if kinds is None or kind in set(kinds)]
    audiences = audiences_of(user)
    backend = engine()
    groups = []
    with backend.session():
        for kind in wanted:
            label = str(Kind(kind).label)
            if not query or not audiences:
                groups.append(Group(kind, label, 0, False))
                continue
            found = backend.count(query, kind, audiences, COUNT_LIMIT)
            group = Group(kind, label, found, found > COUNT_LIMIT)
            if found:
                group.hits = _hits(backend, user, query, kind, audiences, limit)
            groups.append(group)
    return Results(query=query, groups=groups)


def _hits(
    backend: Engine, user: Any, query: Query, kind: str, audiences: list[int], limit: int
) -> list[Hit]:
    pool = max(limit * 4, 40)
    candidates: dict[int, Candidate] = {}
    for exact in (True, False):
        for candidate in backend.candidates(query, kind, audiences, exact=exact, limit=pool):
            candidates.setdefault(candidate.entry_id, candidate)
    for candidate in candidates.values():
        candidate.score = score(query, candidate)
    ranked = sorted(candidates.values(), key=lambda item: (-item.score, -item.entry_id))
    records = _records(user, kind, [candidate.object_id for candidate in ranked[: limit * 2]])
    hits = []
    for candidate in ranked:
        record = records.get(candidate.object_id)
        if record is not None:
            hits.append(_hit(query, kind, record))
        if len(hits) == limit:
            break
    return hits


def _records(user: Any, kind: str, ids: list[int]) -> dict[int, Any]:
    """The records themselves, through the permission rule once more."""
    from docket.cases.models import Case, Event, Source
    from docket.letters.models import Letter
    from docket.people.models import Person

    visible: Any
    if kind == PERSON:
        visible = Person.objects.visible_to(user).prefetch_related("names")
    elif kind == CASE:
        visible = Case.objects.visible_to(user)
    elif kind == EVENT:
        visible = Event.objects.visible_to(user).select_related("type", "case", "authority")
    elif kind == SOURCE:
        visible = Source.objects.visible_to(user)
    else:
        visible = Letter.objects.visible_to(user).prefetch_related("questions")
    return {record.pk: record for record in visible.filter(pk__in=ids)}


def _hit(query: Query, kind: str, record: Any) -> Hit:
    title, url, detail, texts = describe(kind, record)
    names_like = kind == PERSON
    snippet = mark_safe("")  # noqa: S308 - empty  # nosec B308
    for text in texts:
        marked = highlight(query, text, names=names_like, window=SNIPPET_WORDS)
        if marked is not None:
            snippet = marked
            break
    return Hit(
        kind=kind,
        object_id=record.pk,
        title=title,
        url=url,
        detail=detail,
        snippet=snippet,
        marked_title=highlight(query, title, names=names_like) or escape(title),
    )


def describe(kind: str, record: Any) -> tuple[str, str, str, list[str]]:
    """A record's title, address, a line of detail, and the texts besides its title to
    take a snippet from."""
    if kind == PERSON:
        names = [name.name for name in record.names.all()]
        return (
            record.display_name,
            reverse("people:person_detail", args=[record.pk]),
            " · ".join(name for name in names if name != record.display_name),
            [
                *(name for name in names if name != record.display_name),
                record.birth_place,
                record.notes,
            ],
        )
    if kind == CASE:
        return (
            record.title,
            reverse("cases:case_detail", args=[record.pk]),
            str(record.get_status_display()),
            [record.summary],
        )
    if kind == EVENT:
        parts = [str(record.start or ""), record.place_name, record.case.title]
        return (
            str(record.type.label),
            reverse("cases:case_detail", args=[record.case_id]) + f"#event-{record.pk}",
            " · ".join(part for part in parts if part),
            [
                record.description,
                record.place_name,
                record.authority.name if record.authority else "",
            ],
        )
    if kind == SOURCE:
        return (
            record.title,
            reverse("cases:source_detail", args=[record.pk]),
            str(record.get_kind_display()),
            [record.given_by],
        )
    if kind == LETTER:
        return (
            record.title,
            reverse("letters:letter_detail", args=[record.pk]),
            "",
            [record.body, *(question.text for question in record.questions.all())],
        )
    raise ValueError(kind)


_TOKEN = re.compile(r"\w+|\W+")


def _matches(query: Query, word: str, *, names: bool) -> bool:
    folded = fold(word)
    for query_word in query.words:
        if folded == query_word or (query.prefix(query_word) and folded.startswith(query_word)):
            return True
    if names and (query.word_keys or query.whole_keys):
        keys = _keys(word)
        wanted = set().union(*query.word_keys) | query.whole_keys
        return any(
            key.startswith(want) or (len(key) >= PREFIX_FROM and want.startswith(key))
            for key in keys
            for want in wanted
        )
    return False


def highlight(
    query: Query, text: str | None, *, names: bool = False, window: int | None = None
) -> SafeString | None:
    """`text` escaped, its matching words in <mark>; None when no word matches. With
    `window`, only that many words around the first match."""
    if not text:
        return None
    parts = _TOKEN.findall(text)
    marks = [
        index
        for index, part in enumerate(parts)
        if part[:1].isalnum() or part[:1] == "_"
        if _matches(query, part, names=names)
    ]
    if not marks:
        return None
    start, end = 0, len(parts)
    if window is not None:
        start = max(0, marks[0] - window)
        end = min(len(parts), marks[0] + window * 2)
    shown = []
    if start > 0:
        shown.append("… ")
    chosen = set(marks)
    for index in range(start, end):
        piece = escape(parts[index])
        shown.append(f"<mark>{piece}</mark>" if index in chosen else piece)
    if end < len(parts):
        shown.append(" …")
    return mark_safe("".join(shown))  # noqa: S308 - every piece escaped above  # nosec B308 B703


def matching_ids(query: Query, kind: str) -> tuple[str, list[Any]]:
    """SQL for the object ids of `kind` whose entry matches `query` (no audience filter:
    callers filter by audience themselves)."""
    return engine().object_ids(query, kind)


__all__ = ["Group", "Hit", "Query", "Results", "audiences_of", "highlight", "search"]
