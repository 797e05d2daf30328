"""Owner-only directories and files for what the service keeps on disk (var/: the SQLite
database, the master key, local catalogue files).

Modes are set explicitly after creation, so the result does not depend on the umask: a mode
passed to mkdir/open can only be narrowed by the umask, never widened, so nothing is ever more
open than owner-only, even for the instant between creating and setting the mode.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Make `path` (and any missing parent) as owner-only directories.

    Directories that already exist keep their mode, unless `tighten` is set: then the leaf is
    narrowed to owner-only when it is ours and open to others (a var/ made by an older version).
    """
    path = Path(path)
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, PRIVATE_DIR_MODE)
        except FileExistsError:  # made by a concurrent start: its mode is checked below
            continue
        os.chmod(directory, PRIVATE_DIR_MODE)
    if tighten and not missing:
        _narrow(path, PRIVATE_DIR_MODE)
    return path


def create_private_file(path: Path, text: str) -> bool:
    """Write `text` to a new owner-only file at `path`, atomically; False when it exists already.

    The text goes to a temporary file opened with O_CREAT|O_EXCL and mode 0600, then is linked
    into place: a concurrent reader sees either no file or the whole text, never an empty one,
    and of two processes starting at once exactly one wins (the other reads the winner's).
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def narrow_to_owner(path: Path) -> None:
    """A file from an older version, written open to others: narrowed to owner-only."""
    _narrow(Path(path), PRIVATE_FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, mode)
        log.warning("%s was open to other users: narrowed to owner-only (%o)", path.name, mode)
