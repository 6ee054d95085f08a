"""Write the trained reader's weights as the ONNX graph ``index.read`` runs, with the same graph
builder as the embedder (no torch needed).

Formats: ``fp16`` (default) stores each large weight as float16 followed by a Cast to float32,
so the file is half the size (≈45 MB, under the 50 MB budget for committed models) while ONNX
Runtime folds the casts at load and computes in float32; ``int8`` is ONNX Runtime's dynamic
quantisation (≈23 MB, faster, less exact); ``fp32`` is the plain graph (≈90 MB)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

from index.embed.onnx_graph import build_graph, write_atomically
from index.read.model import MODEL_FILE

FORMATS = ("fp16", "int8", "fp32")


def half_weights(model: onnx.ModelProto, min_size: int = 1024) -> onnx.ModelProto:
    """Store float32 initializers of at least ``min_size`` values as float16 + Cast."""
    graph = model.graph
    casts = []
    keep = []
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float32 and arr.size >= min_size:
            half = numpy_helper.from_array(arr.astype(np.float16), init.name + "__fp16")
            keep.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name],
                                          name=init.name + "__cast", to=TensorProto.FLOAT))
        else:
            keep.append(init)
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    return model


def export(weights_path: Path, out_dir: Path, *, fmt: str = "fp16") -> int:
    weights = {k: v.astype(np.float32) for k, v in load_file(str(weights_path)).items()}
    graph = build_graph(weights, reader=True)
    target = out_dir / MODEL_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "fp32":
        write_atomically(graph, target)
    elif fmt == "fp16":
        write_atomically(half_weights(graph), target)
    else:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as tmp:
            fp32 = Path(tmp) / "fp32.onnx"
            write_atomically(graph, fp32)
            quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {fmt}), sha256 {digest}: "
          "pin it as EXPECTED_SHA256 in index/read/model.py and in the model card")
    return 0


def weights_of(onnx_path: Path) -> dict[str, np.ndarray]:
    """The HF-named weights an exported reader was built from (``export``'s inverse): float16
    stores widened, transposed matrices turned back, the fused QKV split and the query's folded
    1/sqrt(head_dim) taken out. So a committed reader can be trained further without the run
    folder it came from (``train_reader --init index/read/model/reader.onnx``)."""
    from index.embed.model import HEAD_DIM, HIDDEN

    model = onnx.load(str(onnx_path))
    raw = {i.name.removesuffix("__fp16"): numpy_helper.to_array(i).astype(np.float32)
           for i in model.graph.initializer}
    out: dict[str, np.ndarray] = {}
    emb = "embeddings"
    for ours, theirs in (("word", "word_embeddings"), ("type", "token_type_embeddings"),
                         ("position", "position_embeddings")):
        out[f"{emb}.{theirs}.weight"] = raw[f"{emb}.{ours}"]
    for name, arr in raw.items():
        if name.startswith("c_") or ".qkv." in name or (
                name.startswith(f"{emb}.") and "LayerNorm" not in name):
            continue  # constants, the fused QKV (split below), the renamed tables (above)
        if name.endswith(".weight_t"):
            out[name.removesuffix("_t")] = np.ascontiguousarray(arr.T)
        else:
            out[name] = arr
    scale = 1.0 / np.sqrt(HEAD_DIM)  # as ``index.embed.onnx_graph`` folds it in
    layers = sorted({n.split(".")[2] for n in raw if n.startswith("encoder.layer.")}, key=int)
    for i in layers:
        sa = f"encoder.layer.{i}.attention.self"
        w, b = raw[f"{sa}.qkv.weight_t"].T, raw[f"{sa}.qkv.bias"]
        for j, part in enumerate(("query", "key", "value")):
            s = 1.0 / scale if part == "query" else 1.0
            out[f"{sa}.{part}.weight"] = np.ascontiguousarray(w[j * HIDDEN:(j + 1) * HIDDEN] * s)
            out[f"{sa}.{part}.bias"] = b[j * HIDDEN:(j + 1) * HIDDEN] * s
    return {k: v.astype(np.float32) for k, v in out.items()}
