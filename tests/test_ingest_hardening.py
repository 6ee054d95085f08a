"""Issue 23, items 12, 16 and 17 through the real ingest (real files, real Chroma, the real
embedder): impossible publication dates, a wrongly declared charset, zero-width characters."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feed_server import Entry, rss  # tests/ is on sys.path
from test_cli import cli_env

from index.embed import OnnxEmbedder
from index.engine import Engine
from index.feeds.parse import parse_feed
from index.ingest.skipped import Skipped
from index.retention import prune_older_than
from index.text import display

FUTURE_NOTE = "publication date 9999-12-31 is in the future: treated as undated"


def test_a_publication_date_after_tomorrow_is_no_date(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """Item 12: 9999-12-31 neither leads "What's new?" nor escapes retention; the note says so."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "forever.txt").write_text(
        "Harbour bridge reopens\nSource: Elms Wire | Published: 31 December 9999\n\n"
        "The harbour bridge in Port Elms reopened after repairs costing 40 million euros.\n",
        encoding="utf-8")
    (docs / "today.txt").write_text(
        "Tram line opens\nSource: Elms Wire | Published: "
        f"{datetime.now(UTC).date().isoformat()}\n\n"
        "The Riverside tram line carried 9100 passengers on its first day.\n", encoding="utf-8")
    engine = make_engine()
    report = engine.ingest([str(docs)])
    assert len(report.added) == 2, report.summary()
    assert (str(docs / "forever.txt"), FUTURE_NOTE) in report.notes
    published = {a.title: a.published for a in engine.sources()}
    assert published["Harbour bridge reopens"] is None

    news = engine.answer("What's new?")
    assert "9999" not in news.answer and all(c.published is None or "9999" not in c.published
                                             for c in news.citations)
    later = datetime.now(UTC).date() + timedelta(days=400)  # by then the ingest date is old
    pruned = prune_older_than(engine.store, data_dir=engine.cfg.data_dir, days=30, today=later,
                              dry_run=True)
    assert {e.title for e in pruned.removed} == {"Harbour bridge reopens", "Tram line opens"}

    far = datetime(9999, 12, 31, tzinfo=UTC)
    feed = parse_feed(rss("Wire", "http://x", [Entry("a", "A", far, "one two three four five")]),
                      url="http://x/rss", mime="application/rss+xml")
    assert not isinstance(feed, Skipped) and feed.entries[0].published is None


def test_utf8_page_declaring_windows_1252_is_read_as_utf8_and_trafilatura_stays_quiet(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    """Item 16, a real ``newsqa ingest`` process: the page is ingested with a note saying the
    declared charset was wrong, and trafilatura's own ERROR/WARNING lines are not printed."""
    pages = tmp_path / "pages"
    pages.mkdir()
    body = ("The Māori council in Rotorua approved 42 new homes on Tuesday → the vote "
            "was unanimous, said chair Ýr Jónsdóttir.")
    (pages / "declared.html").write_bytes(
        ('<html><head><meta charset="windows-1252"><title>Council approves homes</title>'
         f"</head><body><article><p>{body}</p></article></body></html>").encode())
    (pages / "empty.html").write_text("<html></html>", encoding="utf-8")
    (pages / "words.html").write_text("hello", encoding="utf-8")
    env = cli_env(tmp_path / "data", tmp_path / "seeds", embedder)
    run = subprocess.run([sys.executable, "-m", "bot", "ingest", str(pages)], env=env,
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "added 1," in out and "skipped 2" in out
    assert f"note {pages / 'declared.html'}: not valid windows-1252 text as declared: " \
           "read as UTF-8" in out.splitlines()
    assert "trafilatura" not in out and "ERROR" not in out and "WARNING" not in out, out
    listed = subprocess.run([sys.executable, "-m", "bot", "ask", "Who chairs the Māori council?"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "Ýr Jónsdóttir" in listed.stdout, listed.stdout + listed.stderr


def test_a_zero_width_space_inside_a_number_is_read_and_the_quote_matches_the_file(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """Item 17: "3\\u200b90 containers" is read, searched and annotated as 390; the quote is
    still ``display`` of the file's own bytes at the recorded offsets (which hold the ZWSP)."""
    path = tmp_path / "port.txt"
    path.write_text(
        "Port traffic rises\nSource: Harbour Wire | Published: 3 March 2025\n\n"
        "The port of Elms handled 3\u200b90 containers on Friday, officials said.\n\n"
        "Dock workers unloaded the last ships overnight before the storm arrived.\n",
        encoding="utf-8")
    engine = make_engine()
    assert engine.ingest([str(path)]).added == [str(path)]
    assert engine.store.bm25().search("390", 3), "search finds the number"

    answer = engine.answer("How many containers did the port of Elms handle on Friday?")
    assert not answer.refused, answer.answer
    assert "390" in answer.answer
    [quote] = [c for c in answer.citations if "containers" in c.quote]
    text = path.read_text(encoding="utf-8")
    assert "\u200b" in text[quote.start : quote.end]
    assert quote.quote == display(text[quote.start : quote.end])
    assert "handled 390 containers" in quote.quote
