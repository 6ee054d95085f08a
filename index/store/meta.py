"""A stored chunk and its flat Chroma metadata: the keys newsqa adds, sentence spans, and the
float16 sentence-vector codec (``svec``; kept in metadata only for a Chroma server and for
indexes written before the sidecar, see ``sidecar.py``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

SCHEMA_KEY = "schema"  # chunk metadata: the ingest schema that wrote it (ingest.chunk)
SVEC_KEY = "svec"  # chunk metadata: its sentence vectors, see ``encode_sentence_vectors``
GROUP_KEY = "group"  # chunk metadata: the article's group of wire copies (index.ingest.copies)
SEQ_KEY = "ingest_seq"  # chunk metadata: microseconds at first ingest (orders a group)


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    meta: dict[str, Any]


def group_of(meta: dict[str, Any]) -> str:
    """A chunk's group of wire copies; an article ingested before groups existed is its own."""
    return str(meta.get(GROUP_KEY) or meta.get("article_id", ""))


def encode_sentence_vectors(vectors: np.ndarray) -> str:
    """A chunk's ``(n_sentences, dim)`` vectors as one metadata string: float16
    little-endian, base64. Half precision keeps cosine > 0.999 at half the bytes."""
    return base64.b64encode(vectors_to_bytes(vectors)).decode("ascii")


def decode_sentence_vectors(meta: dict[str, Any]) -> np.ndarray | None:
    """The chunk's sentence vectors (float32, one row per ``sentences`` span) from its
    metadata, or ``None`` when absent or not matching its spans (an index of the old layout).

    ``meta[SVEC_KEY]`` is the base64 string of a Chroma server's metadata (or of an index
    written before the sidecar), or the matrix the store read from the sidecar for this chunk.
    """
    raw = meta.get(SVEC_KEY)
    n = len(spans_of_meta(meta))
    if n == 0:
        return None
    if isinstance(raw, np.ndarray):
        return raw if raw.ndim == 2 and len(raw) == n and raw.size else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        data = base64.b64decode(raw, validate=True)
    except ValueError:  # binascii.Error
        return None
    return vectors_from_bytes(data, n)


def vectors_to_bytes(vectors: np.ndarray) -> bytes:
    """``(n, dim)`` vectors as float16 little-endian bytes (cosine > 0.999 to float32)."""
    return np.ascontiguousarray(vectors, dtype="<f2").tobytes()


def vectors_from_bytes(data: bytes, n: int) -> np.ndarray | None:
    """``n`` float16 rows from ``vectors_to_bytes`` as float32, or ``None`` if they do not fit."""
    if n <= 0 or not data or len(data) % 2:
        return None
    flat = np.frombuffer(data, dtype="<f2")
    if flat.size % n:
        return None
    return flat.reshape(n, -1).astype(np.float32)


def spans_of_meta(meta: dict[str, Any]) -> list[tuple[int, int]]:
    """Absolute sentence spans from a chunk's flat ``sentences`` metadata (``"s:e;s:e"``)."""
    spans = []
    for part in str(meta.get("sentences") or "").split(";"):
        s, _, e = part.partition(":")
        if s.isdigit() and e.isdigit():
            spans.append((int(s), int(e)))
    return spans


