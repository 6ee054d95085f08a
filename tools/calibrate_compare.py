"""Choose ``COMPARE_P`` and ``MIN_ALIKE`` (``index/answer/calibration.py``): run each question of
an eval set through the answer stages once, then for every pair of thresholds count how often
a difference would be flagged (disagreement or update) on the questions whose ``type`` is
``conflict`` or ``latest`` (wanted) and on all others (false flags).

    python -m tools.calibrate_compare QUESTIONS.jsonl --data DATA_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.config import IndexConfig

P_GRID = (0.7, 0.75, 0.8, 0.85, 0.9)
ALIKE_GRID = (0.4, 0.5, 0.6, 0.7)


def main(argv: list[str] | None = None) -> int:
    from index.answer.compare import compare
    from index.answer.refuse import decide
    from index.answer.search import search
    from index.engine import Engine
    from index.respond import read_found
    from index.understand.question import parse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("questions", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    args = ap.parse_args(argv)
    engine = Engine(IndexConfig(data_dir=args.data))
    runs = []
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        q = parse(row["question"])
        found = search(engine.store, engine.embedder, q, engine.cfg.top_k)
        ws, stories = read_found(engine.store, engine.reader, q, found)  # as respond reads
        if decide(q, found, ws).refusal is not None:  # and no comparison for a refusal
            ws = []
        wanted = row.get("type") in ("conflict", "latest") and row.get("answerable", True)
        runs.append((q, ws, wanted, stories.same))
    n_want = sum(w for _, _, w, _ in runs)
    print(f"{len(runs)} questions, {n_want} conflict/latest")
    print("min_p min_alike  flagged(wanted)  false flags(others)")
    for p in P_GRID:
        for alike in ALIKE_GRID:
            hit = false = 0
            for q, ws, wanted, same in runs:
                kind = compare(q, ws, min_p=p, min_alike=alike, same_story=same).kind
                flagged = kind in ("disagreement", "update")
                hit += flagged and wanted
                false += flagged and not wanted
            print(f"{p:5.2f} {alike:9.2f}  {hit / max(n_want, 1):15.3f}  "
                  f"{false / max(len(runs) - n_want, 1):19.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
