"""Fragments: a follow-up with no verb of its own ("and the Russians?", "Why?", "From which
firm?") is the previous question asked again with the fragment in its place — in the slot of
the same kind, or as the circumstance a lone question adverb asks about. Used by
``index.understand.followup``; spaCy docs in, a question (or None: no slot fits) out.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.text import normalize

CONTINUES = re.compile(r"^\W*(and|but|also|so|then|what about|how about)\b[\s,]*", re.I)
WH = frozenset({"WDT", "WP", "WP$", "WRB"})


def wh(doc: Any) -> str:
    """The question word, lower-cased ("" when there is none)."""
    return next((t.lower_ for t in doc if t.tag_ in WH), "")


def _fragment_words(frag: Any) -> list[Any]:
    """A fragment's own words: no leading "and", "what about" …, no punctuation around them
    (inside stays: "the runner-up" is not "the runnerup")."""
    m = CONTINUES.match(frag.text)
    words = [t for t in frag if not m or t.idx >= m.end()]
    while words and words[0].is_punct:
        words = words[1:]
    while words and words[-1].is_punct:
        words = words[:-1]
    return words


def ask_instead(frag: Any, prev: Any) -> str | None:
    """A question adverb alone ("Why?", "where", "and when?") asks the previous question about
    another circumstance: it takes the place of that question's own question word when that
    word is itself a circumstance ("How much did Newcastle fine Bellamy?" → "Why did
    Newcastle fine Bellamy?"), or stands before a yes/no question ("Was anyone sent off?" →
    "Why was anyone sent off?"); a thing asked for stays as the verb's object ("What did she
    say?" → "Why did she say that?"). None when the question word is the subject ("Who
    won?") or no verb's object ("How long is it?")."""
    words = _fragment_words(frag)
    if len(words) != 1 or words[0].tag_ != "WRB" or len(prev) < 2:
        return None
    wh = words[0].lower_
    verb = next((t for t in prev if t.pos_ in ("VERB", "AUX")), None)
    if verb is None:
        return None
    rest = "".join(t.text_with_ws for t in prev[verb.i:]).strip()
    if verb.i == 0:  # a yes/no question: "Was anyone sent off …?"
        return _join([], f"{wh} {rest[:1].lower()}{rest[1:]}", [])
    asked = prev[: verb.i]
    subject = any(t.dep_ in ("nsubj", "nsubjpass") and t.i > verb.i for t in prev)
    if verb.pos_ != "AUX" or not subject or not any(t.tag_ in WH for t in asked):
        return None  # "Who won the Cup?": the question word is its subject
    if all(t.dep_ in ("advmod", "npadvmod") for t in asked):  # when, where, how much
        return _join([], f"{wh}{asked[-1].whitespace_}{rest}", [])
    head = next((t for t in asked if not t.head.i < verb.i), None)
    if head is None or head.dep_ != "dobj" or head.head.i < verb.i:
        return None  # "How long is it?": no clause to ask "why" of
    # "What did she say?" → "Why did she say that?"; "How many jobs will Veltra cut?" →
    # "Why will Veltra cut jobs?": the thing asked for stays, as an object after its verb
    noun = [t for t in asked if t.tag_ not in WH and t.lower_ not in ("many", "much")]
    thing = "".join(t.text_with_ws for t in noun).strip()
    if not thing:
        thing = "that"
    elif noun[0].pos_ != "DET" and noun[-1].tag_ == "NN":
        thing = f"the {thing}"  # "Which firm did they hire?" → "… hire the firm?"
    words = [t.text_with_ws for t in prev[verb.i:]]
    verb_of = head.head.i - verb.i
    words[verb_of] = f"{head.head.text} {thing}{head.head.whitespace_}"
    return _join([], f"{wh} {''.join(words).strip()}", [])


def put_in(typed: str, prev: Any, nlp: Any) -> list[tuple[int, int]]:
    """The token ranges of the previous question (as answered) that its own rewrite put in
    for a reference ("the one who was killed near Ardmore" for "she"): phrases with a noun."""
    if not typed or typed == prev.text:
        return []
    words = [t.lower_ for t in nlp.tokenizer(typed)]
    match = difflib.SequenceMatcher(a=words, b=[t.lower_ for t in prev], autojunk=False)
    return [(j1, j2) for op, _i1, _i2, j1, j2 in match.get_opcodes()
            if op in ("replace", "insert")
            and any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in prev[j1:j2])]


@dataclass(frozen=True)
class _Slot:
    """A phrase of the previous question a fragment may take the place of."""

    words: list[Any]  # the words replaced
    head: Any  # the word whose number and part of speech the fragment must share
    labels: frozenset[str]  # entity types there
    counted: bool  # a "how many X" slot: the fragment's article goes ("how many Russians")


def _slots(prev: Any, put_in: Sequence[tuple[int, int]]) -> list[_Slot]:
    """The previous question's phrases a fragment may take the place of: a phrase the last
    rewrite put in is one slot, whole (the parser splits descriptions badly: "How did the one"
    was a noun chunk); a noun chunk holding a verb or a which/what word is none."""
    slots: list[tuple[int, _Slot]] = []
    for a, b in put_in:
        span = prev[a:b]
        labels = frozenset(e.label_ for e in prev.ents if span.root in e)
        slots.append((a, _Slot(list(span), span.root, labels, False)))
    for chunk in prev.noun_chunks:
        if any(a < chunk.end and chunk.start < b for a, b in put_in):
            continue  # inside a phrase put in: that whole phrase is the slot
        core = [t for t in chunk if t.tag_ not in WH and t.lower_ not in ("many", "much")]
        if not core or core[0].pos_ == "PRON" or any(
                t.tag_ in ("WDT", "WP") or t.pos_ in ("VERB", "AUX") for t in chunk):
            continue  # "which book" is what was asked, no slot for "the children's prize"
        labels = frozenset(e.label_ for e in prev.ents
                           if e.start < chunk.end and e.end > chunk.start)
        slots.append((chunk.start, _Slot(core, core[-1], labels, len(core) < len(chunk))))
    return [slot for _, slot in sorted(slots, key=lambda s: s[0])]


def fill(frag: Any, prev: Any, put_in: Sequence[tuple[int, int]] = ()) -> str | None:
    """A fragment put in the previous question's slot of the same kind (a thing it names or
    counts, never the thing a which/what question asks for): a phrase with the same
    preposition ("for adults" ← "for 18 to 21 year olds"), or a name of the same entity type
    ("Ukrainians" ← "the Russians"); a "how many …" fragment of the same wh-word adds
    its phrase to the previous question. ``put_in``: the token ranges the previous rewrite
    put in (from ``put_in()``), each one slot. None when no slot fits."""
    words = _fragment_words(frag)
    if not words or not prev.text.strip():
        return None
    ptoks = [t.text_with_ws for t in prev]
    body = "".join(t.text_with_ws for t in words).strip()
    first = words[0]
    if first.tag_ in WH:  # "how many in total?", "how many Russians?": same wh-word
        if wh(prev) != first.lower_:
            return None
        words = [t for t in words[1:] if t.lower_ not in ("many", "much")]
        if not words:
            return None
        first = words[0]
        body = "".join(t.text_with_ws for t in words).strip()
    if first.pos_ == "ADP":
        body = first.lower_ + body[len(first.text):]  # "From which firm?" goes inside
        same = [t for t in prev if t.pos_ == "ADP" and t.lower_ == first.lower_]
        if same:
            p = same[0]
            a, b = p.left_edge.i, p.right_edge.i + 1
            return _join(ptoks[:a], body, ptoks[b:])
        end = len(ptoks) - (1 if prev[-1].is_punct else 0)
        return _join(ptoks[:end], body, [])
    labels = {e.label_ for e in frag.ents}
    for slot in _slots(prev, put_in):
        if labels and not labels & slot.labels:
            continue
        if not labels and (slot.labels or slot.head.pos_ != words[-1].pos_):
            continue
        if _plural(slot.head) != _plural(words[-1]):  # "the loser" takes no slot of "votes"
            continue
        new = words[1:] if slot.counted and words[0].pos_ == "DET" else words
        text = "".join(t.text_with_ws for t in new).strip()
        return _join(ptoks[: slot.words[0].i], text, ptoks[slot.words[-1].i + 1:])
    return None


def _plural(t: Any) -> bool | None:
    """A noun's grammatical number (None for other words): a fragment fills only a slot it
    agrees with, as English requires."""
    return t.tag_ in ("NNS", "NNPS") if t.tag_.startswith("NN") else None


def _join(before: list[str], middle: str, after: list[str]) -> str:
    head = "".join(before)
    tail = "".join(after)
    text = normalize(f"{head}{'' if not head or head.endswith(' ') else ' '}{middle}"
                     f"{' ' if tail and tail[0] not in '?.!,' else ''}{tail}")
    if not text.endswith(("?", ".", "!")):
        text += "?"
    return text[:1].upper() + text[1:]
