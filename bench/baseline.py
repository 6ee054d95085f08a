"""Side by side, same run: vanilla LlamaIndex vs newsqa on the dev set.

Vanilla = what a user would build instead: a ``VectorStoreIndex`` over **the same chunks**
(read back from the newsqa store) in a Chroma collection (``ChromaVectorStore``), embedded by
**the same model** wrapped as a LlamaIndex ``BaseEmbedding``, queried through
``as_retriever(similarity_top_k=k)`` and through ``as_query_engine(similarity_top_k=k)`` with no
LLM (``Settings.llm = None`` → MockLLM, default "compact" synthesis; and
``response_mode="no_text"``). newsqa = ``Engine.answer()`` (hybrid retrieval + offline
composer). Each question runs through all of them in turn, so load changes hit all alike.

Recall@k is by article file: the gold evidence files among the files of the top-k chunks
(newsqa: ``index.answer.retrieve.retrieve``, what its composer picks from), plus newsqa's cited
recall. Targets: newsqa ≥ 3x faster per query than the vanilla query engine, higher recall.

    python bench/baseline.py [--no-docs]
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import common

K = 8
TARGET_SPEEDUP = 3.0


def build_newsqa(emb: Any) -> Any:
    """The dev corpus in a cached newsqa data dir (re-ingest is a no-op when unchanged)."""
    from index.config import IndexConfig
    from index.engine import Engine

    engine = Engine(IndexConfig(data_dir=common.OUT / "dev-data"), embedder=emb)
    engine.ingest([str(common.CORPUS)], prune=True)
    return engine


def build_vanilla(engine: Any, emb: Any, root: Path) -> tuple[Any, Any, Any, int]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embed.llamaindex import MiniLMEmbedding

    embed_model = MiniLMEmbedding(emb)
    Settings.embed_model = embed_model
    Settings.llm = None  # MockLLM: no model, no network
    nodes = [
        TextNode(
            id_=c.chunk_id,
            text=c.text,
            metadata={key: c.meta.get(key, "") for key in ("title", "source", "published", "url",
                                                            "path")},
        )
        for c in engine.store.iter_all()
    ]
    client = chromadb.PersistentClient(
        path=str(root / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("vanilla", embedding_function=None)
    vector_store = ChromaVectorStore(chroma_collection=collection)
    storage = StorageContext.from_defaults(vector_store=vector_store)
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed_model)
    retriever = index.as_retriever(similarity_top_k=K)
    query_engine = index.as_query_engine(similarity_top_k=K)
    no_text = index.as_query_engine(similarity_top_k=K, response_mode="no_text")
    return retriever, query_engine, no_text, len(nodes)


def run() -> dict[str, Any]:
    from bot.eval.metrics import FileResolver
    from bot.eval.score import recall
    from index.answer.retrieve import retrieve

    common.require_eval_dev()
    logging.getLogger("llama_index").setLevel(logging.ERROR)
    emb = common.embedder()
    engine = build_newsqa(emb)
    questions = common.load_questions()
    resolver = FileResolver.from_questions(questions)
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-baseline-"))
    try:
        retriever, query_engine, no_text, n_nodes = build_vanilla(engine, emb, tmp)
        warm = questions[0]["question"]
        for _ in range(2):
            retriever.retrieve(warm)
            query_engine.query(warm)
            no_text.query(warm)
            engine.answer(warm, k=K)

        lat: dict[str, list[float]] = {"retriever": [], "query_engine": [], "no_text": [],
                                       "newsqa": [], "embed_question": []}
        rec: dict[str, list[float]] = {"vanilla": [], "newsqa_retrieval": [], "newsqa_cited": []}
        hits: dict[str, list[float]] = {"vanilla": [], "newsqa_retrieval": []}

        def files(items: Any) -> list[str]:
            return [f for f in (resolver.file_of(m) for m in items) if f]

        for q in questions:
            text = q["question"]
            t0 = time.perf_counter()
            nodes = retriever.retrieve(text)
            t1 = time.perf_counter()
            query_engine.query(text)
            t2 = time.perf_counter()
            no_text.query(text)
            t3 = time.perf_counter()
            answer = engine.answer(text, k=K)
            t4 = time.perf_counter()
            emb.embed([text])  # the floor both sides pay: embedding the question
            lat["embed_question"].append((time.perf_counter() - t4) * 1000)
            lat["retriever"].append((t1 - t0) * 1000)
            lat["query_engine"].append((t2 - t1) * 1000)
            lat["no_text"].append((t3 - t2) * 1000)
            lat["newsqa"].append((t4 - t3) * 1000)
            gold = {e["file"] for e in q["evidence"]}
            if not gold:
                continue
            vanilla_files = files(n.node.metadata for n in nodes)
            qvec = engine.embedder.embed([text])[0]
            ours = files(c.chunk.meta for c in retrieve(engine.store, qvec, text, K))
            cited = files(c.to_json() for c in answer.citations)
            rec["vanilla"].append(recall(vanilla_files, gold) or 0.0)
            rec["newsqa_retrieval"].append(recall(ours, gold) or 0.0)
            rec["newsqa_cited"].append(recall(cited, gold) or 0.0)
            hits["vanilla"].append(float(bool(set(vanilla_files) & gold)))
            hits["newsqa_retrieval"].append(float(bool(set(ours) & gold)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = {name: common.lat_summary(ms) for name, ms in lat.items()}
    mean = {name: round(sum(v) / len(v), 3) for name, v in rec.items()}
    speedup = summary["query_engine"]["p50_ms"] / summary["newsqa"]["p50_ms"]
    return {
        "bench": "baseline",
        "k": K,
        "questions": len(questions),
        "answerable": len(rec["vanilla"]),
        "chunks": n_nodes,
        "latency": summary,
        "recall_at_k": mean,
        "hit_at_k": {name: round(sum(v) / len(v), 3) for name, v in hits.items()},
        "speedup_vs_query_engine_p50": round(speedup, 2),
        "speedup_vs_retriever_p50": round(
            summary["retriever"]["p50_ms"] / summary["newsqa"]["p50_ms"], 2
        ),
        "target_speedup": TARGET_SPEEDUP,
        "met_speed": speedup >= TARGET_SPEEDUP,
        "met_recall": mean["newsqa_retrieval"] > mean["vanilla"],
    }


def markdown(r: dict[str, Any]) -> str:
    lat, rec, hit = r["latency"], r["recall_at_k"], r["hit_at_k"]
    rows = [
        ["vanilla `as_retriever(similarity_top_k=8)`", lat["retriever"]["p50_ms"],
         lat["retriever"]["p95_ms"], f"{100 * rec['vanilla']:.1f} %",
         f"{100 * hit['vanilla']:.0f} %"],
        ["vanilla `as_query_engine()` (MockLLM, compact)", lat["query_engine"]["p50_ms"],
         lat["query_engine"]["p95_ms"], "same as retriever", ""],
        ["vanilla `as_query_engine(response_mode=\"no_text\")`", lat["no_text"]["p50_ms"],
         lat["no_text"]["p95_ms"], "same as retriever", ""],
        ["newsqa `Engine.answer()` (retrieval + composed, cited answer)", lat["newsqa"]["p50_ms"],
         lat["newsqa"]["p95_ms"],
         f"{100 * rec['newsqa_retrieval']:.1f} % retrieved, {100 * rec['newsqa_cited']:.1f} % "
         "cited", f"{100 * hit['newsqa_retrieval']:.0f} %"],
    ]
    emb = lat.get("embed_question")
    if emb:
        rows.append(["(embedding the question alone, same model, both sides pay it)",
                     emb["p50_ms"], emb["p95_ms"], "", ""])
    table = common.md_table(["", "p50 ms", "p95 ms", f"recall@{r['k']} (files)",
                             f"hit@{r['k']}"], rows)
    return (
        "## Baseline: vanilla LlamaIndex vs newsqa, same run\n\n"
        "`python bench/baseline.py` — the {questions} dev questions ({answerable} answerable "
        "for recall), the same {chunks} chunks and the same MiniLM embedder on both sides; "
        "vanilla is a `VectorStoreIndex` over a `ChromaVectorStore` with `Settings.llm = None` "
        "(MockLLM, so no generation cost is counted). Each question goes through all four in "
        "turn.\n\n{table}\n\n"
        "- newsqa vs the vanilla query engine: **{sq:.2f}x** at p50 (target ≥ {tgt:.0f}x: "
        "{vs}); vs the bare vanilla retriever: {sr:.2f}x.\n"
        "- Recall@{k} by file: newsqa retrieval {nr:.1f} % vs vanilla {vr:.1f} % "
        "(target: higher: {vrc}).\n"
    ).format(table=table, sq=r["speedup_vs_query_engine_p50"], tgt=r["target_speedup"],
             vs=common.verdict(r["met_speed"]), sr=r["speedup_vs_retriever_p50"], k=r["k"],
             nr=100 * rec["newsqa_retrieval"], vr=100 * rec["vanilla"],
             vrc=common.verdict(r["met_recall"]), questions=r["questions"],
             answerable=r["answerable"], chunks=r["chunks"])


def main() -> None:
    result = run()
    if common.wants_docs():
        common.update_section("baseline", markdown(result))
    common.emit(result)


if __name__ == "__main__":
    main()
