"""Where the reader's committed model lives and the sha256 it must have.

The model is ours (trained by ``tools/train_reader.py``, card in ``model/MODEL_CARD.md``); its
tokenizer is the embedder's MiniLM tokenizer (same vocabulary), already checked by
``index.embed.model``."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer

from index.embed.model import default_model_dir, verify_model_dir

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "reader.onnx"
# Pinned: a changed or corrupt file must not silently change every answer.
EXPECTED_SHA256 = "43987309aee6ffaaf835f0df32f7bc5c90982dc11721eb69d803cdabc6dcf9ec"
MAX_LENGTH = 128  # question + sentence pieces, as in training


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
