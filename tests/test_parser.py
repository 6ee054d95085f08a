"""The spaCy pipeline is only for reading follow-up questions: pinned files checked before it
loads, and ingest never loads it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.engine import Engine
from index.understand.parser import MODEL_SHA256, ModelError, load_parser, model_path, verify_model


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


def test_ingest_and_a_first_question_never_load_spacy(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """Ingest stores no entities (they changed no answer, and cost most of its time); a
    question that is no follow-up is answered without the parser."""
    doc = tmp_path / "plant.txt"
    doc.write_text(
        "Explosion at chemical plant\nSource: Example News | Published: 2024-03-05 | URL: \n\n"
        "An explosion at the Acme Corp. plant in Springfield killed 3 workers and injured "
        "17 workers yesterday, the company said.\n\nThe plant will stay closed until Friday.\n",
        encoding="utf-8",
    )
    load_parser.cache_clear()
    engine = make_engine()
    engine.ingest([str(doc)])
    chunks = list(engine.store.iter_all())
    assert chunks and all("ann" not in c.meta for c in chunks)
    answer = engine.answer("How many workers were injured in the Springfield explosion?")
    assert "17 workers" in answer.answer
    assert load_parser.cache_info().currsize == 0
