"""Chunk storage: Chroma for vectors (persistent or client/server) and a BM25 index beside it.

Chroma is the source of truth. The BM25 index is derived from the collection and stamped with
a fingerprint of the chunk ids it was built from; a reader that finds the stamp stale (a crash
between the two writes, another process ingesting, or a shared Chroma server) rebuilds it from
the collection instead of answering from a mismatched index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.types import ArticleInfo

_GET_BATCH = 2000


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached: the message says which host and what to check."""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    meta: dict[str, Any]


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only: it holds chat history."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _open_client(cfg: IndexConfig) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if cfg.server_mode:
        try:
            client = chromadb.HttpClient(
                host=cfg.chroma_host or "localhost",
                port=cfg.chroma_port,
                ssl=cfg.chroma_ssl,
                headers=cfg.chroma_headers or None,
                settings=settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailable(_server_hint(cfg, exc)) from exc
        return client
    make_private_dir(cfg.data_dir)
    return chromadb.PersistentClient(path=str(cfg.chroma_dir), settings=settings)


def _server_hint(cfg: IndexConfig, exc: BaseException) -> str:
    reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    return (
        f"Chroma server at {cfg.chroma_host}:{cfg.chroma_port} is unavailable ({reason}). "
        "Check that it is running (chroma run --path DIR --port N) and that "
        "NEWSQA_CHROMA_HOST/NEWSQA_CHROMA_PORT point at it."
    )


class ChunkStore:
    """The collection of chunks plus the BM25 index derived from it."""

    def __init__(self, cfg: IndexConfig) -> None:
        self.cfg = cfg
        self._client = _open_client(cfg)
        self._collection = self._guard(
            lambda: self._client.get_or_create_collection(
                name=cfg.collection,
                embedding_function=None,  # never let Chroma download its own model
                metadata={"hnsw:space": "cosine"},
            )
        )
        self._sentences = self._guard(
            lambda: self._client.get_or_create_collection(
                name=cfg.collection + "_sentences",
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
            )
        )
        self._bm25_lock = threading.Lock()
        self._bm25: _Bm25 | None = None
        self._bm25_quick: tuple[int, float] = (-1, -1.0)

    def _guard(self, fn: Any) -> Any:
        """Turn connection failures in server mode into one clear ``StoreUnavailable``."""
        try:
            return fn()
        except StoreUnavailable:
            raise
        except Exception as exc:
            if self.cfg.server_mode and _is_connection_error(exc):
                raise StoreUnavailable(_server_hint(self.cfg, exc)) from exc
            raise

    # -- writes -----------------------------------------------------------------------------

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._collection.upsert(
                    ids=list(ids[sl]),
                    embeddings=embeddings[sl],
                    documents=list(documents[sl]),
                    metadatas=list(metadatas[sl]),
                )
            )

    def upsert_sentences(
        self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        for i in range(0, len(ids), _GET_BATCH):
            sl = slice(i, i + _GET_BATCH)
            self._guard(
                lambda sl=sl: self._sentences.upsert(
                    ids=list(ids[sl]), embeddings=embeddings[sl], metadatas=list(metadatas[sl])
                )
            )

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """``chunk_id -> (n_sentences, dim)`` vectors, in sentence order."""
        if not chunk_ids:
            return {}
        res = self._guard(
            lambda: self._sentences.get(
                where={"chunk_id": {"$in": list(chunk_ids)}},
                include=["embeddings", "metadatas"],
            )
        )
        rows: dict[str, list[tuple[int, Any]]] = {}
        for meta, emb in zip(res["metadatas"], res["embeddings"], strict=True):
            rows.setdefault(str(meta["chunk_id"]), []).append((int(meta["i"]), emb))
        return {
            cid: np.asarray([e for _, e in sorted(r, key=lambda t: t[0])], dtype=np.float32)
            for cid, r in rows.items()
        }

    def delete_orphan_sentences(self) -> None:
        """Drop sentence vectors whose chunk is gone (after updates, prunes or a crash)."""
        live = set(self._all_ids())
        orphans: list[str] = []
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: self._sentences.get(
                    include=["metadatas"], limit=_GET_BATCH * 5, offset=offset
                )
            )
            for sid, meta in zip(res["ids"], res["metadatas"], strict=True):
                if str(meta.get("chunk_id")) not in live:
                    orphans.append(sid)
            if len(res["ids"]) < _GET_BATCH * 5:
                break
            offset += len(res["ids"])
        for i in range(0, len(orphans), _GET_BATCH):
            batch = orphans[i : i + _GET_BATCH]
            self._guard(lambda batch=batch: self._sentences.delete(ids=batch))

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        self._guard(lambda: self._collection.update(ids=list(ids), metadatas=list(metadatas)))

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _GET_BATCH):
            batch = ids[i : i + _GET_BATCH]
            self._guard(lambda batch=batch: self._collection.delete(ids=batch))

    # -- reads ------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._guard(self._collection.count))

    def article_chunks(self, article_id: str, *, embeddings: bool = False) -> dict[str, Any]:
        include = ["metadatas", "documents"] + (["embeddings"] if embeddings else [])
        return dict(
            self._guard(
                lambda: self._collection.get(where={"article_id": article_id}, include=include)
            )
        )

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        res = self._guard(
            lambda: self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        )
        by_id = {
            cid: StoredChunk(cid, doc or "", dict(meta or {}))
            for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        }
        return [by_id[c] for c in ids if c in by_id]

    def iter_all(self, include_documents: bool = True) -> Iterable[StoredChunk]:
        include = ["metadatas"] + (["documents"] if include_documents else [])
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: self._collection.get(
                    include=include, limit=_GET_BATCH, offset=offset
                )
            )
            ids = res["ids"]
            if not ids:
                return
            docs = res.get("documents") or [""] * len(ids)
            for cid, doc, meta in zip(ids, docs, res["metadatas"], strict=True):
                yield StoredChunk(cid, doc or "", dict(meta or {}))
            offset += len(ids)
            if len(ids) < _GET_BATCH:
                return

    def vector_search(
        self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Top-``k`` chunks by cosine similarity (1 - Chroma's cosine distance)."""
        n = self.count()
        if n == 0:
            return []
        res = self._guard(
            lambda: self._collection.query(
                query_embeddings=[embedding],
                n_results=min(k, n),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        )
        out = []
        for cid, doc, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0],
            strict=True,
        ):
            out.append((StoredChunk(cid, doc or "", dict(meta or {})), 1.0 - float(dist)))
        return out

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, from the BM25 manifest when fresh, else from the collection."""
        return self.bm25().articles

    # -- BM25 ---------------------------------------------------------------------------------

    def bm25(self) -> _Bm25:
        """The BM25 index, rebuilt from the collection when its fingerprint is stale.

        The per-query check is cheap (chunk count + the manifest's mtime); only when either
        moved is the full id fingerprint computed.
        """
        with self._bm25_lock:
            quick = (self.count(), _mtime(self.cfg.bm25_dir / "manifest.json"))
            if self._bm25 is not None and self._bm25_quick == quick:
                return self._bm25
            fp = self._fingerprint()
            loaded = self._bm25 if self._bm25 and self._bm25.fingerprint == fp else None
            loaded = loaded or _Bm25.load(self.cfg.bm25_dir)
            if loaded is None or loaded.fingerprint != fp:
                loaded = _Bm25.build(list(self.iter_all()), fp)
                loaded.save(self.cfg.bm25_dir)
            self._bm25 = loaded
            self._bm25_quick = (quick[0], _mtime(self.cfg.bm25_dir / "manifest.json"))
            return loaded

    def rebuild_bm25(self) -> None:
        """Rebuild and persist the BM25 side after an ingest."""
        with self._bm25_lock:
            self._bm25 = _Bm25.build(list(self.iter_all()), self._fingerprint())
            self._bm25.save(self.cfg.bm25_dir)
            self._bm25_quick = (self.count(), _mtime(self.cfg.bm25_dir / "manifest.json"))

    def _fingerprint(self) -> str:
        """Cheap staleness check: chunk count plus a hash of the id set.

        Listing ids is a metadata-only read; at 100k chunks it costs tens of milliseconds,
        paid once per change, not per query (``bm25()`` compares against a cached count first).
        """
        ids = sorted(self._all_ids())
        h = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
        return f"{len(ids)}:{h}"

    def _all_ids(self) -> list[str]:
        out: list[str] = []
        offset = 0
        while True:
            res = self._guard(
                lambda offset=offset: self._collection.get(
                    include=[], limit=_GET_BATCH * 5, offset=offset
                )
            )
            out.extend(res["ids"])
            if len(res["ids"]) < _GET_BATCH * 5:
                return out
            offset += len(res["ids"])


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        name = type(seen).__name__.lower()
        if "connect" in name or "timeout" in name:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Bm25:
    """bm25s over chunk text plus title and outlet (questions name both)."""

    def __init__(
        self,
        retriever: Any,
        chunk_ids: list[str],
        articles: list[ArticleInfo],
        fingerprint: str,
    ) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.articles = articles
        self.fingerprint = fingerprint

    @staticmethod
    def tokenize(texts: list[str]) -> Any:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)

    @classmethod
    def build(cls, chunks: list[StoredChunk], fingerprint: str) -> _Bm25:
        import bm25s

        chunks = sorted(chunks, key=lambda c: c.chunk_id)
        articles = _aggregate_articles(chunks)
        retriever = None
        if chunks:
            corpus = [
                f"{c.meta.get('title', '')}\n{c.meta.get('source', '')}\n{c.text}" for c in chunks
            ]
            retriever = bm25s.BM25()
            retriever.index(cls.tokenize(corpus), show_progress=False)
        return cls(retriever, [c.chunk_id for c in chunks], articles, fingerprint)

    def save(self, directory: Path) -> None:
        """Write to a temp dir then swap it in, so a reader never sees half an index."""
        make_private_dir(directory.parent)
        tmp = directory.with_name(directory.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(tmp / "bm25"))
        manifest = {
            "fingerprint": self.fingerprint,
            "chunk_ids": self.chunk_ids,
            "articles": [a.to_json() for a in self.articles],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        old = directory.with_name(directory.name + f".old{os.getpid()}")
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> _Bm25 | None:
        import bm25s

        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            retriever = None
            if manifest["chunk_ids"]:
                retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False)
        except (OSError, ValueError, KeyError):
            return None
        articles = [ArticleInfo(**a) for a in manifest["articles"]]
        return cls(retriever, manifest["chunk_ids"], articles, manifest["fingerprint"])

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """BM25 idf of stemmed terms over the chunks; unseen terms get the maximum."""
        n = len(self.chunk_ids)
        out: dict[str, float] = {}
        vocab = getattr(self.retriever, "vocab_dict", None) or {}
        indptr = self.retriever.scores["indptr"] if self.retriever is not None else None
        for term in terms:
            tid = vocab.get(term)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and indptr is not None else 0
            out[term] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return out

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-``k`` ``(chunk_id, score)`` with a positive score."""
        if self.retriever is None or not self.chunk_ids:
            return []
        import bm25s

        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
        )
        if not tokens or not tokens[0]:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [
            (self.chunk_ids[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _aggregate_articles(chunks: list[StoredChunk]) -> list[ArticleInfo]:
    by_id: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for c in chunks:
        aid = str(c.meta.get("article_id", ""))
        counts[aid] = counts.get(aid, 0) + 1
        by_id.setdefault(aid, c.meta)
    out = [
        ArticleInfo(
            article_id=aid,
            title=str(m.get("title", "")),
            source=m.get("source") or None,
            published=m.get("published") or None,
            url=m.get("url") or None,
            path=m.get("path") or None,
            chunks=counts[aid],
        )
        for aid, m in by_id.items()
    ]
    return sorted(out, key=lambda a: (a.published or "", a.title, a.article_id))
