"""Answerability: answer from the best witness, lead with its value only when sure, or refuse.

Refuse — saying what was searched, what is missing, and the closest evidence — when
- the question is *about* a named entity (its subject or object: "How much has **Malaysia**
  spent …") that no witness sentence mentions: the closest sentence is about someone else;
- a typed question (how many / when / where / who / which company) finds no value of its type
  in any close witness.
The lead (a short "value —" before the quote) is shown only when a close witness states a
value of the asked type tied to the focus (``witness.value_of``) that ``leads`` lets through;
otherwise the answer starts with the quote itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from index.answer.analysis import (
    AGENTS,
    NUMERIC,
    PLACES,
    TEMPORAL,
    Analysis,
    currency_code,
)
from index.answer.evidence import chunk_entities
from index.answer.leads import (
    CONSEQUENCE,
    CURRENTLY,
    NEW,
    ORIGINAL,
    elsewhere,
    keep_for,
    names_focus,
    nearest_other,
)
from index.answer.question import (
    OPPOSITES,
    QType,
    Question,
    is_choice,
    stems,
    verb_stem,
    verb_stems,
)
from index.answer.reading import misread, scoped
from index.answer.witness import (
    COPULAS,
    SCALE_SUFFIX,
    clause_distance,
    currency_sign,
    mentions,
    typed_values,
    value_of,
    witnesses,
)

WITNESS_FLOOR = 0.75  # witnesses within this share of the best sentence's score compete
TYPED_FLOOR = 0.6  # a typed value is looked for this far down before refusing


@dataclass(frozen=True)
class Verdict:
    """``best``: the sentence to lead the answer with; ``lead``: its short value, if sure;
    ``refusal``: the reason to refuse instead (None to answer)."""

    best: Any
    lead: str | None = None
    refusal: str | None = None
    verdict: str | None = None
    """For a yes/no question: "Yes" or "No" when ``best`` states it explicitly."""
    also: tuple[Any, ...] = ()
    """Sentences to quote right after ``best`` (the result a reason sentence explains)."""


def _kind(a: Analysis) -> str:
    if a.labels & NUMERIC:
        return "number"
    if a.labels <= TEMPORAL:
        return "date"
    if a.labels <= PLACES:
        return "place"
    return "name"


def _closest(s: Any) -> str:
    meta = s.chunk.meta
    where = str(meta.get("source") or "") or f"“{meta.get('title', '')}”"
    return f"The closest passage ({where}) says: “{s.text}”"


def _covers(s: Any, name: str, *, title: bool = True) -> bool:
    """``name`` occurs in the sentence, its paragraph (chunk) or — with ``title`` — its
    article's title."""
    texts = [s.text, s.chunk.text] + ([str(s.chunk.meta.get("title", ""))] if title else [])
    return any(mentions(text, name) for text in texts)


# Adjectives that pick one of a set ("southern" harbor, not the northern one).
_CONTRAST_SETS = tuple(frozenset(x.split()) for x in (
    "north south east west northern southern eastern western northeast northwest southeast "
    "southwest north-east north-west south-east south-west north-eastern north-western "
    "south-eastern south-western",
    "upper lower", "inner outer", "domestic foreign international", "public private",
    "male female", "national federal state local regional municipal", "left right",
    "morning afternoon evening",
))


def _contrasts(s: Any, word: str) -> bool:
    """The passage names another member of ``word``'s set and not ``word`` itself."""
    w = word.lower()
    group = next((g for g in _CONTRAST_SETS if w in g), None)
    if group is None:
        return False
    words = {x.lower() for x in re.findall(r"[\w-]+", f"{s.text} {s.chunk.text}")}
    return w not in words and bool(words & (group - {w}))


def _verb_at(text: str, verb: str) -> bool:
    return verb in verb_stems(text)


def _opposite(text: str, verb: str) -> bool:
    """The sentence uses a verb opposite to ``verb`` and never ``verb`` itself."""
    found = verb_stems(text)
    return bool(OPPOSITES.get(verb, frozenset()) & found) and verb not in found


_NEGATION = re.compile(r"\b(?:not|never|no|n't|neither|nor|refused to|declined to|failed to)\b",
                       re.IGNORECASE)


def explicit_verdict(text: str, a: Analysis) -> str | None:
    """"No" when the sentence uses the question's verb negated, or its opposite ("rejected"
    for "Did Moscow accept …"); "Yes" when it uses the verb plainly — only in a sentence that
    names everything the question is about. None otherwise: no verdict is guessed."""
    about = [n for n in a.about if n not in a.nationalities] or list(a.proper)
    if not a.focus_verb or not about or not all(mentions(text, n) for n in about):
        return None
    words = list(re.finditer(r"[\w’'-]+", text))
    for i, m in enumerate(words):
        stem = verb_stem(m.group(0))
        if stem == a.focus_verb:
            before = " ".join(w.group(0) for w in words[max(0, i - 3) : i])
            return "No" if _NEGATION.search(before) else "Yes"
        if stem in OPPOSITES.get(a.focus_verb, frozenset()):
            return "No"
    return None


def same_slot(s: Any, a: Analysis) -> bool:
    """``s`` speaks of what a short question asks about: its paragraph names them all."""
    if not a.simple:
        return True
    about = [n for n in a.about if n not in a.nationalities]
    return all(_covers(s, n, title=False) for n in about)


def _states(s: Any, a: Analysis, qstems: set[str], strict: bool) -> bool:
    """``s`` states a value of the asked type (for "how many X", in a sentence about X)."""
    if not typed_values(s, a, qstems) or not a.focus_noun or not strict \
            or a.labels == {"MONEY"}:  # "what is the offer worth": any amount (in its currency)
        return bool(typed_values(s, a, qstems))
    if a.labels & NUMERIC:
        if a.focus_noun not in set(stems(s.text)):
            return False
        # "how many stores will close": a count of stores in a paragraph that never speaks of
        # closing is a count of something else
        # (table rows have no verbs: their header says what they count)
        return not a.focus_verb or s.header is not None or _verb_at(s.chunk.text, a.focus_verb)
    return _covers(s, a.focus_text or a.focus_noun)


def _focus(a: Analysis, q: Question) -> str:
    return a.focus_text or q.resolved.rstrip(" ?")[:80]


def _as_written(text: str, v: Any) -> str:
    """The value with the currency sign and scale the entity left out ("$" + "1.2" + "bn")."""
    start, end = v.start - len(currency_sign(text, v.start)), v.end
    scale = SCALE_SUFFIX.match(text, end)
    if scale and v.label == "MONEY":
        end += len(scale.group(0))
    word = re.match(r"\s+[A-Za-z]+", text[end:])
    if v.label == "MONEY" and start == v.start and word and currency_code(word.group(0)):
        end += len(word.group(0))  # "260.75bn roubles"
    return text[start:end]


def judge(q: Question, a: Analysis, sents: list[Any]) -> Verdict:
    """Pick the witness to answer from, its lead value, or a refusal (see module docstring)."""
    best = sents[0]
    pool = witnesses(sents, floor=TYPED_FLOOR * best.score)
    qstems = set(q.keywords)
    if a.describe:  # "who is X": a sentence that describes X ("X, a mother of …", "X is …")
        describes = re.compile(rf"\b{re.escape(a.describe)}\b(?:,\s*(?:a|an|the|who)\b|"
                               r"\s+(?:is|was)\s+(?:a|an|the)\b)")
        described = [s for s in sents if describes.search(s.text)]
        if described:
            return Verdict(described[0])
    followup = q.resolved != q.text  # borrowed words are context, not demands
    outlets = {str(s.chunk.meta.get("source") or "").casefold() for s in sents}
    about = [
        name for name in a.about
        if name not in a.nationalities and not any(
            name.strip("'’ ").casefold().removeprefix("the ") in o for o in outlets if o
        )
    ]
    strict = a.simple and not followup
    need = (len(about) + 1) // 2  # most of what the question is about

    def fits(s: Any) -> bool:
        """The checks below that each witness passes, for another sentence of its article."""
        return not strict or (
            (not about or sum(_covers(s, n, title=False) or _headline_topic(s, n, a)
                              for n in about) >= need)
            and not any(_contrasts(s, w) for w in a.qualifiers)
            and not (a.focus_verb and q.qtype is not QType.YESNO and not is_choice(q.resolved)
                     and _opposite(s.text, a.focus_verb))
        )

    if about and strict:
        # What the question is about must be in the paragraph that answers it, not only in
        # the headline: "How much has Malaysia spent" is not answered by Australia's spending.
        pool = [s for s in pool if sum(_covers(s, n, title=False) or _headline_topic(s, n, a)
                                       for n in about) >= need]
        if not pool:
            names = " and ".join(about)
            return Verdict(best, refusal=(
                f"The articles do not say that about {names}: no passage close to the question "
                f"mentions {names}. {_closest(best)}"
            ))
    if a.qualifiers and strict:  # "the southern harbor" vs a passage on the northern one
        pool = [s for s in pool if not any(_contrasts(s, w) for w in a.qualifiers)]
        if not pool:
            words = " ".join(a.qualifiers)
            return Verdict(best, refusal=(
                f"The articles do not say that about anything {words}: the closest passage is "
                f"about another one. {_closest(best)}"
            ))
    if a.focus_verb and strict and q.qtype is not QType.YESNO and not is_choice(q.resolved):
        # the opposite act: no witness ("rise or fall" asks for either)
        pool = [s for s in pool if not _opposite(s.text, a.focus_verb)]
        if not pool:
            return Verdict(best, refusal=(
                "The articles report the opposite of what the question asks about, not it. "
                f"{_closest(best)}"
            ))
    if a.topic and strict and not any(_covers(s, a.topic) for s in pool):
        return Verdict(best, refusal=(
            f"The articles do not cover that: none of the passages close to the question "
            f"mentions “{a.topic}”. {_closest(best)}"
        ))
    # (a multi-part who/which question is answered by clues that name no one in so many
    # words — "the ride-hail company claims …": no name in the closest sentences is no refusal)
    clues = not a.simple and a.labels <= AGENTS
    if a.labels and not a.soft_type and not followup and not clues \
            and not any(_states(s, a, qstems, strict) for s in pool):
        return Verdict(best, refusal=(
            f"The articles do not give that {_kind(a)}: none of the closest sentences states "
            f"one for “{_focus(a, q)}”. {_closest(pool[0] if pool else best)}"
        ))
    top = pool[0] if pool else best
    if q.qtype is QType.REASON and CONSEQUENCE.search(top.text):
        # "… has been cancelled as a result": the reason is the sentence before
        cause = next((s for s in sents if s.chunk.chunk_id == top.chunk.chunk_id
                      and s.index == top.index - 1), None)
        if cause is not None:
            return Verdict(cause, also=(top,))
    asks_new = bool(NEW.search(q.resolved))
    if asks_new and CURRENTLY.search(top.text) and re.search(r"\bnew\b", q.resolved):
        # "what's the new minimum wage": a passage on what it is *currently* is the old one
        top = next((s for s in sents if s.article_id == top.article_id and s.score >=
                    WITNESS_FLOOR * top.score and not CURRENTLY.search(s.text)), top)
    if asks_new and ORIGINAL.search(top.text):
        # "the latest TV rights deal": not a passage on "the first TV deal of the era"
        top = next((s for s in pool if s.score >= WITNESS_FLOOR * top.score
                    and not ORIGINAL.search(s.text)), top)
    if q.qtype is QType.YESNO and a.simple and a.focus_verb:
        for s in pool[:3]:
            said = explicit_verdict(s.text, a)
            if said is not None:
                return Verdict(s, verdict=said)
    if a.labels:
        # the witnesses first; then another close sentence of a witness's article that
        # covers the question's words as well as its witness ("Texas Judge Letitia Clark
        # said …" beside the article's best "Yukos had argued that a US court …")
        lexical = {s.article_id: s.lexical for s in pool}
        close = pool + [s for s in sents if s.score >= WITNESS_FLOOR * top.score
                        and s not in pool and s.article_id in lexical
                        and s.lexical >= lexical[s.article_id] and fits(s)]
        found = [(s, v) for s in close if s.score >= WITNESS_FLOOR * top.score
                 if (v := value_of(s, a, qstems, keep_for(s, a, q.resolved))) is not None]
        if found and a.labels <= PLACES | TEMPORAL:
            # where/when: the value in the asked act's own clause, not another predicate's
            found.sort(key=lambda sv: clause_distance(sv[0], a, sv[1]))
        # a value of another period or a running total ("since March 2022") leads nothing,
        # nor one from a passage whose article names nothing the question names
        named = [n for n in a.named if n not in a.nationalities]
        found = [(s, v) for s, v in found if not scoped(s, v, a, q.resolved)
                 and not (misread(s.text, v) and not names_focus(s.text, v, a))
                 and not elsewhere(s, a) and not nearest_other(s, v, a)
                 and (not named or any(_covers(s, n) for n in named))]
        if a.labels <= AGENTS and a.focus_noun and not a.focus_verb:
            # "who is the deputy leader": the name in the noun's own clause ("deputy leader
            # Damian Hockney"), not the subject of another verb ("Kilroy-Silk made him …")
            found = [(s, v) for s, v in found if clause_distance(s, a, v, COPULAS) == 0]
        elif a.labels <= AGENTS and a.focus_verb:  # "which company opened a plant": not
            found = [(s, v) for s, v in found  # "…, a move welcomed by Microsoft"
                     if not _verb_at(s.text, a.focus_verb) or clause_distance(s, a, v) == 0]
        if found:
            return Verdict(found[0][0], lead=_as_written(found[0][0].text, found[0][1]))
    return Verdict(top)


def _headline_topic(s: Any, name: str, a: Analysis) -> bool:
    """The article's title names ``name`` and the paragraph names nothing else of its kind:
    "the plane" in a paragraph of "Missing Malaysia plane MH370: What we know" is MH370, while
    a paragraph on Australia's spending is not about Malaysia's."""
    label = dict(a.labels_of).get(name)
    if label is None or not mentions(str(s.chunk.meta.get("title", "")), name):
        return False
    return not any(lab == label and not mentions(text, name)
                   for text, lab in chunk_entities(s.chunk))
