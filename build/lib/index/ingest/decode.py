"""Bytes → text, strictly: a wrongly decoded character would make quotes unverifiable.

Order: a byte-order mark (UTF-8/16/32) wins; then a declared charset; then UTF-8; then, for
undeclared legacy files only, a charset-normalizer guess that must be unambiguous (see
:func:`guess_encoding`). Binary files are recognised before any guess, so an image is never
"decoded".
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from index.ingest.skipped import Skipped

_SNIFF_BYTES = 8192
_CONTROL_SHARE = 0.05
# Control bytes that do occur in ordinary text files (tab, LF, VT, FF, CR, BS, ESC).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x08\x1b")
# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# File signatures of formats that can slip past the NUL/control sniff (an uncompressed PDF is
# mostly ASCII); these are binary whatever charset-normalizer would say.
_MAGIC = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # zip, docx, epub
    b"PK\x05\x06",  # empty zip
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # legacy MS Office
    b"\x7fELF",
)

# charset-normalizer's "chaos" is the share of the text that looks mis-decoded (0 = clean).
MAX_CHAOS = 0.10
# Matches within this much chaos of the best are equally plausible; if they decode to
# different text the guess is refused.
_TIE_CHAOS = 0.02
# Windows-1252 is what undeclared Western legacy text almost always is (the WHATWG encoding
# standard maps "latin1"/"ascii" labels to it), so it wins a tie it is part of.
_PREFERRED = "cp1252"
# A complete 2–4 byte UTF-8 sequence; enough of them mean damaged UTF-8, not a legacy codec.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True)
class Decoded:
    """Decoded text (line endings normalised to ``\\n``, BOM removed).

    ``encoding`` is the Python codec name used (``utf-8``, ``utf-16-le``, ``cp1252``, …);
    ``guessed`` is True when no BOM, declaration or valid UTF-8 told us and charset-normalizer
    chose it, so an ingest line can say "decoded as cp1252 (guessed)".
    """

    text: str
    encoding: str
    guessed: bool
    declared: str | None = None
    """A declared charset the bytes are not valid in, when they are valid UTF-8 and were read
    as such (a page saying windows-1252 while serving UTF-8 is common)."""


def encoding_note(encoding: str, guessed: bool, declared: str | None = None) -> str | None:
    """One-line remark for the ingest report when the encoding was guessed or the declared
    one was wrong, else None.

    ``encoding_note("cp1252", True)`` → ``"encoding guessed: cp1252"``.
    """
    if declared:
        return f"not valid {declared} text as declared: read as UTF-8"
    return f"encoding guessed: {encoding}" if guessed else None


def looks_binary(data: bytes) -> bool:
    """A known binary signature, NUL bytes or many control bytes: not text."""
    if data.startswith(_MAGIC):
        return True
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if (b < 0x20 or b == 0x7F) and b not in _TEXT_CONTROLS)
    return controls > _CONTROL_SHARE * len(head)


def _text_looks_binary(text: str) -> bool:
    """The decoded-text version of the control sniff (for BOM-marked and guessed text)."""
    head = text[:_SNIFF_BYTES]
    allowed = "\t\n\x0b\x0c\r\x08\x1b"
    controls = sum(1 for c in head if (c < " " or c == "\x7f") and c not in allowed)
    return "\x00" in head or controls > _CONTROL_SHARE * len(head)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(item: str, data: bytes, *, charset: str | None) -> str | Skipped:
    """Text of ``data`` (see :func:`decode_detail`), without the encoding details."""
    got = decode_detail(item, data, charset=charset)
    return got if isinstance(got, Skipped) else got.text


def decode_detail(
    item: str, data: bytes, *, charset: str | None, utf8_fallback: bool = True
) -> Decoded | Skipped:
    """Decode a file or response body strictly; never raises.

    ``charset`` is a declared charset (HTTP header, ``<meta charset>``) or None. A BOM
    overrides it. Bytes not valid in the declared charset but valid UTF-8 are read as UTF-8
    (``Decoded.declared`` says so), unless ``utf8_fallback`` is off. Skipped reasons: "empty
    file", "binary file (not text)", "not valid UTF-8 text (byte 0x.. at offset N)" (also for
    undeclared legacy text whose encoding cannot be guessed unambiguously), "not valid
    <charset> text (…)" for a declared charset the bytes match neither it nor UTF-8, and
    "not valid UTF-16 text (…)" for a broken BOM file.
    """
    if not data:
        return Skipped(item, "empty file")
    for bom, bom_codec, label in _BOMS:
        if data.startswith(bom):
            marked = _strict(item, data, bom_codec, label, skip=len(bom))
            return _finish(item, marked, guessed=False)
    codec = codec_name(charset)
    wide = codec is not None and codec.startswith(("utf-16", "utf-32"))  # NULs are expected
    if not wide and looks_binary(data):
        return Skipped(item, "binary file (not text)")
    if codec is not None and codec != "utf-8":
        got = _strict(item, data, codec, charset or codec)
        if isinstance(got, Skipped) and utf8_fallback and not wide:
            utf8_text = _strict(item, data, "utf-8", "UTF-8")
            if not isinstance(utf8_text, Skipped):
                done = _finish(item, utf8_text, guessed=False)
                return done if isinstance(done, Skipped) else replace(done, declared=charset)
        return _finish(item, got, guessed=False)
    utf8 = _strict(item, data, "utf-8", "UTF-8")
    if isinstance(utf8, Skipped) and codec is None:
        guess = guess_encoding(data)
        legacy = _strict(item, data, guess, guess) if guess else utf8
        if not isinstance(legacy, Skipped):
            return _finish(item, legacy, guessed=True)
    return _finish(item, utf8, guessed=False)


def _strict(
    item: str, data: bytes, codec: str, label: str, *, skip: int = 0
) -> tuple[str, str] | Skipped:
    try:
        return data[skip:].decode(codec), codec
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        return Skipped(item, f"not valid {label} text (byte 0x{data[at]:02x} at offset {at})")


def _finish(item: str, got: tuple[str, str] | Skipped, *, guessed: bool) -> Decoded | Skipped:
    if isinstance(got, Skipped):
        return got
    text, codec = got
    if _text_looks_binary(text):
        return Skipped(item, "binary file (not text)")
    text = normalise_newlines(text)
    if not text.strip():
        return Skipped(item, "empty file")
    return Decoded(text, codec, guessed)


def guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's encoding for undeclared, non-UTF-8 text, or None when unsure.

    Refused: bytes that are mostly valid UTF-8 sequences (damaged UTF-8 would otherwise come
    out as ``Ã©`` mojibake); a best match with chaos above MAX_CHAOS; and several equally
    plausible encodings that decode to different text — unless Windows-1252 is among them,
    which then wins. Returns a Python codec name (``cp1252``, ``cp1251``, …).
    """
    sequences = _UTF8_MULTIBYTE.findall(data)
    stray = len(_NON_ASCII.findall(data)) - sum(len(seq) for seq in sequences)
    if len(sequences) >= stray:
        return None
    from charset_normalizer import from_bytes  # only legacy files pay for the import

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.chaos > MAX_CHAOS:
        return None
    tied = [m for m in matches if m.chaos <= best.chaos + _TIE_CHAOS]
    if any(_PREFERRED in m.could_be_from_charset for m in tied):
        return _PREFERRED
    if len(tied) > 1:
        return None  # the candidates disagree about some characters: do not pick one
    return codecs.lookup(best.encoding).name


def codec_name(charset: str | None) -> str | None:
    """Python codec name for a declared charset; unknown names fall back to UTF-8 (None)."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip()).name
    except LookupError:
        return None
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name
