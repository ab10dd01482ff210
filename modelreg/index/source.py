"""Stage 1, bytes -> text: decode a file the way the interpreter reads it.

Errors are data: a file that cannot be decoded, or holds a NUL byte, becomes the
(line, column, message) of its MR100 diagnostic.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, Tuple

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)


def decode_encoding(data: bytes) -> str:
    """The encoding the interpreter reads a file with (its coding cookie, else UTF-8)."""
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def decode(data: bytes) -> str:
    """Decode Python source the way the interpreter does (BOM, coding cookie, UTF-8).

    Like CPython, bytes that are not UTF-8 are tolerated inside comments of a file without a coding
    cookie (an old latin-1 comment): they read as U+FFFD. Anywhere else they are an error."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        if _COOKIE.search(b"\n".join(data.split(b"\n", 2)[:2])):
            raise  # a cookie naming an unknown encoding
        encoding = "utf-8"  # the first lines are not UTF-8: see whether they are comments
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding not in ("utf-8", "utf-8-sig"):
            raise
        text = _comment_bytes_tolerated(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _comment_bytes_tolerated(data: bytes) -> str:
    """The text of a UTF-8 file whose invalid bytes all sit in comments; else the UnicodeDecodeError."""
    text = data.decode("utf-8", "surrogateescape")
    bad = [i for i, c in enumerate(text) if "\udc80" <= c <= "\udcff"]
    safe = "".join("\ufffd" if "\udc80" <= c <= "\udcff" else c for c in text)
    comments: Dict[int, int] = {}  # line -> column where its comment starts
    try:
        for tok in tokenize.generate_tokens(io.StringIO(safe).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.start[1]
    except (tokenize.TokenError, SyntaxError):
        comments = {}
    for i in bad:
        line = text.count("\n", 0, i) + 1
        col = i - (text.rfind("\n", 0, i) + 1)
        if comments.get(line, col + 1) > col:
            data.decode("utf-8")  # raises the interpreter's error, at the first bad byte
    return safe


def decode_error(data: bytes, exc: Exception) -> Tuple[int, int, str]:
    """The MR100 position and message of a file :func:`decode` refused."""
    if isinstance(exc, UnicodeDecodeError):
        line = data.count(b"\n", 0, exc.start) + 1
        return (line, 0, f"cannot decode file: {exc.reason} (byte {data[exc.start]:#04x})")
    return (1, 0, f"cannot decode file: {exc}")


def nul_error(text: str) -> Tuple[int, int, str]:
    """Python refuses to import a file holding a NUL byte: say where the byte is."""
    at = text.index("\0")
    line = text.count("\n", 0, at) + 1
    return (line, at - (text.rfind("\n", 0, at) + 1), "source contains a NUL byte")
