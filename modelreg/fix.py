"""Fixes: edit a registry with libcst, in its own style, and write it back safely.

``plan()`` turns fixable diagnostics into one :class:`FileFix` per registry
(old bytes, new bytes, what was added and removed); ``write()`` applies one
atomically. Only registries are ever edited. Every byte the fix does not mean
to change is kept: libcst round-trips the file exactly, including its encoding,
BOM, line endings and a missing final newline.
"""

from __future__ import annotations

import ast
import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from . import style as style_mod
from .index import decode, decode_encoding
from .resolve import Project
from .types import MODULE, Diagnostic, ImportStmt, ModelInfo, Module, Registry

try:  # POSIX advisory locks; without them concurrent fixes are not serialized
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class FixError(Exception):
    """A fix that cannot be written (it would not parse, or would escape the project)."""


NEW_REGISTRY_HEADER = (
    '"""Model registry: imports every module that defines a SQLAlchemy model.\n\n'
    "Import this module before `Base.metadata.create_all()` and in Alembic's env.py so that\n"
    "every table is known. Kept complete by `modelreg --fix`.\n"
    '"""\n'
)


@dataclass
class FileFix:
    path: str
    old: Optional[bytes]  # None: the file is created
    new: bytes
    added: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    fixed: int = 0  # diagnostics this fix resolves

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Addition:
    target: Module
    classes: Tuple[str, ...]
    statement: str  # rendered, without comments


# -- planning ---------------------------------------------------------------------


def read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def plan(
    analysis, diagnostics: Sequence[Diagnostic], read: Callable[[str], bytes] = read_file
) -> Tuple[List[FileFix], List[Tuple[str, str]]]:
    """(fixes, errors): one FileFix per registry with fixable diagnostics; errors as (path, message).

    ``read`` gives a file's current bytes (the language server passes unsaved buffers)."""
    per_registry: Dict[str, Dict[str, list]] = {}
    env_fixes: Dict[str, list] = {}
    models_by_key = {f"{m.module.name}.{m.name}": m for m in analysis.models}
    for d in diagnostics:
        if not d.fixable or d.registry is None:
            continue
        if d.code == "MR003":
            if d.fix:
                env_fixes.setdefault(d.path, []).append(d.fix)
            continue
        entry = per_registry.setdefault(d.registry, {"models": [], "removals": [], "count": 0})
        entry["count"] += 1
        if d.code in ("MR001", "MR004") and d.model:
            model = models_by_key.get(d.model)
            if model is not None:
                entry["models"].append(model)
        elif d.code == "MR004":
            entry["models"].extend(m for m in analysis.missing_registry_models(d.registry))
        elif d.code == "MR002" and d.fix:
            entry["removals"].append((d.fix[1], d.fix[2]))
    fixes: List[FileFix] = []
    errors: List[Tuple[str, str]] = []
    registries = {r.path: r for r in analysis.registries}
    for path, entry in sorted(per_registry.items()):
        reg = registries.get(path)
        if reg is None:
            continue
        try:
            fx = _plan_registry(analysis, reg, entry["models"], entry["removals"], read)
        except FixError as exc:
            errors.append((path, str(exc)))
            continue
        except (RecursionError, MemoryError):  # libcst recursing through a deeply nested expression
            errors.append((path, "the file is too deeply nested to edit safely; nothing written"))
            continue
        fx.fixed = entry["count"]
        if fx.changed:
            fixes.append(fx)
    for path, items in sorted(env_fixes.items()):
        try:
            fx = _plan_env(analysis, path, items, read)
        except FixError as exc:
            errors.append((path, str(exc)))
            continue
        except (RecursionError, MemoryError):
            errors.append((path, "the file is too deeply nested to edit safely; nothing written"))
            continue
        if fx.changed:
            fixes.append(fx)
    return fixes, errors


def _plan_env(analysis, path: str, items, read) -> FileFix:
    """MR003: import the registry in Alembic's env.py right after the base's import."""
    old = read(path)
    module = analysis.project.by_path[path]
    editor = RegistryEditor(old, analysis.project, module, analysis.project.facts(module).imports)
    added = []
    for _, line, statement in items:
        if editor.insert_after(line, statement, "# noqa: F401"):
            added.append(statement)
    new = editor.result()
    if new != old:
        _check_parses(path, new)
    return FileFix(path, old, new, added=added, fixed=len(items))


def _additions(analysis, reg: Registry, models: Sequence[ModelInfo]) -> List[Addition]:
    mode = analysis.require
    st = style_mod.detect(analysis.project, reg.module, mode)
    grouped: Dict[str, List[ModelInfo]] = {}
    for m in models:
        grouped.setdefault(m.module.path, []).append(m)
    out = []
    for ms in grouped.values():
        target = ms[0].module
        classes = tuple(sorted({m.name for m in ms}))
        if mode == "class":
            for c in classes:
                out.append(Addition(target, (c,), style_mod.statement(st, reg.module, target, [c])))
        else:
            out.append(Addition(target, classes, style_mod.statement(st, reg.module, target, list(classes))))
    return out


def _plan_registry(analysis, reg: Registry, models: Sequence[ModelInfo], removals, read) -> FileFix:
    additions = _additions(analysis, reg, models)
    if reg.module is None or not os.path.exists(reg.path):
        if os.path.lexists(reg.path):
            raise FixError("a file or directory is already there and is not a registry modelreg can edit; nothing written")
        lines = sorted({a.statement + "  # noqa: F401" for a in additions})
        new = (NEW_REGISTRY_HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")
        _check_parses(reg.path, new)
        return FileFix(reg.path, None, new, added=[a.statement for a in additions])
    old = read(reg.path)
    facts = analysis.project.facts(reg.module)
    editor = RegistryEditor(old, analysis.project, reg.module, facts.imports)
    removed = [editor.remove(line, index) for line, index in sorted(removals, reverse=True)]
    added = [editor.add(a) for a in additions]
    new = editor.result()
    if new != old:
        _check_parses(reg.path, new)
    return FileFix(reg.path, old, new, added=[a for a in added if a], removed=[r for r in removed if r])


def _check_parses(path: str, data: bytes) -> None:
    try:
        ast.parse(decode(data))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise FixError(f"the fixed file would not parse ({exc}); nothing written") from None


# -- editing a registry with libcst ---------------------------------------------


def _parse_cst(source: bytes) -> cst.Module:
    """libcst's tree of a file. A UTF-8 file with other bytes in its comments (which CPython tolerates,
    see index.decode) is read as latin-1: every byte round-trips unchanged, and added text is ASCII."""
    try:
        source.decode(decode_encoding(source))
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return cst.parse_module(source, cst.PartialParserConfig(encoding="latin-1"))
    return cst.parse_module(source)


def _is_blank(line: cst.EmptyLine) -> bool:
    return line.comment is None


def _split_leading(lines: Sequence[cst.EmptyLine]) -> Tuple[list, list]:
    """(prefix, attached): the comment lines directly above a statement are attached to it."""
    lines = list(lines)
    i = len(lines)
    while i > 0 and not _is_blank(lines[i - 1]):
        i -= 1
    return lines[:i], lines[i:]


def _is_directive(comment: str) -> bool:
    """Tool directives that belong to the statement below them."""
    body = comment.lstrip("#").strip().lower()
    return body.startswith(("noinspection", "noqa", "type:", "pylint:", "fmt:", "isort:", "pyright:", "mypy:"))


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _dotted(node) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted(node.value) + "." + node.attr.value
    return ""


def _import_of(stmt: cst.CSTNode):
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
        return stmt.body[0]
    return None


def _sort_key(node) -> str:
    if isinstance(node, cst.Import):
        return _dotted(node.names[0].name).lower()
    level = len(node.relative)
    names = node.names
    first = "*" if isinstance(names, cst.ImportStar) else _dotted(names[0].name)
    return ("." * level + _dotted(node.module) + "." + first).lower()


@dataclass
class _Stmt:
    node: cst.CSTNode
    fact: Optional[ImportStmt] = None  # facts of the original statement (None for other statements)
    added: bool = False  # inserted by this fix
    line: int = 0  # original 1-based line (0 for added statements)
    entry: bool = False  # imports a project module: one of the registry's entries
    key: Optional[str] = None  # sort key of an entry

    def sort_key(self) -> str:
        if self.key is None:
            self.key = _sort_key(_import_of(self.node))
        return self.key


class RegistryEditor:
    """Adds and removes import statements in a registry module, copying its layout."""

    def __init__(self, source: bytes, project: Project, registry: Module, imports: Sequence[ImportStmt]):
        try:
            # the standard parser first: it refuses what would crash libcst's native parser (deep nesting)
            ast.parse(decode(source))
            self.module = _parse_cst(source)
        except cst.ParserSyntaxError as exc:
            raise FixError(f"cannot parse the file to edit it ({exc.message}); nothing written") from None
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            raise FixError(f"cannot parse the file to edit it ({exc}); nothing written") from None
        except (RecursionError, MemoryError):
            raise FixError("the file is too deeply nested to edit safely; nothing written") from None
        self.source = source
        self.project = project
        self.registry = registry
        facts_by_line = {s.line: s for s in imports if s.scope == MODULE}
        self.stmts: List[_Stmt] = []
        self._layout = None  # the entries' layout, computed once (removals reset it)
        self._list_entries: Optional[List[_Stmt]] = None  # the multi-name entries, found once (removals reset it)
        line = 1 + len(self.module.header)
        for node in self.module.body:
            start = line + len(getattr(node, "leading_lines", ()))
            fact = facts_by_line.get(start) if _import_of(node) else None
            entry = fact is not None and style_mod._form_of(project, registry, fact) is not None
            self.stmts.append(_Stmt(node, fact, False, start, entry))
            if fact is not None and len(node.body) == 1:
                line = fact.end_line + 1  # the parser already knows where an import ends
            else:
                line += self.module.code_for_node(node).count("\n")
        self.footer = list(self.module.footer)
        self.header = list(self.module.header)
        if self.stmts and not self.stmts[0].node.leading_lines:
            # libcst keeps every comment line at the top of the file in the module header, including
            # those attached to the first statement (`# noinspection ...`): give those back to it
            prefix, attached = _split_leading(self.header)
            if attached:
                self.header = prefix
                first = self.stmts[0]
                first.node = first.node.with_changes(leading_lines=attached)

    def _entries(self) -> List[int]:
        """Indices of the top-level statements that import a project module: the registry's entries."""
        return [i for i, s in enumerate(self.stmts) if s.added or s.entry]

    # layout ---------------------------------------------------------------------

    def _pattern(self, entries: List[int]) -> Tuple[list, Optional[cst.Comment], cst.SimpleWhitespace, bool]:
        """Layout of a typical entry: its leading lines, the trailing comment its neighbours carry,
        the whitespace before that comment, and whether the entries are sorted.

        Computed once from the registry's own entries (additions keep a sorted registry sorted)."""
        if self._layout is not None and any(not self.stmts[i].added for i in entries):
            return self._layout
        self._layout = self._compute_pattern(entries)
        return self._layout

    def _compute_pattern(self, entries: List[int]):
        originals = [self.stmts[i].node for i in entries if not self.stmts[i].added]
        sample = originals or [self.stmts[i].node for i in entries]  # only what this fix added so far
        if len(originals) >= 2:
            shapes: Dict[str, Tuple[int, list]] = {}
            for node in originals[1:]:
                key = "".join(_code(ln) for ln in node.leading_lines)
                n, _ = shapes.get(key, (0, None))
                shapes[key] = (n + 1, list(node.leading_lines))
            leading = max(shapes.values(), key=lambda v: v[0])[1]
        elif originals:
            leading = _split_leading(originals[0].leading_lines)[1]
        else:
            leading = []
        comments: Dict[str, Tuple[int, Optional[cst.Comment], cst.SimpleWhitespace]] = {}
        for node in sample:
            tw = node.trailing_whitespace
            key = tw.comment.value if tw.comment is not None else ""
            n = comments.get(key, (0, None, None))[0]
            comments[key] = (n + 1, tw.comment, tw.whitespace)
        _, trailing, whitespace = max(comments.values(), key=lambda v: v[0]) if comments else (0, None, None)
        if trailing is None:
            whitespace = cst.SimpleWhitespace("")
        keys = [self.stmts[i].sort_key() for i in entries]
        is_sorted = all(a <= b for a, b in zip(keys, keys[1:]))
        return leading, trailing, whitespace, is_sorted

    # additions --------------------------------------------------------------------

    def add(self, addition: Addition) -> Optional[str]:
        entries = self._entries()
        if self._extend_existing(addition, entries):
            return addition.statement
        stmt = cst.parse_statement(addition.statement + "\n", config=self.module.config_for_parsing)
        key = _sort_key(_import_of(stmt))
        if not entries:
            tw = stmt.trailing_whitespace.with_changes(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment("# noqa: F401")
            )
            self._insert_into_empty(stmt.with_changes(trailing_whitespace=tw), key)
        else:
            leading, comment, whitespace, is_sorted = self._pattern(entries)
            tw = stmt.trailing_whitespace.with_changes(whitespace=whitespace, comment=comment)
            self._insert_among(stmt.with_changes(trailing_whitespace=tw, leading_lines=leading), key, entries, is_sorted)
        node = _import_of(stmt)
        if isinstance(node, cst.ImportFrom):  # `import a.b` binds `a`: not a name for __all__
            self._edit_all(add=self._bound_names(node))
        return addition.statement

    def _insert_into_empty(self, stmt, key: str) -> None:
        """No entry yet: after the docstring and __future__ imports, one blank line above the block."""
        pos = self._after_docstring_and_future()
        if pos > 0 or self.header:
            stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
        self.stmts.insert(pos, _Stmt(stmt, added=True))

    def _after_docstring_and_future(self) -> int:
        pos = 0
        for i, s in enumerate(self.stmts):
            node = s.node
            if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
                b = node.body[0]
                if i == 0 and isinstance(b, cst.Expr) and isinstance(b.value, (cst.SimpleString, cst.ConcatenatedString)):
                    pos = i + 1
                    continue
                if isinstance(b, cst.ImportFrom) and _dotted(b.module) == "__future__":
                    pos = i + 1
                    continue
            break
        return pos

    def _insert_among(self, stmt, key: str, entries: List[int], is_sorted: bool) -> None:
        pos = entries[-1] + 1
        if is_sorted:
            pos = next((i for i in entries if self.stmts[i].sort_key() > key), pos)
        if pos == entries[0]:
            # a new first entry takes over the lines above the old first one (header comments...)
            first = self.stmts[pos]
            stmt = stmt.with_changes(leading_lines=list(first.node.leading_lines))
            first.node = first.node.with_changes(leading_lines=self._pattern(entries)[0])
        self.stmts.insert(pos, _Stmt(stmt, added=True))

    def _lists(self, entries: List[int]) -> List["_Stmt"]:
        """The entries that are lists - a multi-name or parenthesized ``from X import a, b`` of the
        registry as read (what this fix adds is one statement per import): found once, not per addition."""
        if self._list_entries is None:
            self._list_entries = []
            for i in entries:
                s = self.stmts[i]
                node = _import_of(s.node)
                if s.fact is None or not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
                    continue
                if len(node.names) >= 2 or node.lpar is not None:
                    self._list_entries.append(s)
        return self._list_entries

    def _extend_existing(self, addition: Addition, entries: List[int]) -> bool:
        """Add the name to an existing multi-name (or parenthesized) ``from X import a, b`` that provides it."""
        leaf = addition.target.name.rpartition(".")[2]
        for s in self._lists(entries):
            node = _import_of(s.node)
            if len(node.names) < 2 and node.lpar is None:
                continue  # (a name removed from it by this fix: one name is no list)
            names_module = self.project.imported_value(self.registry, s.fact, s.fact.names[0][0])
            if names_module is not None and names_module[0] == "module":
                # a list of modules: add the module, when this package holds it
                if self.project.imported_value(self.registry, s.fact, leaf) != ("module", addition.target):
                    continue
                wanted = [leaf]
            else:
                # a list of classes: add them only when this package really provides each one
                provided = [
                    c
                    for c in addition.classes
                    if self.project.imported_value(self.registry, s.fact, c) == ("class", addition.target, c)
                ]
                if set(provided) != set(addition.classes):
                    continue
                wanted = provided
            existing = {_dotted(a.name) for a in node.names}
            wanted = [w for w in wanted if w not in existing]
            if not wanted:
                continue
            names = list(node.names)
            for w in wanted:
                names = _insert_alias(names, w)
            s.node = s.node.with_changes(body=[node.with_changes(names=names)])
            self._edit_all(add=wanted)
            return True
        return False

    def insert_after(self, line: Optional[int], statement: str, comment: str) -> bool:
        """Insert `statement  # comment` right after the top-level statement on `line`
        (after the last top-level import when there is none)."""
        pos = next((i for i, s in enumerate(self.stmts) if s.line == line and not s.added), None) if line else None
        if pos is None:
            imports = [i for i, s in enumerate(self.stmts) if _import_of(s.node) is not None]
            pos = imports[-1] if imports else self._after_docstring_and_future() - 1
        stmt = cst.parse_statement(statement + "\n", config=self.module.config_for_parsing)
        tw = stmt.trailing_whitespace.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(comment))
        self.stmts.insert(pos + 1, _Stmt(stmt.with_changes(trailing_whitespace=tw), added=True))
        return True

    # removals ----------------------------------------------------------------------

    def remove(self, line: int, index: int) -> Optional[str]:
        """Remove the statement starting on `line` (index -1), or only its alias number `index`."""
        pos = next((i for i, s in enumerate(self.stmts) if s.line == line and not s.added), None)
        if pos is None:
            return None
        s = self.stmts[pos]
        node = _import_of(s.node)
        if node is None:
            return None
        names = node.names
        if index >= 0 and not isinstance(names, cst.ImportStar) and len(names) > 1:
            alias = names[index]
            kept = [a for j, a in enumerate(names) if j != index]
            if index == len(names) - 1:  # the new last alias takes the removed one's (trailing) comma
                kept[-1] = kept[-1].with_changes(comma=alias.comma)
            s.node = s.node.with_changes(body=[node.with_changes(names=kept)])
            self._edit_all(remove=self._bound_names(node.with_changes(names=[alias])))
            return _code(alias.name)
        self._layout = None
        self._list_entries = None
        text = _code(s.node.with_changes(leading_lines=[])).strip()
        prefix, attached = _split_leading(s.node.leading_lines)
        entries = self._entries()
        first_entry = not any(i < pos for i in entries)
        # comment lines attached to the entry go with it when they are its directive (`# noinspection ...`),
        # i.e. the same lines other entries carry; any other comment is the author's and stays
        shared = {
            ln.comment.value
            for i in entries
            if i != pos
            for ln in _split_leading(self.stmts[i].node.leading_lines)[1]
        }
        kept = [ln for ln in attached if ln.comment.value not in shared and not _is_directive(ln.comment.value)]
        if kept:
            prefix = prefix + kept
            first_entry = True  # what stays must land above the next statement
        del self.stmts[pos]
        if first_entry and prefix:
            # the lines above the first entry (header comments...) stay, above whatever now comes first
            if pos < len(self.stmts) and hasattr(self.stmts[pos].node, "leading_lines"):
                nxt = self.stmts[pos]
                nxt.node = nxt.node.with_changes(leading_lines=prefix + _split_leading(nxt.node.leading_lines)[1])
            else:
                self.footer = prefix + self.footer
        self._edit_all(remove=self._bound_names(node))
        return text

    # __all__ ---------------------------------------------------------------------------

    @staticmethod
    def _bound_names(node) -> List[str]:
        if isinstance(node.names, cst.ImportStar):
            return []
        if isinstance(node, cst.Import):
            return [a.asname.name.value if a.asname else _dotted(a.name).split(".")[0] for a in node.names]
        return [a.asname.name.value if a.asname else _dotted(a.name) for a in node.names]

    def _edit_all(self, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        """Keep a literal ``__all__`` in step: names added or removed in its own layout."""
        for s in self.stmts:
            node = s.node
            if not (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1):
                continue
            assign = node.body[0]
            if not (
                isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
                and _dotted(assign.targets[0].target) == "__all__"
                and isinstance(assign.value, (cst.List, cst.Tuple))
            ):
                continue
            elements = list(assign.value.elements)
            strings = [e for e in elements if isinstance(e.value, cst.SimpleString)]
            if len(strings) != len(elements):
                return  # computed __all__: leave it alone
            present = [e.value.evaluated_value for e in elements]
            for name in remove:
                if name in present:
                    idx = present.index(name)
                    removed = elements.pop(idx)
                    present.pop(idx)
                    if idx == len(elements) and elements:
                        elements[-1] = elements[-1].with_changes(comma=removed.comma)
            for name in add:
                if name not in present:
                    quote = elements[0].value.quote if elements else '"'
                    elements = _insert_element(elements, name, quote)
                    present.append(name)
            s.node = node.with_changes(body=[assign.with_changes(value=assign.value.with_changes(elements=elements))])
            return

    def result(self) -> bytes:
        try:
            out = self.module.with_changes(header=self.header, body=[s.node for s in self.stmts], footer=self.footer).bytes
        except RecursionError:
            raise FixError("the file is too deeply nested to edit safely; nothing written") from None
        if not self.source.strip() and out and not out.endswith((b"\n", b"\r")):
            out += self.module.default_newline.encode()  # an empty file gets proper lines
        # libcst drops the final newline of a file using old-Mac "\r" line endings: put it back
        if self.source.endswith(b"\r") and not self.source.endswith(b"\r\n") and not out.endswith(b"\r"):
            out += b"\r"
        return out


def _insert_alias(names: List[cst.ImportAlias], name: str) -> List[cst.ImportAlias]:
    return _insert_sorted(names, cst.ImportAlias(name=cst.Name(name)), lambda a: _dotted(a.name))


def _insert_element(elements: List[cst.Element], name: str, quote: str) -> List[cst.Element]:
    value = cst.SimpleString(f"{quote}{name}{quote}")
    return _insert_sorted(
        elements,
        cst.Element(value=value),
        lambda e: e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else "",
    )


def _insert_sorted(items: list, new, key) -> list:
    """Insert `new` into a comma-separated list, alphabetically when it is sorted, else last; copy the comma layout."""
    items = list(items)
    if not items:
        return [new]
    keys = [key(x) for x in items]
    is_sorted = all(a.lower() <= b.lower() for a, b in zip(keys, keys[1:]))
    pos = len(items)
    if is_sorted:
        k = key(new).lower()
        pos = next((i for i, x in enumerate(keys) if x.lower() > k), len(items))
    # the separator between two items (", " or a newline and indentation)
    middle = next((x.comma for x in items[:-1] if not isinstance(x.comma, cst.MaybeSentinel)), None)
    if middle is None:
        middle = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if pos == len(items):
        last = items[-1]
        trailing = last.comma  # a trailing comma (or none) stays at the end
        items[-1] = last.with_changes(comma=middle)
        items.append(new.with_changes(comma=trailing))
    else:
        items.insert(pos, new.with_changes(comma=middle))
    return items


# -- writing ----------------------------------------------------------------------------


def inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    real_root = os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def write(fx: FileFix, root: str) -> None:
    """Write atomically: a temporary file in the same directory, then os.replace; permission bits kept."""
    if not inside(fx.path, root):
        raise FixError(f"refusing to write outside the project root {root} (the registry resolves to {os.path.realpath(fx.path)})")
    target = os.path.realpath(fx.path)
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    mode = None
    if fx.old is not None:
        with open(target, "rb") as f:
            if f.read() != fx.old:
                raise FixError("the file changed while modelreg was fixing it; nothing written")
        mode = stat.S_IMODE(os.stat(target).st_mode)
    elif os.path.lexists(fx.path):
        raise FixError("refusing to create the registry: something is already at that path")
    fd, tmp = tempfile.mkstemp(prefix=".modelreg-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(fx.new)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def project_lock(root: str):
    """Serialize `--fix` runs on one project: an exclusive flock on the root directory (no lock file)."""
    if fcntl is None:
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
