"""``newsqa eval``'s run: read a question set, ask each question through ``Engine.answer`` (its
``history`` first, as the REPL would), score it, write one JSON line per question and print the
metrics. See ``bot.eval`` for the scoring rules.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.eval.metrics import (
    FileResolver,
    first_hit,
    followups_line,
    metrics_of,
    metrics_table,
    score_row,
)
from index.engine import Engine, remember
from index.types import Answer, Turn


def load_questions(path: Path) -> list[dict[str, Any]]:
    """The question set; a file that cannot be read or parsed is one ValueError line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"{path}: cannot read the questions ({reason})") from None
    questions = []
    for n, line in enumerate(text.splitlines(), start=1):
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
    from index.answer.retrieve import retrieve

    qvec = engine.embedder.embed([question])[0]
    cands = retrieve(engine.store, qvec, question, k, boost_articles=boost_articles)
    files = (resolver.file_of(c.chunk.meta) for c in cands)
    return list(dict.fromkeys(f for f in files if f))


def ask_history(engine: Engine, earlier: Sequence[str], k: int | None) -> tuple[Turn, ...]:
    """Ask a chat's earlier questions in order and keep the turns as every front end does
    (``index.engine.remember``), so the scored question is asked as a follow-up in that
    conversation."""
    turns: list[Turn] = []
    for text in earlier:
        turns = remember(turns, engine.answer(text, tuple(turns), k=k))
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
    its line records ``history``, ``history_turns`` (earlier turns kept)
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
                signals={k: round(v, 4) for k, v in answer.signals.items()},
            )
            row = score_row(q, answer_json, retrieved, resolver, read_source)
            if q.get("history") and isinstance(q.get("asked_fully"), str):
                fresh = engine.answer(q["asked_fully"], k=k)  # the referent written out
                row["hit_first_asked_fully"] = first_hit(q, fresh.answer, fresh.refused)
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
    if line := followups_line(metrics["followups"]):
        console.print(line, markup=False)
    console.print(f"{len(rows)} results written to {out_path}")
