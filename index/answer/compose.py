"""The one path from a question to a cited ``Answer``, shared by the REPL, CLI and Telegram.

Offline by default: the answer is built from whole sentences quoted verbatim from the
retrieved chunks, chosen by embedding similarity, keyword overlap and answer-type cues.
Every quote is sliced from the stored chunk text by its recorded offsets, so it is by
construction a substring of the original article; ``verify`` re-checks it before it is shown.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.answer.analysis import Analysis, analyse
from index.answer.conflicts import Quantity, agree, quantities, topic_name
from index.answer.gate import judge
from index.answer.question import STOPWORDS, QType, Question, parse, stems
from index.retrieve import Candidate, Filters, recency_key, retrieve
from index.store import ChunkStore, StoredChunk, decode_sentence_vectors
from index.text import display, normalize
from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, Turn

# Calibrated on ../shared/eval-dev (see docs/BENCHMARKS.md): below these the evidence is too
# weak to answer from.
MIN_SEMANTIC = 0.30
MIN_ENTITY_COVERAGE = 0.5
MAX_QUOTES = 3
MIN_CONFLICT_SIMILARITY = 0.35
LLM_CONTEXT = 12  # numbered sentences offered to an optional LLM

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|"
    rf"(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d\d|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|yesterday|today|last (?:week|month|year)|this (?:week|month|year))\b"
)
_PLACE = re.compile(r"\b(?:in|at|near|from|to)\s+((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+)*)")
_NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                     r"hundreds?|thousands?|millions?|dozens?)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)+)")


@dataclass
class Sentence:
    text: str
    start: int
    end: int
    chunk: StoredChunk
    index: int
    semantic: float = 0.0
    lexical: float = 0.0
    cue: float = 0.0
    score: float = 0.0
    vec: np.ndarray | None = None
    quantities: list[Quantity] = field(default_factory=list)
    header: tuple[int, int] | None = None
    ann: list[list[Any]] = field(default_factory=list)
    """Entities annotated at ingest: ``[start, end, label, norm]`` in ``text[ann_offset:]``."""
    ann_offset: int = 0

    @property
    def article_id(self) -> str:
        return str(self.chunk.meta.get("article_id", ""))


class Answerer:
    """Retrieve → score sentences → choose quotes → conflicts → ``Answer``."""

    def __init__(self, store: ChunkStore, embedder: Any, llm: Any = None) -> None:
        self.store = store
        self.embedder = embedder
        self.llm = llm

    def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        k: int = 8,
        filters: Filters | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        q = parse(question, tuple(history))
        if not q.text.strip():
            return Answer(
                question=question,
                answer="Please type a question about the indexed news articles.",
                refused=True,
                timings_ms={"retrieve": 0.0, "compose": 0.0, "total": 0.0},
            )
        qvec = np.asarray(self.embedder.embed([q.resolved])[0], dtype=np.float32)
        cands = retrieve(
            self.store, qvec, q.resolved, k, filters=filters, boost_articles=q.boost_articles
        )
        indexed = sorted({a.source for a in self.store.articles() if a.source})
        outlets = _named_outlets(q.text, indexed)
        missing = [o for o in outlets_named(q.text) if not _named_outlets(o, indexed)]
        cands = self._cover_named(q, qvec, cands, outlets, filters)
        t1 = time.perf_counter()
        sents = self._sentences(q, qvec, cands, outlets) if cands else []
        if missing and cands:
            # What an outlet we hold no article from reported cannot be checked: say so.
            names = " or ".join(missing)
            result = _refusal(q, _closest_articles(cands), (
                f"None of the indexed articles are from {names}, so I cannot check what "
                f"{'it' if len(missing) == 1 else 'they'} reported. "
                "Add such articles with /ingest (or `newsqa ingest`), or ask about the "
                "outlets listed by /sources."
            ))
        else:
            result = self._compose(q, analyse(q.resolved), cands, sents, outlets)
        if self.llm is not None and not result.refused:
            # The LLM may only cite these numbered, verbatim sentences.
            numbered = [_citation(n, x) for n, x in enumerate(sents[:LLM_CONTEXT], start=1)]
            result = self.llm.rewrite(q, result, numbered)
        t2 = time.perf_counter()
        result.question = question
        result.timings_ms = {
            "retrieve": (t1 - t0) * 1000,
            "compose": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
        }
        if q.resolved != q.text:
            result.resolved_question = q.resolved
        if q.truncated:
            note = "Your question was very long; only its first 1000 characters were used."
            result.notice = f"{result.notice} {note}".strip() if result.notice else note
        return result

    # -- scoring ------------------------------------------------------------------------------

    def _sentences(
        self, q: Question, qvec: np.ndarray, cands: list[Candidate], outlets: Sequence[str] = ()
    ) -> list[Sentence]:
        # Sentence vectors travel in the chunk's metadata: no extra round trip to Chroma.
        vecs = {
            c.chunk.chunk_id: m
            for c in cands
            if (m := decode_sentence_vectors(c.chunk.meta)) is not None
        }
        idf = self.store.bm25().idf(q.keywords)
        for term in idf:  # the counted noun and the named entities carry the question
            if term == q.target:
                idf[term] *= 3.0
            elif term in q.entities:
                idf[term] *= 1.5
        total_idf = sum(idf.values()) or 1.0
        rank_bonus = {c.chunk.chunk_id: 1.0 / (i + 1) for i, c in enumerate(cands)}
        out: list[Sentence] = []
        for cand in cands:
            chunk = cand.chunk
            base = int(chunk.meta.get("start", 0))
            spans = _spans(chunk)
            mat = vecs.get(chunk.chunk_id)
            headers = _headers(chunk)
            table_header = str(chunk.meta.get("table_header") or "")
            anns = _annotations(chunk)
            for i, (s, e) in enumerate(spans):
                text = display(chunk.text[s - base : e - base])
                if not text.strip():
                    continue
                if i in headers and table_header:  # a row is never shown without its header
                    text = f"{table_header}\n{text}"
                sent = Sentence(text, s, e, chunk, i, header=headers.get(i))
                if i < len(anns):
                    sent.ann = anns[i]
                    sent.ann_offset = len(text) - len(display(chunk.text[s - base : e - base]))
                if mat is not None and i < len(mat):
                    sent.vec = mat[i]
                    sent.semantic = float(mat[i] @ qvec)
                else:
                    sent.semantic = cand.vector
                words = set(stems(text))
                title_words = set(stems(str(chunk.meta.get("title", ""))))
                hit = sum(w for t, w in idf.items() if t in words)
                hit_title = sum(w for t, w in idf.items() if t in title_words and t not in words)
                sent.lexical = (hit + 0.3 * hit_title) / total_idf
                sent.quantities = quantities(text)
                sent.cue = _cue(q.qtype, text, q, sent.quantities)
                short = len(text.split()) < 6
                named = (
                    (0.05 if str(chunk.meta.get("source", "")) in outlets else 0.0)
                    + (0.05 if str(chunk.meta.get("published", ""))[:10] in q.dates else 0.0)
                )
                # News puts the main facts first: a small prior for early paragraphs.
                early = 1.0 - min(int(chunk.meta.get("paragraph", 0)), 10) / 10
                sent.score = (
                    0.55 * sent.semantic
                    + 0.35 * sent.lexical
                    + (0.25 if q.qtype is not QType.OTHER else 0.0) * sent.cue
                    + 0.05 * rank_bonus[chunk.chunk_id]
                    + 0.04 * early
                    + named
                    - (0.15 if short else 0.0)
                )
                out.append(sent)
        if q.wants_latest and out:  # "latest"/"most recent": newer articles score higher
            stamps = [recency_key(x.chunk.meta.get("published")) for x in out]
            lo, hi = min(stamps), max(stamps)
            for x, t in zip(out, stamps, strict=True):
                x.score += 0.1 * ((t - lo) / (hi - lo) if hi > lo else 0.0)
        return sorted(out, key=lambda x: -x.score)

    # -- composing ----------------------------------------------------------------------------

    def _cover_named(
        self,
        q: Question,
        qvec: np.ndarray,
        cands: list[Candidate],
        outlets: list[str],
        filters: Filters | None,
    ) -> list[Candidate]:
        """A question naming outlets or publication days needs evidence from each of them:
        fetch the best chunks of any that plain retrieval missed."""
        have = {str(c.chunk.meta.get("source", "")) for c in cands}
        have_days = {str(c.chunk.meta.get("published", ""))[:10] for c in cands}
        seen = {c.chunk.chunk_id for c in cands}
        wanted = [
            Filters(source=outlet, since=filters.since if filters else None,
                    until=filters.until if filters else None)
            for outlet in outlets if outlet not in have
        ] + [
            Filters(source=filters.source if filters else None, since=day, until=day)
            for day in q.dates if day not in have_days
        ]
        for narrowed in wanted:
            for c in retrieve(self.store, qvec, q.resolved, 3, filters=narrowed):
                if c.chunk.chunk_id not in seen:
                    seen.add(c.chunk.chunk_id)
                    cands.append(c)
        return cands

    def _compose(
        self,
        q: Question,
        qa: Analysis,
        cands: list[Candidate],
        sents: list[Sentence],
        outlets: Sequence[str] = (),
    ) -> Answer:
        if not cands:
            return _refusal(q, [], "The index is empty: add articles with `newsqa ingest PATH`.")
        closest = _closest_articles(cands)
        if not sents:
            return _refusal(q, closest)
        if not self._supported(q, sents, cands):
            return _refusal(q, closest)
        verdict = judge(q, qa, sents)
        if verdict.refusal is not None:
            return _refusal(q, closest, verdict.refusal)
        best = verdict.best
        sents = [best, *[x for x in sents if x is not best]]

        chosen = [best]
        for s in sents[1:]:
            if len(chosen) >= MAX_QUOTES:
                break
            if s.score < 0.7 * best.score or any(_same(s, c) for c in chosen):
                continue
            if s.article_id in {c.article_id for c in chosen}:
                continue  # prefer distinct articles; the same article needs no second vote
            chosen.append(s)
        for outlet in outlets:  # each outlet the question names gets its best sentence
            if any(c.chunk.meta.get("source") == outlet for c in chosen):
                continue
            pick = next(
                (x for x in sents if x.chunk.meta.get("source") == outlet
                 and x.score >= 0.5 * best.score and not any(_same(x, c) for c in chosen)),
                None,
            )
            if pick is not None and len(chosen) < MAX_QUOTES + 2:
                chosen.append(pick)

        conflict_pairs = []
        for key, a, b in _find_conflicts(q, best, sents, chosen):
            resolved_pair = []
            for s in (a, b):
                match = next((c for c in chosen if _same(s, c)), None)
                if match is None:
                    chosen.append(s)
                resolved_pair.append(match or s)  # the same words elsewhere: cite the chosen one
            conflict_pairs.append((key, resolved_pair[0], resolved_pair[1]))

        citations = [_citation(n, s) for n, s in enumerate(chosen, start=1)]
        number_of = {id(s): n for n, s in enumerate(chosen, start=1)}
        conflicts = _conflicts_json(conflict_pairs, chosen, number_of)
        text = _answer_text(q, chosen, number_of, conflicts, verdict.lead)
        return Answer(
            question=q.raw,
            answer=text,
            refused=False,
            citations=citations,
            conflicts=conflicts,
            closest=closest,
        )

    def _supported(self, q: Question, sents: list[Sentence], cands: list[Candidate]) -> bool:
        """The refusal gate: key entities must appear in the evidence, and it must be close."""
        top = sents[:5]
        if max(s.semantic for s in top) < MIN_SEMANTIC and max(s.lexical for s in top) < 0.5:
            return False
        if q.entities:
            evidence = set()
            for c in cands:
                evidence.update(stems(c.chunk.text))
                evidence.update(stems(str(c.chunk.meta.get("title", ""))))
                evidence.update(stems(str(c.chunk.meta.get("source", ""))))
            covered = sum(1 for e in q.entities if e in evidence) / len(q.entities)
            if covered < MIN_ENTITY_COVERAGE:
                return False
        return True

# Well-known outlets, matched case-sensitively in questions. Naming one that the index holds no
# article from means the question's premise cannot be checked. (Ambiguous words such as "Time"
# are left out on purpose.)
KNOWN_OUTLETS = (
    "Bloomberg", "Reuters", "Wall Street Journal", "WSJ", "New York Times", "NYT",
    "Washington Post", "CNN", "BBC", "The Guardian", "Financial Times", "The Economist",
    "Associated Press", "AP News", "CNBC", "CNET", "TechCrunch", "The Verge", "Engadget",
    "Forbes", "Business Insider", "Axios", "Politico", "NPR", "Fox News", "NBC News",
    "ABC News", "CBS News", "Al Jazeera", "The Independent", "The Telegraph", "Sky News",
    "USA Today", "Los Angeles Times", "Newsweek", "Ars Technica", "Gizmodo", "ZDNet",
    "VentureBeat", "The Atlantic", "HuffPost", "Yahoo News", "Daily Mail", "ESPN",
    "Sporting News", "TalkSport", "Polygon", "IGN", "Kotaku", "The Hill", "Vox", "Wired",
)
_KNOWN_OUTLET_RE = re.compile(
    r"(?<![\w'’])(" + "|".join(re.escape(o) for o in KNOWN_OUTLETS) + r")(?![\w'’])"
)


def _named_outlets(text: str, indexed: Sequence[str]) -> list[str]:
    """Indexed outlets that ``text`` names ("as reported by TechCrunch")."""
    low = f" {text.casefold()} "
    return [
        outlet for outlet in indexed
        if any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", low) for v in _outlet_variants(outlet))
    ]


def outlets_named(text: str) -> list[str]:
    """Well-known outlets a question names, as written."""
    return list(dict.fromkeys(m.group(1) for m in _KNOWN_OUTLET_RE.finditer(text)))


def _outlet_variants(outlet: str) -> set[str]:
    """"Cnbc | World Business News Leader" is named "CNBC"; "BBC News - Sport" is "BBC News"."""
    full = outlet.casefold().strip()
    head = re.split(r"\s+[|\-–—:]\s+", full)[0].strip()
    variants = {full, head}
    for v in list(variants):
        if v.startswith("the "):
            variants.add(v[len("the "):])
    for v in list(variants):
        for suffix in (" news", ".com"):
            if v.endswith(suffix):
                variants.add(v[: -len(suffix)])
    return {v for v in variants if len(v) >= 3}


def _spans(chunk: StoredChunk) -> list[tuple[int, int]]:
    raw = str(chunk.meta.get("sentences", ""))
    spans = []
    for part in raw.split(";"):
        if ":" in part:
            a, b = part.split(":", 1)
            spans.append((int(a), int(b)))
    if not spans:
        start = int(chunk.meta.get("start", 0))
        spans = [(start, start + len(chunk.text))]
    return spans


def _annotations(chunk: StoredChunk) -> list[list[list[Any]]]:
    """Per-sentence entities from the chunk's ``ann`` metadata ([] for an old index)."""
    raw = chunk.meta.get("ann")
    if not isinstance(raw, str) or not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _headers(chunk: StoredChunk) -> dict[int, tuple[int, int]]:
    """Sentence index → its table header span, from the chunk's ``headers`` metadata."""
    out: dict[int, tuple[int, int]] = {}
    for part in str(chunk.meta.get("headers") or "").split(";"):
        bits = part.split(":")
        if len(bits) == 3 and all(b.isdigit() for b in bits):
            out[int(bits[0])] = (int(bits[1]), int(bits[2]))
    return out


def _cue(qtype: QType, text: str, q: Question, qtys: list[Quantity]) -> float:
    """How well the sentence has the *kind* of thing the question asks for."""
    if qtype is QType.NUMBER:
        if q.target and any(q.target in stems(x.text) or x.key == q.target for x in qtys):
            return 1.0
        return 0.4 if _NUMBER.search(text) else 0.0
    if qtype is QType.DATE:
        return 1.0 if _DATE.search(text) else 0.0
    if qtype is QType.PLACE:
        return 1.0 if _places(text, q) else 0.0
    if qtype is QType.NAME:
        names = [n for n in _NAME.findall(text) if not set(stems(n)) <= set(q.keywords)]
        return 1.0 if names else 0.0
    if qtype is QType.QUOTE:
        return 1.0 if re.search(r"[“\"«].{8,}?[”\"»]", text) else 0.0
    return 0.0


_NOT_PLACES = re.compile(rf"^(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                         r"Sunday|President|Prime|Minister|Mr|Mrs|Ms|Dr)\b")


def _places(text: str, q: Question) -> list[re.Match[str]]:
    return [
        m for m in _PLACE.finditer(text)
        if not _NOT_PLACES.match(m.group(1)) and not set(stems(m.group(1))) <= set(q.keywords)
    ]


def _nearest(text: str, matches: list[tuple[int, str]], q: Question) -> str | None:
    """The candidate closest to where the question's keywords occur in the sentence."""
    if not matches:
        return None
    low = text.lower()
    anchors = [m.start() for kw in q.keywords for m in re.finditer(re.escape(kw[:5]), low)]
    if not anchors:
        return matches[0][1]
    return min(matches, key=lambda m: min(abs(m[0] - a) for a in anchors))[1]


def _same(a: Sentence, b: Sentence) -> bool:
    """Same sentence, or the same words in another article (a wire copy)."""
    return (a.chunk.chunk_id == b.chunk.chunk_id and a.index == b.index) or normalize(
        a.text
    ).casefold() == normalize(b.text).casefold()


def _find_conflicts(
    q: Question, best: Sentence, sents: list[Sentence], chosen: list[Sentence]
) -> list[tuple[str, Sentence, Sentence]]:
    """Pairs (key, sentence A, sentence B) from different articles giving different values.

    Only quantities on the subject of the answer count: the noun a "how many" question counts,
    else the nouns counted in the chosen sentences. Among the relevant sentences of two
    articles, the disagreeing pair that is most alike (same event, same wording) is reported,
    so a cumulative figure is not pitted against a one-day figure when a closer pair exists.
    """
    floor = 0.45 * best.score
    if q.qtype is QType.NUMBER and q.target:
        keys = {q.target}
    else:  # a number the question does not ask about is no disputed point of the answer
        keys = {x.key for s in chosen for x in s.quantities} & set(q.keywords)
    pool = [s for s in sents if s.score >= floor and s.quantities]
    pairs: list[tuple[str, Sentence, Sentence]] = []
    for key in sorted(keys):
        holders = [
            (s, x) for s in pool for x in s.quantities
            if x.key == key or (key == q.target and key in stems(x.text))
        ]
        best_pair: tuple[float, Sentence, Sentence] | None = None
        for i, (s_a, x_a) in enumerate(holders):
            for s_b, x_b in holders[i + 1 :]:
                if s_a.article_id == s_b.article_id or agree(x_a, x_b):
                    continue
                if any(agree(x_a, y) for y in s_b.quantities if y.key == x_b.key):
                    continue
                both = s_a.vec is not None and s_b.vec is not None
                alike = float(s_a.vec @ s_b.vec) if both else 0.0  # type: ignore[operator]
                if alike < MIN_CONFLICT_SIMILARITY:
                    continue
                # Two exact counts make a sharper disagreement than a bound ("at least 4,757")
                # against a count.
                exact = 0.3 if not (x_a.hedged or x_b.hedged) else 0.0
                rank = alike + (s_a.score + s_b.score) / 2 + exact
                if best_pair is None or rank > best_pair[0]:
                    best_pair = (rank, s_a, s_b) if s_a.score >= s_b.score else (rank, s_b, s_a)
        if best_pair is not None:
            pairs.append((key, best_pair[1], best_pair[2]))
    return pairs


def _conflicts_json(
    pairs: list[tuple[str, Sentence, Sentence]],
    chosen: list[Sentence],
    number_of: dict[int, int],
) -> list[Conflict]:
    out = []
    for key, a, b in pairs:
        claims: dict[str, list[int]] = {}
        example = ""
        for s in (a, b):
            for qty in s.quantities:
                if qty.key == key or key in stems(qty.text):
                    example = example or qty.text
                    claims.setdefault(qty.text, []).append(number_of[id(s)])
        out.append(
            Conflict(
                topic=topic_name(
                    key,
                    next((x.text for s in (a, b) for x in s.quantities if x.key == key), example),
                ),
                claims=tuple(Claim(v, tuple(sorted(set(c)))) for v, c in claims.items()),
            )
        )
    return out


_CAPSEQ = re.compile(r"[A-Z][\w’'.&-]*(?:\s+(?:[A-Z][\w’'.&-]*|of|de|van|von|al|bin))*")
_NOT_NAMES = frozenset(
    "the a an in on at but and or as after before when while this that these those it its he "
    "she they we his her their our i according however also meanwhile still some many most "
    "mr mrs ms dr president ceo".split()
)


def _names(text: str, q: Question) -> list[str]:
    """Capitalised name-like spans not already named by the question."""
    out = []
    for m in _CAPSEQ.finditer(text):
        words = re.sub(r"[’']s$", "", m.group(0).rstrip(".’'")).split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if m.start() == 0 and len(words) > 1 and words[0].endswith(("ing", "ly")):
            words = words[1:]  # "Using Caroline Ellison …": a capitalised verb, not a name
        if not words:
            continue
        name = " ".join(words)
        if _NOT_PLACES.match(name) or set(stems(name)) <= set(q.keywords) | set(q.entities):
            continue
        out.append(name)
    return out


def _name_lead(q: Question, chosen: list[Sentence]) -> str | None:
    """For who/which questions: the name the chosen quotes agree on, if one stands out."""
    counts: dict[str, float] = {}
    for rank, s in enumerate(chosen):
        for name in dict.fromkeys(_names(s.text, q)):
            counts[name] = counts.get(name, 0.0) + (1.5 if rank == 0 else 1.0)
    if not counts:
        return None
    # A longer name that contains a shorter one ("Sam Bankman-Fried" ⊃ "Bankman-Fried") wins.
    for name in list(counts):
        for other in counts:
            if other != name and name in other:
                counts[other] += counts[name]
    best = max(counts, key=lambda n: (counts[n], len(n)))
    return best if counts[best] >= 1.5 else None


def _lead(q: Question, s: Sentence) -> str | None:
    """The short answer itself when the question's type makes it extractable."""
    text = s.text
    if q.qtype is QType.NUMBER:
        for qty in s.quantities:
            if q.target and (qty.key == q.target or q.target in stems(qty.text)):
                return qty.text
        return None
    if q.qtype is QType.PLACE:
        return _nearest(text, [(m.start(1), m.group(1)) for m in _places(text, q)], q)
    if q.qtype is QType.DATE:
        return _nearest(text, [(m.start(), m.group(0)) for m in _DATE.finditer(text)], q)
    return None


def _answer_text(
    q: Question,
    chosen: list[Sentence],
    number_of: dict[int, int],
    conflicts: list[Conflict],
    lead: str | None,
) -> str:
    parts: list[str] = []
    by_number = {n: s for s in chosen for n in (number_of[id(s)],)}
    for c in conflicts:
        claims = "; ".join(
            f"{cl.value} ({_outlet(by_number[cl.citations[0]])}) "
            + " ".join(f"[{n}]" for n in cl.citations)
            for cl in c.claims
        )
        parts.append(f"The sources disagree on the {c.topic}: {claims}.")
    best = chosen[0]
    published = str(best.chunk.meta.get("published") or "")[:10] or None
    attribution = _outlet(best) + (f" ({published})" if published else "")
    if q.qtype is QType.YESNO:
        # An extractive answer cannot weigh a yes/no claim; say so rather than guess.
        parts.append("The articles do not state a yes/no answer directly; here is what they say:")
    head = f"{lead} — " if lead and not conflicts else ""
    says = f"According to {attribution}: " if attribution else ""
    parts.append(f"{head}{says}{best.text} [{number_of[id(best)]}]")
    for s in chosen[1:]:
        if any(number_of[id(s)] in cl.citations for c in conflicts for cl in c.claims):
            continue
        parts.append(f"{_outlet(s)} also reports: {s.text} [{number_of[id(s)]}]")
    return "\n".join(parts)


def _outlet(s: Sentence) -> str:
    """Outlet name, or the article's title when the outlet is unknown."""
    meta = s.chunk.meta
    return str(meta.get("source") or "") or f"“{meta.get('title') or 'another article'}”"


def _citation(n: int, s: Sentence) -> Citation:
    meta = s.chunk.meta
    return Citation(
        n=n,
        quote=s.text,
        article_id=str(meta.get("article_id", "")),
        chunk_id=s.chunk.chunk_id,
        title=str(meta.get("title", "")),
        source=str(meta.get("source") or "") or None,
        published=str(meta.get("published") or "") or None,
        url=str(meta.get("url") or "") or None,
        path=str(meta.get("path") or "") or None,
        start=s.start,
        end=s.end,
        header_start=s.header[0] if s.header else 0,
        header_end=s.header[1] if s.header else 0,
    )


def verify(citation: Citation, chunk_text: str, chunk_start: int) -> bool:
    """A quote is shown only if it is exactly what the stored text at its recorded offsets
    displays as (a table row's header line is checked against the original by the caller that
    holds the whole article, e.g. the eval's file check)."""
    lo, hi = citation.start - chunk_start, citation.end - chunk_start
    if not 0 <= lo < hi <= len(chunk_text):
        return False
    row = display(chunk_text[lo:hi])
    if citation.header_end > citation.header_start:
        return citation.quote.endswith("\n" + row)
    return citation.quote == row


def _closest_articles(cands: list[Candidate]) -> list[ArticleInfo]:
    seen: dict[str, ArticleInfo] = {}
    for c in cands:
        m = c.chunk.meta
        aid = str(m.get("article_id", ""))
        if aid not in seen:
            seen[aid] = ArticleInfo(
                article_id=aid,
                title=str(m.get("title", "")),
                source=str(m.get("source") or "") or None,
                published=str(m.get("published") or "") or None,
                url=str(m.get("url") or "") or None,
                path=str(m.get("path") or "") or None,
                chunks=0,
            )
        if len(seen) >= 3:
            break
    return list(seen.values())


def _refusal(q: Question, closest: list[ArticleInfo], reason: str | None = None) -> Answer:
    if reason is None:
        words = re.findall(r"[\w'’-]+", q.resolved)
        terms = ", ".join(dict.fromkeys(w for w in words if w.lower() not in STOPWORDS))[:200]
        reason = (
            "I could not find an answer to that in the indexed articles. "
            f"I searched for: {terms}."
        )
        if closest:
            titles = "; ".join(f"“{a.title}”" + (f" ({a.source})" if a.source else "")
                               for a in closest)
            reason += f" The closest articles were: {titles}."
        reason += " Try rephrasing, or add articles that cover it."
    return Answer(question=q.raw, answer=reason, refused=True, closest=closest)
