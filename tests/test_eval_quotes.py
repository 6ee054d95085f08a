"""Every quote of a run over both dev sets is a whole body sentence (or a table row with its
header): it starts after a sentence end or at a block start, ends with sentence punctuation or
at its block's end, and is not a heading, caption, byline or link line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine
from index.text import display
from index.types import Citation

EVAL_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval-dev"
SETS = [
    ("news", EVAL_DEV / "news" / "questions.jsonl", EVAL_DEV / "news" / "corpus"),
    ("multihop", EVAL_DEV / "questions.jsonl", EVAL_DEV / "corpus"),
]
_END = re.compile(r"""[.!?…]["'”’)\]]*$""")
_OPEN = re.compile(r"""[.!?…:;]["'”’)\]]*$""")
_NOT_BODY = re.compile(r"^(?:image|photo|picture|caption|related|read more|copyright|©)",
                       re.IGNORECASE)
_BYLINE = re.compile(r"^by [A-Z]\w+(?: [A-Z][\w.'-]*){0,3}$")
# A wire dateline before the first sentence: "PEARCE AIR FORCE BASE, Australia — ".
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]+(?:, [A-Z][\w. ]*)?(?: \([\w .]+\))? ?(?:—|–|--|-)? ?$|"
                       r"^[A-Z][\w ]* \((?:CNN|AP|AFP|Reuters)\) ?(?:—|–|-)? ?$")


def _problems(c: Citation, text: str, title: str) -> list[str]:
    out: list[str] = []
    start, end = c.start, c.end
    before = text[:start]
    gap = before[len(before.rstrip()):]
    line_start = before.split("\n")[-1]
    if (before.strip() and "\n" not in gap and not _OPEN.search(before.rstrip())
            and not _DATELINE.match(line_start)):
        out.append(f"starts inside a sentence: …{before[-30:]!r}|{text[start:start + 30]!r}")
    after = text[end:]
    at_block_end = after.split("\n", 1)[0].strip() == ""
    raw = text[start:end].rstrip()
    if not (_END.search(raw) or at_block_end or c.header_end > c.header_start):
        out.append(f"ends inside a sentence: {raw[-30:]!r}|{after[:30]!r}")
    line = display(text[start:end])
    whole_line = at_block_end and (not before.strip() or "\n" in gap)
    heading_shaped = (len(line.split()) <= 12 and not _END.search(line) and whole_line
                      and c.header_end <= c.header_start)
    if line == title or _NOT_BODY.match(line) or _BYLINE.match(line) or heading_shaped:
        out.append(f"not body text: {line!r}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("name", "questions", "corpus"), SETS, ids=[s[0] for s in SETS])
def test_every_quote_is_a_whole_body_sentence(
    name: str, questions: Path, corpus: Path, make_engine: Callable[..., Engine]
) -> None:
    if not questions.is_file():
        pytest.skip(f"the dev set is not beside the repository ({questions})")
    engine = make_engine(name)
    engine.ingest([str(corpus)])
    problems: list[str] = []
    quotes = 0
    files: dict[str, str] = {}
    for line in questions.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        answer = engine.answer(q["question"])
        for c in answer.citations:
            quotes += 1
            assert c.path is not None
            if c.path not in files:
                files[c.path] = Path(c.path).read_text(encoding="utf-8").replace("\r\n", "\n")
            text = files[c.path]
            problems += [f"{q['id']} {Path(c.path).name}: {p}"
                         for p in _problems(c, text, c.title)]
    assert quotes > 100
    assert not problems, "\n".join(problems[:40])
