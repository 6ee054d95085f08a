"""Tests for index.ingest.decode: real files in tmp_path, real charset-normalizer."""

from __future__ import annotations

import codecs
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from index.ingest.decode import Decoded, decode, decode_detail, looks_binary
from index.ingest.skipped import Skipped

NEWS = "Flood barriers fail\r\n\r\nCrews evacuated 400 homes on Friday, officials said.\r\n"
CP1252_NEWS = (
    "Markets rally as “soft landing” hopes grow\n\n"
    "Shares rose on Tuesday after the central bank said inflation was “moving in the right "
    "direction”. The euro traded at €1.08 — its highest in a month — while the café chain’s "
    "stock jumped 4%.\n\n"
    "“We’re cautiously optimistic,” said analyst Zoë Müller.\n"
)


def _file(tmp_path: Path, name: str, data: bytes) -> tuple[str, bytes]:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path), path.read_bytes()


def _decoded(tmp_path: Path, data: bytes, charset: str | None = None) -> Decoded:
    item, raw = _file(tmp_path, "a.txt", data)
    got = decode_detail(item, raw, charset=charset)
    assert isinstance(got, Decoded), got
    return got


def _skipped(tmp_path: Path, data: bytes, charset: str | None = None) -> str:
    item, raw = _file(tmp_path, "a.txt", data)
    got = decode_detail(item, raw, charset=charset)
    assert isinstance(got, Skipped), got
    assert got.input == item
    return got.reason


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- UTF-8 and byte-order marks ------------------------------------------------------------------


def test_utf8_is_not_guessed(tmp_path: Path) -> None:
    got = _decoded(tmp_path, NEWS.replace("Friday", "Friday – café").encode("utf-8"))
    assert got == Decoded(
        NEWS.replace("\r\n", "\n").replace("Friday", "Friday – café"), "utf-8", False
    )


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    got = _decoded(tmp_path, codecs.BOM_UTF8 + "Café\n".encode())
    assert (got.text, got.encoding, got.guessed) == ("Café\n", "utf-8", False)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),  # Windows Notepad "Unicode"
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_marked_unicode_is_text_not_binary(tmp_path: Path, bom: bytes, codec: str) -> None:
    text = NEWS + "“We’re ready,” the mayor said. €5m 🌊\r\n"
    data = bom + text.encode(codec)
    assert looks_binary(data)  # NUL bytes everywhere: the BOM must be checked first
    got = _decoded(tmp_path, data)
    assert got == Decoded(text.replace("\r\n", "\n"), codec, False)
    assert decode("x", data, charset=None) == got.text


def test_bom_overrides_declared_charset(tmp_path: Path) -> None:
    got = _decoded(tmp_path, codecs.BOM_UTF8 + "Zürich\n".encode(), charset="iso-8859-1")
    assert (got.text, got.encoding) == ("Zürich\n", "utf-8")
    got = _decoded(tmp_path, codecs.BOM_UTF16_LE + "Zürich".encode("utf-16-le"), charset="utf-8")
    assert (got.text, got.encoding) == ("Zürich", "utf-16-le")


def test_declared_utf16_without_bom(tmp_path: Path) -> None:
    got = _decoded(tmp_path, "Zürich €5\n".encode("utf-16-be"), charset="UTF-16BE")
    assert got == Decoded("Zürich €5\n", "utf-16-be", False)
    assert _skipped(tmp_path, "Zürich".encode("utf-16-be")) == "binary file (not text)"


def test_broken_utf16_names_the_offset(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8" + "c".encode("utf-16-le")
    assert _skipped(tmp_path, data) == "not valid UTF-16 text (byte 0x00 at offset 6)"


def test_bom_only_file_is_empty(tmp_path: Path) -> None:
    assert _skipped(tmp_path, codecs.BOM_UTF16_LE) == "empty file"
    assert _skipped(tmp_path, codecs.BOM_UTF8 + b" \r\n") == "empty file"


# --- Legacy encodings -----------------------------------------------------------------------------


def test_cp1252_news_is_guessed_exactly(tmp_path: Path) -> None:
    got = _decoded(tmp_path, CP1252_NEWS.encode("cp1252"))
    assert got == Decoded(CP1252_NEWS, "cp1252", True)


def test_short_latin1_is_read_as_windows_1252(tmp_path: Path) -> None:
    """Latin-1 letters are the same bytes in Windows-1252, which wins ties (WHATWG default)."""
    got = _decoded(tmp_path, "Café opens downtown\nA new café opened.\n".encode("latin-1"))
    assert got == Decoded("Café opens downtown\nA new café opened.\n", "cp1252", True)


def test_cyrillic_legacy_text_is_guessed(tmp_path: Path) -> None:
    text = (
        "Правительство объявило о новых мерах поддержки экономики. "
        "Министр финансов заявил, что пакет вступит в силу в понедельник.\n"
    )
    assert _decoded(tmp_path, text.encode("cp1251")) == Decoded(text, "cp1251", True)


def test_declared_charset_is_strict_and_never_guessed(tmp_path: Path) -> None:
    got = _decoded(tmp_path, "Zürich\n".encode("iso-8859-1"), charset="ISO-8859-1")
    assert got == Decoded("Zürich\n", "iso8859-1", False)
    # Declared ASCII but valid UTF-8 (issue 23, item 16): read as UTF-8, and said so.
    assert _decoded(tmp_path, "Zürich".encode(), charset="ascii") == Decoded(
        "Zürich", "utf-8", False, declared="ascii")
    assert _skipped(tmp_path, "Zürich".encode("iso-8859-1") + b"\x81", charset="ascii") == (
        "not valid ascii text (byte 0xfc at offset 1)"
    )
    # Declared UTF-8 that is not UTF-8: the declaration is trusted, no guess.
    assert _skipped(tmp_path, CP1252_NEWS.encode("cp1252"), charset="utf-8").startswith(
        "not valid UTF-8 text (byte 0x93 at offset 17)"
    )


def test_damaged_utf8_is_not_turned_into_mojibake(tmp_path: Path) -> None:
    data = ("Café prices rose in Zürich on Monday, the city said. " * 3).encode() + b"\xff end"
    assert _skipped(tmp_path, data) == f"not valid UTF-8 text (byte 0xff at offset {len(data) - 5})"


@pytest.mark.parametrize(
    "data",
    [
        b"abc \x81\x8d\x8f\x90\x9d def",  # undefined in Windows-1252, no clear other codec
        "Zażółć gęślą jaźń".encode("iso-8859-2"),  # too short to tell Central European codecs
    ],
)
def test_unclear_legacy_text_keeps_the_utf8_reason(tmp_path: Path, data: bytes) -> None:
    first_bad = next(i for i, b in enumerate(data) if b >= 0x80)
    assert _skipped(tmp_path, data) == (
        f"not valid UTF-8 text (byte 0x{data[first_bad]:02x} at offset {first_bad})"
    )


# --- Binary and empty -----------------------------------------------------------------------------


def test_png_pdf_zip_are_binary(tmp_path: Path) -> None:
    assert _skipped(tmp_path, _png()) == "binary file (not text)"
    # An uncompressed PDF has no NUL bytes and little control noise: its signature decides.
    pdf = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        + b"1 0 obj << /Type /Catalog /Title (Caf\xe9) >> endobj\n" * 20
    )
    assert not looks_binary(pdf[5:])
    assert _skipped(tmp_path, pdf) == "binary file (not text)"
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("story.txt", CP1252_NEWS)
    assert _skipped(tmp_path, archive.read_bytes()) == "binary file (not text)"


def test_random_and_control_bytes_are_binary(tmp_path: Path) -> None:
    assert _skipped(tmp_path, random.Random(1).randbytes(4096)) == "binary file (not text)"
    assert _skipped(tmp_path, b"ab\x01\x02\x03cd\x04\x05\x06" * 50) == "binary file (not text)"


def test_empty_and_blank(tmp_path: Path) -> None:
    assert _skipped(tmp_path, b"") == "empty file"
    assert _skipped(tmp_path, b"  \n\t\r\n") == "empty file"


def test_decode_wrapper_keeps_its_contract(tmp_path: Path) -> None:
    item, raw = _file(tmp_path, "n.txt", NEWS.encode())
    assert decode(item, raw, charset=None) == NEWS.replace("\r\n", "\n")
    assert decode(item, b"", charset=None) == Skipped(item, "empty file")
