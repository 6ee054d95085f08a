"""Write a slice of ``../shared/train`` as a ``newsqa eval`` set: one corpus file per article
(title, an empty "Source | Published" line, the paragraphs) and a questions file whose rows
carry the gold answers and the gold sentence's file, so the whole answer path (ingest,
retrieval, reader, refusal) is measured on articles it never trained on.

    python -m tools.squad_slice heldout /tmp/squad-heldout --questions 400
    newsqa eval /tmp/squad-heldout/questions.jsonl --corpus /tmp/squad-heldout/corpus --out R.jsonl

Splits (``tools/reader_data.py``): ``heldout`` is never trained or tuned on; ``tune`` is where
thresholds are fitted. Questions are sampled with a fixed seed, answerable and unanswerable
in the slice's own proportion. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from tools.reader_data import DEFAULT_DATA, SPLITS


def write_slice(data: Path, split: str, out: Path, questions: int, seed: int = 7) -> int:
    from tools.reader_data import split_of

    paragraphs: dict[str, list[dict]] = {}
    with data.open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            if split_of(p["title"]) == split:
                paragraphs.setdefault(p["title"], []).append(p)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (title, paras) in enumerate(sorted(paragraphs.items())):
        name = f"{n:03d}_{re.sub(r'[^A-Za-z0-9]+', '-', title).strip('-').lower()[:40]}.txt"
        shown = title.replace("_", " ")
        body = "\n\n".join(p["context"].strip() for p in paras)
        (corpus / name).write_text(f"{shown}\nSource:  | Published:  | URL: \n\n{body}\n")
        for p in paras:
            for qa in p["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in qa["answers"]))
                rows.append({
                    "id": qa["id"],
                    "question": qa["question"].strip(),
                    "answer": answers if not qa["is_impossible"] else "",
                    "answerable": not qa["is_impossible"],
                    "type": "squad" if not qa["is_impossible"] else "unanswerable",
                    "evidence": [{"file": name, "title": shown, "fact": ""}],
                })
    random.Random(seed).shuffle(rows)
    rows = rows[:questions]
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"{len(paragraphs)} articles, {len(rows)} questions "
          f"({sum(not r['answerable'] for r in rows)} unanswerable) in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("split", choices=SPLITS)
    ap.add_argument("out", type=Path)
    ap.add_argument("--questions", type=int, default=400)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    return write_slice(args.data, args.split, args.out, args.questions)


if __name__ == "__main__":
    sys.exit(main())
