"""The question read with spaCy's parser: which entity types can answer it, what it is about.

A question such as "How many workers were injured?" asks for a number (CARDINAL/QUANTITY/
MONEY/PERCENT) counting *workers* that were *injured* — not the workers who were killed. The
analysis gives the answer's entity labels, the focus (asked noun and main verb, as stems that
match ``question.stems``) and the named entities the question is *about* (its subject and
object), which the sentence holding the answer has to mention.

The same ``en_core_web_sm`` the ingest annotates with, with its parser (a question parses in
~5–10 ms); loaded once per process.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from index.answer.question import ACTS, MEASURE_ASKED, stems, verb_stem

NUMERIC = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
TEMPORAL = frozenset({"DATE", "TIME"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
AGENTS = frozenset({"PERSON", "ORG", "NORP", "GPE"})  # "Who rejected it?" — "Moscow" did
RANKS = frozenset({"ORDINAL", "CARDINAL"})
CURRENCIES = (
    (re.compile(r"A\$|AU\$|\bAustralian dollars?\b", re.IGNORECASE), "AUD"),
    (re.compile(r"US\$|\$|\bdollars?\b", re.IGNORECASE), "USD"),
    (re.compile(r"£|\bpounds?\b|\bsterling\b", re.IGNORECASE), "GBP"),
    (re.compile(r"€|\beuros?\b", re.IGNORECASE), "EUR"),
    (re.compile(r"¥|\byen\b", re.IGNORECASE), "JPY"),
    (re.compile(r"\broubles?\b|\brubles?\b", re.IGNORECASE), "RUB"),
    (re.compile(r"\brupees?\b|\bRs\b", re.IGNORECASE), "INR"),
)


def currency_code(text: str) -> str:
    """The first currency ``text`` names ("$", "A$", "pounds", …) as an ISO code, or ""."""
    for pattern, code in CURRENCIES:
        if pattern.search(text):
            return code
    return ""

# "which <noun>" → the labels a value of that kind carries.
_WHICH = {
    "company": {"ORG"}, "firm": {"ORG"}, "organisation": {"ORG"}, "organization": {"ORG"},
    "bank": {"ORG"}, "airline": {"ORG"}, "group": {"ORG", "NORP"}, "team": {"ORG"},
    "club": {"ORG"}, "party": {"ORG", "NORP"}, "agency": {"ORG"}, "network": {"ORG"},
    "broadcaster": {"ORG"}, "newspaper": {"ORG"}, "carrier": {"ORG"}, "manufacturer": {"ORG"},
    "person": {"PERSON"}, "man": {"PERSON"}, "woman": {"PERSON"}, "player": {"PERSON"},
    "minister": {"PERSON"}, "official": {"PERSON"}, "leader": {"PERSON"},
    "country": {"GPE"}, "city": {"GPE"}, "town": {"GPE"}, "nation": {"GPE"},
    "state": {"GPE"}, "region": {"GPE", "LOC"}, "place": PLACES, "island": {"GPE", "LOC"},
    "year": {"DATE"}, "day": {"DATE"}, "date": {"DATE"}, "month": {"DATE"}, "time": TEMPORAL,
    "judge": {"PERSON"}, "reporter": {"PERSON"}, "journalist": {"PERSON"},
    "bomber": {"PERSON"}, "attacker": {"PERSON"}, "gunman": {"PERSON"}, "suspect": {"PERSON"},
    "executive": {"PERSON"}, "director": {"PERSON"}, "chairman": {"PERSON"},
    "chief": {"PERSON"}, "boss": {"PERSON"}, "president": {"PERSON"}, "actor": {"PERSON"},
    "actress": {"PERSON"}, "singer": {"PERSON"}, "candidate": {"PERSON"},
    "fund": {"ORG"}, "funds": {"ORG"}, "investor": {"PERSON", "ORG"},
    "channel": {"ORG"}, "union": {"ORG"}, "exchange": {"ORG"}, "retailer": {"ORG"},
    "individual": {"PERSON"}, "platform": {"ORG"}, "star": {"PERSON"},
}
# Roles whose holder is named in many ways ("Evening Standard reporter Oliver Finegold", "the
# reporter"): their type guides the lead but a missing name is no reason to refuse.
_SOFT_WHICH = frozenset(
    "judge reporter journalist bomber attacker gunman suspect executive director chairman "
    "chief boss president actor actress singer candidate fund funds investor channel union "
    "exchange retailer".split()
)
MAX_SIMPLE_WORDS = 22
# Heads that say only "some one/thing": "Which individual …", "What company …".
_GENERIC = frozenset(
    "individual person people company entity organisation organization firm thing one group "
    "someone somebody figure party".split()
)
_AUXILIARIES = frozenset(
    "is are was were be been do does did has have had will would can could should may might "
    "must shall of to in on".split()
)
_LIGHT_VERBS = frozenset("be have do take make get go say tell give".split())
_STRICT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "poss"})

_lock = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    """``labels``: entity labels an answer value may have (empty: untyped question);
    ``focus_noun``/``focus_verb``: stems of the asked noun and main content verb;
    ``about``: named entities in subject/object position, which the answering sentence must
    mention; ``named``: every named entity of the question; ``describe``: X of "who is X"."""

    labels: frozenset[str] = frozenset()
    focus_noun: str | None = None
    focus_verb: str | None = None
    about: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    describe: str | None = None
    focus_text: str | None = None
    """The asked noun as written ("workers"), for messages."""
    nationalities: tuple[str, ...] = ()
    """NORP entities ("Americans"): articles say "US" as often, so they are not demanded."""
    qualifiers: tuple[str, ...] = ()
    """Adjectives that narrow a noun of the question ("the *southern* harbor"): a passage
    about the thing without them may be about another one."""
    proper: tuple[str, ...] = ()
    """Proper nouns in subject/object position, named entities or not ("Did Kyiv push …"
    where the tagger misses Kyiv): what a yes/no verdict sentence must name."""
    duration: bool = False
    """"How long …": only a span of time ("twelve months", "three days") answers it."""
    soft_type: bool = False
    """The type guides the lead, but finding no value of it is no reason to refuse."""
    currency: str = ""
    """The currency an amount is asked in ("… worth in pounds" → GBP), or ""."""
    topic: str | None = None
    """What "tell me about X" / "what about X" asks about, as written: the articles must
    mention it."""
    scope: tuple[tuple[str, str], ...] = ()
    """Places and dates the question narrows to ("in the US", "in the May election"), as
    (text, label): a figure from a sentence that names another of the same kind is another
    place's or time's."""
    copula: bool = False
    """The main verb is "to be" ("Where is the ball of twine?"): the subject itself anchors
    a where/when value, as no act does."""
    labels_of: tuple[tuple[str, str], ...] = ()
    """(text, entity label) of each named entity of the question."""
    complement: tuple[str, ...] = ()
    """Stems of what the asked act is done to or becomes ("prime minister" in "when did X
    become prime minister"): a when/where value must sit in a clause that says it."""
    simple: bool = True
    """One short clause (≤ 22 words, ≤ 2 content verbs): one sentence should answer it. A
    multi-part question names entities of several articles; no sentence holds them all."""


@lru_cache(maxsize=1)
def _nlp() -> Any:
    with _lock:
        import spacy

        from index.ingest.annotate import model_path, verify_model

        root = model_path()
        verify_model(root)
        return spacy.load(root, exclude=["lemmatizer", "senter"])


def parse_texts(texts: list[str]) -> list[Any]:
    """spaCy ``Doc``s (with the dependency parse) for a few evidence sentences."""
    return list(_nlp().pipe(texts))


def asked_act(text: str) -> tuple[str, str] | None:
    """("the protester", "the minister") for "What did the protester do to the minister?";
    ("X", "") for "What did X do?"; None for any other question."""
    m = re.match(r"^\W*what (?:did|has|had) (.+?) (?:do|done)(?: to (.+?))?\W*$", text,
                 re.IGNORECASE)
    return (m.group(1), m.group(2) or "") if m else None


def preload() -> None:
    """Load the parser now (front ends call this in the background at start)."""
    _nlp()


def _stem(word: str) -> str | None:
    if len(word) > 2 and word[-1] in "sS" and any(ch.isdigit() for ch in word):
        word = word[:-1]  # "S5s" counts S5 phones
    got = stems(word)
    return got[-1] if got else None


def analyse(text: str) -> Analysis:
    """Analysis of a (cleaned, follow-up-resolved) question."""
    doc = _nlp()(text)
    low = text.lower()
    labels: set[str] = set()
    soft = False
    focus_noun: str | None = None
    focus_text: str | None = None
    if re.search(r"\bhow (many|much)\b|\bnumber of\b|\bwhat (percentage|share|proportion)\b",
                 low):
        # "how much" asks for an amount (money, a measure, a share); "how many" for a count
        if re.search(r"\bhow much\b", low):
            labels |= {"MONEY", "QUANTITY", "PERCENT"}
        elif re.search(r"\bhow many\b", low):
            labels |= {"CARDINAL", "QUANTITY", "PERCENT"}
        elif re.search(r"\bwhat (percentage|share|proportion)\b", low):
            labels |= {"PERCENT"}  # "what share of Yukos's output": a share of the output
            soft = True  # (often said in words: "two-thirds")
            of = next((t for t in doc if t.dep_ == "pobj" and t.head.lower_ == "of"
                       and t.head.head.lower_ in ("percentage", "share", "proportion")), None)
            if of is not None and of.pos_ == "NOUN":
                focus_noun, focus_text = _stem(of.text), of.text
        else:
            labels |= NUMERIC
            soft = not re.search(r"\bnumber of\b", low)  # a share is often said in words
        for tok in doc:
            if tok.lower_ in ("many", "much") and tok.head.pos_ in ("NOUN", "PROPN"):
                focus_noun, focus_text = _stem(tok.head.text), tok.head.text
                break
        copula = re.search(r"\bhow much (?:is|was|are|were)\b", low)
        subject = _subject_noun(doc) if focus_noun is None and copula else None
        if subject is not None:  # "how much is the budget gap": an amount of the gap
            focus_noun, focus_text = _stem(subject), subject
    elif re.search(r"\bhow (?:big|large|small|old|far|high|tall|heavy|fast|deep|wide)\b|"
                   r"\bby what margin\b|" + MEASURE_ASKED, low):
        # "how big was the fraud", "what's the new minimum wage": a number or an amount,
        # which news also gives in words — the type guides the lead, it never refuses
        labels |= NUMERIC | ({"DATE"} if re.search(r"\bhow old\b", low) else set())
        soft = True
        copula = re.search(r"\bhow \w+ (?:is|was|are|were)\b|\bwhat(?:'s| is| was)\b", low)
        subject = _subject_noun(doc) if copula else None
        if subject is not None:  # "how big is the budget gap": a figure of the gap
            focus_noun, focus_text = _stem(subject), subject
    elif re.search(r"\bwhat(?:'s| is| was| were| are)?\b.*\bworth\b|"
                   r"\bwhat (?:\w+ )?(?:price|cost|fee|sum|amount|salary|fine)\b", low):
        labels |= {"MONEY"}  # "what price …", "what is the offer worth": an amount of money
        soft = True  # (answered in words as often as with an amount)
    elif re.search(r"\bhow long\b", low):
        labels |= TEMPORAL | {"QUANTITY", "CARDINAL"}
    elif re.search(r"\bwhen\b|\bwhat (year|date|day|month|time)\b", low):
        labels |= TEMPORAL
    elif re.search(r"^\W*where\b|\bwhere (did|does|do|was|were|is|are|will)\b", low):
        labels |= PLACES
    elif re.search(r"\b(which|what) (?:\w+ )?(number|rank|position)\b", low):
        labels |= RANKS
    else:
        which = re.search(r"\b(which|what) (?:(\w+) )?(?:(\w+) )?(\w+)", low)
        heads = [w for w in which.groups()[1:] if w] if which else []
        # "what did the company say", "what bettors can place": no "which" noun
        heads = list(itertools.takewhile(lambda w: w not in _AUXILIARIES, heads))
        noun = next((w for w in heads if w in _WHICH), None)
        if noun is not None:  # "which judge", "which Russian minister", "which hedge funds"
            labels |= _WHICH[noun]
            focus_noun = None
            soft = noun in _SOFT_WHICH
        elif re.search(r"^\W*(who|whom|whose)\b", low):
            labels |= AGENTS
    describe = None
    m = re.match(r"^\W*(?i:who) (?:is|was) ([A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*)*)\W*$", text)
    if m:
        describe, labels = m.group(1), set()
    verb = _focus_verb(doc)
    if verb is None:  # "… did the mill blast kill?": the tagger missed the verb; a known act
        verb = next((st for t in doc if t.pos_ != "PROPN" and (st := verb_stem(t.text)) in ACTS),
                    None)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if labels & AGENTS and root is not None and root.lower_ in ("is", "was", "are", "were"):
        # "Who was the mastermind of …": the answer is whoever the noun names
        noun = next((t for t in doc if t.dep_ in ("attr", "nsubj") and t.pos_ == "NOUN"), None)
        if noun is not None and noun.lower_ not in _GENERIC:
            focus_noun, focus_text, verb = _stem(noun.text), noun.text, None
    money = labels == {"MONEY"}  # "what is the offer worth": the amount of the offer
    if focus_noun is None and (money or not labels & NUMERIC):
        subject = _subject_noun(doc)
        if subject is not None and subject.lower() not in _GENERIC:
            focus_noun, focus_text = _stem(subject), subject
    named = tuple(dict.fromkeys(e.text for e in doc.ents if e.label_ not in TEMPORAL | NUMERIC))
    about = tuple(dict.fromkeys(
        e.text for e in doc.ents
        if e.label_ not in TEMPORAL | NUMERIC and e.root.dep_ in _STRICT_DEPS
    ))
    return Analysis(
        labels=frozenset(labels), focus_noun=focus_noun, focus_verb=verb, about=about,
        named=named, describe=describe, focus_text=focus_text,
        nationalities=tuple(e.text for e in doc.ents if e.label_ == "NORP"),
        currency=_asked_currency(text),
        soft_type=soft,
        simple=_simple(doc),
        complement=_complement(doc, verb),
        labels_of=tuple(dict.fromkeys((e.text, e.label_) for e in doc.ents)),
        copula=root is not None and root.lower_ in ("is", "was", "are", "were", "'s")
        and not any(t.pos_ == "VERB" or t.tag_ in ("VBN", "VBG") for t in doc),
        scope=tuple(dict.fromkeys(
            (e.text, "DATE" if e.label_ in TEMPORAL else "GPE") for e in doc.ents
            if e.label_ in {"GPE", "LOC"} or (e.label_ in TEMPORAL and _ABSOLUTE.search(e.text))
        )),
        duration=bool(re.search(r"\bhow long\b", low)),
        proper=tuple(dict.fromkeys(
            t.text for t in doc if t.pos_ == "PROPN" and t.dep_ in _STRICT_DEPS and t.i > 0
        )),
        qualifiers=tuple(dict.fromkeys(
            t.text for t in doc if t.dep_ == "amod" and t.pos_ == "ADJ" and t.head.pos_ == "NOUN"
            and t.lower_ not in ("many", "much", "new", "latest", "recent", "last", "first")
            and not t.ent_type_
        )),
        topic=next((t.text for t in doc if t.dep_ == "pobj" and t.head.lower_ == "about"
                    and t.pos_ == "NOUN" and not t.ent_type_), None),
    )


def _asked_currency(text: str) -> str:
    m = re.search(r"\bin ((?:US |Australian )?(?:dollars?|pounds?|sterling|euros?|yen|"
                  r"roubles?|rubles?|rupees?))\b", text, re.IGNORECASE)
    return currency_code(m.group(1)) if m else ""


# a date that names a day, month or year ("May", "2004", "Friday"), not "the last legal day"
_ABSOLUTE = re.compile(r"\d|\b(?:January|February|March|April|May|June|July|August|September|"
                       r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|"
                       r"Saturday|Sunday)\b")


def _complement(doc: Any, verb: str | None) -> tuple[str, ...]:
    """The common-noun object or predicate noun of the focus verb, with its compounds."""
    for tok in doc:
        if tok.dep_ in ("dobj", "attr", "oprd") and tok.pos_ == "NOUN" and not tok.ent_type_ \
                and verb is not None and verb_stem(tok.head.text) == verb:
            words = [c.text for c in tok.children if c.dep_ == "compound"] + [tok.text]
            return tuple(w for x in words for w in stems(x))
    return ()


def _simple(doc: Any) -> bool:
    words = [t for t in doc if t.is_alpha]
    verbs = [t for t in doc if t.pos_ == "VERB"]
    return len(words) <= MAX_SIMPLE_WORDS and len(verbs) <= 2


def _subject_noun(doc: Any) -> str | None:
    """The common noun a question is about: the root's subject or object, or what it asks
    "about" ("Tell me about the weather …" → weather). Named entities are left to ``about``."""
    for tok in doc:
        if tok.pos_ != "NOUN" or tok.ent_type_:
            continue
        if tok.dep_ in ("nsubj", "nsubjpass") or (
            tok.dep_ == "pobj" and tok.head.lower_ == "about"
        ) or (tok.dep_ == "dobj" and tok.head.lower_ not in _LIGHT_FORMS
              and tok.head.lemma_ not in _LIGHT_VERBS):
            return str(tok.text)
    return None


def _focus_verb(doc: Any) -> str | None:
    """The main content verb: the root, or the first verb under a light root ("did … put")."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    cands = roots + [t for t in doc if t.pos_ == "VERB" and t not in roots]
    for tok in cands:
        if tok.pos_ in ("VERB", "AUX") and tok.lower_ not in _LIGHT_FORMS:
            stem = verb_stem(tok.text)
            if stem and stem not in _LIGHT_VERBS:
                return stem
    return None


_LIGHT_FORMS = frozenset(
    "is are was were be been being am has have had having do does did done doing take takes "
    "took taken taking make makes made making get gets got getting go goes went gone going say "
    "says said saying tell told put puts putting give gives gave given giving".split()
)
