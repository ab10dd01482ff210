"""Nine small, plausible bugs that once went through the whole suite unnoticed (issue 25, point 8),
each as a test of what a user would see: each test fails with its bug planted (checked by hand).
Runtime truth comes from a fresh interpreter importing the registry with real SQLAlchemy and
Flask-SQLAlchemy."""

from __future__ import annotations

import json
import os

import pytest
from conftest import tables_after_importing, write_tree

import modelreg.api

BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"


def model(cls: str, table: str, base_import: str = "from pkg.data.modelbase import Base") -> str:
    return (
        f"import sqlalchemy as sa\n\n{base_import}\n\n\nclass {cls}(Base):\n"
        f"    __tablename__ = {table!r}\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


def data_tree(root, registry: str, **more: str):
    files = {
        "pkg/__init__.py": "",
        "pkg/data/__init__.py": "",
        "pkg/data/modelbase.py": BASE,
        "pkg/data/users.py": model("User", "users"),
        "pkg/data/__all_models.py": registry,
    }
    files.update(more)
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("")
    return write_tree(root, files)


def codes(run, root, *args):
    result = run(["--no-cache", "--format", "json", *args, root], cwd=root)
    assert result.exit_code in (0, 1), result.err
    return sorted((d["code"], d["path"], d["model"]) for d in json.loads(result.out)["diagnostics"])


# 1. ModuleNotFoundError among the exceptions that make an import optional


@pytest.mark.parametrize("caught", ["ModuleNotFoundError", "(ModuleNotFoundError, AttributeError)"])
def test_an_import_guarded_by_module_not_found_error_is_optional_not_stale(tmp_path, run, caught):
    registry = (
        "import pkg.data.users  # noqa: F401\n\n"
        f"try:\n    import pkg.data.enterprise_audit  # noqa: F401  (an optional add-on)\nexcept {caught}:\n    pass\n"
    )
    root = data_tree(tmp_path / "proj", registry)
    # Python: the registry imports, with its tables
    assert tables_after_importing(root, ["pkg.data.__all_models"], "pkg.data.modelbase:Base.metadata") == ["users"]
    assert codes(run, root) == []
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert (root / "pkg/data/__all_models.py").read_text() == registry  # the optional import is kept


# 2. Flask-SQLAlchemy's generated table names keep acronyms as Flask-SQLAlchemy does


def test_flask_sqlalchemy_generated_names_match_flask_sqlalchemy_for_acronyms(tmp_path, run):
    classes = ["APIKey", "UserAPIKey", "HTTPRequestLog", "OAuth2Token", "UserProfile"]
    body = "".join(f"\n\nclass {c}(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n" for c in classes)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    write_tree(
        root,
        {
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "app/models.py": "from app.extensions import db\n" + body,
            "app/__all_models.py": "import app.models  # noqa: F401\n",
        },
    )
    runtime = tables_after_importing(root, ["app.models"], "app.extensions:db.metadata")
    result = run(["models", "--no-cache", "--format", "json", root], cwd=root)
    static = sorted(m["table"] for m in json.loads(result.out)["models"])
    assert static == runtime
    assert "api_key" in static and "user_api_key" in static  # (what they are, for the reader)


# 3. `from pkg import *` imports the submodules the package's `__all__` names


@pytest.mark.parametrize("require", ["reachable", "module"])
def test_a_star_import_of_a_package_runs_the_submodules_its_all_names(tmp_path, run, require):
    root = data_tree(
        tmp_path / "proj",
        "from pkg.data.models import *  # noqa: F401,F403\n",
        **{
            "pkg/data/models/__init__.py": '__all__ = ["users", "audit"]\n',
            "pkg/data/models/users.py": model("User2", "users2"),
            "pkg/data/models/audit.py": model("Audit", "auditing"),
            "pkg/data/users.py": "",
        },
    )
    runtime = tables_after_importing(root, ["pkg.data.__all_models"], "pkg.data.modelbase:Base.metadata")
    assert runtime == ["auditing", "users2"]
    assert codes(run, root, "--require", require) == []


@pytest.mark.parametrize("require", ["reachable", "module"])
def test_a_star_import_of_a_package_without_the_submodule_in_all_leaves_it_unregistered(tmp_path, run, require):
    root = data_tree(
        tmp_path / "proj",
        "from pkg.data.models import *  # noqa: F401,F403\n",
        **{
            "pkg/data/models/__init__.py": '__all__ = ["users"]\n',
            "pkg/data/models/users.py": model("User2", "users2"),
            "pkg/data/models/audit.py": model("Audit", "auditing"),
            "pkg/data/users.py": "",
        },
    )
    runtime = tables_after_importing(root, ["pkg.data.__all_models"], "pkg.data.modelbase:Base.metadata")
    assert runtime == ["users2"]
    assert codes(run, root, "--require", require) == [("MR001", "pkg/data/models/audit.py", "pkg.data.models.audit.Audit")]


# 4. a configured Flask-SQLAlchemy `db` governs its models: an unregistered one is MR001, not MR004


def test_a_configured_flask_db_base_governs_its_models(tmp_path, run):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.modelreg]\n\n[[tool.modelreg.registries]]\nregistry = "app/models/__init__.py"\nbase = "app.extensions.db"\n'
    )
    user = "from app.extensions import db\n\n\nclass User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
    write_tree(
        root,
        {
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "app/models/__init__.py": "from app.models import user  # noqa: F401\n",
            "app/models/user.py": user,
            "app/models/audit.py": user.replace("User", "Audit"),
        },
    )
    assert tables_after_importing(root, ["app.models"], "app.extensions:db.metadata") == ["user"]
    assert codes(run, root) == [("MR001", "app/models/audit.py", "app.models.audit.Audit")]


# 5. --fix never writes into a sibling folder whose name starts with the root's


def test_fix_refuses_a_registry_resolving_into_a_sibling_sharing_the_roots_name_prefix(tmp_path, run):
    backup = data_tree(tmp_path / "proj-backup", "import pkg.data.users  # noqa: F401\n")
    root = data_tree(tmp_path / "proj", "", **{"pkg/data/audit.py": model("Audit", "auditing")})
    registry = root / "pkg/data/__all_models.py"
    registry.unlink()
    registry.symlink_to(backup / "pkg/data/__all_models.py")
    before = (backup / "pkg/data/__all_models.py").read_bytes()
    result = run(["--fix", "--no-cache", root], cwd=root)
    assert result.exit_code == 2
    assert "refusing to write outside the project root" in result.err
    assert (backup / "pkg/data/__all_models.py").read_bytes() == before
    assert registry.is_symlink()


# 6. the cache sees an edit of alembic.ini between runs


ENV = "from pkg.data.modelbase import Base\n\ntarget_metadata = Base.metadata\n"
CREATE_USERS = (
    'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "{rev}"\ndown_revision = None\n\n\n'
    "def upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
)


def test_an_edit_of_alembic_ini_between_cached_runs_is_seen(tmp_path, run):
    root = data_tree(
        tmp_path / "proj",
        "import pkg.data.users  # noqa: F401\n",
        **{
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": ENV,
            "migrations/versions/0001_users.py": CREATE_USERS.format(
                rev="a1", body='op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))'
            ),
            "migrations_new/env.py": ENV,
            "migrations_new/versions/0001_empty.py": CREATE_USERS.format(rev="b1", body="pass"),
        },
    )

    def cached():
        result = run(["--format", "json", root], cwd=root)
        return sorted((d["code"], d["model"]) for d in json.loads(result.out)["diagnostics"])

    first = cached()
    assert first == codes_no_cache(run, root)
    ini = root / "alembic.ini"
    st = ini.stat()
    ini.write_text("[alembic]\nscript_location = migrations_new\n")
    os.utime(ini, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    after = codes_no_cache(run, root)
    assert after != first  # (the edit matters: the new history creates no table)
    assert cached() == after


def codes_no_cache(run, root):
    result = run(["--no-cache", "--format", "json", root], cwd=root)
    return sorted((d["code"], d["model"]) for d in json.loads(result.out)["diagnostics"])


# 7. module names decided by the project's imports are not served from the cache after an edit


def test_module_names_the_imports_decide_follow_an_edit_between_cached_runs(tmp_path, run):
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    write_tree(
        root,
        {
            "backend/__init__.py": "",
            "backend/db/__init__.py": "",
            "backend/db/base.py": BASE,
            "backend/db/models.py": model("User", "users", "from .base import Base"),
            "backend/db/audit.py": model("Audit", "auditing", "from .base import Base"),
            "backend/db/__all_models.py": "from . import models  # noqa: F401\n",
            "backend/main.py": "from db.models import User\n",
        },
    )

    def found(*extra):  # (a plain check: the path that takes the last run's module names over)
        result = run(["--format", "json", *extra, root], cwd=root)
        assert result.exit_code == 1, result.err
        return [(d["code"], d["model"]) for d in json.loads(result.out)["diagnostics"]]

    assert found() == found("--no-cache") == [("MR001", "db.audit.Audit")]
    (root / "backend/main.py").write_text("from backend.db.models import User\n")
    assert found("--no-cache") == [("MR001", "backend.db.audit.Audit")]
    assert found() == found("--no-cache")


# 8. every file-level `# modelreg: noqa: CODE` line of a file counts


@pytest.mark.parametrize("order", [("MR001", "MR005"), ("MR005", "MR001")])
def test_two_file_level_noqa_lines_both_count(tmp_path, run, order):
    audit = "".join(f"# modelreg: noqa: {c}\n" for c in order) + model("Audit", "auditing")
    root = data_tree(tmp_path / "proj", "import pkg.data.users  # noqa: F401\n", **{"pkg/data/audit.py": audit})
    assert codes(run, root) == []
    (root / "pkg/data/audit.py").write_text(model("Audit", "auditing"))
    assert codes(run, root) == [("MR001", "pkg/data/audit.py", "pkg.data.audit.Audit")]


# 9. an internal error is exit 2, never 1 (findings) nor 0


def test_an_internal_error_exits_2_with_one_line(tmp_path, run, monkeypatch):
    root = data_tree(tmp_path / "proj", "import pkg.data.users  # noqa: F401\n")

    def broken(*args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(modelreg.api, "run_rules", broken)
    for args in (["--no-cache"], ["--no-cache", "--format", "json"], ["models", "--no-cache"], ["--fix", "--no-cache"]):
        result = run([*args, root], cwd=root)
        assert result.exit_code == 2, args
        assert result.err.splitlines() == ["modelreg: internal error: RuntimeError: planted"]
