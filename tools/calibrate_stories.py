"""Choose ``index.brief.stories.SAME_STORY``: when two reports tell one story.

    python -m tools.calibrate_stories [--models DIR] [--reports tools/stories/reports.jsonl]

``reports.jsonl`` holds short reports written for this (title, lede, story label): several
reports of one event in different words, and confusers (two storms, two fires, two strikes,
two companies' news). Every pair is labelled same story / different. For each story vector
(the lede's vector alone; title and lede vectors summed) it prints precision and recall of
"cosine ≥ t" over the pairs, and the cut with the best F1 among those with precision ≥ 0.95
(two stories merged hide one from a briefing; one story split only repeats it), then the
groups that the briefing's single-link grouping (``stories.group_stories``) makes at that cut.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from index.brief.stories import group_stories
from index.embed import OnnxEmbedder

REPORTS = Path(__file__).with_name("stories") / "reports.jsonl"


def unit(m: np.ndarray) -> np.ndarray:
    return np.asarray(m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("data/models"))
    ap.add_argument("--reports", type=Path, default=REPORTS)
    args = ap.parse_args(argv)
    rows = [json.loads(x) for x in args.reports.read_text(encoding="utf-8").splitlines() if x]
    embedder = OnnxEmbedder(args.models)
    titles = embedder.embed([r["title"] for r in rows]).astype(np.float64)
    ledes = embedder.embed([r["lede"] for r in rows]).astype(np.float64)
    pairs = list(itertools.combinations(range(len(rows)), 2))
    same = np.array([rows[i]["story"] == rows[j]["story"] for i, j in pairs])
    print(f"{len(rows)} reports, {len(pairs)} pairs, {int(same.sum())} of one story")
    for name, vecs in (("lede", unit(ledes)), ("title+lede", unit(titles + ledes))):
        cos = np.array([float(vecs[i] @ vecs[j]) for i, j in pairs])
        best: tuple[float, float, float, float] | None = None
        for t in np.arange(0.30, 0.90, 0.025):
            said = cos >= t
            prec = (said & same).sum() / max(said.sum(), 1)
            rec = (said & same).sum() / same.sum()
            f1 = 2 * prec * rec / max(prec + rec, 1e-9)
            print(f"  {name:10} t={t:.3f} precision {prec:.3f} recall {rec:.3f} F1 {f1:.3f}")
            if prec >= 0.95 and (best is None or f1 > best[0]):
                best = (round(float(f1), 3), round(float(t), 3), float(prec), float(rec))
        print(f"{name}: best cut (precision ≥ 0.95) {best}")
        if best is not None:  # what the briefing does with it: single-link groups
            groups = group_stories(list(vecs), best[1])
            label = {i: k for k, g in enumerate(groups) for i in g}
            said = np.array([label[i] == label[j] for i, j in pairs])
            print(f"  grouped at {best[1]}: {len(groups)} groups for "
                  f"{len({r['story'] for r in rows})} stories; pair precision "
                  f"{(said & same).sum() / max(said.sum(), 1):.3f}, "
                  f"recall {(said & same).sum() / same.sum():.3f}")
        worst_same = min((c, i, j) for c, (i, j), s in zip(cos, pairs, same, strict=True) if s)
        closest_other = max((c, i, j) for c, (i, j), s in zip(cos, pairs, same, strict=True)
                            if not s)
        for label, (c, i, j) in (("least alike of one story", worst_same),
                                 ("most alike of two stories", closest_other)):
            print(f"  {label}: {c:.3f} {rows[i]['title']!r} / {rows[j]['title']!r}")


if __name__ == "__main__":
    main()
