"""Bytes → text, strictly: a wrongly decoded character would make quotes unverifiable."""

from __future__ import annotations

import codecs

from index.ingest.skipped import Skipped

_SNIFF_BYTES = 8192
_CONTROL_SHARE = 0.05
# Control bytes that do occur in ordinary text files (tab, LF, VT, FF, CR, BS, ESC).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x08\x1b")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes mean the file is not text (images, PDFs, archives)."""
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if (b < 0x20 or b == 0x7F) and b not in _TEXT_CONTROLS)
    return controls > _CONTROL_SHARE * len(head)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(item: str, data: bytes, *, charset: str | None) -> str | Skipped:
    """Strict decoding: a wrongly decoded character would make quotes unverifiable."""
    if not data:
        return Skipped(item, "empty file")
    if looks_binary(data):
        return Skipped(item, "binary file (not text)")
    codec = codec_name(charset)
    if codec is not None and codec != "utf-8":
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            bad, at = data[exc.start], exc.start
            return Skipped(item, f"not valid {charset} text (byte 0x{bad:02x} at offset {at})")
    else:
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            offset = bom + exc.start
            return Skipped(
                item, f"not valid UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})"
            )
    text = normalise_newlines(text)
    if not text.strip():
        return Skipped(item, "empty file")
    return text


def codec_name(charset: str | None) -> str | None:
    """Python codec name for a declared charset; unknown names fall back to UTF-8."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return None
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name

