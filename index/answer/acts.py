"""What someone did: "What did the protester do to the minister?" compared across articles.

Reports of one event often name the act differently ("slapped" in one, "shoved" in the
other). Each article's reading here is the verb its best close sentence uses with the asked
doer as subject (and the asked target as object, when the question names one), read from
spaCy's dependency parse of that sentence only at question time. Verbs for the same act
(``question.verb_stem``: "hurt" = "injure") agree; other verbs are a disagreement that
``agree.compare`` reports like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from index.answer.analysis import asked_act, parse_texts
from index.answer.reading import Reading
from index.answer.witness import Value, mentions

PER_ARTICLE = 2  # close sentences parsed per article


def act_readings(sents: Sequence[Any], question: str, *, floor: float) -> list[Reading]:
    """One reading per article: the verb its closest sentence uses for the asked doer."""
    asked = asked_act(question)
    if asked is None:
        return []
    doer, target = asked
    pool: dict[str, list[Any]] = {}
    for s in sents:
        names = mentions(s.text, doer) and (not target or mentions(s.text, target))
        if s.score >= floor and names and len(pool.setdefault(s.article_id, [])) < PER_ARTICLE:
            pool[s.article_id].append(s)
    flat = [s for group in pool.values() for s in group]
    out: dict[str, Reading] = {}
    for s, doc in zip(flat, parse_texts([s.text for s in flat]), strict=True):
        if s.article_id in out:
            continue
        verb = _verb_of(doc, doer, target)
        if verb is not None:
            start, end = verb.idx, verb.idx + len(verb.text)
            value = Value(verb.text, "ACT", verb.text.lower(), start, end)
            out[s.article_id] = Reading(s, value, verb.text, "act", "")
    return list(out.values())


def _verb_of(doc: Any, doer: str, target: str) -> Any:
    """The verb whose subject names ``doer`` (and whose object names ``target``)."""
    for tok in doc:
        if tok.pos_ != "VERB":
            continue
        subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
        if not any(mentions(" ".join(w.text for w in c.subtree), doer) for c in subjects):
            continue
        objects = [c for c in tok.children if c.dep_ in ("dobj", "obj", "dative")] + [
            g for p in tok.children if p.dep_ == "prep" for g in p.children if g.dep_ == "pobj"
        ]
        if not target or any(mentions(" ".join(w.text for w in o.subtree), target)
                             for o in objects):
            return tok
    return None
