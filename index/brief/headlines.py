"""Top stories: the answer to "What's the news?", "Any news today?", "Give me the headlines",
"What's new?" — the newest *stories* (reports of one event grouped, ``stories``), each told by
its newest report's lede, with the other outlets that carried it named after it.

A request for the news is no search for one fact: while the index holds articles it is never
refused. A period it names ("today", "this week": ``period``) limits the stories to articles
published in it; undated articles are of unknown date and come after the dated ones; when
nothing is dated in the period the briefing says so and shows the newest stories anyway,
saying they are older.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.answer.cite import citation_of, outlet_of, refusal
from index.answer.evidence import Sentence
from index.answer.reports import name, one_per_story, reports_of
from index.answer.retrieve import Filters
from index.brief.briefing import lede, passes, stage
from index.brief.stories import group_stories, lede_vectors
from index.store import ChunkStore
from index.types import Answer, ArticleInfo
from index.understand.period import Period
from index.understand.question import Question

BRIEF_STORIES = 5
STORY_POOL = 40
"""Newest articles read (lede and its stored vector) to find the top stories: enough for
``BRIEF_STORIES`` stories of several reports each, and bounded, so a large index costs the same
as a small one."""
MAX_ALSO = 4  # other outlets named after a story's lede


@dataclass(frozen=True)
class Story:
    """One event: its newest report (quoted) and the other articles that told it."""

    lead: ArticleInfo
    lede: Sentence
    also: tuple[ArticleInfo, ...]


def top_stories(
    store: ChunkStore, q: Question, filters: Filters | None = None, period: Period | None = None
) -> Answer:
    """The briefing ``Answer`` of the newest stories (in ``period``, when one is named)."""
    if not store.count():
        return refusal(q, [], "The index is empty: add articles with `newsqa ingest PATH`.")
    infos = [a for a in store.articles() if passes(a, filters)]
    if not infos:
        return refusal(q, [], "No indexed article matches the outlet or dates asked for: "
                              "see /sources (or `newsqa sources`) for what is indexed.")
    reports = reports_of(store)
    infos = one_per_story(infos, reports)  # a wire copy is not another report of the story
    dated = sorted((a for a in infos if a.published), key=lambda a: a.published or "",
                   reverse=True)
    undated = [a for a in infos if not a.published]
    head = None
    if period is not None:
        within = [a for a in dated if period.holds(a.published)]
        if within:
            dated = within
            head = f"Stories from {period.name} ({period.shown()}):"
        else:
            head = (f"Nothing in the index is dated {period.name} ({period.shown()}); "
                    "the newest stories are older:")
    stories = _stories(store, dated[:STORY_POOL], undated[:STORY_POOL])
    if not stories:
        return refusal(q, [], "The indexed articles have no quotable sentences.")
    name([s.lede for s in stories], reports)  # "AP, carried by Yahoo News"
    citations = [citation_of(n, s.lede) for n, s in enumerate(stories, start=1)]
    lines = [head] if head else []
    for n, s in enumerate(stories, start=1):
        day = (s.lead.published or "")[:10]
        also = _also(s)
        if n == 1:
            label = "Latest" if day else "Indexed articles"
            lines.append(f"{label} ({day or 'undated'}, {outlet_of(s.lede)}): {s.lede.text} [1]"
                         + also)
            if len(stories) > 1:
                lines.append("Earlier stories:" if all(x.lead.published for x in stories) else
                             "Earlier or undated stories:" if day else "Other stories (undated):")
            continue
        lines.append(f"• {day or 'undated'} — {outlet_of(s.lede)}: {s.lede.text} [{n}]{also}")
    return Answer(question=q.raw, answer="\n".join(line for line in lines if line),
                  refused=False, citations=citations)


def _stories(store: ChunkStore, dated: list[ArticleInfo],
             undated: list[ArticleInfo]) -> list[Story]:
    """The top stories among ``dated`` (newest first) then ``undated`` articles (the report
    furthest along first, as topical briefings order them)."""
    found = [(a, s) for a in dated if (s := lede(store, a.article_id)) is not None]
    later = [(a, s) for a in undated if (s := lede(store, a.article_id)) is not None]
    found += sorted(later, key=lambda p: -stage(p[1].text))
    out = []
    for group in group_stories(lede_vectors(store, [s for _, s in found]))[:BRIEF_STORIES]:
        (a, s), *rest = (found[i] for i in group)
        out.append(Story(a, s, tuple(r for r, _ in rest)))
    return out


def _also(s: Story) -> str:
    """" (also: Outlet (day), …)" for the story's other reports, each outlet once."""
    named: dict[str, str] = {}
    for a in s.also:
        name = a.source or f"“{a.title}”"
        if name not in named and name != (s.lead.source or f"“{s.lead.title}”"):
            named[name] = f"{name} ({a.published[:10]})" if a.published else name
    shown = list(named.values())
    if not shown:
        return ""
    more = f", and {len(shown) - MAX_ALSO} more" if len(shown) > MAX_ALSO else ""
    return f" (also: {', '.join(shown[:MAX_ALSO])}{more})"
