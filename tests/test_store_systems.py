"""Open indexes hold files: closing an engine, and reopening after another writer, let them go.

A long-running bot beside ``newsqa watch`` reopens the index after every refresh; each reopen
used to keep the old Chroma system (its SQLite connections and HNSW files) until exit. In the
test suite the same leak passed 1,000 descriptors, where prompt_toolkit's ``select()`` on a
pipe input fails ("filedescriptor out of range") and the REPL test hung.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.store import systems

REPO = Path(__file__).resolve().parents[1]
Q = "How many Ukrainians returned home on Friday?"


def open_fds(root: Path) -> int:
    """Descriptors of files under ``root`` (the index's SQLite and HNSW files). Counting every
    descriptor of the process made the check race with whatever else it had running (an
    earlier test's server thread closing a socket late failed it under load: 65 > 62 + 2)."""
    out = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            out += Path(fd.readlink()).is_relative_to(root)
        except OSError:  # closed while listed
            continue
    return out


def seeded(tmp_path: Path, embedder: OnnxEmbedder) -> IndexConfig:
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    cfg = IndexConfig(data_dir=tmp_path / "data")
    with Engine(cfg, embedder=embedder) as engine:
        assert len(engine.ingest([str(tmp_path / "seeds")]).added) == 2
    return cfg


def test_closing_engines_gives_back_their_descriptors(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    cfg = seeded(tmp_path, embedder)
    before = open_fds(tmp_path)
    for _ in range(6):
        with Engine(cfg, embedder=embedder) as engine:
            assert "390" in engine.answer(Q).answer
            assert open_fds(tmp_path) > before  # what is counted is what an index holds
    assert open_fds(tmp_path) <= before  # six open indexes would hold ~60


def test_a_reopen_after_another_writer_stops_the_old_system(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    cfg = seeded(tmp_path, embedder)
    extra = tmp_path / "extra.txt"
    extra.write_text("Flood in Lisbon\n\nThe river rose by 3 metres in Lisbon on Monday, "
                     "officials said.\n", encoding="utf-8")
    before = open_fds(tmp_path)
    reader = Engine(cfg, embedder=embedder)
    assert "390" in reader.answer(Q).answer
    old = reader.store._client
    with Engine(cfg, embedder=embedder) as writer:  # the other writer, in this process
        assert len(writer.ingest([str(extra)]).added) == 1
    answer = reader.answer("How far did the river rise in Lisbon?")
    assert "3 metres" in answer.answer  # the reader reopened and sees the new article
    assert reader.store._client is not old
    systems.stop_retired()  # what RETIRE_AFTER_S does once reads on the old one are done
    reader.close()
    assert open_fds(tmp_path) <= before


def test_a_retired_system_keeps_serving_until_it_is_stopped(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """A reader still holding the old collection (another thread mid-query) is not cut off
    by the reopen: the retired system is stopped only later."""
    cfg = seeded(tmp_path, embedder)
    with Engine(cfg, embedder=embedder) as engine:
        store = engine.store
        old_collection = store._collection
        engine.reset_store()  # a reconnect: the old store is retired, not stopped
        assert old_collection.count() > 0
        assert "390" in engine.answer(Q).answer  # a new store on a fresh system
    systems.stop_retired()
