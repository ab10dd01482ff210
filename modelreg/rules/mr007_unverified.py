"""MR007 unverified-model

## What it finds
What modelreg could not follow, said instead of passed over:
- a model-like class defined inside a function, nested in a class body, or made by `type(...)`:
  nothing maps it when a registry is imported the way module-level classes are;
- a class whose own statements look like a mapped class's (`__tablename__`, `__table__`, `Mapped[...]`,
  `mapped_column(...)`, `Column(...)`, `relationship(...)`, or a `def __tablename__`; what its methods'
  bodies read does not count) but whose base modelreg cannot trace to a declarative base: a base
  imported from a module it cannot find, an object it does not understand (`db = make_db()`), a base
  class from a library it does not know;
- a registry import that Python would follow but modelreg cannot read: a module that exists only as a
  compiled extension or a sourceless `.pyc`;
- a registry import of a module absent from the tree but evidently generated: protoc output
  (`*_pb2.py`) beside `.proto` sources or committed `*_pb2.py` siblings, a `.pyi` stub without an
  implementation, a path the project's `.gitignore` ignores (a build output); said once per family
  (folder and kind), never as a stale import (MR002);
- a file that spells `__tablename__` but whose path no import can name (a folder such as `my-app/`
  that is no Python identifier, with no import root below it); Alembic revision files, which Alembic
  loads by path, are not asked for.

## Why it matters
"All checks passed!" must mean that every model-like class was understood and every registry import
was followed. A model modelreg cannot see is a model it cannot check: left silent, a missing
registration would pass unnoticed.

## Example
```python
from company_lib.orm import Model   # a declarative base from a private library

class Audit(Model):
    __tablename__ = "auditing"
```
Use instead: tell modelreg what the base is, `base = ["company_lib.orm.Model"]` in `[tool.modelreg]`
(or `roots = [...]` when the base lives in a folder of the project that is not found).

## Fix
None: configure `base` or `roots`, make the import one modelreg can read, or add
`# noqa: MR007` to a class that is no SQLAlchemy model (a mongoengine document that
copies `__tablename__`).
"""

from __future__ import annotations

from typing import Optional

from ..resolve.coverage import generated_imports
from ..types import MODULE

CODE = "MR007"
NAME = "unverified-model"
SUMMARY = "Model-like class or registry import modelreg cannot verify"
FIX_TITLE = None

_BUILTIN_BASES = frozenset({"object", "dict", "list", "tuple", "str", "int", "Exception"})
_MAX_DEPTH = 50


def check(analysis):
    project = analysis.project
    for module in project.scan_modules():
        if project.error_of(module) is not None:
            continue
        for cls in project.facts(module).classes:
            if not cls.modelish or cls.scope != MODULE or project.classify(module, cls.name).kind != "plain":
                continue
            reason = unknown_base(project, module, cls, 0)
            if reason is None:
                continue
            yield analysis.diagnostic(
                CODE,
                f"cannot verify class {cls.name} ({module.name}), which looks like a model: {reason}; "
                "name the base in `base = [...]` (or its folder in `roots = [...]`) under [tool.modelreg], "
                "or add `# noqa: MR007` if it is no SQLAlchemy model",
                module.path,
                cls.line,
                cls.col,
                len(cls.name),
                model=f"{module.name}.{cls.name}",
            )
    for module, name, line, col, reason in project.unverified():
        yield analysis.diagnostic(
            CODE,
            f"cannot verify class {name} ({module.name}), which looks like a model: it is {reason}, so no "
            "registry import maps it the way it maps a module-level class; move it to module level, or add "
            "`# noqa: MR007` if it is no SQLAlchemy model",
            module.path,
            line,
            col,
            len(name),
            model=f"{module.name}.{name}",
        )
    yield from _unnamed_models(analysis)
    seen = set()
    for reg in analysis.registries:
        if reg.module is None or reg.path in seen:
            continue
        seen.add(reg.path)
        yield from _opaque_imports(analysis, reg)
    yield from _generated_families(analysis)


def _generated_families(analysis):
    """Registry imports of modules absent from the tree but evidently generated (protoc output, stubs
    without an implementation, git-ignored build outputs): said once per family (folder and kind)."""
    project = analysis.project
    families = {}
    seen = set()
    for reg in analysis.registries:
        if reg.module is None or reg.path in seen or project.facts(reg.module).error is not None:
            continue
        seen.add(reg.path)
        for stmt, name, folder, what in generated_imports(project, reg.module):
            family = families.setdefault((folder, what), [reg, stmt, name, set()])
            family[3].add(name)
    for (folder, what), (reg, stmt, name, names) in families.items():
        more = f" and {len(names) - 1} more of that family" if len(names) > 1 else ""
        yield analysis.diagnostic(
            CODE,
            f"cannot verify what `{name}`{more} register: absent from the tree, {analysis.rel(folder)}/ holds "
            f"{what}; generate them before checking, or run `modelreg verify` where they exist",
            reg.path,
            stmt.line,
            stmt.col,
            max(1, stmt.end_col - stmt.col) if stmt.end_line == stmt.line else 1,
            registry=reg.path,
        )


def _unnamed_models(analysis):
    """Files that spell a model's ``__tablename__`` but whose path no import can name (a folder that
    is no Python identifier, and no root under it that the project's imports show)."""
    for path in analysis.unnamed:
        if analysis.project.is_revision_file(path):
            continue  # Alembic loads it by path; its classes are the migration's own (see is_revision_file)
        data = analysis.read(path)
        if not data or b"__tablename__" not in data:
            continue
        text = data.decode("utf-8", "replace")
        at = text.index("__tablename__")
        cls = text.rfind("\nclass ", 0, at)
        line = text.count("\n", 0, cls + 1 if cls != -1 else at) + 1
        rel = analysis.rel(path)
        bad = next((p for p in rel.split("/")[:-1] if not p.isidentifier()), None)
        why = f"the folder `{bad}` is no Python identifier" if bad else "its name is no Python identifier"
        yield analysis.diagnostic(
            CODE,
            f"cannot verify the models of {rel}: no import can name this file ({why}); if it runs from a "
            "folder below, name that folder in `roots = [...]` under [tool.modelreg]",
            path,
            line,
            6 if cls != -1 else 0,
            1,
        )


def unknown_base(project, module, cls, depth: int) -> Optional[str]:
    """Why the class's bases cannot be traced (a base that cannot be followed), or None when every base
    was understood (a plain class, a mixin)."""
    for expr in cls.bases:
        text = expr_text(expr)
        if expr[0] == "name" and expr[1] in _BUILTIN_BASES:
            continue
        value = project.eval_expr(module, expr)
        if value is None:
            return f"its base `{text}` cannot be followed"
        if value[0] == "ext":
            if value[1].startswith(("sqlalchemy.", "sqlmodel.", "typing.", "abc.", "enum.", "pydantic.")):
                continue
            where = "" if value[1] == text else f" (`{value[1]}`)"
            return f"its base `{text}`{where} comes from outside the project and is no declarative base modelreg knows"
        if value[0] == "class" and depth < _MAX_DEPTH:
            parent = project.find_class(value[1], value[2])
            if parent is not None:
                why = unknown_base(project, value[1], parent, depth + 1)
                if why is not None:
                    return why
    return None


def expr_text(expr) -> str:
    kind = expr[0]
    if kind == "name":
        return expr[1]
    if kind == "attr":
        return f"{expr_text(expr[1])}.{expr[2]}"
    if kind == "call":
        return f"{expr_text(expr[1])}(...)"
    return "an expression"


def _opaque_imports(analysis, reg):
    """Registry imports Python follows into a module that is no source modelreg reads."""
    project = analysis.project
    facts = project.facts(reg.module)
    guarded = set(facts.guarded)
    for stmt in facts.imports:
        if stmt.scope != MODULE or stmt.line in guarded:
            continue
        names = [n for n, _ in stmt.names] if not stmt.is_from else [project.import_target(reg.module, stmt)]
        for name in names:
            if not name:
                continue
            mod, is_project = project.find_module(name, reg.module)
            if mod is not None or not is_project:
                continue
            form = project.graph.form(name, reg.module)
            if form in ("extension", "sourceless"):
                what = "a compiled extension" if form == "extension" else "a sourceless .pyc"
                yield analysis.diagnostic(
                    CODE,
                    f"cannot verify what `{name}` registers: it exists only as {what}, and modelreg reads "
                    "Python source only; `modelreg verify` imports it",
                    reg.path,
                    stmt.line,
                    stmt.col,
                    max(1, stmt.end_col - stmt.col) if stmt.end_line == stmt.line else 1,
                    registry=reg.path,
                )

