"""Startup import stacks: which modules are only part-way run when a registry runs, and whether a
line added to the registry would import a module that reads a name they have not bound yet.

Python runs `import a.b.c` as `a`, then `a.b`, then `a.b.c`, each module statement by statement, and
an import met on the way runs its module right there, on top of the stack. So a registry that is a
package's `__init__.py` may run while the package above it, or a module that package imported, is
still at one of its first statements (CTFd: `CTFd/__init__` -> `CTFd.utils` -> `CTFd.models`). A line
added to the registry runs its module under that stack: if that module (or one it runs) does
`from <part-way module> import name` before the part-way module has bound `name`, the application no
longer imports (`ImportError: cannot import name ... from partially initialized module`).

The startup paths walked: importing the registry in a fresh interpreter (its package `__init__`
chain first), and each entry module of the application (a top-level script such as `wsgi.py` or
`manage.py`, a package's `__main__`, an Alembic env.py). Imports in function bodies called at module
level count at their own line; nothing here runs project code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from ..types import Module
from .reach import dynamic_targets, executed_by, run_scopes

ENTRY_LIMIT = 200  # entry modules walked per registry (a project with more scripts keeps the first, by path)


@dataclass(frozen=True)
class Frame:
    """A module part-way run: the statement on `line` is running (0: the module is at its end)."""

    module: Module
    line: int


@dataclass(frozen=True)
class Startup:
    """One way the registry first runs: from `entry`, under `frames` (outermost first, the registry
    excluded); `done`: paths of the modules fully run once the registry has finished."""

    entry: Module
    frames: Tuple[Frame, ...]
    done: FrozenSet[str]


@dataclass(frozen=True)
class Conflict:
    """Importing `via[0]` would run `via[-1]`, whose statement on `line` reads `name` from
    `holder.module` while that module is part-way run (at `holder.line`) and has not bound it yet."""

    via: Tuple[Module, ...]
    line: int
    name: str
    holder: Frame
    startup: Startup


# -- the walk of one startup path -----------------------------------------------------------


def _steps(project, module: Module, memo: Dict[str, list]) -> List[Tuple[int, List[Module]]]:
    """(line, modules it runs) for each statement of `module` that imports project modules at run time, in order."""
    found = memo.get(module.path)
    if found is not None:
        return found
    steps: List[Tuple[int, List[Module]]] = []
    facts = project.facts(module)
    if facts.error is None:
        scopes = run_scopes(facts)
        for stmt in facts.imports:
            if stmt.scope in scopes:
                mods = executed_by(project, module, stmt)
                if mods:
                    steps.append((stmt.line, mods))
        for d in facts.dynamic_imports:
            mods = dynamic_targets(project, module, replace(facts, dynamic_imports=(d,)), scopes)[0]
            if mods:
                steps.append((d.line, mods))
    steps.sort(key=lambda s: s[0])
    memo[module.path] = steps
    return steps


def simulate(project, entry: Module, registry: Module, memo: Dict[str, list]) -> Optional[Startup]:
    """Run `entry` (its packages first) the way Python would, up to the end of `registry`: the stack
    under which the registry starts and what has fully run once it ends; None if it never runs."""
    done: Set[str] = set()
    running: Set[str] = set()
    frames: List[list] = []  # [module, line] per part-way module
    work: List[list] = [[None, iter(()), project.parents(entry) + [entry]]]  # [module, steps, pending targets]
    under: Optional[Tuple[Frame, ...]] = None
    while work:
        top = work[-1]
        if top[2]:
            target = top[2].pop(0)
            if target.path in done or target.path in running:
                continue
            if target.path == registry.path:
                under = tuple(Frame(m, line) for m, line in frames)
            running.add(target.path)
            frames.append([target, 0])
            work.append([target, iter(_steps(project, target, memo)), []])
            continue
        step = next(top[1], None)
        if step is not None:
            frames[-1][1] = step[0]
            top[2] = list(step[1])
            continue
        work.pop()
        if top[0] is None:
            break
        frames.pop()
        running.discard(top[0].path)
        done.add(top[0].path)
        if top[0].path == registry.path:
            return Startup(entry, under or (), frozenset(done))
    return None


def entry_modules(project, registry: Module, is_test: Callable[[str], bool]) -> List[Module]:
    """Where the application starts: importing the registry itself, then its scripts (top-level
    modules that are no package), packages' `__main__` modules and Alembic env.py files."""
    envs = {env.module.path for env in project.alembic_envs() if env.module is not None}
    out = [registry]
    for m in sorted(project.modules, key=lambda m: m.path):
        if m.path == registry.path or is_test(m.path):
            continue
        if (("." not in m.name and not m.is_package) or m.name.endswith(".__main__")) or m.path in envs:
            out.append(m)
        if len(out) > ENTRY_LIMIT:
            break
    return out


def startups(project, registry: Module, is_test: Callable[[str], bool]) -> List[Startup]:
    """The distinct stacks under which `registry` first runs on the application's startup paths."""
    memo: Dict[str, list] = {}
    seen: Set[tuple] = set()
    out: List[Startup] = []
    for entry in entry_modules(project, registry, is_test):
        found = simulate(project, entry, registry, memo)
        if found is None:
            continue
        key = tuple((f.module.path, f.line) for f in found.frames)
        if key not in seen:
            seen.add(key)
            out.append(found)
    return out


# -- what a module has bound by a given line ------------------------------------------------


class Bindings:
    """The module-level names each part-way module has bound before a given line (read with `ast`)."""

    def __init__(self, project, read: Callable[[str], bytes]):
        self.project = project
        self.read = read
        self._lines: Dict[str, Optional[List[Tuple[int, str]]]] = {}

    def _of(self, module: Module) -> Optional[List[Tuple[int, str]]]:
        """(line, name) per module-level binding, "*" for a star import; None: unreadable (anything may be bound)."""
        if module.path not in self._lines:
            data = self.read(module.path)
            try:
                tree = ast.parse(data) if data is not None else None
            except (SyntaxError, ValueError):
                tree = None
            if tree is None:
                self._lines[module.path] = None
            else:
                self._lines[module.path] = sorted(_bound_names(tree.body))
        return self._lines[module.path]

    def has(self, module: Module, line: int, name: str) -> bool:
        """Whether `name` may be bound in `module` while its statement on `line` runs (0: at its end)."""
        facts = self.project.facts(module)
        if facts.has_getattr or facts.error is not None:
            return True
        found = self._of(module)
        if found is None:
            return True
        return any((ln < line or line == 0) and n in (name, "*") for ln, n in found)


def _bound_names(body: Iterable[ast.stmt]) -> Iterable[Tuple[int, str]]:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.lineno, node.name
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.asname or a.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                yield node.lineno, a.asname or a.name
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    yield node.lineno, sub.id
                elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    yield sub.lineno, sub.name
                elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                    for a in sub.names:
                        yield sub.lineno, a.asname or (a.name.partition(".")[0] if isinstance(sub, ast.Import) else a.name)


# -- would an addition import a part-way module too early? --------------------------------------


def conflict(project, startup: Startup, registry: Module, target: Module, bindings: Bindings) -> Optional[Conflict]:
    """The first `from <part-way module> import name` that importing `target` at the end of the registry
    would run before that name is bound, under `startup`; None when there is none."""
    return _conflict(project, startup, startup.frames, registry, target, bindings, frozenset())


def _conflict(project, startup, frames, registry, target, bindings, finished) -> Optional[Conflict]:
    partial = {f.module.path: f for f in frames}
    if not partial:
        return None
    skip = set(startup.done) | set(finished) | {registry.path}
    came_from: Dict[str, Optional[Module]] = {}
    queue: List[Module] = []
    for m in project.parents(target) + [target]:
        if m.path not in skip and m.path not in partial and m.path not in came_from:
            came_from[m.path] = None
            queue.append(m)
    while queue:
        mod = queue.pop(0)
        facts = project.facts(mod)
        if facts.error is not None:
            continue
        scopes = run_scopes(facts)
        for stmt in sorted((s for s in facts.imports if s.scope in scopes), key=lambda s: s.line):
            if stmt.is_from:
                _, pkg, _ = project.from_source(mod, stmt)
                holder = partial.get(pkg.path) if pkg is not None else None
                if holder is not None:
                    for name, _ in stmt.names:
                        if name == "*" or project.child(pkg, name) is not None:
                            continue
                        if not bindings.has(pkg, holder.line, name):
                            return Conflict(_chain(came_from, mod), stmt.line, name, holder, startup)
            for m in executed_by(project, mod, stmt):
                if m.path not in skip and m.path not in partial and m.path not in came_from:
                    came_from[m.path] = mod
                    queue.append(m)
    return None


def _chain(came_from: Dict[str, Optional[Module]], mod: Module) -> Tuple[Module, ...]:
    out = [mod]
    while came_from.get(out[-1].path) is not None:
        out.append(came_from[out[-1].path])
    return tuple(reversed(out))


def safe_place(project, startup: Startup, registry: Module, target: Module, bindings: Bindings) -> Optional[Module]:
    """The innermost module of the stack at whose end importing `target` would read nothing unbound
    (the modules above it still part-way run); None when there is none."""
    frames = startup.frames
    for i in range(len(frames) - 1, -1, -1):
        here = frames[i].module
        if here.path == target.path:
            continue
        finished = {f.module.path for f in frames[i:]}  # by the end of `here`, it and the frames it ran are done
        if _conflict(project, startup, frames[:i], registry, target, bindings, finished) is None:
            return here
    return None
