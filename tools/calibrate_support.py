"""Calibrate ``index.support.SIMILARITY_FLOOR`` on the dev set's good answers.

Why these pairs: MultiHop-RAG's questions were written by an LLM from the evidence
sentences, so for each evidence sentence the question clause that restates it is the kind
of statement a model writes from that sentence, i.e. a good answer. Its score is the best
cosine similarity between any clause of the question and the sentence or one of its
clauses, computed exactly as ``SupportChecker`` does. As a contrast, each sentence is also
scored against a random other question.

    .venv/bin/python tools/calibrate_support.py [../shared/eval-dev/questions.jsonl]

Prints the percentiles of both and the 5th percentile of the good pairs (the floor).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.embed import OnnxEmbedder
from index.support import clauses

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval-dev" / "questions.jsonl"


def calibrate(path: Path, embedder: OnnxEmbedder) -> tuple[np.ndarray, np.ndarray]:
    """(good pair scores, unrelated pair scores), one of each per evidence sentence."""
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    questions = [q for q in questions if q.get("evidence")]
    rng = random.Random(0)
    pairs: list[tuple[list[str], list[str], bool]] = []
    for q in questions:
        for ev in q["evidence"]:
            theirs = [ev["fact"], *clauses(ev["fact"])]
            pairs.append((clauses(q["question"]), theirs, True))
            stranger = rng.choice([x for x in questions if x is not q])
            pairs.append((clauses(stranger["question"]), theirs, False))
    texts = sorted({t for mine, theirs, _ in pairs for t in (*mine, *theirs)})
    row = {t: i for i, t in enumerate(texts)}
    vecs = embedder.embed(texts)  # one batched pass: the same numbers as SupportChecker
    good, other = [], []
    for mine, theirs, is_good in pairs:
        a = vecs[[row[t] for t in mine]]
        b = vecs[[row[t] for t in theirs]]
        (good if is_good else other).append(float((a @ b.T).max()))
    return np.array(good), np.array(other)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        good, other = calibrate(path, OnnxEmbedder(Path(tmp)))
    pct = [1, 5, 10, 25, 50, 75, 90, 95]
    for name, scores in (("good answers", good), ("unrelated", other)):
        values = np.percentile(scores, pct)
        cuts = ", ".join(f"p{p} {float(v):.3f}" for p, v in zip(pct, values, strict=True))
        print(f"{name} ({len(scores)} pairs): {cuts}")
    floor = float(np.percentile(good, 5))
    print(f"floor (5th percentile of good): {floor:.3f}; "
          f"unrelated above it: {100 * float((other >= floor).mean()):.0f} %")


if __name__ == "__main__":
    main()
