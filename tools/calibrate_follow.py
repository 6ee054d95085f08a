"""Choose ``index.follow.FOLLOW_COVERED``, ``FOLLOW_LEDE_P`` and ``FOLLOW_LEDE_COS``: when a
new article is about a followed topic (push) and when it only mentions it in passing, or
shares a place or a name with it (no push).

    python -m tools.calibrate_follow [--models DIR] [--cases tools/follow/cases.jsonl]

``cases.jsonl`` holds short articles written for this, each with a topic and a label:
``match`` (the article is about the topic), ``mention`` (about something else, one sentence
names the topic) or ``unrelated`` (another story of the same place or company: the storm in
Port Elms for "Port Elms harbor bridge", Northline's train order for "Northline rail
strike"). Every article is also scored against every *other* topic, as ``unrelated``. The
articles are ingested into a throw-away index with the real embedder and scored by the real
reader (``index.follow.features``). For each triple of cuts (share of the topic's words in
headline + lede, the lede's reader probability, the lede's cosine) it prints precision and
recall of "push" over match vs (mention + unrelated), and chooses, among the cuts that push
nothing but matches, the best recall, then the most lenient word share, then the lowest
reader cut, then the middle of the cosine range (most margin both sides).

Result (2026-12-07; 12 match, 12 mention, 96 unrelated pairs of which 6 share a place or
company): the reader's probability of the *best* sentence does not separate a passing
mention (median .37, max .82) from a match (median .65); the same probability of the *lede*
does for passing mentions (≤ .045; matches ≥ .053, median .65) but not for same-place
stories (up to .21: "Storm Bert injured 12 people in Port Elms"), nor does the lede's cosine
(same-place stories up to .57; matches ≥ .42). The topic's words in headline + lede do
(matches 1.0, others ≤ .67). Chosen: words ≥ 0.75, lede_p ≥ 0.02, lede_cos ≥ 0.30:
precision 1.00, recall 1.00 (12/12), no passing mention pushed. The set is small and written
by one hand (the matches name the whole topic): the reader and cosine cuts stay to catch
what the word share lets through.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.follow import Features, features

CASES = Path(__file__).with_name("follow") / "cases.jsonl"


@contextmanager
def cases_index(
    embedder: Any, cases: Path = CASES
) -> Iterator[tuple[Engine, list[dict[str, Any]]]]:
    """The cases' articles ingested into a throwaway index, with the case rows (also the
    push-latency bench's index: ``bench/follow.py``)."""
    rows = [json.loads(x) for x in cases.read_text(encoding="utf-8").splitlines() if x]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for r in rows:
            (folder / f"{r['id']}.txt").write_text(f"{r['title']}\n{r['text']}\n",
                                                  encoding="utf-8")
        engine = Engine(IndexConfig(data_dir=Path(tmp) / "data"), embedder=embedder)
        engine.ingest([str(folder)])
        yield engine, rows


def scored(embedder: Any, cases: Path = CASES) -> list[tuple[str, Features]]:
    """``(label, features)`` for every (topic, article) pair of the cases."""
    with cases_index(embedder, cases) as (engine, rows):
        ids = {Path(a.path or "").stem: a.article_id for a in engine.sources()}
        out = []
        for topic in dict.fromkeys(r["topic"] for r in rows):
            feats = features(engine.store, engine.embedder, engine.reader, topic,
                             [ids[r["id"]] for r in rows], full=True)
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
                            ("lede_cos", [f.lede_cos for f in fs]),
                            ("words", [f.covered for f in fs]))))
    feasible: list[tuple[float, float, float, float, float]] = []  # (rec, -w, -p, cos, prec)
    for w in (0.5, 0.66, 0.75, 1.0):
        for p in (0.02, 0.03, 0.04, 0.05, 0.1, 0.2, 0.3):
            for c in np.arange(0.2, 0.7, 0.025):
                push = [(lab, f.covered >= w and f.lede_p >= p and f.lede_cos >= c)
                        for lab, f in pairs]
                tp = sum(1 for lab, y in push if y and lab == "match")
                fp = sum(1 for lab, y in push if y and lab != "match")
                mention = sum(1 for lab, y in push if y and lab == "mention")
                n = sum(1 for lab, _ in push if lab == "match")
                prec, rec = tp / max(tp + fp, 1), tp / n
                print(f"  words ≥ {w:.2f} lede_p ≥ {p:.2f} lede_cos ≥ {c:.3f}: precision "
                      f"{prec:.3f} recall {rec:.3f} ({mention} passing mentions pushed)")
                if fp == 0:
                    feasible.append((rec, -w, -p, round(float(c), 3), prec))
    top = max(feasible)
    cuts = sorted(f for f in feasible if f[:3] == top[:3])
    rec, w, p, c, prec = cuts[len(cuts) // 2]
    print(f"chosen (nothing pushed but matches): words ≥ {-w}, lede_p ≥ {-p}, lede_cos ≥ {c}: "
          f"precision {prec:.3f}, recall {rec:.3f}")


if __name__ == "__main__":
    main()
