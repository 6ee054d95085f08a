"""Terminal rendering of an ``Answer`` with rich: answer, block-quoted sources, conflicts."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from index.types import Answer, ArticleInfo, IngestReport


def answer_renderable(answer: Answer) -> Group:
    parts: list[object] = []
    if answer.refused:
        parts.append(Panel(Text(answer.answer), title="No answer in the articles",
                           border_style="yellow"))
    else:
        for conflict in answer.conflicts:
            claims = "  vs  ".join(
                f"[bold]{escape(c.value)}[/] " + " ".join(f"[{n}]" for n in c.citations)
                for c in conflict.claims
            )
            parts.append(Text.from_markup(
                f"[bold red]⚠ Sources disagree[/] on the {escape(conflict.topic)}: {claims}"
            ))
        parts.append(Text(answer.answer))
    if answer.notice:
        parts.append(Text(answer.notice, style="italic yellow"))
    for c in answer.citations:
        meta = " · ".join(x for x in (c.source, (c.published or "")[:10], c.title) if x)
        quote = Text("  │ ", style="dim")
        quote.append(c.quote, style="italic")
        parts.append(Text(f"[{c.n}] {meta}", style="bold cyan"))
        parts.append(quote)
        link = c.url or c.path
        if link:
            parts.append(Text(f"    {link}", style="dim underline"))
    if answer.refused and answer.closest:
        table = Table("closest articles", "outlet", "date", box=None)
        for a in answer.closest:
            table.add_row(a.title, a.source or "", (a.published or "")[:10])
        parts.append(table)
    return Group(*parts)  # type: ignore[arg-type]


def print_answer(console: Console, answer: Answer) -> None:
    console.print(answer_renderable(answer))


def plain_answer(answer: Answer) -> str:
    """Chrome-free text for pipes and logs."""
    lines = [answer.answer]
    if answer.notice:
        lines.append(answer.notice)
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source, (c.published or "")[:10], c.title) if x)
        lines.append(f"[{c.n}] “{c.quote}” — {meta}" + (f" <{c.url or c.path}>" if (c.url or c.path) else ""))
    return "\n".join(lines)


def sources_table(articles: list[ArticleInfo]) -> Table:
    table = Table("id", "title", "outlet", "published", "chunks", title=f"{len(articles)} articles")
    for a in articles:
        table.add_row(a.article_id, a.title, a.source or "", (a.published or "")[:10], str(a.chunks))
    return table


def ingest_summary(console: Console, report: IngestReport) -> None:
    for item, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {escape(item)}: {escape(reason)}")
    console.print(report.summary())
