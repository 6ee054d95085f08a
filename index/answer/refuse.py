"""Refusal as a decision of its own: a small logistic classifier over general signals of how
well the closest evidence fits the question — the reader's confidence in the best sentence
and its span, how many sentences it is sure of, the best sentence's cosine, how many of the
question's words that sentence contains, and whether it counts what a "how many X" asks.
Weights and threshold live in ``index.answer.calibration`` (fitted on the tune slices,
checked on the held-out slice); ``signals`` also records a few signals the fit left out, for
the next calibration.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answer.calibration import (
    MIN_NAMES_COVERED,
    REFUSAL_BIAS,
    REFUSAL_WEIGHTS,
    REFUSE_BELOW,
)
from index.answer.cite import closest_articles, refusal
from index.answer.conflicts import quantities, spelled
from index.answer.evidence import context_stems
from index.answer.read import Witness, logit
from index.answer.retrieve import Candidate, Filters
from index.answer.search import Found
from index.types import Answer
from index.understand.question import RECENCY, QType, Question, stems


@dataclass
class Decision:
    """The decision stage's outcome: a refusal (None when the articles answer), and the
    classifier's signals either way (``Answer.signals``, for the eval and the next fit)."""

    refusal: Answer | None
    signals: dict[str, float] = field(default_factory=dict)


def decide(
    q: Question, found: Found, witnesses: Sequence[Witness], filters: Filters | None = None
) -> Decision:
    """Do the articles answer ``q``? No when an outlet it names is not indexed, when nothing
    (or nothing within the filters) is indexed, when a several-part question's names are not
    in the retrieved chunks, or when the calibrated classifier says so."""
    if found.missing and found.chunks:
        # What an outlet we hold no article from reported cannot be checked: say so.
        names = " or ".join(found.missing)
        return Decision(refusal(q, closest_articles(found.chunks), (
            f"None of the indexed articles are from {names}, so I cannot check what "
            f"{'it' if len(found.missing) == 1 else 'they'} reported. "
            "Add such articles with /ingest (or `newsqa ingest`), or ask about the "
            "outlets listed by /sources."
        )))
    if not found.chunks and filters is not None and filters.active():
        return Decision(refusal(q, [], "No indexed article matches the outlet or dates asked "
                                       "for: see /sources (or `newsqa sources`) for what is "
                                       "indexed."))
    if not found.chunks:
        return Decision(refusal(q, [], "The index is empty: add articles with `newsqa ingest "
                                       "PATH`."))
    sig = signals(q, witnesses)
    # A question of several parts (clauses, or outlets named) is answered by several
    # witnesses, not by one sentence: the one-sentence decision does not apply to it; it
    # is refused when the retrieved articles do not name what it names.
    several = bool(found.parts.clauses) or bool(found.outlets)
    if not names_covered(q, found.chunks) if several else should_refuse(sig):
        result = refusal(q, closest_articles(found.chunks), missing_reason(q, witnesses))
        result.signals = sig
        return Decision(result, sig)
    return Decision(None, sig)


def signals(q: Question, witnesses: Sequence[Witness]) -> dict[str, float]:
    """The refusal classifier's inputs (also written to ``Answer.signals`` for the eval)."""
    if not witnesses:
        return {}
    best = witnesses[0]
    top_p = max(w.p for w in witnesses)
    sems = sorted((w.sentence.semantic for w in witnesses), reverse=True)
    context = context_stems(best.sentence)
    words = set(q.keywords)
    names = set(q.entities)
    return {
        "reader_logit": logit(top_p),
        "best_logit": logit(best.p),
        "cosine": sems[0],
        "margin": sems[0] - sum(sems[:10]) / len(sems[:10]),
        "coverage": len(words & context) / len(words) if words else 1.0,
        "names": len(names & context) / len(names) if names else 1.0,
        "in_sentence": len(words & set(stems(best.sentence.text))) / len(words) if words else 1.0,
        "span_p": best.span_p,
        "sure": math.log1p(sum(w.p >= 0.5 for w in witnesses)),
        "counts": counts_target(q, best.sentence.text),
    }


def counts_target(q: Question, text: str) -> float:
    """1.0 when the sentence counts what a "how many X" question counts ("80 banks", "the
    number of banks … is 49"), or the question counts nothing; else 0.0. An on-topic question
    the articles do not answer is often answered by a figure of something else."""
    if q.qtype is not QType.NUMBER or not q.target:
        return 1.0
    return float(any(x.key == q.target for x in quantities(spelled(text))))


def p_answerable(sig: dict[str, float]) -> float:
    z = REFUSAL_BIAS + sum(w * sig.get(name, 0.0) for name, w in REFUSAL_WEIGHTS.items())
    return 1.0 / (1.0 + math.exp(-z))


def should_refuse(sig: dict[str, float]) -> bool:
    return not sig or p_answerable(sig) < REFUSE_BELOW


def names_covered(q: Question, cands: Sequence[Candidate]) -> bool:
    """Do the retrieved chunks (with titles and outlets) name at least ``MIN_NAMES_COVERED``
    of what the question names? (The old answer gate's check, kept for several-part
    questions: calibrated on the MultiHop dev set, 100 % of null questions refused.)"""
    if not q.entities:
        return True
    seen: set[str] = set()
    for c in cands:
        seen.update(stems(c.chunk.text))
        seen.update(stems(str(c.chunk.meta.get("title", ""))))
        seen.update(stems(str(c.chunk.meta.get("source", ""))))
    return sum(e in seen for e in q.entities) / len(q.entities) >= MIN_NAMES_COVERED


def missing_reason(q: Question, witnesses: Sequence[Witness]) -> str:
    """What the articles lack, and the closest passage, for the refusal message."""
    if not witnesses:
        return "I could not find an answer to that in the indexed articles."
    best = witnesses[0].sentence
    # "the closest passages do not mention X" must hold of every passage read, not only
    # of the best one: a name another read passage mentions is not said to be missing
    context: set[str] = set()
    for w in witnesses:
        context |= context_stems(w.sentence)
    absent = [w for w in _shown_names(q) if not set(stems(w)) <= context]
    absent += [w for w in re.findall(r"[A-Za-z][\w’'-]+", q.resolved)
               if (st := stems(w)) and not set(st) <= context | RECENCY
               and not any(w in a for a in absent)][: max(0, 3 - len(absent))]
    outlet = str(best.chunk.meta.get("source") or "") or f"“{best.chunk.meta.get('title', '')}”"
    said = f"The closest passage ({outlet}) says: “{best.text}”"
    if absent:
        return (f"The articles do not answer that: the closest passages do not mention "
                f"{', '.join(absent)}. {said}")
    return f"The articles do not answer that: none of the closest sentences states it. {said}"


def _shown_names(q: Question) -> list[str]:
    """The question's names as written ("Malaysia"), for the refusal message."""
    words = re.findall(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*", q.resolved)
    return [w for w in words if set(stems(w)) & set(q.entities)]
