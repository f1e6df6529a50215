from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from docket.lib.static import collect_if_changed


class Command(BaseCommand):
    help = (
        "Make a data folder ready to serve, doing only what is not done yet: migrations "
        "(by the docket command itself), the demo data into an empty database, an "
        "administrator if there is none, the static files if they changed. What "
        "`make run` does before `docket serve`, in one process."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("demo", if_empty=True, stdout=self.stdout)
        call_command("createadmin", if_none=True, stdout=self.stdout)
        collect_if_changed()
