"""``newsqa eval`` metrics: one scored row per question, rates and latency percentiles per
question type, and the table printed at the end (rich) or kept in docs/BENCHMARKS.md (Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from bot.eval.score import (
    NULL_TYPE,
    TYPE_ORDER,
    VERDICT_TYPES,
    answer_hit,
    first_statement,
    gold_class,
    golds_of,
    is_refusal,
    is_unanswerable,
    is_verbatim,
    normalize,
    precision,
    recall,
    verdict,
)


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
        # rows saved before hit_first existed count as None
        "answer_hit_first": _mean(r.get("hit_first") for r in rows),
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
        "followups": followups_of(rows),
    }


def followups_of(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Answerable questions asked after a ``history``: first statement as asked, and — for
    those whose line gives the question ``asked_fully`` (its referents written out) — the
    same asked fresh. Equal rates mean the conversation costs nothing."""
    asked = [r for r in rows if r.get("history") and r["answerable"]]
    full = [r for r in asked if r.get("hit_first_asked_fully") is not None]
    return {
        "n": len(asked),
        "rewritten": sum(1 for r in asked if r.get("resolved_question")),
        "hit_first": _mean(r.get("hit_first") for r in asked),
        "n_asked_fully": len(full),
        "hit_first_same_rows": _mean(r.get("hit_first") for r in full),
        "hit_first_asked_fully": _mean(r["hit_first_asked_fully"] for r in full),
    }


def followups_line(f: dict[str, Any]) -> str | None:
    if not f.get("n"):
        return None
    line = (f"follow-ups: {f['n']} answerable, {f['rewritten']} rewritten; first statement "
            f"{_pct(f['hit_first'])}")
    if f["n_asked_fully"]:
        line += (f"; of the {f['n_asked_fully']} with `asked_fully`: "
                 f"{_pct(f['hit_first_same_rows'])} as asked vs "
                 f"{_pct(f['hit_first_asked_fully'])} asked fully")
    return line


def first_hit(question: dict[str, Any], text: str, refused: bool) -> bool:
    """Does the first statement of ``text`` hold a gold answer of ``question``?"""
    return bool(answer_hit(str(question.get("type") or "unknown"), first_statement(text),
                           golds_of(question), refused,
                           answerable=not is_unanswerable(question)))


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
        hit_first=answer_hit(qtype, first_statement(text), golds, refused, answerable=answerable),
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


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f}%"


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def table_rows(metrics: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows shared by the rich table and the markdown in docs/BENCHMARKS.md."""
    k = metrics["k"]
    header = [
        "type", "n", "hit", "strict", "first", "refused", f"R@{k}", f"hit@{k}",
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
            _pct(m["answer_hit"]), _pct(m["answer_hit_strict"]), _pct(m.get("answer_hit_first")),
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
        "hit: answer correct (any acceptable answer; inference with aliases; strict: without); "
        "first: correct in the first statement (before the first citation mark). "
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
