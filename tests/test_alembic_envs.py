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
