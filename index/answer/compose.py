"""The one path from a question to a cited ``Answer``, shared by the REPL, CLI and Telegram.

Offline by default: the answer is built from whole sentences quoted verbatim from the
retrieved chunks, chosen by embedding similarity, keyword overlap and answer-type cues.
Every quote is sliced from the stored chunk text by its recorded offsets, so it is by
construction a substring of the original article; ``verify`` re-checks it before it is shown.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.answer.analysis import Analysis, analyse
from index.answer.conflicts import agree, topic_name
from index.answer.evidence import Sentence, score_sentences
from index.answer.gate import judge, same_slot
from index.answer.outlets import named_outlets, outlets_named
from index.answer.question import STOPWORDS, QType, Question, parse, stems
from index.retrieve import Candidate, Filters, retrieve
from index.store import ChunkStore
from index.text import display, normalize
from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, Turn

# Calibrated on ../shared/eval-dev (see docs/BENCHMARKS.md): below these the evidence is too
# weak to answer from.
MIN_SEMANTIC = 0.30
MIN_ENTITY_COVERAGE = 0.5
MAX_QUOTES = 3
MIN_CONFLICT_SIMILARITY = 0.35
LLM_CONTEXT = 12  # numbered sentences offered to an optional LLM

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
        outlets = named_outlets(q.text, indexed)
        missing = [o for o in outlets_named(q.text) if not named_outlets(o, indexed)]
        cands = self._cover_named(q, qvec, cands, outlets, filters)
        t1 = time.perf_counter()
        sents = score_sentences(self.store, q, qvec, cands, outlets) if cands else []
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
            if not (same_slot(a, qa) and same_slot(b, qa)):
                continue  # a figure for another party or another act is no disagreement
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
        text = _answer_text(q, chosen, number_of, conflicts, verdict.lead, verdict.verdict)
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


def _answer_text(
    q: Question,
    chosen: list[Sentence],
    number_of: dict[int, int],
    conflicts: list[Conflict],
    lead: str | None,
    yesno: str | None = None,
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
    if q.qtype is QType.YESNO and yesno:
        lead = yesno  # stated in so many words by the quote that follows
    elif q.qtype is QType.YESNO:
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
