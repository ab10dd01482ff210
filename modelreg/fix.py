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
import keyword
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from . import style as style_mod
from .index import decode, decode_encoding
from .resolve import Project
from .resolve.reach import run_scopes
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
        if _runs_migrations(statement):
            continue  # importing another env.py would run its migrations inside this one's run
        if editor.insert_after(line, statement, "# noqa: F401"):
            added.append(statement)
    new = editor.result()
    if new != old:
        _check_parses(path, new)
    return FileFix(path, old, new, added=added, fixed=len(items))


def _runs_migrations(statement: str) -> bool:
    """`import <...>.env`: the registry to load is itself an Alembic env.py."""
    return statement.rpartition(".")[2] == "env" or statement == "import env"


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
        project = analysis.project
        if mode == "class":
            for c in classes:
                out.append(Addition(target, (c,), style_mod.safe_statement(project, st, reg.module, target, [c])))
        else:
            out.append(Addition(target, classes, style_mod.safe_statement(project, st, reg.module, target, list(classes))))
    return out


def _plan_registry(analysis, reg: Registry, models: Sequence[ModelInfo], removals, read) -> FileFix:
    additions = _additions(analysis, reg, models)
    if reg.module is None or not os.path.exists(reg.path):
        if os.path.lexists(reg.path):
            raise FixError("a file or directory is already there and is not a registry modelreg can edit; nothing written")
        lines = sorted({a.statement + "  # noqa: F401" for a in additions if _nameable(a.target.name)})
        dynamic = sorted(f'importlib.import_module("{a.target.name}")' for a in additions if not _nameable(a.target.name))
        if dynamic:
            lines += ["import importlib", ""] + dynamic
        new = (NEW_REGISTRY_HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")
        _check_parses(reg.path, new)
        return FileFix(reg.path, None, new, added=[a.statement for a in additions])
    old = read(reg.path)
    facts = analysis.project.facts(reg.module)
    settings = style_mod.tool_settings(analysis.project.config.root)
    editor = RegistryEditor(old, analysis.project, reg.module, facts.imports, settings)
    removed = [editor.remove(line, index) for line, index in sorted(removals, reverse=True)]
    added = []
    for a in additions:
        try:
            added.append(editor.add(a))
        except (cst.CSTValidationError, cst.ParserSyntaxError, SyntaxError, ValueError):
            # no statement of this form can be written here: this model stays reported, the others are fixed
            added.append(None)
    editor.settle()
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
    bound: object = False  # names the statement binds (computed once; None: any name, a star import)
    aux: bool = False  # added, but not an import entry (`importlib.import_module("app.class")`)
    needs: Optional[FrozenSet[str]] = frozenset()  # names of the registry an added import needs bound first

    def sort_key(self) -> str:
        if self.key is None:
            self.key = _sort_key(_import_of(self.node))
        return self.key

    def binds(self) -> Optional[FrozenSet[str]]:
        if self.bound is False:
            self.bound = _binds(self.node)
        return self.bound


def _binds(node: cst.CSTNode) -> Optional[FrozenSet[str]]:
    """The names a top-level statement binds (anywhere inside it); None when it may bind any (`import *`)."""
    try:
        tree = ast.parse(_code(node))
    except (SyntaxError, ValueError):
        return frozenset()
    names: Set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names):
            return None
        if isinstance(n, ast.alias):
            names.add(n.asname or n.name.split(".")[0])
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
    return frozenset(names)


def _with_comment(stmt, comment: Optional[cst.Comment], whitespace) -> cst.SimpleStatementLine:
    """The statement with its trailing comment; a statement wrapped in parentheses carries it after
    the opening parenthesis, the line ruff and flake8 read a `# noqa` of a multi-line import from."""
    node = _import_of(stmt)
    if (
        comment is not None
        and isinstance(node, cst.ImportFrom)
        and node.lpar is not None
        and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        ws = node.lpar.whitespace_after
        first = ws.first_line.with_changes(whitespace=whitespace, comment=comment)
        lpar = node.lpar.with_changes(whitespace_after=ws.with_changes(first_line=first))
        return stmt.with_changes(body=[node.with_changes(lpar=lpar)])
    tw = stmt.trailing_whitespace.with_changes(whitespace=whitespace, comment=comment)
    return stmt.with_changes(trailing_whitespace=tw)


def _nameable(dotted: str) -> bool:
    """Whether an import statement can spell this module name (`app.class` cannot)."""
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in dotted.split("."))


def _entry_leading(lines: Sequence[cst.EmptyLine]) -> Optional[list]:
    """The lines above an entry when they are only blank lines and tool directives (None otherwise)."""
    lines = list(lines)
    if all(_is_blank(ln) or _is_directive(ln.comment.value) for ln in lines):
        return lines
    return None


class RegistryEditor:
    """Adds and removes import statements in a registry module, copying its layout."""

    def __init__(
        self,
        source: bytes,
        project: Project,
        registry: Module,
        imports: Sequence[ImportStmt],
        settings: style_mod.ToolSettings = style_mod.ToolSettings(),
    ):
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
        self.settings = settings
        self._names: Optional[Set[str]] = None  # every name the file binds or uses (and what additions bound)
        self._import_tops: Set[str] = set()  # top names bound by plain `import a.b` statements
        self._loads: Optional[Dict[str, int]] = None  # name -> how often the file reads it
        self._binders: Dict[str, int] = {}  # name -> how many import aliases bind it
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
        return [i for i, s in enumerate(self.stmts) if (s.added and not s.aux) or s.entry]

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
        # the lines above an entry that belong to every entry: blank separation and tool directives
        # (`# noinspection ...`); a header, licence or section comment belongs to its own line only
        shapes: Dict[str, Tuple[int, list]] = {}
        for node in originals[1:]:
            shape = _entry_leading(node.leading_lines)
            if shape is not None:
                key = "".join(_code(ln) for ln in shape)
                n, _ = shapes.get(key, (0, None))
                shapes[key] = (n + 1, shape)
        if shapes:
            leading = max(shapes.values(), key=lambda v: v[0])[1]
        elif originals:
            attached = _split_leading(originals[0].leading_lines)[1]
            leading = [ln for ln in attached if _is_directive(ln.comment.value)]
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
        """Add the statement that registers `addition.target`; None when no safe statement exists."""
        target = addition.target
        needs, cycle = self._needs(target)
        if not _nameable(target.name):
            return self._add_importlib(target, needs)
        statement = addition.statement
        if cycle or self._clashes(statement):
            # importing the target runs the registry part-way (a cycle: only `import a.b.c` leaves the
            # half-run module alone), or the usual form would rebind a name the file already uses
            statement = self._unclashing(target)
        if not self._resolves(statement, target):
            return None
        entries = self._entries()
        if statement == addition.statement and self._extend_existing(addition, entries):
            return statement
        stmt = self._parse(statement)
        key = _sort_key(_import_of(stmt))
        after = self._after_dependencies(needs)
        if not entries:
            stmt = _with_comment(stmt, cst.Comment("# noqa: F401"), cst.SimpleWhitespace("  "))
            self._insert_into_empty(stmt, key, after, needs)
        else:
            leading, comment, whitespace, is_sorted = self._pattern(entries)
            if not self._exported(stmt) and (comment is None or "noqa" not in comment.value.lower()) and self._linted():
                if comment is None:  # the linter would delete the import: mark it the way ruff and flake8 read
                    comment, whitespace = cst.Comment("# noqa: F401"), cst.SimpleWhitespace("  ")
            stmt = _with_comment(stmt, comment, whitespace).with_changes(leading_lines=leading)
            self._insert_among(stmt, key, entries, is_sorted, after, needs)
        node = _import_of(stmt)
        bound = self._bound_names(node)
        self.names().update(bound)
        if isinstance(node, cst.ImportFrom):  # `import a.b` binds `a`: not a name for __all__
            self._edit_all(add=bound)
        else:
            self._import_tops.update(bound)
        return statement

    def _add_importlib(self, target: Module, needs) -> Optional[str]:
        """`app/class.py` cannot be named by an import statement: `importlib.import_module("app.class")`
        after the file's imports (with `import importlib` when the file has none)."""
        if self.project.find_module(target.name, self.registry)[0] != target:
            return None
        has_importlib = "importlib" in self._import_tops_of_file()
        if not has_importlib and "importlib" in self.names():
            return None  # the name means something else here
        pos = 0
        for i, s in enumerate(self.stmts):
            if _import_of(s.node) is not None:
                pos = i + 1
        pos = max(pos, self._after_dependencies(needs), self._after_docstring_and_future())
        nl = self.module.default_newline
        call = f'importlib.import_module("{target.name}")'
        lines = ([] if has_importlib else ["import importlib"]) + [call]
        for offset, line in enumerate(lines):
            node = cst.parse_statement(line + nl, config=self.module.config_for_parsing)
            self.stmts.insert(pos + offset, _Stmt(node, added=True, aux=True))
        self._import_tops.add("importlib")
        self.names().add("importlib")
        return call

    def _import_tops_of_file(self) -> Set[str]:
        self.names()  # fills _import_tops from the file
        return self._import_tops

    # names, dependencies and the form of an addition -------------------------------------

    def names(self) -> Set[str]:
        """Every name the file binds or uses anywhere (a new import must not rebind one)."""
        if self._names is None:
            self._names = set()
            try:
                tree = ast.parse(decode(self.source))
            except (SyntaxError, ValueError, UnicodeDecodeError):
                tree = ast.Module(body=[], type_ignores=[])
            for node in ast.walk(tree):
                if isinstance(node, ast.Name):
                    self._names.add(node.id)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self._names.add(node.name)
                elif isinstance(node, ast.alias):
                    self._names.add(node.asname or node.name.split(".")[0])
                elif isinstance(node, ast.Import):
                    self._import_tops.update(a.name.split(".")[0] for a in node.names if a.asname is None)
                elif isinstance(node, ast.arg):
                    self._names.add(node.arg)
                elif isinstance(node, (ast.Global, ast.Nonlocal)):
                    self._names.update(node.names)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    self._names.add(node.name)
        return self._names

    def settle(self) -> None:
        """Move each added import below what it needs that a later addition binds (additions come in
        no particular order: `b` may need the `A` that the addition of `a` binds)."""
        for _ in range(len(self.stmts)):
            for i, s in enumerate(self.stmts):
                if not s.added or s.needs == frozenset():
                    continue
                pos = self._after_dependencies(s.needs, own=s)
                if pos > i:
                    del self.stmts[i]
                    nxt = self.stmts[i] if i < len(self.stmts) else None
                    if nxt is not None and hasattr(nxt.node, "leading_lines"):
                        # the lines above the old place (a header...) stay there, above what comes next
                        mine, theirs = list(s.node.leading_lines), list(nxt.node.leading_lines)
                        nxt.node = nxt.node.with_changes(leading_lines=mine)
                        s.node = s.node.with_changes(leading_lines=theirs)
                    self.stmts.insert(pos - 1, s)
                    break
            else:
                return

    def _still_used(self, node, aliases) -> bool:
        """Whether the file reads a name these aliases bind that nothing else binds."""
        if self._loads is None:
            self._loads = {}
            try:
                tree = ast.parse(decode(self.source))
            except (SyntaxError, ValueError, UnicodeDecodeError):
                return True
            for n in ast.walk(tree):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                    self._loads[n.id] = self._loads.get(n.id, 0) + 1
                elif isinstance(n, ast.alias):
                    bound = n.asname or n.name.split(".")[0]
                    self._binders[bound] = self._binders.get(bound, 0) + 1
        for name in self._bound_names(node, aliases):
            if self._loads.get(name) and self._binders.get(name, 0) <= 1:
                return True
        return False

    def _clashes(self, statement: str) -> bool:
        """Whether the statement would bind a name the file already binds or uses for something else."""
        return style_mod.clashes(statement, self.names(), self._import_tops)

    def _unclashing(self, target: Module) -> str:
        """`import a.b.c` (binds nothing new but `a`), else `import a.b.c as <free name>`."""
        return style_mod.binding_nothing_new(target, self.names(), self._import_tops)

    def _resolves(self, statement: str, target: Module) -> bool:
        """Whether Python, importing from the registry, finds `target` through this statement."""
        return style_mod.resolves(self.project, self.registry, target, statement)

    def _needs(self, target: Module) -> Tuple[Optional[FrozenSet[str]], bool]:
        """(names of the registry that importing `target` uses before it is done - None: any of them -,
        whether importing `target` runs the registry while `target` itself is only part-way run).

        Follows what `target` runs (directly or through the modules it imports), never through the
        registry itself; a module doing `from <registry> import X` needs X bound first."""
        project, reg = self.project, self.registry
        needs: Set[str] = set()
        everything = False
        reached = False
        seen: Set[str] = {reg.path}
        stack = [target]
        while stack:
            mod = stack.pop()
            if mod.path in seen:
                continue
            seen.add(mod.path)
            facts = project.facts(mod)
            scopes = run_scopes(facts)
            for stmt in facts.imports:
                if stmt.scope not in scopes:
                    continue
                if stmt.is_from:
                    name, pkg, _ = project.from_source(mod, stmt)
                    if pkg == reg:
                        reached = True
                        for n, _ in stmt.names:
                            if n == "*":
                                everything = True
                            else:
                                needs.add(n)
                    elif name is not None:
                        for n, _ in stmt.names:
                            if project.find_module(f"{name}.{n}", mod)[0] == reg:
                                reached = everything = True  # `from pkg import registry`: any attribute
                else:
                    for n, asname in stmt.names:
                        if n == reg.name or (asname is None and n.startswith(reg.name + ".")):
                            reached = everything = True
            for m in project.runs(mod):
                if m.path == reg.path:
                    reached = True
                elif m.path not in seen:
                    stack.append(m)
        cycle = reached and reg not in project.parents(target) and reg != target
        return (None if everything else frozenset(needs)), cycle

    def _after_dependencies(self, needs: Optional[FrozenSet[str]], own: Optional["_Stmt"] = None) -> int:
        """The first position after every statement of the file (the file's own and those added)
        binding what the new import needs."""
        pos = 0
        if needs is None:  # any attribute of the registry: after all of its original imports
            for i, s in enumerate(self.stmts):
                if not s.added and _import_of(s.node) is not None:
                    pos = i + 1
            return pos
        if not needs:
            return 0
        for i, s in enumerate(self.stmts):
            if s is own:
                continue
            binds = s.binds()
            if binds is None or binds & needs:
                pos = i + 1
        return pos

    def _linted(self) -> bool:
        """Whether a linter would delete an unused import here: in a project running ruff (F401 selected)
        or flake8, and in Alembic's env.py (linted with the application code)."""
        return self.settings.unused_import_linter or os.path.basename(self.registry.path) == "env.py"

    def _exported(self, stmt) -> bool:
        """A `from` import whose names go into a literal `__all__` is used: no marker needed."""
        return isinstance(_import_of(stmt), cst.ImportFrom) and self._all_statement() is not None

    def _parse(self, statement: str):
        """The statement as a node, wrapped in parentheses one name a line when it is too long."""
        nl = self.module.default_newline
        node = ast.parse(statement).body[0]
        if isinstance(node, ast.ImportFrom) and len(statement) + 14 > self.settings.line_length and len(node.names) > 1:
            head, _, tail = statement.partition(" import ")
            names = "".join(f"    {n.strip()},{nl}" for n in tail.split(","))
            statement = f"{head} import ({nl}{names})"
        return cst.parse_statement(statement + nl, config=self.module.config_for_parsing)

    def _insert_into_empty(self, stmt, key: str, after: int = 0, needs=frozenset()) -> None:
        """No entry yet: after the docstring, __future__ and other (standard library, third-party)
        imports at the top - the first-party section comes last -, one blank line above the block."""
        pos = self._after_docstring_and_future()
        while pos < len(self.stmts) and _import_of(self.stmts[pos].node) is not None and not self.stmts[pos].added:
            pos += 1
        pos = max(pos, after)
        if pos > 0 or self.header:
            stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
        self.stmts.insert(pos, _Stmt(stmt, added=True, needs=needs))

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

    def _insert_among(self, stmt, key: str, entries: List[int], is_sorted: bool, after: int = 0, needs=frozenset()) -> None:
        pos = entries[-1] + 1
        if is_sorted:
            pos = next((i for i in entries if self.stmts[i].sort_key() > key), pos)
        if is_sorted and after > pos and self.settings.import_sorter:
            # a dependency wins over alphabetical order; an import sorter (ruff's I001, isort) would put
            # the import back above what it needs: a split comment keeps the order (with the blank
            # line ruff puts before one)
            directives = [ln for ln in stmt.leading_lines if not _is_blank(ln)]
            split = [cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment("# isort: split"))]
            stmt = stmt.with_changes(leading_lines=split + directives)
        pos = max(pos, after)  # a dependency wins over alphabetical order
        if pos == entries[0]:
            # a new first entry takes over the lines above the old first one (header comments...)
            first = self.stmts[pos]
            stmt = stmt.with_changes(leading_lines=list(first.node.leading_lines))
            first.node = first.node.with_changes(leading_lines=self._pattern(entries)[0])
        self.stmts.insert(pos, _Stmt(stmt, added=True, needs=needs))

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
            if not wanted or any(w in self.names() for w in wanted):
                continue
            names = list(node.names)
            rpar = node.rpar
            for w in wanted:
                names, closer = _insert_alias(names, w, node.lpar, rpar)
                if rpar is not None and closer is not None:
                    rpar = rpar.with_changes(whitespace_before=closer)
            new = s.node.with_changes(body=[node.with_changes(names=names, rpar=rpar)])
            if node.lpar is None and len(_code(new).rstrip("\r\n")) > self.settings.line_length:
                continue  # a new statement rather than a line longer than the project allows
            s.node = new
            self.names().update(wanted)
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
        if not isinstance(names, cst.ImportStar):
            gone = [names[index]] if index >= 0 and len(names) > 1 else list(names)
            if self._still_used(node, gone):
                return None  # removing it would turn the ImportError into a NameError: not safe
        if index >= 0 and not isinstance(names, cst.ImportStar) and len(names) > 1:
            alias = names[index]
            rpar = getattr(node, "rpar", None)
            kept, closer = _drop_item(list(names), index, rpar.whitespace_before if rpar is not None else None)
            changes = {"names": kept}
            if rpar is not None and closer is not None:
                changes["rpar"] = rpar.with_changes(whitespace_before=closer)
            s.node = s.node.with_changes(body=[node.with_changes(**changes)])
            self._edit_all(remove=self._bound_names(node, [alias]))
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
    def _bound_names(node, aliases=None) -> List[str]:
        if isinstance(node.names, cst.ImportStar):
            return []
        aliases = node.names if aliases is None else aliases
        if isinstance(node, cst.Import):
            return [a.asname.name.value if a.asname else _dotted(a.name).split(".")[0] for a in aliases]
        return [a.asname.name.value if a.asname else _dotted(a.name) for a in aliases]

    def _all_statement(self):
        """(statement, assignment, list displays) of a literal ``__all__``: ``[...]``, ``(...)``,
        ``__all__: list[str] = [...]``, ``[...] + [...]``; displays is None when it is computed."""
        for s in self.stmts:
            node = s.node
            if not (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1):
                continue
            assign = node.body[0]
            if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and _dotted(assign.targets[0].target) == "__all__":
                value = assign.value
            elif isinstance(assign, cst.AnnAssign) and _dotted(assign.target) == "__all__" and assign.value is not None:
                value = assign.value
            else:
                continue
            displays = _displays(value)
            if displays is not None and not all(
                isinstance(e.value, cst.SimpleString) for d in displays for e in d.elements
            ):
                displays = None
            return s, assign, displays
        return None

    def _edit_all(self, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        """Keep a literal ``__all__`` in step: names added or removed in its own layout."""
        found = self._all_statement()
        if found is None or found[2] is None:
            return  # no __all__, or a computed one: leave it alone
        s, assign, displays = found
        value = assign.value
        present = [[e.value.evaluated_value for e in d.elements] for d in displays]
        new = {id(d): d for d in displays}
        for name in remove:
            for d, names in zip(displays, present):
                if name in names:
                    cur = new[id(d)]
                    elements, closer = _drop_item(list(cur.elements), names.index(name), _closer_ws(cur))
                    new[id(d)] = _with_closer(cur.with_changes(elements=elements), closer)
                    names.remove(name)
                    break
        everywhere = {n for names in present for n in names}
        for name in add:
            if name in everywhere:
                continue
            d = displays[-1]
            cur = new[id(d)]
            quote = next((e.value.quote for dd in displays for e in dd.elements), '"')
            elements, closer = _insert_element(list(cur.elements), name, quote, _opener_ws(cur), _closer_ws(cur))
            new[id(d)] = _with_closer(cur.with_changes(elements=elements), closer)
            everywhere.add(name)
        for d in displays:
            if new[id(d)] is not d:
                value = value.deep_replace(d, new[id(d)]) if value is not d else new[id(d)]
        s.node = s.node.with_changes(body=[assign.with_changes(value=value)])

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


def _displays(value) -> Optional[list]:
    """The list or tuple displays an ``__all__`` value is made of (``[...] + [...]``), None if computed."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return [value]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left, right = _displays(value.left), _displays(value.right)
        return None if left is None or right is None else left + right
    return None


def _opener_ws(display):
    if isinstance(display, cst.List):
        return display.lbracket.whitespace_after
    return display.lpar[0].whitespace_after if display.lpar else None


def _closer_ws(display):
    if isinstance(display, cst.List):
        return display.rbracket.whitespace_before
    return display.rpar[-1].whitespace_before if display.rpar else None


def _with_closer(display, closer):
    if closer is None:
        return display
    if isinstance(display, cst.List):
        return display.with_changes(rbracket=display.rbracket.with_changes(whitespace_before=closer))
    if display.rpar:
        rpar = list(display.rpar)
        rpar[-1] = rpar[-1].with_changes(whitespace_before=closer)
        return display.with_changes(rpar=rpar)
    return display


def _insert_alias(names, name: str, opener=None, closer=None):
    opener_ws = opener.whitespace_after if opener is not None else None
    closer_ws = closer.whitespace_before if closer is not None else None
    return _insert_sorted(list(names), cst.ImportAlias(name=cst.Name(name)), lambda a: _dotted(a.name), opener_ws, closer_ws)


def _insert_element(elements, name: str, quote: str, opener_ws=None, closer_ws=None):
    value = cst.SimpleString(f"{quote}{name}{quote}")
    return _insert_sorted(
        elements,
        cst.Element(value=value),
        lambda e: e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else "",
        opener_ws,
        closer_ws,
    )


def _uncommented(ws):
    """The same whitespace without the comment it carries (a comment belongs to its own line's item)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(newline=ws.first_line.newline), empty_lines=[])
    return ws


def _indented(ws, like):
    """`ws` (keeping its comment) leading to the indentation `like` leads to."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(like, cst.ParenthesizedWhitespace):
        return ws.with_changes(indent=like.indent, last_line=like.last_line)
    return ws


def _has_comment(ws) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace) and (
        ws.first_line.comment is not None or any(ln.comment is not None for ln in ws.empty_lines)
    )


def _insert_sorted(items: list, new, key, opener_ws=None, closer_ws=None):
    """Insert `new` into a comma-separated list, alphabetically when it is sorted, else last, copying the
    comma layout; a comment after an item (on its line) stays with that item. Returns (items, the new
    whitespace before the closing bracket, or None when unchanged)."""
    if not items:
        return [new], None
    keys = [key(x) for x in items]
    is_sorted = all(a.lower() <= b.lower() for a, b in zip(keys, keys[1:]))
    pos = len(items)
    if is_sorted:
        k = key(new).lower()
        pos = next((i for i, x in enumerate(keys) if x.lower() > k), len(items))
    # the separator between two items (", " or a newline and indentation), without any item's comment
    middle = next((x.comma for x in items[:-1] if not isinstance(x.comma, cst.MaybeSentinel)), None)
    if middle is None:
        indent_like = opener_ws if isinstance(opener_ws, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        middle = cst.Comma(whitespace_after=_uncommented(indent_like))
    else:
        middle = middle.with_changes(whitespace_after=_uncommented(middle.whitespace_after))
    if pos < len(items):
        items.insert(pos, new.with_changes(comma=middle))
        return items, None
    last = items[-1]
    closer = None
    if not isinstance(last.comma, cst.MaybeSentinel) and not isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ) and isinstance(closer_ws, cst.ParenthesizedWhitespace):
        # `'b',  # keep` then `]`: what follows the trailing comma (the comment, the line break) belongs
        # to the closing bracket; it becomes b's line end, and the new item ends the same way b did
        items[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=_indented(closer_ws, middle.whitespace_after)))
        items.append(new.with_changes(comma=last.comma))
        closer = _uncommented(closer_ws)
    elif not isinstance(last.comma, cst.MaybeSentinel):  # a trailing comma: the new last item takes one too
        trailing = last.comma.with_changes(whitespace_after=_uncommented(last.comma.whitespace_after))
        items[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=_indented(last.comma.whitespace_after, middle.whitespace_after)))
        items.append(new.with_changes(comma=trailing))
    elif _has_comment(closer_ws):  # `b  # keep` then `)`: the comment stays on b's line
        items[-1] = last.with_changes(comma=cst.Comma(whitespace_after=_indented(closer_ws, middle.whitespace_after)))
        items.append(new)
        closer = _uncommented(closer_ws)
    else:
        items[-1] = last.with_changes(comma=middle)
        items.append(new)
    return items, closer


def _drop_item(items: list, index: int, closer_ws=None):
    """Remove item `index` from a comma-separated list with its own comment; each other item keeps its
    comment. Returns (items, the new whitespace before the closing bracket, or None when unchanged)."""
    removed = items.pop(index)
    if index < len(items) or not items:
        if index == 0 and items and not isinstance(removed.comma, cst.MaybeSentinel):
            pass  # the next item moves up into the removed one's place; its own comma stays
        return items, None
    # the removed item was the last one: the new last takes its trailing comma (or lack of one)
    prev = items[-1]
    own = prev.comma.whitespace_after if not isinstance(prev.comma, cst.MaybeSentinel) else None
    if not isinstance(removed.comma, cst.MaybeSentinel):
        after = removed.comma.whitespace_after
        if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
            after = after.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
        items[-1] = prev.with_changes(comma=removed.comma.with_changes(whitespace_after=after))
        if isinstance(closer_ws, cst.ParenthesizedWhitespace) and not isinstance(after, cst.ParenthesizedWhitespace):
            # `'gone',  # c2` then `]`: the line end after the trailing comma belongs to the bracket;
            # it becomes the new last item's own line end (its comment, or none)
            if isinstance(own, cst.ParenthesizedWhitespace):
                return items, closer_ws.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
            return items, _uncommented(closer_ws)
        return items, None
    items[-1] = prev.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(closer_ws, cst.ParenthesizedWhitespace):
        return items, closer_ws.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
    return items, None


# -- writing ----------------------------------------------------------------------------


def inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    real_root = os.path.realpath(root)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def write(fx: FileFix, root: str) -> None:
    """Write atomically: a temporary file in the same directory, then os.replace, with the permission
    bits, owner and group of the file it replaces. A file with other hard links, or one whose owner or
    group this process cannot give a new file, is rewritten in place instead (same inode). A read-only
    registry is never written."""
    if not inside(fx.path, root):
        raise FixError(f"refusing to write outside the project root {root} (the registry resolves to {os.path.realpath(fx.path)})")
    target = os.path.realpath(fx.path)
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    st = None
    if fx.old is not None:
        with open(target, "rb") as f:
            if f.read() != fx.old:
                raise FixError("the file changed while modelreg was fixing it; nothing written")
        st = os.stat(target)
        if not os.access(target, os.W_OK):  # what this process may write (root may write a 0444 file)
            raise FixError(
                f"the registry is read-only (mode {stat.filemode(st.st_mode)}); nothing written: make it writable to fix it"
            )
        if st.st_nlink > 1 or not _can_give(st) or not os.access(directory, os.W_OK):
            _write_in_place(target, fx.new)
            return
    elif os.path.lexists(fx.path):
        raise FixError("refusing to create the registry: something is already at that path")
    fd, tmp = tempfile.mkstemp(prefix=".modelreg-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(fx.new)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if hasattr(os, "chown") and (os.stat(tmp).st_uid, os.stat(tmp).st_gid) != (st.st_uid, st.st_gid):
                os.chown(tmp, st.st_uid, st.st_gid)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _can_give(st: os.stat_result) -> bool:
    """Whether a new file written by this process can take this owner and group."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - Windows
        return True
    if os.geteuid() == 0:
        return True
    return st.st_uid == os.geteuid() and (st.st_gid == os.getegid() or st.st_gid in os.getgroups())


def _write_in_place(target: str, data: bytes) -> None:
    """Rewrite the file's own inode (hard links, owner and group stay): one write, then fsync."""
    with open(target, "r+b") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())


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
