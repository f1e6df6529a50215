import logging
import os
import signal
import socket
import subprocess  # nosec B404
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections
from django.tasks.signals import task_started

from docket.lib.tasks import beat, run_queued_tasks
from docket.schedule import enqueue_due

logger = logging.getLogger("docket.worker")

# Seconds the supervisor waits before starting a worker that died: doubling from the
# first up to the last, and back to the first once a worker has run a while.
BACKOFF_FIRST = 1.0
BACKOFF_LAST = 60.0
RAN_LONG_ENOUGH = 60.0


def _beat_on_task(**kwargs: Any) -> None:
    beat()


class Command(BaseCommand):
    help = "Run background work: queue scheduled tasks when due, and run queued tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="queue what is due, run what is queued, and stop"
        )
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument(
            "--supervise",
            action="store_true",
            help="run the worker as a child process, and start it again whenever it stops",
        )
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="with --supervise: stop when the process that started this one stops",
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        interval: float,
        supervise: bool,
        stop_with_parent: bool,
        **options: Any,
    ) -> None:
        if supervise:
            Supervisor(interval=interval, stop_with_parent=stop_with_parent).run()
            return
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        task_started.connect(_beat_on_task, dispatch_uid="docket-worker-heartbeat")
        while True:
            beat()
            try:
                for name in enqueue_due():
                    self.stdout.write(f"Queued the scheduled task: {name}.")
                run_queued_tasks(worker_id)
            except DatabaseError as error:
                # Locked, restarting, or away for a moment: the next round tries again.
                logger.warning("The database did not answer the worker (%s); trying again.", error)
                close_old_connections()
                if once:
                    raise
            if once:
                return
            time.sleep(interval)


def _why(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class Supervisor:
    """Keeps one `docket worker` running: starts it again when it stops, says why it
    stopped, and waits longer after each quick failure."""

    def __init__(self, *, interval: float, stop_with_parent: bool) -> None:
        self.interval = interval
        self.parent = os.getppid() if stop_with_parent else None
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def _start(self) -> subprocess.Popen[bytes]:
        # Our own interpreter running our own module: no outside input reaches it.
        program = "import sys; from docket.cli import main; sys.exit(main(sys.argv))"
        return subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-c", program, "worker", "--interval", str(self.interval)]
        )

    def _parent_gone(self) -> bool:
        return self.parent is not None and os.getppid() != self.parent

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        delay = BACKOFF_FIRST
        while not self.stopping and not self._parent_gone():
            started = time.monotonic()
            self.child = self._start()
            while self.child.poll() is None:
                if self.stopping or self._parent_gone():
                    self._end_child()
                    return
                time.sleep(0.5)
            returncode = self.child.returncode
            if time.monotonic() - started >= RAN_LONG_ENOUGH:
                delay = BACKOFF_FIRST
            logger.error(
                "The background worker stopped (%s); starting it again in %.0f s.",
                _why(returncode),
                delay,
            )
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not self.stopping and not self._parent_gone():
                time.sleep(0.2)
            delay = min(delay * 2, BACKOFF_LAST)

    def _end_child(self) -> None:
        if self.child is None or self.child.poll() is not None:
            return
        self.child.terminate()
        try:
            self.child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
