"""Terminal rendering of an ``Answer``: rich for people, plain text for pipes.

Article text is untrusted (titles and quotes come from arbitrary web pages), so it only ever
enters rich as ``Text`` (never markup) and control characters are replaced before printing:
a quote must not be able to restyle the terminal or fake a line of our output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.escape import escape_name, shorten
from index.types import Answer, ArticleInfo, Citation, Conflict, IngestReport

# C0 controls except tab/newline, DEL, C1 controls, and bidi overrides that can reorder a line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

QUOTE_BAR = "│ "


def safe(text: str | None) -> str:
    """Article-supplied text with terminal control characters made visible-harmless."""
    return _CONTROL.sub("\ufffd", text or "")


def meta(text: str | None) -> str:
    """A title or outlet as shown: control characters replaced, shortened to one line."""
    return shorten(safe(text))


def _date(published: str | None) -> str:
    return safe(published)[:10]


def _link(url: str | None, path: str | None) -> Text:
    """A clickable link where the terminal supports it: the URL, else the file."""
    if url:
        return Text(safe(url), style=Style(underline=True, link=url))
    if path:
        p = Path(path)
        return Text(safe(path), style=Style(dim=True, link=p.as_uri() if p.is_absolute() else None))
    return Text("")


class Reflow:
    """Renders its content word-wrapped to the width even on a ``soft_wrap`` console.

    ``soft_wrap=True`` (the CLI's console) turns off wrapping for everything printed, so
    panels, tables and block quotes would be cropped to their first line; this restores it.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.renderable, options.update(no_wrap=False, overflow="fold"))


class BlockQuote:
    """``[n] │ quote``, the bar repeated on every wrapped line (a Panel or padding is not)."""

    def __init__(self, text: Text, label: str = "") -> None:
        self.text = text
        self.label = label

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        gutter = max(len(self.label) + 1, 4)
        width = max(options.max_width - gutter - len(QUOTE_BAR), 10)
        lines = console.render_lines(
            self.text, options.update(width=width, no_wrap=False, overflow="fold"), pad=False
        )
        for i, line in enumerate(lines):
            label = self.label if i == 0 else ""
            yield Segment(label.ljust(gutter), Style(bold=True, color="cyan"))
            yield Segment(QUOTE_BAR, Style(dim=True))
            yield from line
            yield Segment.line()


def conflict_text(conflict: Conflict) -> Text:
    """One line per compared slot: the values side by side with their dates and quote numbers
    ("⚠ Sources disagree …", or "↻ Updated …" newest first for dated reports of a change)."""
    update = conflict.kind == "update"
    text = Text("↻ Updated" if update else "⚠ Sources disagree",
                style="bold yellow" if update else "bold red")
    text.append(f" {'' if update else 'on '}the {safe(conflict.topic)}: ")
    for i, claim in enumerate(conflict.claims):
        if i:
            text.append("  ←  " if update else "  vs  ", style="dim")
        text.append(safe(claim.value), style="bold")
        if claim.published:
            text.append(f" ({_date(claim.published)}{', latest' if update and not i else ''})",
                        style="dim")
        text.append(" " + " ".join(f"[{n}]" for n in claim.citations), style="cyan")
    return text


def _cited_articles(citations: Iterable[Citation]) -> list[tuple[list[int], Citation]]:
    """One row per article, listing every citation number that points into it."""
    rows: dict[str, tuple[list[int], Citation]] = {}
    for c in citations:
        rows.setdefault(c.article_id, ([], c))[0].append(c.n)
    return list(rows.values())


def _article_cell(title: str | None, url: str | None, path: str | None) -> Text:
    cell = Text(meta(title) or "(untitled)")
    link = _link(url, path)
    if link:
        cell.append("\n")
        cell.append_text(link)
    return cell


def citations_table(citations: list[Citation]) -> Table:
    """The cited articles: which [n] point into each, outlet, date, title and link."""
    table = Table(box=None, pad_edge=False, header_style="bold dim")
    table.add_column("#", style="cyan", no_wrap=True)
    table.add_column("outlet", max_width=20)
    table.add_column("date", no_wrap=True)
    table.add_column("article", overflow="fold")
    for numbers, c in _cited_articles(citations):
        table.add_row(
            Text(",".join(map(str, numbers))),
            Text(meta(c.source) or "—"),
            Text(_date(c.published) or "—"),
            _article_cell(c.title, c.url, c.path),
        )
    return table


def closest_table(articles: list[ArticleInfo]) -> Table:
    table = Table(title="Closest articles searched", box=None, pad_edge=False,
                  header_style="bold dim", title_justify="left", title_style="dim")
    table.add_column("outlet", max_width=20)
    table.add_column("date", no_wrap=True)
    table.add_column("article", overflow="fold")
    for a in articles:
        table.add_row(Text(meta(a.source) or "—"), Text(_date(a.published) or "—"),
                      _article_cell(a.title, a.url, a.path))
    return table


def _stated(conflict: Conflict, answer_text: str) -> bool:
    """Whether the answer text already names every competing value (the offline composer does)."""
    return all(c.value and c.value in answer_text for c in conflict.claims)


def answer_renderable(answer: Answer) -> RenderableType:
    parts: list[RenderableType] = []
    if answer.resolved_question:
        parts.append(Text(f"(understood as: {safe(answer.resolved_question)})", style="dim"))
    if answer.refused:
        head = Text("✗ No answer: ", style="bold yellow")
        head.append(safe(answer.answer))
        parts.append(head)
    else:
        body = Text(safe(answer.answer))
        for conflict in answer.conflicts:
            if _stated(conflict, body.plain):  # said once, in the answer: highlight it there
                body.highlight_words([safe(c.value) for c in conflict.claims], "bold red")
                body.highlight_regex(r"(?i)\bthe sources disagree\b|^Latest:|\bReports (?:"
                                     r"differ|changed over time)\b", "bold red")
            else:
                parts.append(conflict_text(conflict))
        parts.append(body)
    if answer.notice:
        parts.append(Text(f"note: {safe(answer.notice)}", style="italic yellow"))
    if answer.citations:
        parts.append(Text(""))
        parts.extend(
            BlockQuote(Text(safe(c.quote), style="italic"), f"[{c.n}]") for c in answer.citations
        )
        parts.append(Text(""))
        parts.append(citations_table(answer.citations))
    if answer.refused and answer.closest:
        parts.append(Text(""))
        parts.append(closest_table(answer.closest))
    return Reflow(Group(*parts))


def print_answer(console: Console, answer: Answer) -> None:
    console.print(answer_renderable(answer))


def plain_answer(answer: Answer) -> str:
    """Chrome-free text for pipes and logs: no styling, one citation per line."""
    lines: list[str] = []
    if answer.resolved_question:
        lines.append(f"(understood as: {safe(answer.resolved_question)})")
    if answer.refused:
        lines.append(f"No answer: {safe(answer.answer)}")
    else:
        for conflict in answer.conflicts:
            if _stated(conflict, answer.answer):
                continue
            lines.append(conflict_text(conflict).plain)
        lines.append(safe(answer.answer))
    if answer.notice:
        lines.append(f"note: {safe(answer.notice)}")
    for c in answer.citations:
        about = ", ".join(x for x in (meta(c.source), _date(c.published), meta(c.title)) if x)
        link = safe(c.url or c.path)
        lines.append(f"[{c.n}] “{safe(c.quote)}” — {about}" + (f" <{link}>" if link else ""))
    return "\n".join(lines)


def sources_table(articles: list[ArticleInfo]) -> RenderableType:
    table = Table(title=f"{len(articles)} articles", title_justify="left")
    table.add_column("id", no_wrap=True, style="dim")
    table.add_column("title", ratio=3)
    table.add_column("outlet", ratio=1)
    table.add_column("published", no_wrap=True)
    table.add_column("chunks", justify="right")
    for a in articles:
        table.add_row(Text(safe(a.article_id)), Text(meta(a.title)), Text(meta(a.source)),
                      Text(_date(a.published)), Text(str(a.chunks)))
    return Reflow(table)


def plain_sources(articles: list[ArticleInfo]) -> str:
    """Tab-separated ``id title outlet published chunks``, one article a line."""
    return "\n".join(
        "\t".join((safe(a.article_id), meta(a.title), meta(a.source), _date(a.published),
                   str(a.chunks)))
        for a in articles
    )


def ingest_summary(console: Console, report: IngestReport) -> None:
    for item, reason in report.skipped:
        line = Text("skipped ", style="yellow")
        line.append(f"{escape_name(item)}: {escape_name(reason)}")  # one line each, always
        console.print(line)
    for item, note in report.notes:
        line = Text("note ", style="cyan")
        line.append(f"{safe(item)}: {safe(note)}")
        console.print(line)
    console.print(report.summary(), markup=False, highlight=False)
