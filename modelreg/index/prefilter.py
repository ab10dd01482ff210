"""Before stage 1, bytes -> words: the textual prefilter that decides whether a file is parsed at all.

A file that no registry imports matters only if it can define a model. Every
model-ish object starts from a SQLAlchemy-family construct (a *trigger* word),
and every class, alias or import that derives from one spells the name of
another model-ish binding (a *token*). So a file whose triggers are absent and
whose tokens meet no known model-ish name cannot define a model, and is not
parsed. The resolver grows the set of names until nothing new is found.

The whole word logic is :func:`scan`; the store (store.py) calls it on every file.
"""

from __future__ import annotations

from typing import Tuple

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


def scan(data: bytes, triggers: Tuple[bytes, ...] = ()) -> Tuple[bool, bytes]:
    """(has a trigger word, every word of the file as one space-separated bytes string).

    Triggers: the SQLAlchemy-family package names (every base, registry, MetaData
    or Table starts from an import of one), ``create_all`` (MR003), configured
    base names, and the library names every run's model-ish names start from
    (LIBRARY_NAMES, as whole words). Words: every identifier in the file - the
    prefilter asks whether one of them is a model-ish name, so nothing spelled
    anywhere can escape it.
    """
    if not data.isascii():
        data = _as_identifiers(data)
    if (
        b"sqlalchemy" in data or b"sqlmodel" in data or b"create_all" in data or b"__tablename__" in data
    ):  # _TRIGGERS, spelled out: hot
        return True, b""
    for t in triggers:
        if t in data:
            return True, b""
    words = set(data.translate(_WORD_TABLE).split())
    if not LIBRARY_WORDS.isdisjoint(words):
        return True, b""  # a candidate under any names (they start with these): parsed up front too
    return False, b" ".join(words)


def _as_identifiers(data: bytes) -> bytes:
    """Non-ASCII source as the interpreter reads its identifiers: decoded by its coding cookie (a
    latin-1 `Café` is the UTF-8 `Café` of the names), NFKC-normalized (`𝐁ase` is `Base`), in UTF-8.
    Undecodable bytes stay as they are (the file is MR100 anyway)."""
    import unicodedata

    try:
        text = decode(data)
    except (SyntaxError, UnicodeError, LookupError):
        return data
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")
