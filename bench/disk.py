"""Disk per chunk: the index layout before the sidecar vs now, side by side in one run.

The news dev corpus (../shared/eval-dev/news/corpus) is ingested once for real; its chunks
(text, metadata, entities, chunk and sentence vectors) are then copied N times over under new
ids (article ids, paths and titles varied per copy, chunk vectors jittered so HNSW sees
distinct points) into two fresh data dirs:

- before: what the pipeline wrote until now: the document, every metadata key and the
  base64 float16 sentence vectors (``svec``) in Chroma (written with Chroma's own upsert);
- now: ``ChunkStore.upsert`` (Chroma keeps the chunk vector and article-level metadata; text,
  entities, spans and int8 sentence vectors go to ``vectors.sqlite3``).

Reported: bytes on disk per chunk (Chroma dir, sidecar, BM25 dir), after the writes.

    python bench/disk.py [--chunks N] [--now-only] [--no-docs]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import numpy as np

NEWS = common.EVAL_DEV / "news" / "corpus"
TARGET_KB = 5.0
BEFORE_KB = {100_000: 13.48}  # an earlier full run (2026-11-30); ``--now-only`` reuses it
_BATCH = 1000


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _source_chunks(tmp: Path) -> list[tuple[str, dict[str, Any], np.ndarray, np.ndarray]]:
    """``(text, full metadata, chunk vector, sentence vectors)`` of the ingested news corpus."""
    from index.config import IndexConfig
    from index.engine import Engine
    from index.store import SVEC_KEY

    engine = Engine(IndexConfig(data_dir=tmp / "src"), embedder=common.embedder())
    engine.ingest([str(NEWS)])
    store = engine.store
    ids = store._all_ids()
    out = []
    for chunk, vec, sentences in store.stored_vectors(ids):
        meta = {k: v for k, v in chunk.meta.items() if k != SVEC_KEY}
        out.append((chunk.text, meta, vec, sentences))
    return out


def _copies(source: list[Any], n: int) -> Any:
    """Batches of ``(ids, vectors, texts, metas, sentence vectors)``, ``n`` chunks in all."""
    rng = np.random.default_rng(7)
    i = 0
    while i < n:
        ids, vecs, docs, metas, svecs = [], [], [], [], []
        for _ in range(min(_BATCH, n - i)):
            text, meta, vec, sentences = source[i % len(source)]
            copy = i // len(source)
            v = vec + rng.normal(scale=0.02, size=vec.shape).astype(np.float32)
            ids.append(hashlib.sha256(f"{copy}-{i}".encode()).hexdigest()[:32])  # as real ids
            vecs.append(v / np.linalg.norm(v))
            docs.append(text)
            metas.append(meta | {
                "article_id": f"{meta['article_id'][:12]}{copy:04d}",
                "path": f"{meta.get('path', '')}.{copy}",
                "title": f"{meta.get('title', '')} ({copy})",
            })
            svecs.append(sentences)
            i += 1
        yield ids, np.stack(vecs), docs, metas, svecs


def _side(kind: str, source: list[Any], n: int, root: Path) -> dict[str, Any]:
    from index.config import IndexConfig
    from index.store import SVEC_KEY, ChunkStore, encode_sentence_vectors

    cfg = IndexConfig(data_dir=root / kind)
    store = ChunkStore(cfg)
    t0 = time.perf_counter()
    for ids, vecs, docs, metas, svecs in _copies(source, n):
        if kind == "before":
            store._collection.upsert(
                ids=ids, embeddings=vecs, documents=docs,
                metadatas=[m | {SVEC_KEY: encode_sentence_vectors(s)}
                           for m, s in zip(metas, svecs, strict=True)],
            )
        else:
            store.upsert(ids, vecs, docs, metas, sentence_vectors=svecs)
    store.refresh_bm25()
    wall = time.perf_counter() - t0
    del store
    parts = {
        "chroma": _du(cfg.chroma_dir),
        "sidecar": _du(cfg.data_dir / "vectors.sqlite3"),
        "bm25": _du(cfg.bm25_dir),
    }
    total = sum(parts.values())
    return {
        "chunks": n, "write_s": round(wall, 1),
        "kb_per_chunk": round(total / n / 1024, 2),
        "parts_kb_per_chunk": {k: round(v / n / 1024, 2) for k, v in parts.items()},
        "total_mb": round(total / 2**20, 1),
    }


def run(n: int) -> dict[str, Any]:
    if not NEWS.is_dir():
        raise SystemExit(f"missing {NEWS}: the news dev set sits beside the repository")
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-disk-"))
    try:
        source = _source_chunks(tmp)
        before = (
            {"chunks": n, "write_s": 0.0, "kb_per_chunk": BEFORE_KB[n], "total_mb": 0.0,
             "parts_kb_per_chunk": {"chroma": 0.0, "sidecar": 0.0, "bm25": 0.0}}
            if "--now-only" in sys.argv and n in BEFORE_KB else _side("before", source, n, tmp)
        )
        after = _side("now", source, n, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "bench": "disk", "chunks": n, "source_chunks": len(source),
        "before": before, "after": after,
        "ratio": round(after["kb_per_chunk"] / before["kb_per_chunk"], 3),
        "target_kb": TARGET_KB, "met": after["kb_per_chunk"] <= TARGET_KB,
        "load": os.getloadavg(),
    }


def markdown(r: dict[str, Any]) -> str:
    def row(label: str, x: dict[str, Any]) -> list[str]:
        p = x["parts_kb_per_chunk"]
        return [label, f"{x['kb_per_chunk']:.2f} KB", f"{p['chroma']:.2f}", f"{p['sidecar']:.2f}",
                f"{p['bm25']:.2f}", f"{x['total_mb']:.0f} MB", f"{x['write_s']:.0f} s"]

    table = common.md_table(
        ["layout", "per chunk", "Chroma KB", "sidecar KB", "BM25 KB", "total", "write"],
        [row("before (document, metadata, base64 svec in Chroma)", r["before"]),
         row("now (Chroma: vector + article metadata; sidecar: text, entities, int8 svec)",
             r["after"])],
    )
    return (
        "## Disk per chunk\n\n"
        f"`python bench/disk.py --chunks {r['chunks']}` — the {r['source_chunks']} chunks of "
        "the news dev corpus (ingested for real) copied to "
        f"{r['chunks']:,} chunks under new ids, written in both layouts in one run; load "
        f"average at the end {', '.join(f'{x:.2f}' for x in r['load'])}.\n\n{table}\n\n"
        f"Now / before = **{r['ratio']:.2f}x** the disk; {r['after']['kb_per_chunk']:.2f} KB per "
        f"chunk (target ≤ {r['target_kb']} KB at 100k chunks: {common.verdict(r['met'])}).\n"
    )


def main() -> None:
    n = 20_000
    if "--chunks" in sys.argv:
        n = int(sys.argv[sys.argv.index("--chunks") + 1])
    result = run(n)
    if common.wants_docs():
        common.update_section("disk", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
