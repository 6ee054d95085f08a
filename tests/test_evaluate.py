"""Scoring functions of ``newsqa eval`` and ``run_eval`` end to end on real indexes."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from bot.evaluate import (
    FileResolver,
    answer_hit,
    contains,
    inference_hit,
    is_refusal,
    is_verbatim,
    markdown_table,
    normalize,
    percentile,
    precision,
    recall,
    run_eval,
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
