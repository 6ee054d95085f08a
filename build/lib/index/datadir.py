"""The data dir's two unhappy states: read-only, and full. Each becomes one clear line.

Read-only (a read-only mount, or a dir the user cannot write): answering still works.
Embedded Chroma cannot open a database it may not write (its migrations check writes even
when there is nothing to migrate), so the store opens a private copy of ``chroma/`` in the
temp dir instead (owner-writable whatever the original's modes: ``chmod -R a-w``), deleted
when the process ends; the BM25 index and the ONNX model are read in place (or kept in memory
when they cannot be saved). Commands that must write (ingest) stop before touching anything,
with ``ReadOnlyDataDir``.

Full (ENOSPC, or SQLite's "database or disk is full"): ``DiskFull`` names the data dir, what
is free and what is needed. Readers answer from a private copy too: Chroma writes when it
opens, and again on the first read after a write (it applies its log to the segments).
Ingest writes in an order that a stop at any point leaves a consistent index
(``index.ingest.pipeline``), so it can simply stop; the next run, with space, carries on.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

MB = 1024 * 1024
MIN_FREE_BYTES = 100 * MB
"""What an ingest or a first start wants free in the data dir (index growth, BM25 rebuild)."""
NO_SPACE_BYTES = MB
"""Below this an ingest does not start: not even its lock and first rows would fit."""
LOW_SPACE_BYTES = 16 * MB
"""Below this, a failed write is taken for a full disk: Chroma does not always say so (a
full disk during compaction reads "Failed to apply logs to the metadata segment")."""

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_RO_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_TEXT = ("database or disk is full", "no space left on device", "disk quota exceeded")
_RO_TEXT = ("readonly database", "read-only file system", "attempt to write a readonly")


class DataDirError(RuntimeError):
    """A problem with the data dir that the user must fix; ``str`` is one line."""


class ReadOnlyDataDir(DataDirError):
    """The data dir cannot be written, and the command needs to write. ``answering`` says
    whether answering from it still works: not when answering is what failed."""

    def __init__(
        self, data_dir: Path, what: str = "this command", *, answering: bool = True
    ) -> None:
        still = " (answering still works from a read-only index)" if answering else ""
        super().__init__(
            f"the data dir {data_dir} is read-only, and {what} needs to write there: make it "
            f"writable, or set NEWSQA_DATA_DIR to a writable directory{still}"
        )
        self.data_dir = data_dir


class DiskFull(DataDirError):
    """No space left where the data dir lives."""

    def __init__(self, data_dir: Path, needed: int = MIN_FREE_BYTES, what: str = "") -> None:
        free = free_bytes(data_dir)
        have = f"{_size(free)} free" if free is not None else "free space unknown"
        doing = f" while {what}" if what else ""
        super().__init__(
            f"no space left on the disk of the data dir {data_dir}{doing} ({have}); free at "
            f"least {_size(needed)} there and run it again (what was written is kept and "
            "consistent)"
        )
        self.data_dir, self.needed, self.free = data_dir, needed, free


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def free_bytes(path: Path) -> int | None:
    """Bytes available to this user on ``path``'s file system (its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT anywhere in the chain, or SQLite's (Chroma's) "disk is full" text."""
    for e in _chain(exc):
        if isinstance(e, DiskFull):
            return True
        if isinstance(e, OSError) and e.errno in _FULL_ERRNOS:
            return True
        if any(t in str(e).lower() for t in _FULL_TEXT):
            return True
    return False


def is_read_only(exc: BaseException) -> bool:
    """EROFS/EACCES/EPERM anywhere in the chain, or SQLite's "readonly database" text."""
    for e in _chain(exc):
        if isinstance(e, ReadOnlyDataDir):
            return True
        if isinstance(e, OSError) and e.errno in _RO_ERRNOS:
            return True
        if any(t in str(e).lower() for t in _RO_TEXT):
            return True
    return False


def writable(path: Path) -> bool:
    """Whether this process may create files in ``path`` (or in its nearest existing parent,
    if it does not exist yet). ``os.access`` sees read-only mounts even for root."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def looks_full(exc: BaseException, data_dir: Path) -> bool:
    """Whether ``exc`` is (or, with almost no space left, probably is) a full disk."""
    free = free_bytes(data_dir)
    return is_disk_full(exc) or (free is not None and free < LOW_SPACE_BYTES)


def translate(
    exc: BaseException, data_dir: Path, what: str, *, answering: bool = True
) -> DataDirError | None:
    """The one-line error for a failed write in ``data_dir``, or None if it is another fault.
    ``answering=False`` when the failure was on the answering path (see ``ReadOnlyDataDir``)."""
    if isinstance(exc, DataDirError):
        return exc
    if looks_full(exc, data_dir):
        return DiskFull(data_dir, what=what)
    if is_read_only(exc) and not writable(data_dir):
        return ReadOnlyDataDir(data_dir, what, answering=answering)
    return None


def read_only_copy(chroma_dir: Path) -> Path:
    """A private, writable copy of a read-only ``chroma/`` dir, removed at exit.

    Files and dirs are made owner-writable: a copy keeping ``chmod -R a-w`` modes is as
    unopenable for Chroma as the original. Raises ``DiskFull`` (naming the temp dir) when the
    copy does not fit there.
    """
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-readonly-index-"))  # mode 0700
    atexit.register(shutil.rmtree, tmp, True)
    target = tmp / "chroma"
    try:
        shutil.copytree(chroma_dir, target, copy_function=shutil.copyfile)
        for path in [target, *target.rglob("*")]:  # copytree still copies dirs' modes
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else 0o600)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_disk_full(exc):
            size = sum(p.stat().st_size for p in chroma_dir.rglob("*") if p.is_file())
            raise DiskFull(tmp.parent, needed=size + MB,
                           what="copying the read-only index to the temp dir") from None
        raise
    return target
