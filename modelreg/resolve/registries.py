"""Where the project's registries are: the modules whose import must register every model.

In order: the configured registries (they replace discovery); else every `__all_models.py`; else
what each Alembic env.py targets (modelreg.alembic_envs) and the `create_all()` call sites of the
bases no env.py targets. `governs` says which registry answers for a model of a given base.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Set, Tuple

from ..types import ModelInfo, Module, Registry
from .alembic_envs import AlembicEnv, find_alembic_envs, flask_migrate_envs, metadata_source, revision_dirs
from .entry_points import entries
from .objects import FLASK_MODEL_HOW
from .reach import reachable

REGISTRY_FILENAME = "__all_models.py"


class Registries:
    """The registries of one project, found once (see the module docstring)."""

    def __init__(self, project, previous: Optional["Registries"] = None):
        self.project = project
        self._envs: Optional[List[AlembicEnv]] = None
        self._configured: Optional[List[Registry]] = None
        self._entries: Optional[List[Tuple[Module, Optional[str]]]] = None
        self._loaders: Optional[List[Tuple[Module, Optional[str]]]] = None
        self._revision_dirs: Optional[tuple] = None
        # modules by file name: depends on the module list only, so a project of the same modules shares it
        self._by_filename: Dict[str, List[Module]] = previous._by_filename if previous is not None else {}

    def named(self, filename: str) -> List[Module]:
        """The modules whose file has this name (`__all_models.py`, `env.py`)."""
        found = self._by_filename.get(filename)
        if found is None:
            tail = os.sep + filename
            found = self._by_filename[filename] = [m for m in self.project.modules if m.path.endswith(tail)]
        return found

    def is_revision_file(self, path: str) -> bool:
        """Whether `path` is an Alembic revision file: Alembic loads it by path when it migrates, so the
        classes it defines (a data migration's snapshot of a model, on a base of its own) never reach the
        application's metadata and no registry answers for them."""
        flat, deep = self.revision_dirs()
        return os.path.dirname(path) in flat or any(path.startswith(d + os.sep) for d in deep)

    def revision_dirs(self) -> tuple:
        """(the directories Alembic loads revision files from, those it walks recursively), found once."""
        if self._revision_dirs is None:
            flat, deep = revision_dirs(self.project)
            self._revision_dirs = (frozenset(flat), tuple(deep))
        return self._revision_dirs

    def alembic_envs(self) -> List[AlembicEnv]:
        if self._envs is None:
            self._envs = find_alembic_envs(self.project)
        return self._envs

    def registries(self) -> List[Registry]:
        """Configured registries (they replace discovery), else every __all_models.py, else env.py and
        create_all() registries."""
        config = self.project.config
        if config.registries:
            out = []
            for spec in config.registries:
                path = os.path.normpath(os.path.join(config.root, spec.registry))
                bases = (spec.base,) if spec.base else None
                out.append(Registry(path, self.project.by_path.get(path), "config", bases))
            return out
        found = [Registry(m.path, m, "file name") for m in self.named(REGISTRY_FILENAME)]
        if found:
            return found
        out: List[Registry] = []
        for env in self.alembic_envs():
            for key, registry in env.registries():
                out.extend(self.behind_entries(Registry(registry.path, registry, "env.py", (key,))))
        out += self.flask_app_registries({key for r in out for key in r.bases or ()})
        out += create_all_registries(self.project, {key for r in out for key in r.bases or ()})
        return out

    def entries(self) -> List[Tuple[Module, Optional[str]]]:
        """The application's entry points (modelreg.entry_points), outside its tests, found once."""
        if self._entries is None:
            root = self.project.config.root
            self._entries = [e for e in entries(self.project) if not is_test_path(os.path.relpath(e[0].path, root))]
        return self._entries

    def behind_entries(self, reg: Registry) -> List[Registry]:
        """An env.py registry whose imports reach none of its base's models (outside the base's own module)
        runs inside a process that loaded them first: the application's entry points that load them are
        the registries (a console script importing the backends, then calling Alembic). Else `reg`."""
        key = reg.bases[0]
        models = self.own_models(key)
        if not models or reg.module is None:
            return [reg]
        if any(m.module.path in reachable(self.project, reg.module) for m in models):
            return [reg]
        for candidates in (self.entries, self.loaders):
            found = [
                Registry(mod.path, mod, "entry point", (key,), function)
                for mod, function in candidates()
                if any(m.module.path in reachable(self.project, mod, function) for m in models)
            ]
            if found:
                return found
        return [reg]

    def loaders(self) -> List[Tuple[Module, Optional[str]]]:
        """The application's functions that import modules by computed names (a plugin loader, Pyramid's
        `config.scan()`), as entry points: asked only when no declared entry point loads a base's models
        (it reads every module of the application)."""
        if self._loaders is None:
            root = self.project.config.root
            self._loaders = []
            for mod in self.project.modules:
                if is_test_path(os.path.relpath(mod.path, root)) or not self.project.has_dynamic_imports(mod):
                    continue
                scopes = sorted({d.scope for d in self.project.facts(mod).dynamic_imports if d.scope.startswith("def:")})
                self._loaders += [(mod, scope[4:]) for scope in scopes]
        return self._loaders

    def flask_app_registries(self, covered: Set[str]) -> List[Registry]:
        """With Flask-Migrate's env.py (its metadata comes from the running app), the Flask app is the
        registry of the Flask-SQLAlchemy bases whose models it loads: what `flask db migrate` imports
        (FLASK_APP's module and the factory it calls)."""
        if not flask_migrate_envs(self.project):
            return []
        out = []
        flask_keys = [k for k, info in self.project.bases.items() if info.how == FLASK_MODEL_HOW and k not in covered]
        for mod, function in self.entries():
            reach = reachable(self.project, mod, function)
            keys = tuple(k for k in flask_keys if self._home(k) in reach or any(m.module.path in reach for m in self.own_models(k)))
            if keys:
                out.append(Registry(mod.path, mod, "Flask app", keys, function))
                flask_keys = [k for k in flask_keys if k not in keys]
        return out

    def _home(self, key: str) -> Optional[str]:
        """The path of the module defining a base (None for a library's)."""
        info = self.project.bases.get(key)
        return info.module.path if info is not None and info.module is not None else None

    def own_models(self, key: str) -> List[ModelInfo]:
        """The mapped models and tables of a base outside the base's own module."""
        info = self.project.bases.get(key)
        home = info.module.path if info is not None and info.module is not None else None
        return [m for m in self.project.models() if m.base == key and not m.abstract and m.module.path != home]

    def registry_root(self, reg: Registry) -> Optional[str]:
        if reg.module is not None:
            return reg.module.root
        mod = self.project.graph.name_for(reg.path)
        return mod.root if mod else None

    def governs(self, reg: Registry, base_key: str, model_root: Optional[str] = None) -> bool:
        """Whether `reg` is the registry for models of this base (defined under `model_root`)."""
        info = self.project.bases.get(base_key)
        if info is None:
            return False
        if reg.bases is not None:
            # a Flask-SQLAlchemy base is named by its object: base = "app.extensions.db"
            return info.name in reg.bases or info.key in reg.bases or info.name.rpartition(".Model")[0] in reg.bases
        # a library-provided base (SQLModel) is shared: the registries of the model's own import root govern it
        root = info.module.root if info.module is not None else model_root
        if root is not None and self.registry_root(reg) == root:
            return True
        # a configured registry is honoured for every base, wherever its own file sits (an env.py in a
        # folder without __init__.py, a registry not created yet), unless another one sits in that root
        return reg.source == "config" and not any(
            r.bases is None and self.registry_root(r) == root for r in self.configured_registries()
        )

    def configured_registries(self) -> List[Registry]:
        if self._configured is None:
            config = self.project.config
            self._configured = [r for r in self.registries() if r.source == "config"] if config.registries else []
        return self._configured


# -- create_all() call sites as registry evidence -----------------------------------------------


def is_test_path(path: str) -> bool:
    """A module of a test suite: under a `tests`/`test` folder, or named test_*.py, *_test.py, conftest.py."""
    parts = path.split(os.sep)
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def create_all_registries(project, covered: Set[str]) -> List[Registry]:
    """A registry per base that `X.metadata.create_all()` (or Flask's `db.create_all()`) is called on and
    no env.py targets: like env.py, the module the call site imports the base from when that module
    only re-exports it (the FastAPI template's `app/db/base.py`), else the call site's module itself.
    Call sites in tests count only for bases no application code creates."""
    envs = {e.module.path for e in project.alembic_envs()}
    per_key: Dict[str, List[Tuple[Module, Optional[str]]]] = {}
    for module, call, key in project.create_all_calls():
        if key in covered or module.path in envs:
            continue
        owner = call.func[1].rpartition(".")[0] if call.func[0] == "name" else ""
        source = metadata_source(project, module, ("name", owner), key) if owner else None
        if owner and call.scope.startswith("def:"):
            # `create_all()` in a function: what runs first is what the function imports the base through
            # (`from app.storage import models` in `Storage.__init__`), not its module's own imports
            source = project.scoped_source(module, owner.partition(".")[0], call.scope) or source
        registry = source if source is not None else module
        # in a function, what runs before the call counts: the functions it calls (`load_plugins()`)
        entry = call.scope[4:] if registry is module and call.scope.startswith("def:") else None
        found = per_key.setdefault(key, [])
        if all(m.path != registry.path for m, _ in found):
            found.append((registry, entry))
    out = []
    root = project.config.root
    for key, mods in per_key.items():
        app = [(m, e) for m, e in mods if not is_test_path(os.path.relpath(m.path, root))]
        for m, entry in app or mods:
            out.append(Registry(m.path, m, "create_all", (key,), entry))
    return out
