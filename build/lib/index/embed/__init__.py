"""Sentence embeddings, torch-free: ``model`` (what runs: name, pinned digests, architecture),
``onnx_graph`` (the BERT encoder written as ONNX once per data dir), ``embedder`` (tokenizers +
onnxruntime), ``llamaindex`` (a LlamaIndex ``BaseEmbedding`` over it; imports LlamaIndex, so
it is not imported here)."""

from index.embed.embedder import OnnxEmbedder
from index.embed.model import AVAILABLE_MODELS, MODEL_NAME, EmbedderError, default_model_dir

__all__ = ["AVAILABLE_MODELS", "MODEL_NAME", "EmbedderError", "OnnxEmbedder", "default_model_dir"]
