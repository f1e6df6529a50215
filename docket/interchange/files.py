"""The evidence files a bundle carries beside its JSON document.

A bundle names each file by a path relative to the document's folder. Where
the files come from is behind `BundleFiles`, so the command reads a folder
and the API can later read an uploaded archive with the same importer. A
path may never leave the bundle: an uploaded bundle must not read the
server's own files.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from docket.cases.services import detect_type

CHUNK = 1 << 20


class UnsafePath(ValueError):
    """A path that is absolute or climbs out of the bundle's folder."""


class BundleFiles(Protocol):
    def open(self, path: str) -> IO[bytes]:
        """Open a file of the bundle for reading; raise UnsafePath or OSError."""
        ...


class FolderFiles:
    """The files beside a JSON document on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def open(self, path: str) -> IO[bytes]:
        relative = PurePosixPath(path.replace("\\", "/"))
        if relative.is_absolute() or not path.strip() or ".." in relative.parts:
            raise UnsafePath(path)
        target = (self.folder / relative).resolve()
        # Resolving follows symbolic links: one may not point outside either.
        if not target.is_relative_to(self.folder):
            raise UnsafePath(path)
        return target.open("rb")


class NoFiles:
    """A bundle without files beside it (a document pasted or posted alone)."""

    def open(self, path: str) -> IO[bytes]:
        raise FileNotFoundError(path)


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    content_type: str


def examine(stream: IO[bytes]) -> FileFacts:
    """Hash and measure a file in chunks, so large videos need little memory."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        if not head:
            head = chunk[:8192]
        digest.update(chunk)
        size += len(chunk)
    return FileFacts(digest.hexdigest(), size, detect_type(head) or "application/octet-stream")
