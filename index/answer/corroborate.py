"""Corroboration: the name the cited witnesses share, for a who/which question that several
articles answer together.

"Which company … is accused by a publisher of siphoning off ad revenue, as reported by
TechCrunch and The Age?" has no one sentence that states the answer: each outlet's passage
gives one clue, and the answer is the entity they have in common ("Google"). Offline, with no
model to reason over the clues, the honest short answer is that common name — shown only when
at least two articles' cited sentences name it, at least half of the cited articles do, and no
other name of the asked type is named as often; the answer then says which sources name it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.answer.analysis import Analysis
from index.answer.evidence import chunk_entities
from index.answer.question import stems
from index.answer.witness import TITLES, mentions

NAME_LABELS = frozenset(
    {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"}
)
MIN_ARTICLES = 2
_AGENT_LABELS = frozenset({"PERSON", "ORG"})  # the tagger confuses the two


@dataclass(frozen=True)
class Corroboration:
    """``name``: the shared entity in its fullest written form ("Sam Altman" where a quote
    says "Altman"); ``witnesses``: the cited sentences that name it, in citation order."""

    name: str
    witnesses: list[Any]


def corroborated(
    chosen: Sequence[Any], a: Analysis, question_stems: set[str], pool: Sequence[Any] = ()
) -> Corroboration | None:
    """The entity of an asked name type that most cited articles name, or None.

    Only for a multi-part question (``Analysis.simple`` false): one sentence should answer a
    simple one, and a name its quotes share may just be what they are about.
    ``chosen``: the sentences the answer cites (``evidence.Sentence``), best first; ``pool``:
    every scored sentence, where a fuller form of the name may be written. None unless the
    question asks for a name (its labels are all name labels), the entity is not a word of the
    question, and it is named in sentences of ≥ 2 distinct articles, of at least half the
    cited articles, and of more articles than any other candidate. Candidates are the names of
    the asked type in the cited sentences and their paragraphs (the tagger misses some).
    """
    if not a.labels or not a.labels <= NAME_LABELS or a.describe or a.simple:
        return None
    articles = list(dict.fromkeys(s.article_id for s in chosen))
    if len(articles) < MIN_ARTICLES:
        return None
    rivals = a.labels | (_AGENT_LABELS if a.labels & _AGENT_LABELS else frozenset())
    groups = _group(_names(chosen, rivals, question_stems))
    support = {key: [s for s in chosen if any(mentions(s.text, w) for w in written)]
               for key, (written, _) in groups.items()}
    count = {key: len({s.article_id for s in found}) for key, found in support.items()}
    asked = [key for key, (_, labels) in groups.items() if labels & a.labels]
    if not asked:
        return None
    top = max(asked, key=lambda k: count[k])
    runner_up = max((count[k] for k in groups if k != top), default=0)
    if count[top] < MIN_ARTICLES or 2 * count[top] < len(articles) or count[top] <= runner_up:
        return None
    return Corroboration(_fullest(groups[top][0], [*support[top], *pool]), support[top])


def _names(
    chosen: Sequence[Any], labels: frozenset[str], question_stems: set[str]
) -> list[tuple[str, str]]:
    """Names with one of ``labels`` in the cited sentences and their paragraphs (the tagger
    misses some in a sentence that it finds nearby), minus the question's own names."""
    out = []
    for chunk in {id(s.chunk): s.chunk for s in chosen}.values():
        for text, label in chunk_entities(chunk):
            words = set(stems(text)) - TITLES
            if label in labels and words and not words <= question_stems:
                out.append((_clean(text), label))
    return out


def _group(names: list[tuple[str, str]]) -> dict[tuple[str, ...], tuple[list[str], set[str]]]:
    """Names grouped by the fullest form they end ("Altman" with "Sam Altman"; a tagger may
    call "Bankman-Fried" an ORG and "Sam Bankman-Fried" a PERSON): key → (forms, labels)."""
    counts = Counter(tuple(stems(text)) for text, _ in names)
    canon: dict[tuple[str, ...], tuple[str, ...]] = {}
    for t in sorted(counts, key=lambda t: (-len(t), -counts[t])):
        canon[t] = next((c for c in canon if canon[c] == c and len(c) > len(t)
                         and c[-len(t):] == t), t) if t else t
    groups: dict[tuple[str, ...], tuple[list[str], set[str]]] = {}
    for text, label in names:
        key = canon[tuple(stems(text))]
        if key:
            forms, labels = groups.setdefault(key, ([], set()))
            forms.append(text)
            labels.add(label)
    return groups


def _clean(text: str) -> str:
    text = text.strip(" '’\"“”‘,.;:()")
    return re.sub(r"^(?:the|The)\s+", "", re.sub(r"[’']s$", "", text))


def _fullest(written: list[str], pool: Sequence[Any]) -> str:
    """The longest form of the name in the quotes or the other retrieved paragraphs: a name
    that ends with a written form ("Sam Bankman-Fried" for "Bankman-Fried", "Minnesota
    Vikings" for "Vikings"), whatever its label; the most often written among equally long
    ones."""
    short = {tuple(stems(w)) for w in written}
    seen = list(written)
    for chunk in {id(s.chunk): s.chunk for s in pool}.values():
        for text, label in chunk_entities(chunk):
            words = tuple(stems(text))
            if label in NAME_LABELS and any(words[-len(w):] == w for w in short if w):
                seen.append(_clean(text))
    return max(seen, key=lambda x: (len(x.split()), seen.count(x)))
