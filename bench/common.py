"""Shared helpers for the benchmarks: paths, machine facts, the dev set, the synthetic corpus,
and the docs/BENCHMARKS.md section writer.

Every bench script is one command run from the repository root
(``python bench/<name>.py``); it prints one JSON object on its last stdout line and, unless
``--no-docs`` is given, rewrites its own section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

EVAL_DEV = REPO.parent / "shared" / "eval-dev"
CORPUS = EVAL_DEV / "corpus"
QUESTIONS = EVAL_DEV / "questions.jsonl"
SEEDS = REPO / "seeds"
OUT = REPO / "bench" / "out"  # gitignored cache: models, built indexes, sentence pools
DOC = REPO / "docs" / "BENCHMARKS.md"
MODELS = OUT / "models"

SEED_QUESTIONS = (
    "How many Ukrainians returned home on Friday?",
    "Where did the delegations meet for talks?",
    "How many Russian military personnel were repatriated?",
    "How many people are expected to be swapped in total?",
    "What did Zelensky say on social media?",
    "Did Moscow accept an unconditional ceasefire?",
    "When did Russia launch its full-scale invasion?",
    "How many individuals were freed in the opening phase?",
    "Who rejected the proposals for direct talks?",
    "How many civilians did Russia say were repatriated?",
)


# -- small utilities -------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), pct)) if values else 0.0


def lat_summary(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(float(np.mean(ms)), 2) if ms else 0.0,
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - t0) * 1000


def rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process (psutil is not a dependency)."""
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": out.get("VmRSS", 0.0), "peak_rss_mb": out.get("VmHWM", 0.0)}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    return {
        "loadavg": " ".join(load),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def emit(result: dict[str, Any]) -> None:
    """The JSON result, on one line, last on stdout (run_all reads that line)."""
    print(json.dumps(result, ensure_ascii=False), flush=True)


def wants_docs(argv: Sequence[str] | None = None) -> bool:
    return "--no-docs" not in (sys.argv if argv is None else argv)


def require_eval_dev() -> None:
    if not CORPUS.is_dir():
        sys.exit(f"error: {EVAL_DEV} not found (the dev set lives beside the repository)")


def load_questions() -> list[dict[str, Any]]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]


# -- the embedder ----------------------------------------------------------------------------


def embedder() -> Any:
    """The real ONNX MiniLM, its graph cached under bench/out/models, warmed up."""
    from index.embed import OnnxEmbedder

    emb = OnnxEmbedder(MODELS)
    emb.embed(["warm up the session", "and the tokenizer"])
    return emb


class CachedEmbedder:
    """Wraps the real embedder with an exact text → vector cache.

    The synthetic corpora reuse dev-corpus sentences many times; a repeated sentence gets the
    very vector the model gives it, computed once. Misses are embedded for real.
    """

    def __init__(self, inner: Any, cache: dict[str, np.ndarray] | None = None) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = dict(cache or {})
        self.misses = 0

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            self.misses += len(missing)
            for t, v in zip(missing, self.inner.embed(missing, batch_size), strict=True):
                self.cache[t] = v
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self.cache[t]
        return out


# -- dev corpus sentences and the synthetic corpus ---------------------------------------------


def dev_sentences(count_tokens: Callable[[str], int]) -> list[str]:
    """Every sentence newsqa would embed for the dev corpus, in ingest order."""
    from index.ingest.chunk import chunk_article
    from index.ingest.read import Skipped, load_input

    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        art = load_input(str(path))
        if isinstance(art, Skipped):
            continue
        for chunk in chunk_article(art, count_tokens):
            out.extend(art.text[s:e] for s, e in chunk.sentence_spans)
    return out


_SPLIT_AT = re.compile(r"\s+")


def spliced_pool(base: Sequence[str], size: int, seed: int = 7) -> list[str]:
    """``size`` distinct sentence-like texts: the head of one dev sentence + the tail of another.

    The dev corpus has only a few hundred sentences; splicing gives a larger pool of distinct
    texts (so a big synthetic index is not thousands of copies of one vector) that still use
    the dev corpus's vocabulary and style. Each is then embedded for real, once.
    """
    rng = random.Random(seed)
    words = [_SPLIT_AT.split(s.strip()) for s in base if len(s.split()) >= 6]
    pool: dict[str, None] = {s: None for s in base if s.strip()}
    while len(pool) < size:
        a, b = rng.sample(words, 2)
        cut_a = rng.randint(3, max(3, len(a) - 2))
        cut_b = rng.randint(1, max(1, len(b) - 3))
        text = " ".join(a[:cut_a] + b[cut_b:])
        text = text[0].upper() + text[1:]
        if not text.endswith((".", "!", "?", "”", '"')):
            text += "."
        pool.setdefault(text, None)
    return list(pool)[:size]


def sentence_pool(emb: Any, size: int = 3000) -> tuple[list[str], np.ndarray]:
    """The spliced pool and its real vectors, cached in bench/out (built once, ~20 s)."""
    path = OUT / f"pool-{size}.npz"
    if path.is_file():
        data = np.load(path, allow_pickle=False)
        return [str(t) for t in data["texts"]], data["vectors"]
    texts = spliced_pool(dev_sentences(emb.count_tokens), size)
    vectors = emb.embed(texts)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.asarray(texts), vectors=vectors)
    return texts, vectors


def synthetic_articles(
    n: int, pool: Sequence[str], *, paragraphs: int = 5, per_paragraph: int = 2, seed: int = 11
) -> Iterable[tuple[str, str, str, str, list[list[str]]]]:
    """``(title, source, published, url, paragraphs)`` of ``n`` recombined articles.

    Each paragraph is ``per_paragraph`` pool sentences; titles are pool sentences cut short,
    sources and dates drawn from the dev corpus's range so filters and BM25 fields look real.
    """
    rng = random.Random(seed)
    sources = ("TechCrunch", "The Verge", "Sporting News", "Fortune", "The Guardian",
               "BBC News", "CNBC", "The Age", "Polygon", "Engadget")
    for i in range(n):
        title = " ".join(rng.choice(pool).split()[:9]).rstrip(".,;:")
        day = datetime(2023, 9, 20, tzinfo=UTC).timestamp() + rng.randint(0, 100) * 86400
        published = datetime.fromtimestamp(day, UTC).isoformat()
        paras = [[rng.choice(pool) for _ in range(per_paragraph)] for _ in range(paragraphs)]
        yield title, rng.choice(sources), published, f"https://example.com/synthetic/{i}", paras


def article_text(title: str, source: str, published: str, url: str, paras: list[list[str]]) -> str:
    """The dev corpus's file format, so a synthetic article reads like a real one."""
    body = "\n\n".join(" ".join(p) for p in paras)
    return f"{title}\nSource: {source} | Published: {published} | URL: {url}\n\n{body}\n"


# -- docs/BENCHMARKS.md ----------------------------------------------------------------------

DOC_HEADER = """# Benchmarks

Numbers measured by the scripts in `bench/`; `make bench` (= `python bench/run_all.py`) reruns
all of them and rewrites this file. Each script also runs on its own
(`python bench/<name>.py` from the repository root) and rewrites only its own section.
Synthetic corpora are **recombined sentences of the MultiHop-RAG dev corpus** (Tang & Yang,
2024, ODC-BY 1.0, read from `../shared/eval-dev` at run time, never copied here).
"""


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def section(name: str, body: str) -> str:
    start, end = _markers(name)
    return f"{start}\n{body.strip()}\n{end}\n"


def update_section(name: str, body: str) -> None:
    """Replace (or append) one marked section of docs/BENCHMARKS.md."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.is_file() else DOC_HEADER
    start, end = _markers(name)
    block = section(name, body)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else (
        text.rstrip() + "\n\n" + block
    )
    DOC.write_text(text, encoding="utf-8")


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def machine_line(m: dict[str, Any]) -> str:
    return (f"{m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}, "
            f"{m['platform']}; load average at start {m.get('loadavg') or '?'}")
