"""modelreg.objects: what a call creates - bases, registries, MetaData, tables, Flask-SQLAlchemy dbs."""

from __future__ import annotations

from conftest import project_module, resolved


def test_each_sqlalchemy_factory_call_records_a_base_named_after_the_name_it_is_bound_to(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": """
                import sqlalchemy as sa
                from sqlalchemy.orm import declarative_base, registry
                Base = declarative_base()
                reg = registry()
                Other = reg.generate_base()
                md = sa.MetaData()
            """,
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    for name in ("Base", "reg", "Other", "md"):
        project.lookup(db, name)
    hows = {info.name: (info.how, info.line) for info in project.bases.values()}
    assert hows == {
        "pkg.db.Base": ("declarative_base()", 3),
        "pkg.db.reg": ("registry()", 4),
        "pkg.db.Other": ("registry().generate_base()", 5),
        "pkg.db.md": ("MetaData()", 6),
    }


def test_a_registry_and_a_table_on_a_shared_metadata_are_that_metadata(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": """
                from sqlalchemy import MetaData, Table, Column, Integer
                from sqlalchemy.orm import registry
                md = MetaData()
                reg = registry(metadata=md)
                Base = reg.generate_base()
                users = Table("users", md, Column("id", Integer, primary_key=True))
            """,
        }
    )
    project = resolved(root)
    db = project_module(project, "pkg.db")
    md = f"{db.path}::md"
    assert project.lookup(db, "reg") == ("registry", md)
    assert project.lookup(db, "Base") == ("base", md)
    assert project.lookup(db, "users") == ("table", "users", md)


def test_a_flask_sqlalchemy_db_and_a_project_subclass_of_it_give_a_model_base_and_tables(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/ext.py": """
                from flask_sqlalchemy import SQLAlchemy
                class AppSQLAlchemy(SQLAlchemy):
                    pass
                db = AppSQLAlchemy()
                plain = SQLAlchemy()
                roles = db.Table("roles_users", db.Column("id", db.Integer))
            """,
        }
    )
    project = resolved(root)
    ext = project_module(project, "app.ext")
    db_key = f"{ext.path}::db"
    assert project.lookup(ext, "db") == ("db", db_key)
    assert project.lookup(ext, "plain") == ("db", f"{ext.path}::plain")
    assert project.eval_name(ext, "db.Model") == ("base", db_key + ".Model")
    assert project.bases[db_key + ".Model"].how == "Flask-SQLAlchemy db.Model"
    assert project.lookup(ext, "roles") == ("table", "roles_users", db_key + ".Model")


def test_sqlmodel_metadata_is_one_shared_base(tree):
    root = tree({"app/__init__.py": "", "app/env.py": "from sqlmodel import SQLModel\ntarget = SQLModel.metadata\n"})
    project = resolved(root)
    assert project.lookup(project_module(project, "app.env"), "target") == ("metadata", "ext:sqlmodel.SQLModel")
    assert project.bases["ext:sqlmodel.SQLModel"].how == "SQLModel, table=True"


def test_an_unrelated_call_creates_nothing(tree):
    root = tree({"pkg/__init__.py": "", "pkg/a.py": "import logging\nlog = logging.getLogger(__name__)\n"})
    project = resolved(root)
    assert project.lookup(project_module(project, "pkg.a"), "log") is None
    assert project.bases == {}
