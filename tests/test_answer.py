"""The seed question suite: the real embedder, a real Chroma, the two disagreeing seeds.

Each case names what a correct answer must quote; conflict and refusal cases check that the
bot says "the sources disagree" or declines instead of answering from nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.answer.cite import verify
from index.engine import Engine, turn_of
from index.types import Answer

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

SEED_TEXT = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}

# (question, a substring that some quote must contain)
ANSWERABLE = [
    ("How many Ukrainians returned home on Friday?", "390 Ukrainians returned home on Friday"),
    ("How many civilians were repatriated to Russia?", "120 civilians were repatriated"),
    ("How many Russian military personnel were repatriated?", "270 Russian military personnel"),
    ("How many people are the two sides expected to swap in total?", "around 2,000 people"),
    ("How many service members returned home earlier this month?", "200 service members"),
    ("How many individuals were swapped in total?", "780 individuals"),
    ("How many Ukrainians have been freed since March 2022?", "4,757 Ukrainians"),
    ("Which exchange number is this since the full-scale assault began?", "64th of its kind"),
    ("Who confirmed that 390 Ukrainians returned home?", "Volodymyr Zelensky confirmed"),
    ("Where were the talks held?", "Istanbul"),
    ("Where did the exchange take place?", "Istanbul"),
    ("Where is the border point where the exchange happened?", "border point near Belarus"),
    ("What did Zelensky say?", "We are bringing our people home"),
    ("What did Moscow reject?", "Moscow rejected those proposals"),
    ("What did Kyiv push for?", "immediate and unconditional ceasefire"),
    ("Who pressured Russia into the talks?", "Western allies had reportedly pressured"),
    ("Why did Russia agree to the talks?", "ceasefire-or-sanctions ultimatum"),
    ("Who expressed doubts over Zelensky's legitimacy?", "Sergei Lavrov"),
    ("What did Lavrov say?", "Lavrov hinted at further talks"),
    ("Who suggested Vatican mediation?", "Vatican mediation by Italy"),
    ("Who announced the exchange on social media while it was still unfolding?", "Trump"),
    ("Who announced the exchange before it was complete?", "Donald Trump announced"),
    ("When did Russia launch its full-scale invasion?", "February 2022"),
    ("What was the only concrete result of the Istanbul meeting?", "only concrete result"),
    ("Which regions were the Ukrainian personnel engaged in?", "Kharkiv"),
    ("Who is Natalia?", "mother of a soldier"),
]

UNANSWERABLE = [
    "Who won the 2022 FIFA World Cup final?",
    "What is the capital of France?",
    "What is the price of bitcoin?",
    "Who won the Super Bowl in 2024?",
    "What is the GDP of Japan?",
    "When was the Eiffel Tower built?",
    "How many goals did Messi score?",
    "What did Elon Musk tweet about Tesla?",
]


def assert_verbatim(answer: Answer) -> None:
    """Every quote is an exact substring of the seed file it is attributed to."""
    for c in answer.citations:
        assert c.path, c
        text = SEED_TEXT[Path(c.path).name]
        assert c.quote in text, c.quote
        assert text[c.start : c.end] == c.quote


@pytest.mark.parametrize(("question", "expected"), ANSWERABLE)
def test_answerable_questions_quote_the_evidence(
    seeded_engine: Engine, question: str, expected: str
) -> None:
    answer = seeded_engine.answer(question)
    assert not answer.refused, answer.answer
    assert any(expected in c.quote for c in answer.citations), [
        c.quote for c in answer.citations
    ]
    assert_verbatim(answer)
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_questions_are_refused(seeded_engine: Engine, question: str) -> None:
    answer = seeded_engine.answer(question)
    assert answer.refused, answer.answer
    assert answer.citations == []
    assert "do not answer" in answer.answer
    assert answer.closest, "a refusal names the closest articles"


def _conflict_values(answer: Answer) -> set[str]:
    return {claim.value for c in answer.conflicts for claim in c.claims}


def test_done_criterion_390_is_quoted_verbatim(seeded_engine: Engine) -> None:
    answer = seeded_engine.answer("How many Ukrainians returned home on Friday?")
    first = answer.citations[0]
    assert "390 Ukrainians returned home on Friday" in first.quote
    assert first.source == "CNN"
    assert_verbatim(answer)


@pytest.mark.parametrize("question", ["How many Ukrainians returned home on Friday?"])
def test_ukrainian_count_conflict_is_flagged(seeded_engine: Engine, question: str) -> None:
    answer = seeded_engine.answer(question)
    assert {"390 Ukrainians", "270 Ukrainians"} <= _conflict_values(answer)
    assert "sources disagree" in answer.answer
    conflict = answer.conflicts[0]
    cited = {n: c for c in answer.citations for n in [c.n]}
    by_value = {cl.value: cl.citations for cl in conflict.claims}
    assert "390" in cited[by_value["390 Ukrainians"][0]].quote
    assert "270 Ukrainians" in cited[by_value["270 Ukrainians"][0]].quote
    # the two values come from the two different articles
    assert cited[by_value["390 Ukrainians"][0]].article_id != (
        cited[by_value["270 Ukrainians"][0]].article_id
    )


def test_a_running_total_is_no_rival_of_one_exchange(seeded_engine: Engine) -> None:
    """CNN's 4,757 Ukrainians freed "through such exchanges since March 2022" totals many
    exchanges: no rival of the other report's 270 for this one (``index.answer.periods``)."""
    answer = seeded_engine.answer("How many Ukrainians were freed?")
    assert "4,757 Ukrainians" not in _conflict_values(answer), answer.answer


@pytest.mark.xfail(strict=True, reason="issue 21, open: only CNN's weekend total is quoted; the "
                   "780 sentence is not read as close enough to quote too")
def test_total_swap_is_answered_with_both_totals(seeded_engine: Engine) -> None:
    """CNN's expected weekend total and the other report's 780 are both shown (they are not
    flagged: 2,000 expected over the weekend does not contradict 780 swapped so far)."""
    answer = seeded_engine.answer("How many people were exchanged in total?")
    assert not answer.refused, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert "780 individuals" in quotes and "2,000 people" in quotes, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What did Zelensky say?",
        "Where were the talks held?",
        "Who expressed doubts over Zelensky's legitimacy?",
        "How many Russian military personnel were repatriated?",
    ],
)
def test_no_conflict_where_sources_agree_or_no_dispute(
    seeded_engine: Engine, question: str
) -> None:
    answer = seeded_engine.answer(question)
    assert answer.conflicts == []
    assert "disagree" not in answer.answer


@pytest.mark.xfail(strict=True, reason="issue 21/22, open: the reader ranks '390 Ukrainians "
                   "returned home' first for Russians and no Russian sentence is quoted (its "
                   "lead is withheld: the count is of another noun)")
def test_followup_resolves_from_previous_turn(seeded_engine: Engine) -> None:
    first = seeded_engine.answer("How many Ukrainians returned home on Friday?")
    second = seeded_engine.answer("and how many Russians?", [turn_of(first)])
    assert second.resolved_question and "Russians" in second.resolved_question
    assert not second.refused
    assert any("Russian" in c.quote for c in second.citations)
    assert_verbatim(second)


def test_followup_where_was_that(seeded_engine: Engine) -> None:
    first = seeded_engine.answer("Where were the talks held?")
    second = seeded_engine.answer("Where was that?", [turn_of(first)])
    assert any("Istanbul" in c.quote for c in second.citations)


def test_a_question_naming_nothing_leans_on_the_chat(seeded_engine: Engine) -> None:
    """"Who was man of the match?" after a turn stands alone (no rewrite) but ranks the
    previous answer's articles higher; a question that names its own subject does not."""
    from index.understand.question import parse

    first = seeded_engine.answer("How many Ukrainians returned home on Friday?")
    turn = turn_of(first)
    assert turn.article_ids
    unnamed = parse("Who was in charge of the talks?", [turn])
    assert unnamed.resolved == unnamed.text and unnamed.boost_articles == turn.article_ids
    assert parse("Who chaired the talks in Istanbul?", [turn]).boost_articles == ()


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t ",
        "<b>How many</b> Ukrainians <script>alert(1)</script> returned home?",
        "How many Ukrainians returned home? 🇺🇦🙏",
        "How many Ukrainians returned home on Friday? " + "x" * 5000,
        "\x00\x01 binary-ish \ufffd question",
    ],
)
def test_odd_questions_never_raise(seeded_engine: Engine, question: str) -> None:
    answer = seeded_engine.answer(question)
    assert isinstance(answer.answer, str) and answer.answer
    json.dumps(answer.to_json())  # always serialisable
    assert_verbatim(answer)
    if not question.strip():
        assert answer.refused and "question" in answer.answer.lower()


def test_long_question_gets_a_notice(seeded_engine: Engine) -> None:
    answer = seeded_engine.answer("How many Ukrainians returned home? " + "word " * 1200)
    assert answer.notice and "1000 characters" in answer.notice


def test_no_lead_for_a_role_the_articles_do_not_give(seeded_engine: Engine) -> None:
    """Italy's prime minister *suggested* Vatican mediation; no article says who mediated."""
    answer = seeded_engine.answer("Who mediated the talks?")
    assert not answer.answer.startswith("Italy"), answer.answer


def test_json_contract(seeded_engine: Engine) -> None:
    data = seeded_engine.answer("How many Ukrainians returned home on Friday?").to_json()
    assert set(data) == {
        "question", "answer", "refused", "citations", "conflicts", "timings_ms", "notice",
    }
    assert data["notice"] is None
    assert set(data["timings_ms"]) == {"retrieve", "compose", "total"}
    cite = data["citations"][0]
    assert set(cite) == {
        "n", "quote", "article_id", "chunk_id", "title", "source", "published", "url", "path",
    }
    assert data["conflicts"][0]["claims"][0]["citations"]


def test_quotes_verified_against_stored_chunk(seeded_engine: Engine) -> None:
    answer = seeded_engine.answer("What did Kyiv push for?")
    for c in answer.citations:
        (chunk,) = seeded_engine.store.get([c.chunk_id])
        assert verify(c, chunk.text, int(chunk.meta["start"]))


def test_empty_index_says_so(make_engine) -> None:  # type: ignore[no-untyped-def]
    answer = make_engine().answer("How many Ukrainians returned home?")
    assert answer.refused
    assert "empty" in answer.answer


def test_source_filter(seeded_engine: Engine) -> None:
    from index.answer.retrieve import Filters

    answer = seeded_engine.answer("How many Ukrainians?", filters=Filters(source="cnn"))
    assert answer.citations
    assert all(c.source == "CNN" for c in answer.citations)


def test_k_is_respected(seeded_engine: Engine) -> None:
    answer = seeded_engine.answer("How many Ukrainians returned home on Friday?", k=2)
    assert len({c.chunk_id for c in answer.citations}) <= 2


@pytest.mark.parametrize(
    "question",
    ["Why did the exchange happen?", "What did Zelensky say about the exchange?",
     "How long did the prisoners spend in captivity?", "Where did the exchange take place?"],
)
def test_an_answer_the_reader_doubts_says_so(seeded_engine: Engine, question: str) -> None:
    """When the reader gives the quoted sentence less than even odds of answering, the answer
    says the articles may not answer and offers it as the closest passage, still verbatim
    and cited; a sentence it believes is quoted as the answer."""
    from index.answer.calibration import UNSURE_P
    from index.answer.read import logit

    answer = seeded_engine.answer(question)
    assert not answer.refused and answer.citations
    doubted = answer.signals["best_logit"] < logit(UNSURE_P)
    hedge = "The articles may not answer this directly; the closest passage is from "
    assert answer.answer.startswith(hedge) == doubted, (question, answer.signals)
    assert answer.citations[0].quote in answer.answer.split("\n")[0]
    # the other quotes of a doubted answer are offered as close, not as confirmation
    others = [line for line in answer.answer.split("\n")[1:] if line.endswith("]")]
    assert all(line.startswith("Another close passage is from ") == doubted
               and (" reports: " in line) != doubted for line in others), others


def test_the_reader_doubts_at_least_one_seed_answer(seeded_engine: Engine) -> None:
    """The parametrised test above must see both branches."""
    answer = seeded_engine.answer("Why did the exchange happen?")
    assert answer.answer.startswith("The articles may not answer this directly")


@pytest.mark.parametrize("text", ["", "   ", "?!?...", "…"])
def test_no_words_no_search(seeded_engine: Engine, text: str) -> None:
    """Input with no letter or digit is asked for again, not answered with a random passage."""
    answer = seeded_engine.answer(text)
    assert answer.refused and answer.answer.startswith("Please type a question"), answer.answer
    assert answer.citations == [] and answer.closest == []


@pytest.mark.parametrize(("text", "name"), [
    ("Wie viele Gefangene wurden ausgetauscht?", "German"),
    ("Combien de prisonniers ont été échangés ?", "French"),
])
def test_a_question_in_another_language_is_told_why_it_was_refused(
    seeded_engine: Engine, text: str, name: str
) -> None:
    """A refusal of a question in another language says the questions are read as English,
    instead of leaving "the passages do not mention Gefangene" as the only reason."""
    answer = seeded_engine.answer(text)
    assert answer.refused, answer.answer
    assert answer.notice and f"looks like {name}" in answer.notice, answer.notice


def test_an_english_refusal_has_no_language_notice(seeded_engine: Engine) -> None:
    answer = seeded_engine.answer("Who mediated the talks?")
    assert answer.refused and answer.notice is None, (answer.answer, answer.notice)


@pytest.mark.parametrize(("text", "code"), [
    ("Prisoner swap mediators?", "en"),  # no English function word, still English
    ("Brackenford flood toll?", "en"),
    ("How many died?", "en"),
    ("Ile osób zginęło?", "pl"),
    ("Сколько людей погибло?", "ru"),
])
def test_the_language_of_a_question(text: str, code: str) -> None:
    from index.ingest.language import question_language

    assert question_language(text) == code


def test_a_long_message_is_read_for_its_last_question(seeded_engine: Engine) -> None:
    """Pasted context with the question at the end: the question is what is answered, and the
    notice says the message was cut."""
    from index.understand.question import MAX_QUESTION_CHARS, clean

    filler = "I have been reading a lot about this and wondering what happened. " * 40
    text, cut = clean(filler + "How many Ukrainians returned home on Friday? Thanks!")
    assert cut and len(text) <= MAX_QUESTION_CHARS
    assert text.endswith("How many Ukrainians returned home on Friday?")
    assert not text.startswith(("ondering", "appened"))  # from a word's start

    answer = seeded_engine.answer(filler + "How many Ukrainians returned home on Friday?")
    assert not answer.refused, answer.answer
    assert any("390" in c.quote for c in answer.citations), answer.answer
    assert answer.notice and "very long" in answer.notice
    assert "up to its last question mark" in answer.notice
    # A long message with no question mark is read to its end, and the notice says no more.
    storm = seeded_engine.answer("prisoner exchange " * 120)
    assert storm.notice and "last 1000 characters were read" in storm.notice, storm.notice
