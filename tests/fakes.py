"""Small builders shared by several test files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def write_bad_files(folder: Path, *, big_bytes: int) -> dict[str, Path]:
    """The files an ingest must skip with a reason: random bytes, empty, broken UTF-8, too large.

    ``big.txt`` is sparse (``big_bytes`` on paper, nothing on disk), so 11 MB costs nothing.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / name for name in ("noise.txt", "empty.txt", "latin1.txt", "big.txt")}
    files["noise.txt"].write_bytes(os.urandom(4096))
    files["empty.txt"].write_bytes(b"")
    # Valid UTF-8 but for one stray byte: not guessed as a legacy encoding (no mojibake).
    files["latin1.txt"].write_bytes("Café prices\n\nPrices in Zürich rose.".encode() + b"\xff\n")
    with files["big.txt"].open("wb") as fh:
        fh.truncate(big_bytes)
    return files


def share_graphs(models: Path, embedder: Any) -> None:
    """Link the session embedder's ONNX graph and its optimised form into ``models`` (a data
    dir's models folder), so a CLI run there neither rebuilds nor re-optimises them."""
    models.mkdir(parents=True, exist_ok=True)
    for path in (embedder.onnx_path, embedder.optimized_path):
        if path.is_file() and not (models / path.name).exists():
            (models / path.name).symlink_to(path)


def news_article(title: str, source: str, published: str, *paragraphs: str) -> str:
    """A plain-text article in the ingest format: title, "Source: | Published: | URL:" line,
    blank line, paragraphs."""
    body = "\n\n".join(paragraphs)
    return f"{title}\nSource: {source} | Published: {published} | URL: \n\n{body}\n"


def ingested_engine(root: Path, embedder: Any, articles: dict[str, str],
                    extra: dict[str, str] | None = None) -> Any:
    """An Engine over ``articles`` (and ``extra`` files, e.g. the seeds) written under
    ``root``, ingested for real; asserts every file was added."""
    from index.config import IndexConfig
    from index.engine import Engine

    docs = root / "docs"
    docs.mkdir()
    files = {**articles, **(extra or {})}
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    e = Engine(IndexConfig(data_dir=root / "data"), embedder=embedder)
    report = e.ingest([str(docs)])
    assert len(report.added) == len(files), report.summary()
    return e


def cli_env(data_dir: Path, seeds: Path, embedder: Any) -> dict[str, str]:
    """Environment for a CLI run over ``data_dir``; the ONNX graph is linked, not rebuilt."""
    share_graphs(data_dir / "models", embedder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSQA_", "TELEGRAM_"))}
    env.update(
        NEWSQA_DATA_DIR=str(data_dir),
        NEWSQA_SEEDS_DIR=str(seeds),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
        COLUMNS="200",
    )
    return env
