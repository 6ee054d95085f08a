"""Compose: the last stage. From the witnesses (``read``), once ``refuse`` decided the articles
answer and ``compare`` weighed their answers, write the lead, the quotes and their citations;
an optional LLM may only choose among numbered verbatim sentences (rendered here too).

Every quote is sliced from the stored chunk text by its recorded offsets, so it is by
construction a substring of the original article; ``cite.verify`` re-checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from index.answer.breadth import widen
from index.answer.calibration import LEAD_P, LEAD_SPAN_P, UNSURE_P
from index.answer.cite import citation_of, closest_articles, outlet_of
from index.answer.compare import VALUED, Comparison, same_unit, same_value, topic_of, value_of
from index.answer.evidence import Sentence
from index.answer.read import Witness, fits
from index.answer.search import Found
from index.text import normalize
from index.types import Answer, Choice, Citation, Claim, Conflict
from index.understand.question import QType, Question

MAX_QUOTES = 3
MAX_GROUPS = 4  # values shown for one compared slot
MAX_PER_GROUP = 2  # sources cited for one value
ALSO_WITHIN = 2.0  # another article's witness is quoted too when its fused score is this close
LLM_CONTEXT = 12  # numbered sentences offered to an optional LLM


class Chooser(Protocol):
    """An optional LLM (``index.llm.LLMChooser``): it only chooses among numbered sentences."""

    def choose(self, q: Question, numbered: Sequence[Citation]) -> Choice: ...


def compose(
    q: Question,
    found: Found,
    witnesses: list[Witness],
    comparison: Comparison,
    signals: dict[str, float],
    llm: Chooser | None = None,
    same_story: Callable[[str, str], bool] | None = None,
) -> Answer:
    """The answer text for a question the articles answer (``refuse.decide`` said so): the
    lead, the quotes (the best witness, each compared value's sources, close witnesses of
    other articles, each named outlet's and clause's), the sources' conflicts, citations;
    with an LLM, its choice among numbered verbatim sentences, rendered the same way."""
    sents, outlets, parts = found.sentences, found.outlets, found.parts
    best, lead = _lead(q, witnesses, comparison)
    chosen = _quotes(best, witnesses, comparison)
    chosen = widen(chosen, sents, best.sentence, outlets, parts, q.dates, same=_same,
                   limit=MAX_QUOTES)
    number_of = {id(s): n for n, s in enumerate(chosen, start=1)}
    conflicts = _conflicts(q, comparison, chosen, number_of)
    agreeing = _agreeing(comparison, chosen, number_of) if lead else []
    result = Answer(
        question=q.raw,
        answer=_answer_text(q, chosen, number_of, conflicts, lead, agreeing,
                            unsure=best.p < UNSURE_P, same_story=same_story,
                            confirming=_confirming(q, best, witnesses, chosen)),
        refused=False,
        citations=[citation_of(n, s) for n, s in enumerate(chosen, start=1)],
        conflicts=conflicts,
        closest=closest_articles(found.chunks),
        signals=signals,
    )
    if llm is not None:
        # The LLM may only choose among these numbered, verbatim sentences.
        numbered = [citation_of(n, x) for n, x in enumerate(sents[:LLM_CONTEXT], start=1)]
        result = _chosen(q, result, comparison, sents, llm.choose(q, numbered))
    return result


def _chosen(
    q: Question, offline: Answer, c: Comparison, sents: list[Sentence], choice: Choice
) -> Answer:
    """The answer rendered from an LLM's choice exactly as the offline one is (its quotes
    verbatim, the lead a verbatim span of the first), the sources' conflicts still computed
    here; without a usable choice, the offline answer with the choice's notice."""
    picked: list[Sentence] = []
    for n in choice.sentences:
        if 1 <= n <= min(len(sents), LLM_CONTEXT) and not any(
                _same(sents[n - 1], x) for x in picked):
            picked.append(sents[n - 1])
    if choice.notice or not picked:
        note = choice.notice or "The language model's choice was empty."
        return replace(offline, notice=f"{offline.notice} {note}" if offline.notice else note)
    chosen = list(picked)
    if c.kind in ("disagreement", "update"):  # each side of a conflict stays quoted
        chosen += [v.witness.sentence for group in c.groups[:MAX_GROUPS]
                   for v in group[:MAX_PER_GROUP]]
    chosen = [s for i, s in enumerate(chosen) if not any(_same(s, x) for x in chosen[:i])]
    number_of = {id(s): n for n, s in enumerate(chosen, start=1)}
    conflicts = _conflicts(q, c, chosen, number_of)
    lead = choice.lead if choice.lead and choice.lead in picked[0].text else None
    return replace(
        offline,
        answer=_answer_text(q, chosen, number_of, conflicts, lead),
        citations=[citation_of(n, s) for n, s in enumerate(chosen, start=1)],
        conflicts=conflicts,
    )


def _lead(q: Question, ws: list[Witness], c: Comparison) -> tuple[Witness, str | None]:
    """The witness quoted first and the short "value —" before it, if any. An update's newest
    value leads; a disagreement leads with no value; otherwise the best witness's span leads
    when the reader is sure of the sentence and the span and the span is of the asked type
    (for "how many X", a count of X or of nothing named: "390 Ukrainians" never answers how
    many Russians)."""
    if c.kind == "update":
        newest = c.groups[0][0]
        return newest.witness, newest.shown
    if c.kind == "disagreement":
        return c.groups[0][0].witness, None
    if c.kind == "agreement":  # several sure sources give it: the value may lead
        return c.groups[0][0].witness, c.groups[0][0].shown
    best = ws[0]
    sure = best.p >= LEAD_P and best.span_p >= LEAD_SPAN_P and fits(q, best)
    if sure and q.target:  # a count leads only if it counts the asked noun (or names none)
        v = value_of(q, best)
        sure = v is not None and (not v.unit[:1].islower() or v.unit == q.target)
    return best, best.span if sure else None


def _quotes(best: Witness, ws: list[Witness], c: Comparison) -> list[Sentence]:
    """The best witness, each compared value's sources, then close witnesses of other
    articles (one each), up to ``MAX_QUOTES``."""
    chosen = [best.sentence]
    for group in c.groups[:MAX_GROUPS]:
        for v in group[:MAX_PER_GROUP]:
            if not any(_same(v.witness.sentence, x) for x in chosen):
                chosen.append(v.witness.sentence)
    for w in ws[1:]:
        if len(chosen) >= MAX_QUOTES:
            break
        if w.fused < best.fused - ALSO_WITHIN or any(_same(w.sentence, x) for x in chosen):
            continue
        if w.story in {x.story for x in chosen}:
            continue  # prefer distinct reports; the same one (or its copy) needs no second vote
        chosen.append(w.sentence)
    return chosen


def _same(a: Sentence, b: Sentence) -> bool:
    """Same sentence, or the same words in another article (a wire copy)."""
    return (a.chunk.chunk_id == b.chunk.chunk_id and a.index == b.index) or normalize(
        a.text
    ).casefold() == normalize(b.text).casefold()


def _cited(s: Sentence, chosen: list[Sentence], number_of: dict[int, int]) -> int | None:
    match = next((c for c in chosen if _same(s, c)), None)
    return None if match is None else number_of[id(match)]


def _conflicts(
    q: Question, c: Comparison, chosen: list[Sentence], number_of: dict[int, int]
) -> list[Conflict]:
    """The compared slot as a ``Conflict`` when its values differ (each value once)."""
    if c.kind not in ("disagreement", "update"):
        return []
    claims = []
    for group in c.groups[:MAX_GROUPS]:
        nums = {n for v in group[:MAX_PER_GROUP]
                if (n := _cited(v.witness.sentence, chosen, number_of))}
        if nums:
            dates = [v.witness.published for v in group if v.witness.published]
            claims.append(Claim(group[0].shown, tuple(sorted(nums)), max(dates, default=None)))
    if len(claims) < 2:
        return []
    return [Conflict(topic=topic_of(q, c), claims=tuple(claims), kind=c.kind)]


def _confirming(
    q: Question, best: Witness, ws: list[Witness], chosen: list[Sentence]
) -> set[int]:
    """The further quotes (by ``id``) that give the first quote's value, of the asked kind and
    unit, as their spans read: only these confirm it. (A quote whose value differs, or whose
    span the reader may have misread, is attributed without "also".)"""
    first = value_of(q, best) if fits(q, best) else None
    if first is None:
        return set()
    by_sentence = {id(w.sentence): w for w in ws}
    out = set()
    for s in chosen[1:]:
        w = by_sentence.get(id(s))
        v = value_of(q, w) if w is not None and fits(q, w) else None
        if v is not None and same_unit(v, first) and same_value(v, first):
            out.add(id(s))
    return out


def _agreeing(c: Comparison, chosen: list[Sentence], number_of: dict[int, int]) -> list[int]:
    """Citation numbers of the articles that give the leading value, when several outlets do
    (two reports of one outlet are no independent confirmation)."""
    if c.kind != "agreement":
        return []
    nums = sorted({n for v in c.groups[0] if (n := _cited(v.witness.sentence, chosen, number_of))})
    outlets = {outlet_of(s) for s in chosen if number_of[id(s)] in nums}
    return nums if len(outlets) > 1 else []


def _answer_text(
    q: Question,
    chosen: list[Sentence],
    number_of: dict[int, int],
    conflicts: list[Conflict],
    lead: str | None,
    agreeing: Sequence[int] = (),
    *,
    unsure: bool = False,
    same_story: Callable[[str, str], bool] | None = None,
    confirming: set[int] | frozenset[int] = frozenset(),
) -> str:
    parts: list[str] = []
    by_number = {number_of[id(s)]: s for s in chosen}

    def sources(cl: Claim) -> str:
        said = []
        for n in cl.citations:
            s = by_number[n]
            day = str(s.chunk.meta.get("published") or "")[:10]
            said.append(f"{outlet_of(s)}{', ' + day if day else ''} [{n}]")
        return "; ".join(said)

    for c in conflicts:
        if c.kind == "update":
            newest, *older = c.claims
            earlier = "; ".join(f"{cl.value} ({sources(cl)})" for cl in older)
            parts.append(f"Latest: {newest.value} ({sources(newest)}), updated from {earlier}.")
        else:
            claims = "; ".join(f"{cl.value} ({sources(cl)})" for cl in c.claims)
            parts.append(f"The sources disagree on the {c.topic}: {claims}.")
    best = chosen[0]
    published = str(best.chunk.meta.get("published") or "")[:10] or None
    attribution = outlet_of(best) + (f" ({published})" if published else "")
    yesno = q.qtype is QType.YESNO
    if yesno:
        lead = None
    if lead and len(agreeing) > 1 and not conflicts:
        by_outlet: dict[str, list[int]] = {}
        for n in agreeing:
            by_outlet.setdefault(outlet_of(by_number[n]), []).append(n)
        sep = "; " if any(", carried by " in o for o in by_outlet) else ", "
        given = sep.join(f"{o} " + "".join(f"[{n}]" for n in ns) for o, ns in by_outlet.items())
        parts.append(f"{lead} — the sources agree: {given}.")
        lead = None
    head = f"{lead} — " if lead and not conflicts else ""
    opening = f"{head}According to"
    # The reader has no yes/no head: its doubt says nothing of a yes/no question, which
    # gets one hedge of its own (a second read as stacked disclaimers)
    doubted = unsure and not head and not conflicts and not yesno
    if yesno:
        # An extractive answer cannot weigh a yes/no claim; say so rather than guess.
        parts.append("The articles do not state a yes/no answer directly; here is what they say:")
    if doubted:  # the reader doubts its best sentence: say so
        opening = "The articles may not answer this directly; the closest passage is from"
    parts.append(f"{opening} {attribution}: {best.text} [{number_of[id(best)]}]")
    for s in chosen[1:]:
        if any(number_of[id(s)] in cl.citations for c in conflicts for cl in c.claims):
            continue
        # "X also reports" says X confirms the first quote: not after a doubted first quote,
        # nor for a passage of another story; for a question that asks a value, only when its
        # value is the first quote's ("£85m" after "£120m" would read as agreement)
        other = same_story is not None and not same_story(best.article_id, s.article_id)
        if doubted or other:
            said = f"Another close passage is from {outlet_of(s)}"
        elif q.qtype in VALUED and id(s) not in confirming:
            said = f"{outlet_of(s)} reports"
        else:
            said = f"{outlet_of(s)} also reports"
        parts.append(f"{said}: {s.text} [{number_of[id(s)]}]")
    return "\n".join(parts)

