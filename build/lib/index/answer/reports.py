"""Wire copies at answer time: a group of copies (``index.ingest.copies``) is one report.

The group's original is the earliest-published of its articles still indexed (then the first
ingested), so removing an original hands the lead to the next copy with no rewrite. A report
is named "AP, carried by Yahoo News, ABC News"; a copy's sentence that repeats one already
taken from its group is dropped, so a copy never supplies a second citation of it, and the
original's wording is quoted when both are at hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answer.evidence import Sentence
from index.store import ChunkStore
from index.types import ArticleInfo

REPORT_KEY = "report"  # set on an answer's chunk metadata: the report's name (never stored)
CARRIED_KEY = "carried_by"  # likewise: the other outlets that ran it (a tuple)
SAME_WORDS = 0.8  # a copy's sentence with this share of its words in common is the same one


@dataclass
class Reports:
    """The indexed articles by group, each group in order (original first)."""

    members: dict[str, list[ArticleInfo]] = field(default_factory=dict)
    rank: dict[str, int] = field(default_factory=dict)  # article id -> place in its group

    @classmethod
    def of(cls, articles: Sequence[ArticleInfo]) -> Reports:
        out = cls()
        for a in articles:
            out.members.setdefault(a.story, []).append(a)
        for group in out.members.values():
            group.sort(key=lambda a: (a.published or "~", a.seq, a.article_id))
            out.rank.update((a.article_id, i) for i, a in enumerate(group))
        return out

    def carriers(self, story: str) -> tuple[str, tuple[str, ...]]:
        """The original's outlet and the other outlets that ran the report."""
        group = self.members.get(story, [])
        if not group:
            return "", ()
        lead = _name(group[0])
        return lead, tuple(dict.fromkeys(n for a in group[1:] if (n := _name(a)) != lead))


_cache: tuple[list[ArticleInfo], Reports] | None = None


def reports_of(store: ChunkStore) -> Reports:
    """``Reports`` of the store's articles (kept while its article list is the same object:
    the BM25 manifest's, rebuilt only when the index changes)."""
    global _cache
    articles = store.articles()
    if _cache is None or _cache[0] is not articles:
        _cache = (articles, Reports.of(articles))
    return _cache[1]


def _name(a: ArticleInfo) -> str:
    return a.source or f"“{a.title or 'another article'}”"


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def one_report(sents: Sequence[Sentence], reports: Reports) -> list[Sentence]:
    """``sents`` (best first) with each group's repeated sentences once, in the original's
    words where it has them, and every sentence of a copied report named for the report."""
    out: list[Sentence] = []
    words: list[set[str]] = []
    for s in sents:
        w = _words(s.text)
        same = next((i for i, (k, kw) in enumerate(zip(out, words, strict=True))
                     if k.story == s.story and len(w & kw) >= SAME_WORDS * max(len(w), len(kw))),
                    None)
        if same is None:
            out.append(s)
            words.append(w)
        elif reports.rank.get(s.article_id, 0) < reports.rank.get(out[same].article_id, 0):
            out[same] = s  # the original's wording, at the better-scored copy's place
    name(out, reports)
    return out


def name(sents: Sequence[Sentence], reports: Reports) -> None:
    """Mark each sentence's chunk with its report's name when other outlets carried it
    (``cite.outlet_of`` and ``cite.citation_of`` read the marks)."""
    for s in sents:
        lead, others = reports.carriers(s.story)
        if others:
            s.chunk.meta[REPORT_KEY] = f"{lead}, carried by {', '.join(others)}"
            s.chunk.meta[CARRIED_KEY] = others


def one_per_story(articles: Sequence[ArticleInfo], reports: Reports) -> list[ArticleInfo]:
    """A briefing's articles with one per group (the original when it is among them), in
    the order of each group's first."""
    best: dict[str, ArticleInfo] = {}
    for a in articles:
        key = a.story
        kept = best.get(key)
        if kept is None or reports.rank.get(a.article_id, 0) < reports.rank.get(
                kept.article_id, 0):
            best[key] = a
    return list(best.values())
