"""text -> the file's ``# noqa`` comments, line by line (line 0: a file-level ``# modelreg: noqa``)."""

from __future__ import annotations

import re

_NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE_NOQA_RE = re.compile(
    r"^\s*#\s*modelreg:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*$", re.IGNORECASE
)


def noqa_lines(text: str):
    """((line, codes or None for every code), ...) of every noqa comment."""
    if "noqa" not in text and "NOQA" not in text:
        return ()
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        m = _NOQA_RE.search(line)
        if m:
            codes = m.group("codes")
            out.append((lineno, tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None))
        file_level = _file_noqa(line)
        if file_level is not False:
            out.append((0, file_level))
    return tuple(out)


def _file_noqa(line: str):
    """A file-level `# modelreg: noqa` (None: every code) or `# modelreg: noqa: MR001, MR005` (the
    codes), on a line of its own, recorded at line 0; False when the line is no such directive."""
    m = _FILE_NOQA_RE.match(line)
    if m is None:
        return False
    codes = m.group("codes")
    return tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None
