"""``newsqa feeds …``, ``watch`` and ``prune`` at the command line, against a local feed
server: typer's CliRunner in-process, and a real process for ``watch`` and its Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_server import FeedServer
from test_cli import REPO, cli_env  # tests/ is on sys.path
from test_feeds import STORIES, serve_page, story
from typer.testing import CliRunner

from bot.cli import app
from index.embed import OnnxEmbedder


def test_feeds_add_list_refresh_remove_and_prune(runner: CliRunner, srv: FeedServer) -> None:
    for i in (0, 1, 2):
        serve_page(srv, i)
    feed_url = srv.feed("/rss.xml", "Valley Gazette", [story(0), story(1, days_ago=90)])
    html_url = serve_page(srv, 2)

    added = runner.invoke(app, ["feeds", "add", feed_url, "--name", "Gazette"])
    assert added.exit_code == 0, added.output
    assert added.output.startswith("added feed 1: Gazette (2 entries).")
    dup = runner.invoke(app, ["feeds", "add", feed_url])
    assert dup.exit_code == 1 and f"already subscribed: {feed_url} (feed 1)" in dup.output
    not_feed = runner.invoke(app, ["feeds", "add", html_url])
    assert not_feed.exit_code == 1
    assert not_feed.output.strip() == (
        f"error: {html_url}: not an RSS/Atom feed: the URL returned an HTML page")
    gone = runner.invoke(app, ["feeds", "add", srv.url("/missing.xml")])
    assert gone.exit_code == 1 and "HTTP 404 Not Found" in gone.output

    refreshed = runner.invoke(app, ["feeds", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "Gazette: 2 new, 0 unchanged" in refreshed.output.splitlines()
    again = runner.invoke(app, ["feeds", "refresh", "1"])
    assert "Gazette: not modified" in again.output.splitlines()

    listed = json.loads(runner.invoke(app, ["feeds", "list", "--json"]).stdout)
    assert [(f["id"], f["name"], f["url"], f["entries"], f["failures"]) for f in listed] == [
        (1, "Gazette", feed_url, 2, 0)]
    table = runner.invoke(app, ["feeds", "list"]).output
    assert "Gazette" in table and feed_url in table and " ok" in table

    dry = runner.invoke(app, ["prune", "--older-than", "30d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {story(1, days_ago=90).published.date()} {STORIES[1][1]}" in dry.output
    assert dry.output.strip().splitlines()[-1].startswith("dry run: would remove 1 articles")
    pruned = runner.invoke(app, ["prune", "--older-than", "30"])
    assert "removed 1 articles" in pruned.output and "kept 1" in pruned.output
    sources = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert [s["title"] for s in sources] == [STORIES[0][1]]
    no_limit = runner.invoke(app, ["prune"])
    assert no_limit.exit_code == 1
    assert "give --older-than (e.g. 30d) or set NEWSQA_MAX_AGE_DAYS" in no_limit.output
    bad = runner.invoke(app, ["prune", "--older-than", "soon"])
    assert bad.exit_code == 2 and "'soon' is not a duration" in bad.output

    removed = runner.invoke(app, ["feeds", "remove", "Gazette"])
    assert removed.exit_code == 0 and removed.output.startswith("removed feed 1: Gazette")
    unknown = runner.invoke(app, ["feeds", "remove", "1"])
    assert unknown.exit_code == 1 and "no feed '1'" in unknown.output
    assert "no feeds yet" in runner.invoke(app, ["feeds", "list"]).output
    assert runner.invoke(app, ["watch"]).exit_code == 1  # nothing to watch


@pytest.mark.slow
def test_watch_keeps_the_index_current_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, srv: FeedServer, embedder: OnnxEmbedder
) -> None:
    """A real process: the README walk-through, then Ctrl-C → exit 0, no traceback."""
    for i in range(3):
        serve_page(srv, i)
    feed_url = srv.feed("/rss.xml", "Valley Gazette", [story(0)])
    env = cli_env(tmp_path / "data", tmp_path / "seeds", embedder)
    env["NEWSQA_ALLOW_PRIVATE_URLS"] = "1"
    cmd = [sys.executable, "-m", "bot"]
    add = subprocess.run([*cmd, "feeds", "add", feed_url], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stdout + add.stderr
    probes = srv.count("/rss.xml")  # `feeds add` fetched it once

    proc = subprocess.Popen([*cmd, "watch", "--every", "1s"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while srv.count("/rss.xml") <= probes and time.monotonic() < deadline:
            time.sleep(0.1)
        srv.feed("/rss.xml", "Valley Gazette", [story(1), story(0)])  # news arrives
        # A third round asking for the feed means the second (the new entry) is done.
        while srv.count("/rss.xml") < probes + 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, errs = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + errs
    assert "Traceback" not in out + errs
    assert "Valley Gazette: 1 new, 0 unchanged" in out
    assert "Valley Gazette: 1 new, 1 unchanged" in out
    assert errs.strip().splitlines()[-1] == "stopped"
    listed = subprocess.run([*cmd, "sources", "--json"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert {s["title"] for s in json.loads(listed.stdout)} == {STORIES[0][1], STORIES[1][1]}
    assert REPO.is_dir()
