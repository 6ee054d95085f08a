"""Breadth: a question of several parts gets a witness for each part.

"Which company, covered by TechCrunch for building factories, also sells USB-C cables as
noted by Polygon, …?" names outlets and clues that different articles answer. Plain ranking
quotes the few sentences closest to the whole question, which often come from one or two
articles; here each named outlet, and each clause of a multi-part question, gets its own best
sentence (meaning of that part, then shared words) unless an article already cited covers it.
No article is cited twice for the same part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.answer.retrieve import Candidate, Filters, retrieve
from index.store import ChunkStore
from index.understand.outlets import best_for_clause, clause_naming, named_outlets
from index.understand.question import stems

MIN_PART_WORDS = 4  # content words a clause needs to be a part of its own
MAX_PARTS = 6
MIN_PART_FIT = 0.45  # a part's best sentence below this answers nothing of it
MAX_EXTRA = 3  # quotes added for parts, beyond the outlets' own
PART_MARGIN = 0.05  # an uncited article this close to the best answer of a part is cited too


@dataclass(frozen=True)
class Parts:
    """``outlets``: each named outlet's clause and its vector; ``clauses``: the clauses of a
    multi-part question (text, vector), each of which should be answered by some quote."""

    outlets: dict[str, tuple[str, np.ndarray]]
    clauses: list[tuple[str, np.ndarray]]


def split_parts(text: str) -> list[str]:
    """The clauses of a multi-part question with at least ``MIN_PART_WORDS`` content words."""
    raw = re.split(r"[,;]|\s+and\s+(?=(?:is|was|has|had|also|the|its|their)\b)|"
                   r"\s+(?:who|which|that|while|but)\s+", text)
    parts = [p.strip() for p in raw if len(stems(p)) >= MIN_PART_WORDS]
    return parts[:MAX_PARTS]


def question_parts(
    embedder: Any, text: str, outlets: list[str], *, multipart: bool,
    vector: np.ndarray | None = None,
) -> tuple[np.ndarray, Parts]:
    """The question's vector (``vector`` when the caller has it), each named outlet's clause
    (when several are named) and, for a ``multipart`` question, its clauses — all embedded in
    one call (one ONNX run, not two)."""
    by_outlet = {o: clause_naming(text, o, outlets) for o in outlets} if len(outlets) > 1 else {}
    clauses = split_parts(text) if multipart else []
    texts = [*by_outlet.values(), *clauses]
    if vector is None:
        texts.insert(0, text)
    vecs = [np.asarray(v, dtype=np.float32) for v in embedder.embed(texts)] if texts else []
    if vector is not None:
        vecs.insert(0, np.asarray(vector, dtype=np.float32))
    n = 1 + len(by_outlet)
    return vecs[0], Parts(
        {o: (t, v) for (o, t), v in zip(by_outlet.items(), vecs[1:n], strict=True)},
        list(zip(clauses, vecs[n:], strict=True)),
    )


def cover_named(
    store: ChunkStore,
    q: Any,
    qvec: np.ndarray,
    cands: list[Candidate],
    outlets: list[str],
    filters: Filters | None,
    parts: Parts,
) -> list[Candidate]:
    """A question naming outlets or publication days needs evidence from each of them:
    fetch the best chunks of any that plain retrieval missed (for one of several outlets,
    the best for its own clause of the question)."""
    have = {str(c.chunk.meta.get("source", "")) for c in cands}
    have_days = {str(c.chunk.meta.get("published", ""))[:10] for c in cands}
    seen = {c.chunk.chunk_id for c in cands}
    since, until = (filters.since, filters.until) if filters else (None, None)
    searches: list[tuple[np.ndarray, str, Filters]] = []
    for outlet in outlets:  # one plain retrieval missed: searched with its own clause
        if outlet not in have:
            text, vec = parts.outlets.get(outlet, (q.resolved, qvec))
            searches.append((vec, text, Filters(source=outlet, since=since, until=until)))
    for day in q.dates:
        if day not in have_days:
            source = filters.source if filters else None
            searches.append((qvec, q.resolved, Filters(source=source, since=day, until=day)))
    for vec, text, narrowed in searches:
        for c in retrieve(store, vec, text, 3, filters=narrowed):
            if c.chunk.chunk_id not in seen:
                seen.add(c.chunk.chunk_id)
                cands.append(c)
    return cands


def widen(
    chosen: list[Any],
    sents: Sequence[Any],
    best: Any,
    outlets: Sequence[str],
    parts: Parts,
    days: Sequence[str] = (),
    *,
    same: Any,
    limit: int,
) -> list[Any]:
    """``chosen`` plus each named outlet's best sentence (for its own clause, when several
    are named), each named publication day's best sentence, and each clause's best sentence
    from an article not yet cited. ``same`` tells
    two sentences that say one thing; ``limit`` caps the quotes before the outlets' own."""
    chosen = list(chosen)
    for outlet in outlets:  # each outlet the question names gets its best sentence
        if outlet in parts.outlets:  # for its own part of the question
            pick = best_for_clause(outlet, *parts.outlets[outlet], sents, chosen)
        elif any(c.chunk.meta.get("source") == outlet for c in chosen):
            continue
        else:
            pick = next(
                (x for x in sents if x.chunk.meta.get("source") == outlet
                 and x.score >= 0.5 * best.score and not any(same(x, c) for c in chosen)),
                None,
            )
        if pick is not None and len(chosen) < limit + len(outlets):
            chosen.append(pick)
    for day in days:  # each publication day the question names, likewise
        if any(_day(c) == day for c in chosen):
            continue
        pick = next((x for x in sents if _day(x) == day and x.score >= 0.5 * best.score), None)
        if pick is not None:
            chosen.append(pick)
    added = 0
    for text, vec in parts.clauses:
        if added >= MAX_EXTRA:
            break
        named = named_outlets(text, sorted({str(x.chunk.meta.get("source", "")) for x in sents}))
        pool = [x for x in sents if len(named) != 1 or x.chunk.meta.get("source") == named[0]]
        words = set(stems(text)) - {w for o in named for w in stems(o)}
        scored = [(_fit(x, vec, words), x) for x in pool]
        if not scored:
            continue
        fit, pick = max(scored, key=lambda fx: fx[0])
        if fit < MIN_PART_FIT or any(c.article_id == pick.article_id for c in chosen):
            cited = {c.article_id for c in chosen}
            rest = [(f, x) for f, x in scored if x.article_id not in cited]
            if not rest:
                continue
            f2, x2 = max(rest, key=lambda fx: fx[0])
            if f2 < MIN_PART_FIT or f2 < fit - PART_MARGIN:
                continue  # nothing answers this part, or a cited article does it best
            pick = x2
        chosen.append(pick)
        added += 1
    return chosen


def _day(x: Any) -> str:
    return str(x.chunk.meta.get("published") or "")[:10]


def _fit(x: Any, vec: np.ndarray, words: set[str]) -> float:
    sem = float(x.vec @ vec) if x.vec is not None else x.semantic
    return sem + 0.3 * len(words & set(stems(x.text))) / max(1, len(words))
