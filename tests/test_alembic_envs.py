"""modelreg.alembic_envs: which metadata an Alembic env.py hands to autogenerate, and where it takes it from."""

from __future__ import annotations

from pathlib import Path

from conftest import project_module, resolved, tables_after_importing

MODELS = {
    "app/__init__.py": "",
    "app/db/__init__.py": "",
    "app/db/base_class.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "app/db/base.py": "from app.db.base_class import Base  # noqa\nimport app.models.user  # noqa\n",
    "app/models/__init__.py": "",
    "app/models/user.py": """
        import sqlalchemy as sa
        from app.db.base_class import Base

        class User(Base):
            __tablename__ = "users"
            id = sa.Column(sa.Integer, primary_key=True)
    """,
    "alembic/script.py.mako": "",
}

ENV_HEAD = "import sys, os\nsys.path.insert(0, os.getcwd())\nfrom alembic import context\n"


def test_env_py_targets_the_metadata_of_the_base_it_imports_through_a_re_exporting_module(tree):
    root = tree(dict(MODELS, **{"alembic/env.py": ENV_HEAD + "from app.db.base import Base\ntarget_metadata = Base.metadata\n"}))
    assert tables_after_importing(root, ["alembic/env.py"], "app.db.base_class:Base.metadata") == ["users"]
    project = resolved(root)
    (env,) = project.alembic_envs()
    base_key = f"{project_module(project, 'app.db.base_class').path}::Base"
    assert [key for key, _ in env.targets] == [base_key]
    # the module env.py takes the base from only re-exports it: that module is the registry
    assert env.registries() == [(base_key, project_module(project, "app.db.base"))]


def test_inline_configure_and_a_list_of_metadata_are_targets_too(tree):
    env = ENV_HEAD + (
        "from app.db.base_class import Base\n"
        "import sqlalchemy as sa\n"
        "other = sa.MetaData()\n"
        "def run():\n"
        "    context.configure(url='sqlite://', target_metadata=[Base.metadata, other])\n"
    )
    project = resolved(tree(dict(MODELS, **{"alembic/env.py": env})))
    (found,) = project.alembic_envs()
    names = [project.bases[key].name for key, _ in found.targets]
    assert names == ["app.db.base_class.Base", "alembic.env.other"]


def test_an_env_py_without_target_metadata_is_no_registry(tree):
    project = resolved(tree(dict(MODELS, **{"alembic/env.py": ENV_HEAD + "target_metadata = None\n"})))
    assert project.alembic_envs() == []


REVISION = '''\
"""add users"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

revision = "{rev}"
down_revision = {down}

Base = declarative_base()


class Snapshot(Base):  # a data migration's own view of the table
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("users")
'''


def _with_revisions(versions: str, ini: str = "[alembic]\nscript_location = alembic\n") -> dict:
    env = ENV_HEAD + "import app.db.base\nfrom app.db.base_class import Base\ntarget_metadata = Base.metadata\n"
    return dict(
        MODELS,
        **{
            "alembic.ini": ini,
            "alembic/env.py": env,
            f"{versions}/abc123_add_users.py": REVISION.format(rev="abc123", down="None"),
            f"{versions}/2021-08-09_def456.py": REVISION.format(rev="def456", down='"abc123"'),
        },
    )


def test_classes_of_alembic_revision_files_are_the_migrations_own_not_models_a_registry_must_import(tree, run):
    root = tree(_with_revisions("alembic/versions"))
    # Alembic runs env.py: the application's metadata holds the application's tables only
    assert tables_after_importing(root, ["alembic/env.py"], "app.db.base_class:Base.metadata") == ["users"]
    result = run([root, "--no-cache"])
    assert (result.exit_code, result.out + result.err) == (0, "All checks passed!\n")
    listed = run(["models", "--format", "json", root])
    assert [(m["name"], m["module"]) for m in listed.json["models"]] == [("User", "app.models.user")]


def test_revision_files_in_the_version_locations_of_alembic_ini_are_recognized_too(tree, run):
    ini = "[alembic]\nscript_location = alembic\nversion_locations = %(here)s/migrations/revs\n"
    root = tree(_with_revisions("migrations/revs", ini))
    assert run([root, "--no-cache"]).exit_code == 0
    # the same file outside any version location is a module of the project like any other
    moved = tree(_with_revisions("alembic/versions", "[alembic]\nscript_location = alembic\nversion_locations = elsewhere\n"))
    result = run([moved, "--no-cache"])
    assert result.exit_code == 1 and "alembic/versions/2021-08-09_def456.py" in result.out


# -- tables an env.py leaves out of autogenerate by name (include_name / include_object) -------------

HOOKED = {
    "alembic.ini": "[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///dev.db\n",
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "app/models/__init__.py": "",
    "app/models/user.py": (
        "import sqlalchemy as sa\nfrom app.db import Base\n\n\nclass User(Base):\n"
        "    __tablename__ = 'users'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    ),
    # a plugin's model: its own migrations create its table; the core env.py never imports it
    "app/models/activity.py": (
        "import sqlalchemy as sa\nfrom app.db import Base\n\n\nclass Activity(Base):\n"
        "    __tablename__ = 'activity'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    ),
}

HOOKED_ENV = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

import app.models.user  # noqa: F401
from app.db import Base

config = context.config
target_metadata = Base.metadata
{hook}

def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata{option})
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

INCLUDE_NAME = '''

def include_name(name, type_, parent_names):
    if type_ == "table" and name in ("activity", "activity_detail"):
        return False  # the activity plugin's migrations own these tables
    return True
'''


def _autogenerated_ops(root) -> str:
    """The upgrade `alembic revision --autogenerate` writes against a database holding both tables."""
    import sqlite3
    import subprocess
    import sys

    with sqlite3.connect(root / "dev.db") as db:
        db.execute("create table users (id integer primary key)")
        db.execute("create table activity (id integer primary key)")
    (root / "alembic" / "versions").mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "revision", "--autogenerate", "-m", "probe"], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (script,) = (root / "alembic" / "versions").glob("*.py")
    text = script.read_text()
    script.unlink()
    return text


def test_a_table_the_env_py_leaves_out_by_name_needs_no_registry_line(tree, run):
    import alembic

    mako = (Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako").read_text()
    env = HOOKED_ENV.format(hook=INCLUDE_NAME, option=", include_name=include_name")
    root = tree(dict(HOOKED, **{"alembic/env.py": env, "alembic/script.py.mako": mako}))
    # the oracle: autogenerate leaves the activity table alone although no registry imports its model
    assert "drop_table('activity')" not in _autogenerated_ops(root)
    result = run([root, "--no-cache"])
    assert (result.exit_code, result.out) == (0, ""), result


def test_without_the_hook_the_same_forgotten_model_would_be_dropped_and_is_mr001(tree, run):
    import alembic

    mako = (Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako").read_text()
    env = HOOKED_ENV.format(hook="", option="")
    root = tree(dict(HOOKED, **{"alembic/env.py": env, "alembic/script.py.mako": mako}))
    assert "drop_table('activity')" in _autogenerated_ops(root)
    result = run([root, "--no-cache"])
    assert result.exit_code == 1 and "MR001 model Activity (app.models.activity)" in result.out, result
