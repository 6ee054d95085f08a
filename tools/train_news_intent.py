"""Train the "asks for the news in general" classifier (``index/understand/intent.py``).

    python -m tools.train_news_intent [--models DIR] [--out PATH] \
        [--check tools/news_intent/heldout.jsonl ...]

Examples: ``tools/news_intent/train.jsonl``, one ``{"text", "label"}`` a line; label ``news``
(a request for the news in general or for a period) is positive, ``question`` (a specific
question, often with "news", "today" or "headlines" in it) and ``topic`` (a briefing on a named
topic, which ``briefing.briefing_topic`` handles) are negative. Features: the question's
MiniLM vector (the engine's embedder), standardised; model: L2 logistic regression by full-batch
gradient descent from zero (deterministic: same examples and embedder, same file). The L2
strength and the probability threshold are chosen by stratified 10-fold cross-validation on the
training examples only (best out-of-fold accuracy; the threshold is the middle of the best
interval). ``--check`` files are scored after everything is fixed and never change anything:
rows with ``label`` are scored as above, rows with ``question`` (an eval set's questions) are
all specific questions, so every positive there is a false briefing.

Writes the weights (rounded to 6 decimals, so a rebuild is byte-identical) and prints the
file's sha256 for ``index.understand.intent.MODEL_SHA256``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from index.embed import MODEL_NAME, OnnxEmbedder
from index.understand.intent import MODEL_PATH

TRAIN = Path(__file__).with_name("news_intent") / "train.jsonl"
L2_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
FOLDS = 10
STEPS = 3000
RATE = 0.5


def load(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels (1 = asks for the news in general)."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append(row.get("text") or row["question"])
            labels.append(1.0 if row.get("label") == "news" else 0.0)
    return texts, np.asarray(labels)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2 logistic regression on standardised features, folded back to raw features."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = p - y
        w -= RATE * (z.T @ g / len(y) + l2 * w)
        b -= RATE * float(g.mean())
    return w / std, b - float((w * mean / std).sum())


def probabilities(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-(x @ w + b))))


def folds_of(y: np.ndarray, k: int = FOLDS) -> np.ndarray:
    """Stratified fold numbers: each class dealt round-robin in file order."""
    out = np.zeros(len(y), dtype=int)
    for label in (0.0, 1.0):
        idx = np.flatnonzero(y == label)
        out[idx] = np.arange(len(idx)) % k
    return out


def out_of_fold(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    folds, p = folds_of(y), np.zeros(len(y))
    for f in range(FOLDS):
        test = folds == f
        w, b = fit(x[~test], y[~test], l2)
        p[test] = probabilities(x[test], w, b)
    return p


def best_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(threshold, accuracy): the middle of the first run of cuts with the best accuracy, so
    the threshold keeps a margin to the scores on both sides."""
    cuts = np.unique(np.concatenate([[0.0, 1.0], p]))
    mids = (cuts[:-1] + cuts[1:]) / 2
    accs = np.array([((p >= t) == (y == 1)).mean() for t in mids])
    first = last = int(np.argmax(accs))
    while last + 1 < len(accs) and accs[last + 1] == accs[first]:
        last += 1
    return round(float((cuts[first] + cuts[last + 1]) / 2), 4), float(accs[first])


def report(name: str, texts: list[str], y: np.ndarray, p: np.ndarray, cut: float) -> None:
    said = p >= cut
    pos, neg = y == 1, y == 0
    print(f"{name}: accuracy {(said == pos).mean():.3f} ({int((said == pos).sum())}/{len(y)}); "
          f"positives {int((said & pos).sum())}/{int(pos.sum())}, "
          f"false briefings {int((said & neg).sum())}/{int(neg.sum())}")
    for t, yy, pp in zip(texts, y, p, strict=True):
        if (pp >= cut) != (yy == 1):
            print(f"   wrong: p={pp:.3f} label={'news' if yy else 'other'} {t}")


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when inside it (the file stays the same
    wherever the checkout is)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("data/models"),
                    help="where the embedder keeps its ONNX graph (a data dir's models/)")
    ap.add_argument("--train", type=Path, default=TRAIN)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--check", type=Path, action="append", default=[])
    args = ap.parse_args(argv)

    embedder = OnnxEmbedder(args.models)
    texts, y = load(args.train)
    x = embedder.embed(texts).astype(np.float64)
    scores = []
    for l2 in L2_GRID:
        p = out_of_fold(x, y, l2)
        cut, acc = best_threshold(p, y)
        loss = float(-np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)))
        print(f"l2 {l2}: cross-validated accuracy {acc:.3f} at {cut}, log-loss {loss:.3f}")
        scores.append((acc, -loss, l2, cut, p))
    acc, _, l2, cut, p = max(scores, key=lambda s: (s[0], s[1]))
    report(f"chosen l2 {l2}, threshold {cut}, out-of-fold", texts, y, p, cut)
    w, b = fit(x, y, l2)
    model = {
        "what": "P(a question asks for the news in general): logistic regression over its "
                "unit-length MiniLM vector",
        "embedder": MODEL_NAME,
        "trained_on": _shown(args.train),
        "train_sha256": hashlib.sha256(args.train.read_bytes()).hexdigest(),
        "examples": {"positive": int(y.sum()), "negative": int(len(y) - y.sum())},
        "l2": l2,
        "cv_accuracy": round(acc, 4),
        "threshold": cut,
        "bias": round(b, 6),
        "weights": [round(float(v), 6) for v in w],
    }
    raw = (json.dumps(model, indent=1) + "\n").encode()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(raw)
    print(f"wrote {args.out}; sha256 {hashlib.sha256(raw).hexdigest()}")
    saved = json.loads(raw)  # score what was written (rounded), as the answer path will
    w_saved, b_saved = np.asarray(saved["weights"]), float(saved["bias"])
    for path in args.check:
        ctexts, cy = load(path)
        cp = probabilities(embedder.embed(ctexts).astype(np.float64), w_saved, b_saved)
        report(f"check {path}", ctexts, cy, cp, cut)


if __name__ == "__main__":
    main()
