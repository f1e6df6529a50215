import os
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from docket.schedule import enqueue_due


class Command(BaseCommand):
    help = "Run background work: queue scheduled tasks when due, and run queued tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="queue what is due, run what is queued, and stop"
        )
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        while True:
            for name in enqueue_due():
                self.stdout.write(f"Queued the scheduled task: {name}.")
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if once:
                return
            time.sleep(interval)
