"""The ``newsqa`` command: ingest, sources, ask, repl, telegram, eval (and feeds, watch,
prune from ``bot.feeds_cli``).

Every command builds the settings once, then an ``Engine``; errors that a user can fix are
printed as one line (no traceback) with a non-zero exit.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.console import (
    command_settings,
    ensure_seeded,
    err,
    friendly_errors,
    gc_paused,
    make_engine,
    out,
    run_ingest,
)
from bot.feeds_cli import register as register_feeds
from bot.follow_cli import register as register_follow

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Ask questions about news articles; answers quote their sources verbatim.",
    rich_markup_mode=None,
)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or http(s) URLs.")],
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose files are gone.")
    ] = False,
) -> None:
    """Add or update articles (.txt, .md, .html, URLs; a feed URL: its entries) in the index."""
    settings = command_settings()
    with friendly_errors():
        engine = make_engine(settings)
        # An index built by an older pipeline is re-read along the way (once).
        report = run_ingest(engine, paths, prune=prune, console=out, upgrade=True)
    if not report.ingested_any and not report.removed:
        raise typer.Exit(1)


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the indexed articles."""
    settings = command_settings()
    with friendly_errors():
        articles = make_engine(settings).sources()
    if as_json:
        print(json.dumps([a.to_json() for a in articles], ensure_ascii=False, indent=2))
        return
    from bot.render import sources_table

    out.print(sources_table(articles))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Chunks to retrieve.", min=1, max=50)] = None,
    source: Annotated[str | None, typer.Option(help="Only articles from this outlet.")] = None,
    since: Annotated[str | None, typer.Option(help="Published on/after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Published on/before (YYYY-MM-DD).")] = None,
    history: Annotated[list[str] | None, typer.Option(
        "--history", "-H", help="An earlier question of the conversation (repeat, oldest "
        "first): QUESTION is then asked as its follow-up.")] = None,
) -> None:
    """Answer one question from the indexed articles, with quoted sources."""
    for name, day in (("--since", since), ("--until", until)):
        if day is not None and not _iso_day(day):
            raise typer.BadParameter(f"{day!r} is not a date: use YYYY-MM-DD.", param_hint=name)
    if since and until and _day(since) > _day(until):
        raise typer.BadParameter(f"{since} is after --until {until}: no article can be in "
                                 "that range.", param_hint="--since")
    settings = command_settings()
    # Cold start: the parser and the embedder load in threads while Chroma opens, and the
    # cyclic GC (pure overhead over ~2 s of imports) waits until the answer is out.
    with gc_paused(), friendly_errors():
        from index.answer.retrieve import Filters
        from index.engine import remember
        from index.types import Turn

        engine = make_engine(settings)
        engine.preload()
        try:
            ensure_seeded(engine, settings)
            filters = Filters(source, since, until)
            turns: list[Turn] = []
            for earlier in history or []:
                turns = remember(turns, engine.answer(earlier, turns, k=k, filters=filters))
            answer = engine.answer(question, turns, k=k, filters=filters)
        finally:  # e.g. Chroma is down: exit cleanly, not while ONNX builds its session
            engine.wait_preloaded()
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return
    from bot.render import print_answer

    print_answer(out, answer)


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _iso_day(text: str) -> bool:
    try:
        _day(text)
    except ValueError:
        return False
    return True


@app.command()
def repl() -> None:
    """Chat with the articles at the terminal (pipes: one question per line)."""
    settings = command_settings()
    from bot.repl import run_repl

    with friendly_errors():
        engine = make_engine(settings)
        # Opening Chroma costs ~1 s of imports: only do it before the prompt when the index
        # cannot exist yet (first run). An existing empty index gets an /ingest hint instead.
        if settings.chroma_host or not (engine.cfg.chroma_dir / "chroma.sqlite3").exists():
            ensure_seeded(engine, settings)
        run_repl(engine, settings)


@app.command()
def telegram() -> None:
    """Run the Telegram bot (long polling, or a webhook when configured)."""
    settings = command_settings()
    from bot.telegram.app import run_telegram

    with friendly_errors():
        engine = make_engine(settings)
        ensure_seeded(engine, settings)
        run_telegram(settings, engine)


@app.command(name="migrate-telegram-state")
def migrate_telegram_state() -> None:
    """Convert the old Telegram state (telegram_state.pickle) to JSON, once.

    No code from the file is run: it is read with an unpickler that accepts only the bot's
    own state classes (anything else is refused), then renamed *.migrated. The bot itself
    never loads it.
    """
    settings = command_settings()
    from bot.telegram.migrate import migrate_pickle
    from bot.telegram.state import StateError

    try:
        chats = migrate_pickle(settings.data_dir)
    except (StateError, OSError) as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        raise typer.Exit(1) from None
    out.print(f"migrated the state of {chats} chat{'s' if chats != 1 else ''} to "
              f"{settings.data_dir / 'telegram_state.json'}")


@app.command(name="eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help="questions.jsonl (eval-dev format).")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write results.jsonl.")],
    corpus: Annotated[
        Path | None, typer.Option(help="Ingest this folder first into the data dir.")
    ] = None,
    k: Annotated[int | None, typer.Option("-k", min=1, max=50)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
) -> None:
    """Run a question set and report answer hits, refusals, evidence recall and latency."""
    settings = command_settings()
    from bot.eval.run import run_eval

    with friendly_errors():
        engine = make_engine(settings)
        if corpus is not None:
            run_ingest(engine, [str(corpus)], console=err)
        run_eval(engine, questions, out_path, k=k, as_json=as_json, console=out)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


register_feeds(app)  # feeds, watch, prune: after the main commands in --help
register_follow(app)  # follow add|list|remove
