"""Issue 23, items 11, 14 and 15 at the command line (typer's CliRunner in-process, a local
feed server, the real ingest): network text printed escaped, huge titles shortened, huge
durations and missing files as one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feed_server import FeedServer
from test_feeds import serve_page, story
from typer.testing import CliRunner

from bot.cli import app

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J"  # how escape_name makes them visible


def no_controls(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\x9b\x9d")


def one_clean_line(result: object) -> bool:
    """Exit non-zero with a single line of output and no exception (no traceback)."""
    exc = getattr(result, "exception", None)
    output = str(getattr(result, "output", ""))
    return (getattr(result, "exit_code", 0) != 0 and len(output.strip().splitlines()) == 1
            and (exc is None or isinstance(exc, SystemExit)))


def test_feed_titles_reasons_and_names_are_printed_escaped(
    runner: CliRunner, srv: FeedServer
) -> None:
    """Item 11: a feed title or an HTTP reason phrase with terminal escapes, and a --name with
    a newline, never reach the terminal raw nor forge a line."""
    serve_page(srv, 0)
    serve_page(srv, 1)
    evil = srv.feed("/evil.xml", f"Evil{ESCAPES} Feed", [story(0)])
    added = runner.invoke(app, ["feeds", "add", evil])
    assert added.exit_code == 0, added.output
    assert no_controls(added.output) and f"Evil{SHOWN} Feed" in added.output

    other = srv.feed("/other.xml", "Other", [story(1)])
    named = runner.invoke(app, ["feeds", "add", other, "--name", "Gazette\nadded feed 9: x"])
    assert named.exit_code == 0, named.output
    assert named.output.strip().splitlines() == [
        "added feed 2: Gazette added feed 9: x (1 entry). `newsqa feeds refresh` ingests them "
        "now; `newsqa watch` keeps them current."]

    gone = srv.set("/gone.xml", b"gone", "text/plain", status=410, reason=f"Gone{ESCAPES}")
    refused = runner.invoke(app, ["feeds", "add", gone])
    assert refused.exit_code == 1 and no_controls(refused.output)
    assert f"HTTP 410 Gone{SHOWN}" in refused.output

    refreshed = runner.invoke(app, ["feeds", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert no_controls(refreshed.output)
    assert f"Evil{SHOWN} Feed: 1 new, 0 unchanged" in refreshed.output.splitlines()

    srv.set("/evil.xml", b"gone", "text/plain", status=410, reason=f"Gone{ESCAPES}")
    failed = runner.invoke(app, ["feeds", "refresh", "1"])
    assert no_controls(failed.output) and f"(HTTP 410 Gone{SHOWN})" in failed.output
    listed = runner.invoke(app, ["feeds", "list"])
    assert listed.exit_code == 0 and no_controls(listed.output)
    assert f"Gone{SHOWN}" in listed.output


def test_a_huge_title_is_shortened_in_ask_sources_and_prune(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Item 14: a 100,000-character title is shown shortened everywhere, not printed whole."""
    title = "Bridge " * 14_285 + "end"  # 99,998 characters
    page = tmp_path / "bridge.txt"
    page.write_text(
        f"{title}\nSource: Elms Wire | Published: 3 February 2001\n\n"
        "The harbour bridge in Port Elms cost 412 million dollars to build.\n\n"
        "Mayor Ada Quill cut the ribbon on Tuesday morning in front of a crowd.\n",
        encoding="utf-8")
    ingested = runner.invoke(app, ["ingest", str(page)])
    assert ingested.exit_code == 0, ingested.output
    [stored] = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert stored["title"] == title

    for args in (["ask", "How much did the harbour bridge in Port Elms cost?"], ["sources"],
                 ["prune", "--older-than", "30d", "--dry-run"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output[:500]
        assert "Bridge Bridge" in result.output and " …" in result.output, args
        assert len(result.output) < 5_000, (args, len(result.output))


@pytest.mark.parametrize("args", [
    ["prune", "--older-than", "99999999999d"],
    ["watch", "--every", "99999999999d"],
    ["eval", "missing.jsonl", "--out", "results.jsonl"],
])
def test_huge_durations_and_a_missing_question_file_are_one_line(
    runner: CliRunner, srv: FeedServer, args: list[str]
) -> None:
    """Item 15: no OverflowError or FileNotFoundError traceback, one line, non-zero exit."""
    serve_page(srv, 0)
    feed = srv.feed("/rss.xml", "Valley Gazette", [story(0)])
    assert runner.invoke(app, ["feeds", "add", feed]).exit_code == 0  # something to watch
    result = runner.invoke(app, args)
    assert one_clean_line(result), (result.output, result.exception)
    assert "too long" in result.output or "missing.jsonl" in result.output
