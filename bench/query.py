"""Warm in-process query latency of ``Engine.answer()`` on the seed index and a 1,000-article
synthetic corpus.

The 1k corpus is built from **recombined dev-corpus sentences** (see ``common.spliced_pool``),
written as ordinary article files and ingested through the real ``Engine.ingest`` path; a
sentence already embedded reuses its exact vector (``common.CachedEmbedder``). The index is
cached under bench/out/ so reruns skip the build. Targets (issue 21, the trained reader read
in every answer): p50 ≤ 250 ms, p95 ≤ 500 ms (before the reader they were 25 / 50 ms).

    python bench/query.py [--no-docs]
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import common

TARGET_SEEDS_MS = 250.0
TARGET_1K_MS = 250.0
N_ARTICLES = 1000
BUILD_VERSION = "1"


def time_answers(engine: Any, questions: Sequence[str], rounds: int = 1) -> list[float]:
    for q in questions[:3]:  # warm-up: embedder session, BM25 load, Chroma segment
        engine.answer(q)
    out = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            engine.answer(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def build_synthetic(n: int, emb: Any) -> Path:
    """Data dir of an ``n``-article recombined corpus, built once and cached."""
    from index.config import IndexConfig
    from index.engine import Engine

    root = common.OUT / f"query-{n}"
    stamp = root / "built.json"
    if stamp.is_file() and json.loads(stamp.read_text()).get("version") == BUILD_VERSION:
        return root / "data"
    shutil.rmtree(root, ignore_errors=True)
    texts, vectors = common.sentence_pool(emb)
    files = root / "articles"
    files.mkdir(parents=True)
    for i, art in enumerate(common.synthetic_articles(n, texts)):
        (files / f"{i:05d}.txt").write_text(common.article_text(*art), encoding="utf-8")
    cached = common.CachedEmbedder(emb, dict(zip(texts, vectors, strict=True)))
    engine = Engine(IndexConfig(data_dir=root / "data"), embedder=cached)
    t0 = time.perf_counter()
    report = engine.ingest([str(files)])
    stamp.write_text(json.dumps({
        "version": BUILD_VERSION, "articles": len(report.added),
        "chunks": report.chunks_embedded, "build_s": round(time.perf_counter() - t0, 1),
        "embedded_for_real": cached.misses,
    }))
    return root / "data"


def run() -> dict[str, Any]:
    from index.config import IndexConfig
    from index.engine import Engine

    emb = common.embedder()
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-query-"))
    try:
        seeds = Engine(IndexConfig(data_dir=tmp / "data"), embedder=emb)
        seeds.ingest([str(common.SEEDS)])
        seed_ms = time_answers(seeds, common.SEED_QUESTIONS, rounds=5)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result: dict[str, Any] = {"bench": "query", "k": seeds.cfg.top_k, "seeds": {
        "articles": 2, "questions": len(common.SEED_QUESTIONS), **common.lat_summary(seed_ms),
        "target_p50_ms": TARGET_SEEDS_MS,
    }}
    result["seeds"]["met"] = result["seeds"]["p50_ms"] <= TARGET_SEEDS_MS
    if common.CORPUS.is_dir():
        data = build_synthetic(N_ARTICLES, emb)
        built = json.loads((data.parent / "built.json").read_text())
        engine = Engine(IndexConfig(data_dir=data), embedder=emb)
        questions = [q["question"] for q in common.load_questions()]
        ms = time_answers(engine, questions)
        words = sum(len(q.split()) for q in questions) / len(questions)
        result["synthetic_1k"] = {
            "articles": built["articles"], "chunks": engine.store.count(),
            "questions": len(questions), "avg_question_words": round(words, 1),
            **common.lat_summary(ms), "target_p50_ms": TARGET_1K_MS,
            "build_s": built["build_s"],
        }
        result["synthetic_1k"]["met"] = result["synthetic_1k"]["p50_ms"] <= TARGET_1K_MS
        # The same 1k index with the seed-style (short) questions, for scale of question length.
        short_ms = time_answers(engine, common.SEED_QUESTIONS, rounds=3)
        result["synthetic_1k_short_questions"] = common.lat_summary(short_ms)
    return result


def markdown(r: dict[str, Any]) -> str:
    s = r["seeds"]
    rows = [["seed index (2 articles)", f"{s['questions']} seed questions × 5",
             f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"≤ {s['target_p50_ms']:.0f}",
             common.verdict(s["met"])]]
    k = r.get("synthetic_1k")
    if k:
        rows.append([f"synthetic 1k ({k['articles']} articles, {k['chunks']} chunks)",
                     f"{k['questions']} dev questions (avg {k['avg_question_words']} words)",
                     f"{k['p50_ms']:.1f}", f"{k['p95_ms']:.1f}", f"≤ {k['target_p50_ms']:.0f}",
                     common.verdict(k["met"])])
        sq = r["synthetic_1k_short_questions"]
        rows.append(["synthetic 1k", f"{len(common.SEED_QUESTIONS)} short seed questions × 3",
                     f"{sq['p50_ms']:.1f}", f"{sq['p95_ms']:.1f}", "–", "–"])
    table = common.md_table(["index", "questions", "p50 ms", "p95 ms", "target p50", ""], rows)
    return (
        "## Query latency (warm, in process)\n\n"
        "`python bench/query.py` — wall time of `Engine.answer()` per question after a warm-up, "
        f"offline composer (no LLM), k = {r.get('k', 'default')} (the default). The 1k corpus "
        "is synthetic: **recombined sentences of the dev corpus** written as article files "
        "and ingested through `Engine.ingest` (built once, cached in `bench/out/`).\n\n"
        + table + "\n"
    )


def main() -> None:
    result = run()
    if common.wants_docs():
        common.update_section("query", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
