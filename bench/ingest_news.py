"""Full-article ingest: ``newsqa ingest`` of ../shared/eval-dev/news/corpus, today's pipeline
side by side with the one before the structured-ingest change (commit e75ab60) and the one
before the speed change (commit d85cd97: spaCy after embedding, everything in Chroma) and the
last one with spaCy NER at ingest (commit f9cb3bd: NER overlapped with embedding), one run.

Each side runs in its own process (so peak RSS is its own) over a fresh data dir, sharing the
built ONNX model; old sides run that commit's ``index/`` from ``git archive`` in bench/out/.
Reported: wall time, articles/s, chunks/s, peak RSS, disk per chunk and, for today's
pipeline, the time per stage (read, segment, embed, write).

    python bench/ingest_news.py [--no-docs] [--rounds N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import common

BASELINE = "e75ab60"
BEFORE = "d85cd97"  # main before the speed change (issue 16)
WITH_NER = "f9cb3bd"  # the last commit that ran spaCy NER at ingest
NEWS = common.EVAL_DEV / "news" / "corpus"
LIMIT = 1.6  # the ingest issue's budget: at most 1.6x the old wall time

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from index.config import IndexConfig
try:
    from index.embed import OnnxEmbedder
except ImportError:  # commits before index/embed/
    from index.embedder import OnnxEmbedder
from index.engine import Engine
data, models, corpus = (Path(a) for a in sys.argv[1:4])
emb = OnnxEmbedder(models)
emb.embed(["warm up"])
engine = Engine(IndexConfig(data_dir=data), embedder=emb)
engine.store.count()
t0 = time.perf_counter()
report = engine.ingest([str(corpus)])
wall = time.perf_counter() - t0
print(json.dumps({
    "wall_s": wall, "articles": len(report.added), "chunks": engine.store.count(),
    "timings_s": getattr(report, "timings_s", {}),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "disk_kb_per_chunk": sum(p.stat().st_size for p in data.rglob("*")
                             if p.is_file() and "models" not in p.parts)
                         / 1024 / max(1, engine.store.count()),
}))
"""


def _baseline_code(commit: str = BASELINE) -> Path:
    root = common.OUT / f"baseline-{commit}"
    if not (root / "index").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        tar = subprocess.run(["git", "-C", str(common.REPO), "archive", commit, "index"],
                             check=True, capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(tar)) as archive:
            archive.extractall(root, filter="data")
    return root


def _side(code: Path, *extra: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="newsqa-bench-news-") as tmp:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(Path(tmp) / "data"), str(common.MODELS),
             str(NEWS), *extra],
            env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
            cwd=tmp, check=True, capture_output=True, text=True,
        ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def run(rounds: int = 1) -> dict[str, Any]:
    if not NEWS.is_dir():
        raise SystemExit(f"missing {NEWS}: the news dev set sits beside the repository")
    common.embedder()  # builds the shared ONNX model once
    old_code, before_code = _baseline_code(), _baseline_code(BEFORE)
    ner_code = _baseline_code(WITH_NER)
    old, before, ner, new = [], [], [], []
    for _ in range(rounds):  # alternate so no side gets a warmer machine
        old.append(_side(old_code))
        before.append(_side(before_code))
        ner.append(_side(ner_code))
        new.append(_side(common.REPO))

    def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
        return min(runs, key=lambda r: r["wall_s"])

    o, b, e, n = best(old), best(before), best(ner), best(new)
    return {
        "bench": "ingest_news",
        "rounds": rounds,
        "baseline": o,
        "before": b,
        "with_ner": e,
        "after": n,
        "ratio": round(n["wall_s"] / o["wall_s"], 3),
        "speedup_vs_before": round(b["wall_s"] / n["wall_s"], 3),
        "speedup_vs_ner": round(e["wall_s"] / n["wall_s"], 3),
        "limit": LIMIT,
        "met": n["wall_s"] <= LIMIT * o["wall_s"],
        "load": common.machine().get("loadavg"),
    }


def markdown(r: dict[str, Any]) -> str:
    def row(label: str, x: dict[str, Any]) -> list[str]:
        return [label, f"{x['wall_s']:.1f} s", f"{x['articles'] / x['wall_s']:.1f}",
                f"{x['chunks'] / x['wall_s']:.1f}", str(x["chunks"]),
                f"{x['peak_rss_mb']:.0f} MB", f"{x.get('disk_kb_per_chunk', 0):.1f} KB"]

    table = common.md_table(
        ["pipeline", "wall", "articles/s", "chunks/s", "chunks", "peak RSS", "disk/chunk"],
        [row(f"{BASELINE} (punkt, no blocks/entities)", r["baseline"]),
         row(f"{BEFORE} (blocks, pysbd, spaCy NER; all in Chroma)", r["before"]),
         row(f"{WITH_NER} (sidecar, spaCy NER overlapped with embedding)", r["with_ner"]),
         row("now (sidecar, no NER)", r["after"])],
    )
    stages = r["after"]["timings_s"]
    total = sum(stages.values()) or 1.0
    shares = ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f} %)" for k, v in stages.items())
    return (
        "## Full-article ingest (news dev corpus)\n\n"
        "`python bench/ingest_news.py` — `Engine.ingest` of ../shared/eval-dev/news/corpus "
        f"(127 full articles, ~64k words), both sides in one run, best of {r['rounds']}, "
        f"load average at the end {r['load']}.\n\n{table}\n\n"
        f"Stages now: {shares}.\n\n"
        f"Now / {BASELINE} = **{r['ratio']:.2f}x** the wall time (budget ≤ {r['limit']}x: "
        f"{common.verdict(r['met'])}); {BEFORE} / now = **{r['speedup_vs_before']:.2f}x** "
        f"faster; {WITH_NER} / now = **{r['speedup_vs_ner']:.2f}x**.\n"
    )


def main() -> None:
    rounds = 1
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
    result = run(rounds)
    if common.wants_docs():
        common.update_section("ingest_news", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
