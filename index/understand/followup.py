"""Follow-ups: resolve only what needs resolving, in the question's own words, or leave it be.

One principle: a question is rewritten only where it leans on the previous turn — a pronoun
whose referent the question itself does not name, or a fragment with no verb ("and the
Russians?") — and then only by putting a *phrase the conversation already holds* in that
place: the previous answer's value or a person the previous question named for "he", "they",
"it" …, a place for "there", the previous question with the fragment in the slot of the same
kind for a fragment. The user's own words are all kept; nothing is appended. When no such
phrase is known the question is asked as typed, and the previous question only helps
retrieval (``Resolution.context``: never shown, never read by the reader). Parsing is spaCy's
(the ingest model with its tagger and parser), run on the two short questions only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.text import normalize
from index.types import Turn
from index.understand.fragments import CONTINUES, WH, ask_instead, fill, put_in, wh
from index.understand.words import stems

_PERSON = frozenset({"he", "him", "his", "she", "her", "hers"})
_OTHER = frozenset({"they", "them", "their", "theirs", "it", "its"})
_OPEN = frozenset({"that", "this", "these", "those", "then", "there"})
_TOPIC = re.compile(r"^\W*(?:and|but|what about|how about|as for)\s+[^,?]+,\s*(?=\w)", re.I)
_LEAD = re.compile(r"^([^\n—]{2,60}?) — ")
_AGREE = {"do": "does", "are": "is", "were": "was", "have": "has"}  # "they" → one name
_SAYING = frozenset(  # verbs of saying, as written (the parser runs without a lemmatizer)
    """say says said tell tells told report reports reported claim claims claimed announce
    announced state stated confirm confirmed deny denied write wrote suggest suggested""".split())


@dataclass(frozen=True)
class Resolution:
    text: str  # the question to answer: as typed, or with its references filled in
    followup: bool  # leans on the previous turn (its articles rank higher)
    context: str = ""  # the previous question, for retrieval only, when a reference stays open


def resolve(text: str, history: Sequence[Turn]) -> Resolution:
    """The question as it should be answered after ``history`` (see the module docstring)."""
    if not history or not text.strip():
        return Resolution(text, False)
    from index.understand.parser import load_parser

    nlp = load_parser()
    prev = history[-1]
    prev_text = prev.resolved or prev.question
    doc, pdoc = nlp(text), nlp(prev_text)
    continues = bool(CONTINUES.match(text))
    if not any(t.pos_ in ("VERB", "AUX") for t in doc):  # a fragment: "and the Russians?"
        filled = ask_instead(doc, pdoc) or fill(doc, pdoc, put_in(prev.question, pdoc, nlp))
        if filled:
            return Resolution(filled, True)
        return Resolution(text, True, prev_text)
    if any(t.lower_ in ("that", "so") and t.head.lower_ in _SAYING for t in doc):
        # "Who said that?", "Who said so?": a statement, which the conversation holds only as
        # the last answer, not as a phrase: asked as typed, the last question helps retrieval
        return Resolution(text, True, prev_text)
    open_refs = [t for t in doc if _leans_back(t, doc)]
    if not open_refs:
        return Resolution(text, continues, prev_text if continues else "")
    own = [t for t in doc if t.pos_ in ("NOUN", "PROPN", "NUM", "ADJ")]
    if not own and not any(t.pos_ == "VERB" for t in doc) and wh(doc) and \
            wh(doc) == wh(pdoc):  # "Where was that?" after "Where …?" (not "Who beat her?")
        return Resolution(prev_text, True)
    value = _value_of(prev)
    described = None if value else _described(pdoc)  # "the firm that is leading the search"
    out: list[str] = [t.text_with_ws for t in doc]
    used: set[str] = set()
    for t in open_refs:
        low = t.lower_
        phrase = None
        if low in _PERSON:
            phrase = (value if value and _is_person(value, nlp)
                      else described if described and wh(pdoc) == "who" else _person_in(pdoc))
        elif low in _OTHER and (value or described) and not ({"they", "it"} & used) and \
                not (low in ("it", "its") and wh(pdoc) == "who"):  # "it" is not a "who"
            phrase = value or described
        elif low in ("it", "this", "that") and t.dep_ == "pobj" and "it" not in used:
            phrase = _story(history, nlp)  # "What did Trump say about it?": the story
        elif low in ("this", "that") and not own and "it" not in used:
            phrase = _main_phrase(pdoc) or _story(history, nlp)  # "When was that?"
        elif low == "there":
            place = _place_in(pdoc) or (value if wh(pdoc) == "where" else None)
            phrase = f"in {place}" if place else None
        if not phrase or (low in _PERSON and "he" in used):
            continue
        if t.i > 0 and phrase.split(" ", 1)[0] in ("The", "A", "An"):
            phrase = phrase[0].lower() + phrase[1:]  # "When will the Coastal Rail Authority …"
        if t.tag_ == "PRP$" and phrase == described and re.search(r"\b(who|that)\b", phrase):
            # "the one who won …'s time" is not English: "the time of the one who won …"
            if t.dep_ != "poss" or t.head.pos_ != "NOUN" or t.head.i < t.i:
                continue
            out[t.head.i] = f"{t.head.text} of {phrase}{t.head.whitespace_}"
            phrase = "the"
        elif t.tag_ == "PRP$" or low in ("hers", "theirs"):
            phrase = phrase + ("'" if phrase.endswith("s") else "'s")
        out[t.i] = phrase + t.whitespace_
        used.add(_kind(low))
        if low in ("they", "them") and t.dep_ == "nsubj":  # "do they" → "does X"
            verbs = [a for a in t.head.children if a.dep_ == "aux"]
            if t.head.pos_ == "AUX":  # "where were they" → "where was X"
                verbs.append(t.head)
            for aux in verbs:
                if aux.lower_ in _AGREE:
                    out[aux.i] = _AGREE[aux.lower_] + aux.whitespace_
    if not used:
        return Resolution(text, True, prev_text)
    resolved = normalize(CONTINUES.sub("", "".join(out)))
    resolved = resolved[:1].upper() + resolved[1:]
    left = len(used) < len({_kind(t.lower_) for t in open_refs})
    return Resolution(resolved, True, prev_text if left else "")


def _kind(word: str) -> str:
    return "he" if word in _PERSON else "it" if word in _OTHER | {"this", "that"} else word


def _leans_back(t: Any, doc: Any) -> bool:
    """A pronoun (or "there"/"then"/a bare "that") whose referent is not in the question."""
    low = t.lower_
    if t.dep_ == "expl" or low not in _PERSON | _OTHER | _OPEN:
        return False
    if low in _OPEN and (t.dep_ == "det" or t.tag_ in ("IN", "WDT")):
        return False  # "that year", "so that", "the deal that …": not a reference
    topic = _TOPIC.match(doc.text)
    if topic and t.idx >= topic.end() and low in _PERSON | _OTHER and any(
            w.pos_ in ("NOUN", "PROPN") for w in doc if w.idx < topic.end()):
        return False  # "what about Wright-Phillips, are they selling him?": the topic named
    before = [e for e in doc.ents if e.end <= t.i]
    if low in _PERSON:
        if t.tag_ == "PRP$" and any(  # "What did Mendes say at his unveiling?": the
                s.dep_ in ("nsubj", "nsubjpass") and s.text[:1].isupper() and s.pos_ != "PRON"
                and s.i < t.i for s in doc):  # clause's named subject owns "his"
            return False
        return not any(e.label_ == "PERSON" for e in before)
    if low in _OTHER:
        people = {e.root.i for e in doc.ents if e.label_ == "PERSON"}
        nouns = [c for c in doc.noun_chunks if c.end <= t.i and c.root.pos_ in ("NOUN", "PROPN")
                 and not any(w.tag_ in WH for w in c)
                 and not (low in ("it", "its") and c.root.i in people)]  # "it" is no person
        return not nouns
    return True


def _value_of(turn: Turn) -> str | None:
    """What the previous answer led with ("Baikal Finance Group — …"), if it led with a value."""
    if not re.match(r"^\W*(who|whom|which|where)\b", turn.resolved or turn.question, re.I):
        return None  # a number or a date is not what "they" or "it" points at
    m = _LEAD.match(turn.answer)
    return m.group(1).strip() if m and m.group(1)[:1].isupper() else None


def _story(history: Sequence[Turn], nlp: Any) -> str | None:
    """What the story is called: the noun phrase of the last answer's headlines that shares
    most words with that turn's question ("How many prisoners were exchanged?" over "Massive
    Prisoner Exchange: …" → "the prisoner exchange": its nouns from the first one the question
    shares). None without such a phrase."""
    for turn in reversed(history):
        if not turn.titles:
            continue
        asked = set(stems(turn.resolved or turn.question))
        best: tuple[int, str] | None = None
        parts = [p.strip() for t in turn.titles for p in re.split(r"[:|–—]| - ", t) if p.strip()]
        for title in parts:
            # Headlines are Title Case, which makes every word a proper noun to the tagger:
            # the parts of speech come from the lower-cased headline, the names from the other.
            doc, low = nlp(title), nlp(title.lower())
            if len(doc) != len(low):
                continue
            named = {t.i for e in doc.ents if e.label_ in ("PERSON", "GPE", "NORP", "CARDINAL")
                     for t in e}
            for chunk in low.noun_chunks:
                words = [t for t in chunk if t.pos_ in ("NOUN", "PROPN")]  # not "massive"
                if not words or chunk.root.i in named:
                    continue
                shared = len(asked & set(stems(chunk.text)))
                # from the first word the question shares: "flood forces mass evacuation"
                # (a headline the tagger reads as one noun phrase) names "the evacuation"
                words = words[next((i for i, t in enumerate(words)
                                    if asked & set(stems(t.text))), 0):]
                if shared and (best is None or shared > best[0]):
                    text = " ".join(doc[t.i].text if t.i in named or not doc[t.i].text.istitle()
                                    else t.text for t in words)
                    best = (shared, f"the {text}")
        if best:
            return best[1]
    return None


def _main_phrase(doc: Any) -> str | None:
    """The previous question's subject or object, when it is a thing ("the talks")."""
    people = {t.i for e in doc.ents if e.label_ == "PERSON" for t in e}
    for chunk in doc.noun_chunks:
        if (chunk.root.dep_ in ("nsubj", "nsubjpass", "dobj", "attr")
                and chunk.root.head.dep_ == "ROOT"  # of the main clause, not "after United beat …"
                and chunk.root.pos_ in ("NOUN", "PROPN") and chunk.root.i not in people
                and not any(t.tag_ in WH for t in chunk)):
            text = str(chunk.text)
            return text if chunk[0].pos_ == "DET" or chunk.root.pos_ == "PROPN" else f"the {text}"
    return None


def _described(doc: Any) -> str | None:
    """A who/which question as a description of its answer, for when the answer itself is not
    known: "Who was the suspected mastermind of …?" → "the suspected mastermind of …";
    "Which firm is leading the search?" → "the firm that is leading the search"; "Who won
    the auction?" → "the one who won the auction". None for other shapes."""
    if len(doc) < 3 or doc[0].tag_ not in ("WP", "WDT"):
        return None
    end = len(doc) - (1 if doc[-1].is_punct else 0)
    wh = doc[0]
    if doc[1].lower_ in ("do", "does", "did") or any(t.lower_ == "else" for t in doc[1:end]):
        return None  # "Who did Harbour City sign?" asks an object, "Who else …?" one more:
        # neither describes its answer as "the one who …"
    if wh.lower_ == "who" and doc[1].lower_ in ("is", "was", "are", "were") and \
            doc[2].pos_ in ("DET", "PROPN", "ADJ", "NOUN"):
        return str(doc[2:end].text)
    if wh.lower_ == "who" and wh.dep_ in ("nsubj", "nsubjpass"):
        return f"the one who {doc[1:end].text}"
    if wh.dep_ == "det" and wh.head.i == 1 and wh.head.dep_ in ("nsubj", "nsubjpass") and \
            not any(t.dep_ in ("nsubj", "nsubjpass") and t.head == wh.head.head
                    for t in doc[2:end]):  # "Which book will the film be based on?": the
        return f"the {doc[1].text} that {doc[2:end].text}"  # film is the verb's subject
    return None


def _is_person(phrase: str, nlp: Any) -> bool:
    return any(e.label_ == "PERSON" for e in nlp(phrase).ents)


def _person_in(doc: Any) -> str | None:
    """The person a question is about: its subject if that is a person, else its only one."""
    people = [e for e in doc.ents if e.label_ == "PERSON"]
    subject = [e for e in people if any(t.dep_ in ("nsubj", "nsubjpass") for t in e)]
    if subject:
        return str(subject[0].text)
    return str(people[0].text) if len(people) == 1 else None


def _place_in(doc: Any) -> str | None:
    places = [e for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")]
    return str(places[-1].text) if len(places) == 1 else None
