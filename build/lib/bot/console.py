"""Terminal plumbing shared by the ``newsqa`` commands, the REPL and the feeds commands: the two
consoles, one-line errors, settings and engine set-up, and the ingest with its progress bar.

It sits below ``bot.cli``, ``bot.repl`` and ``bot.feeds_cli`` so that none of them has to
import another (the old ``cli`` ⇄ ``repl`` / ``feeds_cli`` circles went through here).
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click
import typer
from rich.console import Console
from rich.text import Text

from bot.escape import escape_name
from bot.settings import Settings, load_settings
from index.datadir import DataDirError
from index.engine import Engine

if TYPE_CHECKING:  # the ingest pipeline (numpy, httpx, the parsers) loads only to ingest
    from index.types import IngestReport

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ProgressFn = Callable[[str, int], None]


class UserError(Exception):
    """A problem the user can fix: printed as one line, exit status 1."""


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Errors a user can fix become one ``error:`` line and exit 1 (bad values: exit 2)."""
    try:
        yield
    except _user_errors() as exc:  # (evaluated only when something is raised)
        print_error(exc)
        raise typer.Exit(1) from None
    except ValueError as exc:  # bad settings values, unknown model names
        print_error(exc)
        raise typer.Exit(2) from None


def print_error(exc: BaseException) -> None:
    """``error: <message>`` on one line: a message may quote a URL, a feed's reason or a
    file name, so it is never read as markup and its control characters are made visible."""
    line = Text("error:", style="red")
    line.append(f" {escape_name(str(exc))}")
    err.print(line)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a one-shot command's start-up imports chromadb and
    spaCy (~200k tracked objects, ~3k of them garbage), and the collector's repeated passes over
    them cost ~10 % of the import time; re-enabled after, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _user_errors() -> tuple[type[Exception], ...]:
    """The exception types ``friendly_errors`` turns into one line. The store's and the ingest's
    are looked up only if their modules are loaded: an exception of a module never imported
    cannot have been raised, and importing them here would load the ingest pipeline (~0.5 s)
    into every command."""
    types: list[type[Exception]] = [UserError, DataDirError]
    for module, name in (("index.store.client", "StoreUnavailable"),
                         ("index.ingest.pipeline", "IngestBusy")):
        if module in sys.modules:
            types.append(getattr(sys.modules[module], name))
    return tuple(types)


QUIET_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")
"""The HTML extractor and its helpers log ERROR/WARNING lines ("parsed tree length: 0, wrong
data type or not valid HTML", "discarding data: None") for pages that the ingest already
reports as one ``skipped`` line with its reason: noise at the default level."""


def command_settings() -> Settings:
    """The settings of one command, logging configured; invalid settings exit 2 with one line."""
    try:
        settings = load_settings()
    except Exception as exc:  # pydantic's ValidationError: name the variable, not a traceback
        err.print(f"[red]error:[/] invalid settings: {exc}", markup=True)
        raise typer.Exit(2) from None
    level = getattr(logging, settings.log_level.upper(), logging.WARNING)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level > logging.INFO:  # shown again at INFO and DEBUG, for whoever digs into a page
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    return settings


def make_engine(settings: Settings) -> Engine:
    """An engine closed when the running command ends (its Chroma files and connections)."""
    engine = Engine(settings.index_config())
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(engine.close)
    return engine


@contextmanager
def progress_bar(console: Console, what: str) -> Iterator[ProgressFn | None]:
    """A transient bar on a terminal (``total``/``input``/``embedded`` events), else None."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[chunks]} chunks embedded"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=None, chunks=0)

        def progress(event: str, n: int) -> None:
            if event == "total":
                bar.update(task, total=n)
            elif event == "input":
                bar.advance(task, n)
            elif event == "embedded":
                bar.update(task, chunks=bar.tasks[0].fields["chunks"] + n)

        yield progress


def run_ingest(
    engine: Engine, inputs: list[str], *, prune: bool = False, console: Console = err,
    upgrade: bool = False,
) -> IngestReport:
    """Ingest with a progress bar on a terminal, and the summary lines always."""
    with progress_bar(console, "ingesting") as progress:
        report = engine.ingest(inputs, prune=prune, progress=progress, upgrade=upgrade)
    from bot.render import ingest_summary

    ingest_summary(console, report)
    return report


def ensure_seeded(engine: Engine, settings: Settings) -> None:
    """First run: build the index from the seeds folder so there is something to ask about."""
    if engine.is_empty() and settings.seeds_dir.is_dir():
        err.print(f"Index is empty: building it from {settings.seeds_dir}/ (first run) …")
        # A first run may also be building the embedding model in a preload thread: let it
        # finish (or fail on a full disk) before the index writes, not while they do.
        engine.wait_preloaded()
        run_ingest(engine, [str(settings.seeds_dir)], console=err)
        return
    ensure_current(engine)


def ensure_current(engine: Engine) -> None:
    """An index written by an older ingest pipeline is re-read once, with a notice (how many
    articles, how many fetched, each within the download deadline) and a progress bar. An
    article that cannot be read now keeps its old version and is not tried at later starts
    (``index.upgrade``); a read-only or full data dir, or another ingest running, leaves the
    index as it is for this run, with one warning line: answering goes on."""
    outdated = engine.outdated_inputs()
    if not outdated:
        return
    from index.ingest.pipeline import IngestBusy
    from index.ingest.read import is_url

    urls = sum(1 for where in outdated if is_url(where))
    web = (f" ({urls} from the web, each within {engine.cfg.fetch_timeout_s:g} s)"
           if urls else "")
    err.print(
        f"The index was built by an older newsqa: re-reading {len(outdated)} "
        f"article(s) once to upgrade it{web} …"
    )
    try:
        run_ingest(engine, [], console=err, upgrade=True)
    except (DataDirError, IngestBusy) as exc:
        line = Text("warning:", style="yellow")
        line.append(f" not upgraded now ({escape_name(str(exc))}); answering from the index "
                    "as it is")
        err.print(line)


T = TypeVar("T")


def call_in_worker(fn: Callable[[], T], *, poll_s: float = 0.05) -> T:
    """Run ``fn`` in a daemon thread and wait for it.

    The wait stays in the main thread, where Ctrl-C lands: the ``KeyboardInterrupt`` propagates
    at once and the worker's eventual result is simply dropped (a search cannot be killed, but
    nobody has to wait for it).
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="newsqa-answer", daemon=True).start()
    while not done.wait(poll_s):
        pass
    if "error" in box:
        raise box["error"]
    return box["value"]
