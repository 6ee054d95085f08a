"""An index built by the previous release (ingest schema 1) upgrades itself on the next run.

``tests/fixtures/index_v1.tar.gz`` is a real data dir written by newsqa at commit e75ab60
(before block kinds, display text and entities) over a copy of the seeds. Its chunks record
absolute paths under ``/tmp/newsqa_index_v1``, so the test unpacks it exactly there.

URL articles (issue 23, item 9) come from a newsqa process run with the previous schema
number, over pages served by a local HTTP server.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_http import LocalHTTP, text
from test_cli import cli_env, run_cli  # tests/ is on sys.path

from index.config import IndexConfig
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.ingest.chunk import SCHEMA_VERSION
from index.store import SCHEMA_KEY

FIXTURE = Path(__file__).parent / "fixtures" / "index_v1.tar.gz"
ROOT = Path("/tmp/newsqa_index_v1")  # where the old index was built: its paths point here
LOCK = Path("/tmp/newsqa_index_v1.lock")


@pytest.fixture
def old_index() -> Iterator[Path]:
    """The old data dir at its fixed path, held under an exclusive lock: two test suites run
    at once (or a test and a stray process) would otherwise unpack and delete it under each
    other (a failed upgrade check seen in a paired run)."""
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            shutil.rmtree(ROOT, ignore_errors=True)
            ROOT.mkdir(parents=True)
            with tarfile.open(FIXTURE) as tar:
                tar.extractall(ROOT, filter="data")
            yield ROOT / "data"
            shutil.rmtree(ROOT, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def test_old_index_is_recognised_and_upgraded(old_index: Path, embedder: OnnxEmbedder) -> None:
    engine = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    old = list(engine.store.iter_all())
    assert old and all(SCHEMA_KEY not in c.meta for c in old)
    outdated = engine.outdated_inputs()
    assert sorted(outdated) == sorted(str(p) for p in (ROOT / "seeds").glob("*.txt"))

    report = engine.ingest(outdated)
    assert sorted(report.updated) == sorted(outdated)
    assert engine.outdated_inputs() == []
    new = list(engine.store.iter_all())
    assert new and all(c.meta[SCHEMA_KEY] == SCHEMA_VERSION for c in new)
    assert {c.chunk_id for c in new}.isdisjoint({c.chunk_id for c in old})  # nothing stale
    answer = engine.answer("How many Ukrainians returned home on Friday?")
    assert any("390 Ukrainians" in c.quote for c in answer.citations)


def test_cli_upgrades_on_first_start(
    old_index: Path, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """A real ``python -m bot ask`` process over the old data dir: one upgrade, then none."""
    env = cli_env(old_index, tmp_path / "no-seeds", embedder)
    question = ["ask", "How many Ukrainians returned home on Friday?"]
    first = run_cli(question, env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "built by an older newsqa: re-reading 2 article(s)" in first.stderr
    assert "added 0, updated 2, unchanged 0, removed 0, skipped 0" in first.stderr
    assert "390" in first.stdout
    again = run_cli(question, env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "older newsqa" not in again.stderr


def test_the_outdated_check_is_kept_with_the_chunk_set(
    old_index: Path, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """Every start asks which articles are outdated; the answer is stored beside the BM25
    index of that exact chunk set, read by later starts, and a changed set asks afresh."""
    from index.store.bm25 import dir_name

    # (a path of its own: chromadb keeps one system per path for the whole process)
    old_index = Path(shutil.copytree(old_index, tmp_path / "data"))
    engine = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    outdated = engine.outdated_inputs()
    assert len(outdated) == 2
    bm_dir = old_index / "bm25" / dir_name(engine.store.bm25().fingerprint)
    cache = bm_dir / f"outdated-{SCHEMA_VERSION}.json"
    assert sorted(json.loads(cache.read_text())) == sorted(outdated)
    assert [p.name for p in bm_dir.iterdir() if p.name.startswith(".")] == []  # no temp file

    # A later start (a new handle) reads it: the stored answer is what it returns.
    cache.write_text(json.dumps(outdated[:1]))
    later = Engine(IndexConfig(data_dir=old_index), embedder=embedder)
    assert later.store.outdated_sources(SCHEMA_VERSION) == outdated[:1]
    cache.write_text("{not json")  # damaged: scanned again and rewritten
    assert sorted(later.store.outdated_sources(SCHEMA_VERSION)) == sorted(outdated)
    assert sorted(json.loads(cache.read_text())) == sorted(outdated)

    later.ingest(outdated[:1])  # a new chunk set: a new answer, without the upgraded article
    assert later.outdated_inputs() == outdated[1:]


_OLDER_NEWSQA = """
import sys
import index.ingest.chunk as chunk
import index.ingest.pipeline as pipeline
chunk.SCHEMA_VERSION = pipeline.SCHEMA_VERSION = chunk.SCHEMA_VERSION - 1
from bot.cli import app
app(sys.argv[1:])
"""
_GONE = (b"Harbour strike ends in Velmora\n\nDock workers at the Velmora harbour ended "
         b"their strike on Monday after a pay deal with the port authority.\n")


def test_an_unreachable_url_is_re_read_once_and_keeps_its_old_version(
    embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """Issue 23, item 9: an older index holding a URL article whose page is gone. The first
    start re-reads it once (a notice says how many come from the web), keeps its old chunks
    and says so once; later starts fetch nothing; ``ingest URL`` tries again explicitly."""
    data = tmp_path / "data"
    env = cli_env(data, tmp_path / "no-seeds", embedder) | {"NEWSQA_ALLOW_PRIVATE_URLS": "1"}
    with LocalHTTP({"/kept": text(), "/gone": text(_GONE)}) as srv:
        kept, gone = srv.url("/kept"), srv.url("/gone")
        older = subprocess.run([sys.executable, "-c", _OLDER_NEWSQA, "ingest", kept, gone],
                               env=env, cwd=tmp_path, capture_output=True, text=True,
                               timeout=300)
        assert older.returncode == 0, older.stderr
        assert "added 2," in older.stdout
        del srv.routes["/gone"]  # the page is gone: 404 from now on

        question = ["ask", "Who ended their strike at the Velmora harbour?", "--json"]
        first = run_cli(question, env, tmp_path)
        assert first.returncode == 0, first.stderr
        assert "re-reading 2 article(s) once to upgrade it (2 from the web" in first.stderr
        assert "updated 1, unchanged 0, removed 0, skipped 1" in first.stderr
        notes = [ln for ln in first.stderr.splitlines() if "not re-read at start" in ln]
        assert len(notes) == 1 and gone in notes[0], first.stderr
        assert srv.hits["/gone"] == 2 and srv.hits["/kept"] == 2

        for _ in range(2):  # later starts: nothing outdated to re-read, nothing fetched
            again = run_cli(question, env, tmp_path)
            assert again.returncode == 0, again.stderr
            assert "older newsqa" not in again.stderr and "not re-read" not in again.stderr
            cited = {c["url"] for c in json.loads(again.stdout)["citations"]}
            assert gone in cited  # the old version still answers
        assert srv.hits["/gone"] == 2 and srv.hits["/kept"] == 2

        retry = run_cli(["ingest", gone], env, tmp_path)  # asked for: tried again
        assert retry.returncode == 1 and f"skipped {gone}" in retry.stderr + retry.stdout
        assert srv.hits["/gone"] == 3
    sources = run_cli(["sources", "--json"], env, tmp_path)
    assert len(json.loads(sources.stdout)) == 2


def test_a_read_only_outdated_index_answers_without_upgrading(
    embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    """After a schema bump, a ``chmod -R a-w`` data dir cannot be upgraded: ``ask`` says so in
    one warning line and answers from the index as it is (it refused before)."""
    from test_datadir import IS_ROOT, _run_as_owner

    data = tmp_path / "data"
    seeds = Path(shutil.copytree(Path(__file__).parents[1] / "seeds", tmp_path / "seeds"))
    env = cli_env(data, tmp_path / "no-seeds", embedder)
    older = subprocess.run([sys.executable, "-c", _OLDER_NEWSQA, "ingest", str(seeds)],
                           env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert older.returncode == 0, older.stderr
    if IS_ROOT and _run_as_owner(["--help"], env, tmp_path).returncode != 0:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here (no CAP_SETPCAP)")
    subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
    try:
        ask = _run_as_owner(["ask", "How many Ukrainians returned home on Friday?", "--json"],
                            env, tmp_path)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=True)
    assert ask.returncode == 0, ask.stderr
    assert any("390" in c["quote"] for c in json.loads(ask.stdout)["citations"])
    warnings = [ln for ln in ask.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "read-only" in warnings[0], ask.stderr
    assert "Traceback" not in ask.stderr


def test_the_failed_upgrade_record_is_per_schema_and_survives_damage(tmp_path: Path) -> None:
    """A damaged, foreign or older-schema record means "nothing failed yet": each such
    article is tried once more, never a crash at start."""
    from index.upgrade import FILE_NAME, failed_upgrades, remember_failed

    assert failed_upgrades(tmp_path, 3) == {}
    remember_failed(tmp_path, 3, {"https://a.test/1": "HTTP 404 Not Found"})
    remember_failed(tmp_path, 3, {"https://a.test/2": "no answer within 60 s"})
    assert set(failed_upgrades(tmp_path, 3)) == {"https://a.test/1", "https://a.test/2"}
    assert failed_upgrades(tmp_path, 4) == {}  # the next schema tries everything again
    for bad in ("{not json", "[]", '{"schema": 3, "sources": []}', "\x00\xff"):
        (tmp_path / FILE_NAME).write_text(bad, encoding="utf-8")
        assert failed_upgrades(tmp_path, 3) == {}
