"""Scoring functions of ``newsqa eval`` and ``run_eval`` end to end on real indexes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.eval.metrics import (
    FileResolver,
    markdown_table,
    metrics_of,
    percentile,
    score_row,
    table_rows,
)
from bot.eval.run import run_eval
from bot.eval.score import (
    answer_hit,
    contains,
    golds_of,
    inference_hit,
    is_refusal,
    is_unanswerable,
    is_verbatim,
    normalize,
    precision,
    recall,
    verdict,
    verdict_hit,
    word_hit,
)
from index.engine import Engine

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
EVAL_DEV = REPO.parent / "shared" / "eval-dev"

# -- normalisation and answer matching -----------------------------------------------------------


def test_normalize_ascii_lowercase_no_punctuation_or_articles() -> None:
    assert normalize("  The Sportsbooks. ") == "sportsbooks"
    assert normalize("Bankman-Fried’s “trial” — an Éclair") == "bankman fried trial eclair"
    assert normalize("They don't agree") == "they dont agree"


def test_contains_is_whole_word() -> None:
    assert contains("sam altman said", "altman")
    assert not contains("samaltman said", "altman")
    assert not contains("anything", "")


@pytest.mark.parametrize(
    ("answer", "gold", "strict", "alias"),
    [
        ("Google is accused of siphoning revenue [1]", "Google", True, True),
        ("Googles rivals", "Google", False, False),
        ("SBF was convicted", "Sam Bankman-Fried", False, True),
        ("Bankman-Fried's lawyers", "Sam Bankman-Fried", False, True),
        ("Altman’s exit shocked the board", "Sam Altman", False, True),
        ("The Vikings won", "Minnesota Vikings", False, True),
        ("Sportsbooks set the lines.", "Sportsbooks.", True, True),
    ],
)
def test_inference_hit_strict_and_alias(answer: str, gold: str, strict: bool, alias: bool) -> None:
    assert inference_hit(answer, gold) is strict
    assert inference_hit(answer, gold, aliases=True) is alias


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Yes — both articles report it. No other source disagrees.", "yes"),
        ("No. Yes, one might think so.", "no"),
        ("That is true: the Guardian says so.", "yes"),
        ("According to CNN: this is false.", "no"),
        ("According to CNN, it rained. Yes, really.", None),  # verdict only in the 1st sentence
        ("The articles do not state a yes/no answer directly; here is what they say:", None),
        ("Yes or no cannot be said; no.", "no"),
        ("", None),
    ],
)
def test_verdict_reads_first_yes_no_in_first_sentence(answer: str, expected: str | None) -> None:
    assert verdict(answer) == expected


def test_verdict_hit_maps_gold_classes() -> None:
    assert verdict_hit("Yes, both say so.", "Yes")
    assert verdict_hit("True.", "Yes")
    assert verdict_hit("Yes.", "True")
    assert verdict_hit("No, they differ.", "no")
    assert not verdict_hit("No, they differ.", "Yes")
    assert not verdict_hit("According to CNN: it rained.", "No")


def test_word_hit_negation_guard() -> None:
    assert word_hit("The reports were consistent.", "Consistent")
    assert not word_hit("The reports were inconsistent.", "Consistent")
    assert not word_hit("The reports were not consistent.", "Consistent")
    assert word_hit("The reports were not consistent.", "Inconsistent")
    assert word_hit("It came before the other report.", "Before")
    assert not word_hit("It came after, not before.", "Before")  # the first one said decides
    assert word_hit("TalkSport reported it first [1].", "TalkSport")
    assert not word_hit("It was not TalkSport.", "TalkSport")


@pytest.mark.parametrize(
    "text",
    [
        "Insufficient information.",
        "I could not find an answer to that in the indexed articles.",
        "The articles do not contain that.",
        "This is not mentioned in the sources.",
        "I cannot determine which company it was.",
    ],
)
def test_refusal_patterns(text: str) -> None:
    assert is_refusal(text)


def test_refusal_flag_and_non_refusals() -> None:
    assert is_refusal("whatever", refused=True)
    assert not is_refusal("390 Ukrainians returned home on Friday [1].")
    assert not is_refusal("Insufficient funds were reported by the bank.")
    assert not is_refusal("The articles do not state a yes/no answer directly; they say: …")


def test_answer_hit_by_type() -> None:
    gold_null = "Insufficient information."
    assert answer_hit("null_query", "I could not find an answer.", gold_null, False)
    assert not answer_hit("null_query", "Google did it [1].", gold_null, False)
    # A refusal is never a correct answer to an answerable question, even if it names the gold.
    assert not answer_hit("inference_query", "No answer about Google.", "Google", True)
    assert answer_hit("comparison_query", "Yes: both agree.", "Yes", False)


def test_golds_of_list_answer_and_accept_also() -> None:
    assert golds_of({"answer": "St Denis", "accept_also": ["Saint-Denis"]}) == [
        "St Denis", "Saint-Denis"]
    assert golds_of({"answer": ["130", "one hundred and thirty"]}) == [
        "130", "one hundred and thirty"]
    assert golds_of({"answer": "Yes", "accept_also": "True"}) == ["Yes", "True"]
    assert golds_of({"answer": ["", None, "x", "x"]}) == ["x"]
    assert golds_of({}) == []


def test_answer_hit_list_answer_means_alternatives() -> None:
    golds = ["$9.3bn", "9.3 billion dollars"]
    assert answer_hit("how_many", "Baikal paid 9.3 billion dollars [1].", golds, False)
    assert answer_hit("how_many", "It went for $9.3bn [1].", golds, False)
    assert not answer_hit("how_many", "It went for $9.4bn [1].", golds, False)
    assert answer_hit("comparison_query", "No, they differ.", ["Yes", "No"], False)
    assert not answer_hit("who", "I could not find it: Baikal.", ["Baikal"], True)


def test_score_row_accepts_accept_also_and_list_answers() -> None:
    res = FileResolver()

    def row(question: dict[str, object], text: str) -> dict[str, object]:
        answer = {"question": question["question"], "answer": text, "refused": False,
                  "citations": [], "conflicts": [], "timings_ms": {"total": 5.0}}
        return score_row(question, answer, [], res, lambda _p: None)

    q = {"id": "f1", "question": "Where did he die?", "answer": "St Denis",
         "accept_also": ["Saint-Denis"], "answerable": True, "type": "followup"}
    r = row(q, "He died in Saint-Denis on Wednesday [1].")
    assert r["hit"] is True and r["hit_strict"] is True and r["answerable"] is True
    assert r["gold"] == "St Denis" and r["golds"] == ["St Denis", "Saint-Denis"]
    assert row(q, "He died in Brussels [1].")["hit"] is False
    q2 = {"id": "c1", "question": "How many died?", "answer": ["129", "130"],
          "answerable": True, "type": "conflict"}
    r2 = row(q2, "The toll rose to 130 [1].")
    assert r2["hit"] is True and r2["gold"] == ["129", "130"]
    assert row(q2, "The toll was 132 [1].")["hit"] is False


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ({"type": "unanswerable", "answerable": False, "answer": "Insufficient information."},
         True),
        ({"type": "who", "answerable": False, "answer": "x"}, True),
        ({"type": "null_query", "answer": "Insufficient information."}, True),
        ({"type": "null_query", "answerable": True, "answer": "x"}, True),
        ({"type": "mystery", "answer": "insufficient information"}, True),
        ({"type": "mystery", "answer": ["Insufficient information."]}, True),
        ({"type": "who", "answerable": True, "answer": "Baikal"}, False),
        ({"type": "inference_query", "answer": "Google"}, False),
    ],
)
def test_is_unanswerable_whatever_the_type_name(
    question: dict[str, object], expected: bool
) -> None:
    assert is_unanswerable(question) is expected


def test_refusals_counted_for_every_unanswerable_question() -> None:
    """News type names: refusals on `unanswerable` (and on a null-gold row of another type),
    false refusals on answerable ones, per-type rows in the set's own order."""
    res = FileResolver()
    refusal = "I could not find an answer to that in the indexed articles."
    cases: list[tuple[dict[str, Any], str, bool]] = [  # (question, answer, refused)
        ({"id": "1", "type": "who", "answer": "Baikal", "answerable": True}, "Baikal [1].", False),
        ({"id": "2", "type": "unanswerable", "answer": "Insufficient information.",
          "answerable": False}, refusal, True),
        ({"id": "3", "type": "unanswerable", "answer": "Insufficient information.",
          "answerable": False}, "Australia spent $90m [1].", False),
        ({"id": "4", "type": "how_many", "answer": ["3", "three"], "answerable": True},
         refusal, False),
        ({"id": "5", "type": "how_many", "answer": "Insufficient information."}, refusal, False),
        ({"id": "6", "type": "null_query", "answer": "Insufficient information."}, refusal,
         False),
        ({"id": "7", "type": "inference_query", "answer": "Google"}, "Google [1].", False),
    ]
    rows = []
    for q, text, refused in cases:
        q["question"] = f"question {q['id']}?"
        answer = {"question": q["question"], "answer": text, "refused": refused,
                  "citations": [], "conflicts": [], "timings_ms": {"total": 1.0}}
        rows.append(score_row(q, answer, [], res, lambda _p: None))
    assert [r["answerable"] for r in rows] == [True, False, False, True, False, False, True]
    assert [r["hit"] for r in rows] == [True, True, False, False, True, True, True]

    m = metrics_of(rows, 8)
    assert list(m["by_type"]) == ["inference_query", "null_query", "who", "unanswerable",
                                  "how_many"]
    assert m["by_type"]["unanswerable"]["refusal_rate_null"] == 0.5
    assert m["by_type"]["unanswerable"]["false_refusal_rate"] is None
    assert m["by_type"]["how_many"]["n_unanswerable"] == 1
    assert m["by_type"]["how_many"]["refusal_rate_null"] == 1.0
    assert m["by_type"]["how_many"]["false_refusal_rate"] == 1.0
    assert m["overall"]["n_unanswerable"] == 4
    assert m["overall"]["refusal_rate_null"] == 0.75
    assert m["overall"]["false_refusal_rate"] == 1 / 3
    header, table = table_rows(m)
    col = header.index("refused")
    by_name = {r[0]: r for r in table}
    assert [r[0] for r in table] == ["inference", "null", "who", "unanswerable", "how_many",
                                     "overall"]
    assert by_name["unanswerable"][col] == "50%"  # refusal rate on an all-unanswerable type
    assert by_name["who"][col] == "0%"  # false refusals on an all-answerable type
    assert by_name["overall"][col] == "75%/33%"
    # Metrics saved by an older run (no n_unanswerable; bench --render) still render.
    legacy = {name: {k: v for k, v in g.items() if k != "n_unanswerable"}
              for name, g in m["by_type"].items()}
    _, old_table = table_rows({"k": 8, "by_type": legacy, "overall": m["overall"]})
    assert [r[col] for r in old_table][:3] == ["0%", "100%", "0%"]


def test_first_statement_hit_reads_only_up_to_the_first_citation() -> None:
    """"first" is what a reader sees before the first quote's mark: a gold named only in a
    later quote is a hit but not a first-statement hit."""
    res = FileResolver()
    q = {"id": "q1", "question": "Which company?", "answer": "Google",
         "type": "inference_query", "evidence": []}
    later = {"answer": "According to X: Apple said so. [1]\nY also reports: Google did. [2]",
             "refused": False, "citations": [], "conflicts": [], "timings_ms": {}}
    lead = dict(later, answer="Google — named by X [1].\nAccording to X: Google did. [1]")
    rows = [score_row(q, a, [], res, lambda _p: None) for a in (later, lead)]
    assert [(r["hit"], r["hit_first"]) for r in rows] == [(True, False), (True, True)]
    assert metrics_of(rows, 8)["overall"]["answer_hit_first"] == 0.5


# -- evidence and latency ------------------------------------------------------------------------


def test_recall_and_precision_by_file() -> None:
    gold = ["a.txt", "b.txt"]
    assert recall(["a.txt", "c.txt"], gold) == 0.5
    assert recall(["a.txt", "a.txt", "b.txt"], gold) == 1.0
    assert recall([], gold) == 0.0
    assert recall(["a.txt"], []) is None
    assert precision(["a.txt", "c.txt"], gold) == 0.5
    assert precision([], gold) is None


def test_file_resolver_path_then_url_then_title() -> None:
    res = FileResolver.from_questions(
        [{"evidence": [{"file": "001_x.txt", "title": "The Big Story", "url": "https://x/1"}]}]
    )
    assert res.file_of({"path": "/any/where/001_x.txt"}) == "001_x.txt"
    assert res.file_of({"path": None, "url": "https://x/1"}) == "001_x.txt"
    assert res.file_of({"path": None, "title": "the big story!"}) == "001_x.txt"
    assert res.file_of({"title": "Unknown"}) is None


def test_verbatim_after_whitespace_normalisation_only() -> None:
    source = "Title\n\nShe said the  deal\nwas done.\n"
    assert is_verbatim("the deal was done.", source)
    assert not is_verbatim("The deal was done.", source)
    assert not is_verbatim("", source)


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(101))), 95) == 95.0


# -- run_eval end to end -------------------------------------------------------------------------


def _write_questions(path: Path, questions: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def test_run_eval_on_seeds(seeded_engine: Engine, tmp_path: Path) -> None:
    seed_file = next(SEEDS.glob("000_*.txt")).name
    questions = _write_questions(
        tmp_path / "q.jsonl",
        [
            {"id": "s1", "question": "How many Ukrainians returned home on Friday?",
             "answer": "390", "type": "inference_query", "answerable": True,
             "evidence": [{"file": seed_file}]},
            {"id": "s2", "question": "Where did the Ukrainian and Russian delegations meet?",
             "answer": "Istanbul", "type": "inference_query", "answerable": True,
             "evidence": [{"file": seed_file}]},
            {"id": "s3", "question": "Did the prisoner exchange take place?",
             "answer": "Yes", "type": "comparison_query", "answerable": True, "evidence": []},
            {"id": "s4", "question": "Which company won the 2023 Formula One constructors title?",
             "answer": "Insufficient information.", "type": "null_query", "answerable": False,
             "evidence": []},
            {"id": "s5", "question": "What is the recipe for sourdough bread at Bloomberg's cafe?",
             "answer": "Insufficient information.", "type": "null_query", "answerable": False,
             "evidence": []},
        ],
    )
    out = tmp_path / "r.jsonl"
    buf = io.StringIO()
    run_eval(seeded_engine, questions, out, k=None, as_json=True, console=Console(file=buf))

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["s1", "s2", "s3", "s4", "s5"]
    first = rows[0]
    assert first["refused"] is False and first["hit"] is True
    assert any("390" in c["quote"] for c in first["citations"])
    assert first["cited_files"][0] == seed_file
    assert first["retrieval_recall"] == 1.0
    assert first["verbatim_quotes"] == first["quotes"] >= 1
    for r in rows:  # the answer JSON contract plus the scoring fields
        assert {"question", "answer", "refused", "citations", "timings_ms", "hit"} <= set(r)

    metrics = json.loads(buf.getvalue())
    assert metrics["overall"]["n"] == 5
    assert set(metrics["by_type"]) == {"inference_query", "comparison_query", "null_query"}
    assert metrics["overall"]["verbatim_share"] == 1.0
    assert metrics["overall"]["latency_p50_ms"] > 0
    assert "| inference |" in markdown_table(metrics)


@pytest.mark.skipif(not EVAL_DEV.is_dir(), reason="../shared/eval-dev not present")
def test_run_eval_on_eval_dev_sample(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """A few real dev questions over only their own evidence files (plus one distractor)."""
    all_q = [
        json.loads(line)
        for line in (EVAL_DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    picked = [q for q in all_q if q["type"] == "inference_query"][:2]
    picked += [q for q in all_q if q["type"] == "null_query"][:1]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {e["file"] for q in picked for e in q["evidence"]}
    files.add(sorted(p.name for p in (EVAL_DEV / "corpus").iterdir())[0])
    for name in files:
        shutil.copy(EVAL_DEV / "corpus" / name, corpus / name)
    engine = make_engine()
    engine.ingest([str(corpus)])
    questions = _write_questions(tmp_path / "q.jsonl", picked)
    out = tmp_path / "r.jsonl"
    buf = io.StringIO()
    run_eval(engine, questions, out, k=8, as_json=False, console=Console(file=buf, width=140))

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3
    for r in rows[:2]:
        assert r["retrieval_hit"] is True  # tiny corpus: the gold articles must be retrieved
        assert set(r["cited_files"]) <= files
        assert r["verbatim_quotes"] == r["quotes"]
    text = buf.getvalue()
    assert "newsqa eval (k=8)" in text and "overall" in text


SCORE_DEV_NEWS = EVAL_DEV / "news" / "score_dev_news.py"
FOLLOWUP = "and how many Russians?"
EARLIER = "How many Ukrainians returned home on Friday?"


def _followup_run(make_engine: Callable[..., Engine], tmp_path: Path) -> tuple[Path, Path, str]:
    """News-set-style questions over a copy of the seeds: a follow-up with its history, the
    same follow-up asked cold, and an unanswerable one; returns (questions, results, output)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    engine = make_engine()
    engine.ingest([str(corpus)])
    evidence = [{"file": p.name, "title": "", "url": "", "fact": ""}
                for p in sorted(SEEDS.glob("*.txt"))]
    questions = _write_questions(
        tmp_path / "q.jsonl",
        [
            {"id": "fu", "question": FOLLOWUP, "answer": ["120 Russians", "270 Russian"],
             "answerable": True, "type": "followup", "evidence": evidence,
             "history": [EARLIER], "asked_fully": "How many Russians returned home on Friday?"},
            {"id": "cold", "question": FOLLOWUP, "answer": ["120 Russians", "270 Russian"],
             "answerable": True, "type": "followup", "evidence": evidence},
            {"id": "un", "question": "How many of the exchanged soldiers were French citizens?",
             "answer": "Insufficient information.", "answerable": False,
             "type": "unanswerable", "evidence": []},
        ],
    )
    out = tmp_path / "r.jsonl"
    buf = io.StringIO()
    run_eval(engine, questions, out, k=None, as_json=False, console=Console(file=buf, width=140))
    return questions, out, buf.getvalue()


def test_run_eval_asks_history_first(make_engine: Callable[..., Engine], tmp_path: Path) -> None:
    """The follow-up is resolved against the earlier question (as in the REPL); only the
    scored question is recorded and timed; news type names get their own rows."""
    _, out, text = _followup_run(make_engine, tmp_path)
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert list(rows) == ["fu", "cold", "un"]  # the earlier question has no line of its own

    fu, cold = rows["fu"], rows["cold"]
    assert fu["question"] == FOLLOWUP and fu["history"] == [EARLIER]
    assert fu["history_turns"] == 1
    resolved = fu["resolved_question"].lower()
    assert "russians" in resolved and "returned home on friday" in resolved
    assert "ukrainians" not in resolved
    assert fu["refused"] is False  # (whether its quote is right is the reader's: issue 21)
    assert fu["latency_ms"] == fu["timings_ms"]["total"]  # the scored answer's own timing
    # Asked cold, the same words are not a follow-up of anything.
    assert cold["history"] == [] and cold["history_turns"] == 0
    assert cold["resolved_question"] is None

    assert rows["un"]["answerable"] is False and rows["un"]["gold"] == "Insufficient information."
    for name in ("followup", "unanswerable", "overall"):
        assert f"{name} " in text
    # the follow-up metric: as asked in its conversation vs its referent written out
    assert fu["hit_first_asked_fully"] == fu["hit_first"]
    assert "follow-ups: 1 answerable, 1 rewritten; first statement" in text
    assert "of the 1 with `asked_fully`" in text
    assert "results written to" in text


@pytest.mark.skipif(not SCORE_DEV_NEWS.is_file(), reason="../shared/eval-dev/news not present")
def test_eval_output_is_read_by_score_dev_news(
    make_engine: Callable[..., Engine], tmp_path: Path
) -> None:
    """score_dev_news.py (the news set's own scorer) reads our lines: answers, refusals,
    citation paths and conflicts, keyed by id."""
    questions, out, _ = _followup_run(make_engine, tmp_path)
    proc = subprocess.run(
        [sys.executable, str(SCORE_DEV_NEWS), str(questions), str(out), "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    scores = json.loads(proc.stdout)
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert scores["ALL"]["n"] == 3 and scores["ALL"]["missing"] == 0
    assert scores["followup"]["correct"] == float(
        sum(bool(rows[i]["hit"]) for i in ("fu", "cold")) / 2)  # the scorers agree
    assert scores["followup"]["ev_recall"] == _mean_recall([rows["fu"], rows["cold"]])
    assert scores["unanswerable"]["refused_ok"] == float(rows["un"]["refused_detected"])
    assert scores["ALL"]["false_conflict"] == round(
        sum(bool(r["conflicts"]) for r in rows.values()) / 3, 3)


def _mean_recall(rows: list[dict[str, object]]) -> float:
    values = [float(r["cited_recall"]) for r in rows]  # type: ignore[arg-type]
    return round(sum(values) / len(values), 3)
