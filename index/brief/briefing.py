"""Briefings on a topic: "What's the latest on X?", "What happened with X?", "Summarize the news
about X" — the newest articles on the topic, one lead sentence each, newest first. A request
with no topic ("What's new?", and whatever ``intent`` finds asks for the news in general) gets
the top stories instead (``headlines``).

A briefing is no search for one fact, so it never refuses a topic the articles cover: it lists
up to ``BRIEF_ARTICLES`` articles that mention the topic (each name in it, and its other
words: all of one or two, two thirds of more, half when a name is given), dated ones newest
first, then undated ones by relevance, each with its first quotable sentence (the lede; headings,
captions and bylines are never quoted) and its outlet and day. Counts the ledes give for the
same thing are compared (``answer.compare``): where they differ the briefing says so, as a
disagreement or, for dated reports, an update.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.answer.cite import citation_of, outlet_of, refusal
from index.answer.compare import is_update
from index.answer.conflicts import quantities
from index.answer.evidence import Sentence
from index.answer.reports import name, one_per_story, reports_of
from index.answer.retrieve import Filters, retrieve
from index.store import ChunkStore, StoredChunk
from index.text import display
from index.types import Answer, ArticleInfo, Claim, Conflict
from index.understand.question import Question, stems

BRIEF_ARTICLES = 4
MIN_TOPIC_COVER = 0.66  # share of a long topic's content words an article must mention

_BRIEFING = re.compile(
    r"^\W*(?:"
    r"what(?:'s|’s| is| are)\s+(?:the\s+)?(?:latest|newest|new|recent news|news)"
    r"(?:\s+(?:on|about|with|in|regarding|for|from)\s+(?P<t1>.+?))?"
    r"|what(?:'s|’s|\s+is|\s+has)?\s+happen(?:ed|ing)\s+with\s+(?P<t2>.+?)"
    r"|(?:summari[sz]e|brief me on|catch me up on|update me on|give me (?:a|the) "
    r"(?:summary|briefing|rundown) (?:of|on|about))\s+(?:the\s+)?"
    r"(?:(?:latest\s+)?(?:news|articles?|coverage|reports?)\s+(?:on|about|of)\s+)?(?P<t3>.+?)"
    r"|(?:any|the)\s+(?:latest\s+)?news\s+(?:on|about)\s+(?P<t4>.+?)"
    r")\W*$",
    re.IGNORECASE,
)


def briefing_topic(text: str) -> str | None:
    """The topic of a briefing request ("" for "What's new?"), or None for any other question.
    "What's the latest death toll …" asks for one value, "What happened in Istanbul?" for
    the events in a place and "What happened to the hostages?" for their fate, not for a
    briefing."""
    m = _BRIEFING.match(text.strip())
    if not m:
        return None
    topic = next((g for g in m.group("t1", "t2", "t3", "t4") if g), "")
    return re.sub(r"^(?:the|a|an)\s+", "", topic.strip(), flags=re.IGNORECASE)


def brief(
    store: ChunkStore,
    embedder: Any,
    q: Question,
    topic: str,
    filters: Filters | None = None,
) -> Answer:
    """The briefing ``Answer`` for ``topic`` (not empty: see ``headlines.top_stories``)."""
    if not store.count():
        return refusal(q, [], "The index is empty: add articles with `newsqa ingest PATH`.")
    infos = {a.article_id: a for a in store.articles()}
    ranked = _on_topic(store, embedder, topic, filters, infos)
    if not ranked:
        return refusal(q, [], (
            f"None of the indexed articles is about “{topic}”. Try other words, or add "
            "articles that cover it."
        ))
    reports = reports_of(store)
    ranked = one_per_story(ranked, reports)  # wire copies are one story
    dated = sorted((a for a in ranked if a.published), key=lambda a: a.published or "",
                   reverse=True)
    chosen = (dated + [a for a in ranked if not a.published])[:BRIEF_ARTICLES]
    ledes = [s for a in chosen if (s := lede(store, a.article_id)) is not None]
    name(ledes, reports)
    # undated reports: the one that tells a finished or present state ("is now illegal",
    # "has sold") before one that looks ahead ("is set to", "in final negotiations")
    undated = [s for s in ledes if not s.chunk.meta.get("published")]
    ledes = [s for s in ledes if s.chunk.meta.get("published")] + sorted(
        undated, key=lambda s: -stage(s.text))
    if not ledes:
        return refusal(q, [], "The articles on that topic have no quotable sentences.")
    citations = [citation_of(n, s) for n, s in enumerate(ledes, start=1)]
    conflicts = _differences(ledes)
    lines = []
    for c in conflicts:
        claims = "; ".join(
            f"{cl.value} ({', '.join(outlet_of(ledes[n - 1]) for n in cl.citations)}"
            f"{', ' + cl.published if cl.published else ''}) "
            + "".join(f"[{n}]" for n in cl.citations)
            for cl in c.claims
        )
        verb = "changed over time" if c.kind == "update" else "differ"
        lines.append(f"Reports {verb} on the {c.topic}: {claims}.")
    days = [str(s.chunk.meta.get("published") or "")[:10] for s in ledes]
    for n, (s, day) in enumerate(zip(ledes, days, strict=True), start=1):
        if n == 1:  # the newest report leads ("latest" only when it is dated); the rest follow
            head = f"Latest on {topic}" if day else f"On {topic}"
            lines.insert(0, f"{head} ({day or 'undated'}, {outlet_of(s)}): {s.text} [1]")
            if len(ledes) > 1:
                lines.append("Earlier reports:" if all(days) else
                             "Earlier or undated reports:" if day else "Other reports (undated):")
            continue
        lines.append(f"• {day or 'undated'} — {outlet_of(s)}: {s.text} [{n}]")
    return Answer(question=q.raw, answer="\n".join(lines), refused=False,
                  citations=citations, conflicts=conflicts)


_NOW = re.compile(r"\b(?:now|no longer|came into force|comes into force|officially)\b",
                  re.IGNORECASE)
_DONE = re.compile(r"\b(?:has|have) (?:\w+ )?\w+(?:ed|en|ld|ot|on|un|ne)\b", re.IGNORECASE)
_AHEAD = re.compile(r"\b(?:set to|is to|are to|will|would|expected to|plans? to|hopes? to|"
                    r"in (?:final )?(?:talks|negotiations)|last day|could|may|might|due to)\b",
                    re.IGNORECASE)


def stage(text: str) -> int:
    """How far along a lede's story is: +2 for a state said to hold now ("is now illegal"),
    +1 for a finished act ("has sold"), -1 for one that looks ahead ("is set to")."""
    return 2 * bool(_NOW.search(text)) + bool(_DONE.search(text)) - bool(_AHEAD.search(text))


def passes(a: ArticleInfo, filters: Filters | None) -> bool:
    if filters is None:
        return True
    day = (a.published or "")[:10]
    if filters.source and (a.source or "") != filters.source:
        return False
    if filters.since and (not day or day < filters.since):
        return False
    return not (filters.until and (not day or day > filters.until))


def _on_topic(
    store: ChunkStore, embedder: Any, topic: str, filters: Filters | None,
    infos: dict[str, ArticleInfo],
) -> list[ArticleInfo]:
    """Articles that mention most of the topic's words, in retrieval order."""
    want = set(stems(topic))
    names = {st for w in re.findall(r"\b[A-Z][\w’'-]*", topic) for st in stems(w)}
    plain = want - names
    qvec = np.asarray(embedder.embed([topic])[0], dtype=np.float32)
    texts: dict[str, list[str]] = {}
    for c in retrieve(store, qvec, topic, 24, filters=filters):
        texts.setdefault(c.article_id, [str(c.chunk.meta.get("title", ""))]).append(c.chunk.text)
    out = []
    for aid, parts in texts.items():
        have = set(stems(" ".join(parts)))
        # every name of the topic ("Lindvik"), and the other words (all of one or two,
        # two thirds of more; half when a name already pins the topic down)
        share = 0.5 if names else (1.0 if len(plain) <= 2 else MIN_TOPIC_COVER)
        if aid in infos and names <= have and len(plain & have) >= share * len(plain):
            out.append(infos[aid])
    return out


def lede(store: ChunkStore, article_id: str) -> Sentence | None:
    """The article's first quotable sentence (its first chunk's first sentence)."""
    return lede_in(store.article(article_id))


def lede_in(chunks: Sequence[StoredChunk]) -> Sentence | None:
    """The first quotable sentence of an article's chunks (in text order)."""
    first: Sentence | None = None
    for chunk in chunks[:3]:
        text, meta = chunk.text, chunk.meta
        base = int(meta.get("start", 0))
        for i, part in enumerate(str(meta.get("sentences", "")).split(";")):
            if ":" not in part or meta.get("table_header"):
                continue
            s, e = (int(x) for x in part.split(":", 1))
            quote = display(str(text)[s - base : e - base])
            if not quote.strip():
                continue
            sent = Sentence(quote, s, e, chunk, i, score=1.0)
            if re.search(r"[.!?][\"”’')]*$", quote.strip()):
                return sent  # a standfirst without a full stop is no lede
            first = first or sent
    return first


def _differences(ledes: Sequence[Sentence]) -> list[Conflict]:
    """Counts of the same thing ("… 130 people …") that the ledes give differently: a
    disagreement, or an update when the reports are dated and differ by day."""
    by_noun: dict[str, list[tuple[int, str, float, str]]] = {}
    for n, s in enumerate(ledes, start=1):
        for qty in quantities(s.text):
            day = str(s.chunk.meta.get("published") or "")[:10]
            by_noun.setdefault(qty.key, []).append((n, qty.text, qty.value, day))
    out = []
    for _noun, found in sorted(by_noun.items()):
        per_article: dict[str, tuple[int, str, float, str]] = {}
        for n, text, value, day in found:
            per_article.setdefault(ledes[n - 1].article_id, (n, text, value, day))
        values = sorted({v for _, _, v, _ in per_article.values()})
        if len(per_article) < 2 or len(values) < 2:
            continue
        groups: dict[float, list[tuple[int, str, float, str]]] = {}
        for item in per_article.values():
            groups.setdefault(item[2], []).append(item)
        dated = is_update([{d for *_, d in g} for g in groups.values()])
        ordered = sorted(groups.values(), key=lambda g: max(d for *_, d in g), reverse=True)
        claims = tuple(
            Claim(g[0][1], tuple(sorted(n for n, *_ in g)), max((d for *_, d in g if d),
                                                              default=None))
            for g in ordered
        )
        out.append(Conflict(topic=f"number of {claims[0].value.split()[-1]}", claims=claims,
                            kind="update" if dated else "disagreement"))
    return out
