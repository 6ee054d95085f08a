"""Hybrid retrieval: Chroma vectors + BM25, fused by reciprocal rank, diversified by article.

bm25s and Chroma are called directly rather than through LlamaIndex's ``QueryFusionRetriever``:
the fusion itself is a dozen lines, and skipping the node/callback machinery keeps a warm query
in single-digit milliseconds (see ``bench/`` and docs/BENCHMARKS.md for the side-by-side).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from index.store import ChunkStore, StoredChunk

RRF_K = 60


@dataclass(frozen=True)
class Filters:
    """Optional narrowing: outlet (case-insensitive substring) and a published-date range."""

    source: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive

    def active(self) -> bool:
        return bool(self.source or self.since or self.until)

    def accepts(self, meta: dict[str, object]) -> bool:
        if self.source and self.source.casefold() not in str(meta.get("source", "")).casefold():
            return False
        published = str(meta.get("published") or "")[:10]
        if self.since and (not published or published < self.since[:10]):
            return False
        return not (self.until and (not published or published > self.until[:10]))


@dataclass
class Candidate:
    chunk: StoredChunk
    fused: float
    vector: float = 0.0
    bm25: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def article_id(self) -> str:
        return str(self.chunk.meta.get("article_id", ""))


def retrieve(
    store: ChunkStore,
    query_vec: np.ndarray,
    query_text: str,
    k: int,
    *,
    filters: Filters | None = None,
    boost_articles: tuple[str, ...] = (),
) -> list[Candidate]:
    """The ``k`` best chunks for a question, at most about half of them from one article."""
    filters = filters or Filters()
    pool = max(4 * k, 24) * (4 if filters.active() else 1)
    vec_hits = [
        (c, s) for c, s in store.vector_search(query_vec, pool) if filters.accepts(c.meta)
    ]
    bm25_hits = store.bm25().search(query_text, pool)

    cands: dict[str, Candidate] = {}
    for rank, (chunk, sim) in enumerate(vec_hits):
        cand = cands.setdefault(chunk.chunk_id, Candidate(chunk, 0.0))
        cand.vector = sim
        cand.ranks["vector"] = rank
        cand.fused += 1.0 / (RRF_K + rank + 1)
    missing = [cid for cid, _ in bm25_hits if cid not in cands]
    fetched = {c.chunk_id: c for c in store.get(missing)}
    rank = 0
    for cid, score in bm25_hits:
        hit = cands[cid].chunk if cid in cands else fetched.get(cid)
        if hit is None or not filters.accepts(hit.meta):
            continue
        cand = cands.setdefault(cid, Candidate(hit, 0.0))
        cand.bm25 = score
        cand.ranks["bm25"] = rank
        cand.fused += 1.0 / (RRF_K + rank + 1)
        rank += 1
    for cand in cands.values():
        if cand.article_id in boost_articles:  # follow-ups stay near the previous answer
            cand.fused += 1.0 / (RRF_K + 1)
    ranked = sorted(cands.values(), key=lambda c: -c.fused)
    return diversify(ranked, k)


def diversify(ranked: list[Candidate], k: int) -> list[Candidate]:
    """Keep fused order but leave about a quarter of the slots to other articles.

    A cap of half the slots starved the composer on two-article corpora (the answer sentence
    of the main article fell out); ``k - k // 4`` still guarantees other voices a place.
    """
    cap = max(2, k - max(1, k // 4))
    chosen: list[Candidate] = []
    overflow: list[Candidate] = []
    per_article: dict[str, int] = {}
    for cand in ranked:
        if len(chosen) >= k:
            break
        n = per_article.get(cand.article_id, 0)
        if n >= cap:
            overflow.append(cand)
            continue
        per_article[cand.article_id] = n + 1
        chosen.append(cand)
    chosen.extend(overflow[: k - len(chosen)])
    return chosen


def recency_key(published: str | None) -> float:
    """Sortable timestamp for "latest"/"most recent" questions; undated sorts oldest."""
    if not published:
        return 0.0
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
