"""Upgrades that failed: articles an older ingest pipeline wrote that could not be read again.

Every start re-reads the articles written by another ingest schema (``Engine.outdated_inputs``)
once. A URL that is gone or unreachable (each try costs up to ``NEWSQA_FETCH_TIMEOUT``), or a
file that no longer reads, keeps its old chunks, which still answer; it is remembered here, in
``<data_dir>/upgrade-failed.json`` for that schema, so that no later start tries again. An
explicit ``newsqa ingest URL`` does; the next schema tries everything once more.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

FILE_NAME = "upgrade-failed.json"


def failed_upgrades(data_dir: Path, schema: int) -> dict[str, str]:
    """``source -> reason`` of the re-reads that failed for ``schema`` (a missing, damaged or
    older file: none, so they are tried once more)."""
    try:
        raw = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("schema") != schema:
        return {}
    sources = raw.get("sources")
    if not isinstance(sources, dict):
        return {}
    return {k: str(v) for k, v in sources.items() if isinstance(k, str)}


def remember_failed(data_dir: Path, schema: int, failed: dict[str, str]) -> None:
    """Add ``failed`` to the record for ``schema`` (written atomically; a data dir that cannot
    be written tries again at the next start)."""
    sources = failed_upgrades(data_dir, schema) | failed
    tmp = data_dir / f".{FILE_NAME}.{os.getpid()}"
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps({"schema": schema, "sources": sources}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(data_dir / FILE_NAME)
