"""The measuring tools behind every threshold in ``index/answer/calibration.py`` run end to end
on a real index and a real eval run, so the commands the calibration comments cite cannot rot
unnoticed: ``candidate_recall``, ``fit_ranking`` and ``calibrate_compare`` (over
``answer.search``, the Answerer's own retrieve stage), ``calibrate`` and ``lead_precision``
(over ``newsqa eval`` rows)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from fakes import ingested_engine, share_graphs  # tests/ is on sys.path
from rich.console import Console

from bot.eval.run import run_eval
from index.embed import OnnxEmbedder

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

QUESTIONS = [
    ("How many Ukrainians returned home on Friday?", "390", True),
    ("How many civilians were repatriated to Russia?", "120", True),
    ("Where were the talks held?", "Istanbul", True),
    ("Who confirmed that 390 Ukrainians returned home?", "Zelensky", True),
    ("When did Russia launch its full-scale invasion?", "February 2022", True),
    ("How many individuals were swapped in total?", "780", True),
    ("Who won the 2022 FIFA World Cup final?", "", False),
    ("What is the capital of France?", "", False),
    ("How much did the exchange cost?", "", False),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> tuple[Path, Path,
                                                                                     Path]:
    """(questions, data dir, eval rows) over the seeds."""
    root = tmp_path_factory.mktemp("tools")
    seeds = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    engine = ingested_engine(root, embedder, seeds)
    questions = root / "questions.jsonl"
    questions.write_text("".join(
        json.dumps({"id": f"t{n}", "question": q, "answer": a, "answerable": ok,
                    "type": "how_many" if q.startswith("How many") else "other"}) + "\n"
        for n, (q, a, ok) in enumerate(QUESTIONS)), encoding="utf-8")
    rows = root / "rows.jsonl"
    run_eval(engine, questions, rows, k=None, as_json=True, console=Console(file=io.StringIO()))
    engine.close()
    share_graphs(root / "data" / "models", embedder)  # the tools open their own Engine
    return questions, root / "data", rows


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\b\d\.\d{3}\b", text)]


def test_candidate_recall_finds_the_golds(run: tuple[Path, Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from tools.candidate_recall import main

    questions, data, _ = run
    assert main([str(questions), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "6 answerable questions" in out
    shares = _numbers(out)
    assert shares == sorted(shares) and shares[-1] == 1.0, out  # more candidates, more golds


def test_fit_ranking_fits_and_reports_top1(run: tuple[Path, Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tools.fit_ranking import main

    questions, data, _ = run
    pair = f"{questions}:{data}"
    assert main(["--fit", pair, "--check", pair]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fitted: reader_logit"), out
    top = re.search(r"top-1 committed (\d\.\d+), fitted (\d\.\d+)", out)
    assert top and 0.5 <= float(top.group(1)) <= 1.0, out


def test_calibrate_compare_prints_its_grid(run: tuple[Path, Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tools.calibrate_compare import main

    questions, data, _ = run
    assert main([str(questions), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"{len(QUESTIONS)} questions, 0 conflict/latest" in out
    from tools.calibrate_compare import ALIKE_GRID, P_GRID

    rows = re.findall(r"^ 0\.\d\d +0\.\d\d +\d\.\d{3} +\d\.\d{3}$", out, re.M)
    assert len(rows) == len(P_GRID) * len(ALIKE_GRID) == 20, out


def test_calibrate_fits_a_threshold_from_eval_rows(run: tuple[Path, Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from tools.calibrate import main

    *_, rows = run
    assert main([str(rows), "--max-false-refusal", "0.2", "--check", str(rows)]) == 0
    out = capsys.readouterr().out
    assert "REFUSAL_WEIGHTS = {" in out and "REFUSE_BELOW = " in out, out
    auroc = re.search(r"AUROC classifier\s+(\d\.\d+)", out)
    assert auroc and float(auroc.group(1)) > 0.5, out  # the seeds' off-topic questions separate


def test_lead_precision_reads_eval_rows(run: tuple[Path, Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from tools.lead_precision import main

    questions, _, rows = run
    assert main([f"{rows}:{questions}"]) == 0
    assert "precision (leads kept)" in capsys.readouterr().out


def test_bench_sections_hold_only_what_their_bench_writes() -> None:
    """``make bench`` and each bench script replace the text between their markers in
    docs/BENCHMARKS.md. A hand-written record inside such a section is deleted by the next run
    (session 30 found 500 lines of before/after records inside the ingest_news markers): each
    rewritten section must hold one ``##`` heading and no ``###`` subsection."""
    import ast
    import re

    root = Path(__file__).resolve().parents[1]
    names = set(re.findall(r'update_section\("(\w+)"', "".join(
        p.read_text(encoding="utf-8") for p in (root / "bench").glob("*.py"))))
    run_all = ast.parse((root / "bench" / "run_all.py").read_text(encoding="utf-8"))
    benches = next(n.value for n in run_all.body if isinstance(n, ast.Assign)
                   and any(getattr(t, "id", "") == "BENCHES" for t in n.targets))
    names |= {"eval", *ast.literal_eval(benches)}  # the sections run_all.bodies writes
    doc = (root / "docs" / "BENCHMARKS.md").read_text(encoding="utf-8")
    for name in sorted(names):
        m = re.search(rf"<!-- bench:{name}:start -->(.*?)<!-- bench:{name}:end -->", doc, re.S)
        assert m, f"section {name} has no markers"
        body = m.group(1)
        assert len(re.findall(r"^## ", body, re.M)) == 1, name
        assert not re.findall(r"^### ", body, re.M), name
