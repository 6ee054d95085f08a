"""The reader: one ONNX run scores every candidate sentence for a question.

A cross-encoder over ``[CLS] question [SEP] title | previous | sentence [SEP]`` (MiniLM-L6,
trained by ``tools/train_reader.py``; title and previous sentence only for a model whose
``reader.json`` says so) gives per
token three logits: *answers* (read at [CLS]: does this sentence answer the question?) and the
*start* / *end* of the answer span inside the sentence (never its context).
Candidates are batched in one run, sorted by length so padding stays small. No torch here.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from index.embed.model import sha256_of
from index.read.model import (
    EXPECTED_SHA256,
    MODEL_DIR,
    MODEL_FILE,
    ReaderError,
    context_of,
    load_tokenizer,
    reader_config,
    with_context,
)

MAX_SPAN_TOKENS = 16
_BATCH = 32


@dataclass(frozen=True)
class Reading:
    """What the reader says of one sentence: P(it answers), and the answer span inside it
    (character offsets into the sentence; ``None`` if the sentence has no tokens left after
    truncation) with the span's own probability."""

    score: float
    span: tuple[int, int] | None
    span_score: float


class Reader:
    """Load once (≈0.2 s), then :meth:`read` per question."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
        verify: bool = True,
    ) -> None:
        path = (model_dir or MODEL_DIR) / MODEL_FILE
        self.config = reader_config(model_dir or MODEL_DIR)
        if not path.is_file():
            raise ReaderError(
                f"The reader model {path} is missing; it is part of the repository "
                "(retrain with `make reader`)."
            )
        if verify and EXPECTED_SHA256:
            actual = sha256_of(path)
            if actual != EXPECTED_SHA256:
                raise ReaderError(
                    f"sha256 mismatch for {path}: expected {EXPECTED_SHA256}, got {actual}. "
                    "The file is corrupt or not the committed model; restore it with git."
                )
        self._tok = load_tokenizer(self.config.max_length)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def read(
        self,
        question: str,
        sentences: Sequence[str],
        titles: Sequence[str] | None = None,
        previous: Sequence[str] | None = None,
    ) -> list[Reading]:
        """One :class:`Reading` per sentence, in the given order. ``titles`` (each sentence's
        article title) and ``previous`` (the sentence before it in its article, "" for the
        first) are read before the sentences by a reader trained with them."""
        if not sentences:
            return []
        n = len(sentences)
        heads = list(titles) if self.config.title and titles else [""] * n
        befores: list[str | None] = (
            [None] * n if not self.config.previous else list(previous) if previous else [""] * n
        )
        contexts = [context_of(t, b) for t, b in zip(heads, befores, strict=True)]
        seconds = [with_context(c, s) for c, s in zip(contexts, sentences, strict=True)]
        shifts = [len(with_context(c, "")) for c in contexts]
        encs = self._tok.encode_batch([(question, s) for s in seconds])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out: list[Reading | None] = [None] * len(encs)
        for b in range(0, len(order), _BATCH):
            rows = order[b : b + _BATCH]
            n = max(len(encs[i].ids) for i in rows)
            ids = np.zeros((len(rows), n), np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for r, i in enumerate(rows):
                e = encs[i]
                k = len(e.ids)
                ids[r, :k], mask[r, :k], types[r, :k] = e.ids, e.attention_mask, e.type_ids
            (logits,) = self._session.run(
                ["reader_logits"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            for r, i in enumerate(rows):
                out[i] = _decode(logits[r], encs[i].sequence_ids, encs[i].offsets, shifts[i])
        return [r for r in out if r is not None]


_SHARED: Reader | None = None
_SHARED_LOCK = threading.Lock()


def shared_reader() -> Reader:
    """The process's one reader: every engine shares it (an ONNX session is safe to run from
    several threads, and a second copy would cost ~100 MB and another load)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Reader()
        return _SHARED


def _decode(
    logits: np.ndarray, seq_ids: list[int | None], offsets: list[tuple[int, int]], shift: int = 0
) -> Reading:
    score = 1.0 / (1.0 + math.exp(-float(logits[0, 0])))
    idx = [j for j, s in enumerate(seq_ids) if s == 1 and offsets[j][0] >= shift]
    if not idx:
        return Reading(score, None, 0.0)
    start = logits[idx, 1].astype(np.float64)
    end = logits[idx, 2].astype(np.float64)
    p_start = np.exp(start - start.max())
    p_start /= p_start.sum()
    p_end = np.exp(end - end.max())
    p_end /= p_end.sum()
    # Best start ≤ end within MAX_SPAN_TOKENS: outer product masked to the band.
    outer = np.outer(p_start, p_end)
    joint = np.triu(outer) - np.triu(outer, MAX_SPAN_TOKENS)
    a, b = np.unravel_index(int(np.argmax(joint)), joint.shape)
    span = (offsets[idx[a]][0] - shift, offsets[idx[b]][1] - shift)
    return Reading(score, span, float(joint[a, b]))
