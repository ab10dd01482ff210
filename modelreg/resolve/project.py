"""The resolved project: the one object the rules, the fixer and the language server ask; it wires
the resolver's stages together and holds no logic of its own (see modelreg.resolve)."""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set

from ..config import Config
from ..imports import ModuleGraph, Naming
from ..types import FileFacts, Module
from . import reach, vocabulary
from .classify import Classifier
from .evaluate import Evaluator
from .inventory import Inventory
from .objects import Objects
from .registries import Registries
from .state import BaseInfo, Results


class Project:
    """The resolved view of a project. Facts are pulled lazily through ``facts_of``."""

    def __init__(
        self,
        config: Config,
        modules: Sequence[Module],
        facts_of: Callable[[Module], FileFacts],
        previous: Optional["Project"] = None,
    ):
        """``previous``: a project of the same modules whose module graph is shared (see :meth:`inherit`)."""
        self.config = config
        self.modules = list(modules)
        same_modules = previous is not None and previous.modules == self.modules
        # the modules that may define a model (the prefilter's candidates); None: every module
        self.candidates: Optional[Set[str]] = None
        self.taken_over: Optional[Set[str]] = None  # after import_state: the paths whose results it dropped
        self.state = state = Results(facts_of)
        self.graph = graph = previous.graph if same_modules else ModuleGraph(config, self.modules)
        # the module graph (modelreg.imports) answers every question about names, roots and files
        self.by_root, self.by_path, self.all_tops = graph.by_root, graph.by_path, graph.all_tops
        self.search_roots, self.find_module, self.is_project_name = graph.search_roots, graph.find_module, graph.is_project_name
        self.child, self.submodules, self.parents = graph.child, graph.submodules, graph.parents
        self.resolve_relative, self.import_target, self.from_source = graph.resolve_relative, graph.import_target, graph.from_source
        # facts, and what each result read (modelreg.state)
        self.facts, self.error_of, self.has_dynamic_imports = state.facts, state.error_of, state.has_dynamic_imports
        self.files_read, self.read_paths = state.files_read, state.read_paths
        self.bases: Dict[str, BaseInfo] = state.bases
        self.used_by = state.used_by
        # names -> values, calls -> objects, classes -> kinds, modules -> models
        self.evaluator = Evaluator(self)
        self.lookup, self.attribute, self.imported_value = self.evaluator.lookup, self.evaluator.attribute, self.evaluator.imported_value
        self.eval_name, self.eval_expr = self.evaluator.eval_name, self.evaluator.eval_expr
        self.eval_in_scope, self.scoped_source = self.evaluator.eval_in_scope, self.evaluator.scoped_source
        self.objects = Objects(self)
        self.classifier = Classifier(self)
        self.classify, self.find_class = self.classifier.classify, self.classifier.find_class
        self.inventory = Inventory(self)
        self.models, self.scan_modules, self.unverified = self.inventory.models, self.inventory.scan_modules, self.inventory.unverified
        self.metadata_targets, self.create_all_calls = self.inventory.metadata_targets, self.inventory.create_all_calls
        # registries (config, __all_models.py, env.py, create_all())
        self.registry_finder = found = Registries(self, previous.registry_finder if same_modules else None)
        self.registries, self.governs, self.named = found.registries, found.governs, found.named
        self.alembic_envs, self.registry_root, self.configured_registries = found.alembic_envs, found.registry_root, found.configured_registries
        self.is_revision_file = found.is_revision_file

    def runs(self, module: Module) -> List[Module]:
        """The project modules importing `module` runs directly (modelreg.reach)."""
        return reach.runs(self, module)

    def modelish_names(self, modules: Iterable[Module], known: Set[str]) -> Set[str]:
        """The prefilter's vocabulary bound by these modules (modelreg.vocabulary)."""
        return vocabulary.modelish_names(self, modules, known)

    def loaded_facts(self) -> Dict[str, FileFacts]:
        """path -> facts, of every file whose facts were asked for here."""
        return self.state.facts_loaded

    # -- incremental state (modelreg.state) ------------------------------------------------------

    def inherit(self, previous: "Project", changed: Iterable[str]) -> Set[str]:
        """Take over `previous`'s results except those that can depend on a file whose facts changed:
        the changed files and, transitively, every module whose results read one of them. The
        modules must be the same. Returns the paths whose results were dropped."""
        return self.state.inherit(previous.state, changed)

    def export_state(self) -> dict:
        """Every per-module result, as plain data (marshal): what :meth:`import_state` takes over."""
        return self.state.export()

    def import_state(self, state: dict, changed: Iterable[str]) -> Set[str]:
        """Take over a saved run's results (of the same modules) except those that can depend on a
        changed file, like :meth:`inherit`; raises on a state that is not what export_state writes."""
        return self.state.take_over(state, changed, self.by_path)

    def settings_details(self) -> dict:
        """For --show-settings: each import root modelreg considered, why, and whether modules are
        named from it (see modelreg.imports)."""
        top = self.config.root
        rel = lambda p: os.path.relpath(p, top).replace(os.sep, "/")  # noqa: E731
        naming = Naming(self.config, [m.path for m in self.modules])
        roots = naming.roots
        voted = naming.explain()
        listed = {r.path for r in roots}
        rows = []
        for r in roots:
            row = {"path": rel(r.path), "why": r.reason, "kind": r.kind, "names-modules": r.path in self.by_root}
            if r.path in voted:  # the imports that chose it, and the weaker evidence they overruled
                row.update({"imports-voting": voted[r.path]["votes"], "for-example": voted[r.path]["example"]})
                if voted[r.path]["overrules"]:
                    row["overrules"] = voted[r.path]["overrules"]
            rows.append(row)
        rows += [
            {"path": rel(p), "why": "the project's own imports resolve there", "kind": "entry", "names-modules": True}
            for p in sorted(self.by_root)
            if p not in listed
        ]
        return {"import-roots-considered": rows}
