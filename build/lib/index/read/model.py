"""Where the reader's committed model lives and the sha256 it must have.

The model is ours (trained by ``tools/train_reader.py``, card in ``model/MODEL_CARD.md``); its
tokenizer is the embedder's MiniLM tokenizer (same vocabulary), already checked by
``index.embed.model``."""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer

from index.embed.model import default_model_dir, verify_model_dir

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "reader.onnx"
# Pinned: a changed or corrupt file must not silently change every answer.
EXPECTED_SHA256 = "d6573bfa06bedd98ad89473cc4c6e6b6a316c918e7412dfda128c3234ab1832c"
MAX_LENGTH = 128  # question + sentence pieces, as in training
CONTEXT_CHARS = 80  # of the title a reader trained with ``--title`` sees before the sentence


def with_context(context: str, sentence: str) -> str:
    """The reader's second segment: ``title | sentence`` (the sentence alone without one)."""
    return f"{context[:CONTEXT_CHARS]} | {sentence}" if context else sentence


def uses_title(model_dir: Path) -> bool:
    """Was this reader trained to see the article's title (``reader.json``: ``{"context":
    "title"}``, written by ``--export`` of a ``--title`` run)?"""
    config = model_dir / "reader.json"
    return config.is_file() and json.loads(config.read_text()).get("context") == "title"


class ReaderError(RuntimeError):
    """The reader model is missing or does not match its pinned digest."""


def load_tokenizer() -> Tokenizer:
    """The MiniLM tokenizer (digest-checked) as the reader uses it, in training and at run
    time alike: pairs unpadded, truncated longest-first to ``MAX_LENGTH`` pieces."""
    tok_dir = default_model_dir()
    verify_model_dir(tok_dir, names=("tokenizer.json",))
    tok = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LENGTH, strategy="longest_first")
    return tok
