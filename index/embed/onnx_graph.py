"""The all-MiniLM-L6-v2 BERT encoder written as an ONNX graph from its safetensors weights,
with the ``onnx`` helpers alone (no torch). Run once per data dir; ``index.embed.embedder`` then
only loads the cached file, so this module and ``onnx`` stay off the query path.

Position ids are a Slice of the constant position table: onnxruntime's optimiser broke the
Gather-on-Range form.
"""

from __future__ import annotations

import errno
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

from index.embed.model import (
    GRAPH_VERSION,
    HEAD_DIM,
    HEADS,
    HIDDEN,
    LAYERS,
    LN_EPS,
    MODEL_NAME,
    OPSET,
    FloatArray,
)


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


def build_graph(weights: dict[str, FloatArray], *, reader: bool = False) -> onnx.ModelProto:
    """BERT encoder + mean pooling + L2 normalisation, in standard opset-17 ONNX ops only.

    ``reader=True`` builds the reader instead (``index.read``): the same encoder, then its
    token head ``reader_head`` giving ``reader_logits`` [batch, seq, 3] (answers, start, end)."""
    g = _GraphBuilder(weights)
    f32 = np.float32

    one = g.const("c_one", np.array(1.0, dtype=f32))
    half = g.const("c_half", np.array(0.5, dtype=f32))
    inv_sqrt2 = g.const("c_inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=f32))
    neg_big = g.const("c_mask_neg", np.array(-10000.0, dtype=f32))
    zero_i = g.const("c_zero", np.array([0], dtype=np.int64))
    one_i = g.const("c_one_i64", np.array([1], dtype=np.int64))
    two_i = g.const("c_two_i64", np.array([2], dtype=np.int64))
    axes_12 = g.const("c_axes_1_2", np.array([1, 2], dtype=np.int64))
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

    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    if reader:
        w = g.const("reader_head.weight_t", weights["reader_head.weight"].T)
        b = g.const("reader_head.bias", weights["reader_head.bias"])
        g.op("Add", [g.op("MatMul", [x, w]), b], out="reader_logits")
        outputs = [
            helper.make_tensor_value_info("reader_logits", TensorProto.FLOAT, ["batch", "seq", 3])
        ]
        name, source = "newsqa_reader", "newsqa reader (MiniLM-L6 cross-encoder)"
    else:
        hidden = g.op("Identity", [x], out="last_hidden_state")
        tiny_count = g.const("c_min_count", np.array(1e-9, dtype=f32))
        tiny_norm = g.const("c_min_norm", np.array(1e-12, dtype=f32))
        axes_m1 = g.const("c_axes_m1", np.array([-1], dtype=np.int64))
        # Mean pooling over real tokens, then L2 normalisation (sentence-transformers 1, 2).
        mask_3d = g.op("Unsqueeze", [mask_f, axes_m1])  # [batch, seq, 1]
        summed = g.op("ReduceSum", [g.op("Mul", [hidden, mask_3d]), one_i], keepdims=0)
        count = g.op("Max", [g.op("ReduceSum", [mask_3d, one_i], keepdims=0), tiny_count])
        mean = g.op("Div", [summed, count])
        norm = g.op("Max", [g.op("ReduceL2", [mean], axes=[-1], keepdims=1), tiny_norm])
        g.op("Div", [mean, norm], out="sentence_embedding")
        outputs = [
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN]
            ),
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN]
            ),
        ]
        name, source = "all_minilm_l6_v2", MODEL_NAME
    graph = helper.make_graph(g.nodes, name, inputs, outputs, g.initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="newsqa"
    )
    model.ir_version = 8  # opset 17 needs IR >= 8; keep it low so older runtimes read it too
    helper.set_model_props(model, {"graph_version": GRAPH_VERSION, "source": source})
    onnx.checker.check_model(model)
    return model


def ensure_room(directory: Path, size: int) -> None:
    """Raise ENOSPC when writing ``size`` bytes in ``directory`` would leave less than what an
    ingest or a first start wants free there (``index.datadir.MIN_FREE_BYTES``)."""
    from index.datadir import MIN_FREE_BYTES, free_bytes

    free = free_bytes(directory)
    if free is not None and free < size + MIN_FREE_BYTES:
        raise OSError(errno.ENOSPC, f"{free // 2**20} MB free, {size // 2**20 + 1} MB needed "
                      "plus room for the index", str(directory))


def write_atomically(model: onnx.ModelProto, target: Path) -> None:
    """Write to a temp file in the same directory, then rename: readers never see half a file.
    Refused (ENOSPC) unless the file fits with ``MIN_FREE_BYTES`` to spare: a cache written
    until the disk is full would leave the index, opening meanwhile, no byte to write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    ensure_room(target.parent, model.ByteSize())
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
