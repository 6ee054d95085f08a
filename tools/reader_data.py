"""SQuAD paragraphs → (question, sentence) pairs for the reader, split by whole article.

Used by ``tools/train_reader.py`` (training, torch) and ``tools/squad_slice.py`` (the tune and
held-out slices the answer path is measured on). Sentences are cut with the ingest splitter
(``index.ingest.segment``) so the model sees the same units at training time as at answer
time.

Split (by ``sha1(title) % 10``, fixed so every run agrees): bucket 0 is the **held-out** slice,
never trained or tuned on; bucket 1 is the **tune** slice (thresholds and the refusal classifier
are fitted there); the other eight buckets are **train**.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.ingest.segment import sentence_spans
from index.read.model import context_of

SPLITS = ("train", "tune", "heldout")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "train" / "squad.jsonl"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the of in on at to for by with from and or is are was were be been what which who whom "
    "whose when where why how did do does that this these those it its as into than".split()
)


_WH = frozenset("what which who whom whose when where why how".split())
# Words that open a trailing phrase a chat user leaves out ("… in 1893", "… during the war").
_TRAILING = frozenset(
    "in on at during after before when while since by from according because following "
    "between among within despite through".split()
)


def split_of(title: str) -> str:
    bucket = int(hashlib.sha1(title.encode()).hexdigest(), 16) % 10
    return "heldout" if bucket == 0 else "tune" if bucket == 1 else "train"


@dataclass
class Question:
    qid: str
    text: str
    title: str
    answerable: bool
    answers: list[str]
    gold: set[int] = field(default_factory=set)  # indexes into the article's sentences
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # sentence → char span
    paragraph: int = 0


@dataclass
class Article:
    title: str
    sentences: list[str] = field(default_factory=list)
    paragraph_of: list[int] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def load_articles(path: Path, splits: tuple[str, ...] = SPLITS) -> list[Article]:
    """Articles of the given splits, each with its sentences and its questions mapped to them."""
    by_title: dict[str, Article] = {}
    with path.open(encoding="utf-8") as fh:
        for p_index, line in enumerate(fh):
            para = json.loads(line)
            if split_of(para["title"]) not in splits:
                continue
            art = by_title.setdefault(para["title"], Article(para["title"]))
            context: str = para["context"]
            spans = sentence_spans(context, 0, len(context))
            first = len(art.sentences)
            art.sentences.extend(context[a:b] for a, b in spans)
            art.paragraph_of.extend([p_index] * len(spans))
            for qa in para["qas"]:
                q = Question(
                    qa["id"],
                    qa["question"].strip(),
                    para["title"],
                    not qa["is_impossible"],
                    [a["text"] for a in qa["answers"]],
                    paragraph=p_index,
                )
                for ans in qa["answers"]:
                    s0, s1 = ans["answer_start"], ans["answer_start"] + len(ans["text"])
                    for i, (a, b) in enumerate(spans):
                        if a <= s0 and s1 <= b:
                            q.gold.add(first + i)
                            q.spans.setdefault(first + i, (s0 - a, s1 - a))
                if q.answerable and not q.gold:
                    continue  # the answer crosses a sentence boundary: no sentence holds it
                art.questions.append(q)
    return list(by_title.values())


@dataclass
class Pair:
    question: str
    sentence: str
    label: int
    span: tuple[int, int] | None  # character span of the answer inside ``sentence``
    context: str = ""  # title (| previous sentence), when the reader is trained to see them


def training_pairs(
    articles: list[Article], negatives: int, seed: int, far: int = 0, swaps: int = 0,
    title: bool = False, cross: int = 0, short: int = 0, prev: bool = False,
    prev_drop: float = 0.0, typed: int = 0,
) -> list[Pair]:
    """Each answerable question's gold sentence, and the ``negatives`` sentences of its
    paragraph that share most words with it (hard negatives: same topic, no answer); for an
    unanswerable question, its paragraph's closest sentences, all labelled 0.

    ``far``: also that many sentences from the article's *other* paragraphs that share most
    words with the question (at answer time the reader sees the whole index, not a paragraph).
    ``swaps``: that many on-topic unanswerables made from answerable questions (``swapped``).
    ``title``: each pair carries its article's title as context; ``prev``: and the sentence
    before its sentence in the article, across paragraphs as news paragraphs are often one
    sentence long (``index.read.model.context_of``); ``prev_drop``: the share of pairs whose
    slot is left empty, as for an article's first sentence — news answers are often there, and
    a reader that never saw the empty slot does not trust the sentence after it.
    ``cross``: that many *other* questions of the same paragraph paired with this question's
    gold sentence, labelled 0 when the sentence holds none of their answers (``crossed``).
    ``short``: an answerable question that ``shortened`` cuts is also asked short, with its gold
    sentence and that many of its hard negatives that hold none of its answers.
    ``typed``: that many sentences of the whole article that hold a value of the answer's kind
    but none of its answers (``typed_negatives``)."""
    rng = random.Random(seed)
    pool = sorted({w for art in articles for q in art.questions for w in content_words(q.text)
                   if len(w) > 3 and not w.isdigit()})
    pairs: list[Pair] = []
    for art in articles:
        first = len(pairs)
        art_words: set[str] = set()
        for sentence in art.sentences:
            art_words |= content_words(sentence)
        for q in art.questions:
            words = content_words(q.text)

            def overlap(i: int, words: set[str] = words, art: Article = art) -> tuple[int, int]:
                return (-len(words & content_words(art.sentences[i])), i)

            same_para = sorted(
                (i for i, p in enumerate(art.paragraph_of) if p == q.paragraph and i not in q.gold),
                key=overlap,
            )
            for i in sorted(q.gold)[:1]:
                pairs.append(Pair(q.text, art.sentences[i], 1, q.spans[i]))
            n = negatives if q.answerable else negatives + 1
            for i in same_para[:n]:
                pairs.append(Pair(q.text, art.sentences[i], 0, None))
            short_text = shortened(q.text) if q.answerable and short else None
            if short_text:
                i = min(q.gold)
                pairs.append(Pair(short_text, art.sentences[i], 1, q.spans[i]))
                clean = [j for j in same_para if not holds_answer(art.sentences[j], q.answers)]
                pairs.extend(Pair(short_text, art.sentences[j], 0, None) for j in clean[:short])
            if far:
                other = sorted(
                    (i for i, p in enumerate(art.paragraph_of) if p != q.paragraph
                     and i not in q.gold and words & content_words(art.sentences[i])),
                    key=overlap,
                )
                pairs.extend(Pair(q.text, art.sentences[i], 0, None) for i in other[:far])
            if q.answerable and typed:
                pairs.extend(Pair(q.text, art.sentences[i], 0, None)
                             for i in typed_negatives(q, art, typed, overlap))
            if q.answerable and cross:
                gold = min(q.gold)
                for other in crossed(q, art, gold, rng, cross):
                    pairs.append(Pair(other.text, art.sentences[gold], 0, None))
            if q.answerable and swaps:
                gold = min(q.gold)
                for text in swapped(q, art.sentences[gold], art_words, pool, rng, swaps):
                    pairs.append(Pair(text, art.sentences[gold], 0, None))
        if title or prev:
            name = art.title.replace("_", " ")
            where = {text: i for i, text in reversed(list(enumerate(art.sentences)))}
            for p in pairs[first:]:
                i = where[p.sentence]
                before: str | None = None
                if prev:  # an empty slot as for an article's first sentence, now and then
                    keep = i > 0 and rng.random() >= prev_drop
                    before = art.sentences[i - 1] if keep else ""
                p.context = context_of(name, before)
    rng.shuffle(pairs)
    return pairs


def shortened(text: str) -> str | None:
    """The question as a chat user types it: cut before its first trailing phrase after the
    fourth word ("How many works did Chopin write in 1842?" → "How many works did Chopin
    write?"), when it opens with a question word and two content words stay; else None.
    SQuAD's crowd workers copied the sentence's phrases into their questions; readers of news
    in a chat ask short questions, which a reader trained on long ones alone gets wrong."""
    words = text.rstrip(" ?").split()
    if not words or words[0].lower() not in _WH:
        return None
    for i in range(4, len(words) - 1):
        if words[i].lower() in _TRAILING or words[i - 1].endswith(","):
            kept = " ".join(words[:i]).rstrip(",")
            return kept + "?" if len(content_words(kept)) >= 2 else None
    return None


def holds_answer(sentence: str, answers: list[str]) -> bool:
    """Does the sentence contain one of the answers (case-insensitive)? Such a sentence is no
    negative for the question, whatever its gold sentence."""
    low = sentence.lower()
    return any(a.lower() in low for a in answers if a)


_YEAR_OR_MONTH = re.compile(
    r"\b(1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b", re.I)
_DIGIT = re.compile(r"\d")
_NAME = re.compile(r"(?<=\w )[A-Z][a-z]")


def kind_of(answer: str) -> re.Pattern[str] | None:
    """What a sentence must hold to offer a value of ``answer``'s kind: a year or month for a
    date, a digit for a number, a capitalised word (not the first) for a name; else None."""
    if _YEAR_OR_MONTH.search(answer):
        return _YEAR_OR_MONTH
    if _DIGIT.search(answer):
        return _DIGIT
    if answer[:1].isupper():
        return _NAME
    return None


def typed_negatives(
    q: Question, art: Article, n: int, overlap: Callable[[int], tuple[int, int]]
) -> list[int]:
    """The ``n`` sentences of the article closest in words to the question (at least one word
    shared) that hold a value of its answer's kind but none of its answers: a count near the
    question's words that counts something else, another year of the same story. News readers
    are misled by exactly these ("$499 … sold" for "how many Mac minis were sold?")."""
    kind = kind_of(q.answers[0]) if q.answers else None
    if kind is None:
        return []
    words = content_words(q.text)
    cands = [i for i, sentence in enumerate(art.sentences)
             if i not in q.gold and kind.search(sentence) and words & content_words(sentence)
             and not holds_answer(sentence, q.answers)]
    return sorted(cands, key=overlap)[:n]


def crossed(q: Question, art: Article, gold: int, rng: random.Random, n: int) -> list[Question]:
    """Questions of ``q``'s paragraph that its gold sentence does not answer: on-topic, of the
    same article and often of the same kind ("how many were hurt?" beside "how many died?"),
    so the reader learns that a sentence answers one question, not every question near it.
    A question counts as answered when the sentence contains one of its answers. The ``n``
    sharing most words with the sentence (the hardest), ties in a seeded order."""
    sentence = art.sentences[gold]
    words = content_words(sentence)
    others = [o for o in art.questions
              if o is not q and o.paragraph == q.paragraph and o.text != q.text
              and gold not in o.gold and not holds_answer(sentence, o.answers)]
    rng.shuffle(others)
    others.sort(key=lambda o: -len(content_words(o.text) & words))
    return others[:n]


def swapped(
    q: Question, sentence: str, art_words: set[str], pool: list[str], rng: random.Random, n: int
) -> list[str]:
    """Questions that ask about something the gold sentence does not mention: one content word
    the question shares with its gold sentence (outside the answer) is replaced by a word of
    another question that the whole article never uses. SQuAD 2.0's unanswerables were written
    the same way (a plausible question, on topic, whose key term is not there); this makes more
    of them from the answerable questions, so the reader learns that every key term counts."""
    s0, s1 = q.spans[min(q.gold)]
    answer = content_words(sentence[s0:s1])
    anchors = sorted((content_words(q.text) & content_words(sentence)) - answer)
    anchors = [w for w in anchors if len(w) > 3 and not w.isdigit()]
    out: list[str] = []
    for word in rng.sample(anchors, min(n, len(anchors))):
        for _ in range(20):
            new = rng.choice(pool)
            if new not in art_words:
                break
        else:
            continue
        text = re.sub(rf"\b{re.escape(word)}\b",
                      lambda m, new=new: new.capitalize() if m.group()[0].isupper() else new,
                      q.text, count=1, flags=re.IGNORECASE)
        if text != q.text:
            out.append(text)
    return out


def iter_questions(articles: list[Article]) -> Iterator[tuple[Article, Question]]:
    for art in articles:
        for q in art.questions:
            yield art, q
