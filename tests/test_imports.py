"""The import model (modelreg.imports): import roots, module names and resolution, as Python decides them.

Each layout is checked twice: modelreg's names and verdicts, and what really happens when the registry is
imported in a fresh interpreter with real SQLAlchemy (the oracle): modelreg's MR001 are exactly the models
whose tables the registry leaves out, and after --fix importing the registry loads every table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import pytest

from modelreg.config import load
from modelreg.imports import ModuleGraph, import_lines, infer_roots, name_modules
from modelreg.types import Module

from conftest import assert_fix_runs, tables_after_importing

pytestmark = pytest.mark.usefixtures("keeps_invariants")  # issue 27: every tree keeps the invariants


def model(cls: str, table: str, base_import: str, base: str = "Base") -> str:
    return (
        "import sqlalchemy as sa\n"
        "\n"
        f"{base_import}\n"
        "\n"
        "\n"
        f"class {cls}({base}):\n"
        f'    __tablename__ = "{table}"\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"


@dataclass
class Layout:
    """A project shape, how it runs (sys.path, the registry, the module defining every model), and the
    models modelreg should find with their tables."""

    files: Dict[str, str]
    sys_path: List[str]
    registry: str
    everything: List[str]
    metadata: str  # "module:expression"
    models: Dict[str, str]  # dotted model -> table
    pyproject: str = ""
    notes: str = ""
    extra: Dict[str, bytes] = field(default_factory=dict)


LAYOUTS = {
    "the Talk Python course: folders without __init__.py, absolute imports, the app beside them": Layout(
        files={
            "pypi_org/app.py": (
                "import os\nimport sys\n\n"
                "sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))\n\n"
                "import pypi_org.data.db_session as db_session  # noqa: E402\n"
            ),
            "pypi_org/data/modelbase.py": "import sqlalchemy.ext.declarative as dec\n\nSqlAlchemyBase = dec.declarative_base()\n",
            "pypi_org/data/db_session.py": (
                "from pypi_org.data.modelbase import SqlAlchemyBase\n\n\ndef global_init(engine):\n"
                "    import pypi_org.data.__all_models  # noqa: F401\n\n    SqlAlchemyBase.metadata.create_all(engine)\n"
            ),
            "pypi_org/data/__all_models.py": "# noinspection PyUnresolvedReferences\nimport pypi_org.data.users\n",
            "pypi_org/data/users.py": model("User", "users", "from pypi_org.data.modelbase import SqlAlchemyBase", "SqlAlchemyBase"),
            "pypi_org/data/audit.py": model("Audit", "auditing", "from pypi_org.data.modelbase import SqlAlchemyBase", "SqlAlchemyBase"),
        },
        sys_path=["."],
        registry="pypi_org.data.__all_models",
        everything=["pypi_org.data.users", "pypi_org.data.audit"],
        metadata="pypi_org.data.modelbase:SqlAlchemyBase.metadata",
        models={"pypi_org.data.users.User": "users", "pypi_org.data.audit.Audit": "auditing"},
    ),
    "a course-style data folder without __init__.py, relative imports inside it": Layout(
        files={
            "main.py": "from data import db_session\nimport data.__all_models  # noqa: F401\n",
            "data/db_session.py": (
                "import sqlalchemy.ext.declarative as dec\n\nSqlAlchemyBase = dec.declarative_base()\n\n\n"
                "def global_init(engine):\n    from . import __all_models  # noqa: F401\n\n"
                "    SqlAlchemyBase.metadata.create_all(engine)\n"
            ),
            "data/__all_models.py": "from . import users\n",
            "data/users.py": model("User", "users", "from .db_session import SqlAlchemyBase", "SqlAlchemyBase"),
            "data/news.py": model("News", "news", "from .db_session import SqlAlchemyBase", "SqlAlchemyBase"),
        },
        sys_path=["."],
        registry="data.__all_models",
        everything=["data.users", "data.news"],
        metadata="data.db_session:SqlAlchemyBase.metadata",
        models={"data.users.User": "users", "data.news.News": "news"},
    ),
    "model folders without __init__.py inside a regular package": Layout(
        files={
            "app/__init__.py": "",
            "app/db.py": BASE,
            "app/__all_models.py": "from .models import User  # noqa: F401\n",
            "app/models/__init__.py": "from .user.user import User  # noqa: F401\n",
            "app/models/user/user.py": model("User", "users", "from app.db import Base"),
            "app/models/place/place.py": model("Place", "places", "from app.db import Base"),
        },
        sys_path=["."],
        registry="app.__all_models",
        everything=["app.models.user.user", "app.models.place.place"],
        metadata="app.db:Base.metadata",
        models={"app.models.user.user.User": "users", "app.models.place.place.Place": "places"},
    ),
    "an app run from backend/ despite a stray backend/__init__.py": Layout(
        files={
            "backend/__init__.py": "",
            "backend/main.py": "import db.__all_models  # noqa: F401\nfrom db.base_class import Base\n",
            "backend/db/__init__.py": "",
            "backend/db/base_class.py": BASE,
            "backend/db/__all_models.py": "from models.user import User  # noqa\n",
            "backend/models/__init__.py": "",
            "backend/models/user.py": model("User", "users", "from db.base_class import Base"),
            "backend/models/item.py": model("Item", "items", "from db.base_class import Base"),
        },
        sys_path=["backend"],
        registry="db.__all_models",
        everything=["models.user", "models.item"],
        metadata="db.base_class:Base.metadata",
        models={"models.user.User": "users", "models.item.Item": "items"},
    ),
    "a src layout whose feature folders have no __init__.py": Layout(
        files={
            "src/app/__init__.py": "from app.users.models import User  # noqa: F401\n",
            "src/app/db.py": BASE,
            "src/app/__all_models.py": "import app  # noqa: F401\n",
            "src/app/users/__init__.py": "",
            "src/app/users/models.py": model("User", "users", "from app.db import Base"),
            "src/app/billing/models.py": model("Invoice", "invoices", "from app.db import Base"),
        },
        sys_path=["src"],
        registry="app.__all_models",
        everything=["app.users.models", "app.billing.models"],
        metadata="app.db:Base.metadata",
        models={"app.users.models.User": "users", "app.billing.models.Invoice": "invoices"},
    ),
    "an optional add-on imported under try/except ImportError": Layout(
        files={
            "app/__init__.py": "",
            "app/base.py": BASE,
            "app/__all_models.py": (
                "import app.alpha  # noqa: F401\n\ntry:\n    import app.enterprise\nexcept ImportError:\n    pass\n"
            ),
            "app/alpha.py": model("Alpha", "alpha", "from app.base import Base"),
            "app/beta.py": model("Beta", "beta", "from app.base import Base"),
        },
        sys_path=["."],
        registry="app.__all_models",
        everything=["app.alpha", "app.beta"],
        metadata="app.base:Base.metadata",
        models={"app.alpha.Alpha": "alpha", "app.beta.Beta": "beta"},
    ),
    "a registry with a latin-1 comment and no coding cookie": Layout(
        files={
            "app/__init__.py": "",
            "app/base.py": BASE,
            "app/alpha.py": model("Alpha", "alpha", "from app.base import Base"),
            "app/beta.py": model("Beta", "beta", "from app.base import Base"),
        },
        extra={"app/__all_models.py": b"# Mod\xe8les de l'application (latin-1)\nimport app.alpha  # noqa: F401\n"},
        sys_path=["."],
        registry="app.__all_models",
        everything=["app.alpha", "app.beta"],
        metadata="app.base:Base.metadata",
        models={"app.alpha.Alpha": "alpha", "app.beta.Beta": "beta"},
    ),
    "a package root declared by pytest's pythonpath": Layout(
        files={
            "services/api/shop/__init__.py": "",
            "services/api/shop/base.py": BASE,
            "services/api/shop/__all_models.py": "import shop.orders  # noqa: F401\n",
            "services/api/shop/orders.py": model("Order", "orders", "from shop.base import Base"),
            "services/api/shop/refunds.py": model("Refund", "refunds", "from shop.base import Base"),
        },
        pyproject='[tool.pytest.ini_options]\npythonpath = ["services/api"]\n',
        sys_path=["services/api"],
        registry="shop.__all_models",
        everything=["shop.orders", "shop.refunds"],
        metadata="shop.base:Base.metadata",
        models={"shop.orders.Order": "orders", "shop.refunds.Refund": "refunds"},
    ),
}


def write(root: Path, layout: Layout) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(layout.pyproject)
    for rel, text in {**layout.files, **layout.extra}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
    return root


def tables_after_import(root: Path, layout: Layout, modules: List[str]) -> List[str]:
    """The tables of the layout's metadata once `modules` are imported in a fresh interpreter (the truth)."""
    mod, _, expr = layout.metadata.partition(":")
    paths = [str(root / p) for p in layout.sys_path]
    script = (
        f"import sys, importlib, json\nsys.path[:0] = {paths!r}\n"
        f"for m in {modules!r}:\n    importlib.import_module(m)\n"
        f"md = eval({expr!r}, vars(importlib.import_module({mod!r})))\n"
        "print(json.dumps(sorted(md.tables)))\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=str(root), env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def mr001(run, root: Path) -> set:
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    data = result.json
    codes = {d["code"] for d in data["diagnostics"]}
    assert codes <= {"MR001"}, data["diagnostics"]
    assert result.exit_code == (1 if data["diagnostics"] else 0)
    return {d["model"] for d in data["diagnostics"]}


@pytest.mark.parametrize("name", LAYOUTS)
def test_mr001_names_exactly_the_models_whose_tables_the_registry_leaves_out(tmp_path, run, name):
    layout = LAYOUTS[name]
    root = write(tmp_path / "proj", layout)
    everything = tables_after_import(root, layout, layout.everything)
    registered = tables_after_import(root, layout, [layout.registry])
    assert sorted(layout.models.values()) == everything
    missing = {m for m, table in layout.models.items() if table not in registered}
    assert missing, "every layout leaves a model out"
    assert mr001(run, root) == missing


@pytest.mark.parametrize("name", LAYOUTS)
def test_after_fix_importing_the_registry_loads_every_table_and_a_second_fix_changes_nothing(tmp_path, run, name):
    layout = LAYOUTS[name]
    root = write(tmp_path / "proj", layout)
    first = run(["--fix", "--no-cache", root], cwd=root)
    assert first.exit_code == 0, first.out + first.err
    assert tables_after_import(root, layout, [layout.registry]) == sorted(layout.models.values())
    snapshot = {p: p.read_bytes() for p in root.rglob("*.py")}
    second = run(["--fix", "--no-cache", root], cwd=root)
    assert second.exit_code == 0
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == snapshot


def test_the_latin1_comment_keeps_its_bytes_through_the_fix(tmp_path, run):
    layout = LAYOUTS["a registry with a latin-1 comment and no coding cookie"]
    root = write(tmp_path / "proj", layout)
    run(["--fix", "--no-cache", root], cwd=root)
    assert (root / "app/__all_models.py").read_bytes().startswith(b"# Mod\xe8les de l'application (latin-1)\n")


# -- names --------------------------------------------------------------------------------------------


def names(tmp_path: Path, files: Dict[str, str], pyproject: str = "") -> Dict[str, str]:
    root = tmp_path / "proj"
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    cfg = load(str(root))
    paths = sorted(str(p) for p in root.rglob("*.py"))
    mods, _, _ = name_modules(paths, cfg)
    return {os.path.relpath(m.path, root): m.name for m in mods}


def test_a_folder_without_init_is_a_namespace_package_named_from_the_project_directory(tmp_path):
    assert names(tmp_path, {"pkg/data/users.py": "", "pkg/data/__all_models.py": ""}) == {
        "pkg/data/users.py": "pkg.data.users",
        "pkg/data/__all_models.py": "pkg.data.__all_models",
    }


def test_a_regular_package_keeps_the_name_its_init_files_give_it(tmp_path):
    found = names(tmp_path, {"services/api/app/__init__.py": "", "services/api/app/models.py": ""})
    assert found["services/api/app/models.py"] == "app.models"


def test_a_folder_without_init_inside_a_package_is_its_subpackage(tmp_path):
    found = names(tmp_path, {"app/__init__.py": "", "app/models/__init__.py": "", "app/models/place/place.py": ""})
    assert found["app/models/place/place.py"] == "app.models.place.place"


def test_an_entry_points_folder_is_a_root_only_where_the_projects_imports_resolve_there(tmp_path):
    course = names(tmp_path / "a", {"site/app.py": "import site.data.users\n", "site/data/users.py": ""})
    assert course["site/data/users.py"] == "site.data.users"
    backend = names(
        tmp_path / "b",
        {"backend/__init__.py": "", "backend/main.py": "from db.session import x\n", "backend/db/__init__.py": "", "backend/db/session.py": ""},
    )
    assert backend["backend/db/session.py"] == "db.session"


def test_chapter_folders_of_one_repository_are_named_from_where_their_imports_resolve(tmp_path, run):
    root = tmp_path / "course"
    (root / ".git").mkdir(parents=True)
    for chapter in ("ch1/final", "ch-3/final"):
        data = root / chapter / "pkg/data"
        data.mkdir(parents=True)
        (data / "modelbase.py").write_text(BASE)
        (data / "users.py").write_text(model("User", "users", "from pkg.data.modelbase import Base"))
        (data / "audit.py").write_text(model("Audit", "audit", "from pkg.data.modelbase import Base"))
        (data / "__all_models.py").write_text("import pkg.data.users\n")
    out = run(["--no-cache", "--format", "json", root], cwd=root).json
    assert sorted((d["path"], d["code"], d["model"]) for d in out["diagnostics"]) == [
        ("ch-3/final/pkg/data/audit.py", "MR001", "pkg.data.audit.Audit"),
        ("ch1/final/pkg/data/audit.py", "MR001", "pkg.data.audit.Audit"),
    ]


def test_declared_roots_are_read_from_packaging_pytest_and_alembic(tmp_path):
    root = tmp_path / "proj"
    for d in ("lib", "tests_support", "migrations_root"):
        (root / d).mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = {"" = "lib"}\n\n[tool.pytest.ini_options]\npythonpath = ["tests_support"]\n'
    )
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nprepend_sys_path = migrations_root\n")
    roots = {os.path.relpath(r.path, root): r.reason for r in infer_roots(load(str(root)), [])}
    assert roots == {
        "lib": "setuptools package-dir",
        "tests_support": "pytest pythonpath",
        "migrations_root": "prepend_sys_path in alembic.ini",
        ".": "project directory",
    }


def test_configured_roots_win_over_every_inference(tmp_path):
    found = names(tmp_path, {"backend/db/session.py": "", "backend/__init__.py": ""}, pyproject='[tool.modelreg]\nroots = ["backend"]\n')
    assert found["backend/db/session.py"] == "db.session"
    # even over the evidence of the project's imports
    found = names(
        tmp_path / "b",
        {"site/app.py": "import site.data.users\n", "site/data/users.py": ""},
        pyproject='[tool.modelreg]\nroots = ["site"]\n',
    )
    assert found["site/data/users.py"] == "data.users"


def test_import_lines_are_read_without_parsing():
    assert import_lines(b"import a.b, c as d\nfrom e.f import (g, h as i)\n  from .rel import x\n") == [
        "a.b", "c", "e.f", "e.f.g", "e.f.h",
    ]


# -- resolution and existence ----------------------------------------------------------------------------


def graph_of(root: Path) -> ModuleGraph:
    cfg = load(str(root))
    mods, _, _ = name_modules(sorted(str(p) for p in root.rglob("*.py")), cfg)
    return ModuleGraph(cfg, mods)


def test_an_alembic_folder_without_init_does_not_hide_the_alembic_package(tmp_path, run):
    root = tmp_path / "proj"
    (root / "alembic").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "alembic/env.py").write_text("from alembic import context\n")
    graph = graph_of(root)
    env = graph.by_path[str(root / "alembic/env.py")]
    assert graph.find_module("alembic", env) == (None, False)  # the library's, not the project's


def test_a_regular_package_shadows_a_namespace_portion_of_the_same_name(tmp_path):
    root = tmp_path / "proj"
    for rel in ("src/app/__init__.py", "src/app/models.py", "app/scripts/tool.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")
    (root / "pyproject.toml").write_text("")
    graph = graph_of(root)
    tool = graph.by_path[str(root / "app/scripts/tool.py")]
    found, is_project = graph.find_module("app.models", tool)
    assert is_project and found is not None and found.path == str(root / "src/app/models.py")


@pytest.mark.parametrize(
    "leaf, form",
    [
        ("fast.py", "source"),
        ("fast.pyc", "sourceless"),
        ("fast.cpython-311-x86_64-linux-gnu.so", "extension"),
        ("fast.pyd", "extension"),
        ("fast/__init__.py", "source"),
        ("fast/x.py", "namespace"),
    ],
)
def test_a_module_exists_in_every_form_python_imports(tmp_path, leaf, form):
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "app/__init__.py").write_text("")
    (root / "app" / leaf).parent.mkdir(parents=True, exist_ok=True)
    (root / "app" / leaf).write_bytes(b"")
    graph = graph_of(root)
    near = graph.by_path[str(root / "app/__init__.py")]
    assert graph.form("app.fast", near) == form
    assert graph.form("app.gone", near) is None


def test_an_import_of_a_sourceless_module_is_not_stale_but_cannot_be_verified(tmp_path, run):
    layout = LAYOUTS["an optional add-on imported under try/except ImportError"]
    root = write(tmp_path / "proj", layout)
    (root / "app/__all_models.py").write_text("import app.alpha  # noqa: F401\nimport app.beta  # noqa: F401\nimport app.fast  # noqa: F401\n")
    (root / "app/fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    result = run(["--no-cache", root], cwd=root)
    assert result.out.splitlines() == [
        "app/__all_models.py:3:1: MR007 cannot verify what `app.fast` registers: it exists only as a compiled "
        "extension, and modelreg reads Python source only; `modelreg verify` imports it"
    ]


def test_an_import_of_an_excluded_module_is_not_stale(tmp_path, run):
    layout = LAYOUTS["an optional add-on imported under try/except ImportError"]
    root = write(tmp_path / "proj", layout)
    (root / "app/generated").mkdir()
    (root / "app/generated/models.py").write_text(model("Gen", "gen", "from app.base import Base"))
    (root / "app/__all_models.py").write_text(
        "import app.alpha  # noqa: F401\nimport app.beta  # noqa: F401\nimport app.generated.models  # noqa: F401\n"
    )
    (root / "pyproject.toml").write_text('[tool.modelreg]\nextend-exclude = ["generated"]\n')
    assert run(["--no-cache", root], cwd=root).out == ""


def test_a_missing_module_under_a_namespace_package_is_stale(tmp_path, run):
    layout = LAYOUTS["the Talk Python course: folders without __init__.py, absolute imports, the app beside them"]
    root = write(tmp_path / "proj", layout)
    (root / "pypi_org/data/__all_models.py").write_text("import pypi_org.data.users\nimport pypi_org.data.audit\nimport pypi_org.data.gone\n")
    out = run(["--no-cache", root], cwd=root).out.splitlines()
    assert [line.split(" ")[1] for line in out] == ["MR002"]
    assert "pypi_org.data.gone" in out[0]


# -- what Python would run: newer syntax, encodings, errors in skipped bodies --------------------------


def test_a_model_file_in_newer_syntax_is_read_whatever_python_runs_modelreg(tmp_path, run):
    layout = LAYOUTS["an optional add-on imported under try/except ImportError"]
    root = write(tmp_path / "proj", layout)
    (root / "app/gamma.py").write_text(
        'from app.base import Base\n\ntype Cents = int\nlabel = f"{"nested"}"\n\n\nclass Gamma[T](Base):\n    __tablename__ = "gamma"\n'
    )
    out = run(["--no-cache", "--format", "json", root], cwd=root).json
    assert sorted((d["code"], d["model"]) for d in out["diagnostics"]) == [
        ("MR001", "app.beta.Beta"),
        ("MR001", "app.gamma.Gamma"),
    ]


def test_a_syntax_error_inside_a_model_body_is_mr100_not_mr001(tmp_path, run):
    layout = LAYOUTS["an optional add-on imported under try/except ImportError"]
    root = write(tmp_path / "proj", layout)
    (root / "app/beta.py").write_text(model("Beta", "beta", "from app.base import Base") + "    name = sa.Column(sa.String(\n")
    result = run(["--no-cache", root], cwd=root)
    assert [line.split(" ")[:2] for line in result.out.splitlines()] == [["app/beta.py:9:31:", "MR100"]]
    fixed = run(["--fix", "--no-cache", root], cwd=root)
    assert (root / "app/__all_models.py").read_text() == layout.files["app/__all_models.py"]
    assert fixed.exit_code == 1


def test_a_model_like_class_whose_base_cannot_be_followed_is_said_not_passed(tmp_path, run):
    layout = LAYOUTS["an optional add-on imported under try/except ImportError"]
    root = write(tmp_path / "proj", layout)
    (root / "app/__all_models.py").write_text("import app.alpha  # noqa: F401\nimport app.beta  # noqa: F401\n")
    (root / "app/legacy.py").write_text(model("Legacy", "legacy", "from company_orm import Model", "Model"))
    (root / "app/mixins.py").write_text("import sqlalchemy as sa\n\n\nclass Stamped:\n    created = sa.Column(sa.DateTime)\n")
    out = run(["--no-cache", root], cwd=root).out.splitlines()
    assert out == [
        "app/legacy.py:6:7: MR007 cannot verify class Legacy (app.legacy), which looks like a model: its base "
        "`Model` (`company_orm.Model`) comes from outside the project and is no declarative base modelreg knows; "
        "name the base in `base = [...]` (or its folder in `roots = [...]`) under [tool.modelreg], or add "
        "`# noqa: MR007` if it is no SQLAlchemy model"
    ]
    configured = run(["--no-cache", root], cwd=root)  # the remedy the message names
    (root / "pyproject.toml").write_text('[tool.modelreg]\nbase = ["company_orm.Model"]\n')
    configured = run(["--no-cache", root], cwd=root)
    assert [line.split(" ")[1] for line in configured.out.splitlines()] == ["MR001"]


def test_a_module_name_is_one_of_the_modules_of_its_own_root():
    m = Module("/p/app/x.py", "app.x", "/p", False)
    assert m.package == "app"


def test_a_package_reached_through_a_symlink_keeps_the_name_the_registry_imports_it_by(tmp_path, run):
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "libs/shared_models").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "app/__init__.py").write_text("")
    (root / "app/base.py").write_text(BASE)
    (root / "app/__all_models.py").write_text("import app.models.user  # noqa: F401\n")
    (root / "libs/shared_models/__init__.py").write_text("")
    (root / "libs/shared_models/user.py").write_text(model("User", "users", "from app.base import Base"))
    (root / "libs/shared_models/order.py").write_text(model("Order", "orders", "from app.base import Base"))
    os.symlink("../libs/shared_models", root / "app/models")
    layout = Layout(files={}, sys_path=["."], registry="app.__all_models", everything=["app.models.user", "app.models.order"],
                    metadata="app.base:Base.metadata", models={"app.models.user.User": "users", "app.models.order.Order": "orders"})
    registered = tables_after_import(root, layout, [layout.registry])
    assert registered == ["users"]
    assert mr001(run, root) == {"app.models.order.Order"}  # once, by the name Python knows it under
    run(["--fix", "--no-cache", root], cwd=root)
    assert tables_after_import(root, layout, [layout.registry]) == ["orders", "users"]


def test_a_procfile_or_dockerfile_working_directory_is_a_root(tmp_path):
    root = tmp_path / "proj"
    (root / "backend/db").mkdir(parents=True)
    (root / "api/app").mkdir(parents=True)
    (root / "Procfile").write_text("web: cd backend && gunicorn main:app\n")
    (root / "Dockerfile").write_text("FROM python:3.12\nWORKDIR /srv\nCOPY ./api /srv\n")
    roots = {os.path.relpath(r.path, root): r.reason for r in infer_roots(load(str(root)), [])}
    assert roots["backend"] == "Procfile working directory"
    assert roots["api"] == "Dockerfile: copied to its WORKDIR"


def test_a_model_file_no_import_can_name_is_said_not_dropped(tmp_path, run):
    root = tmp_path / "proj"
    (root / "my-app/data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "my-app/data/users.py").write_text(model("User", "users", "from db import Base"))
    assert run(["--no-cache", root], cwd=root).out.splitlines() == [
        "my-app/data/users.py:6:7: MR007 cannot verify the models of my-app/data/users.py: no import can name "
        "this file (the folder `my-app` is no Python identifier); if it runs from a folder below, name that "
        "folder in `roots = [...]` under [tool.modelreg]"
    ]


def test_a_console_script_makes_the_folder_its_module_resolves_under_a_root(tmp_path):
    root = tmp_path / "proj"
    (root / "lib/tool").mkdir(parents=True)
    (root / "lib/tool/cli.py").write_text("")
    (root / "pyproject.toml").write_text('[project]\nname = "tool"\n\n[project.scripts]\ntool = "tool.cli:main"\n')
    roots = {os.path.relpath(r.path, root): r.reason for r in infer_roots(load(str(root)), [])}
    assert roots["lib"] == "console script tool = tool.cli:main"


# -- the code's imports decide (issue 26) ---------------------------------------------------------------


@dataclass
class Shape:
    """A project whose own imports say where it runs from while weaker evidence (packaging, Alembic's
    prepend_sys_path, a Dockerfile, a stray __init__.py) says otherwise; how it really runs (sys_path, the
    registry: a module or an env.py path, the model modules); and the folders a user may run modelreg in."""

    files: Dict[str, str]
    sys_path: List[str]
    registry: str
    everything: List[str]
    metadata: str
    models: Dict[str, str]  # dotted model -> table
    cwds: List[str]


def env_py(base_module: str) -> str:
    return f"from alembic import context  # noqa: F401\n\nfrom {base_module} import Base\n\ntarget_metadata = Base.metadata\n"


SHAPES = {
    "a Poetry package named like its folder, alembic.ini prepending that folder, a leftover no import uses": Shape(
        files={
            "pyproject.toml": '[tool.poetry]\nname = "backend"\nversion = "0.1.0"\n',
            "alembic.ini": "[alembic]\nscript_location = backend/alembic\nprepend_sys_path = backend\n",
            "backend/__init__.py": "",
            "backend/main.py": "from backend.routers.users import router  # noqa: F401\n",
            "backend/alembic/env.py": env_py("backend.db.database"),
            "backend/db/__init__.py": "from backend import models  # noqa: F401\n",
            "backend/db/database.py": BASE,
            "backend/models/__init__.py": "from backend.models.user import User  # noqa: F401\n",
            "backend/models/user.py": model("User", "users", "from backend.db.database import Base"),
            "backend/models/internship.py": model("Internship", "internships", "from backend.db.database import Base"),
            "backend/routers/__init__.py": "",
            "backend/routers/users.py": "from backend.models.user import User\n\nrouter = [User]\n",
        },
        sys_path=[".", "backend"],
        registry="backend/alembic/env.py",
        everything=["backend.models.user", "backend.models.internship"],
        metadata="backend.db.database:Base.metadata",
        models={"backend.models.user.User": "users", "backend.models.internship.Internship": "internships"},
        cwds=[".", "backend"],
    ),
    "an API run from inside backend/ (a Dockerfile's WORKDIR), a stray backend/__init__.py, no project marker": Shape(
        files={
            "Dockerfile.api": "FROM python:3.12\nWORKDIR /code\nCOPY ./backend /code\nCMD uvicorn main:app\n",
            "frontend/package.json": "{}\n",
            "backend/__init__.py": "",
            "backend/main.py": (
                "from db.base import Base  # noqa: F401\nfrom db.session import engine\n\n"
                "Base.metadata.create_all(bind=engine)\n"
            ),
            "backend/db/__init__.py": "",
            "backend/db/base_class.py": BASE,
            "backend/db/base.py": "from db.base_class import Base  # noqa: F401\nfrom models.item import Item  # noqa: F401\n",
            "backend/db/session.py": "import sqlalchemy as sa\n\nengine = sa.create_engine('sqlite://')\n",
            "backend/models/__init__.py": "",
            "backend/models/item.py": model("Item", "items", "from db.base_class import Base"),
            "backend/models/post.py": model("Post", "posts", "from db.base_class import Base"),
        },
        sys_path=["backend"],
        registry="db.base",
        everything=["models.item", "models.post"],
        metadata="db.base_class:Base.metadata",
        models={"models.item.Item": "items", "models.post.Post": "posts"},
        cwds=["backend", "."],
    ),
    "app/ without __init__.py holding regular packages, every import says app., main.py at the root": Shape(
        files={
            ".git/HEAD": "ref: refs/heads/main\n",
            "main.py": (
                "from app.db.base import Base\nfrom app.db.init_db import engine\nfrom app.api.routes import router  # noqa: F401\n\n"
                "Base.metadata.create_all(bind=engine)\n"
            ),
            "app/api/__init__.py": "",
            "app/api/routes.py": "from app.models.user import User\n\nrouter = [User]\n",
            "app/db/__init__.py": "",
            "app/db/init_db.py": BASE + "engine = __import__('sqlalchemy').create_engine('sqlite://')\n",
            "app/db/base.py": "from app.db.init_db import Base  # noqa: F401\nfrom app.models.user import User  # noqa: F401\n",
            "app/models/__init__.py": "",
            "app/models/user.py": model("User", "users", "from app.db.init_db import Base"),
            "app/models/admin.py": model("Admin", "admins", "from app.db.init_db import Base"),
        },
        sys_path=["."],
        registry="app.db.base",
        everything=["app.models.user", "app.models.admin"],
        metadata="app.db.init_db:Base.metadata",
        models={"app.models.user.User": "users", "app.models.admin.Admin": "admins"},
        cwds=[".", "app"],
    ),
    "the course's data/__all_models.py inside app/ of a Poetry repository, run from app/; a test says app.services": Shape(
        files={
            "pyproject.toml": '[tool.poetry]\nname = "url-shortener"\nversion = "0.1.0"\n',
            "pytest.ini": "[pytest]\naddopts = -ra\n",
            "conftest.py": "",
            "Dockerfile": "FROM python:3.11\nWORKDIR /app\nCOPY ./app /app\n",
            "app/__init__.py": "",
            "app/main.py": "import data.db_session  # noqa: F401\nfrom views import home_view  # noqa: F401\n",
            "app/data/__init__.py": "",
            "app/data/modelbase.py": "import sqlalchemy.orm as orm\n\nSqlAlchemyBase = orm.declarative_base()\n",
            "app/data/db_session.py": (
                "from data.modelbase import SqlAlchemyBase\n\n\ndef global_init(engine):\n"
                "    import data.__all_models  # noqa: F401\n\n    SqlAlchemyBase.metadata.create_all(engine)\n"
            ),
            "app/data/__all_models.py": "import data.link  # noqa: F401\n",
            "app/data/link.py": model("Link", "links", "from data.modelbase import SqlAlchemyBase", "SqlAlchemyBase"),
            "app/data/click.py": model("Click", "clicks", "from data.modelbase import SqlAlchemyBase", "SqlAlchemyBase"),
            "app/services/__init__.py": "",
            "app/services/shortener.py": "def true_ord(c):\n    return ord(c) - 48\n",
            "app/views/__init__.py": "",
            "app/views/home_view.py": "from services.shortener import true_ord  # noqa: F401\n",
            "test/unit/test_shortener.py": "from app.services import shortener\n\n\ndef test_digit():\n    assert shortener.true_ord('1') == 1\n",
        },
        sys_path=["app"],
        registry="data.__all_models",
        everything=["data.link", "data.click"],
        metadata="data.modelbase:SqlAlchemyBase.metadata",
        models={"data.link.Link": "links", "data.click.Click": "clicks"},
        cwds=["app", "."],
    ),
}

SHAPE_RUNS = [pytest.param(name, cwd, id=f"{name} - run in {cwd}") for name, shape in SHAPES.items() for cwd in shape.cwds]


def write_shape(root: Path, shape: Shape) -> Path:
    for rel, text in shape.files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.mark.parametrize("name, cwd", SHAPE_RUNS)
def test_the_folder_the_code_imports_from_names_the_models_wherever_modelreg_runs(tmp_path, run, name, cwd):
    shape = SHAPES[name]
    root = write_shape(tmp_path / "proj", shape)
    everything = tables_after_importing(root, shape.everything, shape.metadata, shape.sys_path)
    registered = tables_after_importing(root, [shape.registry], shape.metadata, shape.sys_path)
    assert everything == sorted(shape.models.values())
    missing = {m for m, table in shape.models.items() if table not in registered}
    assert len(missing) == 1
    result = run(["--format", "json", "--no-cache"], cwd=root / cwd)
    found = result.json["diagnostics"]
    assert [(d["code"], d["model"]) for d in found] == [("MR001", m) for m in missing], found
    assert result.exit_code == 1


@pytest.mark.parametrize("name, cwd", SHAPE_RUNS)
def test_the_fixed_registry_loads_every_table_wherever_modelreg_runs(tmp_path, run, name, cwd):
    shape = SHAPES[name]
    root = write_shape(tmp_path / "proj", shape)
    assert run(["--fix", "--no-cache"], cwd=root / cwd).exit_code == 0
    assert_fix_runs(root, shape.registry, shape.metadata, shape.everything, shape.models.values(), shape.sys_path)
    assert run(["--format", "json", "--no-cache"], cwd=root / cwd).json["diagnostics"] == []


def test_show_settings_says_which_imports_chose_a_root_and_what_they_overruled(tmp_path, run):
    shape = SHAPES["a Poetry package named like its folder, alembic.ini prepending that folder, a leftover no import uses"]
    root = write_shape(tmp_path / "proj", shape)
    out = run(["--show-settings", "--no-cache", "--format", "json"], cwd=root)
    rows = {r["path"]: r for r in json.loads(out.out)["resolved"]["import-roots-considered"]}
    chosen, leftover = rows["."], rows["backend"]
    assert chosen["names-modules"] and not leftover["names-modules"]
    assert chosen["imports-voting"] >= 5
    path, line = chosen["for-example"].rsplit(":", 1)
    example = (root / path).read_text().splitlines()[int(line) - 1]
    assert "backend." in example and example.lstrip().startswith(("from ", "import "))
    assert chosen["overrules"] == ["backend (prepend_sys_path in alembic.ini) for backend, backend/db, backend/models and 1 more"]
    assert "imports-voting" not in leftover


def test_a_library_name_does_not_vote_for_a_namespace_folder_of_that_name(tmp_path):
    found = names(
        tmp_path,
        {
            "backend/__init__.py": "",
            "backend/db/__init__.py": "",
            "backend/db/base.py": "",
            "backend/alembic/env.py": "from alembic import context\nimport alembic.op\nfrom backend.db.base import Base\n",
        },
        pyproject='[tool.pytest.ini_options]\npythonpath = ["backend"]\n',
    )
    assert found["backend/alembic/env.py"] == "backend.alembic.env"


def test_the_library_running_env_py_does_not_vote_for_a_project_package_of_its_name(tmp_path, run):
    # Alembic runs env.py with the alembic package already imported: `from alembic import context` finds
    # the library even where backend/alembic/__init__.py exists and alembic.ini prepends backend/
    shape = SHAPES["a Poetry package named like its folder, alembic.ini prepending that folder, a leftover no import uses"]
    files = {**shape.files, "backend/alembic/__init__.py": ""}
    root = write_shape(tmp_path / "proj", Shape(files, *[getattr(shape, f) for f in ("sys_path", "registry", "everything", "metadata", "models", "cwds")]))
    assert tables_after_importing(root, [shape.registry], shape.metadata, shape.sys_path) == ["users"]
    found = run(["--format", "json", "--no-cache"], cwd=root).json["diagnostics"]
    assert [(d["code"], d["model"]) for d in found] == [("MR001", "backend.models.internship.Internship")], found
