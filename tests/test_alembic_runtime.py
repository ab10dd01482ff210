"""Runtime truth with real Alembic and SQLite: the lecture, the destructive case, the guard, verify, helpers."""

import os
import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import write_tree

BASE = "import sqlalchemy.orm as orm\n\nSqlAlchemyBase = orm.declarative_base()\n"
USERS = """import datetime

import sqlalchemy as sa

from pypi_org.data.modelbase import SqlAlchemyBase


class User(SqlAlchemyBase):
    __tablename__ = 'users'

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    email = sa.Column(sa.String, index=True, unique=True, nullable=True)
    created_date = sa.Column(sa.DateTime, default=datetime.datetime.now, index=True)
"""
AUDIT = """import datetime

import sqlalchemy as sa

from pypi_org.data.modelbase import SqlAlchemyBase


class Audit(SqlAlchemyBase):
    __tablename__ = 'auditing'

    id = sa.Column(sa.String, primary_key=True)
    created_date = sa.Column(sa.DateTime, default=datetime.datetime.now, index=True)
    description = sa.Column(sa.String)
"""
REGISTRY = "# noinspection PyUnresolvedReferences\nimport pypi_org.data.users\n"

# the course's env.py lines, with the guard switchable for the tests
ENV_HEADER = """import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import modelreg.alembic
from pypi_org.data.modelbase import SqlAlchemyBase
# noinspection PyUnresolvedReferences
import pypi_org.data.__all_models

GUARD = os.environ.get("MODELREG_TEST_GUARD")
"""


def alembic(root, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True, env=env
    )


def run_ok(root, *args, env=None):
    proc = alembic(root, *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def project(tmp_path):
    """A pypi_org-style project under Alembic (env.py from `alembic init`, pointed at the models)."""
    root = tmp_path / "pypi"
    root.mkdir()
    write_tree(
        root,
        {
            "setup.py": "from setuptools import setup\n\nsetup(name='pypi_org')\n",
            "pypi_org/__init__.py": "",
            "pypi_org/data/__init__.py": "",
            "pypi_org/data/modelbase.py": BASE,
            "pypi_org/data/users.py": USERS,
            "pypi_org/data/__all_models.py": REGISTRY,
        },
    )
    run_ok(root, "init", "alembic")
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", f"sqlite:///{root / 'pypi.sqlite'}"))
    env_py = root / "alembic" / "env.py"
    text = env_py.read_text()
    text = text.replace("from logging.config import fileConfig\n", ENV_HEADER + "from logging.config import fileConfig\n", 1)
    text = text.replace("target_metadata = None", "target_metadata = SqlAlchemyBase.metadata")
    text = text.replace(
        "            connection=connection, target_metadata=target_metadata\n",
        "            connection=connection, target_metadata=target_metadata,\n"
        "            process_revision_directives=modelreg.alembic.guard(mode=GUARD) if GUARD else None,\n",
    )
    assert "process_revision_directives" in text
    env_py.write_text(text)
    run_ok(root, "revision", "--autogenerate", "-m", "initial")
    run_ok(root, "upgrade", "head")
    return root


def versions(root):
    return sorted((root / "alembic" / "versions").glob("*.py"))


def autogenerate(root, message, env=None):
    """Run `alembic revision --autogenerate` and return the new revision file."""
    before = set(versions(root))
    run_ok(root, "revision", "--autogenerate", "-m", message, env=env)
    (new,) = set(versions(root)) - before
    return new


def upgrade_body(path):
    text = path.read_text()  # `def upgrade() -> None:` (or `def upgrade():` in older Alembic templates)
    return re.split(r"def upgrade\(\)[^:]*:", text, maxsplit=1)[1].split("def downgrade()", 1)[0]


def tables(root):
    with sqlite3.connect(root / "pypi.sqlite") as db:
        return sorted(r[0] for r in db.execute("select name from sqlite_master where type='table'"))


def guarded(mode):
    return dict(os.environ, MODELREG_TEST_GUARD=mode)


def modelreg(*args):
    return subprocess.run([sys.executable, "-m", "modelreg", *map(str, args)], capture_output=True, text=True)


def test_the_lecture_an_unregistered_model_gives_an_empty_migration_until_modelreg_fixes_the_registry(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)

    # autogenerate without the model imported: a migration that does nothing
    empty = autogenerate(project, "audit (empty)")
    body = upgrade_body(empty)
    assert re.sub(r'\s|#.*|"""[^"]*"""', "", body) == "pass", body
    empty.unlink()

    # the guard refuses that revision instead
    before = versions(project)
    proc = alembic(project, "revision", "--autogenerate", "-m", "audit", env=guarded("error"))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "FAILED: modelreg: refusing to write this revision" in out
    assert "MR001" in out and "Audit" in out and "modelreg --fix" in out
    assert versions(project) == before

    # modelreg says why, and fixes it
    check = modelreg(project)
    assert check.returncode == 1 and "MR001 model Audit (pypi_org.data.audit)" in check.stdout
    fixed = modelreg("--fix", project)
    # the registry is fixed; what remains is the migration autogenerate is about to write (MR010)
    assert fixed.returncode == 1 and "MR001" not in fixed.stdout
    assert "MR010 model Audit's table 'auditing' is created by no migration" in fixed.stdout

    # now autogenerate sees the table and its index (with the guard on: it has nothing to object to)
    new = autogenerate(project, "audit", env=guarded("error"))
    body = upgrade_body(new)
    assert "op.create_table('auditing'" in body
    assert re.search(r"op\.create_index\(.*'auditing'", body)
    run_ok(project, "upgrade", "head")
    assert "auditing" in tables(project)
    revision = re.search(r"^revision(?:: str)? = ['\"](\w+)['\"]", new.read_text(), re.M).group(1)
    current = run_ok(project, "current").stdout
    assert f"{revision} (head)" in current
    assert modelreg(project).returncode == 0


def test_the_destructive_case_a_live_table_whose_import_was_lost_would_be_dropped(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    (project / "pypi_org/data/__all_models.py").write_text(REGISTRY + "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n")
    run_ok(project, "revision", "--autogenerate", "-m", "audit")
    run_ok(project, "upgrade", "head")
    assert "auditing" in tables(project)

    # the registry loses the import (a merge, a refactor...)
    (project / "pypi_org/data/__all_models.py").write_text(REGISTRY)
    before = versions(project)

    # plain autogenerate would drop the live table
    destructive = autogenerate(project, "oops")
    assert "op.drop_table('auditing')" in upgrade_body(destructive)
    destructive.unlink()

    # the guard refuses, naming the table and the model; no revision file is written
    proc = alembic(project, "revision", "--autogenerate", "-m", "oops", env=guarded("error"))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "FAILED: modelreg: refusing to write this revision" in out
    assert "drop table 'auditing'" in out and "pypi_org.data.audit.Audit" in out
    assert versions(project) == before

    # warn mode lets it through, saying the same
    proc = alembic(project, "revision", "--autogenerate", "-m", "warned", env=guarded("warn"))
    assert proc.returncode == 0
    assert "drop table 'auditing'" in proc.stderr
    assert len(versions(project)) == len(before) + 1


def test_the_guard_costs_nothing_outside_autogenerate_and_never_affects_upgrade(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)  # unregistered: the guard would object
    # a plain (non-autogenerate) revision and an upgrade are untouched by it
    run_ok(project, "revision", "-m", "manual", env=guarded("error"))
    run_ok(project, "upgrade", "head", env=guarded("error"))


def test_the_guard_chains_an_existing_process_revision_directives(project, tmp_path):
    marker = tmp_path / "then-called"
    env_py = project / "alembic" / "env.py"
    env_py.write_text(
        env_py.read_text().replace(
            "modelreg.alembic.guard(mode=GUARD)",
            f"modelreg.alembic.guard(mode=GUARD, then=lambda c, r, d: open({str(marker)!r}, 'w').close())",
        )
    )
    run_ok(project, "revision", "--autogenerate", "-m", "noop", env=guarded("error"))
    assert marker.exists()


def test_migration_helpers_answer_through_the_alembic_connection(project):
    script = project / "alembic" / "versions" / "0000_helpers.py"
    heads = run_ok(project, "heads").stdout.split()[0]
    script.write_text(
        f'''"""helpers"""
from alembic import op
import sqlalchemy as sa
from modelreg.alembic import table_exists, table_has_column

revision = "helpers01"
down_revision = "{heads}"
branch_labels = None
depends_on = None


def upgrade():
    assert table_exists("users") and not table_exists("nope")
    assert table_has_column("users", "email") and not table_has_column("users", "nope")
    assert not table_has_column("nope", "email")
    if not table_has_column("users", "nickname"):   # a durable migration: safe to run twice
        op.add_column("users", sa.Column("nickname", sa.String()))


def downgrade():
    pass
'''
    )
    run_ok(project, "upgrade", "head")
    with sqlite3.connect(project / "pypi.sqlite") as db:
        columns = [r[1] for r in db.execute("pragma table_info(users)")]
    assert "nickname" in columns


# -- modelreg verify --------------------------------------------------------------------


def test_verify_agrees_with_a_project_whose_static_and_runtime_views_match(project):
    proc = modelreg("verify", project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 model agree" in proc.stderr and "0 differences" in proc.stderr


def test_verify_names_a_model_registered_through_import_module(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    (project / "pypi_org/data/__all_models.py").write_text(
        REGISTRY + "import importlib\n\nimportlib.import_module('pypi_org.data.' + 'audit')\n"
    )
    assert "MR006" in modelreg(project).stdout
    proc = modelreg("verify", project)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "runtime-only: pypi_org.data.audit.Audit: importing pypi_org/data/__all_models.py registers it, "
        "but modelreg says it does not (computed imports: MR006)"
    ]


def test_verify_help_says_it_executes_project_code():
    proc = modelreg("verify", "--help")
    assert "EXECUTES YOUR PROJECT'S CODE" in " ".join(proc.stdout.split())


def _a_table_the_database_has_but_no_migration_creates(project, db_session=None):
    """Audit registered, its table made in the database by create_all() (as an app's startup does),
    never by a migration; optionally the app's own db_session.py that makes it."""
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    (project / "pypi_org/data/__all_models.py").write_text(REGISTRY + "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n")
    if db_session is not None:
        (project / "pypi_org/data/db_session.py").write_text(db_session)
    code = (
        "import sqlalchemy as sa, pypi_org.data.__all_models\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n"
        f"SqlAlchemyBase.metadata.create_all(sa.create_engine('sqlite:///{project / 'pypi.sqlite'}'))\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=project, check=True)
    assert "auditing" in tables(project)


def test_the_guard_names_a_table_the_database_has_that_no_migration_creates(project):
    _a_table_the_database_has_but_no_migration_creates(project)
    proc = alembic(project, "revision", "--autogenerate", "-m", "nothing", env=guarded("error"))
    assert proc.returncode != 0
    assert "table 'auditing' (model pypi_org.data.audit.Audit) is created by no migration" in proc.stdout + proc.stderr


def test_the_guard_lets_through_a_table_the_applications_own_create_all_makes(project):
    db_session = (
        "import sqlalchemy as sa\n\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n\n\n"
        "def global_init(db_file):\n    import pypi_org.data.__all_models  # noqa: F401\n\n"
        "    SqlAlchemyBase.metadata.create_all(sa.create_engine('sqlite:///' + db_file))\n"
    )
    _a_table_the_database_has_but_no_migration_creates(project, db_session)
    proc = alembic(project, "revision", "--autogenerate", "-m", "nothing", env=guarded("error"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert modelreg(project).returncode == 0
