"""``newsqa repl``: a chat at the terminal, or one question per line from a pipe. Both modes
share one ``Repl``; prompt_toolkit is imported only for a terminal, and the embedder warms up
after the prompt shows, so the prompt appears before the model is loaded."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TextIO, TypeVar

from rich.console import Console
from rich.json import JSON
from rich.text import Text

from bot import render
from bot.console import UserError, call_in_worker
from bot.settings import Settings
from index.datadir import DataDirError
from index.engine import Engine, remember
from index.store import StoreUnavailable, make_private_dir
from index.types import Answer, Turn

log = logging.getLogger(__name__)

T = TypeVar("T")

K_MIN, K_MAX = 1, 50
HISTORY_FILE = "repl_history"
COMMANDS = ("/help", "/latest", "/follow", "/following", "/unfollow", "/sources", "/ingest",
            "/reset", "/k", "/json", "/quit", "/exit")
EMPTY_INDEX = (
    "The index is empty: add articles with /ingest PATH|URL (or `newsqa ingest PATH`), "
    "then ask again."
)


def help_text(k: int, as_json: bool) -> str:
    return "\n".join((
        "Type a question about the indexed articles; follow-ups use the conversation.",
        "  /latest [TOPIC]   newest articles on TOPIC, one lede each (alone: the top stories)",
        "  /follow TOPIC     show new reports on TOPIC after each `newsqa watch` refresh",
        "  /following        the followed topics; /unfollow N (or the topic) stops one",
        "  /sources          list the indexed articles",
        "  /ingest PATH|URL  add a file, a folder or a web page",
        "  /reset            forget the conversation (next question starts fresh)",
        f"  /k N              quote from the N best chunks, {K_MIN}–{K_MAX} (now {k})",
        f"  /json             toggle raw JSON answers (now {'on' if as_json else 'off'})",
        "  /help             this help",
        "  /quit             leave (also /exit or Ctrl-D); Ctrl-C cancels a running question",
    ))


class Repl:
    """Commands and conversation state, independent of where lines come from. ``out`` gets
    answers and what was asked for; ``err`` status lines and errors (stderr in a pipe)."""

    def __init__(self, engine: Engine, *, out: Console, err: Console, plain: bool,
                 follow_max: int = 10) -> None:
        self.engine = engine
        self.follow_max = follow_max
        self.out = out
        self.err = err
        self.plain = plain
        self.history: list[Turn] = []
        self.k: int | None = None
        self.as_json = False
        self.article_count: int | None = None
        self._has_articles = False
        self._answers_printed = 0

    @property
    def effective_k(self) -> int:
        return self.k or self.engine.cfg.top_k

    def handle(self, line: str) -> bool:
        """Run one line (question or command); False means the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return self.command(line)
        self.ask(line)
        return True

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("/quit", "/exit"):
            return False
        if name == "/help":
            self._say(help_text(self.effective_k, self.as_json), to=self.out)
        elif name == "/latest":  # a dated briefing, as "what's the latest on TOPIC?" gives
            self.ask(f"What's the latest on {arg}?" if arg else "What's new?")
        elif name in ("/follow", "/following", "/unfollow"):
            self.follow(name, arg)
        elif name == "/sources":
            self.show_sources()
        elif name == "/ingest":
            self.ingest(arg)
        elif name == "/reset":
            self.history.clear()
            self._say("Conversation cleared: the next question starts fresh.")
        elif name == "/k":
            self.set_k(arg)
        elif name == "/json":
            self.as_json = not self.as_json
            self._say(f"JSON output {'on' if self.as_json else 'off'}.")
        else:
            self._say(f"Unknown command {line.split()[0]!s}.")
            self._say(help_text(self.effective_k, self.as_json), to=self.out)
        return True

    # -- commands -----------------------------------------------------------------------------

    def set_k(self, arg: str) -> None:
        if not arg:
            self._say(f"k = {self.effective_k} (change with /k N, {K_MIN}–{K_MAX}).")
            return
        try:
            k = int(arg)
        except ValueError:
            k = 0
        if not K_MIN <= k <= K_MAX:
            self._error(f"/k needs a whole number from {K_MIN} to {K_MAX}, not {arg!r}.")
            return
        self.k = k
        self._say(f"k = {k}: answers quote from the {k} best chunks.")

    def follow(self, name: str, arg: str) -> None:
        """/follow TOPIC, /following, /unfollow N|TOPIC: the local user's followed topics."""
        from bot.follows import add_topic, edit_local, listing, unfollow

        def change(follows: list[Any], limit: int) -> str:
            if name == "/follow" and arg:
                return add_topic(follows, arg, limit)
            if name == "/unfollow":
                return unfollow(follows, arg)
            return listing(follows)

        try:
            self._say(edit_local(self.engine.cfg.data_dir, self.follow_max, change,
                           save=name != "/following" and bool(arg)))
        except (UserError, OSError) as exc:  # a broken follows.json, a read-only data dir
            self._error(str(exc))

    def show_sources(self) -> None:
        try:
            with self._busy("reading the index…"):
                articles = self.engine.sources()
        except StoreUnavailable as exc:
            self._store_down(exc)
            return
        except DataDirError as exc:
            self._error(str(exc))
            return
        self.article_count = len(articles)
        if not articles:
            self._say(EMPTY_INDEX)
        elif self.plain:
            self._print_plain(render.plain_sources(articles))
        else:
            self.out.print(render.sources_table(articles))

    def ingest(self, arg: str) -> None:
        if not arg:
            self._error("Usage: /ingest PATH|URL (a .txt/.md/.html file, a folder or a web page).")
            return
        from bot.console import run_ingest  # the same progress bar and summary as the CLI
        from index.ingest.pipeline import IngestBusy  # lazily: pulls numpy and httpx

        try:
            run_ingest(self.engine, _ingest_inputs(arg), console=self.err)
        except StoreUnavailable as exc:
            self._store_down(exc)
        except (IngestBusy, DataDirError, OSError, ValueError) as exc:
            self._error(str(exc))
        self._has_articles = False
        try:
            self.article_count = len(self.engine.sources())
        except Exception:  # only the toolbar count; the next question reports a real problem
            self.article_count = None

    # -- questions ----------------------------------------------------------------------------

    def ask(self, question: str) -> None:
        history = tuple(self.history)

        def work() -> Answer | None:
            if not self._has_articles:  # an empty index gets a hint, not a refusal
                self._has_articles = not self.engine.is_empty()
                if not self._has_articles:
                    return None
            return self.engine.answer(question, history, k=self.k)

        try:
            with self._busy("searching the articles…"):
                answer = call_in_worker(work)
        except StoreUnavailable as exc:
            self._store_down(exc)
            return
        except DataDirError as exc:  # a full disk: one line, the session goes on
            self._error(str(exc))
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # keep the session: one line now, the traceback in the log
            log.debug("answer failed", exc_info=True)
            self._error(f"could not answer: {type(exc).__name__}: {exc}")
            return
        if answer is None:
            self._say(EMPTY_INDEX)
            return
        self.history = remember(self.history, answer)
        self.show(answer)

    def _busy(self, what: str) -> AbstractContextManager[object]:
        """A spinner on a terminal (the first question may wait for the model to load)."""
        if self.out.is_terminal:
            return self.out.status(what, spinner="dots")
        return nullcontext()

    def show(self, answer: Answer) -> None:
        if self.as_json:
            data = json.dumps(answer.to_json(), ensure_ascii=False)
            if self.plain:
                self._print_plain(data)  # one object a line: JSON Lines for scripts
            else:
                self.out.print(JSON(data), soft_wrap=True)
            return
        if self.plain:
            if self._answers_printed:
                self._print_plain("")
            self._print_plain(render.plain_answer(answer))
        else:
            self.out.print()
            render.print_answer(self.out, answer)
            self.out.print()
        self._answers_printed += 1

    # -- output -------------------------------------------------------------------------------

    def _print_plain(self, text: str) -> None:
        self.out.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def _say(self, text: str, *, to: Console | None = None) -> None:
        console = to or self.err
        if self.plain:
            console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
        else:
            console.print(Text(text, style="dim" if to is None else ""))

    def _error(self, text: str) -> None:
        line = Text("error: ", style="bold red")
        line.append(render.safe(text))
        self.err.print(line, soft_wrap=self.plain)

    def _store_down(self, exc: StoreUnavailable) -> None:
        self._error(str(exc))
        self.engine.reset_store()  # reconnect on the next question

    # -- background ---------------------------------------------------------------------------

    def warm_up(self, on_done: Callable[[], None] = lambda: None) -> threading.Thread:
        """Load the embedder and count the articles while the user types the first question."""

        def work() -> None:
            try:
                self.engine.embedder  # noqa: B018 - loading is the point
                self.article_count = len(self.engine.sources())
                import index.answer.compose  # noqa: F401 - first answer needs it
            except Exception:  # the first question reports it properly
                log.debug("warm-up failed", exc_info=True)
            on_done()

        thread = threading.Thread(target=work, name="newsqa-warm-up", daemon=True)
        thread.start()
        return thread

    def toolbar(self) -> str:
        articles = (
            "loading the index…" if self.article_count is None
            else f"{self.article_count} article{'s' if self.article_count != 1 else ''}"
        )
        turns = len(self.history)
        context = f"{turns} earlier turn{'s' * (turns != 1)}" if turns else "new conversation"
        return f" {articles} · k={self.effective_k} · {context} · /help · Ctrl-D quits "


def _ingest_inputs(arg: str) -> list[str]:
    """``/ingest my file.txt`` is one path when it exists; otherwise split like a shell."""
    if "://" in arg:
        return [arg]
    whole = str(Path(arg).expanduser())
    if Path(whole).exists():
        return [whole]
    try:
        return [str(Path(a).expanduser()) for a in shlex.split(arg)] or [whole]
    except ValueError:
        return [whole]


def history_path(settings: Settings) -> Path:
    """``<data_dir>/repl_history``, owner-only: past questions are private."""
    make_private_dir(settings.data_dir)
    path = settings.data_dir / HISTORY_FILE
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    path.chmod(0o600)  # an older file may have been created with the umask
    return path


def run_repl(
    engine: Engine,
    settings: Settings,
    *,
    input_stream: TextIO | None = None,
    output: Console | None = None,
    prompt_input: Any = None,
    prompt_output: Any = None,
) -> None:
    """Chat on a terminal; with piped stdin, answer one question per line and exit at EOF.

    Args:
        engine: the opened (or lazily opening) engine.
        settings: for the data dir, where the prompt history lives.
        input_stream: lines to read in piped mode (default stdin when it is not a terminal).
        output: where everything is printed (default stdout; stderr for status in a pipe).
        prompt_input, prompt_output: prompt_toolkit ``Input``/``Output`` for tests; either one
            forces the interactive mode.
    """
    interactive = prompt_input is not None or (input_stream is None and sys.stdin.isatty())
    if interactive:
        out = output or Console(highlight=False, emoji=False)
        repl = Repl(engine, out=out, err=out, plain=False, follow_max=settings.follow_max)
        _interactive(repl, settings, prompt_input, prompt_output)
        return
    out = output or Console(highlight=False, emoji=False, soft_wrap=True)
    err = output or Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)
    repl = Repl(engine, out=out, err=err, plain=True, follow_max=settings.follow_max)
    for line in input_stream or sys.stdin:
        if not repl.handle(line):
            break


def _interactive(repl: Repl, settings: Settings, prompt_input: Any, prompt_output: Any) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import FileHistory, History, InMemoryHistory

    out = repl.out
    history: History
    try:
        history = FileHistory(str(history_path(settings)))
    except OSError as exc:
        repl._error(f"prompt history not saved ({exc})")
        history = InMemoryHistory()
    session: PromptSession[str] = PromptSession(
        history=history,
        input=prompt_input,
        output=prompt_output,
        completer=WordCompleter(list(COMMANDS), sentence=True),
        complete_while_typing=True,
        bottom_toolbar=repl.toolbar,
        placeholder="ask about the news…",
    )
    out.print(Text.assemble(
        ("newsqa", "bold"),
        " — answers quote the indexed news articles verbatim. ",
        ("/help", "bold cyan"), " for commands, ", ("Ctrl-D", "bold"), " to leave.",
    ))
    repl.warm_up(on_done=lambda: _quietly(session.app.invalidate))  # the toolbar's count
    while True:
        try:  # an error in prompt_toolkit's loop is logged, not a "Press ENTER" wait forever
            line = session.prompt("› ", set_exception_handler=False)
        except KeyboardInterrupt:  # at the prompt: prompt_toolkit already cleared the line
            continue
        except EOFError:
            break
        try:
            if not repl.handle(line):
                break
        except KeyboardInterrupt:
            out.print(Text("cancelled", style="dim"))
    out.print(Text("bye", style="dim"))


def _quietly(fn: Callable[[], None]) -> None:
    """From another thread: the prompt may be closing meanwhile (loop closed)."""
    with contextlib.suppress(RuntimeError):
        fn()
