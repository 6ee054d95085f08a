"""Following topics outside Telegram and the matching itself: the calibration cases with the
shipped thresholds, ``newsqa follow`` and ``newsqa watch`` in-process (typer's CliRunner, a
local feed server, the real embedder, reader and Chroma), and the REPL's ``/follow``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from feed_server import FeedServer
from rich.console import Console
from test_feeds import STORIES, serve_page, story
from typer.testing import CliRunner

from bot.cli import app
from bot.follows import FOLLOWS_FILE, Follow
from bot.repl import Repl
from bot.telegram.follow import render_push
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.follow import Features, Report, matches, push_answer
from index.types import Citation
from tools.calibrate_follow import scored


def test_calibration_cases_with_the_shipped_thresholds(embedder: OnnxEmbedder) -> None:
    pairs = scored(embedder)
    pushed = {lab: sum(matches(f) for la, f in pairs if la == lab)
              for lab in ("match", "mention", "unrelated")}
    counts = {lab: sum(1 for la, _ in pairs if la == lab) for lab in pushed}
    assert counts == {"match": 12, "mention": 12, "unrelated": 96}
    assert pushed["mention"] == 0 and pushed["unrelated"] == 0  # precision 1.0
    assert pushed["match"] >= 11  # recall ≥ .9 (1.0 when calibrated)


@pytest.fixture
def runner(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """conftest's CLI runner, with a follow limit of 2."""
    monkeypatch.setenv("NEWSQA_FOLLOW_MAX", "2")
    return runner


def test_follow_commands_and_watch(runner: CliRunner, srv: FeedServer, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return str(result.output)

    assert "Following “harbor bridge in Port Elms”" in run(
        "follow", "add", "harbor", "bridge", "in", "Port", "Elms")
    assert "Already following" in run("follow", "add", "Harbor bridge in Port Elms")
    assert "too long" in run("follow", "add", "x" * 101)
    run("follow", "add", "Sorn glacier")
    assert "the most allowed" in run("follow", "add", "comet")  # NEWSQA_FOLLOW_MAX=2
    assert run("follow", "list") == "1. harbor bridge in Port Elms\n2. Sorn glacier\n"
    assert "Stopped following “Sorn glacier”" in run("follow", "remove", "2")
    # A Telegram chat's follows, in the bot's state file.
    run("follow", "add", "Riverside tram", "--chat", "-1001")
    assert run("follow", "list", "--chat", "-1001") == "1. Riverside tram\n"
    state = json.loads((tmp_path / "data" / "telegram_state.json").read_text())
    assert state["chat_data"]["-1001"]["follows"][0]["topic"] == "Riverside tram"
    run("follow", "remove", "Riverside tram", "--chat", "-1001")
    assert "follows no" not in run("follow", "list", "--chat", "-1001")

    # watch: the feed brings the harbor story (followed) and the comet (not).
    for i in (0, 2):
        serve_page(srv, i)
    run("feeds", "add", srv.feed("/rss.xml", "Valley Gazette", [story(0), story(2)]))
    first = run("watch", "--every", "1s", "--rounds", "1")
    assert "New on “harbor bridge in Port Elms” (you follow it): 1 report." in first
    assert STORIES[0][2] in " ".join(first.split())  # the lede, verbatim
    assert "Oskar Brandt" not in first
    again = run("watch", "--every", "1s", "--rounds", "1")
    assert "New on" not in again  # nothing new: nothing shown twice
    saved = json.loads((tmp_path / "data" / FOLLOWS_FILE).read_text())
    assert len(saved["follows"][0]["sent"]) == 1 and saved["pending"] == []
    (tmp_path / "data" / FOLLOWS_FILE).write_text('{"follows": "not a list"}')
    broken = runner.invoke(app, ["watch", "--every", "1s", "--rounds", "1"])
    assert broken.exit_code == 0 and "followed topics not checked" in broken.output
    assert runner.invoke(app, ["follow", "list"]).exit_code == 1  # says which file is bad


def test_repl_follow(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    con = io.StringIO()
    c = Console(file=con, width=100, highlight=False)
    repl = Repl(engine, out=c, err=c, plain=True, follow_max=1)
    repl.handle("/follow Port Elms harbor bridge")
    repl.handle("/follow Sorn glacier")
    repl.handle("/following")
    repl.handle("/unfollow 1")
    repl.handle("/following")
    lines = con.getvalue().splitlines()
    assert lines[0].startswith("Following “Port Elms harbor bridge”")
    assert "the most allowed" in lines[1]
    assert lines[2] == "1. Port Elms harbor bridge"
    assert lines[3] == "Stopped following “Port Elms harbor bridge”."
    assert lines[4].startswith("No followed topics")


def lede_of(aid: str, quote: str, day: str, source: str) -> Citation:
    return Citation(1, quote, aid, f"{aid}:0", f"Storm Bert: {aid}", source, day,
                    f"https://example.com/{aid}", None)


def test_a_changed_figure_is_an_update_with_both_quotes() -> None:
    first = lede_of("ap", "Storm Bert injured 12 people in Port Elms, officials said.",
                    "2026-03-06", "AP")
    later = lede_of("reuters", "Storm Bert has injured 17 people in Port Elms, the mayor said.",
                    "2026-03-07", "Reuters")
    report = Report("reuters", later, Features(0.9, 0.9, 0.9, 0.9))
    push = push_answer("Storm Bert", [report], seen=[first])
    assert [c.quote for c in push.citations] == [later.quote, first.quote]  # both quoted
    [change] = push.conflicts
    assert change.kind == "update"
    assert [(c.value, c.citations, c.published) for c in change.claims] == [
        ("17 people", (1,), "2026-03-07"), ("12 people", (2,), "2026-03-06")]
    html = render_push(Follow("Storm Bert", seen=[first]), [report])[0]
    assert "↻ <b>Updated</b> the number of people: <b>17 people</b> (2026-03-07, latest) [1]" \
        " ← <b>12 people</b> (2026-03-06) [2]" in html
    assert f"<blockquote>{first.quote}</blockquote>" in html
    # the same day: a disagreement; the same figure: nothing to say
    same_day = replace(later, published="2026-03-06")
    assert push_answer("Storm Bert", [replace(report, lede=same_day)], [first]
                       ).conflicts[0].kind == "disagreement"
    again = replace(later, quote="Storm Bert injured 12 people, officials said on Friday.")
    assert push_answer("Storm Bert", [replace(report, lede=again)], [first]).conflicts == []
