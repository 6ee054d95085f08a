"""The one path from a question to a cited ``Answer``, shared by the REPL, CLI and Telegram.

Offline by default: the answer is built from whole sentences quoted verbatim from the
retrieved chunks, chosen by embedding similarity, keyword overlap and answer-type cues.
Every quote is sliced from the stored chunk text by its recorded offsets, so it is by
construction a substring of the original article; ``verify`` re-checks it before it is shown.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from index.answer.acts import act_readings
from index.answer.agree import Comparison, compare
from index.answer.analysis import Analysis, analyse, asked_act
from index.answer.breadth import Parts, cover_named, question_parts, widen
from index.answer.briefing import brief, briefing_topic
from index.answer.cite import citation_of, closest_articles, outlet_of, refusal
from index.answer.corroborate import corroborated
from index.answer.evidence import Sentence, score_sentences
from index.answer.gate import TYPED_FLOOR, judge
from index.answer.leads import keep_for
from index.answer.outlets import named_outlets, outlets_named
from index.answer.question import QType, Question, parse, stems
from index.answer.reading import Reading, readings
from index.answer.retrieve import Candidate, Filters, retrieve
from index.store import ChunkStore
from index.text import normalize
from index.types import Answer, Claim, Conflict, Turn

# Calibrated on ../shared/eval-dev (see docs/BENCHMARKS.md): below these the evidence is too
# weak to answer from.
MIN_SEMANTIC = 0.30
MIN_ENTITY_COVERAGE = 0.5
MAX_QUOTES = 3
MAX_GROUPS = 4  # values shown for one compared slot
MAX_PER_GROUP = 2  # sources cited for one value
LLM_CONTEXT = 12  # numbered sentences offered to an optional LLM

class Answerer:
    """Retrieve → score sentences → choose quotes → conflicts → ``Answer``."""

    def __init__(self, store: ChunkStore, embedder: Any, llm: Any = None) -> None:
        self.store = store
        self.embedder = embedder
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
        if not q.text.strip():
            return Answer(
                question=question,
                answer="Please type a question about the indexed news articles.",
                refused=True,
                timings_ms={"retrieve": 0.0, "compose": 0.0, "total": 0.0},
            )
        topic = briefing_topic(q.text)  # (a briefing borrows nothing from earlier turns)
        if topic is not None:  # "what's the latest on X": the newest articles, one lede each
            result = brief(self.store, self.embedder, q, topic, filters)
            total = (time.perf_counter() - t0) * 1000
            result.question = question
            result.timings_ms = {"retrieve": total, "compose": 0.0, "total": total}
            return result
        indexed = sorted({a.source for a in self.store.articles() if a.source})
        outlets = named_outlets(q.text, indexed)
        missing = [o for o in outlets_named(q.text) if not named_outlets(o, indexed)]
        qa = analyse(q.resolved)
        qvec, parts = question_parts(self.embedder, q.resolved, outlets, multipart=not qa.simple)
        cands = retrieve(
            self.store, qvec, q.resolved, k, filters=filters, boost_articles=q.boost_articles
        )
        cands = cover_named(self.store, q, qvec, cands, outlets, filters, parts)
        t1 = time.perf_counter()
        sents = score_sentences(self.store, q, qvec, cands, outlets) if cands else []
        if missing and cands:
            # What an outlet we hold no article from reported cannot be checked: say so.
            names = " or ".join(missing)
            result = refusal(q, closest_articles(cands), (
                f"None of the indexed articles are from {names}, so I cannot check what "
                f"{'it' if len(missing) == 1 else 'they'} reported. "
                "Add such articles with /ingest (or `newsqa ingest`), or ask about the "
                "outlets listed by /sources."
            ))
        else:
            result = self._compose(q, qa, cands, sents, outlets, parts, filters)
        if self.llm is not None and not result.refused:
            # The LLM may only cite these numbered, verbatim sentences.
            numbered = [citation_of(n, x) for n, x in enumerate(sents[:LLM_CONTEXT], start=1)]
            result = self.llm.rewrite(q, result, numbered)
        t2 = time.perf_counter()
        result.question = question
        result.timings_ms = {
            "retrieve": (t1 - t0) * 1000,
            "compose": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
        }
        if q.resolved != q.text:
            result.resolved_question = q.resolved
        if q.truncated:
            note = "Your question was very long; only its first 1000 characters were used."
            result.notice = f"{result.notice} {note}".strip() if result.notice else note
        return result

    # -- composing ----------------------------------------------------------------------------

    def _compose(
        self,
        q: Question,
        qa: Analysis,
        cands: list[Candidate],
        sents: list[Sentence],
        outlets: Sequence[str] = (),
        parts: Parts | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        if not cands and filters is not None and filters.active():
            return refusal(q, [], "No indexed article matches the outlet or dates asked for: "
                                  "see /sources (or `newsqa sources`) for what is indexed.")
        if not cands:
            return refusal(q, [], "The index is empty: add articles with `newsqa ingest PATH`.")
        closest = closest_articles(cands)
        if not sents:
            return refusal(q, closest)
        if not self._supported(q, sents, cands):
            return refusal(q, closest)
        verdict = judge(q, qa, sents)
        if verdict.refusal is not None:
            return refusal(q, closest, verdict.refusal)
        best, lead = verdict.best, verdict.lead
        comparison = _comparison(q, qa, sents, best)
        if comparison.kind == "update" or (q.wants_latest and _dated(comparison)):
            newest = comparison.groups[0][0]  # "latest": the newest report's value leads
            best, lead = newest.sentence, newest.shown
        elif comparison.unordered:
            lead = None  # "the latest …" over undated reports that differ: not sure which
        elif comparison.kind:  # the quote shown first is the one whose value is compared
            first = comparison.groups[0][0]
            if first.sentence is not best:
                best, lead = first.sentence, first.shown
        sents = [best, *[x for x in sents if x is not best]]

        chosen = [best, *verdict.also]
        if comparison.kind:
            for group in comparison.groups[:MAX_GROUPS]:
                for r in group[:MAX_PER_GROUP]:
                    if not any(_same(r.sentence, c) for c in chosen):
                        chosen.append(r.sentence)
        for s in sents[1:]:
            if len(chosen) >= MAX_QUOTES:
                break
            if s.score < 0.7 * best.score or any(_same(s, c) for c in chosen):
                continue
            if s.article_id in {c.article_id for c in chosen}:
                continue  # prefer distinct articles; the same article needs no second vote
            chosen.append(s)
        chosen = widen(chosen, sents, best, outlets, parts or Parts({}, []), q.dates,
                       same=_same, limit=MAX_QUOTES)
        shared = None
        if lead is None and not comparison.kind and q.qtype is not QType.YESNO:
            shared = corroborated(chosen, qa, set(q.keywords), sents)
        if shared is not None:  # the quotes that name it first
            lead = shared.name
            chosen = shared.witnesses + [c for c in chosen if c not in shared.witnesses]
        citations = [citation_of(n, s) for n, s in enumerate(chosen, start=1)]
        number_of = {id(s): n for n, s in enumerate(chosen, start=1)}
        conflicts = _conflicts(comparison, qa, chosen, number_of, q.resolved)
        agreeing = _agreeing(comparison, chosen, number_of) if lead else []
        if shared is not None:
            agreeing = [number_of[id(s)] for s in shared.witnesses]
        text = _answer_text(
            q, chosen, number_of, conflicts, lead, verdict.verdict, agreeing, shared is not None
        )
        return Answer(
            question=q.raw,
            answer=text,
            refused=False,
            citations=citations,
            conflicts=conflicts,
            closest=closest,
        )

    def _supported(self, q: Question, sents: list[Sentence], cands: list[Candidate]) -> bool:
        """The refusal gate: key entities must appear in the evidence, and it must be close."""
        top = sents[:5]
        if max(s.semantic for s in top) < MIN_SEMANTIC and max(s.lexical for s in top) < 0.5:
            return False
        if q.entities:
            evidence = set()
            for c in cands:
                evidence.update(stems(c.chunk.text))
                evidence.update(stems(str(c.chunk.meta.get("title", ""))))
                evidence.update(stems(str(c.chunk.meta.get("source", ""))))
            covered = sum(1 for e in q.entities if e in evidence) / len(q.entities)
            if covered < MIN_ENTITY_COVERAGE:
                return False
        return True


def _same(a: Sentence, b: Sentence) -> bool:
    """Same sentence, or the same words in another article (a wire copy)."""
    return (a.chunk.chunk_id == b.chunk.chunk_id and a.index == b.index) or normalize(
        a.text
    ).casefold() == normalize(b.text).casefold()


def _comparison(q: Question, qa: Analysis, sents: list[Sentence], best: Sentence) -> Comparison:
    """How the articles' values for a typed question relate (``agree``), the best witness's
    article first. Untyped, yes/no and "who is X" questions compare nothing."""
    floor = TYPED_FLOOR * best.score
    if asked_act(q.resolved) is not None:  # "what did X do (to Y)": the verbs compared
        found = act_readings(sents, q.resolved, floor=floor)
        found.sort(key=lambda r: r.article_id != best.article_id)
        return compare(found, latest=q.wants_latest)
    if not qa.labels or qa.describe or q.qtype is QType.YESNO:
        return Comparison()
    found = [r for r in readings(sents, qa, set(q.keywords), q.resolved, floor=floor)
             if keep_for(r.sentence, qa, q.resolved)(r.value)]  # ("his previous adviser, X")
    found.sort(key=lambda r: r.article_id != best.article_id)  # stable: best's article first
    return compare(found, latest=q.wants_latest)


def _dated(c: Comparison) -> bool:
    """Several values, all from dated reports: a "latest" question can rank them."""
    return c.kind == "disagreement" and all(r.published for g in c.groups for r in g)


def _cited(r: Reading, chosen: list[Sentence], number_of: dict[int, int]) -> int | None:
    match = next((c for c in chosen if _same(r.sentence, c)), None)
    return None if match is None else number_of[id(match)]


def _conflicts(
    c: Comparison, qa: Analysis, chosen: list[Sentence], number_of: dict[int, int], question: str
) -> list[Conflict]:
    """The compared slot as a ``Conflict`` when its values differ (each value once)."""
    if c.kind not in ("disagreement", "update"):
        return []
    claims = []
    for group in c.groups[:MAX_GROUPS]:
        nums = {n for r in group[:MAX_PER_GROUP] if (n := _cited(r, chosen, number_of))}
        if nums:
            dates = [r.published for r in group if r.published]
            claims.append(Claim(group[0].shown, tuple(sorted(nums)), max(dates, default=None)))
    if len(claims) < 2:
        return []
    return [Conflict(topic=_topic(qa, c.groups[0][0], question), claims=tuple(claims),
                     kind=c.kind)]


def _agreeing(
    c: Comparison, chosen: list[Sentence], number_of: dict[int, int]
) -> list[int]:
    """Citation numbers of the articles that give the leading value, when several outlets do
    (two reports of one outlet are no independent confirmation)."""
    if c.kind != "agreement":
        return []
    nums = sorted({n for r in c.groups[0] if (n := _cited(r, chosen, number_of))})
    outlets = {outlet_of(s) for s in chosen if number_of[id(s)] in nums}
    return nums if len(outlets) > 1 else []


def _topic(qa: Analysis, r: Reading, question: str) -> str:
    if r.kind == "number":
        if r.value.label == "MONEY":
            return "amount"
        if r.value.label == "PERCENT":
            return "share"
        return f"number of {qa.focus_text}" if qa.focus_text else "figure"
    if r.kind == "act":
        doer = re.sub(r"^(?:the|a|an)\s+", "", (asked_act(question) or ("",))[0], flags=re.I)
        return f"{doer}'s act" if doer else "act"  # "the sources disagree on the protester's act"
    return {"date": "date", "place": "place", "rank": "rank"}.get(
        r.kind, (qa.focus_text or "name").lower()
    )

def _answer_text(
    q: Question,
    chosen: list[Sentence],
    number_of: dict[int, int],
    conflicts: list[Conflict],
    lead: str | None,
    yesno: str | None = None,
    agreeing: Sequence[int] = (),
    named: bool = False,
) -> str:
    parts: list[str] = []
    by_number = {n: s for s in chosen for n in (number_of[id(s)],)}

    def sources(cl: Claim, *, dated: bool) -> str:
        said = []
        for n in cl.citations:
            s = by_number[n]
            day = str(s.chunk.meta.get("published") or "")[:10]
            said.append(f"{outlet_of(s)}{', ' + day if dated and day else ''} [{n}]")
        return "; ".join(said)

    for c in conflicts:
        if c.kind == "update":
            newest, *older = c.claims
            earlier = "; ".join(f"{cl.value} ({sources(cl, dated=True)})" for cl in older)
            parts.append(f"Latest: {newest.value} ({sources(newest, dated=True)}), "
                         f"updated from {earlier}.")
        else:
            claims = "; ".join(f"{cl.value} ({sources(cl, dated=True)})" for cl in c.claims)
            parts.append(f"The sources disagree on the {c.topic}: {claims}.")
    best = chosen[0]
    published = str(best.chunk.meta.get("published") or "")[:10] or None
    attribution = outlet_of(best) + (f" ({published})" if published else "")
    if q.qtype is QType.YESNO and yesno:
        lead = yesno  # stated in so many words by the quote that follows
    elif q.qtype is QType.YESNO:
        # An extractive answer cannot weigh a yes/no claim; say so rather than guess.
        parts.append("The articles do not state a yes/no answer directly; here is what they say:")
    if lead and len(agreeing) > 1 and not conflicts:
        by_outlet: dict[str, list[int]] = {}
        for n in agreeing:
            by_outlet.setdefault(outlet_of(by_number[n]), []).append(n)
        given = ", ".join(f"{o} " + "".join(f"[{n}]" for n in ns) for o, ns in by_outlet.items())
        parts.append(f"{lead} — {'named by' if named else 'the sources agree:'} {given}.")
        lead = None
    head = f"{lead} — " if lead and not conflicts else ""
    says = f"According to {attribution}: " if attribution else ""
    parts.append(f"{head}{says}{best.text} [{number_of[id(best)]}]")
    for s in chosen[1:]:
        if any(number_of[id(s)] in cl.citations for c in conflicts for cl in c.claims):
            continue
        parts.append(f"{outlet_of(s)} also reports: {s.text} [{number_of[id(s)]}]")
    return "\n".join(parts)
