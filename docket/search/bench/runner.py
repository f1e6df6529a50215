"""Run the benchmark in this process, on the database the settings name (an empty one).

`docket bench` starts this in a child process whose settings point at a fresh
database; `bench/README.md` explains every figure of the JSON it writes.
"""

import math
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test import Client

from docket.lib.static import collect_if_changed
from docket.search.bench.dataset import MAIN_PLACES, Dataset, interchange_bundle, load
from docket.search.bench.queries import QUERIES, Context
from docket.search.documents import Indexer

SCHEMA = 1
TARGET_MS = 100
# Records of a generated case, as the import path's bundle holds them: the case, two
# persons, about ten events and half a source (docket.search.bench.dataset).
RECORDS_PER_CASE = 13.5
WORDS = ["interpreter", "handcuffed", "pregnant", "confiscated", "incommunicado"]

Say = Callable[[str], None]


def peak_memory_mb() -> float:
    # Linux reports kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def database_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        version = str(cursor.fetchone()[0])
    return {"vendor": connection.vendor, "version": version}


def database_size_mb() -> float:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            name = Path(str(connection.settings_dict["NAME"]))
            size = name.stat().st_size if name.exists() else 0
        else:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = int(cursor.fetchone()[0])
    return round(size / 2**20, 1)


def run(
    *,
    events: int,
    seed: int,
    repeat: int,
    say: Say,
    reuse: bool = False,
    import_records: int = 5000,
    only: tuple[str, ...] = (),
) -> tuple[dict[str, Any], Context]:
    """Load, index and measure; the figures, and the context the queries ran in. With
    `reuse`, the database holds the data already (a run kept with --keep): measure only."""
    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": _cpus(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
        "database": database_info(),
        "seed": seed,
    }
    # Pages refer to hashed static files, as in production; collected as `docket serve`
    # collects them, so the server of the concurrent run finds them made.
    collect_if_changed()
    dataset = Dataset(events, seed)
    if reuse:
        from docket.search.models import SearchEntry

        result["reused"] = True
        result["size"] = {"events": dataset.event_count, "cases": dataset.case_count}
        if not SearchEntry.objects.exists():  # loaded, but stopped before its index
            result["index"] = _build_index(say)
        return _measure_all(result, dataset, repeat, say, started, only)
    say(
        f"Generating and loading {dataset.event_count:,} events, {dataset.case_count:,} cases, "
        f"{dataset.person_count:,} persons, {dataset.letter_count:,} letters…"
    )
    began = time.perf_counter()
    report = load(dataset, _progress(say, "loaded"))
    seconds = time.perf_counter() - began
    result["size"] = {
        "events": dataset.event_count,
        "cases": dataset.case_count,
        "persons": dataset.person_count,
        "sources": dataset.source_count,
        "letters": dataset.letter_count,
        "rows": report.rows,
        "by_table": report.by_table,
    }
    result["load"] = {
        "seconds": round(seconds, 1),
        "rows": report.rows,
        "rows_per_second": round(report.rows / seconds),
        "events_per_second": round(dataset.event_count / seconds),
        "peak_memory_mb": peak_memory_mb(),
    }
    say(f"Loaded {report.rows:,} rows in {seconds:.0f} s ({report.rows / seconds:,.0f} a second).")

    result["index"] = _build_index(say)
    try:
        result["import_path"] = _import_path(import_records, seed, say)
    except Exception as error:  # the rest of the figures stand on their own
        say(f"  the import path could not be timed: {error}")
        result["import_path"] = {"error": str(error)}
    return _measure_all(result, dataset, repeat, say, started, only)


def _measure_all(
    result: dict[str, Any],
    dataset: Dataset,
    repeat: int,
    say: Say,
    started: datetime,
    only: tuple[str, ...] = (),
) -> tuple[dict[str, Any], Context]:
    context = _context(dataset)
    result["queries"] = {}
    result["machine"]["load_average_before_queries"] = round(os.getloadavg()[0], 2)
    for query in QUERIES if repeat > 0 else []:
        if only and not query.name.startswith(only):
            continue
        result["queries"][query.name] = _measure(query, context, repeat, say)
    result["machine"]["load_average_after_queries"] = round(os.getloadavg()[0], 2)
    result["memory"] = {"peak_rss_mb": peak_memory_mb()}
    result["database"]["size_mb"] = database_size_mb()
    result["targets"] = {
        "query_p95_ms": TARGET_MS,
        "queries_over_target": sorted(
            name for name, figures in result["queries"].items() if not figures["met"]
        ),
    }
    result["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    return result, context


def _build_index(say: Say) -> dict[str, Any]:
    say("Building the search index…")
    began = time.perf_counter()
    counts = Indexer().rebuild(_progress(say, "indexed"))
    seconds = time.perf_counter() - began
    entries = sum(counts.values())
    say(f"Indexed {entries:,} records in {seconds:.0f} s.")
    return {
        "seconds": round(seconds, 1),
        "entries": entries,
        "by_kind": counts,
        "entries_per_second": round(entries / seconds),
        "peak_memory_mb": peak_memory_mb(),
    }


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _progress(say: Say, verb: str) -> Callable[[str, int, int], None]:
    shown = {"at": 0.0}

    def progress(kind: str, done: int, total: int) -> None:
        if total <= 1:
            say(f"  building the {kind}…")
            return
        now = time.monotonic()
        if done < total and now - shown["at"] < 5:
            return
        shown["at"] = now
        say(f"  {verb} {done:,} of {total:,} {kind}s")

    return progress


def _import_path(records: int, seed: int, say: Say) -> dict[str, Any]:
    """A generated bundle of about `records` fictional records (cases of their own, with
    their persons, events and sources) through the interchange importer, as `docket import`
    writes them: a version in the history and an audit entry for each record, the index
    kept up to date; then rolled back. The bundle is checked outside any transaction (as
    the command does, without the write lock) and written in one."""
    from docket.accounts.models import Team
    from docket.interchange.files import FolderFiles
    from docket.interchange.importer import import_bundle
    from docket.interchange.validation import read_bundle

    cases = max(1, round(records / RECORDS_PER_CASE))
    generated = Dataset(cases * 10, seed + 1)
    bundle = interchange_bundle(generated, generated.case_count)
    counted = ("authorities", "persons", "cases", "events", "sources")
    rows = sum(len(bundle[key]) for key in counted)
    say(f"Timing the import path on {rows:,} records ({generated.case_count:,} cases)…")
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        cpu = time.process_time()
        plan = read_bundle(
            bundle,
            source="benchmark",
            files=FolderFiles(Path(folder)),
            team=Team.objects.get(name="Documentation"),
        )
        checked = time.perf_counter()
        with transaction.atomic():
            import_bundle(plan)
            written = time.perf_counter()
            cpu = time.process_time() - cpu
            transaction.set_rollback(True)
    seconds = written - began
    say(
        f"  checked in {checked - began:.1f} s, written in {written - checked:.1f} s: "
        f"{rows / seconds:,.0f} records a second ({cpu:.1f} s of CPU)"
    )
    return {
        "records": rows,
        "events": len(bundle["events"]),
        "seconds": round(seconds, 2),
        "check_seconds": round(checked - began, 2),
        "write_seconds": round(written - checked, 2),
        # This process's CPU time: on a busy machine, what the import itself cost.
        "cpu_seconds": round(cpu, 2),
        "records_per_cpu_second": round(rows / cpu) if cpu else None,
        "records_per_second": round(rows / seconds),
        "events_per_second": round(len(bundle["events"]) / seconds),
    }


def _context(dataset: Dataset) -> Context:
    from docket.accounts.models import Team, User
    from docket.cases.models import Authority, Case
    from docket.lib.names import fold
    from docket.people.models import Person, PersonName
    from docket.search.facets import Cursor
    from docket.search.models import EventFacet, FacetTerm

    team = Team.objects.get(name="Documentation")
    user = User.objects.filter(role="documenter", teams=team).order_by("pk").first()
    assert user is not None  # noqa: S101 - the dataset has documenters in every team
    client = Client()
    client.force_login(user)
    latin, persian = [], []
    for person_id in range(1, min(dataset.person_count, 400) + 1):
        name = dataset.person_name(person_id)
        stored = set(PersonName.objects.filter(person_id=person_id).values_list("name", flat=True))
        others = [spelling for spelling in name.latin_variants() if spelling not in stored]
        if others:
            latin.append(others[-1])
            persian.append(name.persian)
        if len(latin) == 40:
            break
    places = list(
        FacetTerm.objects.filter(
            dimension="place", key__in=[fold(name) for name, _c, _w in MAIN_PLACES[:4]]
        ).values_list("pk", flat=True)
    )
    authorities = list(Authority.objects.order_by("pk").values_list("pk", flat=True)[:4])
    visible_cases = Case.objects.visible_to(user)
    big = list(
        visible_cases.filter(pk__lte=dataset.big_cases).values_list("pk", flat=True)
    ) or list(visible_cases.order_by("pk").values_list("pk", flat=True)[:1])
    persons = list(Person.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[:20])
    middle_row = (
        EventFacet.objects.order_by("-start_key", "-event_id")
        .values_list("start_key", "event_id")[EventFacet.objects.count() // 2 :][:1]
        .first()
    )
    return Context(
        user=user,
        client=client,
        latin_names=latin or ["Gholamreza Shekari"],
        persian_names=persian or ["غلامرضا شکاری"],
        words=WORDS,
        places=places,
        authorities=authorities,
        team=team.pk,
        big_cases=big,
        persons=persons,
        middle=Cursor(*middle_row) if middle_row else None,
    )


def _measure(query: Any, context: Context, repeat: int, say: Say) -> dict[str, Any]:
    for warm in range(2):
        query.run(context, repeat + warm)
    timings, cpu = [], []
    size = 0
    for index in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        size = query.run(context, index)
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    figures = {
        "kind": query.kind,
        "description": query.description,
        "runs": repeat,
        "p50_ms": round(percentile(timings, 0.5), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        # This process's CPU time (SQLite's work included, not PostgreSQL's): the figure to
        # compare on a busy machine.
        "cpu_p50_ms": round(percentile(cpu, 0.5), 1),
        "last_result": size,
        "target_ms": query.target_ms or TARGET_MS,
        "met": percentile(timings, 0.95) < (query.target_ms or TARGET_MS),
    }
    say(
        f"  {query.name:<28} p50 {figures['p50_ms']:>8.1f} ms   p95 {figures['p95_ms']:>8.1f} ms"
        f"   cpu p50 {figures['cpu_p50_ms']:>8.1f} ms"
        f"{'' if figures['met'] else '   (over ' + str(figures['target_ms']) + ' ms)'}"
    )
    sys.stdout.flush()
    return figures
