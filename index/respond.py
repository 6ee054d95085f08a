"""The one path from a question to a cited ``Answer``, shared by the REPL, CLI, Telegram, the
eval and the LlamaIndex entry points. Stages, each a folder or module, each a plain function
over typed data:

    understand (``understand/``: the question cleaned, typed, its follow-up resolved;
                does it ask for the news in general?)
    → brief   (``brief/``: top stories, or the latest on X — a briefing, not an answer)
    → search  (``answer/search``: chunks retrieved, each named outlet and clause covered,
               their sentences cheaply scored, one per report)
    → read    (``answer/read``: the trained reader reads the candidates: witnesses)
    → decide  (``answer/refuse.decide``: do the articles answer? else a refusal that says
               what is missing and shows the closest passage)
    → compare (``answer/compare``: the articles' answers agree, disagree or update)
    → compose (``answer/compose``: lead, quotes, citations; an optional LLM only chooses).

A refused question that reads as a request for the news gets the top stories instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.answer.compare import compare
from index.answer.compose import Chooser, compose
from index.answer.read import Witness, named_first, newest_first, read
from index.answer.refuse import decide
from index.answer.retrieve import Filters
from index.answer.search import Found, search
from index.brief.briefing import brief, briefing_topic
from index.brief.headlines import top_stories
from index.brief.stories import StoryOf
from index.ingest.language import language_name, question_language
from index.store import ChunkStore
from index.types import Answer, Turn
from index.understand.intent import INSTEAD_OF_REFUSAL, news_probability, news_threshold
from index.understand.period import period_of
from index.understand.question import MAX_QUESTION_CHARS, Question, parse


class Answerer:
    """understand → a briefing, or search → read → decide → compare → compose."""

    def __init__(
        self, store: ChunkStore, embedder: Any, reader: Any, llm: Chooser | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.reader = reader
        self.llm = llm

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        k: int = 8,
        filters: Filters | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        q = parse(question, tuple(history))
        if not any(ch.isalnum() for ch in q.text):  # empty, or only punctuation ("?!?...")
            return Answer(
                question=question,
                answer="Please type a question about the indexed news articles.",
                refused=True,
                timings_ms={"retrieve": 0.0, "compose": 0.0, "total": 0.0},
            )
        tvec = np.asarray(self.embedder.embed([q.text])[0], dtype=np.float32)
        p_news = news_probability(tvec)
        briefing = self._briefing(q, filters, p_news)
        if briefing is not None:
            total = (time.perf_counter() - t0) * 1000
            briefing.question = question
            briefing.timings_ms = {"retrieve": total, "compose": 0.0, "total": total}
            return briefing
        found = search(self.store, self.embedder, q, k, filters, vector=tvec)
        t1 = time.perf_counter()
        witnesses, stories = read_found(self.store, self.reader, q, found)
        decision = decide(q, found, witnesses, filters)
        if decision.refusal is None:
            comparison = compare(q, witnesses, same_story=stories.same)
            result = compose(q, found, witnesses, comparison, decision.signals, self.llm,
                             stories.same)
        elif p_news >= INSTEAD_OF_REFUSAL and not found.missing and not q.followup:
            # a refused follow-up ("Why?" with nothing to ask it of) says what is missing:
            # the top stories would answer another question
            result = top_stories(self.store, q, filters, period_of(q.text))
        else:
            result = decision.refusal
        t2 = time.perf_counter()
        result.question = question
        result.timings_ms = {
            "retrieve": (t1 - t0) * 1000,
            "compose": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
        }
        if q.resolved != q.text:
            result.resolved_question = q.resolved
        if result.refused and (language := question_language(q.text)) != "en":
            _add_notice(result, "Questions are read as English, and yours looks like "
                                f"{language_name(language)}.")
        if q.truncated:  # say what was read: with no question mark, its end
            upto = " up to its last question mark" if q.text.endswith("?") else ""
            _add_notice(result, f"Your message was very long; only its last "
                                f"{MAX_QUESTION_CHARS} characters{upto} were read as the "
                                "question.")
        return result

    def _briefing(self, q: Question, filters: Filters | None, p_news: float) -> Answer | None:
        """A briefing, when the question asks for one (it borrows nothing from earlier turns):
        the top stories for a request for the news in general ("Any news today?": the
        classifier's call, ``intent``; or "What's new?"), the newest articles on X for "what's
        the latest on X"; None for any other question."""
        topic = briefing_topic(q.text)
        if topic == "" or p_news >= news_threshold():
            return top_stories(self.store, q, filters, period_of(q.text))
        if topic is not None:
            return brief(self.store, self.embedder, q, topic, filters)
        return None


def read_found(
    store: ChunkStore, reader: Any, q: Question, found: Found
) -> tuple[list[Witness], StoryOf]:
    """The read stage: the found sentences read as witnesses (none for a question naming an
    outlet we hold nothing from: ``decide`` refuses it unread), the stories of the retrieved
    articles (linked through each other, so a long story's reports stay one), and a named
    outlet's passage first. Shared with ``tools.calibrate_compare``, which must measure this."""
    witnesses = read(reader, q, found.sentences, store) if not found.missing else []
    stories = StoryOf(store, [c.article_id for c in found.chunks]
                      + [w.article_id for w in witnesses])
    witnesses = newest_first(witnesses, q, stories.same)
    return named_first(witnesses, found.outlets, stories.same), stories


def _add_notice(result: Answer, note: str) -> None:
    result.notice = f"{result.notice} {note}".strip() if result.notice else note
