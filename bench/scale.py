"""Warm query latency and memory at 1k, 10k and 100k chunks (synthetic corpora).

The corpora are **recombined dev-corpus sentences**: a pool of 3,000 distinct sentence-like
texts (head of one dev sentence + tail of another, ``common.spliced_pool``) is embedded once
with the real model; synthetic articles of 10 paragraphs x 2 pool sentences (10 chunks each)
are then written straight through ``ChunkStore.upsert`` with the pool's vectors (a chunk's
vector is the normalised mean of its sentences'; its float32 sentence vectors are passed as
``sentence_vectors``, as the ingest does, so text and sentence vectors land in the sidecar
``vectors.sqlite3`` and Chroma keeps only the chunk vector and article metadata;
``check_layout`` verifies this after each build), followed by ``rebuild_bm25``. Honest
shortcut: embedding 200k+ sentences would take ~25 min on 2 cores, and the embedder is not
what is measured here (``bench/ingest.py`` measures it); the store, BM25 and answer path see
the layout the ingest writes (no entities: synthetic text has none). Each size extends a copy
of the previous one, and every index is cached under bench/out/scale/.

Latency and RSS are measured in a fresh process per size (``--measure DIR``), the sizes in
turn, ``ROUNDS`` times (medians reported): open the engine,
warm up, answer 60 dev questions, then read VmRSS/VmHWM from /proc/self/status.
Targets: p50 growth <= 1.3x from 1k to 100k chunks (issue 16; was 3x); RSS <= 600 MB at 10k
articles (= the 100k-chunk index).

    python bench/scale.py [--no-docs]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import common
import numpy as np

SIZES = (1_000, 10_000, 100_000)  # chunks
PARAGRAPHS = 10  # chunks per article
PER_PARAGRAPH = 2  # sentences per chunk
N_QUESTIONS = 60
ROUNDS = 3  # each size measured this many times, alternating
BUILD_VERSION = "4"  # 4: sentence vectors and text in the sidecar (3: svec metadata)
TARGET_GROWTH = 1.3
TARGET_RSS_MB = 600.0
ROOT = common.OUT / "scale"


def _dir(chunks: int) -> Path:
    return ROOT / f"{chunks}"


def _built(chunks: int) -> bool:
    stamp = _dir(chunks) / "built.json"
    return stamp.is_file() and json.loads(stamp.read_text()).get("version") == BUILD_VERSION


def build_step(chunks: int, start_article: int) -> None:
    """(In a child process.) Add articles ``start_article..chunks/5`` to ``_dir(chunks)``."""
    from datetime import date

    from index.config import IndexConfig
    from index.ingest.chunk import SCHEMA_VERSION, article_version, chunk_id_for
    from index.ingest.parse import article_id_for
    from index.store import SCHEMA_KEY, ChunkStore
    from index.types import Article, Block, BlockKind, Chunk

    emb = common.embedder()
    texts, vectors = common.sentence_pool(emb)
    vec_of = dict(zip(texts, vectors, strict=True))
    store = ChunkStore(IndexConfig(data_dir=_dir(chunks) / "data"))
    n_articles = chunks // PARAGRAPHS
    today = date.today().isoformat()
    t0 = time.perf_counter()
    batch: dict[str, list[Any]] = {k: [] for k in ("ids", "vecs", "docs", "metas", "svecs")}

    def flush() -> None:
        if batch["ids"]:
            store.upsert(batch["ids"], np.asarray(batch["vecs"]), batch["docs"], batch["metas"],
                         sentence_vectors=batch["svecs"])
        for v in batch.values():
            v.clear()

    arts = common.synthetic_articles(n_articles, texts, paragraphs=PARAGRAPHS,
                                     per_paragraph=PER_PARAGRAPH)
    for i, (title, source, published, url, paras) in enumerate(arts):
        if i < start_article:
            continue
        text = common.article_text(title, source, published, url, paras)
        aid = article_id_for(f"synthetic:{i}")
        pos = text.index("\n\n") + 2
        chunk_spans: list[tuple[int, int, tuple[tuple[int, int], ...], list[str]]] = []
        for para in paras:
            spans: list[tuple[int, int]] = []
            p = pos
            for s in para:
                spans.append((p, p + len(s)))
                p += len(s) + 1
            chunk_spans.append((pos, p - 1, tuple(spans), para))
            pos = p - 1 + 2
        article = Article(article_id=aid, text=text, title=title,
                          blocks=tuple(Block(BlockKind.BODY, a, b) for a, b, _, _ in chunk_spans),
                          source=source, published=published, url=url, path=None,
                          content_hash=f"synthetic-{i}")
        version = article_version(article)
        for n, (a, b, sent_spans, para) in enumerate(chunk_spans):
            body = text[a:b]
            chunk = Chunk(chunk_id_for(aid, body, version), aid, body, a, b, n, sent_spans)
            svecs = [vec_of[s] for s in para]
            mean = np.mean(svecs, axis=0)
            batch["ids"].append(chunk.chunk_id)
            batch["vecs"].append(mean / max(float(np.linalg.norm(mean)), 1e-12))
            batch["docs"].append(body)
            # What the ingest writes.
            batch["metas"].append(chunk.metadata(article) | {
                SCHEMA_KEY: SCHEMA_VERSION, "ingested": today})
            batch["svecs"].append(np.stack(svecs))
        if len(batch["ids"]) >= 2000:
            flush()
    flush()
    store.rebuild_bm25()
    check_layout(store, _dir(chunks) / "data")
    (_dir(chunks) / "built.json").write_text(json.dumps({
        "version": BUILD_VERSION, "chunks": store.count(), "articles": n_articles,
        "step_s": round(time.perf_counter() - t0, 1),
    }))


def check_layout(store: Any, data_dir: Path) -> None:
    """The index is the ingest's layout: every chunk's text and sentence vectors in the
    sidecar, none of them in Chroma's metadata or documents (raises ``SystemExit`` if not)."""
    from index.store import SVEC_KEY
    from index.store.sidecar import FILE_NAME, SIDE_KEYS, ChunkSidecar

    side = ChunkSidecar(data_dir / FILE_NAME, read_only=True)
    ids = store._all_ids()
    with_vectors = side.has_vectors(ids)
    side.close()
    sample = store._collection.get(ids=ids[:: max(1, len(ids) // 200)],
                                   include=["metadatas", "documents"])
    leaked = {k for m in sample["metadatas"] for k in (m or {}) if k in (SVEC_KEY, *SIDE_KEYS)}
    if len(with_vectors) != len(ids) or leaked or any(sample["documents"]):
        raise SystemExit(f"scale index is not the sidecar layout: {len(with_vectors)} of "
                         f"{len(ids)} chunks have sidecar vectors; in Chroma: {sorted(leaked)}"
                         f"{' and documents' if any(sample['documents']) else ''}")


def build_all(sizes: tuple[int, ...] = SIZES) -> dict[int, float]:
    """Build missing sizes, each from a copy of the previous; returns build seconds per size."""
    times: dict[int, float] = {}
    prev: int | None = None
    for size in sizes:
        if not _built(size):
            shutil.rmtree(_dir(size), ignore_errors=True)
            start = 0
            if prev is not None and _built(prev):
                shutil.copytree(_dir(prev) / "data", _dir(size) / "data")
                start = prev // PARAGRAPHS
            _dir(size).mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--build", str(size), str(start)],
                           check=True, cwd=common.REPO, stdout=subprocess.DEVNULL)
            times[size] = round(time.perf_counter() - t0, 1)
        prev = size
    return times


def measure(data_dir: Path) -> dict[str, Any]:
    """(In a child process.) Warm latency over dev questions, then this process's memory."""
    from index.config import IndexConfig
    from index.embed import OnnxEmbedder
    from index.engine import Engine

    engine = Engine(IndexConfig(data_dir=data_dir), embedder=OnnxEmbedder(common.MODELS))
    questions = [q["question"] for q in common.load_questions()][:N_QUESTIONS]
    t0 = time.perf_counter()
    engine.answer(questions[0])
    first_ms = (time.perf_counter() - t0) * 1000
    for q in questions[1:4]:
        engine.answer(q)
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        engine.answer(q)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"chunks": engine.store.count(), "first_query_ms": round(first_ms, 1),
            **common.lat_summary(ms), **common.rss_mb()}


def _du_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run() -> dict[str, Any]:
    common.require_eval_dev()
    build_s = build_all()
    # Sizes measured in turn, ROUNDS times (1k, 10k, 100k, 1k, ...): on a shared machine the
    # load drifts, and alternating puts each size under the same drift; medians of the rounds.
    rounds: dict[int, list[dict[str, Any]]] = {size: [] for size in SIZES}
    for _ in range(ROUNDS):
        for size in SIZES:
            load = _loadavg()
            out = subprocess.run([sys.executable, __file__, "--measure", str(_dir(size) / "data")],
                                 check=True, cwd=common.REPO, capture_output=True, text=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["loadavg"] = [load, _loadavg()]
            rounds[size].append(row)
    sizes = []
    for size in SIZES:
        runs = rounds[size]
        row = dict(runs[0])
        for key in ("p50_ms", "p95_ms", "mean_ms", "first_query_ms"):
            row[key] = round(statistics.median(r[key] for r in runs), 1)
        for key in ("rss_mb", "peak_rss_mb"):
            row[key] = max(r[key] for r in runs)
        row["p50_ms_rounds"] = [r["p50_ms"] for r in runs]
        row["loadavg_rounds"] = [r["loadavg"] for r in runs]
        row["articles"] = size // PARAGRAPHS
        row["disk_mb"] = _du_mb(_dir(size) / "data")
        row["build_s"] = build_s.get(size)
        sizes.append(row)
    by = {r["chunks"]: r for r in sizes}
    small, big = by.get(SIZES[0]), by.get(SIZES[-1])
    growth = big["p50_ms"] / small["p50_ms"] if small and big else None
    at_10k_articles = next((r for r in sizes if r["articles"] == 10_000), None)
    rss = at_10k_articles["peak_rss_mb"] if at_10k_articles else None
    return {
        "bench": "scale",
        "sizes": sizes,
        "questions": N_QUESTIONS,
        "rounds": ROUNDS,
        "growth_p50_1k_to_100k": round(growth, 2) if growth else None,
        "target_growth": TARGET_GROWTH,
        "met_growth": growth is not None and growth <= TARGET_GROWTH,
        "peak_rss_mb_at_10k_articles": rss,
        "target_rss_mb": TARGET_RSS_MB,
        "met_rss": rss is not None and rss <= TARGET_RSS_MB,
    }


def markdown(r: dict[str, Any]) -> str:
    rows = [[f"{s['chunks']:,}", f"{s['articles']:,}", s["p50_ms"], s["p95_ms"],
             s["first_query_ms"], s["rss_mb"], s["peak_rss_mb"], s["disk_mb"]]
            for s in r["sizes"]]
    table = common.md_table(["chunks", "articles", "p50 ms", "p95 ms", "first query ms",
                             "RSS MB", "peak RSS MB", "index on disk MB"], rows)
    return (
        "## Scale: latency and memory vs index size\n\n"
        "`python bench/scale.py` — synthetic corpora of **recombined dev-corpus sentences** "
        "(3,000 distinct spliced sentences, each embedded for real once; articles of 10 "
        "paragraphs × 2 sentences = 10 chunks), written straight through `ChunkStore.upsert` "
        "(float32 sentence vectors passed as the ingest passes them: text and int8 sentence "
        "vectors land in the sidecar `vectors.sqlite3`, Chroma keeps the chunk vector and "
        "article metadata; checked after each build) "
        "+ `rebuild_bm25` with the pool's "
        "vectors instead of re-embedding "
        "200k+ sentences (the embedder is measured in the ingest section). Each size is "
        "measured in a fresh process: warm `Engine.answer()` over {q} dev questions; RSS from "
        "/proc/self/status after them. Sizes are measured in turn, {n} rounds (1k, 10k, 100k, "
        "1k, …): medians of the rounds (peak RSS: the largest).\n\n{table}\n\n"
        "- p50 growth 1k → 100k chunks: **{g}x** (target ≤ {tg:g}x: {gv}).\n"
        "- Peak RSS at 10k articles (100k chunks): **{rss} MB** (target ≤ {tr:.0f} MB: {rv}).\n"
    ).format(table=table, q=r["questions"], n=r["rounds"], g=r["growth_p50_1k_to_100k"],
             tg=r["target_growth"], gv=common.verdict(r["met_growth"]),
             rss=r["peak_rss_mb_at_10k_articles"], tr=r["target_rss_mb"],
             rv=common.verdict(r["met_rss"]))


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "--build":
        build_step(int(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "--measure":
        common.emit(measure(Path(sys.argv[2])))
        return
    result = run()
    if common.wants_docs():
        common.update_section("scale", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
