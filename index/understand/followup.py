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
from index.understand.words import stems

_PERSON = frozenset({"he", "him", "his", "she", "her", "hers"})
_OTHER = frozenset({"they", "them", "their", "theirs", "it", "its"})
_OPEN = frozenset({"that", "this", "these", "those", "then", "there"})
_CONTINUES = re.compile(r"^\W*(and|but|also|so|then|what about|how about)\b[\s,]*", re.I)
_LEAD = re.compile(r"^([^\n—]{2,60}?) — ")
_WH = frozenset({"WDT", "WP", "WP$", "WRB"})
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
    continues = bool(_CONTINUES.match(text))
    if not any(t.pos_ in ("VERB", "AUX") for t in doc):  # a fragment: "and the Russians?"
        filled = _ask_instead(doc, pdoc) or _fill(doc, pdoc)
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
    if not own and not any(t.pos_ == "VERB" for t in doc) and _wh(doc) and \
            _wh(doc) == _wh(pdoc):  # "Where was that?" after "Where …?" (not "Who beat her?")
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
                      else described if described and _wh(pdoc) == "who" else _person_in(pdoc))
        elif low in _OTHER and (value or described) and not ({"they", "it"} & used) and \
                not (low in ("it", "its") and _wh(pdoc) == "who"):  # "it" is not a "who"
            phrase = value or described
        elif low in ("it", "this", "that") and t.dep_ == "pobj" and "it" not in used:
            phrase = _story(history, nlp)  # "What did Trump say about it?": the story
        elif low in ("this", "that") and not own and "it" not in used:
            phrase = _main_phrase(pdoc) or _story(history, nlp)  # "When was that?"
        elif low == "there":
            place = _place_in(pdoc) or (value if _wh(pdoc) == "where" else None)
            phrase = f"in {place}" if place else None
        if not phrase or (low in _PERSON and "he" in used):
            continue
        if t.i > 0 and phrase.split(" ", 1)[0] in ("The", "A", "An"):
            phrase = phrase[0].lower() + phrase[1:]  # "When will the Coastal Rail Authority …"
        if t.tag_ == "PRP$" or low in ("hers", "theirs"):
            phrase = phrase + ("'" if phrase.endswith("s") else "'s")
        out[t.i] = phrase + t.whitespace_
        used.add(_kind(low))
        if low in ("they", "them") and t.dep_ == "nsubj":
            for aux in t.head.children:
                if aux.dep_ == "aux" and aux.lower_ in _AGREE:
                    out[aux.i] = _AGREE[aux.lower_] + aux.whitespace_
    if not used:
        return Resolution(text, True, prev_text)
    resolved = normalize(_CONTINUES.sub("", "".join(out)))
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
                 and not any(w.tag_ in _WH for w in c)
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
                and not any(t.tag_ in _WH for t in chunk)):
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
    if wh.dep_ == "det" and wh.head.i == 1 and wh.head.dep_ in ("nsubj", "nsubjpass"):
        return f"the {doc[1].text} that {doc[2:end].text}"
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


def _wh(doc: Any) -> str:
    return next((t.lower_ for t in doc if t.tag_ in _WH), "")


def _fragment_words(frag: Any) -> list[Any]:
    """A fragment's own words: no punctuation, no leading "and", "what about" …"""
    words = [t for t in frag if not t.is_punct]
    m = _CONTINUES.match(frag.text)
    return [t for t in words if t.idx >= m.end()] if m else words


def _ask_instead(frag: Any, prev: Any) -> str | None:
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
    if verb.pos_ != "AUX" or not subject or not any(t.tag_ in _WH for t in asked):
        return None  # "Who won the Cup?": the question word is its subject
    if all(t.dep_ in ("advmod", "npadvmod") for t in asked):  # when, where, how much
        return _join([], f"{wh}{asked[-1].whitespace_}{rest}", [])
    head = next((t for t in asked if not t.head.i < verb.i), None)
    if head is None or head.dep_ != "dobj" or head.head.i < verb.i:
        return None  # "How long is it?": no clause to ask "why" of
    # "What did she say?" → "Why did she say that?"; "How many jobs will Veltra cut?" →
    # "Why will Veltra cut jobs?": the thing asked for stays, as an object after its verb
    noun = [t for t in asked if t.tag_ not in _WH and t.lower_ not in ("many", "much")]
    thing = "".join(t.text_with_ws for t in noun).strip()
    if not thing:
        thing = "that"
    elif noun[0].pos_ != "DET" and noun[-1].tag_ == "NN":
        thing = f"the {thing}"  # "Which firm did they hire?" → "… hire the firm?"
    words = [t.text_with_ws for t in prev[verb.i:]]
    verb_of = head.head.i - verb.i
    words[verb_of] = f"{head.head.text} {thing}{head.head.whitespace_}"
    return _join([], f"{wh} {''.join(words).strip()}", [])


def _fill(frag: Any, prev: Any) -> str | None:
    """A fragment put in the previous question's slot of the same kind (a thing it names or
    counts, never the thing a which/what question asks for): a phrase with the same
    preposition ("for adults" ← "for 18 to 21 year olds"), or a name of the same entity type
    ("Ukrainians" ← "the Russians"); a "how many …" fragment of the same wh-word adds
    its phrase to the previous question. None when no slot fits."""
    words = _fragment_words(frag)
    if not words or not prev.text.strip():
        return None
    ptoks = [t.text_with_ws for t in prev]
    body = "".join(t.text_with_ws for t in words).strip()
    first = words[0]
    if first.tag_ in _WH:  # "how many in total?", "how many Russians?": same wh-word
        if _wh(prev) != first.lower_:
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
    for chunk in prev.noun_chunks:
        core = [t for t in chunk if t.tag_ not in _WH and t.lower_ not in ("many", "much")]
        if not core or core[0].pos_ == "PRON" or any(t.tag_ in ("WDT", "WP") for t in chunk):
            continue  # "which book" is what was asked, no slot for "the children's prize"
        chunk_labels = {e.label_ for e in prev.ents if e.start < chunk.end and e.end > chunk.start}
        if labels and not labels & chunk_labels:
            continue
        if not labels and (chunk_labels or core[-1].pos_ != words[-1].pos_):
            continue
        if _plural(core[-1]) != _plural(words[-1]):  # "the loser" takes no slot of "votes"
            continue
        new = words
        if len(core) < len(chunk) and new[0].pos_ == "DET":  # "how many the Russians"
            new = new[1:]
        text = "".join(t.text_with_ws for t in new).strip()
        return _join(ptoks[: core[0].i], text, ptoks[core[-1].i + 1:])
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
