"""Entities annotated once at ingest: spaCy NER per sentence, numbers with their counted
noun, dates resolved against the article's date, stored in the chunk metadata."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine
from index.ingest.annotate import (
    MODEL_SHA256,
    ModelError,
    annotate,
    model_path,
    number_value,
    verify_model,
)
from index.ingest.dates import resolve_date
from index.store import ANN_KEY, SCHEMA_KEY, spans_of_meta
from index.text import display
from index.types import decode_annotations


def test_numbers_keep_their_counted_noun_and_scale() -> None:
    (anns,) = annotate(
        ["The blast killed 3 workers and injured 17 workers at the plant."], published=None
    )
    numeric = {a[3] for a in anns if a[2] == "CARDINAL"}
    assert numeric == {"3|worker", "17|worker"}
    assert number_value("$2.4bn") == 2.4e9
    assert number_value("1,200") == 1200
    assert number_value("three") == 3
    assert number_value("9.3 billion dollars") == 9.3e9
    assert number_value("no number here") is None


def test_relative_dates_are_resolved_against_the_article_date() -> None:
    (anns,) = annotate(
        ["Officials closed the bridge yesterday after the storm."],
        published="2024-03-05",
        resolve_date=resolve_date,
    )
    dates = [(a[2], a[3]) for a in anns if a[2] == "DATE"]
    assert dates == [("DATE", "2024-03-04")]


def test_model_files_are_checked_before_loading(tmp_path: Path) -> None:
    root = model_path()
    verify_model(root)  # the installed model is the pinned one
    fake = tmp_path / "model"
    for rel in MODEL_SHA256:
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_bytes((root / rel).read_bytes())
    (fake / "ner" / "model").write_bytes(b"tampered")
    with pytest.raises(ModelError, match="ner/model"):
        verify_model(fake)


def test_ingest_stores_entities_per_sentence(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    doc = tmp_path / "plant.txt"
    doc.write_text(
        "Explosion at chemical plant\nSource: Example News | Published: 2024-03-05 | URL: \n\n"
        "An explosion at the Acme Corp. plant in Springfield killed 3 workers and injured "
        "17 workers yesterday, the company said.\n\nThe plant will stay closed until Friday.\n",
        encoding="utf-8",
    )
    engine = make_engine()
    engine.ingest([str(doc)])
    chunks = list(engine.store.iter_all())
    assert chunks
    for chunk in chunks:
        assert chunk.meta[SCHEMA_KEY] >= 2
        per_sentence = decode_annotations(chunk.meta[ANN_KEY])
        spans = spans_of_meta(chunk.meta)
        assert len(per_sentence) == len(spans)
        base = int(chunk.meta["start"])
        for (s, e), anns in zip(spans, per_sentence, strict=True):
            sentence = display(chunk.text[s - base : e - base])
            for start, end, _label, _norm in anns:
                assert 0 <= start < end <= len(sentence)
    first = decode_annotations(next(c for c in chunks if "killed" in c.text).meta[ANN_KEY])[0]
    labels = {(a[2], a[3]) for a in first}
    assert ("CARDINAL", "17|worker") in labels
    assert ("DATE", "2024-03-04") in labels
    assert any(label == "GPE" for label, _ in labels)
