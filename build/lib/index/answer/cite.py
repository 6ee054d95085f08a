"""Citations, refusals and the closest articles: the pieces every answer is built from.

A quote is cited with its article's metadata and exact offsets; ``verify`` re-checks that the
stored text at those offsets still displays as the quote before it is shown.
"""

from __future__ import annotations

import re
from typing import Any

from index.answer.reports import CARRIED_KEY, REPORT_KEY
from index.answer.retrieve import Candidate
from index.text import display
from index.types import Answer, ArticleInfo, Citation
from index.understand.question import STOPWORDS, Question


def outlet_of(s: Any) -> str:
    """Outlet name ("AP, carried by Yahoo News" for a wire report several outlets ran), or
    the article's title when the outlet is unknown."""
    meta = s.chunk.meta
    return str(meta.get(REPORT_KEY) or meta.get("source") or "") or (
        f"“{meta.get('title') or 'another article'}”")


def citation_of(n: int, s: Any) -> Citation:
    meta = s.chunk.meta
    return Citation(
        n=n,
        quote=s.text,
        article_id=str(meta.get("article_id", "")),
        chunk_id=s.chunk.chunk_id,
        title=str(meta.get("title", "")),
        source=str(meta.get("source") or "") or None,
        published=str(meta.get("published") or "") or None,
        url=str(meta.get("url") or "") or None,
        path=str(meta.get("path") or "") or None,
        start=s.start,
        end=s.end,
        header_start=s.header[0] if s.header else 0,
        header_end=s.header[1] if s.header else 0,
        carried_by=tuple(meta.get(CARRIED_KEY, ())),
    )


def verify(citation: Citation, chunk_text: str, chunk_start: int) -> bool:
    """A quote is shown only if it is exactly what the stored text at its recorded offsets
    displays as (a table row's header line is checked against the original by the caller that
    holds the whole article, e.g. the eval's file check)."""
    lo, hi = citation.start - chunk_start, citation.end - chunk_start
    if not 0 <= lo < hi <= len(chunk_text):
        return False
    row = display(chunk_text[lo:hi])
    if citation.header_end > citation.header_start:
        return citation.quote.endswith("\n" + row)
    return citation.quote == row


def closest_articles(cands: list[Candidate]) -> list[ArticleInfo]:
    seen: dict[str, ArticleInfo] = {}
    for c in cands:
        m = c.chunk.meta
        aid = str(m.get("article_id", ""))
        if aid not in seen:
            seen[aid] = ArticleInfo(
                article_id=aid,
                title=str(m.get("title", "")),
                source=str(m.get("source") or "") or None,
                published=str(m.get("published") or "") or None,
                url=str(m.get("url") or "") or None,
                path=str(m.get("path") or "") or None,
                chunks=0,
            )
        if len(seen) >= 3:
            break
    return list(seen.values())


def refusal(q: Question, closest: list[ArticleInfo], reason: str | None = None) -> Answer:
    if reason is None:
        words = re.findall(r"[\w'’-]+", q.resolved)
        terms = ", ".join(dict.fromkeys(w for w in words if w.lower() not in STOPWORDS))[:200]
        reason = (
            "I could not find an answer to that in the indexed articles. "
            f"I searched for: {terms}."
        )
        if closest:
            titles = "; ".join(f"“{a.title}”" + (f" ({a.source})" if a.source else "")
                               for a in closest)
            reason += f" The closest articles were: {titles}."
        reason += " Try rephrasing, or add articles that cover it."
    return Answer(question=q.raw, answer=reason, refused=True, closest=closest)
