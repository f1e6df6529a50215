"""Files written whole or not at all: sealed evidence, and the storage that keeps it.

Every sealed file goes through `write_atomically`: the bytes go to a temporary
file in the same folder, are flushed to the disk (fsync), and only then take
their name, so a crash, a kill or a full disk never leaves a truncated file
under a name a record points to. A full disk removes the temporary file and
raises `DiskFull`, whose message can be shown as it is.
"""

import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

# Temporary files start with this; `docket evidence verify` reports any left behind.
PARTIAL_PREFIX = ".partial-"


class DiskFull(OSError):
    """The disk (or the quota) is full: nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            errno.ENOSPC,
            _(
                "The disk is full: the file was not saved, and nothing was changed. "
                "Ask the person who runs Docket to free some space, then try again."
            ),
        )

    def __str__(self) -> str:
        return str(self.strerror)


def _write_all(descriptor: int, chunk: bytes) -> None:
    view = memoryview(chunk)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def write_atomically(
    path: Path, chunks: Iterable[bytes], *, mode: int = 0o600, replace: bool = False
) -> None:
    """Write `chunks` to `path` whole or not at all.

    Without `replace`, an existing `path` is left alone and FileExistsError
    raised (after the temporary file is removed).
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{PARTIAL_PREFIX}{path.name}.{os.getpid()}.{os.urandom(4).hex()}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            for chunk in chunks:
                _write_all(descriptor, chunk)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if replace:
            os.replace(temporary, path)
        else:
            # A hard link refuses an existing name, where a rename would replace it.
            os.link(temporary, path)
            temporary.unlink()
        _sync_folder(folder)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EDQUOT}:
            raise DiskFull() from error
        raise


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file storage, each file written through `write_atomically`."""

    def _save(self, name: str, content: Any) -> str:
        while True:
            full_path = Path(self.path(name))
            try:
                content.seek(0)
                write_atomically(
                    full_path, (bytes(chunk) for chunk in content.chunks()), mode=0o600
                )
            except FileExistsError:
                name = self.get_available_name(name)
            else:
                break
        self._ensure_location_group_id(str(full_path))  # type: ignore[attr-defined]
        return os.path.relpath(full_path, self.location).replace("\\", "/")
