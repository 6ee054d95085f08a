"""The sentence before: what a reader trained with ``--prev`` reads ahead of each candidate
(a pronoun's antecedent is usually there). Real ingest and Chroma; news paragraphs are often
one sentence, so the sentence before is found across chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.answer.evidence import previous_texts, score_sentences
from index.answer.retrieve import Candidate
from index.embed import OnnxEmbedder
from index.engine import Engine
from index.read.model import PREVIOUS_CHARS, ReaderConfig, context_of, reader_config, with_context
from index.understand.question import parse

PARAGRAPHS = (
    "Reyes joined the club from Porto in 2019. He scored twenty-one goals last season.",
    "Mensah, the captain, has played for the club since 2015.",
    "He signed a new contract on Friday.",
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    article = news_article("Club keeps its strikers", "Metro Sport", "2024-05-03", *PARAGRAPHS)
    return ingested_engine(tmp_path_factory.mktemp("previous"), embedder, {"club.txt": article})


def test_each_sentence_gets_the_one_before_it_across_paragraphs(engine: Engine) -> None:
    store = engine.store
    (aid,) = {c.meta["article_id"] for c in store.iter_all()}
    chunks = store.article(str(aid))
    assert len(chunks) == 3  # one chunk per paragraph: two of the sentences open a chunk
    q = parse("How many goals did Mensah score?")
    sents = score_sentences(store, q, np.zeros(384, np.float32),
                            [Candidate(c, 1.0) for c in chunks])
    by_text = dict(zip([s.text for s in sents], previous_texts(store, sents), strict=True))
    assert by_text == {
        "Reyes joined the club from Porto in 2019.": "",
        "He scored twenty-one goals last season.": "Reyes joined the club from Porto in 2019.",
        PARAGRAPHS[1]: "He scored twenty-one goals last season.",
        PARAGRAPHS[2]: PARAGRAPHS[1],
    }
    # Without a store only the sentence before in the same chunk is known.
    alone = previous_texts(None, sents)
    assert sorted(alone) == ["", "", "", "Reyes joined the club from Porto in 2019."]


def test_the_context_is_title_then_the_sentence_before_cut_at_a_word() -> None:
    assert context_of("Club keeps its strikers") == "Club keeps its strikers"
    assert context_of("T" * 100) == "T" * 80
    assert context_of("Title", "") == "Title | "  # a --prev reader's empty slot (a lede)
    long = " ".join(["word"] * 60)
    ctx = context_of("Title", long)
    assert ctx.startswith("Title | word") and len(ctx) <= len("Title | ") + PREVIOUS_CHARS
    assert not ctx.endswith(" ") and ctx.endswith("word")
    # The span offsets the reader returns are shifted past exactly this prefix.
    assert with_context(ctx, "He did.").endswith(" | He did.")
    assert with_context("", "He did.") == "He did."


def test_a_reader_json_says_what_the_model_reads(tmp_path: Path) -> None:
    folder = tmp_path
    assert reader_config(folder) == ReaderConfig("none", 128)
    (folder / "reader.json").write_text('{"context": "title"}\n')
    assert reader_config(folder).title and not reader_config(folder).previous
    (folder / "reader.json").write_text('{"context": "title+previous", "max_length": 160}\n')
    config = reader_config(folder)
    assert config.title and config.previous and config.max_length == 160
