from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication


class Command(BaseCommand):
    help = "Serve Docket with the production server (gunicorn)."
    requires_system_checks = []  # checked below, once, with a clearer message first

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="default: 127.0.0.1:8000")
        parser.add_argument(
            "--workers", type=int, default=settings.GUNICORN_WORKERS, help="worker processes"
        )

    def handle(self, *args: Any, bind: str, workers: int, **options: Any) -> None:
        if not settings.DEBUG and not settings.ALLOWED_HOSTS:
            raise CommandError(
                "Set DOCKET_ALLOWED_HOSTS to the host names this server answers to "
                "(for example DOCKET_ALLOWED_HOSTS=docket.example.org) before serving."
            )
        self.check(display_num_errors=False)
        call_command("collectstatic", interactive=False, verbosity=0)
        scheme = "https" if settings.HTTPS else "http"
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
