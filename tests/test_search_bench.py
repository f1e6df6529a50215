"""`docket bench` at a small size, as CI runs it: every figure is there, and sane.

The full size (1,000,000 events) is run by hand; see docket/search/bench/README.md.
"""

import json
import socket
import subprocess
import sys
from pathlib import Path

from docket.search.bench.queries import QUERIES
from tests.conftest import DataFolders, outside_environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_benchmark_runs_at_a_small_size_and_writes_every_figure(
    tmp_path: Path, data_folders: DataFolders
) -> None:
    out = tmp_path / "bench.json"
    # The command's own folder and the benchmark's database start migrated, copied from the
    # run's template (tests/conftest.py): the migrations are not what is measured here.
    data_folders.copy("migrated", tmp_path / "own")
    data_folders.copy("migrated", tmp_path / "work" / "data")
    docket = Path(sys.executable).parent / "docket"
    arguments = ["bench", "--events", "100", "--db", "sqlite", "--repeat", "1"]
    arguments += ["--out", str(out), "--workdir", str(tmp_path / "work")]
    arguments += ["--concurrent", "--users", "2", "--seconds", "2", "--think", "0.2"]
    arguments += ["--workers", "1", "--port", str(_free_port())]

    completed = subprocess.run(
        [str(docket), *arguments],
        capture_output=True,
        text=True,
        env=outside_environment(DOCKET_DATA_DIR=str(tmp_path / "own")),
        timeout=600,
        cwd=tmp_path,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    figures = json.loads(out.read_text())
    assert figures["schema"] == 1
    assert figures["size"]["events"] == 100
    assert figures["load"]["rows_per_second"] > 0
    assert figures["index"]["entries"] == sum(figures["index"]["by_kind"].values())
    assert figures["import_path"]["records_per_second"] > 0
    assert set(figures["queries"]) == {query.name for query in QUERIES}
    for name, query in figures["queries"].items():
        assert 0 < query["p50_ms"] <= query["p95_ms"] <= query["max_ms"], name
    concurrent = figures["concurrent"]
    assert concurrent["requests"] > 0 and concurrent["errors"] == 0
    assert concurrent["memory"]["worker_peak_rss_mb"] > 0
    assert not (tmp_path / "work").exists()  # the benchmark's own database is gone
