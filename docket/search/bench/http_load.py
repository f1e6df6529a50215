"""The concurrent run: simulated staff browsing and searching a real server on loopback.

`docket serve` (gunicorn, as in production) runs on the benchmark's database;
each simulated user has its own session and connection and, in a loop, opens a
page, reads it for a moment (the think time), and opens the next: the search
page, the events list with facets, its next pages, a case, a person. The
server's processes are sampled for their resident memory while it runs.
"""

import http.client
import os
import random
import signal
import subprocess  # nosec B404 - our own `docket serve`
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from docket.search.bench.runner import percentile

# (kind of page, share of requests)
MIX = (("search", 35), ("events", 25), ("next_page", 15), ("case", 15), ("person", 10))
SEARCH_TARGET_MS = 200
RSS_TARGET_MB = 300


@dataclass
class Pages:
    """What the simulated users ask for; every path one that answers 200."""

    searches: list[str]
    events: list[str]
    next_pages: list[str]
    cases: list[str]
    persons: list[str]

    def pick(self, kind: str, rng: random.Random) -> str:
        return rng.choice(
            {
                "search": self.searches,
                "events": self.events,
                "next_page": self.next_pages,
                "case": self.cases,
                "person": self.persons,
            }[kind]
        )


def pages_from(context: Any) -> Pages:
    return Pages(
        searches=[f"/search/?{urlencode({'q': name})}" for name in context.latin_names]
        + [f"/search/?{urlencode({'q': name})}" for name in context.persian_names[:10]]
        + [f"/search/?{urlencode({'q': word})}" for word in context.words],
        events=[f"/events/?type=detention&place={place}" for place in context.places]
        + ["/events/", "/events/?from=2019&to=2020", "/events/?status=open"]
        + [f"/events/?authority={authority}" for authority in context.authorities],
        next_pages=[f"/events/?after={context.middle.encode()}"]
        if context.middle
        else ["/events/"],
        cases=[f"/cases/{pk}/" for pk in context.big_cases],
        persons=[f"/people/{pk}/" for pk in context.persons],
    )


@dataclass
class Tally:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, milliseconds: float, ok: bool) -> None:
        with self.lock:
            self.timings[kind].append(milliseconds)
            if not ok:
                self.errors[kind] += 1

    def by_kind(self, counted: str) -> dict[str, dict[str, float]]:
        """For each kind of request: how many (`counted`), errors, and p50, p95, max in ms."""
        return {
            kind: {
                counted: len(values),
                "errors": self.errors.get(kind, 0),
                "p50_ms": round(percentile(values, 0.5), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
                "max_ms": round(max(values), 1),
            }
            for kind, values in sorted(self.timings.items())
            if values
        }


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemoryWatch(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peaks: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for pid in [self.root, *_descendants(self.root)]:
                rss = _rss_mb(pid)
                if rss is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), rss)
            self.stopped.wait(0.5)


def _wait_for(host: str, port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": host})
            # 503 too: the server answers, whatever the worker or the disk say.
            if connection.getresponse().status in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"docket serve did not answer on {host}:{port}")


def run_load(
    *,
    pages: Pages,
    sessions: list[str],
    users: int,
    seconds: float,
    think: float,
    port: int,
    workers: int,
    log: Path,
    say: Any,
) -> dict[str, Any]:
    host = "127.0.0.1"
    environment = dict(os.environ)
    with log.open("w") as output:
        # Our own interpreter running our own command on loopback.
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                sys.executable,
                "-c",
                "from docket.cli import main; import sys; sys.exit(main(sys.argv))",
                "serve",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--without-background-worker",
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(host, port, 90)
        watch = MemoryWatch(server.pid)
        watch.start()
        say(f"  {users} users for {seconds:.0f} s against docket serve ({workers} workers)…")
        tally = Tally()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_user,
                args=(number, host, port, sessions[number % len(sessions)], pages, tally),
                kwargs={"deadline": deadline, "think": think},
                daemon=True,
            )
            for number in range(users)
        ]
        server_processes = [server.pid, *_descendants(server.pid)]
        cpu_before = _cpu_seconds(server_processes)
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 120)
        elapsed = time.monotonic() - began
        server_cpu = _cpu_seconds(server_processes) - cpu_before
        load_after = os.getloadavg()[0]
        watch.stopped.set()
        watch.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    every = [value for values in tally.timings.values() for value in values]
    requests = len(every)
    errors = sum(tally.errors.values())
    workers_rss = {pid: rss for pid, rss in watch.peaks.items() if pid != server.pid}
    by_page = tally.by_kind("requests")
    search_p95 = by_page.get("search", {}).get("p95_ms")
    worker_peak = round(max(workers_rss.values()), 1) if workers_rss else None
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "think_seconds": think,
        "server_workers": workers,
        "requests": requests,
        "errors": errors,
        "throughput_per_second": round(requests / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(every, 0.5), 1) if every else None,
        "p95_ms": round(percentile(every, 0.95), 1) if every else None,
        "by_page": by_page,
        # The server's own CPU time per page: what the machine's cores divide into, so a
        # busier machine shows as waiting, not as a slower server.
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / requests, 1) if requests else None,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "search_page_p95_ms": search_p95,
        "search_page_target_ms": SEARCH_TARGET_MS,
        "search_page_met": search_p95 is not None and search_p95 < SEARCH_TARGET_MS and not errors,
        "memory": {
            "server_process_peak_rss_mb": round(watch.peaks.get(server.pid, 0.0), 1),
            "worker_peak_rss_mb": worker_peak,
            "workers": sorted(round(rss, 1) for rss in workers_rss.values()),
            "target_mb": RSS_TARGET_MB,
            "met": worker_peak is not None and worker_peak < RSS_TARGET_MB,
        },
    }


def _user(
    number: int,
    host: str,
    port: int,
    session: str,
    pages: Pages,
    tally: Tally,
    *,
    deadline: float,
    think: float,
) -> None:
    rng = random.Random(number)  # noqa: S311  # nosec B311 - a simulated user's choices
    kinds = [kind for kind, _share in MIX]
    shares = [share for _kind, share in MIX]
    headers = {"Host": host, "Cookie": f"sessionid={session}"}
    connection = http.client.HTTPConnection(host, port, timeout=60)
    # Users arrive over the first seconds rather than all at once.
    time.sleep(rng.uniform(0, think))
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, shares)[0]
        path = pages.pick(kind, rng)
        began = time.perf_counter()
        status = 0
        for attempt in range(2):
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                break
            except (http.client.HTTPException, OSError):
                # A kept-alive connection the server closed meanwhile: open a new one once.
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                if attempt:
                    status = 0
        tally.add(kind, (time.perf_counter() - began) * 1000, status == 200)
        time.sleep(rng.uniform(think * 0.5, think * 1.5))
    connection.close()


def session_of(user: Any) -> str:
    """The key of a new logged-in session of `user` (one who needs no second factor)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None  # noqa: S101 - create() gives one
    return session.session_key


def sessions_for(users: int) -> list[str]:
    """Logged-in sessions of documenters and viewers (who need no second factor)."""
    from docket.accounts.models import User

    staff = list(User.objects.filter(role__in=["documenter", "viewer"]).order_by("pk"))
    return [session_of(staff[number % len(staff)]) for number in range(users)]
