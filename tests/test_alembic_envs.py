"""modelreg.alembic_envs: which metadata an Alembic env.py hands to autogenerate, and where it takes it from."""

from __future__ import annotations

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
