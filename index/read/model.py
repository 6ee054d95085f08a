"""Where the reader's committed model lives and the sha256 it must have.

The model is ours (trained by ``tools/train_reader.py``, card in ``model/MODEL_CARD.md``); its
tokenizer is the embedder's MiniLM tokenizer (same vocabulary), already checked by
``index.embed.model``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from index.embed.model import default_model_dir, verify_model_dir

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "reader.onnx"
# Pinned: a changed or corrupt file must not silently change every answer.
EXPECTED_SHA256 = "d6573bfa06bedd98ad89473cc4c6e6b6a316c918e7412dfda128c3234ab1832c"
MAX_LENGTH = 128  # question + (title |) sentence pieces, as in training
CONTEXT_CHARS = 80  # of the title a reader trained with ``--title`` sees before the sentence
PREVIOUS_CHARS = 150  # of the sentence before, for a reader trained with ``--prev``


@dataclass(frozen=True)
class ReaderConfig:
    """What a reader was trained to see (its ``reader.json``, written by ``--export``):
    ``context`` is "none", "title" or "title+previous"; pairs are cut at ``max_length``."""

    context: str = "none"
    max_length: int = MAX_LENGTH

    @property
    def title(self) -> bool:
        return self.context in ("title", "title+previous")

    @property
    def previous(self) -> bool:
        return self.context == "title+previous"


def context_of(title: str, previous: str | None = None) -> str:
    """What a reader trained with context reads before the sentence: the title (cut at
    ``CONTEXT_CHARS``), then, for a reader trained with ``--prev``, the sentence before it in
    its article (its first ``PREVIOUS_CHARS``, cut at a word; "" for an article's first, an
    empty slot the reader learnt): a pronoun's antecedent is usually there."""
    title = title[:CONTEXT_CHARS]
    if previous is None:
        return title
    previous = " ".join(previous.split())
    if len(previous) > PREVIOUS_CHARS:
        previous = previous[:PREVIOUS_CHARS].rsplit(" ", 1)[0]
    return f"{title} | {previous}"


def with_context(context: str, sentence: str) -> str:
    """The reader's second segment: ``context | sentence`` (the sentence alone without one)."""
    return f"{context} | {sentence}" if context else sentence


def reader_config(model_dir: Path) -> ReaderConfig:
    """The model folder's ``reader.json`` (a reader without one sees sentences alone)."""
    config = model_dir / "reader.json"
    if not config.is_file():
        return ReaderConfig()
    raw = json.loads(config.read_text())
    return ReaderConfig(str(raw.get("context", "none")), int(raw.get("max_length", MAX_LENGTH)))


class ReaderError(RuntimeError):
    """The reader model is missing or does not match its pinned digest."""


def load_tokenizer(max_length: int = MAX_LENGTH) -> Tokenizer:
    """The MiniLM tokenizer (digest-checked) as the reader uses it, in training and at run
    time alike: pairs unpadded, truncated longest-first to ``max_length`` pieces."""
    tok_dir = default_model_dir()
    verify_model_dir(tok_dir, names=("tokenizer.json",))
    tok = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length, strategy="longest_first")
    return tok
