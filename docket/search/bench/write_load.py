"""The write load: staff writing through pages and the API while imports and a backup run.

`docket bench --load` starts `docket serve` (gunicorn and its supervised
background worker, as in production) on the benchmark's database, then at once:
simulated users (documenters), each with their own session and API token,
adding sources in turn through the page's form (GET the form, POST it with its
CSRF token) and through `POST /api/v1/sources`; two `docket import` runs of
generated bundles, one after the other; and one `docket backup`. Every write is
timed; an error is any answer but the expected redirect (page) or 201 (API).
"""

import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess  # nosec B404 - our own `docket serve`, `docket import`, `docket backup`
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from docket.search.bench.http_load import Tally, _wait_for, session_of
from docket.search.bench.runner import RECORDS_PER_CASE, percentile

PROGRAM = "from docket.cli import main; import sys; sys.exit(main(sys.argv))"
# A fresh passphrase each run: the backup is measured, then deleted with the work folder.
PASSPHRASE = secrets.token_urlsafe(24)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class WriteTally(Tally):
    """Timings and errors by kind of write, and the status of each failed write."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: dict[str, int] = defaultdict(int)

    def failed(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1


def _writers(users: int) -> list[dict[str, Any]]:
    """A session, an API token and a team for each simulated user (documenters)."""
    from docket.accounts.models import User
    from docket.api.tokens import issue_token

    staff = [
        user
        for user in User.objects.filter(role="documenter", is_active=True).order_by("pk")
        if user.teams.exists()
    ]
    writers = []
    for number in range(users):
        user = staff[number % len(staff)]
        session = session_of(user)
        _record, token = issue_token(user=user, name=f"load {number}", via="benchmark")
        team = user.teams.order_by("pk").first()
        assert team is not None  # noqa: S101 - filtered above
        writers.append({"session": session, "token": token, "team": team.pk})
    return writers


def _bundles(folder: Path, seed: int, records: int) -> list[tuple[Path, int]]:
    from docket.search.bench.dataset import Dataset, interchange_bundle

    bundles = []
    cases = max(1, round(records / RECORDS_PER_CASE))
    for number in range(2):
        generated = Dataset(cases * 10, seed + 10 + number)
        bundle = interchange_bundle(generated, generated.case_count)
        path = folder / f"load-bundle-{number}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False))
        counted = ("authorities", "persons", "cases", "events", "sources")
        bundles.append((path, sum(len(bundle[key]) for key in counted)))
    return bundles


def _run(arguments: list[str], environment: dict[str, str]) -> dict[str, Any]:
    began = time.monotonic()
    # Our own interpreter running our own command.
    done = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-c", PROGRAM, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "seconds": round(time.monotonic() - began, 2),
        "returncode": done.returncode,
        "error": done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr else "",
    }


def run_write_load(
    *,
    users: int,
    seconds: float,
    think: float,
    port: int,
    workers: int,
    workdir: Path,
    seed: int,
    import_records: int,
    say: Any,
) -> dict[str, Any]:
    from django.db import connection

    host = "127.0.0.1"
    writers = _writers(users)
    bundles = _bundles(workdir, seed, import_records)
    connection.close()
    environment = dict(os.environ) | {"DOCKET_BACKUP_PASSPHRASE": PASSPHRASE}
    with (workdir / "serve-load.log").open("w") as output:
        # Our own interpreter running our own command on loopback, with its worker.
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                sys.executable,
                "-c",
                PROGRAM,
                "serve",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    imports: list[dict[str, Any]] = []
    backup: dict[str, Any] = {}

    def importing() -> None:
        for number, (path, records) in enumerate(bundles):
            result = _run(
                ["import", str(path), "--source", f"load-{number}", "--team", "Documentation"],
                environment,
            )
            imports.append({"records": records, **result})

    def backing_up() -> None:
        out = workdir / "load.backup"
        out.unlink(missing_ok=True)
        backup.update(_run(["backup", "--out", str(out)], environment))
        if out.exists():
            backup["size_mb"] = round(out.stat().st_size / 2**20, 1)

    try:
        _wait_for(host, port, 120)
        say(f"  {users} users writing for {seconds:.0f} s, with 2 imports and a backup…")
        tally = WriteTally()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_writer,
                args=(number, host, port, writers[number], tally),
                kwargs={"deadline": deadline, "think": think},
                daemon=True,
            )
            for number in range(users)
        ]
        background = [
            threading.Thread(target=importing, daemon=True),
            threading.Thread(target=backing_up, daemon=True),
        ]
        began = time.monotonic()
        for thread in threads + background:
            thread.start()
        for thread in threads + background:
            thread.join(seconds + 600)
        elapsed = time.monotonic() - began
        health = _health(host, port)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    every = [value for values in tally.timings.values() for value in values]
    by_kind = tally.by_kind("writes")
    errors = sum(tally.errors.values())
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "think_seconds": think,
        "server_workers": workers,
        "writes": len(every),
        "errors": errors,
        "error_statuses": dict(sorted(tally.statuses.items())),
        "writes_per_second": round(len(every) / elapsed, 1) if elapsed else 0,
        "p50_write_ms": round(percentile(every, 0.5), 1) if every else None,
        "p95_write_ms": round(percentile(every, 0.95), 1) if every else None,
        "max_write_ms": round(max(every), 1) if every else None,
        "by_kind": by_kind,
        "imports": imports,
        "backup": backup,
        "healthz_after": health,
        "met": errors == 0
        and all(item["returncode"] == 0 for item in imports)
        and backup.get("returncode") == 0,
    }


def _health(host: str, port: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        response = connection.getresponse()
        return {"status": response.status, **json.loads(response.read() or b"{}")}
    except (OSError, ValueError) as error:
        return {"status": 0, "error": str(error)}
    finally:
        connection.close()


def _request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
) -> tuple[http.client.HTTPConnection, int, bytes]:
    for attempt in range(2):
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return connection, response.status, response.read()
        except (http.client.HTTPException, OSError):
            # A kept-alive connection the server closed meanwhile: open a new one once.
            connection.close()
            connection = http.client.HTTPConnection(connection.host, connection.port, timeout=120)
            if attempt:
                return connection, 0, b""
    return connection, 0, b""


def _writer(
    number: int,
    host: str,
    port: int,
    writer: dict[str, Any],
    tally: WriteTally,
    *,
    deadline: float,
    think: float,
) -> None:
    rng = random.Random(number)  # noqa: S311  # nosec B311 - a simulated user's choices
    connection = http.client.HTTPConnection(host, port, timeout=120)
    cookies = f"sessionid={writer['session']}"
    time.sleep(rng.uniform(0, think))
    written = 0
    while time.monotonic() < deadline:
        written += 1
        title = f"Load statement {number}-{written}"
        began = time.perf_counter()
        if written % 2:
            # Through the page: the form first (its CSRF token), then the POST.
            connection, status, body = _request(
                connection, "GET", "/sources/new/", {"Host": host, "Cookie": cookies}
            )
            found = _CSRF.search(body.decode(errors="replace"))
            if status == 200 and found:
                form = urlencode(
                    {
                        "csrfmiddlewaretoken": found.group(1),
                        "kind": "testimony",
                        "title": title,
                        "reliability": "unknown",
                        "confidentiality": "internal",
                        "team": writer["team"],
                    }
                )
                connection, status, _body = _request(
                    connection,
                    "POST",
                    "/sources/new/",
                    {
                        "Host": host,
                        # The form's token serves as the cookie too (its secret is the same).
                        "Cookie": f"{cookies}; csrftoken={found.group(1)}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                    form,
                )
            kind, ok = "page", status == 302
        else:
            connection, status, _body = _request(
                connection,
                "POST",
                "/api/v1/sources",
                {
                    "Host": host,
                    "Authorization": f"Bearer {writer['token']}",
                    "Content-Type": "application/json",
                },
                json.dumps({"title": title, "kind": "document", "confidentiality": "internal"}),
            )
            kind, ok = "api", status == 201
        tally.add(kind, (time.perf_counter() - began) * 1000, ok)
        if not ok:
            tally.failed(kind, status)
        time.sleep(rng.uniform(think * 0.5, think * 1.5))
    connection.close()
