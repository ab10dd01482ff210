"""Models' columns and the migration history, read statically: held against real SQLAlchemy metadata,
and the unknowns (what modelreg cannot read for certain) never turn into findings."""

import json
import subprocess
import sys

import pytest

from conftest import analysis_of, write_tree
from modelreg.cli import main
from modelreg.columns import ModelTables, read_classes


def static_tables(root):
    """{table: sorted columns or None} for every table the project's models define, computed statically."""
    analysis = analysis_of(root)

    def classes_of(path):
        with open(path, "rb") as f:
            return read_classes(f.read())

    out = {}
    for tables in ModelTables(analysis.project, classes_of).tables(analysis.models).values():
        for t in tables:
            out[t.name] = None if t.columns is None else sorted(c.name for c in t.columns)
    return out


PROBE = """
import json, sys
sys.path.insert(0, ".")
import importlib
for name in sys.argv[2:]:
    importlib.import_module(name)
md = eval(sys.argv[1])
print(json.dumps({t.name: sorted(c.name for c in t.columns) for t in md.sorted_tables}))
"""


def runtime_tables(root, metadata, *modules):
    """{table: sorted columns} of a metadata once the modules are imported with real SQLAlchemy."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, metadata, *modules], cwd=root, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


DECLARATIVE = {
    "pyproject.toml": "",
    "app/__init__.py": "",
    "app/base.py": """
        import sqlalchemy as sa
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Timestamped:
            created_at = sa.Column(sa.DateTime)
            updated: Mapped[int] = mapped_column("updated_at", nullable=True)


        class Named(Base):
            __abstract__ = True

            name: Mapped[str]
            slug = mapped_column(sa.String, name="url_slug")
        """,
    "app/models.py": """
        from typing import ClassVar, List, Optional

        import sqlalchemy as sa
        from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

        from app.base import Base, Named, Timestamped

        tags = sa.Table(
            "post_tags",
            Base.metadata,
            sa.Column("post_id", sa.ForeignKey("posts.id")),
            sa.Column("tag", sa.String),
            sa.PrimaryKeyConstraint("post_id", "tag"),
        )


        class Author(Timestamped, Named):
            __tablename__ = "authors"
            __table_args__ = ({"comment": "people"},)

            id: Mapped[int] = mapped_column(primary_key=True)
            bio = deferred(sa.Column(sa.Text))
            posts: Mapped[List["Post"]] = relationship(back_populates="author")
            KIND: ClassVar[str] = "author"
            LIMIT = 10

            def display(self):
                return self.name


        class Post(Timestamped, Base):
            __tablename__ = "posts"

            id = sa.Column(sa.Integer, primary_key=True)
            author_id = sa.Column("writer", sa.ForeignKey("authors.id"))
            title_upper = column_property(sa.func.upper("x"))
            kind = sa.Column(sa.String(20))
            author: Mapped[Optional[Author]] = relationship(back_populates="posts")
            __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "post"}


        class Video(Post):
            duration: Mapped[Optional[int]] = mapped_column(nullable=True)
            __mapper_args__ = {"polymorphic_identity": "video"}


        class Article(Post):
            __tablename__ = "articles"

            id = sa.Column(sa.ForeignKey("posts.id"), primary_key=True)
            words = sa.Column(sa.Integer)
            __mapper_args__ = {"polymorphic_identity": "article"}


        class Legacy(Base):
            __table__ = sa.Table(
                "legacy", Base.metadata, sa.Column("legacy_id", sa.Integer, primary_key=True), sa.Column("v", sa.String)
            )
        """,
}


def test_declarative_columns_are_exactly_what_sqlalchemy_puts_in_the_metadata(tree):
    root = tree({k: v for k, v in DECLARATIVE.items() if k != "pyproject.toml"})
    truth = runtime_tables(root, "__import__('app.base').base.Base.metadata", "app.models")
    assert set(truth) == {"authors", "posts", "articles", "legacy", "post_tags"}
    assert static_tables(root) == truth


SQLMODEL = {
    "app/__init__.py": "",
    "app/models.py": """
        from typing import ClassVar, List, Optional

        import sqlalchemy as sa
        from sqlmodel import Field, Relationship, SQLModel


        class TeamBase(SQLModel):
            name: str = Field(index=True)
            headquarters: str


        class Team(TeamBase, table=True):
            id: Optional[int] = Field(default=None, primary_key=True)
            heroes: List["Hero"] = Relationship(back_populates="team")


        class Hero(SQLModel, table=True):
            __tablename__ = "heroes"

            id: Optional[int] = Field(default=None, primary_key=True)
            name: str
            secret_name: str = Field(sa_column=sa.Column("secret", sa.String))
            age: Optional[int] = None
            rank: int = Field(default=0, sa_column_kwargs={"name": "hero_rank"})
            team_id: Optional[int] = Field(default=None, foreign_key="team.id")
            team: Optional[Team] = Relationship(back_populates="heroes")
            MAX: ClassVar[int] = 3


        class HeroRead(TeamBase):
            id: int
        """,
}


def test_sqlmodel_fields_of_table_models_are_their_columns_minus_relationships(tree):
    root = tree(SQLMODEL)
    truth = runtime_tables(root, "__import__('sqlmodel').SQLModel.metadata", "app.models")
    assert set(truth) == {"team", "heroes"}
    assert static_tables(root) == truth


FLASK = {
    "app/__init__.py": "",
    "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
    "app/models.py": """
        from app.extensions import db


        class UserAccount(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            kind = db.Column(db.String)
            __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "user"}


        class Admin(UserAccount):
            level = db.Column(db.Integer)
            __mapper_args__ = {"polymorphic_identity": "admin"}


        class Customer(UserAccount):
            id = db.Column(db.ForeignKey("user_account.id"), primary_key=True)
            since = db.Column(db.DateTime)
            __mapper_args__ = {"polymorphic_identity": "customer"}


        class OrderLine(db.Model):
            __tablename__ = "lines"
            id = db.Column(db.Integer, primary_key=True)


        roles = db.Table("roles_users", db.Column("user_id", db.Integer), db.Column("role", db.String))
        """,
}


def test_flask_sqlalchemy_names_tables_and_splits_single_and_joined_inheritance_like_flask_sqlalchemy(tree):
    root = tree(FLASK)
    truth = runtime_tables(root, "__import__('app.extensions').extensions.db.metadata", "app.models")
    assert set(truth) == {"user_account", "customer", "lines", "roles_users"}
    assert static_tables(root) == truth


def test_a_declared_attr_column_makes_the_models_columns_unknown_but_its_table_known(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/models.py": """
                import sqlalchemy as sa
                from sqlalchemy.orm import declarative_base, declared_attr

                Base = declarative_base()


                class HasOwner:
                    @declared_attr
                    def owner_id(cls):
                        return sa.Column(sa.ForeignKey("owners.id"))


                class Owner(Base):
                    __tablename__ = "owners"
                    id = sa.Column(sa.Integer, primary_key=True)


                class Thing(HasOwner, Base):
                    __tablename__ = "things"
                    id = sa.Column(sa.Integer, primary_key=True)


                class Computed(Base):
                    @declared_attr
                    def __tablename__(cls):
                        return cls.__name__.lower()

                    id = sa.Column(sa.Integer, primary_key=True)
                """,
        }
    )
    assert static_tables(root) == {"owners": ["id"], "things": None}


# -- the history, with unknowns ----------------------------------------------------------------------

MODELS = """
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    nickname = sa.Column(sa.String)


class Audit(Base):
    __tablename__ = "auditing"
    id = sa.Column(sa.Integer, primary_key=True)
"""

ENV = """
from alembic import context

from app.models import Base

target_metadata = Base.metadata


def run_migrations_online():
    context.configure(connection=None, target_metadata=target_metadata{extra})
"""


def revision(rev, down, body, header=""):
    body = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return (
        f'"""{rev}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\n{header}\n\ndef upgrade():\n{body}\n\n\n"
        "def downgrade():\n    pass\n"
    )


CREATE_USERS = """
op.create_table("users", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
op.create_index("ix_users_id", "users", ["id"])
"""


def history_project(tree, *revisions, env_extra="", files=None):
    project = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/env.py": ENV.format(extra=env_extra),
        "migrations/script.py.mako": "",
    }
    for i, text in enumerate(revisions):
        project[f"migrations/versions/{i:03d}_rev.py"] = text
    project.update(files or {})
    return tree(project)


def diagnostics(root, capsys, *args):
    capsys.readouterr()
    code = main([str(root), "--format", "json", *args])
    doc = json.loads(capsys.readouterr().out)
    return code, [(d["code"], d["model"], d["message"]) for d in doc["diagnostics"]]


def codes(root, capsys, *args):
    return sorted((c, m.rpartition(".")[2]) for c, m, _ in diagnostics(root, capsys, "--no-cache", *args)[1])


def test_a_missing_table_and_a_missing_column_are_reported_at_the_model_and_the_column(tree, capsys):
    root = history_project(tree, revision("a1", None, CREATE_USERS))
    code, found = diagnostics(root, capsys, "--no-cache")
    assert code == 1
    assert sorted((c, m) for c, m, _ in found) == [("MR010", "app.models.Audit"), ("MR011", "app.models.User")]
    out = capsys.readouterr()
    main([str(root), "--no-cache"])
    lines = capsys.readouterr().out.splitlines()
    assert any(":13:7: MR010 model Audit's table 'auditing' is created by no migration of migrations" in x for x in lines)
    assert any(":10:5: MR011 column users.nickname (model User)" in x for x in lines), (lines, out)


def test_a_merge_of_two_branches_with_labels_and_depends_on_applies_both_branches(tree, capsys):
    root = history_project(
        tree,
        revision("a1", None, CREATE_USERS),
        revision("b1", "a1", 'op.add_column("users", sa.Column("nickname", sa.String()))', "branch_labels = ('left',)"),
        revision(
            "c1",
            "a1",
            'op.create_table("auditing", sa.Column("id", sa.Integer()))',
            "branch_labels = None\ndepends_on = 'left'",
        ),
        revision("d1", ("b1", "c1"), "pass"),
    )
    assert codes(root, capsys) == []


def test_batch_renames_and_drops_are_followed(tree, capsys):
    root = history_project(
        tree,
        revision("a1", None, CREATE_USERS + 'op.create_table("audit_old", sa.Column("id", sa.Integer()))'),
        revision(
            "b1",
            "a1",
            """
with op.batch_alter_table("users", schema=None) as batch_op:
    batch_op.add_column(sa.Column("nick", sa.String(), nullable=True))
    batch_op.create_index(batch_op.f("ix_users_nick"), ["nick"], unique=False)
with op.batch_alter_table("users") as batch_op:
    batch_op.alter_column("nick", new_column_name="nickname", existing_type=sa.String())
op.rename_table("audit_old", "auditing")
""",
        ),
    )
    assert codes(root, capsys) == []
    drop = revision("c1", "b1", 'with op.batch_alter_table("users") as b:\n    b.drop_column("nickname")\nop.drop_table("auditing")')
    write_tree(root, {"migrations/versions/002_rev.py": drop})
    assert codes(root, capsys) == [("MR011", "User"), ("MR012", "Audit")]
    _, found = diagnostics(root, capsys, "--no-cache")
    messages = {(c, m): msg for c, m, msg in found}
    assert "migrations/versions/002_rev.py:12 drops it" in messages[("MR012", "app.models.Audit")]
    assert "users.nickname (model User) is dropped or renamed by migrations/versions/002_rev.py:11" in messages[
        ("MR011", "app.models.User")
    ]


@pytest.mark.parametrize(
    "body",
    [
        'op.execute("ALTER TABLE users ADD COLUMN nickname VARCHAR")',
        'op.execute(sa.text("ALTER TABLE users ADD COLUMN nickname VARCHAR"))',
        'bind = op.get_bind()\nbind.execute(sa.text("ALTER TABLE users ADD COLUMN nickname VARCHAR"))',
        'op.get_bind().execute(sa.text("ALTER TABLE users ADD COLUMN nickname VARCHAR"))',
    ],
    ids=["sql string", "sa.text", "the bind's execute", "op.get_bind().execute"],
)
def test_literal_sql_makes_only_the_tables_it_names_unknown(tree, capsys, body):
    root = history_project(tree, revision("a1", None, CREATE_USERS), revision("b1", "a1", body))
    assert codes(root, capsys) == [("MR010", "Audit")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("op.execute(SQL)", []),
        ("bind = op.get_bind()\nbind.execute(SQL)", []),
        ("bind = op.get_bind()\nbind = other()\nbind.execute(\"DROP TABLE x\")", []),
        ("add_everything()", []),
        ('for name in ("users",):\n    op.add_column(name, sa.Column("nickname", sa.String()))', []),
        ('if op.get_context().dialect.name == "sqlite":\n    op.create_table("auditing", sa.Column("id", sa.Integer()))', []),
        ('op.add_column(TABLE, sa.Column("nickname", sa.String()))', []),
        # the table is created, its columns are unknown: not reported; users is still known
        ('op.create_table("auditing", *COLUMNS)', [("MR011", "User")]),
    ],
    ids=[
        "computed sql", "computed sql through the bind", "a rebound name", "helper function", "loop",
        "dialect condition", "table variable", "starred columns",
    ],
)
def test_what_cannot_be_read_for_certain_is_never_a_finding(tree, capsys, body, expected):
    root = history_project(tree, revision("a1", None, CREATE_USERS), revision("b1", "a1", body))
    assert codes(root, capsys) == expected


@pytest.mark.parametrize(
    "files",
    [
        {"migrations/versions/001_bad.py": "revision = 'b1'\ndown_revision = 'a1'\ndef upgrade(:\n"},
        {"migrations/versions/001_bad.py": revision("b1", "zz", "pass")},
        {"migrations/versions/001_bad.py": "revision = make_id()\ndown_revision = 'a1'\n"},
        {"migrations/versions/001_bad.py": revision("a1", None, "pass")},
        {"migrations/versions/001_bad.py": "revision = 'b1'\ndown_revision = 'a1'\nx = " + "[" * 5000 + "]" * 5000},
        {"migrations/versions/001_bad.py": b"revision = 'b1'\ndown_revision = 'a1'\x00\n"},
    ],
    ids=[
        "syntax error", "down_revision names no revision", "computed revision id", "revision defined twice",
        "deep nesting", "a NUL byte",
    ],
)
def test_a_history_that_cannot_be_read_for_certain_judges_no_table_and_says_why_once(tree, capsys, files):
    root = history_project(tree, revision("a1", None, CREATE_USERS), files=files)
    found = [c for c, _, _ in diagnostics(root, capsys, "--no-cache")[1]]
    assert [c for c in found if c in ("MR010", "MR011", "MR012")] == []
    assert found.count("MR013") == 1


def test_no_revision_file_means_no_history_and_no_migration_findings(tree, capsys):
    root = history_project(tree)
    assert codes(root, capsys) == []


def test_an_env_py_that_filters_autogenerate_is_left_out(tree, capsys):
    root = history_project(tree, revision("a1", None, "pass"), env_extra=", include_object=lambda *a: True")
    assert codes(root, capsys) == []


def test_the_rules_can_be_ignored_in_config_and_suppressed_with_noqa(tree, capsys):
    root = history_project(tree, revision("a1", None, CREATE_USERS))
    (root / "pyproject.toml").write_text('[tool.modelreg]\nignore = ["MR010"]\n')
    assert codes(root, capsys) == [("MR011", "User")]
    models = (root / "app" / "models.py").read_text()
    (root / "app" / "models.py").write_text(models.replace("nickname = sa.Column(sa.String)", "nickname = sa.Column(sa.String)  # noqa: MR011"))
    assert codes(root, capsys) == []


def test_a_cached_run_sees_an_edited_revision_body_the_index_does_not_read(tree, capsys):
    root = history_project(tree, revision("a1", None, CREATE_USERS))
    assert sorted(c for c, _, _ in diagnostics(root, capsys)[1]) == ["MR010", "MR011"]
    assert sorted(c for c, _, _ in diagnostics(root, capsys)[1]) == ["MR010", "MR011"]  # the report reused
    body = CREATE_USERS + 'op.add_column("users", sa.Column("nickname", sa.String()))\nop.create_table("auditing", sa.Column("id", sa.Integer()))'
    write_tree(root, {"migrations/versions/000_rev.py": revision("a1", None, body)})
    assert diagnostics(root, capsys)[1] == []
    # a model's new column (a class body the index blanks) is seen too
    models = (root / "app" / "models.py").read_text()
    write_tree(root, {"app/models.py": models.replace("    nickname =", "    email = sa.Column(sa.String)\n    nickname =")})
    assert [c for c, _, _ in diagnostics(root, capsys)[1]] == ["MR011"]


def test_a_cached_run_sees_a_new_revision_in_an_excluded_migrations_folder(tree, capsys):
    root = history_project(tree, revision("a1", None, CREATE_USERS))
    (root / "pyproject.toml").write_text('[tool.modelreg]\nextend-exclude = ["migrations/versions/"]\n')
    assert sorted(c for c, _, _ in diagnostics(root, capsys)[1]) == ["MR010", "MR011"]
    body = 'op.add_column("users", sa.Column("nickname", sa.String()))\nop.create_table("auditing", sa.Column("id", sa.Integer()))'
    write_tree(root, {"migrations/versions/001_rev.py": revision("b1", "a1", body)})
    assert diagnostics(root, capsys)[1] == []


def test_verify_holds_the_static_columns_against_the_imported_metadata(tree):
    from modelreg.verify import verify

    files = {k: v for k, v in DECLARATIVE.items() if k != "pyproject.toml"}
    # (a class mapping `__table__ = Table(...)` is an `unseen` table for verify: left out here)
    files["app/models.py"] = files["app/models.py"].split("\n\n        class Legacy(Base):")[0] + "\n"
    files["app/__all_models.py"] = "import app.models  # noqa: F401\n"
    root = tree(files)
    result = verify([str(root)])
    assert result.mismatches == [] and result.agreed == 5
    # a column appended by code at import time: the static reading cannot see it, verify says so
    models = root / "app" / "models.py"
    models.write_text(models.read_text() + '\nPost.__table__.append_column(sa.Column("extra", sa.String))\n')
    result = verify([str(root)])
    assert [(m.kind, m.what) for m in result.mismatches] == [("columns", "table posts")]
    assert "extra" in result.mismatches[0].detail


def test_version_locations_of_alembic_ini_are_read_in_every_folder(tree, capsys):
    root = history_project(
        tree,
        files={
            "alembic.ini": "[alembic]\nscript_location = migrations\n"
            "version_locations = %(here)s/migrations/one %(here)s/migrations/two\nversion_path_separator = space\n",
            "migrations/one/a1.py": revision("a1", None, CREATE_USERS + 'op.add_column("users", sa.Column("nickname", sa.String()))'),
            "migrations/two/b1.py": revision("b1", "a1", 'op.create_table("auditing", sa.Column("id", sa.Integer()))'),
        },
    )
    assert codes(root, capsys) == []
    (root / "migrations" / "two" / "b1.py").unlink()
    assert codes(root, capsys) == [("MR010", "Audit")]


def test_a_table_in_a_schema_is_matched_in_that_schema_and_never_guessed_across_schemas(tree, capsys):
    models = MODELS.replace('__tablename__ = "auditing"', '__tablename__ = "auditing"\n    __table_args__ = {"schema": "audit"}')
    create = CREATE_USERS + 'op.add_column("users", sa.Column("nickname", sa.String()))\n'
    root = history_project(
        tree,
        revision("a1", None, create + 'op.create_table("auditing", sa.Column("id", sa.Integer()), schema="audit")'),
        files={"app/models.py": models},
    )
    assert codes(root, capsys) == []
    write_tree(root, {"migrations/versions/000_rev.py": revision("a1", None, create + 'op.create_table("auditing", sa.Column("x", sa.Integer()))')})
    assert codes(root, capsys) == []  # the same name in another schema: unknown, not missing
    write_tree(root, {"migrations/versions/000_rev.py": revision("a1", None, create)})
    assert codes(root, capsys) == [("MR010", "Audit")]


def test_each_env_py_is_checked_against_its_own_history(tree, capsys):
    def model(base, cls, table):
        return (
            f"import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n\n{base} = declarative_base()\n\n\n"
            f"class {cls}({base}):\n    __tablename__ = {table!r}\n    id = sa.Column(sa.Integer, primary_key=True)\n"
        )

    def env(module, base):
        return f"from {module} import {base}\n\ntarget_metadata = {base}.metadata\n"

    root = tree(
        {
            "app/__init__.py": "",
            "app/main_db.py": model("MainBase", "Order", "orders"),
            "app/audit_db.py": model("AuditBase", "Event", "events"),
            "main/env.py": env("app.main_db", "MainBase"),
            "main/script.py.mako": "",
            "main/versions/a1.py": revision("a1", None, 'op.create_table("orders", sa.Column("id", sa.Integer()))'),
            "audit/env.py": env("app.audit_db", "AuditBase"),
            "audit/script.py.mako": "",
            "audit/versions/b1.py": revision("b1", None, 'op.create_table("events", sa.Column("id", sa.Integer()))'),
        }
    )
    assert codes(root, capsys) == []
    write_tree(root, {"audit/versions/b1.py": revision("b1", None, 'op.create_table("orders", sa.Column("id", sa.Integer()))')})
    assert codes(root, capsys) == [("MR010", "Event")]


TRICKY = '''\
import sqlalchemy as sa
from app.base import Base


class Odd(Base):
    """A docstring that shows code:

    def looks_like_a_method(self):
        return 1
    """
    __tablename__ = "odd"

    id = sa.Column(sa.Integer, primary_key=True)

    def one_liner(self): return 1

    def text(self):
        return """
not indented
""" + "x"

    @classmethod
    def build(
        cls,
        value,
    ):
        return cls()

    later = sa.Column("later_col", sa.String)


tags = sa.Table(
    "tags", Base.metadata,
    sa.Column("name", sa.String),
)


class Unclosed(Base):
    __tablename__ = "unclosed"
    id = sa.Column(sa.Integer, primary_key=True)
    def body(self):
        x = (1,
2)
        return x
    tail = sa.Column(sa.Integer)
'''


def test_reading_only_class_statements_gives_what_parsing_the_whole_file_gives(monkeypatch):
    from modelreg import columns

    fast = columns.read_classes(TRICKY.encode())
    monkeypatch.setattr(columns, "_pieces", lambda source: None)
    assert fast == columns.read_classes(TRICKY.encode())
    names = {c[0]: [e[0] for e in c[5]] for c in fast[0]}
    assert names["Odd"] == ["id", "one_liner", "text", "build", "later"]
    assert names["Unclosed"] == ["id", "body", "tail"]
    assert [t[1:3] for t in fast[1]] == [("tags", ("name",))]


def test_a_cached_run_sees_the_first_revision_of_an_excluded_versions_folder(tree, capsys):
    root = history_project(tree)
    (root / "migrations" / "versions").mkdir()
    (root / "pyproject.toml").write_text('[tool.modelreg]\nextend-exclude = ["migrations/versions/"]\n')
    assert diagnostics(root, capsys)[1] == []
    assert diagnostics(root, capsys)[1] == []  # the report reused
    write_tree(root, {"migrations/versions/000_rev.py": revision("a1", None, CREATE_USERS)})
    assert sorted(c for c, _, _ in diagnostics(root, capsys)[1]) == ["MR010", "MR011"]


def test_a_poisoned_facts_cache_gives_the_same_report_and_is_rebuilt(tree, capsys):
    import marshal

    from modelreg import cache as cache_mod
    from modelreg import migration_check
    from modelreg.migration_check import FACTS_FILE, FACTS_KEY

    root = history_project(tree, revision("a1", None, CREATE_USERS))
    first = diagnostics(root, capsys)
    assert sorted(c for c, _, _ in first[1]) == ["MR010", "MR011"]
    data = cache_mod._load_keyed(str(root), None, FACTS_FILE, FACTS_KEY)
    assert data["files"]
    files = {p: (key, kind, marshal.dumps(("poison", 42))) for p, (key, kind, _) in data["files"].items()}
    cache_mod._save_keyed(str(root), None, FACTS_FILE, FACTS_KEY, files=files, dirs=data["dirs"])
    (root / "app" / "models.py").write_text((root / "app" / "models.py").read_text() + "\n")  # not reused
    migration_check._OPEN.clear()  # a new process: the facts come from the file
    assert diagnostics(root, capsys) == first
    assert not (root / ".modelreg_cache" / FACTS_FILE).exists() or diagnostics(root, capsys) == first


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('op.execute("UPDATE users SET id = id; DELETE FROM users WHERE id < 0")', [("MR010", "Audit"), ("MR011", "User")]),
        ('op.get_bind().execute(sa.text("INSERT INTO users (id) VALUES (1)"))', [("MR010", "Audit"), ("MR011", "User")]),
        ('op.execute("SELECT * INTO auditing FROM users")', []),
        ('op.execute("UPDATE users SET id = 1; ALTER TABLE users ADD nickname TEXT")', [("MR010", "Audit")]),
    ],
    ids=["update and delete", "insert through the bind", "select into", "dml then ddl"],
)
def test_sql_that_only_changes_rows_leaves_every_table_known(tree, capsys, body, expected):
    root = history_project(tree, revision("a1", None, CREATE_USERS), revision("b1", "a1", body))
    assert codes(root, capsys) == expected
