"""What a registry registers, and which of its imports must fail.

`direct_coverage`: the modules and classes a registry's own statements name (the `module` and
`class` modes of `require`); the `reachable` mode is modelreg.reach's closure. `stale_imports`:
the registry imports that would raise at run time (a module that exists in no form, a name its
module cannot provide), judged only for the project's own modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple

from ..discover import git_ignored
from ..types import MODULE, ImportStmt, ModelInfo, Module
from .inventory import callee_name
from .evaluate import star_names
from .reach import dynamic_targets, run_scopes


@dataclass
class Coverage:
    """What importing one registry registers, under each `require` mode."""

    modules: Set[str]  # paths of modules registered
    classes: Set[Tuple[str, str]]  # (path, class name) named by the registry
    unknown_dynamic: List[Tuple[int, int]]  # positions of imports modelreg cannot follow


def direct_coverage(project, registry: Module) -> Coverage:
    """What the registry's own statements name: modules (`module` mode) and classes (`class` mode)."""
    facts = project.facts(registry)
    scopes = run_scopes(facts)
    modules: Set[str] = set()
    classes: Set[Tuple[str, str]] = set()

    def whole(mod: Module) -> None:  # a module imported as a whole registers all its classes
        modules.add(mod.path)
        classes.add(("*", mod.path))

    for stmt in facts.imports:
        if stmt.scope not in scopes:
            continue
        if not stmt.is_from:
            for name, _ in stmt.names:
                mod, _ = project.find_module(name, registry)
                if mod is not None:
                    whole(mod)
            continue
        _, pkg, _ = project.from_source(registry, stmt)
        if pkg is not None:
            modules.add(pkg.path)  # `from m import X` imports m with a statement of its own
        for name, _ in stmt.names:
            if name == "*":
                if pkg is not None:
                    whole(pkg)
                    for n in star_names(project, pkg) or ():
                        sub = project.child(pkg, n)
                        if sub is not None:
                            whole(sub)
                            continue
                        value = project.lookup(pkg, n)  # a model the package re-exports through __all__
                        if value is not None and value[0] == "class":
                            modules.add(value[1].path)
                            classes.add((value[1].path, value[2]))
                continue
            value = project.imported_value(registry, stmt, name)
            if value is None:
                continue
            if value[0] == "module":
                whole(value[1])
            elif value[0] == "class":  # also through re-exports: the defining module counts
                modules.add(value[1].path)
                classes.add((value[1].path, value[2]))
    dyn, unknown = dynamic_targets(project, registry, facts, scopes)
    for m in dyn:
        whole(m)
    return Coverage(modules, classes, unknown)


def is_registered(model: ModelInfo, mode: str, reach: Set[str], direct: Coverage) -> bool:
    path = model.module.path
    if mode == "reachable":
        return path in reach
    if mode == "module":
        return path in direct.modules
    return (path, model.name) in direct.classes or ("*", path) in direct.classes


def stale_imports(project, registry: Module) -> Iterable[Tuple[ImportStmt, int, str]]:
    """(statement, alias index or -1 for the whole statement, reason) for each registry import that must fail.

    Only project modules and names are judged; a third-party import is never stale, and neither is a
    module that is evidently generated (see :func:`generated`).
    """
    for stmt, index, reason, name in _missing(project, registry):
        if name is None or generated(project, name, registry) is None:
            yield stmt, index, reason


def generated_imports(project, registry: Module) -> Iterable[Tuple[ImportStmt, str, str, str]]:
    """(statement, module name, family folder, what) for each registry import of a module absent from
    the tree but evidently generated: modelreg cannot verify what it registers."""
    for stmt, _, _, name in _missing(project, registry):
        if name is not None:
            found = generated(project, name, registry)
            if found is not None:
                yield (stmt, name) + found


def _missing(project, registry: Module):
    """(statement, alias index or -1, reason, the missing module's name or None) per registry import
    that finds nothing in the tree."""
    facts = project.facts(registry)
    guarded = set(facts.guarded)
    for stmt in facts.imports:
        if stmt.scope in ("typing", "dead") or stmt.line in guarded:  # never runs, or optional: cannot fail
            continue
        if not stmt.is_from:
            for i, (name, _) in enumerate(stmt.names):
                mod, is_project = project.find_module(name, registry)
                if mod is None and is_project and not _on_disk(project, name, registry):
                    yield stmt, i, f"module {name} does not exist", name
            continue
        target, pkg, is_project = project.from_source(registry, stmt)
        if target is None:
            yield stmt, -1, "relative import beyond the top-level package", None
            continue
        if pkg is None:
            if (
                is_project
                and not any(project.find_module(f"{target}.{n}", registry)[0] for n, _ in stmt.names)
                and not _on_disk(project, target, registry)
            ):
                yield stmt, -1, f"module {target} does not exist", target
            continue
        for i, (name, _) in enumerate(stmt.names):
            if name != "*" and not _may_provide(project, pkg, name, set()) and not _on_disk(
                project, f"{target}.{name}", registry
            ):
                yield stmt, i, f"{target} has no name or submodule {name}", f"{target}.{name}"


GENERATED_SUFFIXES = ("_pb2", "_pb2_grpc")  # protoc's Python output


def generated(project, name: str, near: Module) -> Optional[Tuple[str, str]]:
    """(the folder of its family, what generates it) when module `name`, absent from the tree, is
    evidently generated: a type stub (.pyi) without an implementation, protoc output (`*_pb2.py`)
    beside .proto sources or committed `*_pb2.py` siblings, or a path git ignores (a build output)."""
    parts = name.split(".")
    for root in project.graph.search_roots(near):
        folder = os.path.join(root, *parts[:-1])
        base = os.path.join(folder, parts[-1])
        if os.path.isfile(base + ".pyi") or os.path.isfile(os.path.join(base, "__init__.pyi")):
            return folder, "type stubs (.pyi) without an implementation"
        if parts[-1].endswith(GENERATED_SUFFIXES) and _protobuf_beside(folder, root):
            return folder, "protobuf modules generated from .proto files"
        if project.config.respect_gitignore and git_ignored(project.config.root, base + ".py"):
            return folder, "git-ignored build outputs"
    return None


def _protobuf_beside(folder: str, root: str) -> bool:
    """Whether the folder, or the nearest existing folder above it under `root`, holds .proto sources
    or committed protoc output (`*_pb2.py`, mypy-protobuf's `*_pb2.pyi`)."""
    d = folder
    while len(d) >= len(root):
        if os.path.isdir(d):
            try:
                names = os.listdir(d)
            except OSError:
                return False
            return any(n.endswith((".proto",) + tuple(s + ext for s in GENERATED_SUFFIXES for ext in (".py", ".pyi"))) for n in names)
        d = os.path.dirname(d)
    return False


def _on_disk(project, name: str, near: Module) -> bool:
    """Whether Python would find module `name` from `near` in any form, analyzed or not (see
    :meth:`ModuleGraph.exists`), or might: a package above it extends its `__path__` at run time.
    Importing it is not stale."""
    return project.graph.exists(name, near) or _in_extended_package(project, name, near)


def _in_extended_package(project, name: str, near: Module) -> bool:
    """Whether a package above `name` is a pkgutil-style namespace package (`__path__ =
    extend_path(__path__, __name__)`): its submodules may come from any other folder or distribution on
    sys.path (polar's server package and its SDK both provide `polar`), so modelreg cannot say one is
    missing."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        pkg, _ = project.find_module(".".join(parts[:i]), near)
        if pkg is not None and pkg.is_package and any(
            a.scope == MODULE and "__path__" in a.targets and callee_name(a.value) == "extend_path"
            for a in project.facts(pkg).assigns
        ):
            return True
    return False


def _may_provide(project, mod: Module, name: str, seen: Set[str]) -> bool:
    """Could `from mod import name` succeed? False only when modelreg can see it cannot."""
    if mod.path in seen:
        return False
    seen.add(mod.path)
    facts = project.facts(mod)
    if facts.error is not None or facts.has_getattr or name in facts.defined or project.child(mod, name):
        return True
    for s in facts.imports:
        if not (s.is_from and s.names == (("*", None),) and s.scope == MODULE):
            continue
        target, src, is_project = project.from_source(mod, s)
        if src is None:
            if not is_project:
                return True  # a star import from a library may provide anything
            continue
        names = star_names(project, src)
        if (names is None and not name.startswith("_")) or (names is not None and name in names):
            if _may_provide(project, src, name, seen):
                return True
    return False
