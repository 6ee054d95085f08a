"""Where the reader's committed model lives and the sha256 it must have.

The model is ours (trained by ``tools/train_reader.py``, card in ``model/MODEL_CARD.md``); its
tokenizer is the embedder's MiniLM tokenizer (same vocabulary), already checked by
``index.embed.model``."""

from __future__ import annotations

from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "reader.onnx"
# Pinned: a changed or corrupt file must not silently change every answer.
EXPECTED_SHA256 = "43987309aee6ffaaf835f0df32f7bc5c90982dc11721eb69d803cdabc6dcf9ec"
MAX_LENGTH = 128  # question + sentence pieces, as in training


class ReaderError(RuntimeError):
    """The reader model is missing or does not match its pinned digest."""
