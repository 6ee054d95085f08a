"""The BM25 index derived from the collection: bm25s over chunk text, title, outlet and heading.

It lives in ``<data_dir>/bm25/<fingerprint>/``, named after a hash of the chunk-id set it was
built from (ids hash the article's version, so any edit moves the set); a directory is written
whole through a temp dir and a rename, so a reader never sees half an index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.store.meta import SEQ_KEY, StoredChunk, group_of
from index.store.paths import make_private_dir, mtime
from index.text import drop_zero_width
from index.types import ArticleInfo

_TMP_MAX_AGE_S = 600.0  # a BM25 temp dir older than this was left by a killed process


def fingerprint(chunk_ids: Iterable[str]) -> str:
    """Chunk count plus a hash of the id set: names the BM25 index built from it.

    Chunk ids hash the article's version too (``chunking.chunk_id_for``), so the id set
    moves with any change to text or metadata.
    """
    ordered = sorted(chunk_ids)
    digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:16]
    return f"{len(ordered)}:{digest}"


def dir_name(fingerprint: str) -> str:
    return fingerprint.replace(":", "-")



class Bm25Index:
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
        return _bm25s().tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)

    @classmethod
    def build(cls, chunks: list[StoredChunk], fingerprint: str) -> Bm25Index:
        bm25s = _bm25s()
        chunks = sorted(chunks, key=lambda c: c.chunk_id)
        articles = _aggregate_articles(chunks)
        retriever = None
        if chunks:
            corpus = [  # the subheading a chunk sits under is search context for it
                drop_zero_width(f"{c.meta.get('title', '')}\n{c.meta.get('source', '')}\n"
                                f"{c.meta.get('heading', '')}\n{c.text}")  # "3\u200b90" is 390
                for c in chunks
            ]
            retriever = bm25s.BM25()
            try:
                retriever.index(cls.tokenize(corpus), show_progress=False)
            except ValueError:  # bm25s fails on an empty vocabulary (only stopwords)
                retriever = None
        return cls(retriever, [c.chunk_id for c in chunks], articles, fingerprint)

    def save(self, root: Path, *, replace: bool = False) -> Path:
        """Write ``root/<fingerprint>/`` via a temp dir and a rename, then drop older indexes.

        Directories are named by content, so two processes saving at once write the same
        thing and a reader never sees half an index. ``replace`` moves aside a damaged one.
        """
        make_private_dir(root)
        final = root / dir_name(self.fingerprint)
        tag = f"{os.getpid()}-{threading.get_ident()}"
        if replace and final.exists():
            bad = root / f".tmp-bad-{tag}"
            with contextlib.suppress(OSError):
                final.rename(bad)
            shutil.rmtree(bad, ignore_errors=True)
        if not final.exists():
            tmp = root / f".tmp-{tag}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            if self.retriever is not None:
                self.retriever.save(str(tmp / "bm25"))
            manifest = {
                "fingerprint": self.fingerprint,
                "chunk_ids": self.chunk_ids,
                "articles": [a.to_json() for a in self.articles],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            try:
                tmp.rename(final)
            except OSError:  # another process saved the same index first
                shutil.rmtree(tmp, ignore_errors=True)
        _clean(root, keep=final.name)
        return final

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> Bm25Index | None:
        """The index saved in ``directory`` if it is complete and for ``fingerprint``."""
        bm25s = _bm25s()

        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("fingerprint") != fingerprint:
                return None
            retriever = None
            if manifest["chunk_ids"]:
                retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False)
            articles = [ArticleInfo(**a) for a in manifest["articles"]]
        except Exception:  # missing, half-deleted by a concurrent clean-up, or corrupt
            return None
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
        tokens = _bm25s().tokenize(
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


def _clean(root: Path, *, keep: str) -> None:
    """Remove superseded indexes and temp dirs left by killed processes."""
    now = time.time()
    for entry in root.iterdir():
        if entry.name == keep:
            continue
        if entry.name.startswith(".tmp-") and now - mtime(entry) < _TMP_MAX_AGE_S:
            continue  # maybe another process is writing it right now
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


_STEMMER: Any = None


def _bm25s() -> Any:
    """bm25s, with the DEBUG level it sets on its own logger undone (follow the app's)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


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
            group=group_of(m),
            seq=int(m.get(SEQ_KEY) or 0),
        )
        for aid, m in by_id.items()
    ]
    return sorted(out, key=lambda a: (a.published or "", a.title, a.article_id))
