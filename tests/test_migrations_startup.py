"""Applications that create their tables with `create_all()` and migrate only what changes after that
(the Talk Python course's shape, issue 24), and histories Alembic cannot load (MR013).

The oracle is the application and Alembic themselves: the course's `global_init()` run in a fresh
interpreter on an empty SQLite database, `alembic upgrade head` on one, and `alembic history` on a
broken graph. The files are written here in the course's shape (not copied from it)."""

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from conftest import assert_fix_runs, write_tree
from modelreg.cli import main

MODELBASE = """\
import sqlalchemy.ext.declarative as dec

SqlAlchemyBase = dec.declarative_base()
"""

# the course's db_session.py: the registry is imported, then create_all(), inside global_init()
DB_SESSION = """\
import sqlalchemy as sa
import sqlalchemy.orm as orm

from pypi_org.data.modelbase import SqlAlchemyBase

__factory = None


def global_init(db_file: str):
    global __factory
    if __factory:
        return
    engine = sa.create_engine("sqlite:///" + db_file.strip())
    __factory = orm.sessionmaker(bind=engine)

    # noinspection PyUnresolvedReferences
    import pypi_org.data.__all_models

    SqlAlchemyBase.metadata.create_all(engine)
"""


def model(cls, table, *columns):
    cols = "".join(f"    {c} = sa.Column(sa.String)\n" for c in columns)
    return (
        "import sqlalchemy as sa\n\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n\n\n"
        f"class {cls}(SqlAlchemyBase):\n    __tablename__ = {table!r}\n\n"
        f"    id = sa.Column(sa.String, primary_key=True)\n{cols}"
    )


ALL_MODELS = """\
# Add all your SQLAlchemy models here.

# noinspection PyUnresolvedReferences
import pypi_org.data.audit

# noinspection PyUnresolvedReferences
import pypi_org.data.package

# noinspection PyUnresolvedReferences
import pypi_org.data.users
"""

ENV = """\
import os
import sys

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

folder = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, folder)

from pypi_org.data.modelbase import SqlAlchemyBase

import pypi_org.data.__all_models

target_metadata = SqlAlchemyBase.metadata


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""


def revision(rev, down, upgrade, header=""):
    body = "\n".join("    " + line for line in upgrade.strip("\n").splitlines())
    return (
        f'"""{rev}\n\nRevision ID: {rev}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n'
        f"# revision identifiers, used by Alembic.\nrevision = {rev!r}\ndown_revision = {down!r}\n"
        f"branch_labels = None\ndepends_on = None\n{header}\n\ndef upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )


# the course's two revisions: a column the models gained after the first create_all(), then a new table
LAST_UPDATED = revision("a55036", None, 'op.add_column("packages", sa.Column("last_updated", sa.String(), nullable=True))')
AUDITING = revision(
    "722c82", "a55036",
    'op.create_table("auditing", sa.Column("id", sa.String(), nullable=False), '
    'sa.Column("description", sa.String(), nullable=True), sa.PrimaryKeyConstraint("id"))',
)


def course(tmp_path, **changes):
    """A copy of the course's ch11 final app, as a student copies it out: no pyproject.toml, no .git."""
    root = tmp_path / "final"
    files = {
        "pypi_org/__init__.py": "",
        "pypi_org/app.py": "from pypi_org.data import db_session\n\n\ndef main():\n    db_session.global_init('db/pypi.sqlite')\n",
        "pypi_org/data/__init__.py": "",
        "pypi_org/data/modelbase.py": MODELBASE,
        "pypi_org/data/db_session.py": DB_SESSION,
        "pypi_org/data/__all_models.py": ALL_MODELS,
        "pypi_org/data/audit.py": model("Audit", "auditing", "description"),
        "pypi_org/data/package.py": model("Package", "packages", "summary", "last_updated"),
        "pypi_org/data/users.py": model("User", "users", "email"),
        "alembic.ini": "[alembic]\nscript_location = alembic\nsqlalchemy.url = sqlite:///db/pypi.sqlite\n",
        "alembic/env.py": ENV,
        "alembic/script.py.mako": "",
        "alembic/versions/a55036_added_last_updated.py": LAST_UPDATED,
        "alembic/versions/722c82_added_auditing_table.py": AUDITING,
    }
    files.update(changes)
    write_tree(root, {k: v for k, v in files.items() if v is not None})
    (root / "db").mkdir()
    return root


def check(root, capsys, *args):
    capsys.readouterr()
    code = main([str(root), "--no-cache", "--format", "json", *args])
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    return code, found


def codes(found):
    return sorted((d["code"], (d["model"] or "").rpartition(".")[2]) for d in found)


def models_json(root, capsys):
    capsys.readouterr()
    assert main(["models", str(root), "--no-cache", "--format", "json"]) == 0
    return {m["name"]: m for m in json.loads(capsys.readouterr().out)["models"]}


def run(root, code):
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def alembic(root, *args):
    return subprocess.run([sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True, timeout=120)


def reflected(db):
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        insp = sa.inspect(engine)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names() if t != "alembic_version"}
    finally:
        engine.dispose()


# -- 1. MR010 knows who creates the tables ------------------------------------------------------------


def test_the_course_app_passes_with_zero_configuration(tmp_path, capsys):
    root = course(tmp_path)
    assert check(root, capsys) == (0, [])
    capsys.readouterr()
    assert main([str(root), "--no-cache"]) == 0
    assert "All checks passed!" in capsys.readouterr().err


def test_every_table_mr010_exempts_is_made_by_the_applications_own_startup(tmp_path, capsys):
    root = course(tmp_path)
    models = models_json(root, capsys)
    exempt = {
        m["table"] for m in models.values()
        if m["migrations"]["table"] == "absent" and m["migrations"]["created_at_startup"]
    }
    assert exempt == {"users"}  # packages is altered by a migration (unknown before it), auditing created
    assert models["User"]["migrations"] == {
        "history": "alembic", "table": "absent", "created_at_startup": "pypi_org/data/db_session.py:19",
    }
    assert models["Audit"]["migrations"]["table"] == "created"
    # the oracle: the application starts on an empty database, and every exempt table is there
    run(root, "import pypi_org.data.db_session as s; s.global_init('db/fresh.sqlite')")
    assert exempt <= set(reflected(root / "db" / "fresh.sqlite"))


def test_models_text_says_why_the_tables_are_exempt(tmp_path, capsys):
    root = course(tmp_path)
    capsys.readouterr()
    assert main(["models", str(root), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert (
        "migrations alembic: no migration creates users; create_all() at pypi_org/data/db_session.py:19 creates "
        "them at startup, so MR010 does not apply (MR011 and MR012 do)"
    ) in out


def test_a_module_level_create_all_in_a_startup_script_exempts_too(tmp_path, capsys):
    root = course(
        tmp_path,
        **{
            "pypi_org/data/db_session.py": None,
            "pypi_org/app.py": "import pypi_org.data.__all_models\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n"
            "import sqlalchemy as sa\n\nSqlAlchemyBase.metadata.create_all(sa.create_engine('sqlite:///db/app.sqlite'))\n",
        },
    )
    assert check(root, capsys) == (0, [])
    run(root, "import pypi_org.app")
    assert "users" in reflected(root / "db" / "app.sqlite")


def test_a_flask_sqlalchemy_db_create_all_in_the_app_factory_exempts_its_tables(tree, capsys):
    root = tree(
        {
            "shop/__init__.py": "",
            "shop/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "shop/models.py": "from shop.extensions import db\n\n\nclass Order(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
            "shop/app.py": (
                "from flask import Flask\n\nfrom shop.extensions import db\n\n\ndef create_app():\n"
                "    app = Flask(__name__)\n    app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///shop.sqlite'\n"
                "    db.init_app(app)\n    import shop.models  # noqa: F401\n\n    with app.app_context():\n"
                "        db.create_all()\n    return app\n"
            ),
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "from alembic import context\n\nimport shop.models  # noqa: F401\nfrom shop.extensions import db\n\n"
            "target_metadata = db.metadata\n",
            "migrations/versions/a1_note.py": revision("a1", None, 'op.add_column("order", sa.Column("note", sa.String()))'),
        }
    )
    assert codes(check(root, capsys)[1]) == []
    # the oracle: the factory creates the table on an empty database
    run(root, "from shop.app import create_app; create_app()")
    assert "order" in reflected(root / "instance" / "shop.sqlite")


# -- 2. what still applies: MR011 on the tables the migrations create -----------------------------------


def test_a_column_no_migration_adds_to_a_migrated_table_is_still_mr011(tmp_path, capsys):
    root = course(tmp_path, **{"pypi_org/data/audit.py": model("Audit", "auditing", "description", "actor")})
    code, found = check(root, capsys)
    assert code == 1 and codes(found) == [("MR011", "Audit")]
    assert "auditing.actor" in found[0]["message"]
    # the oracle: an existing database (made by create_all() before the column existed), upgraded to head
    # by Alembic, has no such column - and create_all() never adds it
    old = course(tmp_path / "old")
    run(old, "import pypi_org.data.db_session as s; s.global_init('db/pypi.sqlite')")
    (root / "db" / "pypi.sqlite").write_bytes((old / "db" / "pypi.sqlite").read_bytes())
    assert alembic(root, "stamp", "head").returncode == 0
    run(root, "import pypi_org.data.db_session as s; s.global_init('db/pypi.sqlite')")
    assert "actor" not in reflected(root / "db" / "pypi.sqlite")["auditing"]


def test_a_dropped_model_table_is_still_mr012(tmp_path, capsys):
    drop = revision("b9", "722c82", 'op.drop_table("users")')
    root = course(tmp_path, **{"alembic/versions/b9_drop_users.py": drop})
    assert codes(check(root, capsys)[1]) == [("MR012", "User")]


# -- 3. the converse: create_all() only in tests, or nowhere ---------------------------------------------


@pytest.mark.parametrize("where", ["tests/test_models.py", "tests/conftest.py", None])
def test_without_an_application_create_all_a_table_no_migration_creates_is_mr010(tmp_path, capsys, where):
    session = DB_SESSION.replace("    SqlAlchemyBase.metadata.create_all(engine)\n", "")
    test_code = (
        "import sqlalchemy as sa\n\nimport pypi_org.data.__all_models\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n\n\n"
        "def test_tables():\n    SqlAlchemyBase.metadata.create_all(sa.create_engine('sqlite://'))\n"
    )
    extra = {where: test_code} if where else {}
    root = course(tmp_path, **{"pypi_org/data/db_session.py": session}, **extra)
    code, found = check(root, capsys)
    assert code == 1 and codes(found) == [("MR010", "User")]
    assert models_json(root, capsys)["User"]["migrations"]["created_at_startup"] is None
    # the oracle: a fresh database upgraded to head lacks exactly that table (packages exists: see below)
    (root / "alembic/versions/a55036_added_last_updated.py").write_text(
        revision("a55036", None, 'op.create_table("packages", sa.Column("id", sa.String(), primary_key=True), '
                 'sa.Column("summary", sa.String()), sa.Column("last_updated", sa.String()))')
    )
    assert codes(check(root, capsys)[1]) == [("MR010", "User")]
    assert alembic(root, "upgrade", "head").returncode == 0
    made = reflected(root / "db" / "pypi.sqlite")
    assert {"auditing", "packages"} <= set(made) and "users" not in made


def test_a_create_all_on_another_metadata_exempts_nothing(tmp_path, capsys):
    other = "import sqlalchemy as sa\n\nscratch = sa.MetaData()\n\n\ndef init(engine):\n    scratch.create_all(engine)\n"
    session = DB_SESSION.replace("    SqlAlchemyBase.metadata.create_all(engine)\n", "")
    root = course(tmp_path, **{"pypi_org/data/db_session.py": session, "pypi_org/data/scratch.py": other})
    assert codes(check(root, capsys)[1]) == [("MR010", "User")]


# -- 4. a broken history is a finding (MR013), with Alembic as the oracle -------------------------------


def broken(tmp_path, capsys, **files):
    root = course(tmp_path, **files)
    code, found = check(root, capsys)
    return root, code, [(d["code"], d["path"], d["line"], d["message"]) for d in found]


def test_a_deleted_first_revision_is_reported_where_down_revision_names_it(tmp_path, capsys):
    root, code, found = broken(tmp_path, capsys, **{"alembic/versions/a55036_added_last_updated.py": None})
    assert code == 1
    assert found == [(
        "MR013", "alembic/versions/722c82_added_auditing_table.py", 11,
        "down_revision 'a55036' names no revision of alembic; MR010-MR012 are off for this history until it is repaired",
    )]
    proc = alembic(root, "history")
    assert proc.returncode != 0 and "a55036" in proc.stderr


def test_a_depends_on_naming_nothing_is_reported(tmp_path, capsys):
    rev = revision("b9", "722c82", "pass").replace("depends_on = None", "depends_on = 'f00ba4'")
    root, code, found = broken(tmp_path, capsys, **{"alembic/versions/b9_more.py": rev})
    assert [(c, p, line) for c, p, line, _ in found] == [("MR013", "alembic/versions/b9_more.py", 13)]
    assert "depends_on 'f00ba4' names no revision or branch label of alembic" in found[0][3]
    assert alembic(root, "history").returncode != 0


def test_two_files_with_one_revision_id_are_reported_once_at_the_second(tmp_path, capsys):
    copy = revision("722c82", "a55036", 'op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))')
    root, code, found = broken(tmp_path, capsys, **{"alembic/versions/zz_copy.py": copy})
    assert found == [(
        "MR013", "alembic/versions/zz_copy.py", 10,
        "revision '722c82' is also defined by alembic/versions/722c82_added_auditing_table.py: Alembic keeps only "
        "one of them; MR010-MR012 are off for this history until it is repaired",
    )]
    proc = alembic(root, "history")  # Alembic loads it, warns, and keeps one of the two
    assert "Revision 722c82 is present more than once" in proc.stderr


def test_a_cycle_is_reported_once_naming_its_revisions(tmp_path, capsys):
    first = revision("a55036", "722c82", 'op.add_column("packages", sa.Column("last_updated", sa.String()))')
    root, code, found = broken(tmp_path, capsys, **{"alembic/versions/a55036_added_last_updated.py": first})
    assert len(found) == 1 and found[0][:3] == ("MR013", "alembic/versions/722c82_added_auditing_table.py", 11)
    assert "the revisions 722c82 -> a55036 -> 722c82 form a cycle" in found[0][3]
    proc = alembic(root, "history")
    assert proc.returncode != 0 and "Cycle is detected in revisions (722c82, a55036)" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "text, line, reason",
    [
        (LAST_UPDATED.replace("def upgrade():", "def upgrade(:"), 16, "cannot parse: SyntaxError"),
        (LAST_UPDATED.replace("revision = 'a55036'", "revision = 'a55' + '036'"), 10, "`revision` is not a literal"),
    ],
    ids=["a syntax error", "a computed revision id"],
)
def test_a_revision_file_modelreg_cannot_read_is_reported_not_skipped(tmp_path, capsys, text, line, reason):
    root, code, found = broken(tmp_path, capsys, **{"alembic/versions/a55036_added_last_updated.py": text})
    mine = [f for f in found if f[0] == "MR013"]
    assert mine == [(
        "MR013", "alembic/versions/a55036_added_last_updated.py", line,
        f"cannot read this revision file ({reason}); MR010-MR012 are off for this history until it is repaired",
    )]
    assert code == 1


def test_a_broken_history_of_an_env_py_that_filters_autogenerate_is_still_reported(tmp_path, capsys):
    env = ENV.replace("target_metadata=target_metadata)", "target_metadata=target_metadata, include_object=lambda *a: True)")
    root, code, found = broken(
        tmp_path, capsys, **{"alembic/env.py": env, "alembic/versions/a55036_added_last_updated.py": None}
    )
    assert [c for c, *_ in found] == ["MR013"]


def test_a_broken_history_shows_in_models(tmp_path, capsys):
    root = course(tmp_path, **{"alembic/versions/a55036_added_last_updated.py": None})
    assert models_json(root, capsys)["User"]["migrations"]["table"] == "broken"
    capsys.readouterr()
    main(["models", str(root), "--no-cache"])
    assert "migrations alembic: the revision graph is broken (MR013): 3 tables not checked" in capsys.readouterr().out


# -- 5. acceptance on the course's shape ----------------------------------------------------------------


def test_the_course_with_the_audit_line_removed_gets_one_mr001_and_fix_restores_it(tmp_path, capsys):
    registry = ALL_MODELS.replace("# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n\n", "")
    root = course(tmp_path, **{"pypi_org/data/__all_models.py": registry})
    code, found = check(root, capsys)
    assert code == 1 and codes(found) == [("MR001", "Audit")]
    capsys.readouterr()
    assert main([str(root), "--no-cache", "--fix"]) == 0
    text = (root / "pypi_org/data/__all_models.py").read_text()
    assert "import pypi_org.data.audit\n" in text
    assert assert_fix_runs(
        root, "pypi_org.data.__all_models", "pypi_org.data.modelbase:SqlAlchemyBase.metadata",
        ["pypi_org.data.audit", "pypi_org.data.package", "pypi_org.data.users"],
    ) == ["auditing", "packages", "users"]
    assert check(root, capsys) == (0, [])


def test_a_cycle_is_named_from_its_first_file_even_when_the_walk_enters_it_from_a_descendant():
    from modelreg.migrations import build_history

    def facts(rid, down):
        return (rid, (down,), (), (), (), None, (("down_revision", 2), ("revision", 1)))

    # 0_d.py is a descendant of the cycle a -> c -> b -> a (each names the next as its down_revision)
    history = build_history("v", {"0_d.py": facts("d", "b"), "1_a.py": facts("a", "c"), "2_b.py": facts("b", "a"), "3_c.py": facts("c", "b")})
    (problem,) = history.problems
    assert (problem.kind, problem.path, problem.detail) == ("cycle", "1_a.py", "a -> c -> b -> a")
