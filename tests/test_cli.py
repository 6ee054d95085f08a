"""CLI-level tests of ``newsqa ingest`` and ``newsqa sources``: typer's CliRunner in-process
where speed matters, a real ``python -m bot`` subprocess where exit status and stray
tracebacks are the point. Real embedder, real Chroma in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import cli_env, write_bad_files  # tests/ is on sys.path
from typer.testing import CliRunner

from bot.cli import app
from index.embed import OnnxEmbedder
from index.ingest.pipeline import ingest_lock

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def runner(
    tmp_path: Path, seeds: Path, embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for key in list(os.environ):
        if key.startswith("NEWSQA_"):
            monkeypatch.delenv(key)
    for key, value in cli_env(tmp_path / "data", seeds, embedder).items():
        monkeypatch.setenv(key, value)
    return CliRunner()


def test_ingest_twice_leaves_sources_json_identical(runner: CliRunner, seeds: Path) -> None:
    first = runner.invoke(app, ["ingest", str(seeds)])
    assert first.exit_code == 0, first.output
    assert "added 2, updated 0, unchanged 0, removed 0, skipped 0" in first.output
    listed = runner.invoke(app, ["sources", "--json"])
    assert listed.exit_code == 0, listed.output

    second = runner.invoke(app, ["ingest", str(seeds)])
    assert second.exit_code == 0, second.output
    assert "added 0, updated 0, unchanged 2, removed 0, skipped 0" in second.output
    again = runner.invoke(app, ["sources", "--json"])
    assert again.stdout == listed.stdout

    articles = json.loads(listed.stdout)
    assert len(articles) == 2
    for a in articles:
        assert {"article_id", "title", "source", "published", "url", "path", "chunks"} <= set(a)
        assert a["chunks"] > 0 and Path(a["path"]).parent == seeds.resolve()


def test_prune_reports_the_removed_article(runner: CliRunner, seeds: Path) -> None:
    assert runner.invoke(app, ["ingest", str(seeds)]).exit_code == 0
    next(seeds.glob("003_*.txt")).unlink()
    result = runner.invoke(app, ["ingest", "--prune", str(seeds)])
    assert result.exit_code == 0, result.output
    assert "added 0, updated 0, unchanged 1, removed 1, skipped 0" in result.output
    assert len(json.loads(runner.invoke(app, ["sources", "--json"]).stdout)) == 1


def test_a_running_ingest_makes_a_second_one_fail_with_one_line(
    runner: CliRunner, seeds: Path, tmp_path: Path
) -> None:
    with ingest_lock(tmp_path / "data"):
        result = runner.invoke(app, ["ingest", str(seeds)])
    assert result.exit_code == 1
    assert "another ingest is running" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def bad_inputs(tmp_path: Path) -> list[str]:
    """Random bytes, an empty file, latin-1, 11 MB, a missing path, a closed localhost port."""
    files = write_bad_files(tmp_path / "bad", big_bytes=11 * 1024 * 1024)
    url = f"http://127.0.0.1:{closed_port()}/news/1"
    return [*(str(p) for p in sorted(files.values())), "missing.txt", url]


def test_nothing_ingestable_exits_non_zero_with_the_reasons(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["ingest", *bad_inputs(tmp_path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len([ln for ln in result.output.splitlines() if ln.startswith("skipped ")]) == 6
    assert "added 0, updated 0, unchanged 0, removed 0, skipped 6" in result.output


@pytest.mark.slow
def test_bad_inputs_get_a_reason_each_and_the_rest_still_ingests(
    tmp_path: Path, seeds: Path, embedder: OnnxEmbedder
) -> None:
    """A real process: exit status 0 and not a single traceback line."""
    inputs = bad_inputs(tmp_path)
    url = inputs[-1]
    env = cli_env(tmp_path / "data", seeds, embedder)

    mixed = run_cli(["ingest", *inputs, str(seeds)], env, tmp_path)
    out = mixed.stdout + mixed.stderr
    assert mixed.returncode == 0, out
    assert "Traceback" not in out
    skipped = [line for line in out.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 6, out
    for needle in ("noise.txt", "empty.txt", "latin1.txt", "big.txt", "missing.txt", url):
        (line,) = [s for s in skipped if needle in s]
        assert ": " in line and len(line) < 300
    assert "added 2, updated 0, unchanged 0, removed 0, skipped 6" in out


def test_ask_filters_bad_date_and_no_match(runner: CliRunner, seeds: Path) -> None:
    assert runner.invoke(app, ["ingest", str(seeds)]).exit_code == 0
    bad = runner.invoke(app, ["ask", "How many Ukrainians returned?", "--since", "2026-13-01"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    inverted = runner.invoke(app, ["ask", "How many Ukrainians returned?", "--since",
                                   "2026-12-01", "--until", "2026-11-01"])
    assert inverted.exit_code == 2 and "is after --until 2026-11-01" in inverted.output
    none = runner.invoke(app, ["ask", "How many Ukrainians returned?", "--source", "Nobody",
                               "--json"])
    assert none.exit_code == 0, none.output
    answer = json.loads(none.stdout)
    assert answer["refused"] and "No indexed article matches" in answer["answer"]


def test_cli_module_does_not_load_the_ingest_pipeline_or_heavy_libraries() -> None:
    """Cold start: ``import bot.cli`` (what every ``newsqa`` command pays first) loads neither
    the ingest pipeline and its parsers nor the answer path's big libraries; each command
    imports what it uses."""
    heavy = ["index.ingest.pipeline", "index.ingest.read", "index.ingest.html",
             "trafilatura", "dateparser", "chromadb", "spacy", "onnxruntime", "llama_index"]
    code = ("import json, sys; import bot.cli; "
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(proc.stdout) == []


def test_ask_answers_the_same_with_its_preloading(runner: CliRunner, seeds: Path) -> None:
    """``ask`` preloads the parser and the embedder in threads and pauses the GC: the answer is
    the engine's own, and the GC is back on afterwards."""
    import gc

    from bot.console import make_engine
    from bot.settings import load_settings

    assert runner.invoke(app, ["ingest", str(seeds)]).exit_code == 0
    question = "How many Ukrainians returned home on Friday?"
    result = runner.invoke(app, ["ask", "--json", question])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    got = json.loads(result.stdout)
    expected = make_engine(load_settings()).answer(question).to_json()
    got.pop("timings_ms", None)
    expected.pop("timings_ms", None)
    assert got == expected and "390" in got["answer"]


def test_store_and_ingest_errors_stay_one_line_when_loaded_late() -> None:
    """``friendly_errors`` knows the store's and the ingest's errors without importing them up
    front: once their modules are loaded (as any command that can raise them does), they
    become one ``error:`` line and exit 1; other errors pass through."""
    import typer

    from bot.console import friendly_errors
    from index.ingest.pipeline import IngestBusy
    from index.store import StoreUnavailable

    for exc in (IngestBusy("another ingest is running"), StoreUnavailable("server down")):
        with pytest.raises(typer.Exit) as stopped, friendly_errors():
            raise exc
        assert stopped.value.exit_code == 1
    with pytest.raises(KeyError), friendly_errors():
        raise KeyError("not a user error")
