"""Collecting static files only when they changed, so a second `make run` starts fast.

`collectstatic` with WhiteNoise's compressed manifest storage hashes and compresses
every file (Django's admin included) each time: most of a restart's time. The files
the finders see (path, size, modification time) make a fingerprint kept beside the
collected files; the same fingerprint means nothing to do.
"""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

MARK = ".docket-collected"


def fingerprint() -> str:
    storages: dict[str, Any] = settings.STORAGES
    digest = hashlib.sha256(str(storages["staticfiles"]["BACKEND"]).encode())
    seen: set[str] = set()
    for finder in get_finders():
        for path, storage in finder.list([]):
            if path in seen:
                continue
            seen.add(path)
            status = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_if_changed() -> bool:
    """Run collectstatic unless the collected files are those of the same sources.
    Returns whether it ran."""
    mark = Path(settings.STATIC_ROOT) / MARK
    wanted = fingerprint()
    if mark.is_file() and mark.read_text() == wanted:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    mark.write_text(wanted)
    return True
