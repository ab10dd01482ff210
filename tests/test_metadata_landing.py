"""Issue 27, point 4: where Flask-SQLAlchemy 3 models really land. The truth is the installed
Flask-SQLAlchemy in a fresh interpreter: a model class that does not set `metadata` itself gets its bind
key's metadata (`db.metadata`), even under an abstract `db.Model` subclass that declares its own MetaData;
an env.py targeting that subclass's MetaData sees none of their tables (MR008)."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest

from conftest import import_in_subprocess

pytestmark = pytest.mark.usefixtures("keeps_invariants")

DB = (
    "import sqlalchemy as sa\nfrom flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
    "class Base(db.Model):\n    __abstract__ = True\n    metadata = sa.MetaData(naming_convention={'pk': 'pk_%(table_name)s'})\n"
)


def model(cls: str, own: str = "") -> str:
    return (
        "import sqlalchemy as sa\n\nfrom app.db import Base\n\n\n"
        f"class {cls}(Base):\n{own}    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


ENV = (
    "from alembic import context\n\nimport app.user\nimport app.post\nfrom app.db import Base, db\n\n"
    "target_metadata = {target}\n\n\ndef run_migrations_offline():\n"
    "    context.configure(url='sqlite://', target_metadata=target_metadata)\n"
    "    with context.begin_transaction():\n        context.run_migrations()\n\n\nrun_migrations_offline()\n"
)
LANDING = "from app.db import Base, db; import json; print(json.dumps([sorted(Base.metadata.tables), sorted(db.metadata.tables)]))"


def project(target: str, post_own: str = ""):
    return {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/user.py": model("User"),
        "app/post.py": model("Post", post_own),
        "migrations/script.py.mako": "",
        "migrations/env.py": ENV.format(target=target),
    }


def landing(root):
    import_in_subprocess(root, "app.user", "")
    out = import_in_subprocess(root, "app.post", "import app.user\n" + LANDING.replace("; ", "\n"))
    return json.loads(out.splitlines()[-1])


def test_the_installed_flask_sqlalchemy_is_one_the_rule_holds_for():
    assert int(version("flask-sqlalchemy").split(".")[0]) >= 3


@pytest.mark.parametrize(
    "post_own, on_base, how",
    [("", [], "none"), ("    metadata = Base.metadata\n", ["post"], "only some")],
    ids=["none land on it", "only some land on it"],
)
def test_an_env_targeting_the_abstract_base_own_metadata_is_reported_once(tree, run, post_own, on_base, how):
    root = tree(project("Base.metadata", post_own))
    base_tables, db_tables = landing(root)
    assert base_tables == on_base  # Python: the abstract class's MetaData holds only what sets it itself
    elsewhere = sorted({"post": "Post", "user": "User"}[t] for t in db_tables)
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    diags = result.json["diagnostics"]
    assert [d["code"] for d in diags] == ["MR008"]
    message = diags[0]["message"]
    assert diags[0]["path"].endswith("migrations/env.py") and diags[0]["line"] == 7
    assert f"env.py targets a MetaData that {how} of the models land on: app.db.Base.metadata" in message
    assert f"so {', '.join(elsewhere)} land on app.db.db.metadata" in message
    assert "Flask-SQLAlchemy >= 3.0" in message


@pytest.mark.parametrize("target", ["db.metadata", "db.Model.metadata"])
def test_an_env_targeting_the_metadata_the_models_land_on_is_not_reported(tree, run, target):
    root = tree(project(target))
    _, db_tables = landing(root)
    assert db_tables == ["post", "user"]
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    assert [d["code"] for d in result.json["diagnostics"]] == []


def test_an_abstract_base_without_its_own_metadata_is_not_reported(tree, run):
    files = project("Base.metadata")
    files["app/db.py"] = DB.replace("    metadata = sa.MetaData(naming_convention={'pk': 'pk_%(table_name)s'})\n", "")
    root = tree(files)
    assert landing(root)[0] == ["post", "user"]  # Base.metadata is db.metadata
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    assert [d["code"] for d in result.json["diagnostics"]] == []
