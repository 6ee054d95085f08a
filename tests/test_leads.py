"""What an answer leads with: the first statement holds the asked value (the holder of the
asked role, the count of the asked kind, the figure for the asked time), and a short
"value —" lead, when there is one, is that value — never a name that only modifies a noun,
the day something was said, or another figure. Small real articles in tmp_path, the real
ingest, real Chroma, the real answer path with the trained reader. (Until issue 21 the
first group pinned an exact lead from hand-written rules; a reader that is not sure may now
start with the quote instead, which is what "never lead with a value you are not sure of"
asks.)"""

from __future__ import annotations

import re

import pytest
from fakes import ingested_engine, news_article  # tests/ is on sys.path

from index.embed import OnnxEmbedder
from index.engine import Engine

READER_LIMIT = (
    "issue 21, open: a limit of the SQuAD-trained reader (see the issue note); strict, so a "
    "better reader turns it green"
)

ARTICLES = {
    "court.txt": news_article(
        "Orlex loses US bankruptcy bid", "Law Desk", "2024-02-25",
        "Orlex had argued that a US court could declare it bankrupt because it holds local "
        "bank accounts in Houston. Texas Judge Mara Quell said Orlex did not have enough of a "
        "US presence to bring its bankruptcy case in the US.",
    ),
    "party.txt": news_article(
        "Coalition talks begin", "Capital Wire", "2024-06-18",
        "Mr Varga met the leader of the Dawn Party, Ilse Brandt, after talking to the "
        "president about the coalition.",
    ),
    "airline.txt": news_article(
        "Skylark Air sells stake", "Air Weekly", "2024-03-03",
        "Skylark Air was founded by London-based former travel agent Ravi Menon and now flies "
        "to 40 cities.",
    ),
    "warning.txt": news_article(
        "Kestria says it warned Valmont", "World Desk", "2024-11-16",
        "Kestrian authorities had warned Valmont twice about the attacker, a Kestrian official "
        "said Monday.",
    ),
    "jet.txt": news_article(
        "Missing jet crashed at sea", "Sky Report", "2024-03-25",
        "Valdoria's prime minister has announced that the missing jet crashed in the southern "
        "ocean.",
    ),
    "phones.txt": news_article(
        "Zephyr sales disappoint", "Gadget Post", "2024-07-20",
        "Orbin sold 40 percent fewer Zephyr phones than expected in the first three months.",
        "Orbin sold 2 million Zephyr phones in Japan last month, the company said.",
    ),
    "adviser.txt": news_article(
        "Garza hires adviser", "City Ledger", "2024-05-02",
        "NM Rothwell, the investment bank, is advising Mr Garza, according to the Daily "
        "Courier.",
        "His previous adviser, Halden Bank, quit last year when Mr Garza voted against the "
        "board.",
    ),
    "career.txt": news_article(
        "Lord Hallam dies", "Obituaries Today", "2024-03-27",
        "He held the offices of chancellor and prime minister during his career and became "
        "Lord Hallam of Dover in 1987.",
    ),
    "loan.txt": news_article(
        "Cathay loan revealed", "Money Desk", "2024-02-02",
        "Cathay lent Ruritania $6bn (£3.2bn) to buy back the Orlov oil unit, it has emerged.",
    ),
    "road-ahead.txt": news_article(
        "Orvane toll road to open", "Road News", "",
        "The Orvane toll road is set to open to traffic on Monday, officials said.",
    ),
    "road-open.txt": news_article(
        "Orvane toll road opens", "Road News", "",
        "The Orvane toll road is now open to traffic after a ribbon-cutting ceremony.",
    ),
    "match.txt": news_article(
        "Cup match off", "Sport Desk", "2024-11-17",
        "Vesland's government raised its terror threat level because the attacker is still at "
        "large. Saturday's cup match between Vesland and Norland has been cancelled as a "
        "result.",
    ),
    "unit.txt": news_article(
        "Vask unit sold", "Oil Desk", "2024-12-20",
        "Vask had to sell Orlovneft last year to pay a tax bill of $27bn. Orlovneft, the unit "
        "which produced 60% of Vask's output, was seized and sold in December.",
    ),
    "flight.txt": news_article(
        "Missing plane KX217: what we know", "Air Desk", "2024-04-02",
        "Radar lost contact with the plane over the sea at 01:20.",
        "There were 227 passengers on board, including 153 Chinese and 38 Malaysians, "
        "according to the manifest.",
        "Officials later confirmed the last words heard from the plane's cockpit were \"Good "
        "night, Kestrel control\".",
    ),
    "auction.txt": news_article(
        "Auction winner named", "Oil Desk", "2024-12-21",
        "Baltra paid 260.75bn roubles ($9.37bn: £4.8bn) for the Orlovneft unit at the auction.",
    ),
    "cabinet.txt": news_article(
        "New cabinet sworn in", "Capital Wire", "2024-06-21",
        "In Vesland, George Zanas, the departing finance minister, will hand over to Vasil "
        "Rapan, a banker, on Monday.",
        "Vasil Rapan is expected to be named Vesland's finance minister on Friday.",
    ),
    "chips.txt": news_article(
        "Chip plant opens", "Tech Ledger", "2024-08-01",
        "The chip maker opened a new plant in Ohio on Monday, a move welcomed by Microsoft and "
        "Google.",
    ),
    "museum.txt": news_article(
        "Museum prices", "City Ledger", "2024-07-02",
        "Entry to the Hollin museum currently costs £12, but will rise to £15 in September, "
        "the museum said.",
    ),
    "tax-a.txt": news_article(
        "Vask tax fight", "Oil Desk", "2024-12-22",
        "The government forced the sale of Kestrelneft as part of its action to enforce a "
        "$27bn back tax bill it says Vask owes.",
    ),
    "tax-b.txt": news_article(
        "Kestrelneft sold", "Energy Wire", "2024-12-23",
        "Vask's Kestrelneft unit was sold to Rosteel for $9.3bn to offset a massive back tax "
        "bill.",
    ),
    "bridges.txt": news_article(
        "Two bridge collapses", "Coast Times", "2024-07-03",
        "Eleven people were killed when a bridge collapsed in Varna on Tuesday, while four "
        "people died in a separate collapse in Burgas on Wednesday.",
    ),
    "sailors.txt": news_article(
        "Sailors to come home", "Harbour Post", "2024-05-05",
        "All four Norland sailors held in Vesland will be returned to the UK within weeks, the "
        "foreign secretary said.",
    ),
    "veritas.txt": news_article(
        "New party names deputy", "Party Politics", "2024-02-03",
        "He said Mr Kilroy had made him deputy leader of the Veritas Party. Mr Kilroy was "
        "joined in the venture by Damon Hale, who is now the Veritas Party's deputy leader.",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> Engine:
    return ingested_engine(tmp_path_factory.mktemp("leads"), embedder, ARTICLES)


def lead(engine: Engine, question: str) -> str:
    answer = engine.answer(question)
    assert not answer.refused, answer.answer
    head = re.split(r"\[\d+\]|\n", answer.answer)[0]
    return head.split(" — ")[0] if " — " in head else ""


def answered(engine: Engine, question: str, want: str) -> None:
    """The first statement holds ``want``, and a lead, if there is one, is ``want``."""
    answer = engine.answer(question)
    assert not answer.refused, answer.answer
    head = re.split(r"\[\d+\]|\n", answer.answer)[0]
    assert want in head, answer.answer
    led = head.split(" — ")[0] if " — " in head else ""
    assert not led or want in led, answer.answer


def test_the_asked_role_names_its_holder(engine: Engine) -> None:
    answered(engine, "Which judge threw out Orlex's bankruptcy case?", "Mara Quell")


def test_the_doer_noun_names_who_did_it(engine: Engine) -> None:
    answered(engine, "Who leads the Dawn Party?", "Ilse Brandt")


@pytest.mark.xfail(strict=True, reason=READER_LIMIT)
def test_copula_who_takes_the_name_in_the_nouns_own_clause(engine: Engine) -> None:
    answered(engine, "Who is the deputy leader of the Veritas Party?", "Damon Hale")


def test_a_name_that_modifies_a_noun_is_no_agent(engine: Engine) -> None:
    answered(engine, "Who founded Skylark Air?", "Ravi Menon")


@pytest.mark.parametrize(
    ("question", "never"),
    [
        pytest.param(
            "When did Kestria warn Valmont about the attacker?", "Monday",
            marks=pytest.mark.xfail(strict=True, reason=(
                "issue 21, open: the reader reads 'a Kestrian official said Monday' as the date "
                "of the warning, sure enough for a lead (P 0.957, span 0.95; the reader before "
                "the title one: 0.931, just under LEAD_P)")),
        ),
        ("Who announced that the missing jet crashed in the southern ocean?", "Valdoria"),
        ("How many Zephyr phones did Orbin sell in the first three months?", "40 percent"),
        ("Which bank is advising Mr Garza?", "the Daily Courier"),
        ("How many Zephyr phones did Orbin sell in Brazil?", "2 million"),
        ("Who is going to be Vesland's new finance minister?", "George Zanas"),
        ("Where were the four Norland sailors taken for questioning?", "UK"),
        ("Who is expected to be named Vesland's finance minister?", "George Zanas"),
        ("Who is advising Mr Garza?", "Halden Bank"),
        ("How many people were killed in the bridge collapse in Varna?", "four"),
        ("How many Chinese passengers were on KX217?", "227"),
        ("Which company opened a new plant in Ohio?", "Microsoft"),
        ("When did Hallam become prime minister?", "1987"),
    ],
)
def test_no_lead_from_what_does_not_answer(engine: Engine, question: str, never: str) -> None:
    assert lead(engine, question) != never


def test_a_choice_between_two_is_no_yes_no_question(engine: Engine) -> None:
    answer = engine.answer("Did Orbin sell more or fewer Zephyr phones than expected?")
    assert not answer.answer.startswith(("Yes", "No")), answer.answer
    assert "yes/no" not in answer.answer, answer.answer


def test_converted_amount_leads_in_the_currency_first_written(engine: Engine) -> None:
    answered(engine, "How much did Cathay lend Ruritania?", "$6bn")


def test_undated_briefing_leads_with_the_report_furthest_along(engine: Engine) -> None:
    """Without dates, "is now open" is told before "is set to open" (and not called latest)."""
    answer = engine.answer("What's the latest on the Orvane toll road?")
    first = answer.answer.splitlines()[0]
    assert first.startswith("On Orvane toll road (undated"), answer.answer
    assert "is now open" in first, answer.answer


@pytest.mark.xfail(strict=True, reason=READER_LIMIT)
def test_a_why_question_is_answered_with_the_cause(engine: Engine) -> None:
    answer = engine.answer("Why was the cup match between Vesland and Norland called off?")
    assert not answer.refused, answer.answer
    assert any("terror threat level" in c.quote for c in answer.citations), answer.answer


def test_a_share_is_the_percentage_of_the_asked_noun(engine: Engine) -> None:
    answered(engine, "What share of Vask's output came from Orlovneft?", "60%")


def test_a_model_name_between_number_and_noun_still_counts_the_noun(engine: Engine) -> None:
    answered(engine, "How many Zephyr phones did Orbin sell in Japan?", "2 million")


def test_a_paragraph_about_the_headline_subject_answers_for_it(engine: Engine) -> None:
    """"the plane" in a paragraph of "Missing plane KX217: what we know" is KX217."""
    answer = engine.answer("What were the last words heard from KX217's cockpit?")
    assert not answer.refused, answer.answer
    assert "Good night, Kestrel control" in re.split(r"\[\d+\]", answer.answer)[0]


def test_an_amount_named_by_its_currency_word_leads_in_that_currency(engine: Engine) -> None:
    """"260.75bn roubles ($9.37bn)": tagged a number, it is an amount in roubles."""
    answered(engine, "How much did Baltra pay for the Orlovneft unit in roubles?", "260.75bn")


def test_a_count_of_the_asked_kind_leads_over_the_total(engine: Engine) -> None:
    answered(engine, "How many Chinese passengers were on the plane KX217?", "153")


def test_the_figure_for_the_asked_time_leads_not_the_current_one(engine: Engine) -> None:
    answered(engine, "How much will entry to the Hollin museum cost in September?", "£15")


def test_rise_or_fall_is_a_choice_answered_with_the_quote(engine: Engine) -> None:
    answer = engine.answer("Will the Hollin museum entry price rise or fall?")
    assert not answer.refused, answer.answer
    assert "yes/no" not in answer.answer and "rise to £15" in answer.answer


@pytest.mark.xfail(strict=True, reason=(
    "issue 21, open: the title-reading reader ranks 'sold … for $9.3bn to offset a massive back "
    "tax bill' above the sentences stating the $27bn bill (quoted second and third; no "
    "disagreement is invented)"))
def test_an_amount_for_a_purpose_is_no_amount_of_the_noun_after_it(engine: Engine) -> None:
    """"sold for $9.3bn to offset a back tax bill": no second figure for the bill, so no
    invented disagreement."""
    answer = engine.answer("How big was the Vask back tax bill?")
    assert not answer.conflicts, answer.answer
    answered(engine, "How big was the Vask back tax bill?", "$27bn")
