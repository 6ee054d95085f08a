"""Run every benchmark and the dev-set eval, then rewrite their sections of docs/BENCHMARKS.md
(``make bench``).

Each bench runs as its own process (``python bench/<name>.py --no-docs``) so one's memory and
caches never flatter the next; its last stdout line is its JSON result. Builds are cached under
bench/out/, so a rerun takes a few minutes; the first run builds the synthetic indexes too.

    python bench/run_all.py [--only name,name] [--skip name,name] [--render]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import common

BENCHES = ("ingest", "query", "baseline", "scale", "cold_start", "telegram_load", "feeds")
TIMEOUT_S = 900
LAST = common.OUT / "last-run.json"


def _last_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
    raise ValueError("no JSON result line on stdout")


def run_script(name: str) -> dict[str, Any]:
    script = common.REPO / "bench" / f"{name}.py"
    args = [sys.executable, str(script)] + ([] if name == "telegram_load" else ["--no-docs"])
    t0 = time.perf_counter()
    try:
        out = subprocess.run(args, cwd=common.REPO, capture_output=True, text=True,
                             timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_S} s"}
    wall = round(time.perf_counter() - t0, 1)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        return {"error": f"exit {out.returncode}: {tail[0][:300]}", "wall_s": wall}
    try:
        result = _last_json(out.stdout)
    except ValueError as exc:
        return {"error": str(exc), "wall_s": wall}
    result["wall_s"] = wall
    return result


def run_eval() -> dict[str, Any]:
    """``newsqa eval`` on the dev set into a fresh data dir, metrics as JSON."""
    data = common.OUT / "eval-data"
    shutil.rmtree(data, ignore_errors=True)
    env = dict(os.environ, NEWSQA_DATA_DIR=str(data), NEWSQA_LLM="none")
    env.pop("NEWSQA_CHROMA_HOST", None)
    args = [sys.executable, "-m", "bot", "eval", str(common.QUESTIONS), "--corpus",
            str(common.CORPUS), "--out", str(common.OUT / "eval-results.jsonl"), "--json"]
    t0 = time.perf_counter()
    out = subprocess.run(args, cwd=common.REPO, env=env, capture_output=True, text=True,
                         timeout=TIMEOUT_S, check=False)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        return {"error": f"exit {out.returncode}: {tail[0][:300]}"}
    result = _last_json(out.stdout)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    return result


def eval_markdown(m: dict[str, Any]) -> str:
    from bot.eval.metrics import markdown_table

    o = m["overall"]

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{100 * v:.0f} %"

    return (
        "## Answer quality: `newsqa eval` on the dev set\n\n"
        "`NEWSQA_DATA_DIR=$(mktemp -d) python -m bot eval ../shared/eval-dev/questions.jsonl "
        "--corpus ../shared/eval-dev/corpus --out r.jsonl` — 150 MultiHop-RAG questions "
        "(Tang & Yang, 2024, ODC-BY 1.0) over 212 articles whose bodies are only their "
        "evidence sentences, so retrieval scores are an upper bound. Offline composer, no LLM, "
        f"k = {m['k']}. Scoring as in the dev set's README (no LLM judge).\n\n"
        + markdown_table(m)
        + "\n\n"
        "- hit: inference = gold name in the answer (with aliases SBF/Bankman-Fried, Altman, "
        f"Vikings…; strict without: {pct(o['inference_hit_strict'])} vs "
        f"{pct(o['inference_hit_alias'])}); comparison/temporal = first yes/no/true/false in "
        "the first sentence (other gold words: whole word, negation-guarded); null = refused.\n"
        "- refused: refusal rate on null questions; on answerable ones, false refusals.\n"
        "- R@k / hit@k: gold evidence files among the retriever's top-k chunks; cite R / cite P: "
        "recall and precision of the cited files; verbatim: quotes found word for word in the "
        "file they cite.\n"
        "- Yes/no questions (comparison, temporal) answered without any verdict: "
        f"{pct(o.get('no_verdict_rate'))}.\n"
        f"- Null questions that still cite something: {pct(o['cites_on_null'])}. Answerable "
        "questions with a gold file retrieved but not cited: "
        f"{pct(o['gold_retrieved_not_cited'])}.\n"
        "- With 21–43 questions per type, a few points of difference is noise.\n"
    )


def kv_markdown(title: str, command: str, r: dict[str, Any]) -> str:
    rows = [[k, json.dumps(v) if isinstance(v, (dict, list)) else v] for k, v in r.items()]
    return f"## {title}\n\n`{command}`\n\n" + common.md_table(["", "value"], rows) + "\n"


def targets(results: dict[str, dict[str, Any]]) -> str:
    rows: list[list[Any]] = []

    def add(name: str, key: str, measured: Callable[[dict[str, Any]], str], target: str,
            met: Callable[[dict[str, Any]], bool]) -> None:
        r = results.get(key) or {}
        if "error" in r or not r:
            rows.append([name, "not measured: " + str(r.get("error", "skipped")), target, "–"])
            return
        rows.append([name, measured(r), target, common.verdict(met(r))])

    add("ingest throughput vs raw embedder", "ingest", lambda r: f"{100 * r['ratio']:.0f} %",
        "≥ 90 %", lambda r: r["met"])
    add("warm query p50, seed index", "query", lambda r: f"{r['seeds']['p50_ms']:.1f} ms",
        "≤ 250 ms", lambda r: r["seeds"]["met"])
    add("warm query p50, 1k articles (dev questions)", "query",
        lambda r: f"{r['synthetic_1k']['p50_ms']:.1f} ms", "≤ 250 ms",
        lambda r: r["synthetic_1k"]["met"])
    add("speed vs vanilla LlamaIndex query engine (p50)", "baseline",
        lambda r: f"{r['speedup_vs_query_engine_p50']:.2f}x", "≥ 3x", lambda r: r["met_speed"])
    add("recall@8 by file vs vanilla", "baseline",
        lambda r: f"{100 * r['recall_at_k']['newsqa_retrieval']:.1f} % vs "
                  f"{100 * r['recall_at_k']['vanilla']:.1f} %", "higher",
        lambda r: r["met_recall"])
    add("p50 growth 1k → 100k chunks", "scale", lambda r: f"{r['growth_p50_1k_to_100k']}x",
        "≤ 3x", lambda r: r["met_growth"])
    add("peak RSS at 10k articles", "scale", lambda r: f"{r['peak_rss_mb_at_10k_articles']} MB",
        "≤ 600 MB", lambda r: r["met_rss"])
    add("cold start `newsqa ask` (median of 5)", "cold_start",
        lambda r: f"{r['ask_median_s']:.2f} s", "≤ 2.5 s", lambda r: r["met"])
    add("no-change feed refresh, 300 known entries", "feeds",
        lambda r: f"{1000 * r['no_change_full_feeds_s']:.0f} ms", "< 1 s", lambda r: r["met"])
    return "## Targets at a glance\n\n" + common.md_table(
        ["target", "measured", "goal", ""], rows) + "\n"


def bodies(results: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Markdown section per result, in document order."""
    import importlib

    out: dict[str, str] = {}
    ev = results.get("eval")
    if ev is not None:
        out["eval"] = (eval_markdown(ev) if "error" not in ev
                       else f"## Answer quality\n\nnot measured: {ev['error']}\n")
    for name in BENCHES:
        r = results.get(name)
        if r is None:
            continue
        if "error" in r:
            out[name] = f"## {name}\n\n`python bench/{name}.py`: not measured: {r['error']}\n"
        elif name == "telegram_load":
            out[name] = kv_markdown("Telegram load", "python bench/telegram_load.py", r)
        else:
            out[name] = importlib.import_module(name).markdown(r)
    return out


def write_doc(results: dict[str, dict[str, Any]], started: str, machine: dict[str, Any],
              wall_s: float) -> None:
    run = "\n".join([
        "## This run\n",
        f"- Command: `make bench` (= `python bench/run_all.py`), total {wall_s:.0f} s",
        f"- Date: {started}",
        f"- Machine: {common.machine_line(machine)}",
        "- Latencies are wall-clock on a shared machine; other processes running at the same "
        "time inflate them (see the load average above).",
    ])
    # Each measured section is replaced in place; everything else in the file (the sections
    # other scripts own and the hand-written before/after records) is kept as it is.
    common.update_section("run", run)
    common.update_section("targets", targets(results))
    for name, body in bodies(results).items():
        common.update_section(name, body)


def _names(flag: str) -> set[str]:
    if flag in sys.argv:
        i = sys.argv.index(flag)
        return set(sys.argv[i + 1].split(",")) if i + 1 < len(sys.argv) else set()
    return set()


def main() -> None:
    if "--render" in sys.argv:  # rewrite the doc from the last run's saved results
        raw = json.loads(LAST.read_text(encoding="utf-8"))
        write_doc(raw["results"], raw["started"], raw["machine"], raw["wall_s"])
        return
    common.require_eval_dev()
    only, skip = _names("--only"), _names("--skip")
    wanted = [n for n in ("eval", *BENCHES) if (not only or n in only) and n not in skip]
    started, machine = common.now(), common.machine()
    t0 = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for name in wanted:
        if name == "telegram_load" and not (common.REPO / "bench" / "telegram_load.py").is_file():
            continue
        print(f"[{time.perf_counter() - t0:6.0f} s] {name} …", file=sys.stderr, flush=True)
        results[name] = run_eval() if name == "eval" else run_script(name)
        if "error" in results[name]:
            print(f"    {name}: {results[name]['error']}", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t0
    raw = {"started": started, "machine": machine, "wall_s": round(wall, 1), "results": results}
    LAST.parent.mkdir(parents=True, exist_ok=True)
    LAST.write_text(json.dumps(raw, indent=1), encoding="utf-8")  # re-render with --render
    if only or skip:  # a partial run refreshes its own sections and leaves the others
        for name, body in bodies(results).items():
            common.update_section(name, body)
    else:
        write_doc(results, started, machine, wall)
    common.emit({"bench": "all", "wall_s": round(wall, 1), "machine": machine,
                 "results": results})


if __name__ == "__main__":
    main()
