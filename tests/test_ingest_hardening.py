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
