"""A draft of persons and events from the text of a letter or testimony, by rules.

Nothing here reads or writes the database: the caller passes what the reader may
see (recorded places and authorities, `Gazetteer`), and matching drafted persons to
recorded ones is `docket.drafts.matching`'s. Every value carries the span of text it
came from, as (begin, end) character offsets into the text as given.

How a text is read, in order:

1. normalised without moving a character (Persian digits to ASCII, Arabic letters to
   their Persian twins), so that spans found in the normalised text point into the
   original;
2. cut into sentences and each sentence into clauses ("..., and Omid was deported");
3. persons named: runs of capitalised words in Latin script, a known given name (or
   a title, آقای / خانم) and the word after it in Persian script; later mentions ("Mr
   Rostami", "رستمی", "he", "او") are the person named before;
4. events: the phrases of `lexicon.TRIGGERS`, not negated, each for the persons of its
   clause (a speaker, "Sara said ...", is not the subject), or of the clause before;
5. each event's dates, duration, place, authority and charge from its clause;
   durations become dates where the text anchors them (a start, or the letter's date
   for "has been held for 29 months").
"""

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from docket.drafts import lexicon
from docket.drafts.dates import (
    Duration,
    FoundDate,
    add,
    days_between,
    find_dates,
    find_durations,
)
from docket.lib.names import name_key, name_keys
from docket.lib.partialdate import PartialDate

Span = tuple[int, int]

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200f": " ", "\u200e": " "})
_ARABIC = re.compile("[\u0600-\u06ff]")
_ALBANIAN = re.compile(r"[ëç]|\b(?:dhe|është|për|nga|një|në|të|u arrestua|muaj)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|and|was|were|of|to|he|she|has|been)\b", re.IGNORECASE)

_SENTENCE = re.compile(r"(?<=[.!?؟])\s+|\n\s*\n|\n(?=\s*[-*•\d])|\n")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Z|Zj|Znj|St|No|nr)\.|\b[A-Z]\.)$")
_LATIN_WORD = re.compile(r"[A-ZÇË](?:[a-zçëA-ZÇË-]|['’](?!s\b)(?=\w))*[a-zçë]|[A-ZÇË][a-zçë]")
_FA_WORD = re.compile(r"[\u0600-\u06ff][\u0600-\u06ff\u200c]*")
_TITLE_LATIN = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Z|Zj|Znj|Zonja|Zoti)\.?\s+$")
_RELATIVE_OF = {
    "en": re.compile(
        r"\b(?:wife|husband|mother|father|son|daughter|brother|sister|lawyer|cousin|uncle|aunt)"
        r"\s+of\s+$",
        re.IGNORECASE,
    ),
    "sq": re.compile(
        r"\b(?:gruaja|bashkëshortja|bashkëshorti|nëna|babai|vëllai|motra|djali|vajza|avokati|"
        r"avokatja)\s+(?:e|i)\s+$",
        re.IGNORECASE,
    ),
    "fa": re.compile(r"(?:همسر|مادر|پدر|برادر|خواهر|پسر|دختر|وکیل|وکیلِ)\s+$"),
}
_POSSESSIVE = re.compile(r"^['’]s\b")
_PRESENT_PERFECT = {
    "en": re.compile(r"\b(?:has|have) been\b|\bfor the (?:last|past)\b|\bnow\b|\bstill\b", re.I),
    "sq": re.compile(r"\b(?:ka|kanë) (?:qenë|që)\b|\bprej\b|\btashmë\b|\bende\b", re.I),
    "fa": re.compile(r"است|می‌گذرد|هنوز"),
}
_UNTIL = re.compile(r"(?:\b(?:until|till|to|through|deri(?: më| në)?)|(?<![^\s])تا)\s+$", re.I)
_SINCE = re.compile(r"(?:\b(?:since|from|prej|nga|qysh nga)|(?<![^\s])از)\s+$", re.I)
# Who speaks in the first person: "My name is ...", "Testimony of ...".
_NARRATOR = {
    "en": r"(?:my name is|testimony (?:of|given by)|statement (?:of|by)|i,)\s+",
    "sq": r"(?:unë quhem|quhem|emri im është|dëshmia e|dëshmi e)\s+",
    "fa": r"(?:نام من|اسم من|اینجانب|شهادت)\s+",
}
_FIRST_PERSON = {
    "en": r"\b(?:I|[Ww]e|me|us)\b",
    "sq": r"\b(?:[Uu]në|mua|[Nn]e)\b",
    "fa": r"(?<![^\s])(?:من|ما|مرا|اینجانب)(?![^\s.،])",
}
_OWN = {
    "en": r"\b(?:my|our)\b",
    "sq": r"\b(?:im|ime|tonë|tanë)\b",
    "fa": r"(?<![^\s])(?:ما|من)(?![^\s.،])|م(?= )",
}
_DOCUMENT_DATE = re.compile(r"(?:date|data|datë|تاریخ)\s*:?\s*", re.IGNORECASE)

# Words of Persian script that never begin or continue a name.
_FA_STOP = set(
    """
و در از به با که را این آن او وی شد شده است بود برای تا پس پیش ماه سال روز هفته بازداشت
زندان دادگاه آزاد منتقل اخراج گفت نوشت همسر مادر پدر برادر خواهر پسر دختر وکیل آقای خانم
هیچ بدون اتهام ملاقات تماس خانواده اداره پلیس وزارت اردوگاه کمپ مرکز بند شهر استان کشور
نیز هم هنوز اکنون تاکنون سپس بعد قبل حدود مدت بیش کمتر یک دو سه چهار پنج شش هفت هشت نه ده
می‌گوید نمی‌دانیم دستگیر زندانی محکوم محاکمه ویزا روادید رد ممنوع قطع محروم ماموران مأموران
""".split()
)


_ALBANIAN_CASE = re.compile(r"(?:ës|ën|ës|ave)$|(?<=[iu])(?:t|n|së|ne)$|(?<=[iu])t$")


def token_key(token: str) -> str:
    """The key of one word of a name, its Albanian case ending folded: "Hoxhën" and
    "Hoxha", "Gashit" and "Gashi" are one name."""
    token = token.strip("'’")
    if _ARABIC.search(token):
        return name_key(token)
    stem = _ALBANIAN_CASE.sub("", token.lower())
    if stem != token.lower() and token.lower().endswith(("ës", "ën")):
        stem += "a"
    return name_key(stem or token)


def person_keys(name: str) -> set[str]:
    """The keys of a whole name, any order of its words: for telling two names apart."""
    tokens = name.split()
    keys = {" ".join(token_key(token) for token in tokens)}
    keys.add(" ".join(sorted(token_key(token) for token in tokens)))
    keys |= name_keys(name)
    return keys


def normalise(text: str) -> str:
    """`text` with Persian digits as ASCII and Arabic letters as Persian, length kept."""
    result = text.translate(_DIGITS).translate(_LETTERS)
    return result if len(result) == len(text) else text


def detect_language(text: str) -> str:
    sample = text[:4000]
    if len(_ARABIC.findall(sample)) > len(sample) / 10:
        return "fa"
    return "sq" if len(_ALBANIAN.findall(sample)) > len(_ENGLISH.findall(sample)) else "en"


@dataclass
class Gazetteer:
    """What the text is read against: recorded places and authorities the reader sees."""

    # written place name (any language) -> the name to propose
    places: dict[str, str] = field(default_factory=dict)
    # written authority name -> (authority id, its name)
    authorities: dict[str, tuple[int, str]] = field(default_factory=dict)
    # given names of recorded persons, folded, to find names in Persian text
    given_names: set[str] = field(default_factory=set)


@dataclass
class DraftPerson:
    ref: str
    names: list[str]
    spans: list[Span]
    token_keys: list[set[str]] = field(default_factory=list)
    match: int | None = None
    match_label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "names": self.names, "match": self.match}


@dataclass
class DraftEvent:
    person: str
    type: str
    start: PartialDate | None = None
    end: PartialDate | None = None
    duration_days: int | None = None
    place: str = ""
    authority: int | None = None
    authority_name: str = ""
    charged: bool | None = None
    # Where each value came from: "type", "start", "end", "duration", "place", ...
    sources: dict[str, Span] = field(default_factory=dict)
    duration: Duration | None = None
    # The start was counted back from the letter's date: the event is still going on.
    anchored: bool = False

    @property
    def spans(self) -> list[Span]:
        return sorted(set(self.sources.values()))

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "type": self.type,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "duration_days": self.duration_days,
            "place": self.place or None,
            "authority": self.authority,
            "charged": self.charged,
            "spans": [list(span) for span in self.spans],
            "span_of": {name: list(span) for name, span in sorted(self.sources.items())},
        }


@dataclass
class Draft:
    text: str
    language: str
    persons: list[DraftPerson]
    events: list[DraftEvent]
    document_date: PartialDate | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "persons": [person.as_json() for person in self.persons],
            "events": [event.as_json() for event in self.events],
        }


@dataclass
class _Mention:
    begin: int
    end: int
    person: DraftPerson


def _sentences(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE.finditer(text):
        if _ABBREVIATION.search(text[max(0, match.start() - 5) : match.start()]):
            continue
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _clauses(text: str, sentence: Span, language: str) -> list[Span]:
    begin, end = sentence
    cuts = [begin]
    for match in re.finditer(lexicon.CLAUSE_BREAK[language], text[begin:end], re.IGNORECASE):
        cuts.append(begin + match.start())
    cuts.append(end)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i + 1] > cuts[i]]


class _People:
    """The persons of one text, as their mentions are found."""

    def __init__(self) -> None:
        self.persons: list[DraftPerson] = []

    def find(self, tokens: list[str]) -> DraftPerson | None:
        keys = [token_key(token) for token in tokens]
        for person in reversed(self.persons):
            known = set().union(*person.token_keys) if person.token_keys else set()
            if keys and all(key in known for key in keys):
                return person
        return None

    def add(self, name: str, tokens: list[str], span: Span, *, full: bool) -> DraftPerson | None:
        person = self.find(tokens)
        if person is None:
            if not full:
                return None
            person = DraftPerson(f"p{len(self.persons) + 1}", [], [])
            self.persons.append(person)
        if full and name not in person.names:
            person.names.append(name)
            person.token_keys.append({token_key(token) for token in tokens})
        person.spans.append(span)
        return person


def _latin_mentions(text: str, people: _People, known_places: set[str]) -> list[_Mention]:
    mentions: list[_Mention] = []
    words = list(_LATIN_WORD.finditer(text))
    index = 0
    while index < len(words):
        run = [words[index]]
        while index + len(run) < len(words):
            following = words[index + len(run)]
            between = text[run[-1].end() : following.start()]
            if between not in (" ", "-") or len(run) >= 4:
                break
            run.append(following)
        index += len(run)
        # Words that name no one are cut away at either end, and split a run in the middle.
        groups: list[list[re.Match[str]]] = [[]]
        for word in run:
            folded = word.group().lower().rstrip("'’")
            if folded in lexicon.NOT_NAMES or folded in known_places or len(folded) < 2:
                groups.append([])
            else:
                groups[-1].append(word)
        for group in groups:
            if not group:
                continue
            tokens = [word.group() for word in group]
            begin, end = group[0].start(), group[-1].end()
            titled = bool(_TITLE_LATIN.search(text[max(0, begin - 8) : begin]))
            full = len(tokens) >= 2
            person = people.add(" ".join(tokens), tokens, (begin, end), full=full)
            if person is None and titled:
                person = people.add(" ".join(tokens), tokens, (begin, end), full=True)
            if person is not None:
                mentions.append(_Mention(begin, end, person))
    return mentions


def _persian_mentions(text: str, people: _People, given: set[str]) -> list[_Mention]:
    mentions: list[_Mention] = []
    words = list(_FA_WORD.finditer(text))
    index = 0
    while index < len(words):
        word = words[index].group()
        titled = word in lexicon.TITLES["fa"]
        start = index + 1 if titled else index
        if start >= len(words):
            break
        first = words[start].group()
        if (titled or first in given) and first not in _FA_STOP:
            run = [words[start]]
            # A second given name (محمد رضا) and then a family name.
            while (
                len(run) < 3
                and start + len(run) < len(words)
                and text[run[-1].end() : words[start + len(run)].start()] == " "
                and words[start + len(run)].group() not in _FA_STOP
                and (len(run) == 1 or run[-1].group() in given)
            ):
                run.append(words[start + len(run)])
            tokens = [item.group() for item in run]
            begin, end = run[0].start(), run[-1].end()
            person = people.add(" ".join(tokens), tokens, (begin, end), full=len(tokens) >= 2)
            if person is None and titled:
                person = people.add(" ".join(tokens), tokens, (begin, end), full=True)
            if person is not None:
                mentions.append(_Mention(begin, end, person))
            index = start + len(run)
            continue
        if first not in _FA_STOP and len(first) > 2:
            person = people.find([first])
            if person is not None and any(len(keys) > 1 for keys in person.token_keys):
                mentions.append(_Mention(words[start].start(), words[start].end(), person))
        index += 1
    return mentions


@dataclass
class _Trigger:
    type: str
    begin: int
    end: int


def _triggers(norm: str, language: str) -> list[_Trigger]:
    taken: list[Span] = []
    found: list[_Trigger] = []
    negation = re.compile(lexicon.NEGATION[language], re.IGNORECASE)
    for code, by_language in lexicon.TRIGGERS.items():
        for pattern in by_language.get(language, []):
            for match in re.finditer(pattern, norm, re.IGNORECASE):
                begin, end = match.span()
                if begin == end or any(begin < stop and start < end for start, stop in taken):
                    continue
                if negation.search(norm[max(0, begin - 25) : begin]):
                    continue
                if language == "fa" and re.match(r"\s*ن(?:شد|شده|کرد)", norm[end : end + 6]):
                    continue
                taken.append((begin, end))
                found.append(_Trigger(code, begin, end))
    return sorted(found, key=lambda item: item.begin)


def _find_places(norm: str, gazetteer: Gazetteer) -> list[tuple[Span, str]]:
    found: list[tuple[Span, str]] = []
    lowered = norm.lower()
    lowered = lowered if len(lowered) == len(norm) else norm
    places = {written.lower(): shown for written, shown in gazetteer.places.items() if written}
    if places:
        for match in _any_of(tuple(places)).finditer(lowered):
            found.append((match.span(), places[match.group()]))
    for match in re.finditer(
        r"\b(?:[A-Z][a-zë]+ )?[A-Z][a-zë]+ (?i:camp|prison|detention centre|detention center)\b"
        r"|\b(?:kampi|burgu|qendra) (?:i |e )?[A-Z][a-zë]+\b"
        r"|(?:اردوگاه|زندان|کمپ) [\u0600-\u06ff]+",
        norm,
    ):
        found.append((match.span(), match.group()))
    found.sort(key=lambda item: (item[0][0], -(item[0][1] - item[0][0])))
    kept: list[tuple[Span, str]] = []
    for span, shown in found:
        if kept and span[0] < kept[-1][0][1]:
            continue
        kept.append((span, shown))
    return kept


def _find_authorities(norm: str, gazetteer: Gazetteer) -> list[tuple[Span, int, str]]:
    found = []
    lowered = norm.lower()
    lowered = lowered if len(lowered) == len(norm) else norm
    authorities = {written.lower(): value for written, value in gazetteer.authorities.items()}
    if authorities:
        for match in _any_of(tuple(authorities)).finditer(lowered):
            pk, name = authorities[match.group()]
            found.append((match.span(), pk, name))
    return sorted(found)


@lru_cache(maxsize=16)
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a whole gazetteer: each name as whole words, the longest first."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class _Found(Protocol):
    @property
    def begin(self) -> int: ...

    @property
    def end(self) -> int: ...


def _within[FoundT: _Found](items: list[FoundT], container: Span) -> list[FoundT]:
    """The items (sorted by `begin`) wholly inside `container`."""
    first = bisect_left(items, container[0], key=lambda item: item.begin)
    found = []
    for item in items[first:]:
        if item.begin >= container[1]:
            break
        if item.end <= container[1]:
            found.append(item)
    return found


def _inside(span: Span, container: Span) -> bool:
    return container[0] <= span[0] and span[1] <= container[1]


def _document_date(norm: str, dates: list[FoundDate]) -> FoundDate | None:
    for match in _DOCUMENT_DATE.finditer(norm[:600]):
        for found in dates:
            if found.begin == match.end():
                return found
    # A dated heading: the date ends one of the first lines ("Statement..., 5 April 2023").
    top = len("\n".join(norm.split("\n")[:3]))
    for found in dates:
        if found.begin < top and found.value.day is not None:
            rest = norm[found.end : found.end + 3]
            if not rest.strip(" .:") or rest.lstrip(" .:").startswith("\n"):
                return found
    return None


def draft(
    text: str,
    *,
    language: str | None = None,
    gazetteer: Gazetteer | None = None,
) -> Draft:
    """The persons and events `text` reports, each value with its span."""
    gazetteer = gazetteer or Gazetteer()
    norm = normalise(text)
    language = language if language in lexicon.LANGUAGES else detect_language(norm)
    people = _People()
    place_words = {word.lower() for name in gazetteer.places for word in name.split()}
    if language == "fa":
        given = lexicon.GIVEN_NAMES_FA | gazetteer.given_names
        mentions = _persian_mentions(norm, people, given)
        mentions += _latin_mentions(norm, people, place_words)
    else:
        mentions = _latin_mentions(norm, people, place_words)
    mentions.sort(key=lambda item: item.begin)
    lowered = norm.lower()
    lowered = lowered if len(lowered) == len(norm) else norm
    dates = find_dates(lowered)
    durations = find_durations(lowered)
    places = _find_places(norm, gazetteer)
    authorities = _find_authorities(norm, gazetteer)
    triggers = _triggers(norm, language)
    heading = _document_date(norm, dates)
    document_date = heading.value if heading else None
    dates = [found for found in dates if found is not heading]
    speech = re.compile(lexicon.SPEECH[language], re.IGNORECASE)
    relative_of = _RELATIVE_OF[language]
    pronoun = re.compile(lexicon.PRONOUNS[language], re.IGNORECASE)
    not_charged = re.compile(lexicon.NOT_CHARGED[language], re.IGNORECASE)
    charged = re.compile(lexicon.CHARGED[language], re.IGNORECASE)
    present_perfect = _PRESENT_PERFECT[language]

    first_person = re.compile(_FIRST_PERSON[language])
    own = re.compile(_OWN[language], re.IGNORECASE)
    narrator = None
    introduced = re.search(_NARRATOR[language], norm, re.IGNORECASE)
    if introduced:
        following = [m for m in mentions if m.begin >= introduced.end()]
        if following and following[0].begin - introduced.end() < 3:
            narrator = following[0].person
    events: list[DraftEvent] = []
    subjects: list[DraftPerson] = []
    used_dates: set[int] = set()
    for sentence in _sentences(norm):
        sentence_triggers = _within(triggers, sentence)
        sentence_mentions = _within(mentions, sentence)
        sentence_dates = _within(dates, sentence)
        sentence_durations = _within(durations, sentence)
        for clause in _clauses(norm, sentence, language):
            in_clause = [m for m in sentence_mentions if _inside((m.begin, m.end), clause)]
            actors: list[DraftPerson] = []
            for mention in in_clause:
                after = norm[mention.end : clause[1]]
                before = norm[max(clause[0], mention.begin - 30) : mention.begin]
                if speech.match(after) or _POSSESSIVE.match(after) or relative_of.search(before):
                    continue
                if mention.person not in actors:
                    actors.append(mention.person)
            clause_triggers = [t for t in sentence_triggers if _inside((t.begin, t.end), clause)]
            if narrator is not None and narrator not in actors:
                if first_person.search(norm, *clause) or (not actors and own.search(norm, *clause)):
                    actors.append(narrator)
            if actors:
                subjects = actors
            elif clause_triggers and not subjects:
                continue
            if not clause_triggers:
                # "He was never charged": the charge of the person spoken of.
                cue = not_charged.search(norm, *clause) or charged.search(norm, *clause)
                if cue and (actors or pronoun.search(norm, *clause)):
                    value = not not_charged.search(norm, *clause)
                    for person in subjects:
                        for event in reversed(events):
                            if event.person == person.ref and event.type == "detention":
                                event.charged = value
                                event.sources["charged"] = cue.span()
                                break
                continue
            clause_dates = [d for d in sentence_dates if _inside((d.begin, d.end), clause)]
            if len(sentence_triggers) == 1:
                clause_dates = sentence_dates
            clause_durations = [d for d in sentence_durations if _inside((d.begin, d.end), clause)]
            for trigger in clause_triggers:
                dated = DraftEvent("", trigger.type)
                _dates_of(dated, trigger, clause_dates, used_dates, norm, language)
                for person in subjects:
                    event = DraftEvent(person.ref, trigger.type, dated.start, dated.end)
                    event.sources.update(dated.sources)
                    event.sources["type"] = (trigger.begin, trigger.end)
                    if clause_durations:
                        event.duration = clause_durations[0]
                        event.sources["duration"] = (event.duration.begin, event.duration.end)
                        if (
                            event.start is None
                            and document_date is not None
                            and present_perfect.search(norm, *clause)
                        ):
                            # "for 29 months" counted back from the letter's day is
                            # as precise as a month, whatever the letter's day.
                            month = PartialDate(document_date.year, document_date.month)
                            anchored = add(month, event.duration, sign=-1)
                            if anchored is not None and event.duration.unit != "day":
                                event.start = anchored
                                event.anchored = True
                                event.sources["start"] = event.sources["duration"]
                    _place_of(event, trigger, places, clause, sentence)
                    _authority_of(event, trigger, authorities, sentence)
                    if trigger.type == "detention":
                        cue = not_charged.search(norm, *sentence) or charged.search(norm, *sentence)
                        if cue:
                            event.charged = not not_charged.search(norm, *sentence)
                            event.sources["charged"] = cue.span()
                    elif trigger.type == "release":
                        cue = not_charged.search(norm, *sentence)
                        if cue:
                            _charge_detention(events, person.ref, cue.span())
                    _merge(events, event)
    _finish(events)
    return Draft(text, language, people.persons, events, document_date)


def _dates_of(
    event: DraftEvent,
    trigger: _Trigger,
    candidates: list[FoundDate],
    used: set[int],
    norm: str,
    language: str,
) -> None:
    free = [d for d in candidates if d.begin not in used]
    if not free:
        return
    after = [d for d in free if d.begin >= trigger.end]
    # A date inside a long Persian phrase ("... در ۱۰ خرداد ۱۴۰۲ رد شد") counts as before it.
    before = [d for d in free if d.begin < trigger.end]
    # Persian puts the verb last: its date comes before it.
    if language == "fa":
        chosen = before[-1] if before else after[0]
    else:
        chosen = after[0] if after else before[-1]
    lead = norm[max(0, chosen.begin - 14) : chosen.begin]
    if _UNTIL.search(lead):
        event.end = chosen.value
        event.sources["end"] = (chosen.begin, chosen.end)
    else:
        event.start = chosen.value
        event.sources["start"] = (chosen.begin, chosen.end)
    used.add(chosen.begin)
    # "from 3 May 2020 to 4 June 2021", "since 2020 until ..."
    rest = [d for d in free if d.begin > chosen.end and d.begin not in used]
    if event.start is not None and rest:
        following = rest[0]
        between = norm[chosen.end : following.begin]
        if len(between) < 16 and _UNTIL.search(between):
            event.end = following.value
            event.sources["end"] = (following.begin, following.end)
            used.add(following.begin)


def _place_of(
    event: DraftEvent,
    trigger: _Trigger,
    places: list[tuple[Span, str]],
    clause: Span,
    sentence: Span,
) -> None:
    near = [item for item in places if _inside(item[0], clause)] or [
        item for item in places if _inside(item[0], sentence)
    ]
    if near:
        span, shown = min(near, key=lambda item: abs(item[0][0] - trigger.end))
        event.place = shown
        event.sources["place"] = span


def _authority_of(
    event: DraftEvent,
    trigger: _Trigger,
    authorities: list[tuple[Span, int, str]],
    sentence: Span,
) -> None:
    near = [item for item in authorities if _inside(item[0], sentence)]
    if near:
        span, pk, name = min(near, key=lambda item: abs(item[0][0] - trigger.end))
        event.authority, event.authority_name = pk, name
        event.sources["authority"] = span


def _charge_detention(events: list[DraftEvent], ref: str, span: Span) -> None:
    for event in reversed(events):
        if event.person == ref and event.type == "detention":
            event.charged = False
            event.sources["charged"] = span
            return


def _merge(events: list[DraftEvent], new: DraftEvent) -> None:
    """One event reported twice ("arrested on ... He was held for five months") is one."""
    for event in reversed(events):
        if event.person != new.person or event.type != new.type:
            continue
        if new.start is not None and event.start is not None and new.start != event.start:
            break
        for name in ("start", "end", "place", "charged", "duration"):
            if getattr(event, name) in (None, "") and getattr(new, name) not in (None, ""):
                setattr(event, name, getattr(new, name))
        if event.authority is None and new.authority is not None:
            event.authority, event.authority_name = new.authority, new.authority_name
        for name, span in new.sources.items():
            if name == "type" and span != event.sources["type"]:
                # The same event reported again: its second phrase is shown too.
                event.sources.setdefault("type_again", span)
            else:
                event.sources.setdefault(name, span)
        return
    events.append(new)


def _finish(events: list[DraftEvent]) -> None:
    """Durations into dates; a detention ends with the release that follows it."""
    for event in events:
        if event.duration is not None:
            if event.start is not None and event.end is None and not event.anchored:
                event.end = add(event.start, event.duration)
                if event.end is not None:
                    event.sources["end"] = event.sources["duration"]
            elif event.end is not None and event.start is None:
                event.start = add(event.end, event.duration, sign=-1)
                if event.start is not None:
                    event.sources["start"] = event.sources["duration"]
    for index, event in enumerate(events):
        if event.type != "detention" or event.end is not None or event.start is None:
            continue
        for later in events[index + 1 :]:
            if (
                later.person == event.person
                and later.type == "release"
                and later.start is not None
                and later.start.earliest() >= event.start.earliest()
            ):
                event.end = later.start
                event.sources["end"] = later.sources.get("start", later.sources["type"])
                break
    for event in events:
        if event.start is not None and event.end is not None:
            if event.end.latest() < event.start.earliest():
                event.end = None
                event.sources.pop("end", None)
            else:
                event.duration_days = days_between(event.start, event.end)
        if event.duration is not None and (event.anchored or event.duration_days is None):
            event.duration_days = event.duration.days
