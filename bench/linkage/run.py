"""Run the person-matching benchmark: Docket's linkage against a careful plain Splink.

Both systems get the same generated records (`bench.linkage.generate`) and the
same threshold; each runs in a fresh process, so its time and peak memory are
its own. The peer is Splink configured as a careful user would without
Docket's name handling: names lower-cased and passed through anyascii (a
general transliterator), Splink's standard name comparisons (exact match with
term frequencies, then Jaro-Winkler), the birth date compared as text, the
same blocking on names and birth year, and the same unsupervised training.

Scores are pairwise: a pair of records put in one cluster is a true positive
when both records are of one person.

    python -m bench.linkage.run --records 20000 --out var/bench-linkage.json
"""

import argparse
import json
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.linkage.generate import generate, write_csv

Result = dict[str, Any]


def pairwise_scores(truth: Sequence[str], clusters: Sequence[str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of clusters against the true person of each record."""

    def pairs(counter: "Counter[Any]") -> int:
        return sum(size * (size - 1) // 2 for size in counter.values())

    true_pairs = pairs(Counter(truth))
    found_pairs = pairs(Counter(clusters))
    right_pairs = pairs(Counter(zip(clusters, truth, strict=True)))
    precision = right_pairs / found_pairs if found_pairs else 1.0
    recall = right_pairs / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "found_pairs": found_pairs,
        "right_pairs": right_pairs,
    }


def _peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_docket(path: str, threshold: float) -> Result:
    """What `docket link` does, timed by stage."""
    import django

    # Docket's modules need its settings; the data folder stays untouched but must exist.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docket.settings")
    os.environ.setdefault("DOCKET_DATA_DIR", tempfile.mkdtemp(prefix="docket-bench-"))
    django.setup()
    from docket.linkage.model import link
    from docket.linkage.records import prepare, read_csv

    started = time.perf_counter()
    rows = read_csv(Path(path))
    columns = prepare(rows)
    read_seconds = time.perf_counter() - started
    linkage = link(columns, threshold=threshold, progress=lambda message: None)
    clusters = [str(linkage.cluster_of.get(index, index)) for index in range(len(rows))]
    seconds = {"reading records and computing name keys": round(read_seconds, 2)}
    seconds.update(linkage.seconds)
    seconds["total"] = round(time.perf_counter() - started, 2)
    return {"clusters": clusters, "seconds": seconds, "peak_memory_mb": _peak_memory_mb()}


_YEAR = re.compile(r"\d{4}")
_DAY_MONTH_YEAR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def run_baseline(path: str, threshold: float) -> Result:
    """Splink as a careful user would set it up without Docket's name handling."""
    import csv
    import logging

    import splink.comparison_library as cl
    from anyascii import anyascii
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def clean(text: str) -> str | None:
        return " ".join(anyascii(text).lower().split()) or None

    def iso(text: str) -> str | None:
        match = _DAY_MONTH_YEAR.match(text.strip())
        return f"{match[3]}-{match[2]}-{match[1]}" if match else (text.strip() or None)

    with open(path, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    data: dict[str, list[Any]] = {
        "unique_id": list(range(len(rows))),
        "given_name": [clean(row["given_name"]) for row in rows],
        "family_name": [clean(row["family_name"]) for row in rows],
        "father_name": [clean(row["father_name"]) for row in rows],
        "birth_date": [iso(row["birth_date"]) for row in rows],
        "birth_year": [
            int(found[0]) if (found := _YEAR.search(row["birth_date"])) else None for row in rows
        ],
        "birth_place": [clean(row["birth_place"]) for row in rows],
    }
    seconds["reading records"] = round(time.perf_counter() - started, 2)

    stage = time.perf_counter()
    db_api = DuckDBAPI()
    db_api.duckdb_con.execute("SET threads = 2")
    db_api.duckdb_con.execute("SET memory_limit = '3GB'")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.NameComparison("father_name"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("family_name", "father_name"),
            block_on("given_name", "father_name"),
            block_on("family_name", "birth_year"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(db_api.register(data, table_name="baseline_records"), settings, log_level=None)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "family_name", "father_name")], recall=0.6
        )
    except Exception:  # noqa: BLE001, S110 - keep Splink's default prior
        pass
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    # The same training blocks as Docket's, which keep siblings out of them.
    for rule in (block_on("birth_date"), block_on("given_name", "family_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=5e6
        )
    seconds["training"] = round(time.perf_counter() - stage, 2)

    stage = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    seconds["scoring candidate pairs"] = round(time.perf_counter() - stage, 2)
    stage = time.perf_counter()
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    cluster_of = dict(clustered.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall())
    seconds["clustering"] = round(time.perf_counter() - stage, 2)
    seconds["total"] = round(time.perf_counter() - started, 2)
    clusters = [str(cluster_of.get(index, index)) for index in range(len(rows))]
    return {"clusters": clusters, "seconds": seconds, "peak_memory_mb": _peak_memory_mb()}


def _child(system: str, path: str, threshold: float, pipe: Any) -> None:
    runner = run_docket if system == "docket" else run_baseline
    try:
        pipe.send(runner(path, threshold))
    except BaseException:
        pipe.send({"error": traceback.format_exc()})
        raise
    finally:
        pipe.close()


def _in_fresh_process(system: str, path: str, threshold: float) -> Result:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(system, path, threshold, sender))
    process.start()
    result: Result = receiver.recv()
    process.join()
    if "error" in result:
        raise RuntimeError(f"{system} failed:\n{result['error']}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Person-matching benchmark: Docket and a peer.")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=None, help="default: Docket's")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    arguments = parser.parse_args(argv)
    if arguments.threshold is None:
        from docket.linkage.model import DEFAULT_THRESHOLD

        arguments.threshold = DEFAULT_THRESHOLD

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "records.csv")
        started = time.perf_counter()
        rows = generate(arguments.records, seed=arguments.seed)
        write_csv(rows, Path(path))
        truth = [row["person_id"] for row in rows]
        report: Result = {
            "records": len(rows),
            "people": len(set(truth)),
            "seed": arguments.seed,
            "threshold": arguments.threshold,
            "generating_seconds": round(time.perf_counter() - started, 2),
        }
        systems = ["docket"] + ([] if arguments.skip_baseline else ["baseline"])
        for system in systems:
            print(f"running {system} on {len(rows)} records…", file=sys.stderr, flush=True)
            result = _in_fresh_process(system, path, arguments.threshold)
            report[system] = {
                **pairwise_scores(truth, result["clusters"]),
                "clusters": len(set(result["clusters"])),
                "seconds": result["seconds"],
                "peak_memory_mb": result["peak_memory_mb"],
            }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if arguments.out:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        arguments.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
