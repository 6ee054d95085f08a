"""``newsqa feeds add|list|remove|refresh``, ``newsqa watch`` and ``newsqa prune``: RSS/Atom
subscriptions kept current, and retention. Registered on the main app by ``bot.cli``; the
shared plumbing (consoles, errors, progress bar) comes from ``bot.console``.
"""

from __future__ import annotations

import json
import signal
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.console import (
    UserError,
    command_settings,
    err,
    friendly_errors,
    make_engine,
    out,
    print_error,
    progress_bar,
)
from bot.escape import escape_name, shorten
from bot.settings import Settings, parse_duration

if TYPE_CHECKING:
    from index.engine import Engine
    from index.feeds.refresh import RefreshReport
    from index.retention import PruneReport

feeds_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="RSS/Atom subscriptions: add, list, remove, refresh. `newsqa watch` keeps them current.",
)


def run_refresh(engine: Engine, settings: Settings, console: Console, *,
                refs: list[str] | None = None, respect_backoff: bool = True) -> RefreshReport:
    """One refresh with a progress bar and a line per feed, then retention if configured."""
    from index.feeds.refresh import refresh_feeds
    from index.feeds.subscriptions import Subscriptions

    subs = Subscriptions(engine.cfg.data_dir)
    ids = [subs.find(r).id for r in refs] if refs else None
    with progress_bar(console, "refreshing feeds") as progress, engine.http_client() as client:
        report = refresh_feeds(
            subs, engine.store, engine.embedder, data_dir=engine.cfg.data_dir, feed_ids=ids,
            respect_backoff=respect_backoff, max_age_days=settings.max_age_days,
            max_tokens=engine.cfg.max_chunk_tokens, progress=progress, client=client,
            max_entries=engine.cfg.feed_max_entries,
        )
    for result in report.feeds:
        style = "red" if result.error else "yellow" if result.failed else None
        # Names, titles and reasons come from the network: one line, escapes made visible.
        console.print(Text(escape_name(result.line()), style=style or ""))
    console.print(Text(report.summary()))
    if settings.max_age_days:
        pruned = run_prune(engine, settings.max_age_days)
        if pruned.removed:
            console.print(Text(f"retention (NEWSQA_MAX_AGE_DAYS={settings.max_age_days:g}): "
                               f"{pruned.summary()}"))
    return report


def run_prune(engine: Engine, days: float, *, dry_run: bool = False) -> PruneReport:
    from index.retention import prune_older_than

    return prune_older_than(engine.store, data_dir=engine.cfg.data_dir, days=days,
                            dry_run=dry_run)


def _name(text: str) -> str:
    """A feed's name or URL as printed: shortened, escapes visible (it may come from the feed)."""
    return escape_name(shorten(text))


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


@feeds_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL (RSS or Atom).")],
    name: Annotated[str | None, typer.Option(
        "--name", help="What summaries call it (default: the feed's own title).")] = None,
) -> None:
    """Subscribe to a feed (it is fetched once to check that it is one)."""
    from index.feeds.refresh import probe_feed
    from index.feeds.subscriptions import FeedError, Subscriptions
    from index.ingest.read import is_url
    from index.ingest.skipped import Skipped

    settings = command_settings()
    with friendly_errors():
        url = url.strip()
        if not is_url(url):
            raise UserError(f"not an http(s) URL: {url}")
        with make_engine(settings).http_client() as client:
            feed = probe_feed(url, client=client)
        if isinstance(feed, Skipped):
            raise UserError(f"{url}: {feed.reason}")
        try:
            sub = Subscriptions(settings.data_dir).add(url, name=name, title=feed.title)
        except FeedError as exc:
            raise UserError(str(exc)) from None
    out.print(Text(
        f"added feed {sub.id}: {_name(sub.label)} ({_entries(len(feed.entries))}). "
        "`newsqa feeds refresh` ingests them now; `newsqa watch` keeps them current."))


@feeds_app.command("list")
def list_feeds(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List subscriptions: number, name, URL, entries ingested, last success, failures."""
    from index.feeds.refresh import describe
    from index.feeds.subscriptions import Subscriptions

    settings = command_settings()
    subs = Subscriptions(settings.data_dir)
    rows = [describe(s, subs.entry_count(s.id)) for s in subs.feeds()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        out.print("no feeds yet: add one with `newsqa feeds add URL`")
        return
    table = Table("#", "name", "url", "entries", "last ok", "status", box=None)
    for r in rows:
        status = ("ok" if not r["failures"]
                  else f"{r['failures']} failures: {escape_name(str(r['last_error']))}")
        if r["backing_off_until"]:
            status += f" (backing off until {r['backing_off_until']})"
        table.add_row(str(r["id"]), Text(_name(r["name"])), Text(_name(r["url"])),
                      str(r["entries"]), r["last_ok"] or "never",
                      Text(status, style="red" if r["failures"] else ""))
    out.print(table)


@feeds_app.command("remove")
def remove(
    ref: Annotated[str, typer.Argument(help="The feed's number (from `feeds list`), URL or name.")],
) -> None:
    """Unsubscribe. Articles already ingested stay (`newsqa prune` ages them out)."""
    from index.feeds.subscriptions import FeedError, Subscriptions

    settings = command_settings()
    try:
        sub = Subscriptions(settings.data_dir).remove(ref)
    except FeedError as exc:
        print_error(exc)
        raise typer.Exit(1) from None
    out.print(Text(f"removed feed {sub.id}: {_name(sub.label)} ({_name(sub.url)}); its "
                   "articles stay in the index"))


@feeds_app.command("refresh")
def refresh(
    refs: Annotated[list[str] | None, typer.Argument(
        help="Only these feeds (number, URL or name); default: all.")] = None,
) -> None:
    """Fetch every feed now (even those backing off) and ingest new entries."""
    from index.feeds.subscriptions import FeedError

    settings = command_settings()
    with friendly_errors():
        engine = make_engine(settings)
        try:
            report = run_refresh(engine, settings, out, refs=refs, respect_backoff=False)
        except FeedError as exc:
            raise UserError(str(exc)) from None
    if not report.feeds:
        err.print("no feeds yet: add one with `newsqa feeds add URL`")
        raise typer.Exit(1)
    if all(f.error for f in report.feeds):
        raise typer.Exit(1)


def watch(
    every: Annotated[str, typer.Option(
        "--every", help="Time between refreshes: 30s, 15m, 2h (a bare number is minutes).")
    ] = "15m",
    rounds: Annotated[int | None, typer.Option(
        "--rounds", min=1, help="Stop after this many refreshes (default: until Ctrl-C).")
    ] = None,
) -> None:
    """Refresh the subscribed feeds on a schedule until Ctrl-C (feeds failing 3 times in a
    row back off). With NEWSQA_MAX_AGE_DAYS set, old articles are pruned after each round.
    New reports on the topics you follow (`newsqa follow add TOPIC`) are shown after each."""
    from index.feeds.subscriptions import Subscriptions
    from index.ingest.pipeline import IngestBusy
    from index.store import StoreUnavailable

    settings = command_settings()
    with friendly_errors():
        seconds = parse_duration(every, default_unit="m", what="--every")
        if seconds < 1:
            raise UserError("--every must be at least 1s")
        engine = make_engine(settings)
        n = len(Subscriptions(engine.cfg.data_dir).feeds())
        if n == 0:
            raise UserError("no feeds to watch: add one with `newsqa feeds add URL`")
    err.print(f"watching {n} feed{'s' if n != 1 else ''} every {every}; Ctrl-C to stop")
    signal.signal(signal.SIGTERM, _interrupt)  # `kill`, `docker stop`: stop as cleanly
    done = 0
    try:
        while True:
            started = time.monotonic()
            out.print(Text(time.strftime("%Y-%m-%d %H:%M:%S refresh")))
            try:
                before = {a.article_id for a in engine.store.articles()}
                report = run_refresh(engine, settings, out)
                added = [a.article_id for a in engine.store.articles()
                         if a.article_id not in before] if report.ingest.added else []
                show_follows(engine, added)
            except IngestBusy as exc:
                err.print(Text(f"skipped this round: {exc}"))
            except StoreUnavailable as exc:
                err.print(Text(f"skipped this round: {exc}"))
                engine.reset_store()
            done += 1
            if rounds is not None and done >= rounds:
                return
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    except KeyboardInterrupt:
        err.print("stopped")


def show_follows(engine: Engine, added: list[str]) -> None:
    """After a refresh: one block per followed topic with new reports (``newsqa follow``)."""
    from bot.follows import local_matches
    from bot.render import print_answer

    try:
        pushes = local_matches(engine, added)
    except (UserError, OSError) as exc:  # a broken follows.json, a read-only data dir
        err.print(Text(f"followed topics not checked: {exc}"))
        return
    for push in pushes:
        print_answer(out, push)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def prune(
    older_than: Annotated[str | None, typer.Option(
        "--older-than", help="Age limit: 30d, 2w, 12h (a bare number is days). "
        "Default: NEWSQA_MAX_AGE_DAYS.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only list what would be removed.")] = False,
) -> None:
    """Drop articles older than the limit, by publication date (else the date they were first
    ingested, when known). Articles with neither date are kept."""

    settings = command_settings()
    with friendly_errors():
        if older_than is not None:
            days = parse_duration(older_than, default_unit="d", what="--older-than") / 86400
        elif settings.max_age_days:
            days = settings.max_age_days
        else:
            raise UserError("give --older-than (e.g. 30d) or set NEWSQA_MAX_AGE_DAYS")
        if days <= 0:
            raise UserError("--older-than must be more than 0")
        report = run_prune(make_engine(settings), days, dry_run=dry_run)
    for e in report.removed:
        verb = "would remove" if dry_run else "removed"
        out.print(Text(f"{verb} {e.day.isoformat()} {_name(e.title)} ({e.chunks} chunks)"))
    summary = report.summary()
    out.print(Text(f"dry run: {summary.replace('removed', 'would remove', 1)}"
                       if dry_run else summary))


def register(app: typer.Typer) -> None:
    """Add ``feeds``, ``watch`` and ``prune`` to the main ``newsqa`` app."""
    app.add_typer(feeds_app, name="feeds")
    app.command()(watch)
    app.command()(prune)
