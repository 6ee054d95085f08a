"""Choose ``index.follow.FOLLOW_READER_P`` and ``FOLLOW_LEDE_COS``: when a new article is
about a followed topic (push) and when it only mentions it in passing (no push).

    python -m tools.calibrate_follow [--models DIR] [--cases tools/follow/cases.jsonl]

``cases.jsonl`` holds short articles written for this, each with a topic and a label:
``match`` (the article is about the topic) or ``mention`` (about something else, one sentence
names the topic). Every article is also scored against every *other* topic: those pairs are
``unrelated``. The articles are ingested into a throw-away index with the real embedder and
scored by the real reader (``index.follow.features``). For each pair of cuts on the lede's
reader probability and cosine it prints precision and recall of "push" over match vs
(mention + unrelated), and, among the cuts that push nothing but matches, the best
recall's lowest reader cut with the middle of its cosine range (most margin both sides).

Result (2026-12-07, 12 match, 12 mention, 72 unrelated pairs): the reader's probability of
the *best* sentence does not separate a passing mention (median .37, max .82) from a match
(median .65); the same probability of the *lede* does (mentions ≤ .045, unrelated ≤ .056,
matches ≥ .053, median .65), and the lede's cosine removes the unrelated (≤ .26; matches
≥ .42). Chosen: lede_p ≥ 0.05 and lede_cos ≥ 0.30 (the middle of the cosine cuts that
keep all): precision 1.00, recall 1.00 (12/12), no passing mention pushed. The margin on
lede_p is thin (.045 vs .053): recall, not precision, gives way first when it drifts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.follow import Features, features

CASES = Path(__file__).with_name("follow") / "cases.jsonl"


def scored(embedder: Any, cases: Path = CASES) -> list[tuple[str, Features]]:
    """``(label, features)`` for every (topic, article) pair of the cases."""
    rows = [json.loads(x) for x in cases.read_text(encoding="utf-8").splitlines() if x]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for r in rows:
            (folder / f"{r['id']}.txt").write_text(f"{r['title']}\n{r['text']}\n",
                                                  encoding="utf-8")
        engine = Engine(IndexConfig(data_dir=Path(tmp) / "data"), embedder=embedder)
        engine.ingest([str(folder)])
        ids = {Path(a.path or "").stem: a.article_id for a in engine.sources()}
        out = []
        for topic in dict.fromkeys(r["topic"] for r in rows):
            feats = features(engine.store, engine.embedder, engine.reader, topic,
                             [ids[r["id"]] for r in rows])
            for r in rows:
                label = r["label"] if r["topic"] == topic else "unrelated"
                out.append((label, feats[ids[r["id"]]][0]))
        return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("data/models"))
    ap.add_argument("--cases", type=Path, default=CASES)
    args = ap.parse_args(argv)
    pairs = scored(OnnxEmbedder(args.models), args.cases)
    for label in ("match", "mention", "unrelated"):
        fs = [f for lab, f in pairs if lab == label]
        print(f"{label:9} n={len(fs):3}  " + "  ".join(
            f"{name} min {min(v):.3f} med {np.median(v):.3f} max {max(v):.3f}"
            for name, v in (("reader_p", [f.reader_p for f in fs]),
                            ("lede_p", [f.lede_p for f in fs]),
                            ("lede_cos", [f.lede_cos for f in fs]))))
    feasible: list[tuple[float, float, float, float]] = []  # (recall, p, cosine, precision)
    for p in (0.02, 0.03, 0.04, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5):
        for c in np.arange(0.2, 0.7, 0.025):
            push = [(lab, f.lede_p >= p and f.lede_cos >= c) for lab, f in pairs]
            tp = sum(1 for lab, y in push if y and lab == "match")
            fp = sum(1 for lab, y in push if y and lab != "match")
            mention = sum(1 for lab, y in push if y and lab == "mention")
            n = sum(1 for lab, _ in push if lab == "match")
            prec, rec = tp / max(tp + fp, 1), tp / n
            print(f"  lede_p ≥ {p:.2f} lede_cos ≥ {c:.3f}: precision {prec:.3f} recall {rec:.3f}"
                  f" ({mention} passing mentions pushed)")
            if fp == 0:
                feasible.append((rec, p, round(float(c), 3), prec))
    top = max(feasible)
    # the best recall's lowest reader cut, and the middle of its cosine range: most margin
    cuts = sorted(f for f in feasible if f[0] == top[0] and f[1] == min(
        g[1] for g in feasible if g[0] == top[0]))
    rec, p, c, prec = cuts[len(cuts) // 2]
    print(f"chosen (nothing pushed but matches): lede_p ≥ {p}, lede_cos ≥ {c}: "
          f"precision {prec:.3f}, recall {rec:.3f}")

if __name__ == "__main__":
    main()
