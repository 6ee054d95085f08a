"""Data-dir helpers the store and the ingest share: a private dir, the ingest lock's name and
a probe for it, the generation token and mtimes as change signals."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from pathlib import Path

from index.config import IndexConfig

LOCK_NAME = "ingest.lock"
GENERATION_NAME = "generation"
"""A random token that every embedded write replaces (``bump_generation``). Readers compare
its content, not a timestamp: a write within the file system's clock tick is not missed."""


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by the owner only: the data dir
    holds chat history. Also applied to an existing dir (another component may have made it
    first with the umask's mode); one we do not own is left as it is."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours, or a read-only mount: leave it as it is
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def ingest_running(data_dir: Path) -> bool:
    """True while some process (or thread) holds the ingest lock of ``data_dir``.

    Probes with a shared lock held for microseconds; ``ingest_lock`` retries briefly so the
    probe never makes a starting ingest report "busy".
    """
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EACCES)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def read_generation(data_dir: Path) -> str:
    """The data dir's current generation token ("" before the first write, or unreadable)."""
    try:
        return (data_dir / GENERATION_NAME).read_text(encoding="ascii")
    except (OSError, ValueError):
        return ""


def bump_generation(data_dir: Path) -> str:
    """Replace the generation token (atomically: readers see the old one or the new one) and
    return it. A data dir we cannot write has no writes to announce: its token is returned."""
    token = os.urandom(8).hex()
    tmp = data_dir / f".{GENERATION_NAME}.{os.getpid()}-{threading.get_ident()}"
    try:
        tmp.write_text(token, encoding="ascii")
        tmp.replace(data_dir / GENERATION_NAME)
    except OSError:
        return read_generation(data_dir)
    return token


def mtime(path: Path) -> float:
    """``path``'s modification time, or -1.0 when it cannot be read."""
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def db_stamp(cfg: IndexConfig) -> tuple[object, ...]:
    """The generation token, then (mtime ns, size) of Chroma's database file, its journals
    and the BM25 folder (None: absent). Any write, ours or another process's, changes the
    token (and one of the others, unless within one clock tick)."""
    base = cfg.chroma_dir / "chroma.sqlite3"
    stamps: list[object] = [read_generation(cfg.data_dir)]
    for path in (base, base.with_name(base.name + "-wal"),
                 base.with_name(base.name + "-journal"), cfg.bm25_dir):
        try:
            st = path.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((st.st_mtime_ns, st.st_size))
    return tuple(stamps)
