"""``newsqa follow add|list|remove [--chat ID]``: the topics ``newsqa watch`` (or, with
``--chat``, the Telegram bot) shows new reports on. The work is in ``bot.follows`` (and
``bot.telegram.follow`` for a chat), imported only when a follow command runs: every other
command starts as fast as before."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from bot.console import command_settings, friendly_errors, out


def _edit(chat: int | None, change: Any, *, save: bool = True) -> str:
    settings = command_settings()
    if chat is None:
        from bot.follows import edit_local

        return edit_local(settings.data_dir, settings.follow_max, change, save=save)
    from bot.telegram.follow import edit_chat

    return edit_chat(settings.data_dir, settings.follow_max, chat, change, save=save)


# -- newsqa follow ------------------------------------------------------------------------------

follow_app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Followed topics: `newsqa watch` shows new reports on them after each refresh.",
)
Chat = Annotated[int | None, typer.Option(
    "--chat", help="A Telegram chat's follows instead of yours (only while the bot is stopped).")]


@follow_app.command("add")
def add_cmd(topic: Annotated[list[str], typer.Argument(help="The topic, a few words.")],
            chat: Chat = None) -> None:
    """Follow a topic."""
    from bot.follows import add_topic

    with friendly_errors():
        out.print(Text(_edit(chat, lambda fs, limit: add_topic(fs, " ".join(topic), limit))))


@follow_app.command("list")
def list_cmd(chat: Chat = None) -> None:
    """The followed topics, numbered."""
    from bot.follows import listing

    with friendly_errors():
        out.print(Text(_edit(chat, lambda fs, limit: listing(fs), save=False)))


@follow_app.command("remove")
def remove_cmd(which: Annotated[str, typer.Argument(help="The topic's number or the topic.")],
               chat: Chat = None) -> None:
    """Stop following a topic."""
    from bot.follows import unfollow

    with friendly_errors():
        out.print(Text(_edit(chat, lambda fs, limit: unfollow(fs, which))))


def register(app: typer.Typer) -> None:
    """Add ``follow`` to the main ``newsqa`` app."""
    app.add_typer(follow_app, name="follow")

