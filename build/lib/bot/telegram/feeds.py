"""Feeds in the Telegram bot: ``/feeds`` for admins, and a JobQueue refresh every
``NEWSQA_FEED_REFRESH`` (0 = off), followed by retention when ``NEWSQA_MAX_AGE_DAYS`` is set.

A refresh runs in its own single thread, never in the answer pool, so questions are answered
while it fetches and embeds; it takes the ingest lock only to write (another ingest running
means "try next time"). Results go to the log, one line per feed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.telegram.base import App, BotBase, Context, after_command
from bot.telegram.render import plain
from index.ingest.pipeline import IngestBusy
from index.store import StoreUnavailable

if TYPE_CHECKING:
    from index.feeds.refresh import RefreshReport

log = logging.getLogger(__name__)

FIRST_REFRESH_MAX_S = 60.0  # the first refresh after start-up: soon, but not during warm-up
NOT_ADMIN = "Sorry, only the bot's admins can manage feeds."
USAGE = ("/feeds lists the subscribed feeds; /feeds add URL subscribes to an RSS/Atom feed; "
         "/feeds remove N unsubscribes (its articles stay).")


class FeedsBot:
    """``/feeds`` and the scheduled refresh over one ``BotBase``'s engine and settings."""

    def __init__(self, bot: BotBase) -> None:
        self.bot = bot
        self.engine = bot.engine
        self.data_dir = bot.engine.cfg.data_dir
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="newsqa-feed-refresh")
        self.running = False
        self.runs: list[tuple[float, float]] = []
        """``(start, end)`` monotonic times of finished refreshes (tests, diagnostics)."""
        self.last: RefreshReport | None = None
        self.on_new: list[Callable[[list[str]], Awaitable[None]]] = []
        """Called with the ids of the articles a refresh added (``follow`` pushes them)."""

    async def _in_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    # -- refresh ---------------------------------------------------------------------------------

    def _refresh_sync(
        self, feed_ids: list[int] | None = None
    ) -> tuple[RefreshReport, list[str]]:
        """The refresh, and the ids of the articles it added (still in the index after
        retention)."""
        from index.feeds.refresh import refresh_feeds
        from index.feeds.subscriptions import Subscriptions
        from index.retention import prune_older_than

        settings = self.bot.settings
        before = {a.article_id for a in self.engine.store.articles()}
        with self.engine.http_client() as client:
            report = refresh_feeds(
                Subscriptions(self.data_dir), self.engine.store, self.engine.embedder,
                data_dir=self.data_dir, feed_ids=feed_ids, respect_backoff=feed_ids is None,
                max_age_days=settings.max_age_days, max_tokens=self.engine.cfg.max_chunk_tokens,
                client=client, max_entries=self.engine.cfg.feed_max_entries,
            )
        for result in report.feeds:
            log.info("feed refresh: %s", result.line())
        log.info("feed refresh done: %s", report.summary())
        if settings.max_age_days:
            pruned = prune_older_than(self.engine.store, data_dir=self.data_dir,
                                      days=settings.max_age_days)
            if pruned.removed:
                log.info("retention: %s", pruned.summary())
        if not report.ingest.added:
            return report, []
        return report, [a.article_id for a in self.engine.store.articles()
                        if a.article_id not in before]

    async def refresh(self, feed_ids: list[int] | None = None) -> RefreshReport | None:
        """One refresh unless one is running; None when skipped or failed (logged)."""
        if self.running:
            log.info("feed refresh skipped: the previous one is still running")
            return None
        self.running = True
        started = time.monotonic()
        try:
            self.last, added = await self._in_thread(self._refresh_sync, feed_ids)
        except IngestBusy:
            log.info("feed refresh postponed: another ingest is running")
        except StoreUnavailable as exc:
            log.warning("feed refresh skipped, index unavailable: %s", exc)
            self.engine.reset_store()
        except Exception:
            log.exception("feed refresh failed")
        else:
            for callback in self.on_new:
                try:
                    await callback(added)
                except Exception:
                    log.exception("after the feed refresh")
            return self.last
        finally:
            self.running = False
            self.runs.append((started, time.monotonic()))
        return None

    async def job(self, context: Context) -> None:
        """The JobQueue callback."""
        await self.refresh()

    # -- /feeds ----------------------------------------------------------------------------------

    async def command(self, update: Update, context: Context) -> None:
        """/feeds, /feeds add URL, /feeds remove N: admins only."""
        from index.feeds.subscriptions import FeedError, Subscriptions

        message = update.effective_message
        if message is None:
            return
        if update.effective_user not in self.bot.admins:
            await self.bot._reply(message, [plain(NOT_ADMIN)])
            return
        verb, _, arg = after_command(message).partition(" ")
        verb, arg = verb.lower(), arg.strip()
        subs = Subscriptions(self.data_dir)
        try:
            if not verb or verb == "list":
                text = await self._in_thread(self._listing, subs)
            elif verb == "add" and re.fullmatch(r"https?://\S+", arg):
                text = await self._add(subs, arg)
            elif verb == "remove" and arg:
                sub = subs.remove(arg)
                text = f"Removed feed {sub.id}: {sub.label}. Its articles stay in the index."
            else:
                text = USAGE
        except FeedError as exc:
            text = str(exc)
        await self.bot._reply(message, [plain(text)])

    def _listing(self, subs: Any) -> str:
        feeds = subs.feeds()
        if not feeds:
            return "No feeds yet. " + USAGE
        lines = []
        for s in feeds:
            line = f"{s.id}. {s.label} — {s.url} ({subs.entry_count(s.id)} entries)"
            if s.failures:
                line += f"; {s.failures} failures in a row, last: {s.last_error}"
                if s.backing_off():
                    line += " (backing off)"
            lines.append(line)
        return "\n".join(lines)

    async def _add(self, subs: Any, url: str) -> str:
        from index.feeds.refresh import probe_feed
        from index.ingest.skipped import Skipped

        def probe() -> Any:
            with self.engine.http_client() as client:
                return probe_feed(url, client=client)

        feed = await self._in_thread(probe)
        if isinstance(feed, Skipped):
            return f"Not added: {feed.reason}"
        sub = subs.add(url, title=feed.title)
        report = await self.refresh([sub.id])
        done = report.feeds[0].line() if report and report.feeds else "first refresh pending"
        return f"Added feed {sub.id}: {sub.label}. {done}"


def register_feeds(app: App, bot: BotBase) -> FeedsBot:
    """Add ``/feeds`` and the scheduled refresh (``app.bot_data["feeds"]`` holds the
    ``FeedsBot``); the refresh thread is shut down after the app's own ``post_shutdown``."""
    feeds = FeedsBot(bot)
    app.bot_data["feeds"] = feeds
    app.add_handler(CommandHandler("feeds", feeds.command, filters=filters.UpdateType.MESSAGE))
    interval = bot.settings.feed_refresh_s
    if interval > 0 and app.job_queue is not None:
        app.job_queue.run_repeating(feeds.job, interval=interval,
                                    first=min(interval, FIRST_REFRESH_MAX_S),
                                    name="feed-refresh")
    elif interval > 0:
        log.warning("NEWSQA_FEED_REFRESH is set but the job queue is missing: install "
                    "python-telegram-bot[job-queue]")
    previous = app.post_shutdown

    async def post_shutdown(application: Any) -> None:
        if previous is not None:
            await previous(application)
        feeds.pool.shutdown(wait=True, cancel_futures=True)

    app.post_shutdown = post_shutdown
    return feeds
