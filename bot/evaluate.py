"""``newsqa eval``: run a question set (eval-dev format) and score it without an LLM judge.

Scoring follows ../shared/eval-dev/README.md: normalised whole-word containment for entity
answers (strict, and with a small alias table; a list-valued ``answer`` and ``accept_also`` are
acceptable alternatives), the first yes/no verdict of the first sentence for comparison/temporal
questions, refusal patterns for every unanswerable question (``answerable: false``, type
``null_query`` or gold "Insufficient information."), evidence recall by corpus file name, and a
verbatim check of every quote against the file it cites. A question's ``history`` (earlier
questions of the same chat) is asked first, as in the REPL, so follow-ups are scored in context.
The scoring functions are pure so they can be unit-tested; ``run_eval`` is the I/O around them.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.engine import Engine, turn_of
from index.types import Answer, Turn

NULL_TYPE = "null_query"
VERDICT_TYPES = ("comparison_query", "temporal_query")
TYPE_ORDER = ("inference_query", "comparison_query", "temporal_query", NULL_TYPE)
INSUFFICIENT = "Insufficient information."  # the gold answer of an unanswerable question
MAX_TURNS = 20  # as bot.repl: earlier turns a conversation keeps

# Short forms a correct answer may use instead of the full gold name (keys are normalised).
ALIASES: dict[str, tuple[str, ...]] = {
    "sam bankman fried": ("sbf", "bankman fried"),
    "sam altman": ("altman",),
    "minnesota vikings": ("vikings",),
    "everton football club": ("everton",),
    "diablo 4": ("diablo iv",),
}

REFUSAL = re.compile(
    r"insufficient information|not enough information|cannot (?:be )?determine|"
    r"can ?not (?:be )?answer|no information|not (?:mentioned|provided|available) in|"
    r"unable to (?:answer|find)|(?:could|can) ?not find|couldn'?t find|don'?t have|"
    r"do not (?:contain|have)",
    re.IGNORECASE,
)

# Verdict words with an opposite: the gold class is matched on the first one said, and
# "not consistent" counts as "inconsistent" (and vice versa).
OPPOSITES: dict[str, str] = {
    "consistent": "inconsistent", "inconsistent": "consistent",
    "agree": "disagree", "disagree": "agree",
    "before": "after", "after": "before",
    "same": "different", "different": "same",
}
NEGATIONS = frozenset({"not", "no", "never", "isnt", "wasnt", "arent", "werent", "dont",
                       "doesnt", "didnt", "neither", "nor"})

_ARTICLES = frozenset({"a", "an", "the"})
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WS = re.compile(r"\s+")
# "yes/no", "true or false" name the question's form, they are not a verdict.
_FORM = re.compile(r"\b(?:yes\s*(?:/|or)\s*no|no\s*(?:/|or)\s*yes|true\s*(?:/|or)\s*false)\b",
                   re.IGNORECASE)


# -- pure scoring --------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKD → ASCII, lowercase, punctuation and articles dropped, single spaces.

    A possessive 's goes ("Altman's" → "altman"); other apostrophes vanish rather than split
    words ("don't" → "dont"), so negations stay one token.
    """
    text = _APOSTROPHES.sub("", _POSSESSIVE.sub("", text))
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def contains(haystack: str, needle: str) -> bool:
    """Whole-word containment of ``needle`` in ``haystack``; both already normalised."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def gold_key(gold: str) -> str:
    """Normalised gold answer (the trailing period goes with the punctuation)."""
    return normalize(gold)


def golds_of(question: dict[str, Any]) -> list[str]:
    """Acceptable gold strings: ``answer`` (a string, or a list of alternatives) + ``accept_also``.

    Empty strings are dropped; a non-list ``accept_also`` counts as one alternative.
    """
    def as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    found = [*as_list(question.get("answer")), *as_list(question.get("accept_also") or [])]
    return list(dict.fromkeys(s for x in found if x is not None and (s := str(x).strip())))


def is_unanswerable(question: dict[str, Any]) -> bool:
    """``answerable`` is false, the type is ``null_query`` or the gold is "Insufficient
    information." — whatever the set calls its type (news set: ``unanswerable``)."""
    return (
        question.get("answerable") is False
        or question.get("type") == NULL_TYPE
        or any(gold_key(g) == gold_key(INSUFFICIENT) for g in golds_of(question))
    )


def inference_hit(answer: str, gold: str, *, aliases: bool = False) -> bool:
    """Entity answers: the gold name (or, with ``aliases``, a known short form) is in the answer."""
    text, key = normalize(answer), gold_key(gold)
    if contains(text, key):
        return True
    return aliases and any(contains(text, a) for a in ALIASES.get(key, ()))


def first_sentence(text: str) -> str:
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0] if parts else ""


def verdict(answer: str) -> str | None:
    """``"yes"``/``"no"`` from the first yes/no/true/false word in the first sentence."""
    for word in normalize(_FORM.sub(" ", first_sentence(answer))).split():
        if word in ("yes", "true"):
            return "yes"
        if word in ("no", "false"):
            return "no"
    return None


def gold_class(gold: str) -> str | None:
    """``"yes"``/``"no"`` for yes/no-like gold answers, ``None`` for the others."""
    key = gold_key(gold)
    if key in ("yes", "true"):
        return "yes"
    if key in ("no", "false"):
        return "no"
    return None


def _negated(words: list[str], i: int) -> bool:
    return any(w in NEGATIONS for w in words[max(0, i - 2) : i])


def word_hit(answer: str, gold: str) -> bool:
    """Non-yes/no gold answers: whole-word match with a negation guard.

    Closed verdict words (consistent, agree, before, …) are read from the first sentence and
    the first one said decides, so "inconsistent" never counts as "consistent" and "not
    consistent" counts as "inconsistent". Other answers (an outlet name) may appear anywhere,
    but not right after a negation.
    """
    key = gold_key(gold)
    if key in OPPOSITES:
        words = normalize(first_sentence(answer)).split()
        for i, w in enumerate(words):
            if w in (key, OPPOSITES[key]):
                said = OPPOSITES[w] if _negated(words, i) else w
                return said == key
        return False
    words = normalize(answer).split()
    n = len(key.split())
    for i in range(len(words) - n + 1):
        if " ".join(words[i : i + n]) == key and not _negated(words, i):
            return True
    return False


def verdict_hit(answer: str, gold: str) -> bool:
    """Comparison/temporal questions: yes/no verdict, or ``word_hit`` for other gold answers."""
    cls = gold_class(gold)
    if cls is None:
        return word_hit(answer, gold)
    return verdict(answer) == cls


def is_refusal(answer: str, refused: bool = False) -> bool:
    """The bot declined: its own ``refused`` flag, or refusal wording in the text."""
    return refused or bool(REFUSAL.search(answer))


def answer_hit(
    qtype: str,
    answer: str,
    gold: str | Sequence[str],
    refused: bool,
    *,
    aliases: bool = True,
    answerable: bool | None = None,
) -> bool:
    """Whether one answer is correct: an unanswerable question must be refused; otherwise any
    one of the acceptable ``gold`` strings must match (yes/no verdict for comparison/temporal
    types, entity containment for the others) and the answer must not be a refusal.

    ``answerable`` defaults to: not ``null_query`` and not gold "Insufficient information.".
    """
    golds = [gold] if isinstance(gold, str) else list(gold)
    if answerable is None:
        answerable = not is_unanswerable({"type": qtype, "answer": golds})
    if not answerable:
        return is_refusal(answer, refused)
    if is_refusal(answer, refused):
        return False
    if qtype in VERDICT_TYPES:
        return any(verdict_hit(answer, g) for g in golds)
    return any(inference_hit(answer, g, aliases=aliases) for g in golds)


def recall(found: Iterable[str], gold: Iterable[str]) -> float | None:
    """|found ∩ gold| / |gold|, ``None`` when there is no gold evidence."""
    gold_set = set(gold)
    if not gold_set:
        return None
    return len(set(found) & gold_set) / len(gold_set)


def precision(found: Iterable[str], gold: Iterable[str]) -> float | None:
    """|found ∩ gold| / |found|, ``None`` when nothing was found."""
    found_set = set(found)
    if not found_set:
        return None
    return len(found_set & set(gold)) / len(found_set)


def ws_normalize(text: str) -> str:
    return _WS.sub(" ", text).strip()


def is_verbatim(quote: str, source_text: str) -> bool:
    """Every line of the quote (a table row's quote is its header line and the row) occurs in
    its source as displayed (``index.text.display``: entities decoded, Markdown marks dropped,
    whitespace collapsed); nothing else is forgiven."""
    from index.text import display

    shown = ws_normalize(display(source_text))
    lines = [ws_normalize(line) for line in quote.split("\n")]
    return bool(quote.strip()) and all(line in shown for line in lines if line)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``None`` for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * pct / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class FileResolver:
    """Maps a cited/retrieved article to a corpus file name: path basename, else title or URL."""

    by_title: dict[str, str] = field(default_factory=dict)
    by_url: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)

    @classmethod
    def from_questions(cls, questions: Iterable[dict[str, Any]]) -> FileResolver:
        res = cls()
        for q in questions:
            for ev in q.get("evidence") or []:
                name = ev.get("file")
                if not name:
                    continue
                res.known.add(name)
                if ev.get("title"):
                    res.by_title.setdefault(normalize(ev["title"]), name)
                if ev.get("url"):
                    res.by_url.setdefault(ev["url"].strip(), name)
        return res

    def file_of(self, item: dict[str, Any]) -> str | None:
        path = item.get("path")
        if path:
            return Path(str(path)).name
        if item.get("url") and item["url"].strip() in self.by_url:
            return self.by_url[item["url"].strip()]
        if item.get("title"):
            return self.by_title.get(normalize(str(item["title"])))
        return None


# -- metrics --------------------------------------------------------------------------------------


def _mean(values: Iterable[float | bool | None]) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Metrics for one group of per-question result rows (see ``score_row`` for the fields).

    Rates are fractions 0–1 (``None`` when nothing to count), latencies milliseconds of the
    scored question only. ``refusal_rate_null`` is over every unanswerable row of the group
    (``n_unanswerable``), whatever its type name; ``false_refusal_rate`` over answerable ones.
    """
    answerable = [r for r in rows if r["answerable"]]
    null = [r for r in rows if not r["answerable"]]
    inference = [r for r in rows if r["type"] == "inference_query"]
    totals = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    quotes = sum(r["quotes"] for r in rows)
    p50, p95 = percentile(totals, 50), percentile(totals, 95)
    return {
        "n": len(rows),
        "n_unanswerable": len(null),
        "answer_hit": _mean(r["hit"] for r in rows),
        "answer_hit_strict": _mean(r["hit_strict"] for r in rows),
        "inference_hit_alias": _mean(r["hit"] for r in inference),
        "inference_hit_strict": _mean(r["hit_strict"] for r in inference),
        "refusal_rate_null": _mean(r["refused_detected"] for r in null),
        "no_verdict_rate": _mean(
            r["verdict"] is None and not r["refused_detected"]
            for r in rows
            if r["type"] in VERDICT_TYPES and any(gold_class(g) for g in r["golds"])
        ),
        "false_refusal_rate": _mean(r["refused_detected"] for r in answerable),
        "cites_on_null": _mean(bool(r["cited_files"]) for r in null),
        "retrieval_recall_at_k": _mean(r["retrieval_recall"] for r in answerable),
        "retrieval_hit_at_k": _mean(r["retrieval_hit"] for r in answerable),
        "cited_recall": _mean(r["cited_recall"] for r in answerable),
        "cited_precision": _mean(r["cited_precision"] for r in answerable),
        "gold_retrieved_not_cited": _mean(
            bool(r["gold_retrieved_not_cited"]) for r in answerable
        ),
        "verbatim_share": (sum(r["verbatim_quotes"] for r in rows) / quotes) if quotes else None,
        "quotes": quotes,
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
    }


def metrics_of(rows: Sequence[dict[str, Any]], k: int) -> dict[str, Any]:
    """Overall and per-type metrics; the MultiHop types first in their usual order, then the
    set's other type names (news set: how_many, who, …) in order of first appearance."""
    types = [t for t in TYPE_ORDER if any(r["type"] == t for r in rows)]
    types += [t for t in dict.fromkeys(r["type"] for r in rows) if t not in types]
    return {
        "k": k,
        "overall": summarize(rows),
        "by_type": {t: summarize([r for r in rows if r["type"] == t]) for t in types},
    }


def score_row(
    question: dict[str, Any],
    answer_json: dict[str, Any],
    retrieved_files: Sequence[str],
    resolver: FileResolver,
    read_source: Any,
) -> dict[str, Any]:
    """One output line: the answer JSON plus id, gold, hit and evidence diagnostics.

    The answer JSON's fields (``answer``, ``refused``, ``citations`` with ``path``,
    ``conflicts``, ``timings_ms``) are kept as they are, so score_dev_news.py can read the line.
    ``gold`` is the question's ``answer`` as given (a string or a list), ``golds`` every
    acceptable string (with ``accept_also``).
    """
    qtype = str(question.get("type") or "unknown")
    answerable = not is_unanswerable(question)
    golds = golds_of(question)
    text, refused = str(answer_json.get("answer", "")), bool(answer_json.get("refused"))
    gold_files = sorted({e["file"] for e in question.get("evidence") or [] if e.get("file")})
    citations = answer_json.get("citations") or []
    cited_files = list(dict.fromkeys(f for c in citations if (f := resolver.file_of(c))))
    verbatim = 0
    for c in citations:
        source = read_source(c.get("path"))
        verbatim += source is not None and is_verbatim(str(c.get("quote", "")), source)
    retrieved = list(dict.fromkeys(retrieved_files))
    row = dict(answer_json)
    row.update(
        id=question.get("id"),
        type=qtype,
        answerable=answerable,
        gold=question.get("answer"),
        golds=golds,
        hit=answer_hit(qtype, text, golds, refused, aliases=True, answerable=answerable),
        hit_strict=answer_hit(qtype, text, golds, refused, aliases=False, answerable=answerable),
        refused_detected=is_refusal(text, refused),
        verdict=verdict(text) if qtype in VERDICT_TYPES else None,
        gold_files=gold_files,
        cited_files=cited_files,
        retrieved_files=retrieved,
        cited_recall=recall(cited_files, gold_files),
        cited_precision=precision(cited_files, gold_files) if gold_files else None,
        retrieval_recall=recall(retrieved, gold_files),
        retrieval_hit=(bool(set(retrieved) & set(gold_files)) if gold_files else None),
        gold_retrieved_not_cited=sorted((set(retrieved) & set(gold_files)) - set(cited_files)),
        quotes=len(citations),
        verbatim_quotes=verbatim,
        latency_ms=(answer_json.get("timings_ms") or {}).get("total"),
    )
    return row


# -- I/O -----------------------------------------------------------------------------------------


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(q, dict) or not str(q.get("question") or "").strip():
            raise ValueError(f"{path}:{n}: expected an object with a 'question'")
        history = q.get("history")
        if history is not None and (
            not isinstance(history, list) or not all(isinstance(h, str) for h in history)
        ):
            raise ValueError(f"{path}:{n}: 'history' must be a list of earlier question strings")
        q.setdefault("id", f"q{n}")
        questions.append(q)
    return questions


def retrieved_files_of(
    engine: Engine,
    question: str,
    k: int,
    resolver: FileResolver,
    boost_articles: tuple[str, ...] = (),
) -> list[str]:
    """Corpus files of the retriever's top-``k`` chunks (what the composer could have cited).

    For a follow-up pass the resolved question and the previous turn's article ids, as the
    answerer does.
    """
    from index.retrieve import retrieve

    qvec = engine.embedder.embed([question])[0]
    cands = retrieve(engine.store, qvec, question, k, boost_articles=boost_articles)
    files = (resolver.file_of(c.chunk.meta) for c in cands)
    return list(dict.fromkeys(f for f in files if f))


def ask_history(engine: Engine, earlier: Sequence[str], k: int | None) -> tuple[Turn, ...]:
    """Ask a chat's earlier questions in order and keep the turns as the REPL does
    (``bot.repl.Repl.ask``: ``turn_of`` of each answer that was not a refusal, at most
    ``MAX_TURNS``), so the scored question is asked as a follow-up in that conversation."""
    turns: list[Turn] = []
    for text in earlier:
        answer = engine.answer(text, tuple(turns), k=k)
        if not answer.refused:
            turns = [*turns, turn_of(answer)][-MAX_TURNS:]
    return tuple(turns)


def ask_question(
    engine: Engine, question: dict[str, Any], k: int | None
) -> tuple[Answer, tuple[Turn, ...]]:
    """The scored answer to one question, after its ``history`` (if any) was asked first.

    Only this answer is timed in its ``timings_ms``; the earlier answers are not returned.
    """
    history = ask_history(engine, question.get("history") or [], k)
    return engine.answer(str(question["question"]), history, k=k), history


def run_eval(
    engine: Engine,
    questions: Path,
    out_path: Path,
    *,
    k: int | None,
    as_json: bool,
    console: Console,
) -> None:
    """Answer every question, write one JSON line each to ``out_path``, print the metrics.

    A question with ``history`` is asked after its earlier questions, in one conversation;
    its line records ``history``, ``history_turns`` (earlier answers kept, refusals are not)
    and ``resolved_question`` (the follow-up as the engine understood it, else null).
    """
    items = load_questions(questions)
    resolver = FileResolver.from_questions(items)
    k_eff = k or engine.cfg.top_k
    sources: dict[str, str | None] = {}

    def read_source(path: str | None) -> str | None:
        if not path:
            return None
        if path not in sources:
            try:
                sources[path] = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
            except OSError:
                sources[path] = None
        return sources[path]

    rows: list[dict[str, Any]] = []
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with out_path.open("w", encoding="utf-8") as fh, Progress(
        TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("eval", total=len(items))
        for q in items:
            answer, history = ask_question(engine, q, k)
            resolved = answer.resolved_question
            boost = history[-1].article_ids if resolved and history else ()
            retrieved = retrieved_files_of(
                engine, resolved or str(q["question"]), k_eff, resolver, boost
            )
            answer_json = answer.to_json()
            answer_json.update(
                history=list(q.get("history") or []),
                history_turns=len(history),
                resolved_question=resolved,
            )
            row = score_row(q, answer_json, retrieved, resolver, read_source)
            rows.append(row)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            bar.advance(task)
    metrics = metrics_of(rows, k_eff)
    metrics["questions"] = str(questions)
    metrics["wall_s"] = round(time.perf_counter() - started, 2)
    if as_json:
        console.file.write(json.dumps(metrics) + "\n")
        console.file.flush()
        return
    # Pipes get 80 columns by default (and print() cannot widen past that): too narrow for
    # twelve columns, so a non-terminal gets its own wider console on the same file.
    wide = console if console.is_terminal else Console(file=console.file, width=130)
    wide.print(metrics_table(metrics))
    console.print(f"{len(rows)} results written to {out_path}")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f}%"


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def table_rows(metrics: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows shared by the rich table and the markdown in docs/BENCHMARKS.md."""
    k = metrics["k"]
    header = [
        "type", "n", "hit", "strict", "refused", f"R@{k}", f"hit@{k}",
        "cite R", "cite P", "verbatim", "p50 ms", "p95 ms",
    ]
    groups = [*metrics["by_type"].items(), ("overall", metrics["overall"])]
    rows = []
    for name, m in groups:
        # Metrics saved before n_unanswerable existed counted refusals on null_query only.
        unanswerable = m.get("n_unanswerable", m["n"] if name == NULL_TYPE else 0)
        if unanswerable == m["n"]:
            refused = _pct(m["refusal_rate_null"])
        elif not unanswerable:
            refused = _pct(m["false_refusal_rate"])
        else:  # a mixed group (overall): refusals on unanswerable / false refusals
            refused = f"{_pct(m['refusal_rate_null'])}/{_pct(m['false_refusal_rate'])}"
        rows.append([
            name.removesuffix("_query"), str(m["n"]),
            _pct(m["answer_hit"]), _pct(m["answer_hit_strict"]),
            refused, _pct(m["retrieval_recall_at_k"]), _pct(m["retrieval_hit_at_k"]),
            _pct(m["cited_recall"]), _pct(m["cited_precision"]), _pct(m["verbatim_share"]),
            _ms(m["latency_p50_ms"]), _ms(m["latency_p95_ms"]),
        ])
    return header, rows


def metrics_table(metrics: dict[str, Any]) -> Table:
    header, rows = table_rows(metrics)
    table = Table(title=f"newsqa eval (k={metrics['k']})", title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row, style="bold" if row[0] == "overall" else None)
    o = metrics["overall"]
    table.caption = (
        "hit: answer correct (any acceptable answer; inference with aliases; strict: without). "
        "refused: refusal rate on unanswerable questions (answerable false, null type or gold "
        "'Insufficient information.'), false refusals on answerable ones, both (a/b) in mixed "
        "rows. Follow-ups are asked after their history. R@k/hit@k: gold files among the "
        "retriever's top-k chunks; cite R/P: recall/precision of the cited files. "
        f"inference hit with aliases {_pct(o['inference_hit_alias'])}, strict "
        f"{_pct(o['inference_hit_strict'])}; null questions citing something "
        f"{_pct(o['cites_on_null'])}; yes/no questions answered without a verdict "
        f"{_pct(o['no_verdict_rate'])}; gold retrieved but not cited "
        f"{_pct(o['gold_retrieved_not_cited'])}"
    )
    return table


def markdown_table(metrics: dict[str, Any]) -> str:
    header, rows = table_rows(metrics)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
