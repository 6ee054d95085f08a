"""The ingest's speed choice keeps its output: every sentence is embedded once (chunk vectors
are derived). Real embedder, real Chroma; timings live in bench/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.store import decode_sentence_vectors, spans_of_meta

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class CountingEmbedder:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts, batch_size)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def test_each_sentence_is_embedded_once_and_chunk_vectors_are_their_mean(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    seeds = SEEDS
    counting = CountingEmbedder(embedder)
    engine = Engine(IndexConfig(data_dir=tmp_path / "data"), embedder=counting)
    engine.ingest([str(seeds)])
    chunks = engine.store.get([c.chunk_id for c in engine.store.iter_all(False)])
    n_sentences = sum(len(spans_of_meta(c.meta)) for c in chunks)
    assert len(counting.texts) == n_sentences  # no chunk text was embedded on its own
    raw = engine.store._collection.get(ids=[c.chunk_id for c in chunks], include=["embeddings"])
    stored = dict(zip(raw["ids"], raw["embeddings"], strict=True))
    for chunk in chunks:
        mat = decode_sentence_vectors(chunk.meta)
        assert mat is not None
        mean = mat.mean(axis=0)
        cos = float(np.dot(mean, stored[chunk.chunk_id]) / np.linalg.norm(mean))
        assert cos > 0.9999, chunk.chunk_id  # (sidecar rows are int8: not bit-identical)
    assert engine.ingest([str(seeds)]).chunks_embedded == 0
    assert len(counting.texts) == n_sentences  # unchanged articles embed nothing
