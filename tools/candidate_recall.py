"""How many candidate sentences the reader must see: for each answerable question of an eval
set, is a gold answer in the top-N sentences of the cheap ranking (``evidence``), for several
N? Chooses ``calibration.MAX_CANDIDATES``.

    python -m tools.candidate_recall QUESTIONS.jsonl --data DATA_DIR [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

from index.config import IndexConfig

CUTS = (8, 12, 16, 24, 32, 48, 1000)


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text).split()) + " "


def main(argv: list[str] | None = None) -> int:
    from index.answer.search import search
    from index.engine import Engine
    from index.understand.question import parse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("questions", type=Path)
    ap.add_argument("--data", type=Path, required=True, help="data dir (an eval's index)")
    ap.add_argument("--corpus", type=Path, help="ingest this folder first")
    args = ap.parse_args(argv)
    engine = Engine(IndexConfig(data_dir=args.data))
    if args.corpus:
        engine.ingest([str(args.corpus)])
    hits = dict.fromkeys(CUTS, 0)
    n = 0
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if not q.get("answerable", True) or not q.get("answer"):
            continue
        golds = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
        golds = [norm(str(g)) for g in golds if str(g).strip()]
        parsed = parse(q["question"])
        sents = search(engine.store, engine.embedder, parsed, engine.cfg.top_k).sentences
        first = next((i for i, s in enumerate(sents) if any(g in norm(s.text) for g in golds)),
                     None)
        n += 1
        for cut in CUTS:
            hits[cut] += first is not None and first < cut
    print(f"{n} answerable questions: gold in the top N candidates")
    for cut in CUTS:
        print(f"  N={cut if cut < 1000 else 'all':>4}: {hits[cut] / max(n, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
