"""Fit the refusal classifier and choose its threshold from ``newsqa eval --out`` rows.

    python -m tools.calibrate TUNE_1.jsonl [TUNE_2.jsonl ...] [--check HELDOUT.jsonl ...]
        [--max-false-refusal 0.05]

Each row carries ``signals`` (``index.answer.refuse.signals``) and ``answerable``. A logistic
regression (L2, numpy gradient descent, features standardised then folded back) is fitted on
the tune rows; the threshold is the highest P(answerable) cut whose false refusals on the
tune rows stay ≤ ``--max-false-refusal``. It prints AUROC for each single signal and for the
classifier, on tune and on ``--check`` rows (never fitted on), and the constants to paste into
``index/answer/calibration.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

FEATURES = ("reader_logit", "best_logit", "cosine", "margin", "coverage", "names", "in_sentence",
            "span_p", "sure", "counts")


def load(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sig = row.get("signals") or {}
            if not sig:
                continue
            xs.append([float(sig.get(f, 0.0)) for f in FEATURES])
            ys.append(1.0 if row["answerable"] else 0.0)
    return np.array(xs), np.array(ys)


def auroc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = score[y == 1], score[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    return float(greater)


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 4000
) -> tuple[np.ndarray, float]:
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(z.shape[1]), 0.0
    # balance the classes: unanswerables are the minority everywhere
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= 0.1 * (z.T @ g / len(y) + l2 * w)
        b -= 0.1 * g.mean()
    return w / sd, float(b - (w / sd) @ mu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("tune", nargs="+", type=Path)
    ap.add_argument("--check", nargs="*", type=Path, default=[])
    ap.add_argument("--max-false-refusal", type=float, default=0.05)
    ap.add_argument("--features", default=",".join(FEATURES))
    args = ap.parse_args(argv)
    use = [FEATURES.index(f) for f in args.features.split(",")]
    x, y = load(args.tune)
    x = x[:, use]
    names = [FEATURES[i] for i in use]
    print(f"tune rows: {len(y)} ({int((y == 0).sum())} unanswerable)")
    for i, n in enumerate(names):
        print(f"  AUROC {n:<13} {auroc(x[:, i], y):.3f}")
    w, b = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    print(f"  AUROC classifier    {auroc(p, y):.3f}")
    cuts = np.unique(p)
    ok = [c for c in cuts if (p[y == 1] < c).mean() <= args.max_false_refusal]
    cut = float(max(ok)) if ok else 0.0
    print(f"threshold {cut:.3f}: tune refused_ok {(p[y == 0] < cut).mean():.3f}, "
          f"false refusals {(p[y == 1] < cut).mean():.3f}")
    for path in args.check:
        cx, cy = load([path])
        cx = cx[:, use]
        cp = 1 / (1 + np.exp(-(cx @ w + b)))
        print(f"check {path.name}: {len(cy)} rows, AUROC classifier {auroc(cp, cy):.3f}, "
              + ", ".join(f"{n} {auroc(cx[:, i], cy):.3f}" for i, n in enumerate(names))
              + f"; refused_ok {(cp[cy == 0] < cut).mean():.3f}, "
              f"false refusals {(cp[cy == 1] < cut).mean():.3f}")
    print("\nREFUSAL_WEIGHTS = {")
    for n, v in zip(names, w, strict=True):
        print(f'    "{n}": {v:.4f},')
    print(f"}}\nREFUSAL_BIAS = {b:.4f}\nREFUSE_BELOW = {cut:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
