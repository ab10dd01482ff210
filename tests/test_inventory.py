"""modelreg.inventory: every model and table a module defines, checked against the metadata SQLAlchemy fills."""

from __future__ import annotations

from conftest import project_module, resolved, tables_after_importing


def test_the_inventory_lists_the_tables_importing_the_modules_puts_on_the_metadata(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
            "pkg/models.py": """
                import sqlalchemy as sa
                from pkg.db import Base

                class User(Base):
                    __tablename__ = "users"
                    id = sa.Column(sa.Integer, primary_key=True)
                    kind = sa.Column(sa.String)
                    __mapper_args__ = {"polymorphic_on": kind}

                class Admin(User):
                    def greet(self):
                        return "hi"

                class Audit(Base):
                    __tablename__ = "audit"
                    id = sa.Column(sa.Integer, primary_key=True)

                links = sa.Table("links", Base.metadata, sa.Column("id", sa.Integer))
            """,
        }
    )
    runtime = tables_after_importing(root, ["pkg.models"], "pkg.db:Base.metadata")
    project = resolved(root)
    models = {m.name: m for m in project.models()}
    assert sorted({m.table for m in models.values() if m.table}) == runtime == ["audit", "links", "users"]
    assert models["links"].kind == "table"
    # single-table inheritance that adds nothing: same metadata, no table of its own
    assert models["Admin"].table is None and models["Admin"].adds_nothing


def test_generated_table_names_follow_sqlmodel_and_flask_sqlalchemy(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/ext.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/models.py": """
                from sqlmodel import SQLModel, Field
                from app.ext import db

                class HeroTeam(SQLModel, table=True):
                    id: int = Field(default=None, primary_key=True)

                class AuditLog(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
            """,
        }
    )
    tables = {m.name: m.table for m in resolved(root).models()}
    assert tables == {"HeroTeam": "heroteam", "AuditLog": "audit_log"}


def test_create_all_calls_and_imperative_mappings_are_found_with_their_metadata(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": """
                import sqlalchemy as sa
                from sqlalchemy.orm import registry
                reg = registry()
                users = sa.Table("users", reg.metadata, sa.Column("id", sa.Integer, primary_key=True))

                class User:
                    pass

                reg.map_imperatively(User, users)
                reg.metadata.create_all(sa.create_engine("sqlite://"))
            """,
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    (imperative,) = [m for m in project.models() if m.kind == "imperative"]
    assert (imperative.name, imperative.table, imperative.base) == ("User", "users", f"{db.path}::reg")
    assert [(m.name, key) for m, _, key in project.create_all_calls()] == [("pkg.db", f"{db.path}::reg")]


def test_a_model_like_class_defined_in_a_function_is_reported_as_unverified(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
            "pkg/late.py": """
                from pkg.db import Base

                def make():
                    class Late(Base):
                        __tablename__ = "late"
                    return Late
            """,
        }
    )
    project = resolved(root)
    assert [(m.name, name, reason) for m, name, _, _, reason in project.unverified()] == [
        ("pkg.late", "Late", "defined inside function make()")
    ]
    assert project.models() == []
