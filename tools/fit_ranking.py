"""Fit how the answer path ranks the sentences the reader read (``read.read``'s ``fused``).

For every answerable question of the given eval sets (each already indexed by ``newsqa eval``
into a data dir), run the answer path up to the reader and keep, per read sentence, a few
features and whether it holds a gold answer. Then fit a linear ranking over the features by
maximising the (softmax) probability of the gold sentences among each question's candidates,
on the ``--fit`` sets only, and report top-1 (gold in the best-ranked sentence) for the
committed ranking and the fitted one on every set.

    python -m tools.fit_ranking --fit SET ... --check SET ...
    (SET = QUESTIONS.jsonl:DATA_DIR)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from index.answer.calibration import CHEAP_WEIGHT
from index.config import IndexConfig
from tools.candidate_recall import norm

FEATURES = ("reader_logit", "cheap", "semantic", "lexical", "cue")
COMMITTED = np.array([1.0, CHEAP_WEIGHT, 0.0, 0.0, 0.0])
"""``read.read``'s ranking in these features: reader logit + ``CHEAP_WEIGHT`` · cheap score."""
STEPS = 2000
RATE = 0.5


def candidates(questions: Path, data: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per answerable question with a gold among its read sentences: (features, labels)."""
    from index.answer.read import logit, read
    from index.answer.search import search
    from index.engine import Engine
    from index.understand.question import parse

    out = []
    with Engine(IndexConfig(data_dir=data)) as engine:
        for line in questions.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if not row.get("answerable", True) or row.get("history"):
                continue
            golds = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
            golds = [norm(str(g)) for g in [*golds, *row.get("accept_also", [])] if str(g)]
            q = parse(row["question"])
            sents = search(engine.store, engine.embedder, q, engine.cfg.top_k).sentences
            ws = read(engine.reader, q, sents)
            y = np.array([any(g in norm(w.sentence.text) for g in golds) for w in ws], float)
            if not y.any():
                continue
            x = np.array([[logit(w.p), w.sentence.score, w.sentence.semantic,
                           w.sentence.lexical, w.sentence.cue] for w in ws])
            out.append((x, y))
    return out


def fit(rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weights maximising the mean log softmax mass of each question's gold sentences."""
    w = COMMITTED.copy()  # start from the committed ranking
    for _ in range(STEPS):
        g = np.zeros_like(w)
        for x, y in rows:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            gold = p * y / (p * y).sum()
            g += x.T @ (gold - p)
        w += RATE * g / len(rows)
    return w


def top1(rows: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    return float(np.mean([y[int(np.argmax(x @ w))] for x, y in rows]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", action="append", default=[], required=True)
    ap.add_argument("--check", action="append", default=[])
    args = ap.parse_args(argv)
    sets = {s: candidates(*(Path(p) for p in s.split(":", 1))) for s in args.fit + args.check}
    w = fit([r for s in args.fit for r in sets[s]])
    print("fitted:", ", ".join(f"{f} {v:.3f}" for f, v in zip(FEATURES, w, strict=True)))
    for s, rows in sets.items():
        tag = "fit" if s in args.fit else "check"
        print(f"{tag:5s} {s}: {len(rows)} questions with a gold candidate; top-1 committed "
              f"{top1(rows, COMMITTED):.3f}, fitted {top1(rows, w):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
