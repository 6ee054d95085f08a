"""Choose ``LEAD_P`` / ``LEAD_SPAN_P`` (``index/answer/calibration.py``): over ``newsqa eval
--out`` rows of answered questions, how often a "value —" lead would hold a gold answer if
leads were shown at each pair of thresholds on the best witness's reader probability and span
probability (both recorded in the rows' ``signals``).

    python -m tools.lead_precision T.jsonl:QUESTIONS_T.jsonl N.jsonl:QUESTIONS_N.jsonl

Only rows whose answer starts with a lead are counted, so run the eval with the lead
thresholds at their loosest (0.5 / 0.3) first. Gold strings are matched as
``../shared/eval-dev/news/score_dev_news.py`` matches them.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

SCORER = Path(__file__).resolve().parents[1].parent / "shared" / "eval-dev" / "news"
P_GRID = (0.5, 0.7, 0.8, 0.9, 0.95)
SPAN_GRID = (0.3, 0.5, 0.7, 0.9)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(SCORER))
    from score_dev_news import contains, golds  # the news set's own matching

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("runs", nargs="+", help="RESULTS.jsonl:QUESTIONS.jsonl")
    args = ap.parse_args(argv)
    leads: list[tuple[float, float, bool]] = []
    for pair in args.runs:
        results, questions = pair.split(":", 1)
        qs = {str(q["id"]): q for q in map(json.loads, Path(questions).read_text().splitlines())}
        for row in map(json.loads, Path(results).read_text().splitlines()):
            sig, q = row.get("signals") or {}, qs[str(row["id"])]
            m = re.match(r"^([^\n]{1,80}?) — According to", str(row.get("answer") or ""))
            if row.get("refused") or not sig or not m:
                continue
            ok = q["answerable"] and any(contains(m.group(1), g) for g in golds(q))
            leads.append((1 / (1 + math.exp(-sig["best_logit"])), sig["span_p"], ok))
    print(f"{len(leads)} leads; precision (leads kept) at P ≥ p and span P ≥ s:")
    for p in P_GRID:
        cells = []
        for s in SPAN_GRID:
            kept = [ok for bp, sp, ok in leads if bp >= p and sp >= s]
            cells.append(f"s {s}: {sum(kept) / max(1, len(kept)):.3f} ({len(kept)})")
        print(f"p {p}: " + ", ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
