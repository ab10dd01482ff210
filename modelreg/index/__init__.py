"""bytes -> FileFacts: what one file declares and imports.

Pure (no I/O besides the caller's bytes, no project context) so that it can be
cached by content and run in parallel. Uses the standard library's ``ast``: it is
several times faster than a concrete syntax tree, and nothing here needs to
write code back (only :mod:`modelreg.fix` does, with libcst).

The pipeline, one module per stage (plain data between them)::

    bytes            --source.decode-->      text           (or the error: undecodable, a NUL byte)
    text             --skeleton.skeleton-->  skeleton text  (or None when unsure: the whole text is parsed)
    (skeleton) text  --parse-->              ast.Module     (libcst for newer syntax; or the syntax error)
    text + tree      --walk.collect-->       FileFacts

- :mod:`.prefilter` reads the bytes before any of this: the store parses only the files whose
  words can matter (``scan``).
- :mod:`.source` decodes like the interpreter (and says why it cannot); :mod:`.parse` parses.
- :mod:`.skeleton` blanks, line for line, what cannot change the facts (function bodies, most of
  a class body), so that the tree is built at a fraction of the cost, with the facts of a full parse.
- :mod:`.walk` visits the statements and decides scopes; the facts themselves are collected by
  :mod:`.imports`, :mod:`.classes`, :mod:`.assigns`, :mod:`.calls` and :mod:`.dynamic` into a
  :class:`.state.Collected`; :mod:`.exprs` turns expressions into plain tuples, :mod:`.noqa`
  reads the ``# noqa`` comments.
- :mod:`.data` turns FileFacts into plain tuples and back, for the cache and worker processes.
"""

from __future__ import annotations

from ..types import FileFacts
from .conditions import asname_of_type_checking
from .data import facts_from_data, facts_to_data
from .exprs import dotted, to_expr
from .parse import parse, parse_skeleton
from .prefilter import LIBRARY_NAMES, LIBRARY_WORDS, scan
from .skeleton import DECLARES_MARK, skeleton
from .source import decode, decode_encoding, decode_error, nul_error
from .walk import collect

__all__ = [
    "DECLARES_MARK", "LIBRARY_NAMES", "LIBRARY_WORDS", "asname_of_type_checking", "decode", "decode_encoding",
    "dotted", "facts_from_data", "facts_to_data", "index_source", "scan", "skeleton", "to_expr",
]


def index_source(data: bytes, fast: bool = True) -> FileFacts:
    """Build the facts of one file from its bytes. Never raises for bad input.

    ``fast`` parses a *skeleton* of the file (see :func:`.skeleton.skeleton`): function
    bodies and ordinary class-body statements are blanked out, line for line, so
    the facts are identical to those of a full parse at a fraction of the cost.
    When the skeleton cannot be built with certainty, or does not parse, the
    whole file is parsed.
    """
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileFacts(error=decode_error(data, exc))
    if "\0" in text:
        return FileFacts(error=nul_error(text))
    if fast:
        skel = skeleton(text)
        if skel is not None:
            tree = parse_skeleton(skel[0])
            if tree is not None:
                return collect(text, tree, skel[1])
    tree = parse(text)
    if isinstance(tree, tuple):
        return FileFacts(error=tree)
    return collect(text, tree)
