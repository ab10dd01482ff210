"""Stage 3, text -> ast.Module: the standard parser, and libcst for syntax newer than this interpreter.

Errors are data: a file that does not parse becomes the (line, column, message) of its MR100
diagnostic instead of a tree.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Optional, Tuple, Union

Error = Tuple[int, int, str]


def parse_skeleton(source: str) -> Optional[ast.Module]:
    """The tree of a skeleton (see :mod:`.skeleton`), or None: the whole file is then parsed, and its
    error (if any) reported from there."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def parse(text: str) -> Union[ast.Module, Error]:
    """The tree of a whole file, or the error that stops the interpreter from reading it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as exc:
        tree = parse_newer_syntax(text, exc.msg or "")
        if tree is None:
            line = exc.lineno or 1
            col = (exc.offset or 1) - 1
            return (line, max(col, 0), f"syntax error: {exc.msg}")
        return tree
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, RecursionError):
            reason = "too deeply nested to parse (RecursionError)"
        return (_first_line_with(text, "\0") if "\0" in text else 1, 0, reason)


def _first_line_with(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


# -- newer syntax, through libcst -----------------------------------------------------------

_LIBCST_MAX_NESTING = 100
_BRACKETS = re.compile(r"[()\[\]{}]")


def _max_nesting(text: str) -> int:
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "([{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_newer_syntax(text: str, reason: str) -> Optional[ast.Module]:
    """The tree of a file that only a newer Python than this one parses (PEP 695 ``type`` aliases and
    type parameters, PEP 701 f-strings, PEP 750 t-strings, PEP 758 unparenthesized ``except A, B:``...),
    or None when it is a real syntax error.

    libcst's parser reads every syntax up to its release, whatever interpreter runs it; what this
    interpreter's ``ast`` cannot represent is rewritten into what it can, line for line (a ``type``
    alias becomes an assignment, type parameters go, ``except A, B:`` gets its parentheses, an
    f-string this interpreter cannot read or a t-string becomes an empty f-string of as many lines,
    which is what the newer tree's facts hold too), and facts never depend on what was rewritten."""
    if "nested" in reason or _max_nesting(text) > _LIBCST_MAX_NESTING:
        return None  # what the standard parser refuses for depth could crash libcst's native parser
    try:
        import libcst as cst

        module = cst.parse_module(text)
    except Exception:  # libcst's ParserSyntaxError, or anything it cannot take: a real error
        return None
    try:
        source = module.visit(_older_syntax(cst, module)).code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except Exception:
        return None


def _older_syntax(cst, module):
    """A libcst transformer that rewrites newer syntax into what this interpreter parses, line for line."""

    class Older(cst.CSTTransformer):
        def leave_TypeAlias(self, original, updated):
            return cst.Assign(targets=[cst.AssignTarget(updated.name)], value=cst.Name("None"))

        def leave_ClassDef(self, original, updated):
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_FunctionDef(self, original, updated):
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_FormattedString(self, original, updated):
            code = module.code_for_node(original)
            try:
                ast.parse("(" + code + "\n)", mode="eval")
                return updated  # an f-string this interpreter reads: kept as it is (a dynamic import's name)
            except SyntaxError:
                return _placeholder(code)

        def leave_TemplatedString(self, original, updated):
            # PEP 750 template strings (3.14), like PEP 701 f-strings, read as an f-string of as many lines:
            # an expression modelreg does not evaluate, as the newer interpreter's tree gives it
            return _placeholder(module.code_for_node(original))

        def leave_ExceptHandler(self, original, updated):
            return _parenthesized_types(updated)

        def leave_ExceptStarHandler(self, original, updated):
            return _parenthesized_types(updated)

    def _placeholder(code: str):
        """An empty f-string spanning as many lines as `code` (a JoinedStr: what the newer tree has)."""
        lines = code.count("\n")
        return cst.parse_expression('f"""' + "\n" * lines + '"""' if lines else 'f""')

    def _parenthesized_types(handler):
        """PEP 758 (3.14): `except A, B:` is `except (A, B):` for older parsers (same line)."""
        types = handler.type
        if isinstance(types, cst.Tuple) and not types.lpar:
            return handler.with_changes(type=types.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
        return handler

    return Older()
