"""Before stage 1, bytes -> words: the textual prefilter that decides whether a file is parsed at all.

A file that no registry imports matters only if it can define a model. Every
model-ish object starts from a SQLAlchemy-family construct (a *trigger* word),
and every class, alias or import that derives from one spells the name of
another model-ish binding (a *token*) where it binds it: a class header, a
class decorator, a module-level statement, an `as` alias. So a file whose
triggers are absent and whose tokens meet no known model-ish name cannot define
a model, and is not parsed. The resolver grows the set of names until nothing
new is found. A file that only uses SQLAlchemy (imports and functions: queries,
sessions) is no trigger: it binds nothing at module level.

The whole word logic is :func:`scan`; the store (store.py) calls it on every file.
"""

from __future__ import annotations

import bisect
import re
from typing import List, Optional, Tuple

from .source import decode

_TRIGGERS = (b"sqlalchemy", b"sqlmodel", b"create_all", b"__tablename__")
# every byte that cannot be part of an identifier becomes a space: words = identifiers (and numbers)
_WORD_TABLE = bytes(c if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 95 or c >= 128) else 32 for c in range(256))

# Library names a model-ish value can be spelled with when a project module re-exports them
# (`from app.compat import SQLModel`): part of the prefilter's vocabulary from the start.
LIBRARY_NAMES = frozenset(
    {
        "SQLModel", "DeclarativeBase", "DeclarativeBaseNoMeta", "declarative_base", "as_declarative",
        "registry", "MetaData", "Table", "SQLAlchemy", "mapped_as_dataclass", "map_imperatively", "generate_base",
    }
)


LIBRARY_WORDS = frozenset(n.encode() for n in LIBRARY_NAMES)
# library names a function body can make something model-ish with that a run reads (a factory's
# `return declarative_base()`, imperative mappings in `start_mappers()`): triggers wherever they are
_ANYWHERE = frozenset({b"declarative_base", b"generate_base", b"map_imperatively"})


def scan(data: bytes, triggers: Tuple[bytes, ...] = ()) -> Tuple[bool, bytes]:
    """(has a trigger word, the words where a name can bind something, as one space-separated bytes string).

    Triggers: ``create_all`` (MR003) and ``__tablename__``, configured base names, the library names
    every run's model-ish names start from (LIBRARY_NAMES, as whole words, where a name can bind
    something; the factories of ``_ANYWHERE`` wherever they are), and the SQLAlchemy-family
    package names in a file that can bind something at all (a class, or a module-level statement
    that calls something: `Base = make_base()` through a project function). Words: those of
    :func:`relevant_slices` - the prefilter asks whether one of them is a model-ish name, and a name
    spelled anywhere else (a function body, a plain import, a docstring) binds nothing model-ish.
    """
    readable = b"\0" not in data  # (a NUL byte, or bytes that do not decode: MR100 when the file is read)
    if not data.isascii():
        data, readable = _as_identifiers(data)
    if b"create_all" in data or b"__tablename__" in data:  # _TRIGGERS, spelled out: hot
        return True, b""
    for t in triggers:
        if t in data:
            return True, b""
    if any(w in data for w in _ANYWHERE) and not _ANYWHERE.isdisjoint(data.translate(_WORD_TABLE).split()):
        return True, b""  # (what a function body makes with these is read too: see skeleton._KEEP_IN_BODY)
    slices = relevant_slices(data) if readable else [data]
    words = set(b" ".join(slices).translate(_WORD_TABLE).split())
    if not LIBRARY_WORDS.isdisjoint(words):
        return True, b""  # a candidate under any names (they start with these): parsed up front too
    if (b"sqlalchemy" in data or b"sqlmodel" in data) and _may_bind(slices):
        return True, b""
    return False, b" ".join(words)


def _may_bind(slices: List[bytes]) -> bool:
    """A class (its header, after the name, at any depth; its decorators), or a module-level statement
    that calls something."""
    return any(b"(" in piece or piece[:1] in (b":", b"[", b"@") for piece in slices)


# -- where a name can make a file define something ---------------------------------------------
#
# A file without a trigger defines something model-ish only if a model-ish name appears where it can
# bind one: in a class header (its bases, metaclass, keywords) or a decorator, at any depth (a class
# inside a function or a class is reported as unverifiable); in a module-level statement other than
# an import or a def (an assignment, a call, a `type(...)`, anything under `if`/`try`/`with`); or in
# an `as` alias (`from m import User as U` gives the vocabulary a name). A name spelled only in a
# function body, a plain import or a docstring binds nothing model-ish: the file is not a candidate
# for it (it is still parsed whenever the resolver follows an import into it). A module made of
# imports only (and `__all__`) is the exception: it may be the registry that gathers the models.

# a top-level statement starts (as skeleton._TOP; the pattern includes the newline before the line)
_TOP = re.compile(rb"\n(?!(?:else|elif|except|finally)\b)[^ #)\]}\r\f\n]")
_CODE_BEFORE = re.compile(rb"^[ \t]*[^\s#]", re.M)
_SKIPPED_HEAD = re.compile(rb"(?:async\s+def|def|import|from)\s|[rRbBuUfF]{0,2}['\"]")
_CLASS = re.compile(rb"class[ \t\r\n]")
_IMPORT = re.compile(rb"(?:import|from)\s")
_STRING_START = re.compile(rb"[rRbBuUfF]{0,2}['\"]")
_CLASS_NAME = re.compile(rb"class\s+[\w\x80-\xff]+")
_DECORATOR = re.compile(rb"@")
_ALIAS = re.compile(rb" as[ \t\r\n]")
_ANY_ALIAS = re.compile(rb"\sas\s")
_WORD_BEFORE = re.compile(rb"[\w\x80-\xff]+\s*\Z")
_WORD_AFTER = re.compile(rb"\s*([\w\x80-\xff]+)")
_TRIPLE = re.compile(rb'"""|\'\'\'')
_ONE_LINE_STRING = re.compile(rb"[rRbBuUfF]{0,2}(?:'[^'\\\n]*'|\"[^\"\\\n]*\")")
_HEADER_STOP = re.compile(rb"[()\[\]{}:#'\"\n\\]")


def relevant_slices(data: bytes) -> List[bytes]:
    """The parts of a file where a model-ish name can bind something (see above), or the whole file
    when its layout is not plain (lone CR line ends, form feeds, an indented first statement, brackets
    that do not balance). Whatever may sit
    inside an unbalanced string or follow a backslash continuation is kept: more words, never fewer."""
    if data.count(b"\r") != data.count(b"\r\n") or b"\f" in data or not _balanced(data):
        return [data]
    starts = [m.start() for m in _TOP.finditer(b"\n" + data)]
    if not starts or (starts[0] != 0 and _CODE_BEFORE.search(data, 0, starts[0])):
        return [data]
    if b'"""' in data or b"'''" in data:
        spans = _triple_strings(data)
        if spans:  # a column-0 line inside a multi-line string starts no statement
            starts = [i for i in starts if not _inside(spans, i)]
    alias = _ANY_ALIAS if b"\tas" in data or b"\nas" in data else _ALIAS  # (the literal one is fast)
    out = [_alias_words(data, m.start(), m.end()) for m in alias.finditer(data)]
    starts.append(len(data))
    imports = []  # a module of imports only (a registry that gathers the models, a package's re-exports)
    for begin, end in zip(starts, starts[1:]):
        if _CLASS.match(data, begin):
            out.append(_header(data, begin, end))
            imports = None
        elif data.startswith(b"@", begin):
            imports = None  # a decorator: kept below when it decorates a class
        elif not _SKIPPED_HEAD.match(data, begin) or not _even_quotes(data, begin, end) or _continued(data, begin):
            out.append(data[begin:end])  # a statement, or a region a string may hide
            if imports is not None and not data.startswith(b"__all__", begin):
                imports = None
        elif imports is not None and _IMPORT.match(data, begin):
            imports.append(data[begin:end])
        elif imports is not None and not _STRING_START.match(data, begin):
            imports = None
    if imports:  # gives every name it imports (what the resolver reads of a registry)
        out.extend(imports)
    for m in _CLASS.finditer(data):  # class headers at any depth (the top-level ones again: harmless)
        if _line_start(data, m.start()):
            out.append(_header(data, m.start(), len(data)))
    for m in _DECORATOR.finditer(data):
        if _line_start(data, m.start()):
            decorated = _decorated(data, m.start())
            if decorated is None:
                out.append(data[m.start() : _line_end(data, m.end())])
            elif decorated[1].startswith(b"class"):
                out.append(decorated[0])
    return out


def _decorated(data: bytes, at: int) -> Optional[Tuple[bytes, bytes]]:
    """(the decorators from `at` on, the first line of the statement they decorate), when that is
    plain to see: brackets that close, strings that end on their line, no comment or continuation in
    the decorators. Else None."""
    pos = at
    depth = 0
    for _ in range(64):  # decorators and the lines they span
        end = _line_end(data, pos)
        line = data[pos:end]
        stripped = line.strip()
        if depth == 0 and pos > at and stripped and not stripped.startswith(b"@"):
            return data[at:pos], stripped
        if b"'" in line or b'"' in line:
            line = _ONE_LINE_STRING.sub(b"", line)
        if b"\\" in line or b"'" in line or b'"' in line or b"#" in line:
            return None
        depth += line.count(b"(") + line.count(b"[") + line.count(b"{") - line.count(b")") - line.count(b"]") - line.count(b"}")
        if end >= len(data) or depth < 0:
            return None
        pos = end + 1
    return None


def _line_start(data: bytes, pos: int) -> bool:
    """Only blanks before `pos` on its line (a statement starts there, unless a string holds it)."""
    return not data[data.rfind(b"\n", 0, pos) + 1 : pos].strip()


def _balanced(data: bytes) -> bool:
    """As many closing brackets as opening ones: else the file may not parse (its MR100 is reported
    when it spells a model-ish name anywhere) or a string holds brackets (no guessing either way)."""
    return (
        data.count(b"(") == data.count(b")") and data.count(b"[") == data.count(b"]") and data.count(b"{") == data.count(b"}")
    )


def _alias_words(data: bytes, before: int, after: int) -> bytes:
    """`NAME as ALIAS` around the ` as ` at data[before:after]: the word before and the word after."""
    head = _WORD_BEFORE.search(data, max(0, before - 200), before)
    tail = _WORD_AFTER.match(data, after)
    return (head.group() if head else b"") + b" " + (tail.group(1) if tail else b"")


def _triple_strings(data: bytes) -> Optional[List[Tuple[int, int]]]:
    """(start, end) of each triple-quoted string, or None when a triple quote's role is not plain: one
    that opens must follow only code on its line (no comment, no other string), one that closes is
    the first unescaped one of its kind."""
    spans = []
    pos = 0
    while True:
        i = _TRIPLE.search(data, pos)
        if i is None:
            return spans
        at = i.start()
        line = data[data.rfind(b"\n", 0, at) + 1 : at]
        if b"'" in line or b'"' in line:
            line = _ONE_LINE_STRING.sub(b"", line)
        if b"'" in line or b'"' in line or b"#" in line:
            return None
        close = at + 3
        while True:
            close = data.find(i.group(), close)
            if close < 0:
                return None
            if data[close - 1 : close] != b"\\":
                break
            close += 1
        spans.append((at, close + 3))
        pos = close + 3


def _inside(spans: List[Tuple[int, int]], pos: int) -> bool:
    k = bisect.bisect_right(spans, (pos, 1 << 62)) - 1
    return k >= 0 and spans[k][0] < pos < spans[k][1]


def _continued(data: bytes, begin: int) -> bool:
    """The line before `begin` ends with a backslash: `begin` continues its statement."""
    return data.endswith(b"\\\n", 0, begin) or data.endswith(b"\\\r\n", 0, begin)


def _line_end(data: bytes, pos: int) -> int:
    end = data.find(b"\n", pos)
    return len(data) if end < 0 else end


def _even_quotes(data: bytes, begin: int, end: int) -> bool:
    return data.count(b'"""', begin, end) % 2 == 0 and data.count(b"'''", begin, end) % 2 == 0


def _header(data: bytes, head: int, end: int) -> bytes:
    """A class header after the class's name (a name binds nothing model-ish unless the bases,
    keywords or decorators say so) to its colon; up to `end` when it holds a string, a comment or a
    continuation (no guessing where it stops)."""
    name = _CLASS_NAME.match(data, head)
    head = name.end() if name is not None else head
    depth = 0
    for m in _HEADER_STOP.finditer(data, head, end):
        c = m.group()
        if c in b"([{":
            depth += 1
        elif c in b")]}":
            depth -= 1
        elif c == b":" and depth == 0:
            return data[head : m.end()]
        elif c == b"\n" and depth > 0:
            continue
        else:
            break
    return data[head:end]


def _as_identifiers(data: bytes) -> Tuple[bytes, bool]:
    """(non-ASCII source as the interpreter reads its identifiers: decoded by its coding cookie (a
    latin-1 `Café` is the UTF-8 `Café` of the names), NFKC-normalized (`𝐁ase` is `Base`), in UTF-8;
    whether it decodes). Undecodable bytes stay as they are (the file is MR100 when it is read)."""
    import unicodedata

    try:
        text = decode(data)
    except (SyntaxError, UnicodeError, LookupError):
        return data, False
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass"), "\0" not in text
