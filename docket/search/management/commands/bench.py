"""`docket bench`: the search benchmark on a fresh database of its own.

    docket bench --events 100000 --db sqlite --out bench.json
    docket bench --events 1000000 --db postgres --out bench-pg.json --concurrent

It never touches Docket's own database: it makes a new one (a SQLite file in a
temporary data folder, or a new PostgreSQL database next to the one
DATABASE_URL or --postgres names), runs itself there in a child process,
writes the JSON, and drops the database unless --keep. See
docket/search/bench/README.md for what each figure means.
"""

import argparse
import json
import os
import shutil
import subprocess  # nosec B404 - our own `docket bench`
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_POSTGRES = "postgres://postgres:postgres@127.0.0.1:5432/postgres"


class Command(BaseCommand):
    help = "Measure search and lists on a generated dataset of N events (see bench/README.md)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=100_000, help="default: 100000")
        parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
        parser.add_argument("--out", required=True, help="the JSON file to write")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query")
        parser.add_argument(
            "--queries",
            default="",
            metavar="PREFIXES",
            help="only the standard queries whose names begin with one of these "
            "(comma-separated), e.g. report_",
        )
        parser.add_argument(
            "--import-records",
            type=int,
            default=None,
            help="records in the generated bundle the import path imports "
            "(default: as many as events, at most 5000)",
        )
        parser.add_argument(
            "--concurrent", action="store_true", help="also run simulated users against a server"
        )
        parser.add_argument(
            "--load",
            action="store_true",
            help="also run the write load: users writing through pages and the API while "
            "two imports and a backup run (docket/search/bench/write_load.py)",
        )
        parser.add_argument("--users", type=int, default=30)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument(
            "--think", type=float, default=1.0, help="a user's mean pause between pages (s)"
        )
        parser.add_argument("--workers", type=int, default=2, help="web workers of the server")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--postgres",
            default="",
            help=f"a PostgreSQL server to create the benchmark database on (default: "
            f"DATABASE_URL's server, else {DEFAULT_POSTGRES})",
        )
        parser.add_argument("--workdir", default="", help="where the benchmark keeps its files")
        parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
        parser.add_argument(
            "--reuse",
            default="",
            metavar="DATABASE",
            help="measure again on a database kept with --keep: the PostgreSQL database's "
            "name, or 'sqlite' with the same --workdir",
        )
        parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["inside"]:
            self._inside(options)
        else:
            self._outside(options)

    # The parent: a database of its own, then the child on it

    def _outside(self, options: dict[str, Any]) -> None:
        out = Path(options["out"]).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(options["workdir"] or tempfile.mkdtemp(prefix="docket-bench-")).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("DOCKET_") and key != "DATABASE_URL"
        }
        environment |= {
            "DOCKET_DATA_DIR": str(workdir / "data"),
            "DOCKET_HTTPS": "off",
            "DOCKET_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DOCKET_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "docket.settings",
        }
        database = ""
        reuse = options["reuse"]
        if options["db"] == "postgres":
            server = options["postgres"] or os.environ.get("DATABASE_URL", "")
            if not server.startswith(("postgres://", "postgresql://")):
                server = DEFAULT_POSTGRES
            database = reuse or f"docket_bench_{os.getpid()}"
            if not reuse:
                _create_database(server, database)
            environment["DATABASE_URL"] = _with_database(server, database)
        elif reuse and not (workdir / "data").exists():
            raise CommandError(f"--reuse: nothing kept in {workdir}; give its --workdir")
        arguments = [
            "bench",
            "--inside",
            "--events",
            str(options["events"]),
            "--db",
            options["db"],
            "--out",
            str(out),
            "--seed",
            str(options["seed"]),
            "--repeat",
            str(options["repeat"]),
            "--queries",
            options["queries"],
            "--import-records",
            str(_import_records(options)),
            "--users",
            str(options["users"]),
            "--seconds",
            str(options["seconds"]),
            "--think",
            str(options["think"]),
            "--workers",
            str(options["workers"]),
            "--port",
            str(options["port"]),
            "--workdir",
            str(workdir),
        ]
        if options["concurrent"]:
            arguments.append("--concurrent")
        if options["load"]:
            arguments.append("--load")
        if reuse:
            arguments += ["--reuse", reuse]
            options["keep"] = True
        try:
            # Our own interpreter running our own command.
            child = subprocess.run(  # noqa: S603  # nosec B603
                [
                    sys.executable,
                    "-c",
                    "from docket.cli import main; import sys; sys.exit(main(sys.argv))",
                    *arguments,
                ],
                env=environment,
                check=False,
            )
            if child.returncode:
                raise CommandError(f"the benchmark stopped (exit status {child.returncode})")
        finally:
            if not options["keep"]:
                if database:
                    _drop_database(server, database)
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                self.stdout.write(
                    f"Kept {workdir}" + (f" and database {database}" if database else "")
                )
        self.stdout.write(f"Wrote {out}")

    # The child: everything on the fresh database

    def _inside(self, options: dict[str, Any]) -> None:
        from django.db import connection

        from docket.search.bench import http_load, runner

        def say(text: str) -> None:
            self.stdout.write(text)
            self.stdout.flush()

        if options["db"] == "postgres" and connection.vendor != "postgresql":
            raise CommandError("--inside --db postgres needs DATABASE_URL set to PostgreSQL")
        result, context = runner.run(
            events=options["events"],
            seed=options["seed"],
            repeat=options["repeat"],
            only=tuple(name for name in options["queries"].split(",") if name),
            say=say,
            reuse=bool(options["reuse"]),
            import_records=_import_records(options),
        )
        result["concurrent"] = None
        if options["concurrent"]:
            sessions = http_load.sessions_for(options["users"])
            connection.close()
            say("Concurrent run…")
            result["concurrent"] = http_load.run_load(
                pages=http_load.pages_from(context),
                sessions=sessions,
                users=options["users"],
                seconds=options["seconds"],
                think=options["think"],
                port=options["port"],
                workers=options["workers"],
                log=Path(options["workdir"]) / "serve.log",
                say=say,
            )
            concurrent = result["concurrent"]
            say(
                f"  {concurrent['requests']:,} requests, {concurrent['errors']} errors, "
                f"{concurrent['throughput_per_second']} a second, p95 {concurrent['p95_ms']} ms, "
                f"search page p95 {concurrent['search_page_p95_ms']} ms, "
                f"web worker peak {concurrent['memory']['worker_peak_rss_mb']} MB"
            )
        result["write_load"] = None
        if options["load"]:
            from docket.search.bench import write_load

            say("Write load…")
            result["write_load"] = load = write_load.run_write_load(
                users=options["users"],
                seconds=options["seconds"],
                think=options["think"],
                port=options["port"],
                workers=options["workers"],
                workdir=Path(options["workdir"]),
                seed=options["seed"],
                import_records=_import_records(options),
                say=say,
            )
            imports = ", ".join(
                f"{item['records']} records in {item['seconds']} s (exit {item['returncode']})"
                for item in load["imports"]
            )
            backup = load["backup"]
            say(
                f"  {load['writes']:,} writes, {load['errors']} errors, "
                f"p95 {load['p95_write_ms']} ms; imports: {imports}; "
                f"backup {backup.get('seconds')} s (exit {backup.get('returncode')})"
            )
        result["settings"] = {"debug": settings.DEBUG}
        Path(options["out"]).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


def _import_records(options: dict[str, Any]) -> int:
    chosen = options.get("import_records")
    return int(chosen) if chosen is not None else min(int(options["events"]), 5000)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


def _create_database(url: str, name: str) -> None:
    from psycopg import sql

    with _admin_connection(url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(url: str, name: str) -> None:
    from psycopg import sql

    with _admin_connection(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
