"""How a registry writes its imports, and the statement that registers a module in that style.

Shared by the MR001 message ("add `...`"), ``--fix`` and the language server's
quick fix, so that all three always propose the same line.
"""

from __future__ import annotations

import configparser
import keyword
import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

from .resolve import Project
from .types import MODULE, Module

# forms
IMPORT = "import"  # import pkg.data.audit
FROM_MODULE = "from-module"  # from pkg.data import audit
FROM_CLASS = "from-class"  # from pkg.data.audit import Audit
REL_MODULE = "relative-module"  # from . import audit
REL_CLASS = "relative-class"  # from .audit import Audit


@dataclass(frozen=True)
class Style:
    form: str
    empty: bool  # the registry has no project import to copy the style from


def detect(project: Project, registry: Optional[Module], mode: str) -> Style:
    """The form most of the registry's project imports use."""
    counts = {}
    if registry is not None:
        for stmt in project.facts(registry).imports:
            if stmt.scope != MODULE:
                continue
            form = _form_of(project, registry, stmt)
            if form is not None:
                counts[form] = counts.get(form, 0) + 1
    if not counts:
        return Style(FROM_CLASS if mode == "class" else IMPORT, True)
    form = max(counts, key=lambda f: (counts[f], f))
    if mode == "class":  # class mode must name each class
        form = {IMPORT: FROM_CLASS, FROM_MODULE: FROM_CLASS, REL_MODULE: REL_CLASS}.get(form, form)
    return Style(form, False)


def _form_of(project: Project, registry: Module, stmt) -> Optional[str]:
    if not stmt.is_from:
        mod, _ = project.find_module(stmt.names[0][0], registry)
        return IMPORT if mod is not None else None
    target, pkg, is_project = project.from_source(registry, stmt)
    if target is None or not is_project:
        return None
    value = project.imported_value(registry, stmt, stmt.names[0][0])
    names_module = value is not None and value[0] == "module"
    if stmt.level:
        return REL_MODULE if names_module else REL_CLASS
    return FROM_MODULE if names_module else FROM_CLASS


def relative_name(registry: Module, target: str) -> Optional[str]:
    """`target` as a relative name from inside the registry's package, None when not possible."""
    here = registry.package.split(".") if registry.package else []
    there = target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return None
    up = len(here) - common
    return "." * (up + 1) + ".".join(there[common:])


def statement(style: Style, registry: Optional[Module], target: Module, classes: Sequence[str]) -> str:
    """The import statement (no comment) that registers `target`'s models (`classes`) in `registry`."""
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in target.name.split(".")):
        return f'importlib.import_module("{target.name}")'  # `app/class.py`: no import statement names it
    form = style.form
    same_root = registry is not None and registry.root == target.root
    parent, _, leaf = target.name.rpartition(".")
    if form in (REL_MODULE, REL_CLASS) and same_root:
        if form == REL_MODULE and parent:
            rel = relative_name(registry, parent)
            if rel is not None:
                return f"from {rel} import {leaf}"
        rel = relative_name(registry, target.name)
        if rel is not None:
            return f"from {rel} import {', '.join(classes)}"
        form = FROM_CLASS if form == REL_CLASS else IMPORT
    if form == FROM_MODULE and parent:
        return f"from {parent} import {leaf}"
    if form in (FROM_CLASS, REL_CLASS):
        return f"from {target.name} import {', '.join(classes)}"
    return f"import {target.name}"


def bound_by(statement: str) -> List[Tuple[str, bool]]:
    """(name, whether bound by a plain `import a.b` as its top package) for each name the statement binds."""
    if statement.startswith("import "):
        head, tail = "import", statement[len("import "):]
    else:
        head, _, tail = statement.partition(" import ")
    out = []
    for part in tail.strip("() \n").split(","):
        name, _, alias = part.strip().partition(" as ")
        if not name:
            continue
        plain = head == "import" and not alias
        out.append(((alias or name).split(".")[0] if head == "import" else (alias or name), plain))
    return out


def clashes(statement: str, names, import_tops) -> bool:
    """Whether the statement would bind one of `names` (the registry's) to something else; `import a.b`
    only rebinds `a` to itself when the file already binds `a` with a plain `import a...`."""
    return any(n in names and not (plain and n in import_tops) for n, plain in bound_by(statement))


def unclashing(statement: str, target: Module, names, import_tops) -> str:
    """`statement`, or when it would rebind a name the registry binds: `import a.b.c`, else
    `import a.b.c as <a free name>`."""
    if statement.startswith("importlib.") or not clashes(statement, names, import_tops):
        return statement
    return binding_nothing_new(target, names, import_tops)


def binding_nothing_new(target: Module, names, import_tops) -> str:
    """`import a.b.c` when `a` is free (or already this package), else `import a.b.c as <a free name>`."""
    plain = f"import {target.name}"
    if not clashes(plain, names, import_tops):
        return plain
    parts = target.name.split(".")
    base = "_".join(parts[-2:]) if len(parts) > 1 else parts[-1] + "_module"
    alias, n = base, 2
    while alias in names:
        alias, n = f"{base}{n}", n + 1
    return f"import {target.name} as {alias}"


def safe_statement(
    project: Project, style: Style, registry: Optional[Module], target: Module, classes: Sequence[str], memo=None
) -> str:
    """`statement()`, in a form that rebinds no name the registry binds at module level, and `import a.b.c`
    when importing the target runs the registry while the target is part-way run (`memo`: a dict kept
    per registry, to answer that once per module)."""
    stmt = statement(style, registry, target, classes)
    if registry is None or stmt.startswith("importlib."):
        return stmt
    facts = project.facts(registry)
    tops = {n.split(".")[0] for s in facts.imports if not s.is_from for n, a in s.names if a is None}
    if memo is not None and runs_registry_midway(project, registry, target, memo):
        return binding_nothing_new(target, set(facts.defined), tops)
    return unclashing(stmt, target, set(facts.defined), tops)


def resolves(project: Project, registry: Module, target: Module, statement: str) -> bool:
    """Whether Python, running `statement` in the registry, finds `target` (`import audit` does not find
    `app/extra/audit.py`)."""
    if statement.startswith("importlib."):
        return project.find_module(target.name, registry)[0] == target
    if statement.startswith("import "):
        names = [part.strip().partition(" as ")[0] for part in statement[len("import "):].split(",")]
    else:
        head, _, tail = statement.partition(" import ")
        source = head[len("from "):].strip()
        level = len(source) - len(source.lstrip("."))
        base = project.resolve_relative(registry, level, source[level:]) if level else source
        if base is None:
            return False
        names = [base] + [f"{base}.{part.strip().partition(' as ')[0]}" for part in tail.strip("() ").split(",")]
    return any(project.find_module(n, registry)[0] == target for n in names)


def runs_registry_midway(project: Project, registry: Module, target: Module, memo: dict) -> bool:
    """Whether importing `target` runs the registry before `target` is done: `target` (or a module it
    imports) imports the registry, which is not a package `target` lives in (those run first)."""
    if registry == target or registry in project.parents(target):
        return False
    found = False
    for m in project.runs(target):
        if m.path == registry.path or _reaches(project, registry.path, m, memo, set()):
            found = True
            break
    return found


def _reaches(project: Project, registry_path: str, module: Module, memo: dict, active: Optional[set] = None) -> bool:
    """Whether importing `module` runs the registry: a walk over what each module runs, without
    recursion (a 1,200-deep chain is a real shape). A walk that ends without the registry proves every
    module it saw does not reach it either."""
    found = memo.get(module.path)
    if found is not None:
        return found
    seen = {module.path}
    stack = [module]
    while stack:
        for m in project.runs(stack.pop()):
            if m.path == registry_path or memo.get(m.path):
                memo[module.path] = True
                return True
            if m.path not in seen and memo.get(m.path) is None:
                seen.add(m.path)
                stack.append(m)
    for path in seen:
        memo[path] = False
    return False


# -- the project's other tools ------------------------------------------------------

DEFAULT_LINE_LENGTH = 88


@dataclass(frozen=True)
class ToolSettings:
    """What the project's formatter and linter expect of an added import."""

    line_length: int = DEFAULT_LINE_LENGTH  # ruff / black / isort / flake8 line length
    unused_import_linter: bool = False  # the project runs ruff or flake8 (F401 deletes unused imports)
    import_sorter: bool = False  # the project sorts imports (ruff's I rules, isort)


def tool_settings(root: str) -> ToolSettings:
    """Read the project's ruff, black, isort and flake8 settings (never fails: a bad file is skipped)."""
    length: Optional[int] = None
    linter = False
    sorter = os.path.isfile(os.path.join(root, ".isort.cfg"))
    pyproject = _toml(os.path.join(root, "pyproject.toml"))
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    for name in ("ruff.toml", ".ruff.toml"):
        if os.path.isfile(os.path.join(root, name)):
            table = _toml(os.path.join(root, name))
            linter = linter or _ruff_deletes_unused_imports(table)
            sorter = sorter or _ruff_selects(table, "I001", default=False)
            length = length or _int(table.get("line-length"))
    if isinstance(tool.get("ruff"), dict):
        linter = linter or _ruff_deletes_unused_imports(tool["ruff"])
        sorter = sorter or _ruff_selects(tool["ruff"], "I001", default=False)
        length = length or _int(tool["ruff"].get("line-length"))
    for key, option in (("black", "line-length"), ("isort", "line_length")):
        if isinstance(tool.get(key), dict):
            length = length or _int(tool[key].get(option))
    sorter = sorter or isinstance(tool.get("isort"), dict)
    for name in (".flake8", "setup.cfg", "tox.ini"):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        sorter = sorter or parser.has_section("isort") or parser.has_section("tool:isort")
        if parser.has_section("flake8"):
            linter = True
            length = length or _int(parser.get("flake8", "max-line-length", fallback=None))
    precommit = os.path.join(root, ".pre-commit-config.yaml")
    if not linter and os.path.isfile(precommit):
        try:
            with open(precommit, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        linter = "ruff" in text or "flake8" in text
        sorter = sorter or "isort" in text
    return ToolSettings(length or DEFAULT_LINE_LENGTH, linter, sorter)


def _ruff_deletes_unused_imports(table: dict) -> bool:
    """Whether ruff, so configured, reports F401 (its default selection does)."""
    return _ruff_selects(table, "F401", default=True)


def _ruff_selects(table: dict, rule: str, default: bool) -> bool:
    """Whether ruff, so configured, reports `rule` (`default`: whether its default selection does)."""
    lint = table.get("lint") if isinstance(table.get("lint"), dict) else {}

    def codes(key):
        value = lint.get(key, table.get(key))
        return [str(c) for c in value] if isinstance(value, list) else None

    def covers(code: str) -> bool:
        return code == "ALL" or rule.startswith(code)

    select = codes("select")
    extend = codes("extend-select") or []
    selected = (default if select is None else any(covers(c) for c in select)) or any(covers(c) for c in extend)
    return selected and not any(covers(c) for c in codes("ignore") or [])


def _toml(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _int(value) -> Optional[int]:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None
