"""Points 3 and 4: which files make up the project, and the module name each one is imported under."""

from __future__ import annotations

import os

import modelreg
from conftest import import_in_subprocess, write_tree

BASE = """
from sqlalchemy.orm import declarative_base
Base = declarative_base()
"""


def model(name: str, table: str, base_module: str = "pkg.db") -> str:
    return f"from {base_module} import Base\nfrom sqlalchemy import Column, Integer\n\n\nclass {name}(Base):\n    __tablename__ = {table!r}\n    id = Column(Integer, primary_key=True)\n"


def findings(root, *paths):
    """(code, path relative to root, line, column, model) of every diagnostic, through the API."""
    report = modelreg.check([str(p) for p in paths] or [str(root)])
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.column, d.model)
        for d in report.diagnostics
    ]


def inventory(run, root, *args):
    result = run(["models", "--format", "json", *(args or [root])], cwd=root)
    assert result.exit_code == 0, result.err
    return result.json


def module_names(run, root):
    return {(m["path"], m["module"]) for m in inventory(run, root)["models"]}


# A project with a registry that imports only `users`: any other model file it analyzes is reported.
REGISTERED_USERS = {
    "pkg/__init__.py": "",
    "pkg/db.py": BASE,
    "pkg/users.py": model("User", "users"),
    "pkg/__all_models.py": "import pkg.users\n",
}


# -- point 3: files ----------------------------------------------------------------------------


def test_every_python_file_below_the_project_root_is_analyzed(tree):
    root = tree({**REGISTERED_USERS, "pkg/deep/er/__init__.py": "", "pkg/deep/__init__.py": "",
                 "pkg/deep/er/audit.py": model("Audit", "audit")})
    assert findings(root) == [("MR001", "pkg/deep/er/audit.py", 5, 7, "pkg.deep.er.audit.Audit")]
    assert modelreg.check([str(root)]).files == 7


def test_the_default_path_is_the_current_directory(tree, run):
    root = tree({**REGISTERED_USERS, "pkg/audit.py": model("Audit", "audit")})
    result = run([], cwd=root)
    assert result.exit_code == 1
    assert result.out.startswith("pkg/audit.py:5:7: MR001 ")


def test_a_gitignored_model_file_is_not_analyzed(tree):
    root = tree({**REGISTERED_USERS, ".gitignore": "pkg/generated.py\n",
                 "pkg/generated.py": model("Generated", "generated"), "pkg/audit.py": model("Audit", "audit")})
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_a_gitignored_directory_is_not_analyzed(tree):
    root = tree({**REGISTERED_USERS, ".gitignore": "# scratch work\nscratch/\n",
                 "scratch/pkg/__init__.py": "", "scratch/pkg/__all_models.py": "",
                 "scratch/pkg/db.py": BASE, "scratch/pkg/old.py": model("Old", "old")})
    assert findings(root) == []


def test_a_nested_gitignore_applies_to_its_own_directory_only(tree):
    root = tree({**REGISTERED_USERS, "pkg/.gitignore": "audit.py\n",
                 "pkg/audit.py": model("Audit", "audit"),
                 "other/__init__.py": "", "other/db.py": BASE.replace("Base", "Base"),
                 "other/audit.py": model("Audit", "audit", "other.db"), "other/__all_models.py": ""})
    assert findings(root) == [("MR001", "other/audit.py", 5, 7, "other.audit.Audit")]


def test_a_gitignore_negation_brings_a_file_back(tree):
    root = tree({**REGISTERED_USERS, ".gitignore": "pkg/*.py\n!pkg/__init__.py\n!pkg/db.py\n!pkg/users.py\n"
                 "!pkg/__all_models.py\n!pkg/audit.py\n",
                 "pkg/audit.py": model("Audit", "audit"), "pkg/tmp.py": model("Tmp", "tmp")})
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_the_git_directory_is_never_analyzed(tree):
    root = tree({**REGISTERED_USERS, ".git/hooks/pkg/__init__.py": "", ".git/hooks/pkg/db.py": BASE,
                 ".git/hooks/pkg/audit.py": model("Audit", "audit"), ".git/hooks/pkg/__all_models.py": ""})
    assert findings(root) == []


def test_a_directory_holding_pyvenv_cfg_is_skipped_whatever_its_name(tree):
    site = "my-env/lib/python3.11/site-packages"
    root = tree({**REGISTERED_USERS, "my-env/pyvenv.cfg": "home = /usr/bin\n",
                 "my-env/pkg/__init__.py": "", "my-env/pkg/db.py": BASE,
                 "my-env/pkg/audit.py": model("Audit", "audit"), "my-env/pkg/__all_models.py": "",
                 f"{site}/lib/__init__.py": "", f"{site}/lib/db.py": BASE,
                 f"{site}/lib/m.py": model("M", "m", "lib.db"), f"{site}/lib/__all_models.py": ""})
    assert findings(root) == []
    assert modelreg.check([str(root)]).files == 4


def test_a_directory_named_like_a_venv_without_pyvenv_cfg_is_analyzed(tree):
    root = tree({**REGISTERED_USERS, "env/pkg2/__init__.py": "", "env/pkg2/__all_models.py": "",
                 "env/pkg2/db.py": BASE, "env/pkg2/audit.py": model("Audit", "audit", "pkg2.db")})
    assert findings(root) == [("MR001", "env/pkg2/audit.py", 5, 7, "pkg2.audit.Audit")]


def test_node_modules_pycache_build_dist_and_site_packages_are_skipped(tree):
    files = dict(REGISTERED_USERS)
    for d in ("node_modules", "__pycache__", "build", "dist", "site-packages", "pkg/build", "a/b/dist"):
        files[f"{d}/x/__init__.py"] = ""
        files[f"{d}/x/db.py"] = BASE
        files[f"{d}/x/audit.py"] = model("Audit", "audit", "x.db")
        files[f"{d}/x/__all_models.py"] = ""
    root = tree(files)
    assert findings(root) == []
    assert modelreg.check([str(root)]).files == 4


def test_extend_exclude_adds_root_relative_gitignore_patterns_to_the_defaults(tree):
    root = tree(
        {**REGISTERED_USERS, "pkg/legacy/__init__.py": "", "pkg/legacy/old.py": model("Old", "old"),
         "pkg/audit.py": model("Audit", "audit"), "build/x.py": model("Built", "built")},
        pyproject='[tool.modelreg]\nextend-exclude = ["pkg/legacy/"]\n',
    )
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_an_anchored_exclude_pattern_matches_only_from_the_project_root(tree):
    root = tree(
        {**REGISTERED_USERS, "pkg/audit.py": model("Audit", "audit"),
         "sub/pkg/__init__.py": "", "sub/pkg/db.py": BASE, "sub/pkg/__all_models.py": "",
         "sub/pkg/audit.py": model("Audit", "audit")},
        pyproject='[tool.modelreg]\nextend-exclude = ["/pkg/audit.py"]\n',
    )
    assert findings(root) == [("MR001", "sub/pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_an_unanchored_exclude_pattern_matches_at_any_depth(tree):
    root = tree(
        {**REGISTERED_USERS, "pkg/audit.py": model("Audit", "audit"),
         "sub/pkg/__init__.py": "", "sub/pkg/db.py": BASE, "sub/pkg/__all_models.py": "",
         "sub/pkg/audit.py": model("Audit", "audit"), "sub/pkg/billing.py": model("Bill", "bills")},
        pyproject='[tool.modelreg]\nextend-exclude = ["audit.py"]\n',
    )
    assert findings(root) == [("MR001", "sub/pkg/billing.py", 5, 7, "pkg.billing.Bill")]


def test_exclude_replaces_the_default_list(tree):
    root = tree(
        {**REGISTERED_USERS, "pkg/build/__init__.py": "", "pkg/build/step.py": model("Step", "steps"),
         "pkg/audit.py": model("Audit", "audit")},
        pyproject='[tool.modelreg]\nexclude = ["audit.py"]\n',
    )
    assert findings(root) == [("MR001", "pkg/build/step.py", 5, 7, "pkg.build.step.Step")]


def test_respect_gitignore_false_analyzes_ignored_files(tree):
    root = tree(
        {**REGISTERED_USERS, ".gitignore": "pkg/audit.py\n", "pkg/audit.py": model("Audit", "audit")},
        pyproject="[tool.modelreg]\nrespect-gitignore = false\n",
    )
    assert findings(root) == [("MR001", "pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_paths_restrict_the_report_but_the_whole_project_is_analyzed(tree, run):
    root = tree({**REGISTERED_USERS, "pkg/audit.py": model("Audit", "audit"),
                 "pkg/billing.py": model("Bill", "bills")})
    # users.py is registered through a registry that lives outside the path given
    assert findings(root, root / "pkg" / "users.py") == []
    assert findings(root, root / "pkg" / "billing.py") == [("MR001", "pkg/billing.py", 5, 7, "pkg.billing.Bill")]
    result = run(["pkg/audit.py", "pkg/users.py"], cwd=root)
    assert result.out.splitlines()[0].startswith("pkg/audit.py:5:7: MR001 ")
    assert len(result.out.splitlines()) == 1


# -- point 4: module names ----------------------------------------------------------------------


def test_module_names_walk_up_through_init_packages(tree, run):
    root = tree({
        "app/__init__.py": "", "app/db.py": BASE.replace("Base", "Base"),
        "app/domain/__init__.py": "", "app/domain/billing/__init__.py": "",
        "app/domain/billing/invoice.py": model("Invoice", "invoices", "app.db"),
        "app/domain/billing/__init__.py": "",
    })
    assert module_names(run, root) == {("app/domain/billing/invoice.py", "app.domain.billing.invoice")}


def test_a_model_in_a_package_init_is_named_after_the_package(tree, run):
    root = tree({"app/__init__.py": "", "app/db.py": BASE, "app/models/__init__.py": model("User", "users", "app.db")})
    assert module_names(run, root) == {("app/models/__init__.py", "app.models")}


def test_src_layout_modules_are_named_from_inside_src(tree, run):
    root = tree({
        "src/app/__init__.py": "", "src/app/db.py": BASE,
        "src/app/users.py": model("User", "users", "app.db"),
        "src/app/audit.py": model("Audit", "audit", "app.db"),
        "src/app/__all_models.py": "import app.users\n",
        "tests/test_app.py": "import app.users\n",
    })
    assert module_names(run, root) == {("src/app/users.py", "app.users"), ("src/app/audit.py", "app.audit")}
    assert findings(root) == [("MR001", "src/app/audit.py", 5, 7, "app.audit.Audit")]


def test_namespace_packages_are_named_from_the_configured_roots(tree, run):
    root = tree(
        {
            "src/acme/shop/db.py": BASE,
            "src/acme/shop/users.py": model("User", "users", "acme.shop.db"),
            "src/acme/shop/audit.py": model("Audit", "audit", "acme.shop.db"),
            "src/acme/shop/__all_models.py": "import acme.shop.users\n",
        },
        pyproject='[tool.modelreg]\nroots = ["src"]\n',
    )
    assert module_names(run, root) == {("src/acme/shop/users.py", "acme.shop.users"),
                                       ("src/acme/shop/audit.py", "acme.shop.audit")}
    assert findings(root) == [("MR001", "src/acme/shop/audit.py", 5, 7, "acme.shop.audit.Audit")]
    out = import_in_subprocess(root / "src", "acme.shop.__all_models",
                               "from acme.shop.db import Base; print(sorted(Base.metadata.tables))")
    assert out.split() == ["['users']"]


def test_without_roots_folders_without_init_are_namespace_packages_under_src(tree, run):
    root = tree({
        "src/acme/shop/db.py": BASE,
        "src/acme/shop/users.py": model("User", "users", "acme.shop.db"),
    })
    # PEP 420: every folder is a package; src/ is the root of a src layout
    assert module_names(run, root) == {("src/acme/shop/users.py", "acme.shop.users")}


def test_sibling_projects_with_the_same_package_are_analyzed_separately(tree, run):
    files = {}
    for chapter in ("ch01", "ch02", "ch03"):
        files[f"{chapter}/pypi_org/__init__.py"] = ""
        files[f"{chapter}/pypi_org/data/__init__.py"] = ""
        files[f"{chapter}/pypi_org/data/modelbase.py"] = BASE.replace("Base", "SqlAlchemyBase")
        files[f"{chapter}/pypi_org/data/users.py"] = model("User", "users", "pypi_org.data.modelbase").replace(
            "Base", "SqlAlchemyBase")
        files[f"{chapter}/pypi_org/data/__all_models.py"] = "import pypi_org.data.users\n"
    # ch02 added an audit model and registered it; ch03 added it and forgot
    files["ch02/pypi_org/data/audit.py"] = model("Audit", "auditing", "pypi_org.data.modelbase").replace(
        "Base", "SqlAlchemyBase")
    files["ch02/pypi_org/data/__all_models.py"] = "import pypi_org.data.users\nimport pypi_org.data.audit\n"
    files["ch03/pypi_org/data/audit.py"] = files["ch02/pypi_org/data/audit.py"]
    # ch01 never had audit.py: importing it there is stale even though ch02 has one
    files["ch01/pypi_org/data/__all_models.py"] = "import pypi_org.data.users\nimport pypi_org.data.audit\n"
    root = tree(files)
    assert findings(root) == [
        ("MR002", "ch01/pypi_org/data/__all_models.py", 2, 8, None),
        ("MR001", "ch03/pypi_org/data/audit.py", 5, 7, "pypi_org.data.audit.Audit"),
    ]
    data = inventory(run, root)
    by_path = {m["path"]: (m["module"], m["registered"], m["registry"]) for m in data["models"]}
    assert by_path["ch02/pypi_org/data/audit.py"] == ("pypi_org.data.audit", True, "ch02/pypi_org/data/__all_models.py")
    assert by_path["ch03/pypi_org/data/audit.py"] == ("pypi_org.data.audit", False, "ch03/pypi_org/data/__all_models.py")
    assert by_path["ch01/pypi_org/data/users.py"] == ("pypi_org.data.users", True, "ch01/pypi_org/data/__all_models.py")
    # Python agrees: in ch03 the registry leaves the auditing table out
    probe = "from pypi_org.data.modelbase import SqlAlchemyBase as B; print(sorted(B.metadata.tables))"
    assert import_in_subprocess(root / "ch03", "pypi_org.data.__all_models", probe).split() == ["['users']"]


def test_checking_one_sibling_project_reports_only_that_project(tree):
    files = {}
    for chapter in ("ch01", "ch02"):
        files[f"{chapter}/pkg/__init__.py"] = ""
        files[f"{chapter}/pkg/db.py"] = BASE
        files[f"{chapter}/pkg/audit.py"] = model("Audit", "audit")
        files[f"{chapter}/pkg/__all_models.py"] = ""
    root = tree(files)
    assert findings(root, root / "ch02") == [("MR001", "ch02/pkg/audit.py", 5, 7, "pkg.audit.Audit")]


def test_a_registry_import_of_an_excluded_module_is_not_reported_as_stale(tree):
    root = tree(
        {**REGISTERED_USERS, ".gitignore": "pkg/generated/\n",
         "pkg/generated/__init__.py": "", "pkg/generated/tables.py": model("Gen", "gen"),
         "pkg/legacy.py": model("Legacy", "legacy"),
         "pkg/__all_models.py": "import pkg.users\nimport pkg.generated.tables\nfrom pkg import legacy\n"},
        pyproject='[tool.modelreg]\nextend-exclude = ["pkg/legacy.py"]\n',
    )
    # the files exist: importing the registry works, so nothing is stale
    assert findings(root) == []
    probe = "from pkg.db import Base; print(sorted(Base.metadata.tables))"
    assert import_in_subprocess(root, "pkg.__all_models", probe).split() == ["['gen',", "'legacy',", "'users']"]


MONOREPO = {
    ".gitignore": "generated/\n",
    "svc/pyproject.toml": "",
    "svc/pkg/__init__.py": "",
    "svc/pkg/db.py": BASE,
    "svc/pkg/__all_models.py": "import pkg.users\n",
    "svc/pkg/users.py": model("User", "users"),
    "svc/pkg/generated/__init__.py": "",
    "svc/pkg/generated/tables.py": model("Gen", "gen"),
}


def test_gitignore_files_above_the_project_root_apply_up_to_the_repository_root(tree):
    repo = tree({**MONOREPO, ".git/HEAD": "ref: refs/heads/main\n"}, pyproject=None)
    assert modelreg.check([str(repo / "svc")]).root == str(repo / "svc")
    assert findings(repo, repo / "svc") == []


def test_gitignore_files_above_the_project_root_do_not_apply_outside_a_repository(tree):
    repo = tree(MONOREPO, pyproject=None)
    assert findings(repo, repo / "svc") == [("MR001", "svc/pkg/generated/tables.py", 5, 7, "pkg.generated.tables.Gen")]


def test_a_project_inside_a_directory_its_enclosing_repository_ignores_is_still_analyzed(tmp_path, run):
    # e.g. a generated or vendored project: the outer repository's rules are not the project's own
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / ".gitignore").write_text("generated/\n")
    root = outer / "generated" / "proj"
    write_tree(root, {
        "pyproject.toml": "[tool.modelreg]\n",
        "pkg/__init__.py": "",
        "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        "pkg/audit.py": "from pkg.db import Base\n\n\nclass Audit(Base):\n    __tablename__ = 'a'\n",
        "pkg/__all_models.py": "",
    })
    result = run([root], cwd=root)
    assert result.codes() == ["MR001"]
