"""Choose ``COPY_JACCARD`` (``index/ingest/copies.py``) on the labelled pairs of
``tests/fixtures/wire_pairs.json``: each pair's exact 5-gram Jaccard, the score range of copies
and of other reports, and precision/recall at each threshold of a grid.

    python -m tools.calibrate_copies [PAIRS.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from index.ingest.copies import COPY_JACCARD, jaccard, shingles

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wire_pairs.json"
GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    doc = json.loads(Path(args[0] if args else PAIRS).read_text(encoding="utf-8"))
    sh = {k: shingles("\n\n".join(t["body"])) for k, t in doc["texts"].items()}
    scored = [(jaccard(sh[p["a"]], sh[p["b"]]), bool(p["copy"])) for p in doc["pairs"]]
    copies = [j for j, c in scored if c]
    others = [j for j, c in scored if not c]
    print(f"{len(scored)} pairs: {len(copies)} copies (Jaccard "
          f"{min(copies):.2f}-{max(copies):.2f}), {len(others)} other reports "
          f"({min(others):.2f}-{max(others):.2f})")
    print("threshold  precision  recall")
    for t in sorted({*GRID, COPY_JACCARD}):
        tp = sum(j >= t for j in copies)
        fp = sum(j >= t for j in others)
        mark = "  <- COPY_JACCARD" if t == COPY_JACCARD else ""
        print(f"{t:9.2f}  {tp / max(1, tp + fp):9.3f}  {tp / len(copies):6.3f}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
