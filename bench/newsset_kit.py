"""What every news question set's ``build.py`` shares (``bench/heldout_news/``,
``bench/tune_news/``): reading a pinned git mirror (and a BBC file's title and body), cleaning
an article's lines, a file name from a title, the sentence around a snippet, the normalised
containment test that checks gold strings and evidence, and the word runs and fingerprints
that the overlap checks compare. Standard library only, deterministic: a set built with it is
rebuilt byte for byte.

A build script adds this folder to ``sys.path`` (``sys.path.insert(0, str(HERE.parents[1]))``)
and imports what it needs; the sentence rules follow the dev set's build
(``../shared/eval-dev/news/make_dev_news.py``).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import unicodedata
from pathlib import Path


def git_dir(path: str) -> Path:
    """The git directory of a mirror: ``path/.git`` for a clone, ``path`` for a bare one."""
    p = Path(path)
    return p / ".git" if (p / ".git").is_dir() else p


def git_show(repo: Path, commit: str, path: str) -> bytes:
    """One file of a pinned commit, as bytes."""
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout


def decode(raw: bytes) -> tuple[str, str]:
    """A few dataset files are not UTF-8 (a bare 0xA3 for the pound sign): read those as cp1252."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def split_article(raw: bytes) -> tuple[str, str]:
    """A BBC dataset file's title (its first line) and body."""
    title, _, body = clean_lines(decode(raw)[0]).partition("\n")
    return title.strip(), body.strip("\n")


def clean_lines(text: str) -> str:
    """CRLF to LF and trailing spaces off each line; nothing else is changed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def slugify(title: str) -> str:
    """A corpus file name's slug: ASCII words of the title, at most 48 characters."""
    t = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", t).split()
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > 48:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug or "article"


# --- sentences and normalisation (as in the dev build) ---
_NOT_END = {
    "mr", "mrs", "ms", "dr", "st", "sen", "gen", "gov", "rep", "lt", "col", "capt", "cmdr",
    "prof", "sgt", "jr", "sr", "co", "corp", "inc", "ltd", "no", "vs", "jan", "feb", "mar",
    "apr", "aug", "sept", "sep", "oct", "nov", "dec", "mt", "ft", "u.s", "u.k", "u.n", "e.g",
    "i.e", "a.m", "p.m", "d.c"
}
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")


def _is_end(text: str, m: re.Match) -> bool:
    before = re.search(r"([A-Za-z.]+)$", text[max(0, m.start() - 12):m.start()])
    word = before.group(1).lower().rstrip(".") if before else ""
    if word in _NOT_END or re.fullmatch(r"(?:[a-z]\.)*[a-z]", word):
        return False
    nxt = text[m.end():m.end() + 3].lstrip(" \t")
    return not nxt or not nxt[0].islower()


def sentence_of(text: str, start: int, end: int) -> str:
    """The sentence (within its line) that holds text[start:end]."""
    line_lo = text.rfind("\n", 0, start) + 1
    line_hi = text.find("\n", end)
    line_hi = len(text) if line_hi < 0 else line_hi
    lo = line_lo
    for m in _END.finditer(text, line_lo, start):
        if _is_end(text, m):
            lo = m.end()
    hi = line_hi
    for m in _END.finditer(text, max(end - 1, line_lo), line_hi):
        if m.start() >= end - 1 and _is_end(text, m):
            hi = m.end()
            break
    return text[lo:hi].strip()


def norm(s: str) -> str:
    """NFKD -> ASCII, lowercase, apostrophes dropped, other punctuation to spaces, no articles."""
    s = re.sub(r"['\u2019]s\b", "", s)
    s = re.sub(r"['\u2019\u2018`]", "", s)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return " ".join(w for w in re.sub(r"[^a-z0-9]+", " ", s).split() if w not in ("a", "an", "the"))


def has(haystack: str, needle: str) -> bool:
    """Is ``needle`` in ``haystack`` as whole normalised words?"""
    n = norm(needle)
    return bool(n) and f" {n} " in f" {norm(haystack)} "


def shingles(text: str, n: int = 10) -> set[str]:
    """Every run of ``n`` normalised words: two articles sharing one share text."""
    w = norm(text).split()
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def words(s: str) -> list[str]:
    """ASCII-folded lower-case words and numbers."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", s)


def runs(s: str, n: int = 10) -> set[str]:
    """Every run of ``n`` of ``words(s)`` (punctuation and articles kept apart from ``norm``)."""
    w = words(s)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def digest(body: str) -> str:
    """A body's fingerprint: the same text, whatever its spacing and punctuation."""
    return hashlib.sha1(norm(body).encode()).hexdigest()
