"""The trained reader: it loads offline and sha256-checked, and reads a golden set of our own
sentences (none of them in its training data) as a person would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from index.read.model import MODEL_DIR, MODEL_FILE, ReaderError
from index.read.reader import Reader, shared_reader

REPO = Path(__file__).resolve().parents[1]

# (question, sentence, a word the span must contain). The first three are the false refusals
# of the rule-based answer path (issue 21): the answer in words no rule expected.
ANSWERS = [
    ("Which agency is leading the inquiry?",
     "The Coastal Rail Authority (CRA) will lead investigations into the derailment.",
     "Coastal Rail Authority"),
    ("How many nurses were among the injured?",
     "The hospital said the injured included some 210 nurses and porters.", "210"),
    ("In which city did the ministers meet?",
     "The ministers signed the accord at a special summit in Lisbon.", "Lisbon"),
    ("How much will the bridge repair cost?",
     "The city council approved a repair of the old bridge that will cost 12 million dollars.",
     "12 million"),
    ("Who will run the merged company?",
     "Harriet Olsen, the chief executive of Norvik, will run the merged company, while its "
     "owner, financier Pieter Dahl, keeps a seat on the board.", "Harriet Olsen"),
    ("When did the festival open?",
     "The harbour festival opened on 14 June with a parade of tall ships.", "14 June"),
    ("How many people were injured in the blast?",
     "Three people were killed and 17 injured when the boiler exploded.", "17"),
    ("Where was the exchange carried out?",
     "The exchange took place on the border with Belarus, officials said.", "Belarus"),
    ("What did the union vote for?",
     "Members of the drivers' union voted overwhelmingly for a 48-hour strike next month.",
     "strike"),
    ("Who won the mayoral election?",
     "Teresa Alvarez won the mayoral election with 54% of the vote, defeating the incumbent.",
     "Teresa Alvarez"),
]

# (question, sentence): on topic, but the sentence does not answer.
NON_ANSWERS = [
    ("Who mediated the talks?",
     "Earlier, a suggestion for Vatican mediation by Italy's Prime Minister met with "
     "skepticism from Moscow."),
    pytest.param(
        "How many bus drivers were laid off?",
        "The company hired 25 new bus drivers in March to cope with demand.",
        marks=pytest.mark.xfail(strict=True, reason="issue 21, open: the reader reads 'hired' "
                                "as an answer to 'laid off' (P 0.79); opposite acts are rare "
                                "in its SQuAD training pairs"),
    ),
    ("What is the weather forecast for Saturday?",
     "The two sides exchanged 390 prisoners on Friday."),
    ("Which agency is leading the inquiry?",
     "The derailment happened just after 6 a.m. near the village of Marden."),
]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return shared_reader()


@pytest.mark.parametrize(("question", "sentence", "want"), ANSWERS)
def test_the_answer_sentence_is_read_with_its_span(
    reader: Reader, question: str, sentence: str, want: str
) -> None:
    (r,) = reader.read(question, [sentence])
    assert r.span is not None
    span = sentence[r.span[0] : r.span[1]]
    assert want in span or (span in want and len(span) >= 3), (question, span)


@pytest.mark.parametrize(("question", "sentence"), NON_ANSWERS)
def test_an_on_topic_sentence_that_does_not_answer_scores_lower(
    reader: Reader, question: str, sentence: str
) -> None:
    (r,) = reader.read(question, [sentence])
    assert r.score < 0.5, (question, r)


def test_the_answering_sentence_ranks_first_among_its_neighbours(reader: Reader) -> None:
    sentences = [
        "The derailment happened just after 6 a.m. near the village of Marden.",
        "Forty passengers were taken to hospital, none with serious injuries.",
        "The Coastal Rail Authority (CRA) will lead investigations into the derailment.",
        "Services on the line are expected to resume on Monday.",
    ]
    scores = [r.score for r in reader.read("Which agency is leading the inquiry?", sentences)]
    assert scores.index(max(scores)) == 2, scores


def test_reads_in_batches_and_keeps_the_order(reader: Reader) -> None:
    sentences = [f"Sentence number {i} says nothing of note." for i in range(70)]
    sentences[45] = "The ministers signed the accord at a special summit in Lisbon."
    out = reader.read("In which city did the ministers meet?", sentences)
    assert len(out) == 70
    assert max(range(70), key=lambda i: out[i].score) == 45
    assert reader.read("anything?", []) == []


def test_the_committed_reader_reads_each_sentence_after_its_title(reader: Reader) -> None:
    """The title is context, never the answer: the span is an offset into the sentence, and a
    title that names the sentence's topic helps the sentence that answers."""
    assert reader.config.title
    question = "How many nurses were among the injured?"
    sentences = ["The hospital said the injured included some 210 nurses and porters.",
                 "The station reopened on Tuesday."]
    titles = ["Rail crash: nurses among 300 hurt at Marden", "Rail crash: Marden line reopens"]
    with_titles = reader.read(question, sentences, titles)
    plain = reader.read(question, sentences)
    for r, s in zip(with_titles, sentences, strict=True):
        assert r.span is None or 0 <= r.span[0] < r.span[1] <= len(s)
    first = with_titles[0]
    assert first.span is not None and "210" in sentences[0][first.span[0] : first.span[1]]
    assert first.score > with_titles[1].score
    assert [r.score for r in with_titles] != [r.score for r in plain]  # the title is read


def test_a_model_file_that_is_not_the_committed_one_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    copy.mkdir()
    data = bytearray((MODEL_DIR / MODEL_FILE).read_bytes())
    data[-100] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ReaderError, match="sha256 mismatch"):
        Reader(copy)
    with pytest.raises(ReaderError, match="missing"):
        Reader(tmp_path / "nowhere")


def test_the_committed_model_matches_its_card() -> None:
    from index.read.model import EXPECTED_SHA256

    card = (MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert EXPECTED_SHA256 and EXPECTED_SHA256 in card
    assert (MODEL_DIR / MODEL_FILE).stat().st_size <= 50 * 1024 * 1024


def test_the_models_ship_inside_the_package() -> None:
    """A non-editable install (the Dockerfile's) must carry every committed model file:
    ``pyproject.toml``'s package-data covers each file of each ``model/`` folder."""
    import fnmatch
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = data["package-data"]
    for path in sorted((REPO / "index").rglob("model/*")):
        package = ".".join(path.parent.parent.relative_to(REPO).parts)
        rel = path.relative_to(path.parent.parent).as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns.get(package, [])), path


def test_the_answer_path_never_imports_torch() -> None:
    """Torch is a training-only extra in its own venv (``.venv-train``): the runtime venv
    cannot import it, and no module of ``index/`` or ``bot/`` names it."""
    import ast
    import importlib.util

    assert importlib.util.find_spec("torch") is None, "torch is installed in the runtime venv"
    for root in ("index", "bot"):
        for path in (REPO / root).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                )
                assert not any(n.split(".")[0] == "torch" for n in names), path


def test_the_training_script_runs_end_to_end_on_a_tiny_slice(tmp_path: Path) -> None:
    """Two articles, a few dozen pairs, one export, in the training venv (``make setup`` makes
    it): the script cannot rot unnoticed. ``--prev`` (title and the sentence before) is the
    widest context, so the options' common path runs too."""
    python = REPO / ".venv-train" / "bin" / "python"
    assert python.is_file(), "the training venv is missing: run `make setup`"
    run = tmp_path / "run"
    data = tmp_path / "squad.jsonl"
    data.write_text(_tiny_squad(), encoding="utf-8")
    base = [str(python), "-m", "tools.train_reader", "--out", str(run)]
    subprocess.run([*base, "--data", str(data), "--epochs", "1", "--batch", "4",
                    "--save-every", "2", "--prev", "--cross", "1", "--typed", "1"],
                   cwd=REPO, check=True, timeout=120, capture_output=True)
    assert (run / "checkpoint.pt").is_file() and (run / "reader.safetensors").is_file()
    subprocess.run([*base, "--prev", "--export", str(tmp_path / "model")], cwd=REPO,
                   check=True, timeout=120, capture_output=True)
    exported = Reader(tmp_path / "model", verify=False)
    # The export says what the answer path must pass: titles and the sentence before.
    assert exported.config.title and exported.config.previous
    assert exported.config.max_length == 160
    (r,) = exported.read("Who?", ["Ann did."], ["Harbour town"], ["The boat sank."])
    assert 0.0 <= r.score <= 1.0
    assert r.span is None or r.span[1] <= len("Ann did.")
    shutil.rmtree(run)


def test_the_committed_reader_gives_back_the_weights_it_was_exported_from(
    tmp_path: Path,
) -> None:
    """``train_reader --init index/read/model/reader.onnx`` trains the committed reader further
    without its run folder: ``weights_of`` inverts the export exactly (same bytes again)."""
    import hashlib

    from safetensors.numpy import save_file

    from tools.export_reader import export, weights_of

    committed = MODEL_DIR / MODEL_FILE
    save_file(weights_of(committed), str(tmp_path / "reader.safetensors"))
    export(tmp_path / "reader.safetensors", tmp_path / "model", fmt="fp16")
    again = hashlib.sha256((tmp_path / "model" / MODEL_FILE).read_bytes()).hexdigest()
    assert again == hashlib.sha256(committed.read_bytes()).hexdigest()


def test_typed_negatives_hold_a_value_of_the_answers_kind_but_not_the_answer() -> None:
    """``--typed``: the article's sentences nearest the question that offer a value of the
    answer's kind (a count for a count) and hold none of its answers."""
    from tools.reader_data import Article, Question, content_words, typed_negatives

    art = Article("Harbour town", [
        "41 passengers were taken to hospital on Monday.",  # the gold sentence
        "The ferry carried 212 passengers and 40 cars.",  # a count of passengers: typed
        "Passengers praised the crew.",  # no count
        "Hospital staff worked for 12 hours.",  # a count, fewer of the question's words
        "In 2001 a storm left 41 passengers stranded.",  # holds the answer: no negative
        "Buses left at 9.",  # a count, none of the question's words
    ], [0, 0, 1, 1, 2, 2])
    asked = Question("a", "How many passengers were taken to hospital?", "Harbour town", True,
                     ["41"], {0}, {0: (0, 2)})
    art.questions = [asked]
    words = content_words(asked.text)

    def overlap(i: int) -> tuple[int, int]:
        return (-len(words & content_words(art.sentences[i])), i)

    assert typed_negatives(asked, art, 5, overlap) == [1, 3]
    assert typed_negatives(asked, art, 1, overlap) == [1]


def test_crossed_questions_are_other_questions_the_gold_sentence_does_not_answer() -> None:
    """``--cross``: a gold sentence is paired with another question of its paragraph as a
    negative, never with one whose answer it holds, the hardest (most shared words) first."""
    import random

    from tools.reader_data import Article, Question, crossed

    art = Article("Harbour town", ["Forty passengers were taken to hospital on Monday.",
                                   "The Coastal Rail Authority will lead the inquiry."],
                  [0, 0])
    asked = Question("a", "How many passengers were taken to hospital?", "Harbour town", True,
                     ["Forty"], {0}, {0: (0, 5)})
    when = Question("b", "When were the passengers taken to hospital?", "Harbour town", True,
                    ["Monday"], {0}, {0: (44, 50)})  # answered by the same sentence
    who = Question("c", "Who will lead the inquiry?", "Harbour town", True,
                   ["The Coastal Rail Authority"], {1}, {1: (0, 26)})
    hurt = Question("d", "How many passengers were hurt in hospital?", "Harbour town", True,
                    ["Twelve"], {2}, {2: (0, 6)})
    art.questions = [asked, when, who, hurt]
    assert crossed(asked, art, 0, random.Random(0), 1) == [hurt]
    assert crossed(asked, art, 0, random.Random(0), 5) == [hurt, who]


def _tiny_squad() -> str:
    """Two articles of our own text in the ``../shared/train`` format, with titles that fall
    in the train split (``tools/reader_data.split_of``)."""
    import json

    from tools.reader_data import split_of

    titles = [t for t in (f"Harbour_town_{i}" for i in range(40)) if split_of(t) == "train"]
    context = ("The Coastal Rail Authority will lead the inquiry into the derailment. "
               "Forty passengers were taken to hospital on Monday. Services resume next week.")
    rows = []
    for n, title in enumerate(titles[:2]):
        qas = [
            {"id": f"{n}a", "question": "Who will lead the inquiry?", "is_impossible": False,
             "answers": [{"text": "The Coastal Rail Authority", "answer_start": 0}]},
            {"id": f"{n}b", "question": "How many passengers were taken to hospital?",
             "is_impossible": False,
             "answers": [{"text": "Forty", "answer_start": context.index("Forty")}]},
            {"id": f"{n}c", "question": "Who drove the train?", "is_impossible": True,
             "answers": []},
        ]
        rows.append(json.dumps({"source": "ours", "title": title, "context": context,
                                "qas": qas}))
    return "\n".join(rows) + "\n"
