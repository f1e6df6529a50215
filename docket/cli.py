"""The `docket` command: Django's management commands with Docket's set-up first.

Every command works on a fresh, empty data folder: settings create the folder,
and this entry point migrates the database before any command that needs it.
Errors come out as one sentence; add --traceback to see the whole story.

Django's system checks (the code's models, pages and templates agree) run when the
server starts (`serve`, `prepare`) and on `docket check`, not before every other
command: they import every page's code, a second and a half of CPU per command, and
an installed release cannot change between two commands.
"""

import os
import sys

# Commands that must not touch the database before they run.
WITHOUT_DATABASE = {
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "makemigrations",
    "migrate",
    "showmigrations",
    "sqlmigrate",
    "makemessages",
    "compilemessages",
    "collectstatic",
    # Deduplicates a CSV alone, before anything is imported.
    "link",
    # Estimates from a CSV alone.
    "estimate",
}

# Commands that run Django's system checks first (`migrate` runs its own).
CHECKED = {"check", "serve", "prepare", "runserver"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "docket"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docket.settings")
    show_traceback = "--traceback" in argv
    try:
        import django
        from django.core.management import execute_from_command_line

        django.setup()
        command = argv[1] if len(argv) > 1 else "help"
        if command not in WITHOUT_DATABASE:
            _migrate_if_needed()
        if command not in CHECKED and _runs_checks(command):
            argv.insert(2, "--skip-checks")
        execute_from_command_line(argv)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if show_traceback:
            raise
        print(f"docket: {_sentence(error)}", file=sys.stderr)
        return 1
    return 0


def _migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Preparing the database (applying migrations)…", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)


def _runs_checks(command: str) -> bool:
    """Whether `command` is one that would run the system checks (and so takes
    --skip-checks); an unknown one is left for Django to answer."""
    from django.core.management import get_commands, load_command_class

    app = get_commands().get(command)
    if app is None:
        return False
    return bool(load_command_class(app, command).requires_system_checks)


def invoked_as() -> str:
    """How to type the docket command again, for hints: `docket` when that is on the
    PATH, else the path it was run by (`.venv/bin/docket` after `make run`)."""
    import shutil

    path = sys.argv[0] if sys.argv and sys.argv[0] else "docket"
    if os.path.basename(path) != "docket":
        return "docket"
    found = shutil.which("docket")
    if found and os.path.realpath(found) == os.path.realpath(path):
        return "docket"
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else os.path.abspath(path)


def _sentence(error: Exception) -> str:
    from django.db import OperationalError

    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, OperationalError):
        return f"cannot use the database: {text}"
    return text
