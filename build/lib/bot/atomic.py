"""Crash-safe file writes for the bot's own small files (the Telegram state, followed topics,
pending pushes): after a crash or power loss a file is the old version or the new one, never
half of one."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomically(path: Path, doc: Any) -> None:
    """Temp file (0600) + flush + fsync + rename + directory fsync: after a crash or power
    loss the file is the old state or the new one, never half of one."""
    write_bytes_atomically(path, json_bytes(doc))


def json_bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """``data`` to ``path`` as :func:`write_json_atomically` describes."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
