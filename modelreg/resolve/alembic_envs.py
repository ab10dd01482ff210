"""Alembic's env.py files and the metadata each hands to autogenerate.

An env.py is found through alembic.ini's `script_location`, beside Alembic's `script.py.mako`, or
as a configured registry. Its `target_metadata` (an assignment, or `context.configure(...,
target_metadata=...)` inline; one metadata, a list, or the multidb dict) is evaluated to the bases
it names. `metadata_source` tells which module a user of a base takes it from, when that module
only re-exports it (the FastAPI template's `from app.db.base import Base`): that module is the
registry. Flask-Migrate's env.py (metadata from the app at run time) is recognized, not followed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from ..types import MODULE, ImportStmt, Module


@dataclass
class AlembicEnv:
    """An Alembic env.py and the metadata it hands to autogenerate."""

    project: object  # the resolved project (modelreg.resolve.Project)
    module: Module
    targets: List[Tuple[str, int]]  # (base or metadata key, line of `target_metadata = ...`)
    sources: Dict[str, Optional[Module]]  # key -> the module env.py imports the base from (None: env.py itself)
    import_lines: Dict[str, int]  # key -> line of the statement that imports the base into env.py

    def registries(self) -> List[Tuple[str, Module]]:
        """(base key, registry) for each target: the module env.py imports the base from when that module
        only re-exports it (FastAPI's `from app.db.base import Base`), else env.py itself."""
        out = []
        for key, _ in self.targets:
            source = self.sources.get(key)
            out.append((key, source if source is not None else self.module))
        return out


def _script_location(ini_path: str, root: Optional[str] = None) -> Optional[str]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini_path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    loc = parser.get("alembic", "script_location", fallback=None)
    if not loc:
        return None
    here = os.path.dirname(ini_path)
    loc = loc.replace("%(here)s", here).strip()
    if ":" in loc and not os.path.isabs(loc):  # "package:path" form
        pkg, _, sub = loc.partition(":")
        loc = os.path.join(*pkg.split("."), sub)
    # Alembic reads a relative location from the working directory: the project root, or the ini's own
    # folder when `alembic -c` runs from there (the one of the two that holds an env.py)
    candidates = [os.path.normpath(os.path.join(d, loc)) for d in dict.fromkeys((here, root or here))]
    return next((c for c in candidates if os.path.isfile(os.path.join(c, "env.py"))), candidates[0])


def _ini_files(project) -> List[str]:
    """alembic.ini at the project root and in every folder holding a project module (a library that
    ships its migrations inside its package: `pkg/storage/alembic.ini`)."""
    root = project.config.root
    folders = {root} | {os.path.dirname(m.path) for m in project.modules}
    found = (os.path.join(d, "alembic.ini") for d in sorted(folders))
    return [p for p in found if os.path.isfile(p)]


def _env_paths(project) -> Set[str]:
    """env.py files named by alembic.ini's script_location, sitting beside Alembic's script.py.mako, or
    configured as a registry."""
    paths = set()
    for ini in _ini_files(project):
        loc = _script_location(ini, project.config.root)
        if loc:
            paths.add(os.path.join(loc, "env.py"))
    for m in project.named("env.py"):
        here = os.path.dirname(m.path)
        # an Alembic script directory; or Flask-Migrate's (`flask db init` writes alembic.ini beside env.py
        # and names the directory in `Migrate(directory=...)`, not in the ini)
        if os.path.isfile(os.path.join(here, "script.py.mako")) or os.path.isfile(os.path.join(here, "alembic.ini")):
            paths.add(m.path)
    for spec in project.config.registries:  # a configured registry named env.py is an Alembic env.py
        if os.path.basename(spec.registry) == "env.py":
            paths.add(os.path.normpath(os.path.join(project.config.root, spec.registry)))
    return paths


def revision_dirs(project) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(the directories Alembic loads revision files from, the ones among them it walks recursively), for
    every Alembic script directory of the project (see _env_paths)."""
    paths = _env_paths(project)
    if not paths:
        return (), ()
    from ..migrations import version_dirs

    flat: List[str] = []
    deep: List[str] = []
    for env in sorted(paths):
        dirs, recursive = version_dirs(os.path.dirname(env), project.config.root)
        (deep if recursive else flat).extend(os.path.normpath(d) for d in dirs)
    return tuple(flat), tuple(deep)


def find_alembic_envs(project) -> List[AlembicEnv]:
    """The Alembic env.py files (see _env_paths) that target a metadata modelreg knows."""
    envs = []
    for path in sorted(_env_paths(project)):
        module = project.by_path.get(path)
        if module is None:
            continue
        env = _read_env(project, module)
        if env is not None:
            envs.append(env)
    return envs


def _flask_migrate_expr(expr) -> bool:
    """`current_app.extensions["migrate"].db...`: the metadata Flask-Migrate hands to Alembic."""
    if expr[0] == "sub" and expr[1][0] == "name" and expr[1][1].rpartition(".")[2] == "extensions":
        return True
    return any(_flask_migrate_expr(e) for e in expr[1:] if type(e) is tuple and e and type(e[0]) is str)


def flask_migrate_envs(project) -> List[Module]:
    """Alembic env.py files that take their metadata from the Flask app (Flask-Migrate's template): which
    models are loaded depends on the app factory, which modelreg does not follow."""
    out = []
    for path in sorted(_env_paths(project)):
        module = project.by_path.get(path)
        if module is not None and any(
            a.scope == MODULE and _flask_migrate_expr(a.value) for a in project.facts(module).assigns
        ):
            out.append(module)
    return out


def _read_env(project, module: Module) -> Optional[AlembicEnv]:
    facts = project.facts(module)
    targets: List[Tuple[str, int]] = []
    sources: Dict[str, Optional[Module]] = {}
    import_lines: Dict[str, int] = {}
    found = [(a.value, a.line) for a in facts.assigns if "target_metadata" in a.targets and a.scope == MODULE]
    # `context.configure(..., target_metadata=db.metadata)` inline (warehouse), in any function
    found += [(dict(c.kwargs)["target_metadata"], c.line) for c in facts.calls if dict(c.kwargs).get("target_metadata")]
    for value_expr, line in found:
        exprs = value_expr[1] if value_expr[0] in ("list", "dict") else (value_expr,)
        for expr in exprs:
            value = project.eval_expr(module, expr)
            if not value or value[0] != "metadata":
                continue
            key = value[1]
            if key in sources:
                continue
            targets.append((key, line))
            stmt = _binding_import(project, module, expr)
            sources[key] = metadata_source(project, module, expr, key)
            if stmt is not None:
                import_lines[key] = stmt.line
    return AlembicEnv(project, module, targets, sources, import_lines) if targets else None


def metadata_source(project, user: Module, expr, key: str) -> Optional[Module]:
    """The module `user` (env.py, a create_all() site) takes the base or metadata of `expr` from, when
    that module only re-exports it (FastAPI's `from app.db.base import Base`); None when it takes it
    from where it is defined (then `user`'s own imports are what load the models).

    `from myapp import models` + `models.Base.metadata` takes it from `myapp.models` (the chain of
    attribute accesses is followed through modules), not from the package `myapp`."""
    if expr[0] != "name":
        return None
    parts = expr[1].split(".")
    info = project.bases.get(key)
    defining = info.module if info else None
    stmt = _binding_import(project, user, expr)
    source: Optional[Module] = None
    value = project.lookup(user, parts[0])
    if value is not None and value[0] == "module":
        source = value[1]
        for attr in parts[1:]:
            value = project.attribute(value, attr)
            if value is None or value[0] != "module":
                break
            source = value[1]
    elif stmt is not None and stmt.is_from:
        _, source, _ = project.from_source(user, stmt)
    if source is not None and (defining is None or source.path != defining.path):
        return source
    return None


def _binding_import(project, env: Module, expr) -> Optional[ImportStmt]:
    """The module-level import that binds the first name of `expr` (`Base` in `Base.metadata`)."""
    if expr[0] != "name":
        return None
    first = expr[1].split(".")[0]
    found = None
    for stmt in project.facts(env).imports:
        if stmt.scope != MODULE:
            continue
        for name, asname in stmt.names:
            bound = stmt.bound(name, asname)
            if bound == first:
                found = stmt
    return found
