"""Chunk storage, one module a concern: ``chunk_store`` (``ChunkStore``, what the rest uses),
``collection`` (the Chroma collection, the source of truth; ``changes``: noticing other
processes' writes to it), ``sidecar`` (sentence vectors
beside it), ``bm25`` (the keyword index derived from it),
``client`` (opening Chroma, embedded or a server), ``meta`` (metadata keys and codecs),
``paths`` (data-dir helpers and the ingest lock's name)."""

from index.store.chunk_store import ChunkStore
from index.store.client import StoreUnavailable
from index.store.meta import (
    GROUP_KEY,
    SCHEMA_KEY,
    SEQ_KEY,
    SVEC_KEY,
    StoredChunk,
    decode_sentence_vectors,
    encode_sentence_vectors,
    group_of,
    spans_of_meta,
)
from index.store.paths import LOCK_NAME, ingest_running, make_private_dir

__all__ = [
    "GROUP_KEY",
    "LOCK_NAME",
    "SCHEMA_KEY",
    "SEQ_KEY",
    "SVEC_KEY",
    "ChunkStore",
    "StoreUnavailable",
    "StoredChunk",
    "decode_sentence_vectors",
    "encode_sentence_vectors",
    "group_of",
    "ingest_running",
    "make_private_dir",
    "spans_of_meta",
]
