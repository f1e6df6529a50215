"""How well the drafter reads an annotated corpus: precision and recall, per language.

A corpus is a folder of documents, `NAME.txt`, each with `NAME.json` saying what a
careful reader finds in it: `{"language", "persons": [{"ref", "names"}], "events":
[{"person", "type", "start", "end"}]}` (the corpus of this project is in
`tests/data/drafts/`). Three figures, each per language and overall:

- persons: a drafted person is right when one of their names shares a name key with
  a name of an expected person (`docket.lib.names`, Albanian case endings folded);
- (person, event type) pairs: the pairs drafted against the pairs expected, persons
  aligned as above;
- dates: of the expected events whose pair was drafted (the events a reviewer would
  accept), those whose start and end are both right at the text's precision ("2021-03"
  is right for "March 2021", "2021-03-12" is not).
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docket.drafts.extract import Draft, DraftEvent, Gazetteer, draft, person_keys
from docket.drafts.matching import country_names


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    right: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, other: "Tally") -> None:
        self.expected += other.expected
        self.found += other.found
        self.right += other.right

    def as_json(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "found": self.found,
            "right": self.right,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class DateTally:
    compared: int = 0
    right: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.compared if self.compared else 1.0

    def add(self, other: "DateTally") -> None:
        self.compared += other.compared
        self.right += other.right

    def as_json(self) -> dict[str, Any]:
        return {"compared": self.compared, "right": self.right, "accuracy": round(self.accuracy, 3)}


@dataclass
class Score:
    persons: Tally = field(default_factory=Tally)
    pairs: Tally = field(default_factory=Tally)
    dates: DateTally = field(default_factory=DateTally)
    documents: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        self.persons.add(other.persons)
        self.pairs.add(other.pairs)
        self.dates.add(other.dates)
        self.documents += other.documents
        self.misses += other.misses

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "persons": self.persons.as_json(),
            "pairs": self.pairs.as_json(),
            "dates": self.dates.as_json(),
        }


def _align(expected: list[dict[str, Any]], drafted: Draft) -> dict[str, str]:
    """Drafted ref -> expected ref, one to one, in the order the text names them."""
    aligned: dict[str, str] = {}
    taken: set[str] = set()
    for person in drafted.persons:
        keys = set().union(*(person_keys(name) for name in person.names))
        for candidate in expected:
            if candidate["ref"] in taken:
                continue
            wanted = set().union(*(person_keys(name) for name in candidate["names"]))
            if keys & wanted:
                aligned[person.ref] = candidate["ref"]
                taken.add(candidate["ref"])
                break
    return aligned


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def score_document(
    name: str, text: str, expected: dict[str, Any], gazetteer: Gazetteer | None = None
) -> Score:
    drafted = draft(text, language=expected.get("language"), gazetteer=gazetteer)
    aligned = _align(expected["persons"], drafted)
    result = Score(documents=1)
    result.persons = Tally(len(expected["persons"]), len(drafted.persons), len(aligned))
    wanted = {(event["person"], event["type"]) for event in expected["events"]}
    by_pair: dict[tuple[str, str], list[DraftEvent]] = {}
    for event in drafted.events:
        pair = (aligned.get(event.person, "?" + event.person), event.type)
        by_pair.setdefault(pair, []).append(event)
    result.pairs = Tally(len(wanted), len(by_pair), len(wanted & set(by_pair)))
    for pair in sorted(wanted - set(by_pair)):
        result.misses.append(f"{name}: missed {pair}")
    for pair in sorted(set(by_pair) - wanted):
        result.misses.append(f"{name}: extra {pair}")
    for event in expected["events"]:
        candidates = by_pair.get((event["person"], event["type"]), [])
        if not candidates:
            continue
        result.dates.compared += 1
        if any(
            (_iso(item.start), _iso(item.end)) == (event["start"], event["end"])
            for item in candidates
        ):
            result.dates.right += 1
        else:
            got = [(_iso(item.start), _iso(item.end)) for item in candidates]
            result.misses.append(
                f"{name}: dates of {event['person']} {event['type']}: "
                f"{got} for {(event['start'], event['end'])}"
            )
    return result


def score_corpus(folder: Path) -> dict[str, Any]:
    """The figures per language and overall, with what was missed, and the time taken."""
    languages: dict[str, Score] = {}
    started = time.perf_counter()
    # Read as `docket draft` reads without --as: against country names only.
    gazetteer = Gazetteer(places=country_names())
    for path in sorted(folder.glob("*.txt")):
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
        result = score_document(path.stem, text, expected, gazetteer)
        languages.setdefault(expected.get("language", "?"), Score()).add(result)
    overall = Score()
    for result in languages.values():
        overall.add(result)
    return {
        "languages": {code: result.as_json() for code, result in sorted(languages.items())},
        "overall": overall.as_json(),
        "misses": overall.misses,
        "seconds": round(time.perf_counter() - started, 3),
    }
