"""The drafter's benchmark: its figures on the annotated corpus, per language, and how
long a long letter takes (the goal: a 3,000-word letter in under 5 seconds).

    python -m bench.drafts.run --out var/bench-drafts.json

The long letter is made of the corpus's own documents, in each language, repeated
under fresh fictional names until it has the words asked for; the time is the best of
a few runs of `draft()` alone (reading against a gazetteer of country names in three
languages, as `docket draft` without --as does).
"""

import argparse
import json
import os
import re
import time
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "drafts"
# Written after the rules were settled, never tuned on: what to expect of unseen text.
HELDOUT = CORPUS.with_name("drafts-heldout")
GIVEN = ["Kian", "Arben", "Sara", "Blerta", "Omid", "Drita", "Laleh", "Ilir", "Navid", "Jeta"]
FAMILY = ["Rostami", "Hoxha", "Nouri", "Gashi", "Karimi", "Berisha", "Moradi", "Shala"]


def long_letter(language: str, words: int) -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob(f"{language}*.txt"))]
    parts: list[str] = []
    count = 0
    index = 0
    while count < words:
        text = texts[index % len(texts)]
        if language != "fa":
            # Fresh names each round, so the letter names many persons, as long ones do.
            given, family = GIVEN[index % len(GIVEN)], FAMILY[(index // 3) % len(FAMILY)]
            text = re.sub(r"\b[A-Z][a-z]+ [A-Z][a-z]+i\b", f"{given} {family}{index}", text)
        parts.append(text)
        count += len(text.split())
        index += 1
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docket.settings")
    import django

    django.setup()
    from docket.drafts.extract import Gazetteer, draft
    from docket.drafts.matching import country_names
    from docket.drafts.score import score_corpus

    report: dict[str, Any] = {
        "corpus": score_corpus(CORPUS),
        "heldout": score_corpus(HELDOUT),
        "long_letters": {},
    }
    gazetteer = Gazetteer(places=country_names())
    for language in ("en", "fa", "sq"):
        text = long_letter(language, arguments.words)
        best = float("inf")
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            result = draft(text, language=language, gazetteer=gazetteer)
            best = min(best, time.perf_counter() - started)
        report["long_letters"][language] = {
            "words": len(text.split()),
            "characters": len(text),
            "seconds": round(best, 3),
            "persons": len(result.persons),
            "events": len(result.events),
        }
    Path(arguments.out).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    summary = {
        "overall": report["corpus"]["overall"],
        "heldout": report["heldout"]["overall"],
        "per_language": {
            code: (figures["pairs"]["f1"], figures["dates"]["accuracy"])
            for code, figures in report["corpus"]["languages"].items()
        },
        "long_letters": report["long_letters"],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
