"""Ingest throughput: ``Engine.ingest`` on the dev corpus vs the raw embedder on the same texts.

Both in one process with one warmed-up embedder: the raw embedder embeds exactly the sentence
texts ingest embeds (same loader, same chunker), then ``engine.ingest`` runs the whole path
(read, parse, chunk, embed, Chroma writes, BM25 rebuild) into a fresh data dir. The ratio is
raw time / ingest time, i.e. ingest throughput as a share of the embedder's. Target ≥ 90 %.

    python bench/ingest.py [--no-docs]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import common

TARGET = 0.90


def run(rounds: int = 2) -> dict[str, Any]:
    from index.config import IndexConfig
    from index.engine import Engine

    common.require_eval_dev()
    emb = common.embedder()
    sentences = common.dev_sentences(emb.count_tokens)
    raw_s, ingest_s = [], []
    report: Any = None
    for _ in range(rounds):  # alternate so neither side gets a warmer machine
        t0 = time.perf_counter()
        emb.embed(sentences)
        raw_s.append(time.perf_counter() - t0)
        tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-ingest-"))
        try:
            engine = Engine(IndexConfig(data_dir=tmp / "data"), embedder=emb)
            engine.store.count()  # open Chroma outside the timing: a one-off per process
            t0 = time.perf_counter()
            report = engine.ingest([str(common.CORPUS)])
            ingest_s.append(time.perf_counter() - t0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    raw, ing = min(raw_s), min(ingest_s)
    chunks = report.chunks_embedded
    return {
        "bench": "ingest",
        "articles": len(report.added),
        "chunks": chunks,
        "sentences": len(sentences),
        "raw_embed_s": round(raw, 3),
        "ingest_s": round(ing, 3),
        "raw_sentences_per_s": round(len(sentences) / raw, 1),
        "ingest_sentences_per_s": round(len(sentences) / ing, 1),
        "ingest_chunks_per_s": round(chunks / ing, 1),
        "ratio": round(raw / ing, 3),
        "target": TARGET,
        "met": raw / ing >= TARGET,
        "rounds": rounds,
    }


def markdown(r: dict[str, Any]) -> str:
    table = common.md_table(
        ["", "time (best of {})".format(r["rounds"]), "throughput"],
        [
            ["raw embedder (`OnnxEmbedder.embed`)", f"{r['raw_embed_s']:.2f} s",
             f"{r['raw_sentences_per_s']:.0f} sentences/s"],
            ["`Engine.ingest` (read, chunk, embed, Chroma, BM25)", f"{r['ingest_s']:.2f} s",
             f"{r['ingest_sentences_per_s']:.0f} sentences/s = "
             f"{r['ingest_chunks_per_s']:.0f} chunks/s"],
        ],
    )
    return (
        "## Ingest throughput\n\n"
        "`python bench/ingest.py` — the dev corpus ({articles} articles, {chunks} chunks, "
        "{sentences} sentences; newsqa embeds sentences and averages them into chunk vectors) "
        "into a fresh data dir, against the raw embedder on the same sentence texts in the "
        "same process.\n\n{table}\n\n"
        "Ingest runs at **{pct:.0f} %** of the raw embedder's throughput "
        "(target ≥ {target:.0f} %: {verdict}).\n"
    ).format(table=table, pct=100 * r["ratio"], target=100 * r["target"],
             verdict=common.verdict(r["met"]), articles=r["articles"], chunks=r["chunks"],
             sentences=r["sentences"])


def main() -> None:
    result = run()
    if common.wants_docs():
        common.update_section("ingest", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
