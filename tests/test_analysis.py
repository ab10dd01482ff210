"""modelreg.analysis: the per-run view the rules read.

An ``Analysis`` holds the resolved project and answers the rules' questions: which registries
govern a model, whether one registers it, where a missing registry belongs (MR004), which modules
an env.py registry loads, and how a diagnostic is located. ``analyze(cfg)`` builds it from the files;
the prefilter gives it the same models as a full parse. Project trees in tmp_path, no cache.
"""

from __future__ import annotations

import os

import pytest
from conftest import DB_MODULE as DB, analysis_of, model_source, users_and_legacy

from modelreg.analysis import analyze
from modelreg.api import load_config
from modelreg.config import ConfigError

PROJECT = users_and_legacy("import pkg.users\n")


def rel(root, path):
    return os.path.relpath(path, root).replace(os.sep, "/")


def model(analysis, name):
    return next(m for m in analysis.models if m.name == name)


def test_a_model_is_governed_by_its_bases_registry_and_registered_only_when_the_registry_imports_it(tree):
    root = tree(PROJECT)
    analysis = analysis_of(root)
    user, old = model(analysis, "User"), model(analysis, "Old")
    (reg,) = analysis.governing(user)
    assert rel(root, reg.path) == "pkg/__all_models.py" and analysis.governing(old) == [reg]
    assert analysis.registers(reg, user) and not analysis.registers(reg, old)
    reach = {rel(root, p) for p in analysis.reach(reg)}
    assert "pkg/users.py" in reach and "pkg/legacy.py" not in reach


def test_a_base_with_models_and_no_registry_implies_one_beside_the_base(tree):
    files = {k: v for k, v in PROJECT.items() if k != "pkg/__all_models.py"}
    root = tree(files)
    analysis = analysis_of(root)
    (missing,) = [r for r in analysis.registries if r.source == "missing"]
    assert rel(root, missing.path) == "pkg/__all_models.py" and missing.module is None
    assert {m.name for m in analysis.missing_registry_models(missing.path)} == {"User", "Old"}


def test_no_registry_is_implied_for_a_base_only_tests_use_nor_for_models_in_the_bases_own_module(tree):
    root = tree({
        "tests/__init__.py": "",
        "tests/db.py": DB,
        "tests/test_things.py": model_source("Thing", "things", "from tests.db import Base"),
        "app/__init__.py": "",
        "app/db.py": DB + "\n\nclass Setting(Base):\n    __tablename__ = 'settings'\n",
    })
    analysis = analysis_of(root)
    assert [r for r in analysis.registries if r.source == "missing"] == []
    assert analysis.self_registered(model(analysis, "Setting"))


def test_the_modules_an_env_py_registry_imports_are_loaded_registries(tree):
    root = tree({
        "alembic.ini": "[alembic]\nscript_location = alembic\n",
        "alembic/env.py": "import app._all_models  # noqa: F401\nfrom app.db import Base\n\n"
        "target_metadata = Base.metadata\n",
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/_all_models.py": "import app.users  # noqa: F401\n",
        "app/users.py": model_source("User", "users", "from app.db import Base"),
    })
    analysis = analysis_of(root)
    sources = {rel(root, r.path): r.source for r in analysis.registries}
    # one hop behind env.py (what its own imports run), checked for stale imports: not users.py, two hops
    assert sources == {"alembic/env.py": "env.py", "app/_all_models.py": "loaded", "app/__init__.py": "loaded",
                       "app/db.py": "loaded"}


@pytest.mark.parametrize(
    "base, error",
    [
        ("pkg.db.Nothing", "names no declarative base"),
        ("pkg.gone.Base", "names no declarative base"),
        ("pkg.db.Base", None),
        # a library's modelreg cannot see: taken on trust only when the project imports that library
        ("some_library.orm.Model", "some_library is neither a package of the project nor one it imports"),
    ],
)
def test_a_configured_base_must_name_a_base_of_the_project(tree, base, error):
    root = tree(PROJECT, pyproject=f'[[tool.modelreg.registries]]\nbase = "{base}"\nregistry = "pkg/__all_models.py"\n')
    if error is None:
        analysis_of(root)
        return
    with pytest.raises(ConfigError, match=error):
        analysis_of(root)


def test_a_configured_base_of_a_library_the_project_imports_is_taken_on_trust(tree):
    files = dict(PROJECT, **{"pkg/ext.py": "from some_library.orm import Model\n"})
    root = tree(files, pyproject='[[tool.modelreg.registries]]\nbase = "some_library.orm.Model"\nregistry = "pkg/__all_models.py"\n')
    analysis_of(root)


def test_a_diagnostic_is_located_one_based_and_spans_at_least_one_column(tree):
    analysis = analysis_of(tree(PROJECT))
    d = analysis.diagnostic("MR001", "message", "/p/x.py", 4, 6, 3, model="Old")
    assert (d.line, d.column, d.end_line, d.end_column, d.model) == (4, 7, 4, 10, "Old")
    assert analysis.diagnostic("MR001", "m", "/p/x.py", 1, 0, 0).end_column == 2


def test_the_prefilter_finds_the_models_a_full_parse_finds_through_a_chain_of_names(tree):
    # audit.py never names Base: it is read because Mixin, a model-ish name found in mixins.py, is in it
    files = {
        **PROJECT,
        "pkg/mixins.py": "from pkg.db import Base\n\n\nclass Mixin(Base):\n    __abstract__ = True\n",
        "pkg/audit.py": "from pkg.mixins import Mixin\n\n\nclass Audit(Mixin):\n    __tablename__ = 'audit'\n",
        "pkg/util.py": "import os\n\nSEP = os.sep\n",
    }
    root = tree(files)
    cfg = load_config([str(root)])
    fast, full = analyze(cfg, use_cache=False), analyze(cfg, full=True, use_cache=False)
    key = lambda a: sorted((m.name, m.module.path, m.line) for m in a.models)  # noqa: E731
    assert key(fast) == key(full) and "Audit" in [m.name for m in fast.models]
    assert "Mixin" in fast.names
    assert str(root / "pkg/util.py") not in fast.project.candidates


def test_a_syntax_error_the_fast_path_skipped_is_found_before_a_verdict(tree):
    broken = model_source("Broken", "broken") + "\n    def f(self):\n        return 1 +\n"
    root = tree({**PROJECT, "pkg/broken.py": broken})
    analysis = analysis_of(root)
    module = model(analysis, "Broken").module
    assert analysis.full_parse_error(module)[0] == 8
    assert dict(analysis.errors())[module.path][0] == 8  # (MR100 reports what errors() lists)
