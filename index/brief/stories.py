"""Stories, not articles: reports of one event grouped, so five articles about one storm are
one entry of a briefing (its newest report leading, "also: outlet, outlet").

Two reports tell one story when their ledes are close in meaning: the cosine of the ledes'
sentence vectors (stored at ingest, so grouping embeds nothing) is at least
``calibration.SAME_STORY``. Groups are single-link in the order given (newest first), so a
group's first member is its newest report. This is story grouping for briefings only;
near-identical wire copies are a separate, ingest-time concern. ``group_stories`` is the one
hook either can call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.answer.calibration import SAME_STORY
from index.answer.evidence import Sentence
from index.brief.briefing import lede_in
from index.store import ChunkStore


def group_stories(
    vectors: Sequence[np.ndarray | None], threshold: float = SAME_STORY
) -> list[list[int]]:
    """Indices of ``vectors`` grouped into stories, each group and the groups in input order.

    A report joins the first group holding a report at least ``threshold`` alike (cosine); a
    report without a vector is a story of its own."""
    groups: list[list[int]] = []
    units = _units(vectors)
    for i, u in enumerate(units):
        home = None
        if u is not None:
            home = next((g for g in groups if any(
                (w := units[j]) is not None and float(u @ w) >= threshold for j in g)), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return groups


def _units(vectors: Sequence[np.ndarray | None]) -> list[np.ndarray | None]:
    """Each vector at unit length (None for a missing or zero one)."""
    out: list[np.ndarray | None] = []
    for v in vectors:
        a = None if v is None else np.asarray(v, dtype=np.float64).ravel()
        norm = 0.0 if a is None else float(np.linalg.norm(a))
        out.append(a / norm if a is not None and norm else None)
    return out


def lede_vectors(store: ChunkStore, ledes: Sequence[Sentence | None]) -> list[np.ndarray | None]:
    """Each lede's sentence vector as stored at ingest (one read for all; None without)."""
    mats = store.sentence_vectors([s.chunk.chunk_id for s in ledes if s is not None])
    out: list[np.ndarray | None] = []
    for s in ledes:
        mat = mats.get(s.chunk.chunk_id) if s is not None else None
        out.append(mat[s.index] if s is not None and mat is not None and s.index < len(mat)
                   else None)
    return out


class StoryOf:
    """Are two articles reports of one story? Linked ledes (as ``group_stories`` links them)
    among the articles an answer read (``articles``), so a long story whose reports
    open on different angles ("death toll rises to 130", "suicide bomber identified") is
    linked through the reports between them. Ledes are read from the store on the first
    question asked, once; an article without a lede vector is a story of its own."""

    def __init__(self, store: ChunkStore, articles: Sequence[str]) -> None:
        self._store = store
        self._articles = list(dict.fromkeys(articles))
        self._group: dict[str, int] | None = None

    def vectors(self) -> list[np.ndarray | None]:
        """The articles' lede vectors, in order (two store reads for all of them)."""
        chunks = self._store.articles_chunks(self._articles)
        return lede_vectors(self._store, [lede_in(chunks.get(a, [])) for a in self._articles])

    def same(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if self._group is None:
            self._group = _linked(self._articles, self.vectors())
        return a in self._group and self._group.get(a) == self._group.get(b)


def _linked(ids: Sequence[str], vectors: Sequence[np.ndarray | None],
            threshold: float = SAME_STORY) -> dict[str, int]:
    """Each id's story: connected components of "ledes at least ``threshold`` alike", in any
    order (``group_stories`` keeps the briefing's order instead, and never merges groups)."""
    root = list(range(len(ids)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    units = _units(vectors)
    for i, u in enumerate(units):
        for j in range(i):
            w = units[j]
            if u is not None and w is not None and float(u @ w) >= threshold:
                root[find(i)] = find(j)
    return {x: find(i) for i, x in enumerate(ids)}
