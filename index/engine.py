"""``Engine``: the one object a front end holds. It opens the store and the embedder lazily
(start-up stays fast; the first question pays ~0.3 s) and exposes ingest, sources and answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from index.config import IndexConfig
from index.types import Answer, ArticleInfo, IngestReport, Turn

if TYPE_CHECKING:  # heavy imports (chromadb, trafilatura) wait until they are needed
    from index.retrieve import Filters
    from index.store import ChunkStore


class Engine:
    def __init__(
        self, cfg: IndexConfig, *, embedder: Any = None, llm: Any = None
    ) -> None:
        self.cfg = cfg
        self._embedder = embedder
        self._llm = llm
        self._store: ChunkStore | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                from index.embedder import MODEL_NAME, OnnxEmbedder

                if self.cfg.embed_model not in (MODEL_NAME, MODEL_NAME.split("/")[-1]):
                    raise ValueError(
                        f"unknown embedding model {self.cfg.embed_model!r}: the offline build "
                        f"ships {MODEL_NAME} only (set NEWSQA_EMBED_MODEL to it)"
                    )
                self._embedder = OnnxEmbedder(self.cfg.models_dir)
            return self._embedder

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                from index.store import ChunkStore

                self._store = ChunkStore(self.cfg)
            return self._store

    def reset_store(self) -> None:
        """Forget the store handle so the next call reconnects (after a server outage)."""
        with self._lock:
            self._store = None

    @property
    def llm(self) -> Any:
        if self._llm is None and self.cfg.llm.provider != "none":
            from index.llm import LLMWriter

            self._llm = LLMWriter(self.cfg.llm)
        return self._llm

    def ingest(
        self,
        inputs: Sequence[str],
        *,
        prune: bool = False,
        progress: Callable[[str, int], None] | None = None,
        max_bytes: int | None = None,
    ) -> IngestReport:
        from index.feeds.urls import ingest_inputs  # a URL may be an RSS/Atom feed
        from index.ingest.read import MAX_BYTES

        return ingest_inputs(
            self.store,
            self.embedder,
            inputs,
            data_dir=self.cfg.data_dir,
            prune=prune,
            max_tokens=self.cfg.max_chunk_tokens,
            max_bytes=max_bytes or MAX_BYTES,
            progress=progress,
        )

    def sources(self) -> list[ArticleInfo]:
        return self.store.articles()

    def is_empty(self) -> bool:
        return self.store.count() == 0

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        from index.answer import Answerer

        answerer = Answerer(self.store, self.embedder, self.llm)
        return answerer.answer(question, history, k=k or self.cfg.top_k, filters=filters)


def turn_of(answer: Answer) -> Turn:
    """What a conversation keeps of an answer for the next follow-up."""
    return Turn(
        question=answer.question,
        resolved=answer.resolved_question or answer.question,
        answer=answer.answer,
        article_ids=tuple(dict.fromkeys(c.article_id for c in answer.citations)),
    )
