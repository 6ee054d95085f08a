"""Issue 23, item 13: a feed with more entries than a refresh should read. The real refresh
against a local feed server, the real embedder and a real Chroma in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from feed_server import Entry, FeedServer  # tests/ is on sys.path
from test_feeds import NOW, lines, refresh

import index.feeds.refresh as refresh_module
from index.engine import Engine
from index.feeds.subscriptions import Subscriptions


def many(srv: FeedServer, n: int) -> list[Entry]:
    """``n`` entries with a page each, entry 0 the newest."""
    entries = []
    for i in range(n):
        slug, title = f"s{i}", f"District {i} plants trees"
        fact = f"Volunteers in district {i} planted {100 + i} oak trees along the canal."
        srv.article(slug, title, [fact, f"The district {i} council thanked every volunteer "
                                        "at a meeting in the town hall on Saturday."])
        entries.append(Entry(slug, title, NOW - timedelta(hours=i), fact))
    return entries


def pages_read(srv: FeedServer) -> dict[str, int]:
    return {h.path: srv.count(h.path) for h in srv.hits if h.path.startswith("/articles/")}


def test_entries_per_refresh_are_capped_newest_first(
    srv: FeedServer, make_engine: Callable[..., Engine]
) -> None:
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    subs.add(srv.feed("/rss.xml", "Tree Times", list(reversed(many(srv, 7)))))  # oldest first

    first = refresh(engine, subs, max_entries=3)
    assert lines(first)["Tree Times"] == (
        "Tree Times: 3 new, 0 unchanged, 4 left for the next refresh")
    assert set(pages_read(srv)) == {"/articles/s0.html", "/articles/s1.html", "/articles/s2.html"}
    second = refresh(engine, subs, max_entries=3)  # not a 304: entries are still missing
    assert lines(second)["Tree Times"] == (
        "Tree Times: 3 new, 3 unchanged, 1 left for the next refresh")
    third = refresh(engine, subs, max_entries=3)
    assert lines(third)["Tree Times"] == "Tree Times: 1 new, 6 unchanged"
    assert lines(refresh(engine, subs, max_entries=3))["Tree Times"] == "Tree Times: not modified"
    assert all(n == 1 for n in pages_read(srv).values()) and len(pages_read(srv)) == 7
    assert len(engine.sources()) == 7


def test_an_interrupted_refresh_keeps_what_it_wrote(
    srv: FeedServer, make_engine: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries are written and remembered a batch at a time: after a Ctrl-C in the second
    batch, the next refresh does not fetch the first batch's pages again."""
    monkeypatch.setattr(refresh_module, "BATCH", 4)
    engine = make_engine(allow_private_urls=True)
    subs = Subscriptions(engine.cfg.data_dir)
    subs.add(srv.feed("/rss.xml", "Tree Times", many(srv, 10)))
    writes = 0

    def interrupt_second_write(event: str, n: int) -> None:
        nonlocal writes
        if event == "embedded":
            writes += 1
            if writes == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        refresh(engine, subs, progress=interrupt_second_write)
    assert subs.entry_count(1) == 4  # the first batch, remembered as soon as it was written
    first_batch = {f"/articles/s{i}.html" for i in range(4)}
    assert first_batch <= set(pages_read(srv))

    before = pages_read(srv)
    report = refresh(engine, subs)
    again = {p for p, n in pages_read(srv).items() if n > before.get(p, 0)}
    assert again == {f"/articles/s{i}.html" for i in range(4, 10)}
    # The second batch was written before the interrupt: now unchanged, not embedded again.
    assert lines(report)["Tree Times"] == "Tree Times: 2 new, 8 unchanged"
    assert subs.entry_count(1) == 10 and len(engine.sources()) == 10
