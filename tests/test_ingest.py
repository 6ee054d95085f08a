"""Tests for index.ingest: the real embedder and a real Chroma in tmp_path.

Incremental by content hash (re-ingesting computes no embeddings), changed files replaced,
pruning, bad inputs skipped with a reason, and the stored chunks exact slices of the text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fakes import write_bad_files  # tests/ is on sys.path

from index.engine import Engine
from index.ingest.read import load_input
from index.store import SVEC_KEY, decode_sentence_vectors, spans_of_meta
from index.text import match_key
from index.types import Article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

FLAT_KEYS = {"title", "source", "published", "url", "path", "article_id", "start", "end"}


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def _seed_file(folder: Path, prefix: str) -> Path:
    return next(folder.glob(f"{prefix}_*.txt"))


def _stored_ids(engine: Engine) -> set[str]:
    return {c.chunk_id for c in engine.store.iter_all(include_documents=False)}


def _chunk_vectors(engine: Engine, ids: list[str]) -> dict[str, np.ndarray]:
    res = engine.store._collection.get(ids=ids, include=["embeddings"])
    return {cid: np.asarray(e) for cid, e in zip(res["ids"], res["embeddings"], strict=True)}


def _assert_sentence_vectors(engine: Engine) -> None:
    """Every stored chunk has its sentence vectors (in the sidecar, not in Chroma's metadata):
    one 384-d row per sentence span, close to what the embedder gives for that sentence
    (float16 storage); chunks read back by id carry them."""
    assert engine.embedder is not None
    ids = [c.chunk_id for c in engine.store.iter_all(include_documents=False)]
    assert ids
    raw = engine.store._collection.get(ids=ids, include=["metadatas"])["metadatas"]
    assert not any(SVEC_KEY in m for m in raw)
    chunks = engine.store.get(ids)
    assert len(chunks) == len(ids)
    for chunk in chunks:
        mat = decode_sentence_vectors(chunk.meta)
        spans = spans_of_meta(chunk.meta)
        assert mat is not None and mat.shape == (len(spans), 384), chunk.chunk_id
        base = int(chunk.meta["start"])
        want = engine.embedder.embed([chunk.text[s - base : e - base] for s, e in spans])
        cos = (mat * want).sum(axis=1) / np.linalg.norm(mat, axis=1) / np.linalg.norm(want, axis=1)
        assert cos.min() > 0.999, chunk.chunk_id
    assert not any(c.name.endswith("_sentences") for c in engine.store._client.list_collections())


def test_reingesting_unchanged_seeds_embeds_nothing(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    first = engine.ingest([str(seeds)])
    assert (len(first.added), first.skipped) == (2, [])
    assert first.chunks_embedded > 0
    before = engine.sources()

    again = engine.ingest([str(seeds)])
    assert len(again.unchanged) == 2
    assert (again.added, again.updated, again.removed) == ([], [], [])
    assert again.chunks_embedded == 0
    assert engine.sources() == before
    assert len(before) == 2

    reopened = make_engine()  # a new process over the same data dir
    assert reopened.ingest([str(seeds)]).chunks_embedded == 0
    assert reopened.sources() == before


def test_seed_003_repeated_paragraphs_are_stored_once(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    texts = [c.text for c in engine.store.iter_all()]
    keys = [match_key(t) for t in texts]
    assert len(keys) == len(set(keys))
    raw = _seed_file(seeds, "003").read_text(encoding="utf-8")
    repeated = "Ukrainian President Volodymyr Zelensky shared the news on social media"
    assert raw.count(repeated) == 2
    assert sum(repeated in t for t in texts) == 1


def test_stored_chunks_are_exact_slices_with_flat_metadata(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    articles: dict[str, Article] = {}
    chunks = list(engine.store.iter_all())
    for chunk in chunks:
        meta = chunk.meta
        assert meta.keys() >= FLAT_KEYS
        assert all(isinstance(v, str | int | float | bool) for v in meta.values())
        path = str(meta["path"])
        art = articles.get(path) or load_input(path)
        assert isinstance(art, Article)
        articles[path] = art
        assert meta["article_id"] == art.article_id and meta["title"] == art.title
        assert chunk.text == art.text[int(meta["start"]) : int(meta["end"])]
        spans = [tuple(map(int, p.split(":"))) for p in str(meta["sentences"]).split(";")]
        assert spans[0][0] == meta["start"] and spans[-1][1] == meta["end"]
    # every chunk has all its sentence vectors, and the chunk vector is their mean
    vecs = engine.store.sentence_vectors([c.chunk_id for c in chunks])
    got = engine.store._collection.get(ids=[chunks[0].chunk_id], include=["embeddings"])
    for chunk in chunks:
        assert len(vecs[chunk.chunk_id]) == str(chunk.meta["sentences"]).count(";") + 1
    mean = vecs[chunks[0].chunk_id].mean(axis=0)  # of float16-rounded rows: close, not equal
    np.testing.assert_allclose(got["embeddings"][0], mean / np.linalg.norm(mean), atol=2e-3)
    _assert_sentence_vectors(engine)


def test_an_index_of_the_old_layout_upgrades_itself_on_the_next_ingest(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    store = engine.store
    res = store._collection.get(include=["metadatas", "embeddings"])
    texts = [c.text for c in store.get(res["ids"])]
    bare = [{k: v for k, v in m.items() if k != SVEC_KEY} for m in res["metadatas"]]
    store._collection.delete(ids=res["ids"])  # rewrite the rows as the old layout had them
    assert store._side is not None
    store._side.delete(res["ids"])
    store.upsert(res["ids"], np.asarray(res["embeddings"]), texts, bare)
    store._client.get_or_create_collection(
        engine.cfg.collection + "_sentences", embedding_function=None
    )
    assert store.sentence_vectors(res["ids"]) == {}  # answers fall back to chunk vectors

    reopened = make_engine()  # drops the old sentence collection
    report = reopened.ingest([str(seeds)])
    assert len(report.updated) == 2 and report.unchanged == []
    assert report.chunks_embedded == len(res["ids"])
    assert _stored_ids(reopened) == set(res["ids"])
    _assert_sentence_vectors(reopened)
    assert reopened.ingest([str(seeds)]).chunks_embedded == 0


def test_a_changed_file_is_updated_and_only_its_new_text_is_embedded(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    path = _seed_file(seeds, "000")
    before = {c.text: c.chunk_id for c in engine.store.iter_all()}
    old_vectors = _chunk_vectors(engine, list(before.values()))
    lines = path.read_text(encoding="utf-8").split("\n")
    dropped = lines[2]  # a body paragraph that goes away
    assert len(dropped) > 80
    lines[2] = "The mayor of Odesa unveiled a bronze pelican statue on the harbour wall."
    path.write_text("\n".join(lines), encoding="utf-8")

    report = engine.ingest([str(seeds)])
    assert report.updated == [str(path.resolve())]
    assert len(report.unchanged) == 1
    after = {c.text: c.chunk_id for c in engine.store.iter_all()}
    assert report.chunks_embedded == len(after.keys() - before.keys()) == 1
    assert not any(dropped[:60] in t for t in after)  # the old text is gone
    assert set(before.values()) - set(after.values())  # so are the old chunks (new ids)
    _assert_sentence_vectors(engine)
    kept = [t for t in after if t in before]  # same text: vectors carried over, not re-embedded
    new_vectors = _chunk_vectors(engine, [after[t] for t in kept])
    for t in kept:
        np.testing.assert_allclose(new_vectors[after[t]], old_vectors[before[t]], atol=1e-6)

    (pelican,) = [c for c in engine.store.iter_all() if "pelican" in c.text]
    hits = [cid for cid, _ in engine.store.bm25().search("bronze pelican statue", 3)]
    assert hits[0] == pelican.chunk_id
    qvec = engine.embedder.embed(["Who unveiled a pelican statue in Odesa?"])[0]
    assert engine.store.vector_search(qvec, 3)[0][0].chunk_id == pelican.chunk_id
    assert pelican.text == path.read_text(encoding="utf-8")[
        int(pelican.meta["start"]) : int(pelican.meta["end"])
    ]


def test_a_title_only_change_updates_metadata_without_embedding(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    path = _seed_file(seeds, "000")
    text = path.read_text(encoding="utf-8")
    title, rest = text.split("\n", 1)
    path.write_text("Prisoner swap: the first day\n" + rest, encoding="utf-8")
    report = engine.ingest([str(path)])
    assert report.updated == [str(path.resolve())]
    assert report.chunks_embedded == 0
    titles = {a.title for a in engine.sources()}
    assert "Prisoner swap: the first day" in titles and title not in titles
    for chunk in engine.store.iter_all():  # offsets moved with the shorter title line
        if chunk.meta["path"] == str(path.resolve()):
            art = load_input(str(path))
            assert isinstance(art, Article)
            assert chunk.text == art.text[int(chunk.meta["start"]) : int(chunk.meta["end"])]


def test_prune_removes_articles_whose_files_are_gone(
    make_engine: Callable[..., Engine], seeds: Path
) -> None:
    engine = make_engine()
    engine.ingest([str(seeds)])
    victim = _seed_file(seeds, "003")
    victim.unlink()
    kept = engine.ingest([str(seeds)])
    assert kept.removed == [] and len(engine.sources()) == 2  # no --prune: kept
    report = engine.ingest([str(seeds)], prune=True)
    assert report.removed == [str(victim.resolve())]
    assert [a.path for a in engine.sources()] == [str(_seed_file(seeds, "000").resolve())]
    _assert_sentence_vectors(engine)


def test_bad_inputs_are_skipped_with_one_line_reasons(
    make_engine: Callable[..., Engine], seeds: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    big = write_bad_files(bad, big_bytes=6000)["big.txt"]
    inputs = [str(bad), str(tmp_path / "missing.txt"), "http://127.0.0.1:9/news", str(seeds)]
    report = make_engine(allow_private_urls=True).ingest(inputs, max_bytes=5000)
    assert len(report.added) == 2
    reasons = dict(report.skipped)
    assert len(reasons) == 6, reasons
    assert all(r and "\n" not in r and "Traceback" not in r for r in reasons.values())
    assert "binary" in reasons[str((bad / "noise.txt").resolve())]
    assert "empty" in reasons[str((bad / "empty.txt").resolve())]
    assert "UTF-8" in reasons[str((bad / "latin1.txt").resolve())]
    assert "too large" in reasons[str(big.resolve())]
    assert "no such file" in reasons[str(tmp_path / "missing.txt")]
    assert "could not fetch" in reasons["http://127.0.0.1:9/news"]
