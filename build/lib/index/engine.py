"""``Engine``: the one object a front end holds. It opens the store and the embedder lazily
(start-up stays fast; the first question pays ~0.3 s) and exposes ingest, sources and answer.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.config import IndexConfig
from index.types import Answer, ArticleInfo, IngestReport, Turn

if TYPE_CHECKING:  # heavy imports (chromadb, trafilatura) wait until they are needed
    from index.answer.retrieve import Filters
    from index.store import ChunkStore


class Engine:
    def __init__(
        self, cfg: IndexConfig, *, embedder: Any = None, llm: Any = None
    ) -> None:
        self.cfg = cfg
        self._embedder = embedder
        self._llm = llm
        self._store: ChunkStore | None = None
        # One lock each: the embedder may load in a thread while the store opens (preload).
        self._lock = threading.Lock()
        self._embedder_lock = threading.Lock()
        self._embedder_loading: threading.Thread | None = None

    def preload(self) -> None:
        """Start loading the embedder and the reader in a background thread, so they load
        while the caller opens the store (a one-shot ``ask``). Only ONNX Runtime's session
        build runs without the GIL, so this pays on a free second core and is within noise
        on a busy one (docs/BENCHMARKS.md, issue 16). Errors are left for first use to raise
        with their own messages. Call ``wait_preloaded`` before the process exits."""
        def load_embedder() -> None:
            with contextlib.suppress(Exception):
                self.embedder  # noqa: B018 - loading is the point
                self.reader  # noqa: B018

        self._embedder_loading = threading.Thread(
            target=load_embedder, name="embedder-load", daemon=True
        )
        self._embedder_loading.start()

    def wait_preloaded(self) -> None:
        """Wait for ``preload``'s embedder (≤ ~0.5 s): an exit while ONNX Runtime builds its
        session in native code aborts the process ("terminate called …") instead of exiting
        with the caller's status."""
        if self._embedder_loading is not None:
            self._embedder_loading.join()

    @property
    def embedder(self) -> Any:
        with self._embedder_lock:
            if self._embedder is None:
                from index.embed import MODEL_NAME, OnnxEmbedder

                if self.cfg.embed_model not in (MODEL_NAME, MODEL_NAME.split("/")[-1]):
                    raise ValueError(
                        f"unknown embedding model {self.cfg.embed_model!r}: the offline build "
                        f"ships {MODEL_NAME} only (set NEWSQA_EMBED_MODEL to it)"
                    )
                self._embedder = OnnxEmbedder(self.cfg.models_dir)
            return self._embedder

    @property
    def reader(self) -> Any:
        """The trained reader (``index.read``): one per process, shared by every engine, loaded
        on first use (≈0.25 s, sha256-checked)."""
        from index.read.reader import shared_reader

        return shared_reader()

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                from index.store import ChunkStore

                with self._data_dir_errors("opening the index"):
                    self._store = ChunkStore(self.cfg)
            return self._store

    @contextmanager
    def _data_dir_errors(self, what: str, *, answering: bool = False) -> Iterator[None]:
        """A full disk or a read-only data dir becomes one ``DataDirError`` line; it says
        answering still works only when ``answering`` (a failed write, not a failed read)."""
        try:
            yield
        except Exception as exc:
            from index.datadir import translate

            clear = translate(exc, self.cfg.data_dir, what, answering=answering)
            if clear is None or clear is exc:
                raise
            raise clear from exc

    def reset_store(self) -> None:
        """Forget the store handle so the next call reconnects (after a server outage)."""
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.retire()

    def close(self) -> None:
        """Close the store (Chroma's files and connections); the next call opens it again.
        A long-running process closes engines it drops, or each keeps ~10 descriptors."""
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def llm(self) -> Any:
        if self._llm is None and self.cfg.llm.provider != "none":
            from index.llm import LLMChooser

            self._llm = LLMChooser(self.cfg.llm)
        return self._llm

    def ingest(
        self,
        inputs: Sequence[str],
        *,
        prune: bool = False,
        progress: Callable[[str, int], None] | None = None,
        max_bytes: int | None = None,
        upgrade: bool = False,
    ) -> IngestReport:
        """Ingest ``inputs``; with ``upgrade``, also re-read every article an older ingest
        pipeline wrote (see ``outdated_inputs``): one that cannot be read now keeps its old
        chunks, gets a ``note`` saying so, and is not tried again (``index.upgrade``)."""
        from index.datadir import (
            MIN_FREE_BYTES,
            NO_SPACE_BYTES,
            DiskFull,
            ReadOnlyDataDir,
            free_bytes,
            writable,
        )
        from index.feeds.urls import ingest_inputs  # a URL may be an RSS/Atom feed
        from index.ingest.read import MAX_BYTES, is_url

        if not writable(self.cfg.data_dir):  # stop before reading or fetching anything
            raise ReadOnlyDataDir(self.cfg.data_dir, "ingest")
        free = free_bytes(self.cfg.data_dir)
        if free is not None and free < NO_SPACE_BYTES:  # nothing could be written
            raise DiskFull(self.cfg.data_dir, MIN_FREE_BYTES, "starting the ingest")
        if self.store.is_copy:  # the disk was full when the index was opened: try again
            self.reset_store()
            if self.store.is_copy:
                raise DiskFull(self.cfg.data_dir, MIN_FREE_BYTES, "opening the index")
        outdated = self.outdated_inputs() if upgrade else []
        inputs = [*inputs, *outdated]
        # URLs share one client that carries the download deadline and address policy.
        client = self.http_client() if any(is_url(i) for i in inputs) else None
        try:
            with self._data_dir_errors("ingesting", answering=True):
                report = ingest_inputs(
                    self.store,
                    self.embedder,
                    inputs,
                    data_dir=self.cfg.data_dir,
                    prune=prune,
                    max_tokens=self.cfg.max_chunk_tokens,
                    max_bytes=max_bytes or MAX_BYTES,
                    progress=progress,
                    client=client,
                    max_entries=self.cfg.feed_max_entries,
                )
        finally:
            if client is not None:
                client.close()
        self._remember_failed_upgrades(outdated, report)
        return report

    def _remember_failed_upgrades(self, outdated: list[str], report: IngestReport) -> None:
        """Outdated articles that could not be read again: kept as they are, said once (a
        ``note``), and not retried at every start (a gone URL costs a fetch deadline)."""
        from index.ingest.chunk import SCHEMA_VERSION
        from index.upgrade import remember_failed

        wanted = set(outdated)
        failed = {where: reason for where, reason in report.skipped if where in wanted}
        if not failed:
            return
        remember_failed(self.cfg.data_dir, SCHEMA_VERSION, failed)
        report.notes.extend(
            (where, "kept as an older newsqa read it; not re-read at start again "
                    "(ingest it to try again)")
            for where in failed
        )

    def http_client(self) -> Any:
        """A fetch client with the configured download deadline and private-address policy
        (feeds and URL ingests use it; the caller closes it)."""
        from index.ingest.fetch import new_client

        return new_client(
            min(15.0, self.cfg.fetch_timeout_s),
            deadline_s=self.cfg.fetch_timeout_s,
            allow_private=self.cfg.allow_private_urls,
        )

    def sources(self) -> list[ArticleInfo]:
        with self._data_dir_errors("listing the articles"):
            return self.store.articles()

    def is_empty(self) -> bool:
        with self._data_dir_errors("opening the index"):
            return self.store.count() == 0

    def outdated_inputs(self) -> list[str]:
        """Files and URLs of articles indexed by an older ingest pipeline that can be read
        again (files that still exist, and URLs whose re-read has not failed before);
        re-ingesting them upgrades the index."""
        from index.ingest.chunk import SCHEMA_VERSION
        from index.ingest.read import is_url
        from index.upgrade import failed_upgrades

        failed = failed_upgrades(self.cfg.data_dir, SCHEMA_VERSION)
        return [
            where for where in self.store.outdated_sources(SCHEMA_VERSION)
            if where not in failed and (is_url(where) or Path(where).is_file())
        ]

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        from index.respond import Answerer

        answerer = Answerer(self.store, self.embedder, self.reader, self.llm)
        with self._data_dir_errors("answering"):
            return answerer.answer(question, history, k=k or self.cfg.top_k, filters=filters)


MAX_TURNS = 8
"""Turns a conversation keeps (a follow-up reads the last one; the rest are for /reset-free
chats that wander back). One number for the REPL, Telegram, the eval and the chat engine."""


def remember(history: Sequence[Turn], answer: Answer) -> list[Turn]:
    """The conversation after ``answer``. A refusal is kept too: its question still names
    what the chat is talking about ("Who mediated the talks?" → "What did Trump say about
    it?"), and with no citations it boosts no article."""
    return [*history, turn_of(answer)][-MAX_TURNS:]


def turn_of(answer: Answer) -> Turn:
    """What a conversation keeps of an answer for the next follow-up."""
    return Turn(
        question=answer.question,
        resolved=answer.resolved_question or answer.question,
        answer=answer.answer,
        article_ids=tuple(dict.fromkeys(c.article_id for c in answer.citations)),
        titles=tuple(dict.fromkeys(c.title for c in answer.citations if c.title))[:3],
    )
