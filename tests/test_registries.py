"""Points 7 and 8: which modules are registries, and what it means for a registry to register a model."""

from __future__ import annotations

import os

import pytest

import modelreg
from conftest import import_in_subprocess

pytestmark = pytest.mark.usefixtures("keeps_invariants")  # issue 27: every tree keeps the invariants

DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
TABLES = "from pkg.db import Base; print(' '.join(sorted(Base.metadata.tables)) or '-')"


def model(*names: str, base_module: str = "pkg.db") -> str:
    out = f"from {base_module} import Base\nfrom sqlalchemy import Column, Integer\n"
    for n in names:
        out += f"\n\nclass {n}(Base):\n    __tablename__ = {n.lower()!r}\n    id = Column(Integer, primary_key=True)\n"
    return out


def findings(root, require=None):
    report = modelreg.check([str(root)], require=require)
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.column, d.model)
        for d in report.diagnostics
    ]


def unregistered(root, require=None):
    """Dotted names of the models reported by MR001."""
    return [m for code, _, _, _, m in findings(root, require) if code == "MR001"]


def runtime_tables(root, registry="pkg.__all_models"):
    return import_in_subprocess(root, registry, TABLES).split()


# pkg/models/{user,order}.py, pkg/audit.py: three model modules; the registry is added per test.
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/models/__init__.py": "",
    "pkg/models/user.py": model("User"),
    "pkg/models/order.py": model("Order", "OrderLine"),
    "pkg/audit.py": model("Audit"),
}


# -- point 7: registries -----------------------------------------------------------------------


def test_without_config_every_all_models_file_is_the_registry_of_its_import_root(tree, run):
    root = tree({**PROJECT, "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\n"})
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]
    data = run(["models", "--format", "json", root], cwd=root).json
    assert [(r["path"], r["module"]) for r in data["registries"]] == [("pkg/__all_models.py", "pkg.__all_models")]


def test_models_that_no_registry_governs_get_no_mr001(tree, run):
    root = tree(PROJECT)
    assert [code for code, *_ in findings(root) if code == "MR001"] == []
    data = run(["models", "--format", "json", root], cwd=root).json
    assert [r for r in data["registries"] if r["module"] is not None] == []
    assert {(m["name"], m["registered"]) for m in data["models"]} == {
        ("User", False), ("Order", False), ("OrderLine", False), ("Audit", False)}


def test_a_registry_governs_only_the_models_of_its_own_import_root(tree, run):
    root = tree({
        **PROJECT, "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\nimport pkg.audit\n",
        # a second, independent import root whose registry forgets its model
        "tools/other/__init__.py": "", "tools/other/db.py": DB, "tools/other/__all_models.py": "",
        "tools/other/thing.py": model("Thing", base_module="other.db"),
    })
    assert findings(root) == [("MR001", "tools/other/thing.py", 5, 7, "other.thing.Thing")]
    report = modelreg.check([str(root)])
    assert report.diagnostics[0].registry == str(root / "tools" / "other" / "__all_models.py")
    data = run(["models", "--format", "json", root], cwd=root).json
    assert {m["name"]: m["registry"] for m in data["models"]}["Thing"] == "tools/other/__all_models.py"
    assert {m["name"]: m["registry"] for m in data["models"]}["User"] == "pkg/__all_models.py"


def test_two_registries_in_one_import_root_both_govern_its_models(tree):
    root = tree({
        **PROJECT, "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\n",
        "pkg/extra/__init__.py": "", "pkg/extra/__all_models.py": "import pkg.audit\n",
    })
    assert findings(root) == []


def test_config_registry_names_the_registry_file(tree, run):
    root = tree(
        {**PROJECT, "pkg/base.py": "from pkg.db import Base  # noqa\nfrom pkg.models.user import User  # noqa\n"},
        pyproject='[tool.modelreg]\nregistry = "pkg/base.py"\n',
    )
    assert unregistered(root) == ["pkg.audit.Audit", "pkg.models.order.Order", "pkg.models.order.OrderLine"]
    data = run(["models", "--format", "json", root], cwd=root).json
    assert [(r["path"], r["module"]) for r in data["registries"]] == [("pkg/base.py", "pkg.base")]


def test_config_registry_list_names_several_registries_and_any_of_them_registers(tree, run):
    root = tree(
        {**PROJECT, "pkg/reg_a.py": "import pkg.models.user\n", "pkg/reg_b.py": "import pkg.audit\n"},
        pyproject='[tool.modelreg]\nregistry = ["pkg/reg_a.py", "pkg/reg_b.py"]\n',
    )
    assert findings(root) == [
        ("MR001", "pkg/models/order.py", 5, 7, "pkg.models.order.Order"),
        ("MR001", "pkg/models/order.py", 10, 7, "pkg.models.order.OrderLine"),
    ]
    data = run(["models", "--format", "json", root], cwd=root).json
    assert [r["path"] for r in data["registries"]] == ["pkg/reg_a.py", "pkg/reg_b.py"]


def test_a_configured_registry_replaces_discovery(tree, run):
    root = tree(
        {**PROJECT, "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\nimport pkg.audit\n",
         "pkg/base.py": "import pkg.models.user\n"},
        pyproject='[tool.modelreg]\nregistry = "pkg/base.py"\n',
    )
    # __all_models.py imports everything, but it is now an ordinary module nobody imports
    assert unregistered(root) == ["pkg.audit.Audit", "pkg.models.order.Order", "pkg.models.order.OrderLine"]
    data = run(["models", "--format", "json", root], cwd=root).json
    assert [r["path"] for r in data["registries"]] == ["pkg/base.py"]
    assert {m["registry"] for m in data["models"]} == {"pkg/base.py"}


def test_the_config_is_found_by_walking_up_from_the_first_path(tree, run):
    root = tree(
        {**PROJECT, "pkg/base.py": "import pkg.models.user\nimport pkg.models.order\n"},
        pyproject='[tool.modelreg]\nregistry = "pkg/base.py"\n',
    )
    result = run([root / "pkg" / "audit.py"], cwd=root / "pkg" / "models")
    assert result.exit_code == 1
    assert result.out.startswith("../audit.py:5:7: MR001 model Audit (pkg.audit) is not registered: pkg/base.py")


def test_the_nearest_pyproject_with_a_modelreg_table_wins(tree):
    root = tree(
        {**PROJECT, "pkg/base.py": "import pkg.models.user\n",
         "sub/pyproject.toml": '[tool.modelreg]\nregistry = "app/reg.py"\n',
         "sub/app/__init__.py": "", "sub/app/db.py": DB, "sub/app/reg.py": "import app.m\n",
         "sub/app/m.py": model("M", base_module="app.db"), "sub/app/n.py": model("N", base_module="app.db")},
        pyproject='[tool.modelreg]\nregistry = "pkg/base.py"\n',
    )
    report = modelreg.check([str(root / "sub")])
    assert report.root == str(root / "sub")
    assert [(d.code, d.model) for d in report.diagnostics] == [("MR001", "app.n.N")]


# -- point 8: require = "reachable" (the default) ------------------------------------------------


def test_reachable_follows_a_chain_of_module_level_imports(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": "from pkg import wiring\n",
        "pkg/wiring.py": "import pkg.models\nfrom .audit import Audit\n",
        "pkg/models/__init__.py": "from . import user\nfrom .order import *\n",
    })
    assert findings(root) == []


def test_reachable_counts_the_parent_package_init_that_python_runs_first(tree):
    root = tree({
        **PROJECT,
        "pkg/models/__init__.py": "from . import order\n",
        "pkg/__all_models.py": "import pkg.models.user\n",
    })
    # importing pkg.models.user runs pkg/models/__init__.py, which imports order
    assert unregistered(root) == ["pkg.audit.Audit"]
    assert unregistered(root, require="module") == [
        "pkg.audit.Audit", "pkg.models.order.Order", "pkg.models.order.OrderLine"]
    assert runtime_tables(root) == ["order", "orderline", "user"]


def test_reachable_counts_the_registrys_own_parent_packages(tree):
    root = tree({
        **PROJECT,
        "pkg/__init__.py": "from pkg import audit\n",
        "pkg/data/__init__.py": "from pkg.models import order\n",
        "pkg/data/__all_models.py": "import pkg.models.user\n",
    })
    assert findings(root) == []


def test_reachable_breaks_the_moment_a_link_of_the_chain_is_removed(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": "from pkg import wiring\nimport pkg.audit\n",
        "pkg/wiring.py": "import pkg.models.user\n# import pkg.models.order\n",
    })
    assert findings(root) == [
        ("MR001", "pkg/models/order.py", 5, 7, "pkg.models.order.Order"),
        ("MR001", "pkg/models/order.py", 10, 7, "pkg.models.order.OrderLine"),
    ]


def test_a_model_imported_only_under_type_checking_is_unregistered(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": (
            "from typing import TYPE_CHECKING\nimport pkg.models.user\nimport pkg.models.order\n\n"
            "if TYPE_CHECKING:\n    import pkg.audit\n"
        ),
    })
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]
    assert runtime_tables(root) == ["order", "orderline", "user"]


def test_a_type_checking_import_further_down_the_chain_does_not_count_either(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\n",
        "pkg/models/user.py": model("User") + "\nimport typing\nif typing.TYPE_CHECKING:\n    from pkg.audit import Audit\n",
    })
    assert unregistered(root) == ["pkg.audit.Audit"]


def test_an_import_inside_a_function_does_not_count(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": (
            "import pkg.models.user\nimport pkg.models.order\n\n\n"
            "def load_audit():\n    import pkg.audit\n"
        ),
    })
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]
    assert runtime_tables(root) == ["order", "orderline", "user"]


def test_an_import_inside_a_function_called_at_module_level_counts(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": (
            "import pkg.models.user\nimport pkg.models.order\n\n\n"
            "def load_audit():\n    import pkg.audit\n\n\nload_audit()\n"
        ),
    })
    assert findings(root) == []


def test_an_import_under_the_main_guard_does_not_count(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": (
            "import pkg.models.user\nimport pkg.models.order\n\n"
            "if __name__ == '__main__':\n    import pkg.audit\n"
        ),
    })
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_an_import_inside_try_and_class_bodies_counts(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": (
            "try:\n    import pkg.models.user\nexcept ImportError:\n    pass\n\n\n"
            "class Registry:\n    import pkg.models.order\n\n\nwith open(__file__):\n    import pkg.audit\n"
        ),
    })
    assert findings(root) == []


def test_an_import_cycle_through_the_registry_terminates(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": "import pkg.models.user\nimport pkg.models.order\n",
        "pkg/models/user.py": model("User") + "import pkg.__all_models\n",
    })
    assert unregistered(root) == ["pkg.audit.Audit"]


# -- point 8: require = "module" -----------------------------------------------------------------

MODULE_FORMS = {
    "import a.b.m": ("pkg/__all_models.py", "import pkg.models.order\n"),
    "import a.b.m as x": ("pkg/__all_models.py", "import pkg.models.order as order_models\n"),
    "from a.b import m": ("pkg/__all_models.py", "from pkg.models import order\n"),
    "from . import m, n": ("pkg/models/__all_models.py", "from . import user, order\n"),
    "from .m import X": ("pkg/models/__all_models.py", "from .order import Order\n"),
    "from a.b.m import *": ("pkg/__all_models.py", "from pkg.models.order import *\n"),
}


@pytest.mark.parametrize("form", sorted(MODULE_FORMS))
def test_module_mode_accepts_each_import_form_of_the_defining_module(tree, form):
    path, source = MODULE_FORMS[form]
    root = tree({**PROJECT, path: source}, pyproject='[tool.modelreg]\nrequire = "module"\n')
    missing = unregistered(root)
    # importing the module registers both of its models; audit is never imported
    assert "pkg.models.order.Order" not in missing and "pkg.models.order.OrderLine" not in missing
    assert "pkg.audit.Audit" in missing


def test_module_mode_accepts_a_model_named_through_a_package_that_re_exports_it(tree):
    root = tree(
        {**PROJECT, "pkg/models/__init__.py": "from .user import User\nfrom .order import Order, OrderLine\n",
         "pkg/__all_models.py": "from pkg.models import User, Order\n"},
        pyproject='[tool.modelreg]\nrequire = "module"\n',
    )
    # naming Order registers its defining module, and OrderLine with it
    assert unregistered(root) == ["pkg.audit.Audit"]


def test_module_mode_rejects_a_model_only_reachable_through_another_module(tree):
    root = tree(
        {**PROJECT, "pkg/models/__init__.py": "from . import user, order\n",
         "pkg/__all_models.py": "import pkg.models\nimport pkg.audit\n"},
        pyproject='[tool.modelreg]\nrequire = "module"\n',
    )
    assert findings(root) == [
        ("MR001", "pkg/models/order.py", 5, 7, "pkg.models.order.Order"),
        ("MR001", "pkg/models/order.py", 10, 7, "pkg.models.order.OrderLine"),
        ("MR001", "pkg/models/user.py", 5, 7, "pkg.models.user.User"),
    ]
    # the same project is clean under the default: Python does load every table
    assert findings(root, require="reachable") == []
    assert runtime_tables(root) == ["audit", "order", "orderline", "user"]


def test_module_mode_ignores_type_checking_imports_in_the_registry(tree):
    root = tree(
        {**PROJECT, "pkg/__all_models.py": (
            "from typing import TYPE_CHECKING\nimport pkg.models.user\nimport pkg.models.order\n"
            "if TYPE_CHECKING:\n    import pkg.audit\n")},
        pyproject='[tool.modelreg]\nrequire = "module"\n',
    )
    assert unregistered(root) == ["pkg.audit.Audit"]


# -- point 8: require = "class" ------------------------------------------------------------------


def test_class_mode_requires_every_model_class_to_be_named(tree):
    root = tree(
        {**PROJECT, "pkg/__all_models.py": "from pkg.models.user import User\nfrom pkg.models.order import Order\n"
                                           "from pkg.audit import Audit\n"},
        pyproject='[tool.modelreg]\nrequire = "class"\n',
    )
    assert findings(root) == [("MR001", "pkg/models/order.py", 10, 7, "pkg.models.order.OrderLine")]
    assert unregistered(root, require="module") == []


@pytest.mark.parametrize("statement", [
    "import pkg.models.order",
    "from pkg.models import order",
    "from pkg.models.order import *",
    "from pkg.models.order import Order, OrderLine",
])
def test_class_mode_accepts_naming_each_class_or_importing_the_whole_module(tree, statement):
    root = tree(
        {**PROJECT, "pkg/__all_models.py": f"from pkg.models.user import User\nfrom pkg.audit import Audit\n{statement}\n"},
        pyproject='[tool.modelreg]\nrequire = "class"\n',
    )
    assert findings(root) == []


def test_class_mode_accepts_a_class_named_through_a_re_exporting_package(tree):
    root = tree(
        {**PROJECT, "pkg/models/__init__.py": "from .user import User\nfrom .order import Order, OrderLine\n",
         "pkg/__all_models.py": "from pkg.models import User, Order\nfrom pkg.audit import Audit\n"},
        pyproject='[tool.modelreg]\nrequire = "class"\n',
    )
    assert unregistered(root) == ["pkg.models.order.OrderLine"]


def test_the_require_option_overrides_the_config(tree, run):
    root = tree(
        {**PROJECT, "pkg/models/__init__.py": "from . import user, order\n",
         "pkg/__all_models.py": "import pkg.models\nimport pkg.audit\n"},
        pyproject='[tool.modelreg]\nrequire = "module"\n',
    )
    assert run([root], cwd=root).exit_code == 1
    result = run(["--require", "reachable", root], cwd=root)
    assert (result.exit_code, result.out) == (0, "")
    result = run(["check", "--require=class", root], cwd=root)
    assert result.exit_code == 1
    assert result.codes() == ["MR001"] * 3


# -- point 8: dynamic registries ---------------------------------------------------------------

ITER_MODULES = """
import importlib
import pkgutil

import pkg.models

for _, name, _ in pkgutil.iter_modules(pkg.models.__path__):
    importlib.import_module(f"pkg.models.{name}")
"""


def test_a_pkgutil_iter_modules_loop_imports_every_module_of_the_package(tree):
    root = tree({**PROJECT, "pkg/__all_models.py": ITER_MODULES})
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


@pytest.mark.parametrize("require", ["reachable", "module", "class"])
def test_a_pkgutil_loop_counts_in_every_mode(tree, require):
    root = tree({**PROJECT, "pkg/__all_models.py": ITER_MODULES + "import pkg.audit\n"})
    assert findings(root, require=require) == []


def test_iter_modules_does_not_descend_into_subpackages_but_walk_packages_does(tree):
    files = {**PROJECT, "pkg/models/deep/__init__.py": "", "pkg/models/deep/invoice.py": model("Invoice"),
             "pkg/__all_models.py": ITER_MODULES + "import pkg.audit\n"}
    root = tree(files)
    assert unregistered(root) == ["pkg.models.deep.invoice.Invoice"]
    assert runtime_tables(root) == ["audit", "order", "orderline", "user"]

    walk = (
        "import importlib\nimport pkgutil\n\nimport pkg.audit\nimport pkg.models as models\n\n"
        "for info in pkgutil.walk_packages(models.__path__, models.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
    )
    (root / "pkg" / "__all_models.py").write_text(walk)
    assert findings(root) == []
    assert runtime_tables(root) == ["audit", "invoice", "order", "orderline", "user"]


def test_a_pkgutil_loop_over_the_registrys_own_package_path(tree):
    root = tree({
        **PROJECT,
        "pkg/models/__init__.py": (
            "import importlib\nimport pkgutil\n\n"
            "for m in pkgutil.iter_modules(__path__):\n    importlib.import_module('.' + m.name, __name__)\n"
        ),
        "pkg/__all_models.py": "import pkg.models\nimport pkg.audit\n",
    })
    assert findings(root) == []


def test_an_import_module_call_with_a_literal_name_counts_as_an_import(tree):
    root = tree({**PROJECT, "pkg/__all_models.py": (
        "import importlib\nimport pkg.models.user\nimport pkg.models.order\nimportlib.import_module('pkg.audit')\n")})
    assert findings(root) == []


@pytest.mark.parametrize("source, line", [
    ("import importlib\nimport os\n\nfor name in os.environ.get('MODELS', '').split(','):\n"
     "    importlib.import_module(name)\n", 5),
    ("import os\n\nfor name in os.environ.get('MODELS', '').split(','):\n    __import__(name)\n", 4),
])
def test_a_registry_with_computed_imports_gets_one_mr006_and_no_mr001(tree, source, line):
    root = tree({**PROJECT, "pkg/__all_models.py": source})
    assert findings(root) == [("MR006", "pkg/__all_models.py", line, 5, None)]
    report = modelreg.check([str(root)])
    assert "cannot be verified statically" in report.diagnostics[0].message
    assert "pkg/__all_models.py" in report.diagnostics[0].message


def test_an_mr006_registry_does_not_silence_other_registries(tree):
    root = tree({
        **PROJECT,
        "pkg/__all_models.py": "import importlib, sys\nimportlib.import_module(sys.argv[1])\n",
        "tools/other/__init__.py": "", "tools/other/db.py": DB, "tools/other/__all_models.py": "",
        "tools/other/thing.py": model("Thing", base_module="other.db"),
    })
    assert findings(root) == [
        ("MR006", "pkg/__all_models.py", 2, 1, None),
        ("MR001", "tools/other/thing.py", 5, 7, "other.thing.Thing"),
    ]


def test_computed_imports_inside_an_uncalled_function_are_not_mr006(tree):
    root = tree({**PROJECT, "pkg/__all_models.py": (
        "import importlib\nimport pkg.models.user\nimport pkg.models.order\n\n\n"
        "def load(name):\n    return importlib.import_module(name)\n")})
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


# -- a module that gathers the models (the FastAPI template's app/db/base.py), nothing else loading them --

GATHERED = {
    "main.py": "from app.api import router\n",
    "app/api/__init__.py": "from app.models.user import User\n\nrouter = [User]\n",
    "app/db/__init__.py": "",
    "app/db/session.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    # "import all the models, so that Base has them before being imported by Alembic"
    "app/db/base.py": "from app.db.session import Base  # noqa: F401\nfrom app.models.user import User  # noqa: F401\n",
    "app/models/__init__.py": "",
    "app/models/user.py": model("User", base_module="app.db.session"),
    "app/models/admin.py": model("Admin", base_module="app.db.session"),
}


def test_an_import_only_module_binding_the_base_and_importing_its_models_is_their_registry(tree, run):
    root = tree(GATHERED)
    assert findings(root) == [("MR001", "app/models/admin.py", 5, 7, "app.models.admin.Admin")]
    # the oracle: importing that module registers exactly what modelreg says
    tables = "from app.db.session import Base; print(' '.join(sorted(Base.metadata.tables)) or '-')"
    assert import_in_subprocess(root, "app.db.base", tables).split() == ["user"]
    assert "registry app/db/base.py (app.db.base): found by gathers models" in run(["models", str(root)]).out
    run(["--fix", str(root)])
    assert (root / "app/db/base.py").read_text().count("import") == 3
    assert import_in_subprocess(root, "app.db.base", tables).split() == ["admin", "user"]
    assert findings(root) == []


@pytest.mark.parametrize(
    "change",
    [
        {"app/db/base.py": GATHERED["app/db/base.py"] + "\nprint('it runs code')\n"},
        {"app/db/base.py": GATHERED["app/db/base.py"] + "\n\ndef helper():\n    pass\n"},
        {"app/db/base.py": "from app.models.user import User  # noqa: F401\n"},  # does not bind the base
        {"app/db/base.py": "from app.db.session import Base  # noqa: F401\n"},  # re-exports the base only
        {"app/db/base.py": None, "tests/base.py": GATHERED["app/db/base.py"]},  # only a test gathers them
        {"app/db/other.py": GATHERED["app/db/base.py"]},  # two gather as many: no guess
    ],
    ids=["it runs code", "it defines a function", "no base", "no model", "only in tests", "two alike"],
)
def test_a_module_that_is_not_plainly_a_gathering_of_the_models_is_no_registry(tree, change):
    files = dict(GATHERED)
    files.update(change)
    root = tree({k: v for k, v in files.items() if v is not None})
    assert [code for code, *_ in findings(root)] == ["MR004"]
