"""Issue 27, point 5: an import by computed name modelreg cannot follow does not silence MR001 for the
models it cannot load. Python (a fresh interpreter, real SQLAlchemy) says what the registry loads; modelreg
must report MR001 for exactly the models outside what the computed import could load, and MR006 once,
naming what it could load."""

from __future__ import annotations

import pytest

from conftest import assert_fix_runs, tables_after_importing

pytestmark = pytest.mark.usefixtures("keeps_invariants")


def model(cls: str, table: str, extra: str = "") -> str:
    return (
        f"import sqlalchemy as sa\n{extra}from pkg.db import Base\n\n\n"
        f"class {cls}(Base):\n    __tablename__ = {table!r}\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


LOOP = 'for name in os.environ.get("PKG_PLUGINS", "alpha,beta").split(","):\n    importlib.import_module({arg})\n'
FORMS = {
    "an f-string": ("import importlib\nimport os\n\nimport pkg.models.user\n\n" + LOOP.format(arg='f"pkg.plugins.{name}"'), ""),
    "a + of a literal": ("import importlib\nimport os\n\nimport pkg.models.user\n\n" + LOOP.format(arg='"pkg.plugins." + name'), ""),
    "a relative name against the package": (
        "import pkg.models.user\nimport pkg.plugins\n",
        "import importlib\nimport os\n\n" + LOOP.format(arg='f".{name}", package=__name__'),
    ),
}


def project(registry: str, plugins_init: str):
    return {
        "pkg/__init__.py": "",
        "pkg/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "pkg/models/__init__.py": "",
        "pkg/models/user.py": model("User", "users"),
        "pkg/models/shared.py": model("Shared", "shared"),  # only a plugin imports it
        "pkg/models/audit.py": model("Audit", "audit"),  # nothing imports it
        "pkg/plugins/__init__.py": plugins_init,
        "pkg/plugins/alpha.py": model("Alpha", "alpha", "import pkg.models.shared\n"),
        "pkg/plugins/beta.py": model("Beta", "beta"),
        "pkg/__all_models.py": registry,
    }


@pytest.mark.parametrize("form", FORMS)
def test_mr001_is_reported_for_the_models_a_computed_import_cannot_load(tree, run, form):
    root = tree(project(*FORMS[form]))
    loaded = tables_after_importing(root, ["pkg.__all_models"], "pkg.db:Base.metadata")
    assert loaded == ["alpha", "beta", "shared", "users"]  # Python: audit is the one table nothing loads
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    diags = result.json["diagnostics"]
    assert [d["model"] for d in diags if d["code"] == "MR001"] == ["pkg.models.audit.Audit"]
    (mr006,) = [d for d in diags if d["code"] == "MR006"]
    assert "could load the modules named `pkg.plugins.*` and what they import" in mr006["message"]
    assert "pkg.models.shared.Shared, pkg.plugins.alpha.Alpha, pkg.plugins.beta.Beta" in mr006["message"]
    assert {d["code"] for d in diags} == {"MR001", "MR006"}
    fixed = run(["--fix", "--no-cache", root], cwd=root)
    assert fixed.exit_code == 1  # MR006 stays: the plugins' coverage is still not verifiable statically
    assert "import pkg.models.audit" in (root / "pkg/__all_models.py").read_text()
    tables = ["alpha", "audit", "beta", "shared", "users"]
    assert_fix_runs(root, "pkg.__all_models", "pkg.db:Base.metadata", ["pkg.models.audit"], tables=tables)


def test_a_name_of_which_nothing_is_known_could_load_any_model_and_is_said_once(tree, run):
    registry = "import importlib\nimport os\n\nimport pkg.models.user\n\nimportlib.import_module(os.environ['PKG_MODELS'])\n"
    root = tree(project(registry, ""))
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    diags = result.json["diagnostics"]
    assert [d["code"] for d in diags] == ["MR006"]
    assert "nothing of the name is known, so it could load any module" in diags[0]["message"]
