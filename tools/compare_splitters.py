"""Count how many news sentence-boundary cases each splitter gets right (pysbd vs spaCy).

    .venv/bin/python tools/compare_splitters.py

The cases are ``tests/sentence_cases.py`` (abbreviations, initials, times, quotes, decimals).
The result chose pysbd for ``index/ingest/segment.py``; rerun it when either library changes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from sentence_cases import CASES  # noqa: E402


def score(name: str, split: Callable[[str], list[str]]) -> None:
    t0 = time.perf_counter()
    wrong = [
        (text, got) for text, gold in CASES if (got := [s.strip() for s in split(text)]) != gold
    ]
    ms = (time.perf_counter() - t0) * 1000
    print(f"{name:14} {len(CASES) - len(wrong):2d}/{len(CASES)} right  ({ms:.0f} ms)")
    for _, got in wrong:
        print(f"{'':14} wrong: {got}")


def main() -> None:
    import pysbd
    import spacy

    from index.understand.parser import model_path

    seg = pysbd.Segmenter(language="en", clean=False)
    senter = spacy.load(model_path(), exclude=["parser", "lemmatizer", "ner"])
    senter.enable_pipe("senter")
    parser = spacy.load(model_path(), exclude=["lemmatizer", "ner"])
    score("pysbd", lambda t: [str(s) for s in seg.segment(t)])
    score("spacy senter", lambda t: [s.text for s in senter(t).sents])
    score("spacy parser", lambda t: [s.text for s in parser(t).sents])


if __name__ == "__main__":
    main()
