"""Cold start: ``newsqa ask`` end to end as a new process, and REPL launch-to-first-answer.

Index: the seeds plus the dev corpus (214 articles), built once under bench/out/cold-data
(its ONNX graph is already built there, as after any first ingest). Each run is a fresh
``python -m bot ...`` process; the first run is discarded (it fills the OS page cache, which a
user's machine would also have after the first start), then the median of 5 is reported.
Target: ``ask`` ≤ 1.8 s (issue 16).

``--compare DIR [DIR ...]`` measures other code trees side by side instead (e.g. ``git
archive`` of an older commit unpacked in DIR, or a copy with one lever undone): the trees take
turns, ``--runs N`` rounds (default 7), each run a fresh ``python -m bot ask`` with that tree
as its working directory (so its ``bot`` and ``index`` packages are the ones imported), over
the same index and installed libraries; medians and the load average are printed, the docs
left alone. Each tree's CPU seconds (user + system, median) are printed too: on a shared
machine they are steadier than wall time, but they count work done in parallel twice.

    python bench/cold_start.py [--no-docs]
    python bench/cold_start.py --compare DIR [DIR ...] [--runs N] [--data DATA_DIR]

``--data`` asks over another built index instead (e.g. ``bench/out/scale/100000/data`` of
``bench/scale.py``: how start-up grows with the index).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import common

QUESTION = "How many Ukrainians returned home on Friday?"
EXPECT = "390"
RUNS = 5
TARGET_S = 1.8
DATA = common.OUT / "cold-data"


def build() -> None:
    from index.config import IndexConfig
    from index.engine import Engine

    engine = Engine(IndexConfig(data_dir=DATA))  # its own embedder: models dir in DATA
    inputs = [str(common.SEEDS)] + ([str(common.CORPUS)] if common.CORPUS.is_dir() else [])
    engine.ingest(inputs, prune=True)


_DATA = [DATA]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(NEWSQA_DATA_DIR=str(_DATA[0]), NEWSQA_LLM="none", NEWSQA_LOG_LEVEL="WARNING",
               NEWSQA_SEEDS_DIR=str(common.SEEDS))
    env.pop("NEWSQA_CHROMA_HOST", None)
    return env


_LAST_CPU = [0.0]


def ask_once(code: Path = common.REPO) -> tuple[float, dict[str, Any]]:
    """Wall seconds of one ``ask`` process and its answer; its CPU seconds (user + system)
    are left in ``_LAST_CPU[0]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", QUESTION],
                         cwd=code, env=_env(), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, json.loads(out.stdout.strip().splitlines()[-1])


def repl_once() -> tuple[float | None, float]:
    """Seconds from launch to the first stdout line with the answer, and to process exit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "repl"], cwd=common.REPO, env=_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(QUESTION + "\n")
    proc.stdin.close()
    first: float | None = None
    for line in proc.stdout:
        if first is None and EXPECT in line:
            first = time.perf_counter() - t0
    proc.wait(timeout=120)
    return first, time.perf_counter() - t0


IMPORTS = ("import bot.cli", "import chromadb", "import llama_index.core",
           "import onnxruntime, tokenizers")


def import_s(stmt: str) -> float:
    """Median seconds a fresh interpreter spends on one import (what a cold start pays)."""
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=common.REPO, check=True,
                                 capture_output=True, text=True).stdout.split()[-1])
            for _ in range(3)]
    return round(statistics.median(runs), 3)


def run() -> dict[str, Any]:
    build()
    ask_once()  # discarded: page cache
    walls, inner = [], []
    for _ in range(RUNS):
        wall, answer = ask_once()
        walls.append(wall)
        inner.append(answer.get("timings_ms", {}).get("total", 0.0))
    result: dict[str, Any] = {
        "bench": "cold_start",
        "articles": 214 if common.CORPUS.is_dir() else 2,
        "ask_median_s": round(statistics.median(walls), 3),
        "ask_runs_s": [round(w, 3) for w in walls],
        "ask_answer_ms_median": round(statistics.median(inner), 1),
        "target_s": TARGET_S,
        "met": statistics.median(walls) <= TARGET_S,
    }
    result["imports_s"] = {stmt: import_s(stmt) for stmt in IMPORTS}
    try:
        repl_once()
        firsts, exits = [], []
        for _ in range(RUNS):
            first, done = repl_once()
            if first is not None:
                firsts.append(first)
            exits.append(done)
        result["repl_first_answer_median_s"] = (
            round(statistics.median(firsts), 3) if firsts else None
        )
        result["repl_exit_median_s"] = round(statistics.median(exits), 3)
    except (subprocess.SubprocessError, OSError) as exc:
        result["repl_error"] = str(exc)[:200]
    return result


def markdown(r: dict[str, Any]) -> str:
    runs = ", ".join(f"{s:.2f}" for s in r["ask_runs_s"])
    rows = [
        ["`newsqa ask --json \"...\"` (process start → exit)", f"{r['ask_median_s']:.2f} s",
         f"≤ {r['target_s']} s", common.verdict(r["met"])],
    ]
    first = r.get("repl_first_answer_median_s")
    if first is not None:
        rows.append(["piped `newsqa repl`, one question (start → first answer line)",
                     f"{first:.2f} s", "–", ""])
        rows.append(["piped `newsqa repl`, one question (start → exit)",
                     f"{r['repl_exit_median_s']:.2f} s", "–", ""])
    elif "repl_error" in r:
        rows.append(["`newsqa repl` (piped)", f"error: {r['repl_error']}", "–", ""])
    table = common.md_table(["", "median of 5", "target", ""], rows)
    return (
        "## Cold start\n\n"
        "`python bench/cold_start.py` — a new `python -m bot` process per run over a built "
        f"index ({r['articles']} articles: seeds + dev corpus), question "
        f"“{QUESTION}”; one discarded run first (page cache).\n\n{table}\n\n"
        f"`ask` runs: {runs} s; of which answering itself took {r['ask_answer_ms_median']:.0f} ms "
        "(the rest is interpreter start, imports, opening Chroma, loading the ONNX session).\n"
        + _imports_md(r)
    )


def _imports_md(r: dict[str, Any]) -> str:
    imports = r.get("imports_s")
    if not imports:
        return ""
    rows = [[f"`{stmt}`", f"{sec:.2f} s"] for stmt, sec in imports.items()]
    return ("\nImport cost in a fresh interpreter (median of 3; `bot.cli` alone, then the "
            "heavy libraries the answer path may pull in):\n\n"
            + common.md_table(["import", "time"], rows) + "\n")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def compare(trees: list[Path], runs: int) -> dict[str, Any]:
    """``ask`` from this tree and each of ``trees`` in turn, ``runs`` rounds; medians."""
    if _DATA[0] == DATA:
        build()
    codes = [common.REPO, *trees]
    walls: dict[Path, list[float]] = {c: [] for c in codes}
    cpus: dict[Path, list[float]] = {c: [] for c in codes}
    answers: dict[Path, str] = {}
    for c in codes:
        ask_once(c)  # discarded: page cache
    load_start = loadavg()
    for _ in range(runs):
        for c in codes:
            wall, answer = ask_once(c)
            walls[c].append(wall)
            cpus[c].append(_LAST_CPU[0])
            answers[c] = answer["answer"]
    return {
        "bench": "cold_start_compare",
        "data": str(_DATA[0]),
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
        "trees": {str(c): {"median_s": round(statistics.median(w), 3),
                           "cpu_median_s": round(statistics.median(cpus[c]), 3),
                           "runs_s": [round(x, 3) for x in w]} for c, w in walls.items()},
        "same_answer": len(set(answers.values())) == 1,
    }


def main() -> None:
    if "--compare" in sys.argv:
        args = sys.argv[sys.argv.index("--compare") + 1:]
        runs = RUNS + 2
        if "--data" in args:
            at = args.index("--data")
            _DATA[0] = Path(args[at + 1]).resolve()
            args = args[:at] + args[at + 2:]
        if "--runs" in args:
            at = args.index("--runs")
            runs = int(args[at + 1])
            args = args[:at] + args[at + 2:]
        common.emit(compare([Path(a).resolve() for a in args if a != "--no-docs"], runs))
        return
    result = run()
    if common.wants_docs():
        common.update_section("cold_start", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
