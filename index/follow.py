"""Followed topics: which newly ingested articles are *about* a topic a chat follows.

A push interrupts someone, so a passing mention ("the route crossed the harbor bridge") must
not count. Each new article is scored by the answer path's own stages: its sentences are
scored for the topic, asked as a question, by ``evidence.score_sentences`` (meaning + shared
words) and the best ``MAX_CANDIDATES`` read by the trained reader (``answer.read``). An
article matches when its headline and lede (the sentence the push quotes) name the topic's
words, the reader finds that the lede answers "What happened with TOPIC?", and the lede is
close to the topic in meaning: a passing mention has a good sentence deep in the article but
a lede about something else, and another story of the same place names the place but not the
rest of the topic. The three thresholds are calibrated on ``tools/follow/cases.jsonl`` by
``tools/calibrate_follow.py``.

Nothing here sends anything: ``bot.telegram.follow`` and ``newsqa watch`` render the
``Report``s (headline, outlet, date, link, and the lede quoted verbatim).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from index.answer.calibration import MAX_CANDIDATES
from index.answer.cite import citation_of
from index.answer.compare import is_update
from index.answer.conflicts import quantities
from index.answer.evidence import score_sentences
from index.answer.read import read
from index.answer.retrieve import Candidate
from index.brief.briefing import lede
from index.store import ChunkStore
from index.types import Answer, Citation, Claim, Conflict
from index.understand.question import parse, stems

FOLLOW_COVERED = 0.75
"""Share of the topic's words (stemmed) the headline and the lede name: all of up to three,
three of four. Chosen with the two cuts below by ``python -m tools.calibrate_follow`` on
``tools/follow/cases.jsonl`` (12 reports about a topic, 12 passing mentions, 96 unrelated
pairs, 6 of them another story of the same place or company): precision 1.00, recall 1.00.
Reports about the topic score 1.0, passing mentions ≤ .5, same-place stories ≤ .67."""
FOLLOW_LEDE_P = 0.02
"""Reader probability that the lede answers "What happened with TOPIC?" (same tool; reports
about the topic ≥ .053, median .65; passing mentions ≤ .045). The best sentence's probability
would not do: a passing mention's own sentence scores up to .82."""
FOLLOW_LEDE_COS = 0.30
"""Cosine of the lede's stored sentence vector with the topic's vector (same tool: reports
about the topic ≥ .42, other stories' ledes mostly ≤ .26)."""
MAX_REPORTS = 5
"""Reports quoted in one push (one message); more are counted, the newest shown."""
MAX_TOPIC = 100
"""Characters in a followed topic: a topic is a few words, not a question or a paragraph."""


def question_of(topic: str) -> str:
    """The topic as the question the reader is asked (the reader was trained on questions)."""
    return f"What happened with {topic.strip().rstrip('?.!')}?"


@dataclass(frozen=True)
class Features:
    """How well one article fits one topic (what the threshold is calibrated over)."""

    reader_p: float  # the best sentence's (read for the calibration only; not decisive)
    lede_p: float
    lede_cos: float
    best_cos: float
    covered: float = 0.0
    """Share of the topic's words (stemmed) in the headline and the lede."""


@dataclass(frozen=True)
class Report:
    """A new article that matches a followed topic: its lede as a verbatim ``Citation``
    (title, outlet, date, link travel with it)."""

    article_id: str
    lede: Citation
    features: Features


def features(
    store: ChunkStore, embedder: Any, reader: Any, topic: str, article_ids: Iterable[str],
    *, full: bool = False,
) -> dict[str, tuple[Features, Citation]]:
    """Each article's ``Features`` for ``topic`` and its lede (articles with no quotable
    sentence are left out). Unless ``full`` (the calibration), an article whose headline and
    lede miss the topic's words is not read further: the reader costs ~40 ms an article."""
    q = parse(question_of(topic))
    words = set(stems(topic))
    tvec = np.asarray(embedder.embed([topic])[0], dtype=np.float32)
    out: dict[str, tuple[Features, Citation]] = {}
    for aid in dict.fromkeys(article_ids):
        first = lede(store, aid)
        if first is None:
            continue
        said = set(stems(first.text)) | set(stems(str(first.chunk.meta.get("title", ""))))
        covered = len(words & said) / len(words) if words else 1.0
        if covered < FOLLOW_COVERED and not full:
            out[aid] = (Features(0.0, 0.0, 0.0, 0.0, covered), citation_of(1, first))
            continue
        lede_p = reader.read(q.resolved, [first.text])[0].score
        chunks = store.get([c.chunk_id for c in store.article(aid)] if full
                           else [first.chunk.chunk_id])  # with sentence vectors
        cands = [Candidate(c, 1.0 / (i + 1)) for i, c in enumerate(chunks)]
        sents = score_sentences(store, q, tvec, cands)
        same = [x for x in sents if x.chunk.chunk_id == first.chunk.chunk_id
                and x.start == first.start]
        witnesses = read(reader, q, sents[:MAX_CANDIDATES], store) if full else []
        out[aid] = (
            Features(
                reader_p=max((w.p for w in witnesses), default=0.0),
                lede_p=lede_p,
                lede_cos=same[0].semantic if same else 0.0,
                best_cos=max((x.semantic for x in sents), default=0.0),
                covered=covered,
            ),
            citation_of(1, first),
        )
    return out


def matches(f: Features) -> bool:
    """The calibrated decision: about the topic, not a passing mention."""
    return (f.covered >= FOLLOW_COVERED and f.lede_p >= FOLLOW_LEDE_P
            and f.lede_cos >= FOLLOW_LEDE_COS)


def new_reports(
    store: ChunkStore, embedder: Any, reader: Any, topic: str, article_ids: Sequence[str]
) -> list[Report]:
    """The articles among ``article_ids`` about ``topic``, newest first (undated last)."""
    found = [
        Report(aid, cite, f)
        for aid, (f, cite) in features(store, embedder, reader, topic, article_ids).items()
        if matches(f)
    ]
    return sorted(found, key=lambda r: r.lede.published or "", reverse=True)


def push_answer(
    topic: str, reports: Sequence[Report], seen: Sequence[Citation] = ()
) -> Answer:
    """The one push for ``topic`` as an ``Answer`` (rendered like any answer, in Telegram or
    the terminal): a line naming the topic and how many reports, then each report's lede as a
    numbered verbatim citation (its headline, outlet, date and link ride with it). A figure
    that a lede the chat was already sent (``seen``) gives differently is a ``Conflict``: an
    update when both are dated on different days, else a disagreement, with the earlier lede
    quoted too."""
    shown = list(reports[:MAX_REPORTS])
    n = len(reports)
    head = f"New on “{topic}” (you follow it): {n} report{'s' if n != 1 else ''}"
    if n > len(shown):
        head += f", the newest {len(shown)} below"
    cites = [replace(r.lede, n=i) for i, r in enumerate(shown, start=1)]
    conflicts = changes(cites, seen)
    return Answer(question=f"follow {topic}", answer=head + ".", refused=False,
                  citations=cites, conflicts=conflicts)


def changes(new: list[Citation], seen: Sequence[Citation]) -> list[Conflict]:
    """Counts of one thing ("12 people" then "17 people") a new lede and an earlier one give
    differently, one per thing, the newest earlier lede first; each earlier lede involved is
    appended to ``new`` (numbered on) so both quotes are shown."""
    out: list[Conflict] = []
    done: set[str] = set()
    fresh = {c.article_id for c in new}
    for c in list(new):
        for q in quantities(c.quote):
            if q.hedged or q.key in done:
                continue
            for old in reversed(seen):
                if old.article_id in fresh:
                    continue
                before = [x for x in quantities(old.quote) if x.key == q.key and not x.hedged]
                if not before or before[0].value == q.value:
                    continue
                earlier = next((x for x in new if x.article_id == old.article_id), None)
                if earlier is None:
                    earlier = replace(old, n=len(new) + 1)
                    new.append(earlier)
                day, old_day = (c.published or "")[:10], (earlier.published or "")[:10]
                update = is_update([{day}, {old_day}])
                claims = (Claim(q.text, (c.n,), day or None),
                          Claim(before[0].text, (earlier.n,), old_day or None))
                if update and day < old_day:
                    claims = claims[::-1]
                out.append(Conflict(f"number of {q.text.split()[-1]}", claims,
                                    "update" if update else "disagreement"))
                done.add(q.key)
                break
    return out
