"""Search: the retrieve stage as one call — the chunks a question needs (``retrieve``, then
``breadth.cover_named`` for each named outlet, day and clause) and their sentences, cheaply
scored (``evidence``), one per report (``reports``). What the reader reads next.

The ``Answerer`` and every tool that measures the answer path (``tools/fit_ranking``,
``candidate_recall``, ``calibrate_compare``) call this one function, so a measurement sees
exactly the candidates an answer sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.answer.breadth import Parts, cover_named, question_parts, split_parts
from index.answer.evidence import Sentence, score_sentences
from index.answer.reports import one_report, reports_of
from index.answer.retrieve import Candidate, Filters, retrieve
from index.store import ChunkStore
from index.understand.outlets import named_outlets, outlets_named
from index.understand.question import Question


@dataclass
class Found:
    """What the retrieve stage found for one question."""

    vector: np.ndarray  # the resolved question's vector
    outlets: list[str]  # indexed outlets the question names
    missing: list[str]  # outlets it names that no indexed article is from
    parts: Parts  # each named outlet's clause, each clause of a several-part question
    chunks: list[Candidate]
    sentences: list[Sentence]  # best first; wire copies of one report appear once


def search(
    store: ChunkStore,
    embedder: Any,
    q: Question,
    k: int,
    filters: Filters | None = None,
    vector: np.ndarray | None = None,
) -> Found:
    """Chunks and candidate sentences for ``q``; ``vector`` is ``q.text``'s when the caller
    already has it (saves an embedding when the question needed no resolving)."""
    indexed = sorted({a.source for a in store.articles() if a.source})
    outlets = named_outlets(q.text, indexed)
    missing = [o for o in outlets_named(q.text) if not named_outlets(o, indexed)]
    multipart = len(split_parts(q.resolved)) > 1
    qvec, parts = question_parts(embedder, q.resolved, outlets, multipart=multipart,
                                 vector=vector if q.resolved == q.text else None)
    query, svec = q.resolved, qvec
    if q.context:  # a reference left open: the previous question helps find, not read
        query = f"{q.resolved} {q.context}"
        svec = np.asarray(embedder.embed([query])[0], dtype=np.float32)
    chunks = retrieve(store, svec, query, k, filters=filters, boost_articles=q.boost_articles)
    chunks = cover_named(store, q, qvec, chunks, outlets, filters, parts)
    sents = score_sentences(store, q, qvec, chunks, outlets) if chunks else []
    sents = one_report(sents, reports_of(store))
    return Found(qvec, outlets, missing, parts, chunks, sents)
