"""Telegram HTML rendering: escaping, quotes, links, and splitting into valid messages."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from fake_bot_api import parse_telegram_html  # tests/ is on sys.path

from bot.telegram.render import (
    EXPANDABLE_OVER,
    MAX_ANSWER_MESSAGES,
    MAX_FULL_MESSAGES,
    MAX_MESSAGE,
    QUOTE_PREVIEW,
    Block,
    clean,
    pack,
    render_answer,
    render_ingest,
    render_sources,
    safe_href,
    strip_html,
    u16len,
)
from index.types import Answer, ArticleInfo, Citation, Claim, Conflict, IngestReport

HOSTILE = [
    "<b>", "</b>", "<script>alert('x')</script>", "&", "&amp;", "&#x27;", "<", ">", "\"", "'",
    "🇺🇦", "👩‍👩‍👧", "\u202eRTL override", "שלום עולם", "مرحبا", "e\u0301", "\x00", "\ud800",
    "<blockquote>", "</a>", "<a href='javascript:x'>", " ", " ", "\n", "\n\n", "word", "Sentence.",
]


def squash(text: str) -> str:
    return "".join(text.split())


def visible(parts: list[str]) -> str:
    out = []
    for part in parts:
        text, errors = parse_telegram_html(part)
        assert errors == [], (errors, part[:500])
        assert u16len(part) <= MAX_MESSAGE
        out.append(text)
    return "".join(out)


def cite(n: int, quote: str, **kw: Any) -> Citation:
    values: dict[str, Any] = {
        "n": n, "quote": quote, "article_id": f"a{n}", "chunk_id": f"c{n}",
        "title": f"Title {n}", "source": "CNN", "published": "2025-05-23T10:00:00",
        "url": None, "path": f"/data/seeds/{n:03d}.txt",
    }
    values.update(kw)
    return Citation(**values)


def hostile_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HOSTILE) for _ in range(n))


def test_answer_parts_escaped_quoted_and_linked() -> None:
    answer = Answer(
        question="q", answer="390 Ukrainians <b>returned</b> & more [1]", refused=False,
        citations=[
            cite(1, "390 Ukrainians returned home on Friday.",
                 url='https://cnn.com/a?x=1&y="2"'),
            cite(2, "word " * 100, url="javascript:alert(1)", source="<i>Evil</i>"),
        ],
        conflicts=[Conflict("number of Ukrainians", (Claim("390", (1,)), Claim("270", (2,))))],
        notice="LLM <unavailable>",
    )
    [part] = render_answer(answer)
    text = visible([part])
    assert "390 Ukrainians <b>returned</b> & more [1]" in text
    assert "&lt;b&gt;returned&lt;/b&gt; &amp; more" in part
    assert "<blockquote>390 Ukrainians returned home on Friday.</blockquote>" in part
    assert len("word " * 100) > EXPANDABLE_OVER and "<blockquote expandable>word" in part
    assert '<a href="https://cnn.com/a?x=1&amp;y=&quot;2&quot;">Title 1</a>' in part
    assert "javascript" not in part and "&lt;i&gt;Evil&lt;/i&gt;" in part
    assert "Sources disagree" in text and "<b>390</b> [1] vs <b>270</b> [2]" in part
    assert "2025-05-23" in text and "10:00" not in text
    assert "<i>LLM &lt;unavailable&gt;</i>" in part


def test_preview_truncates_long_quotes_full_view_shows_all() -> None:
    quote = " ".join(f"w{i}" for i in range(600))
    answer = Answer(question="q", answer="a [1]", refused=False, citations=[cite(1, quote)])
    [short] = render_answer(answer)
    assert len(quote) > QUOTE_PREVIEW and quote not in short and " …</blockquote>" in short
    full = visible(render_answer(answer, full=True))
    assert quote in full
    assert "001.txt" in full and "id a1" in full


def test_refusal_is_polite_with_closest_articles() -> None:
    answer = Answer(
        question="q", answer="I could not find that.", refused=True,
        closest=[ArticleInfo("a1", "Prisoner <swap>", "CNN", "2025-05-23", "https://x.org/1",
                             None, 3)],
    )
    [part] = render_answer(answer)
    assert part.startswith("🤷 I could not find that.")
    assert "Closest articles" in part
    assert '<a href="https://x.org/1">Prisoner &lt;swap&gt;</a> — CNN, 2025-05-23' in part


def test_long_hostile_answer_splits_into_valid_parts() -> None:
    rng = random.Random(5)
    quotes = [hostile_text(rng, 900) for _ in range(4)] + ["x" * 9000]
    answer = Answer(
        question="q", answer=hostile_text(rng, 300), refused=False,
        citations=[cite(i + 1, q, title=hostile_text(rng, 50)) for i, q in enumerate(quotes)],
    )
    for full in (False, True):
        parts = render_answer(answer, full=full)
        assert 1 < len(parts) <= (MAX_FULL_MESSAGES if full else MAX_ANSWER_MESSAGES)
        text = squash(visible(parts))
        assert squash(clean(answer.answer)) in text
        if full:  # whole quotes, in order, until the cap; then "…and N more sources"
            shown = [q for q in quotes if squash(clean(q)) in text]
            assert shown == quotes[: len(shown)] and shown
            if len(shown) < len(quotes):
                assert text.endswith(f"…and{len(quotes) - len(shown)}moresources")
        # Quotes cut across parts stay quotes: every part that continues one opens its own tag.
        for part in parts:
            assert part.count("<blockquote") == part.count("</blockquote>")


@pytest.mark.parametrize("seed", range(30))
def test_pack_property_any_text_any_limit(seed: int) -> None:
    rng = random.Random(seed)
    limit = rng.randint(60, 400)
    blocks = [
        Block(text=hostile_text(rng, rng.randint(0, 120)), head=rng.choice(["", "<b>[1]</b> "]),
              open=rng.choice(["", "<blockquote>", "<i>"]) or "", sep=rng.choice(["\n", "\n\n"]))
        for _ in range(rng.randint(1, 8))
    ]
    blocks = [Block(b.text, b.head, b.open, b.open.replace("<", "</")) for b in blocks]
    parts = pack(blocks, limit)
    for part in parts:
        assert u16len(part) <= limit
        _, errors = parse_telegram_html(part)
        assert errors == [], (errors, part)
    expected = squash("".join(clean(b.text) for b in blocks))
    got = squash("".join(parse_telegram_html(p)[0] for p in parts)).replace("[1]", "")
    assert got == expected


def test_giant_word_and_emoji_are_cut_safely() -> None:
    text = "🇺🇦" * 3000 + "&" * 3000
    parts = pack([Block(text=text, open="<blockquote>", close="</blockquote>")])
    assert len(parts) >= 3
    assert squash(visible(parts)) == text
    for part in parts:  # no lone surrogate pairs: every part encodes
        part.encode("utf-8")


def test_clean_and_safe_href() -> None:
    assert clean("a\x00b\r\nc\ud800d") == "ab\ncd"
    assert safe_href("https://example.com/x?a=1&b=2") == "https://example.com/x?a=1&amp;b=2"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "https://", "http://a b", None, ""):
        assert safe_href(bad) is None


def test_sources_and_ingest_rendering() -> None:
    articles = [ArticleInfo(f"id{i}", f"<Title {i}> & co", "CNN", None, None, None, 1)
                for i in range(300)]
    parts = render_sources(articles)
    assert len(parts) > 1
    text = visible(parts)
    assert "300 indexed articles" in text and "<Title 299> & co" in text
    report = IngestReport(added=["/d/a.txt"], skipped=[("/x/evil<b>.pdf", "unsupported <type>")])
    [part] = render_ingest(report)
    assert "added 1, updated 0, unchanged 0, removed 0, skipped 1" in part
    assert "skipped evil&lt;b&gt;.pdf: unsupported &lt;type&gt;" in part
    assert render_sources([]) == ["The index is empty: no articles yet."]
    assert strip_html(part).startswith("added 1") and "evil<b>.pdf" in strip_html(part)


def test_conflict_is_said_once_and_updates_are_dated() -> None:
    conflict = Conflict("number of Ukrainians", (Claim("390 Ukrainians", (1,)),
                                                 Claim("270 Ukrainians", (2,))))
    stated = Answer(
        question="q", refused=False, conflicts=[conflict],
        answer="The sources disagree on the number of Ukrainians: 390 Ukrainians (CNN [1]); "
               "270 Ukrainians (Other [2]).",
        citations=[cite(1, "390 Ukrainians returned."), cite(2, "270 Ukrainians returned.")],
    )
    text = visible(render_answer(stated))
    assert text.lower().count("disagree") == 1 and "⚠️" not in text
    update = Answer(
        question="q", answer="Officials said so [1].", refused=False,
        citations=[cite(1, "4,300 were evacuated."), cite(2, "1,200 were evacuated.")],
        conflicts=[Conflict("number of residents", (Claim("4,300", (1,), "2024-03-07"),
                                                    Claim("1,200", (2,), "2024-03-04")),
                            kind="update")],
    )
    [part] = render_answer(update)
    assert "↻ <b>Updated</b> the number of residents:" in part
    assert "<b>4,300</b> (2024-03-07, latest) [1] ← <b>1,200</b> (2024-03-04) [2]" in part
    assert "disagree" not in visible([part])


def test_state_keeps_conflict_kind_and_dates() -> None:
    from bot.telegram.state import ChatState

    update = Conflict("number of residents", (Claim("4,300", (1,), "2024-03-07"),
                                              Claim("1,200", (2,), None)), kind="update")
    state = ChatState()
    key = state.remember(Answer(question="q", answer="a [1]", refused=False,
                                citations=[cite(1, "x")], conflicts=[update]))
    again = ChatState.from_data(json.loads(json.dumps(state.to_data())))
    assert again.shown[key].answer.conflicts == [update]
