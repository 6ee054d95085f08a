"""Checking an LLM's answer against the numbered sentences it was shown (``index.llm``).

Nothing the model writes is trusted: markers must exist, every statement must carry one,
numbers must appear in what it cites, quoted text must be verbatim in a numbered sentence,
and each statement must be supported by what it cites (names, dates, links and meaning,
``index.support``). Anything else is dropped, and the notice says how much.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from index.support import SupportChecker, urls
from index.text import normalize, sentence_spans
from index.types import Answer, Citation, Claim, Conflict

log = logging.getLogger(__name__)

UNAVAILABLE = "The language model was unavailable, so this is the offline answer."
UNVERIFIED = (
    "The language model's answer could not be checked against the sources, "
    "so this is the offline answer."
)
QUOTE_REMOVED = "A quotation from the language model that is not in the sources was removed."
CLAIMS_DROPPED = "left out: not supported by the sources"
"""Part of every "N statements … left out" notice (``claims_dropped``)."""


def claims_dropped(n: int) -> str:
    """The notice for ``n`` statements removed by verification."""
    if n == 1:
        return f"1 statement from the language model was {CLAIMS_DROPPED} it cites."
    return f"{n} statements from the language model were {CLAIMS_DROPPED} they cite."

MIN_QUOTE_WORDS = 5

_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_MARKERS_ONLY = re.compile(r"^(?:\s*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])+[\s.,;:!?]*$")
_QUOTED = re.compile(r"“([^”]{1,2000})”|\"([^\"\n]{1,2000})\"")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# "Friday.[1] Next" → "Friday [1]. Next": a marker after the full stop belongs to the sentence
# before it, and sentence splitting must see it there.
_LATE_MARKERS = re.compile(r"([.!?])((?:[ \t]*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])+)")
_BULLET = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_LABEL = re.compile(r"^\W*(?:sources?|references?|citations?)\W*$", re.IGNORECASE)
_INSUFFICIENT = re.compile(r"^\W*INSUFFICIENT\b")
_DISAGREE = re.compile(r"^\W*(?:the\s+)?sources\s+disagree\b", re.IGNORECASE)


# -- verification -----------------------------------------------------------------------------


@dataclass
class _Statement:
    text: str
    cites: list[int] = field(default_factory=list)


def verify_answer(
    text: str,
    offline: Answer,
    numbered: Sequence[Citation],
    *,
    support: SupportChecker | None = None,
) -> Answer:
    """Keep only what the numbered sentences support; renumber the citations 1..M.

    ``support`` checks each cited statement's names, dates, numbers, links and meaning
    against what it cites (``index.support``); by default without the meaning check.
    """
    checker = support or SupportChecker()
    if _INSUFFICIENT.match(text):
        return _refusal(offline)
    text = _LATE_MARKERS.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)
    by_n = {c.n: c for c in numbered}
    notices: list[str] = []
    bad_spans, quote_sources = _check_quotes(text, numbered)
    if bad_spans:
        notices.append(QUOTE_REMOVED)

    kept: list[list[_Statement]] = []  # per output line
    dropped = 0
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        bullet = _BULLET.match(line)
        prefix = bullet.group(0).lstrip() if bullet else ""
        out_line: list[_Statement] = [_Statement(prefix.strip())] if prefix else []
        offset = bullet.end() if bullet else 0
        for s, e in _statements(line[offset:]):
            a, b = line_start + offset + s, line_start + offset + e
            if any(a < hi and lo < b for lo, hi in bad_spans):
                continue
            chunk = line[offset + s : offset + e]
            rest = _MARKER.sub("", chunk)
            if not rest.strip(" .,;:!?-*•") or _LABEL.match(rest):
                continue  # a stray marker, or a "Sources: [1][2]" trailer
            if rest.rstrip().endswith(":") and not _NUMBER.search(rest) and chunk == rest:
                continue  # a lead-in such as "Here is what the sources say:"
            quoted = [ns for (lo, hi), ns in quote_sources if a < hi and lo < b]
            stmt = _statement(chunk, by_n, quoted, checker)
            if stmt is None:
                dropped += 1
            else:
                out_line.append(stmt)
        if any(st.cites or _DISAGREE.match(st.text) for st in out_line):
            kept.append(out_line)
    if not any(st.cites for row in kept for st in row):
        return with_notice(offline, UNVERIFIED)
    if dropped:
        notices.append(claims_dropped(dropped))

    # Renumber in order of first use, then carry the offline conflicts across.
    new_n: dict[int, int] = {}
    for row in kept:
        for st in row:
            for n in st.cites:
                new_n.setdefault(n, len(new_n) + 1)
    citations = [replace(by_n[old], n=new) for old, new in new_n.items()]
    conflicts = _carry_conflicts(offline, citations)

    lines_out = [" ".join(_render(st, new_n) for st in row) for row in kept]
    answer = "\n".join(lines_out)
    if conflicts and "disagree" not in answer.lower():
        answer = "\n".join([*(_conflict_sentence(c) for c in conflicts), answer])
    notice = " ".join(x for x in [offline.notice, *notices] if x) or None
    return Answer(
        question=offline.question,
        answer=answer,
        refused=False,
        citations=citations,
        conflicts=conflicts,
        timings_ms=dict(offline.timings_ms),
        notice=notice,
        closest=list(offline.closest),
        resolved_question=offline.resolved_question,
    )


def _statements(line: str) -> list[tuple[int, int]]:
    """Sentence spans of one output line, with a trailing "[2]." glued to its sentence."""
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(line):
        if spans and _MARKERS_ONLY.match(line[s:e]):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return spans


def _statement(
    text: str,
    by_n: dict[int, Citation],
    quoted_from: list[tuple[int, ...]],
    checker: SupportChecker,
) -> _Statement | None:
    """One sentence of the LLM's answer with its valid citations, or None to drop it."""
    cites: list[int] = []
    for m in _MARKER.finditer(text):
        for part in re.split(r"[,;]", m.group(1)):
            n = int(part)
            if n in by_n and n not in cites:
                cites.append(n)
    # A verbatim quote the LLM attributed to the wrong sentence still gets its true source.
    for sources in quoted_from:
        if not set(sources) & set(cites):
            cites.append(sources[0])
    body = _MARKER.sub(" ", text)
    if not cites:
        plain = body.strip()
        if _DISAGREE.match(plain) and not _NUMBER.search(plain) and not urls(plain):
            return _Statement(plain)  # "The sources disagree." needs no source of its own
        return None
    allowed: set[str] = set()
    for n in cites:
        c = by_n[n]
        allowed.update(_numbers(f"{c.quote} {c.published or ''}"))
    if not set(_numbers(body)) <= allowed:
        return None  # a number none of its sources gives
    why = checker.unsupported(body, [by_n[n] for n in cites])
    if why is not None:
        log.info("LLM statement left out: %s", why)
        return None
    return _Statement(text, cites)


def _numbers(text: str) -> list[str]:
    return [m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)]


def _check_quotes(
    text: str, numbered: Sequence[Citation]
) -> tuple[list[tuple[int, int]], list[tuple[tuple[int, int], tuple[int, ...]]]]:
    """Spans of quoted passages (≥ 5 words) found in no numbered sentence, and the verbatim
    ones with every sentence that holds them, as ``((start, end), (n, ...))``."""
    sources = [(c.n, normalize(c.quote)) for c in numbered]
    bad: list[tuple[int, int]] = []
    good: list[tuple[tuple[int, int], tuple[int, ...]]] = []
    for m in _QUOTED.finditer(text):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        if len(inner.split()) < MIN_QUOTE_WORDS:
            continue
        parts = [normalize(p).strip(" .,;:!?") for p in _ELLIPSIS.split(inner)]
        parts = [p for p in parts if p]
        found = tuple(n for n, s in sources if parts and all(_contains(s, p) for p in parts))
        if found:
            good.append((m.span(), found))
        else:
            bad.append(m.span())
    return bad, good


def _contains(sentence: str, part: str) -> bool:
    # Allow only the first letter's case to differ: quoting mid-sentence capitalises it.
    return part in sentence or (part[:1].swapcase() + part[1:]) in sentence


def _render(st: _Statement, new_n: dict[int, int]) -> str:
    if not st.cites:
        return st.text

    def sub(m: re.Match[str]) -> str:
        nums = [int(p) for p in re.split(r"[,;]", m.group(1))]
        return "".join(f"[{new_n[n]}]" for n in nums if n in new_n)

    out = _MARKER.sub(sub, st.text)
    placed = {int(x) for x in re.findall(r"\[(\d+)\]", out)}
    missing = [new_n[n] for n in st.cites if new_n[n] not in placed]
    if missing:  # citations added for a re-attributed quote
        out = out.rstrip()
        tail = out[-1] if out and out[-1] in ".!?" else ""
        out = out[: len(out) - len(tail)] + " " + "".join(f"[{n}]" for n in missing) + tail
    out = re.sub(r"\s+([.,;:!?])", r"\1", out)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def _carry_conflicts(offline: Answer, citations: list[Citation]) -> list[Conflict]:
    """Offline conflicts, renumbered; their citations are appended when the LLM left them out."""
    if not offline.conflicts:
        return []
    key_of = {c.n: (c.article_id, c.start, c.end, c.quote) for c in offline.citations}
    number = {(c.article_id, c.start, c.end, c.quote): c.n for c in citations}
    by_offline = {c.n: c for c in offline.citations}
    conflicts = []
    for conflict in offline.conflicts:
        claims = []
        for claim in conflict.claims:
            nums = []
            for old in claim.citations:
                key = key_of.get(old)
                if key is None:
                    continue
                if key not in number:
                    number[key] = len(citations) + 1
                    citations.append(replace(by_offline[old], n=number[key]))
                nums.append(number[key])
            claims.append(Claim(claim.value, tuple(sorted(set(nums))), claim.published))
        conflicts.append(Conflict(conflict.topic, tuple(claims), conflict.kind))
    return conflicts


def _conflict_sentence(c: Conflict) -> str:
    claims = "; ".join(
        f"{cl.value} {''.join(f'[{n}]' for n in cl.citations)}".strip() for cl in c.claims
    )
    return f"The sources disagree on the {c.topic}: {claims}."


def _refusal(offline: Answer) -> Answer:
    text = "I could not find an answer to that in the indexed articles."
    if offline.closest:
        titles = "; ".join(
            f"“{a.title}”" + (f" ({a.source})" if a.source else "") for a in offline.closest
        )
        text += f" The closest articles were: {titles}."
    text += " Try rephrasing, or add articles that cover it."
    return Answer(
        question=offline.question,
        answer=text,
        refused=True,
        timings_ms=dict(offline.timings_ms),
        notice=offline.notice,
        closest=list(offline.closest),
        resolved_question=offline.resolved_question,
    )


def with_notice(offline: Answer, notice: str) -> Answer:
    merged = f"{offline.notice} {notice}" if offline.notice else notice
    return replace(offline, notice=merged)
