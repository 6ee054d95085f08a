"""Optional generative rewrite of an answer by an LLM, checked against the sources before use.

The LLM (OpenAI-compatible or Ollama, through LlamaIndex's integrations) sees only numbered
sentences and must cite them as ``[n]``. Nothing it writes is trusted: markers must exist,
every statement must carry one, numbers must appear in what it cites, and quoted text must be
verbatim in a numbered sentence. Anything else is dropped; if nothing survives, or the service
fails in any way, the offline answer is returned with a short notice. ``Settings.llm`` is
never touched, so LlamaIndex's echoing MockLLM cannot reach a user.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from index.answer.question import Question
from index.config import LLMConfig
from index.text import normalize, sentence_spans
from index.types import Answer, Citation, Claim, Conflict

log = logging.getLogger(__name__)

UNAVAILABLE = "The language model was unavailable, so this is the offline answer."
UNVERIFIED = (
    "The language model's answer could not be checked against the sources, "
    "so this is the offline answer."
)
QUOTE_REMOVED = "A quotation from the language model that is not in the sources was removed."
CLAIMS_DROPPED = "Statements from the language model without a valid source were left out."

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.2"}
DEFAULT_OLLAMA_URL = "http://localhost:11434"
MAX_OUTPUT_TOKENS = 512
MIN_QUOTE_WORDS = 5

SYSTEM_PROMPT = """\
You answer questions about news articles using ONLY the numbered sentences you are given.
Rules:
1. Use only facts stated in the numbered sentences. No outside knowledge.
2. End every sentence of your answer with the number of each sentence that supports it, \
like [2] or [1][3]. Never invent a number that is not in the list.
3. If you quote, copy the words exactly as written, inside quotation marks.
4. If the sentences give different numbers, dates or names for the same thing, say \
"The sources disagree" and cite each side.
5. If the sentences do not answer the question, reply with exactly: INSUFFICIENT
Answer in at most three short sentences."""

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
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_INSUFFICIENT = re.compile(r"^\W*INSUFFICIENT\b")
_DISAGREE = re.compile(r"^\W*(?:the\s+)?sources\s+disagree\b", re.IGNORECASE)


class LLMWriter:
    """Rewrites an offline ``Answer`` with an LLM; ``rewrite`` never raises."""

    def __init__(self, cfg: LLMConfig, *, client: Any = None) -> None:
        """``client`` is any LlamaIndex LLM (has ``.chat``); built from ``cfg`` when omitted."""
        self.cfg = cfg
        self._client = client
        self._lock = threading.Lock()

    def client(self) -> Any:
        """The LlamaIndex LLM, built on first use (importing ``openai`` costs ~0.5 s)."""
        with self._lock:
            if self._client is None:
                self._client = _build_client(self.cfg)
            return self._client

    def rewrite(self, q: Question, offline: Answer, numbered: Sequence[Citation]) -> Answer:
        """The LLM's answer if it survives verification, else ``offline`` with a notice.

        Args:
            q: the parsed question (``resolved`` is what the LLM is asked).
            offline: the extractive answer; its conflicts and closest articles are kept.
            numbered: the sentences the LLM may cite, ``n`` = 1..N, each a verbatim quote.
        """
        if not numbered or offline.refused:
            return offline  # the calibrated refusal gate is not the LLM's to overrule
        try:
            raw = self.complete(build_prompt(q, numbered))
        except Exception as exc:  # any timeout, refused connection, HTTP or parse error
            log.warning("LLM call failed (%s): %s", type(exc).__name__, exc)
            return _with_notice(offline, UNAVAILABLE)
        text = _THINK.sub("", raw or "").strip()
        if not text:
            return _with_notice(offline, UNAVAILABLE)
        try:
            return verify_answer(text, offline, numbered)
        except Exception:  # a bug here must not cost the user the offline answer
            log.exception("LLM answer verification failed")
            return _with_notice(offline, UNVERIFIED)

    def complete(self, messages: tuple[str, str]) -> str:
        """Send (system, user) to the model and return its text."""
        from llama_index.core.llms import ChatMessage, MessageRole

        system, user = messages
        response = self.client().chat(
            [
                ChatMessage(role=MessageRole.SYSTEM, content=system),
                ChatMessage(role=MessageRole.USER, content=user),
            ]
        )
        return str(response.message.content or "")


def _build_client(cfg: LLMConfig) -> Any:
    model = cfg.model or DEFAULT_MODELS.get(cfg.provider, "")
    if cfg.provider == "openai":
        from llama_index.llms.openai_like import OpenAILike

        kwargs: dict[str, Any] = {}
        if cfg.base_url:
            kwargs["api_base"] = cfg.base_url
        return OpenAILike(
            model=model,
            # Local servers need no key, but the OpenAI client insists on one and would
            # otherwise read OPENAI_API_KEY from the environment.
            api_key=cfg.api_key or "none",
            is_chat_model=True,
            timeout=cfg.timeout_s,
            max_retries=0,
            temperature=0.0,
            max_tokens=MAX_OUTPUT_TOKENS,
            **kwargs,
        )
    if cfg.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=model,
            base_url=cfg.base_url or DEFAULT_OLLAMA_URL,
            request_timeout=cfg.timeout_s,
            temperature=0.0,
            # A known context window stops the integration asking /api/show on first use.
            context_window=8192,
            additional_kwargs={"num_predict": MAX_OUTPUT_TOKENS},
            headers={"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else None,
        )
    raise ValueError(f"unknown LLM provider {cfg.provider!r} (use none, openai or ollama)")


def build_prompt(q: Question, numbered: Sequence[Citation]) -> tuple[str, str]:
    """(system, user) messages: the rules, the question, the numbered sentences."""
    lines = []
    for c in numbered:
        outlet = c.source or c.title or "unknown outlet"
        date = (c.published or "")[:10] or "undated"
        lines.append(f"[{c.n}] ({outlet}, {date}) {' '.join(c.quote.split())}")
    question = q.resolved or q.text
    user = f"Question: {question}\n\nSentences:\n" + "\n".join(lines) + "\n\nAnswer:"
    return SYSTEM_PROMPT, user


# -- verification -----------------------------------------------------------------------------


@dataclass
class _Statement:
    text: str
    cites: list[int] = field(default_factory=list)


def verify_answer(text: str, offline: Answer, numbered: Sequence[Citation]) -> Answer:
    """Keep only what the numbered sentences support; renumber the citations 1..M."""
    if _INSUFFICIENT.match(text):
        return _refusal(offline)
    text = _LATE_MARKERS.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)
    by_n = {c.n: c for c in numbered}
    notices: list[str] = []
    bad_spans, quote_sources = _check_quotes(text, numbered)
    if bad_spans:
        notices.append(QUOTE_REMOVED)

    kept: list[list[_Statement]] = []  # per output line
    dropped = False
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
            stmt = _statement(chunk, by_n, quoted)
            if stmt is None:
                dropped = True
            else:
                out_line.append(stmt)
        if any(st.cites or _DISAGREE.match(st.text) for st in out_line):
            kept.append(out_line)
    if not any(st.cites for row in kept for st in row):
        return _with_notice(offline, UNVERIFIED)
    if dropped:
        notices.append(CLAIMS_DROPPED)

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
    text: str, by_n: dict[int, Citation], quoted_from: list[tuple[int, ...]]
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
        if _DISAGREE.match(plain) and not _NUMBER.search(plain):
            return _Statement(plain)  # "The sources disagree." needs no source of its own
        return None
    allowed: set[str] = set()
    for n in cites:
        c = by_n[n]
        allowed.update(_numbers(f"{c.quote} {c.published or ''}"))
    if not set(_numbers(body)) <= allowed:
        return None  # a number none of its sources gives
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
            claims.append(Claim(claim.value, tuple(sorted(set(nums)))))
        conflicts.append(Conflict(conflict.topic, tuple(claims)))
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


def _with_notice(offline: Answer, notice: str) -> Answer:
    merged = f"{offline.notice} {notice}" if offline.notice else notice
    return replace(offline, notice=merged)
