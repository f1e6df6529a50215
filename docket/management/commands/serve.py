import atexit
import os
import subprocess  # nosec B404
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

from docket.lib.static import collect_if_changed


class Command(BaseCommand):
    help = "Serve Docket with the production server (gunicorn)."
    requires_system_checks = []  # checked below, once, with a clearer message first

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="default: 127.0.0.1:8000")
        parser.add_argument(
            "--workers", type=int, default=settings.GUNICORN_WORKERS, help="worker processes"
        )
        parser.add_argument(
            "--without-background-worker",
            action="store_true",
            help="do not start `docket worker` beside the server (run it separately)",
        )

    def handle(
        self,
        *args: Any,
        bind: str,
        workers: int,
        without_background_worker: bool,
        **options: Any,
    ) -> None:
        if not settings.DEBUG and not settings.ALLOWED_HOSTS:
            raise CommandError(
                "Set DOCKET_ALLOWED_HOSTS to the host names this server answers to "
                "(for example DOCKET_ALLOWED_HOSTS=docket.example.org) before serving."
            )
        self.check(display_num_errors=False)
        collect_if_changed()
        scheme = "https" if settings.HTTPS else "http"
        if not without_background_worker:
            self._start_background_worker()
        self.stdout.write(f"Docket is serving on {scheme}://{bind}/ (press Ctrl+C to stop).")
        self.stdout.flush()
        _Gunicorn(
            {
                "bind": bind,
                "workers": workers,
                "worker_class": "gthread",
                "threads": 4,
                "accesslog": "-",
                "errorlog": "-",
                "loglevel": "warning",
            }
        ).run()

    def _start_background_worker(self) -> None:
        """One small machine, one command: the background worker runs beside the server,
        under a supervisor that starts it again whenever it stops (and logs why).

        The supervisor is a process of its own: gunicorn's arbiter collects every
        child that ends, and would take a worker's exit status from a supervisor
        living in it. It stops with the server, even one killed outright.
        """
        program = "import sys; from docket.cli import main; sys.exit(main(sys.argv))"
        # Our own interpreter running our own module: no outside input reaches it.
        supervisor = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-c", program, "worker", "--supervise", "--stop-with-parent"]
        )
        server = os.getpid()

        def stop_supervisor() -> None:
            # Gunicorn's web workers are forks of this process and run its exit
            # handlers too: only the server itself stops the supervisor.
            if os.getpid() == server:
                supervisor.terminate()

        atexit.register(stop_supervisor)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn run in-process, so `docket serve` needs no second configuration."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported only now, after collectstatic, so WhiteNoise finds the files.
        from docket.wsgi import application

        return application
