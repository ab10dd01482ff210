"""modelreg.classify: what each class is to SQLAlchemy, checked against SQLAlchemy itself."""

from __future__ import annotations

import json

from conftest import import_in_subprocess, project_module, resolved

SHAPES = {
    "pkg/__init__.py": "",
    "pkg/db.py": """
        from sqlalchemy.orm import DeclarativeBase, declarative_base, registry, as_declarative
        class Base(DeclarativeBase):
            pass
        Legacy = declarative_base()
        reg = registry()
        @as_declarative()
        class Decorated:
            pass
    """,
    "pkg/shapes.py": """
        import sqlalchemy as sa
        from sqlalchemy.orm import Mapped, mapped_column
        from sqlmodel import SQLModel, Field
        from pkg.db import Base, Legacy, reg, Decorated

        class Mixin:
            created = sa.Column(sa.Integer)

        class User(Mixin, Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)

        class Abstract(Base):
            __abstract__ = True

        class Thing(Abstract):
            __tablename__ = "things"
            id: Mapped[int] = mapped_column(primary_key=True)

        class Old(Legacy):
            __tablename__ = "old"
            id = sa.Column(sa.Integer, primary_key=True)

        @reg.mapped
        class Mapped1:
            __tablename__ = "mapped1"
            id = sa.Column(sa.Integer, primary_key=True)

        class Dec(Decorated):
            __tablename__ = "dec"
            id = sa.Column(sa.Integer, primary_key=True)

        class Hero(SQLModel, table=True):
            id: int = Field(default=None, primary_key=True)

        class HeroRead(SQLModel):
            name: str

        class HeroPublic(Hero):
            pass

        class Plain:
            pass
    """,
}

# what SQLAlchemy says of each class once pkg.shapes is imported: mapped (a table model), or not
_RUNTIME = """
import json, sqlalchemy
out = {}
for name in ["Mixin", "User", "Abstract", "Thing", "Old", "Mapped1", "Dec", "Hero", "HeroRead", "HeroPublic", "Plain"]:
    cls = getattr(mod, name)
    out[name] = sqlalchemy.inspect(cls, raiseerr=False) is not None
print(json.dumps(out))
"""


def test_a_class_is_a_model_exactly_when_sqlalchemy_maps_it(tree):
    root = tree(SHAPES)
    mapped = json.loads(import_in_subprocess(root, "pkg.shapes", _RUNTIME))
    project = resolved(root)
    shapes = project_module(project, "pkg.shapes")
    kinds = {name: project.classify(shapes, name).kind for name in mapped}
    assert {name for name, kind in kinds.items() if kind == "model"} == {n for n, m in mapped.items() if m}
    assert kinds == {
        "Mixin": "plain",
        "User": "model",
        "Abstract": "abstract",
        "Thing": "model",
        "Old": "model",
        "Mapped1": "model",
        "Dec": "model",
        "Hero": "model",
        "HeroRead": "sqlmodel",
        "HeroPublic": "sqlmodel_table",
        "Plain": "plain",
    }


def test_bases_are_recorded_with_what_made_them_a_base(tree):
    project = resolved(tree(SHAPES))
    db = project_module(project, "pkg.db")
    assert project.classify(db, "Base").kind == "base"
    assert project.classify(db, "Decorated").kind == "base"
    hows = {info.name: info.how for info in project.bases.values()}
    assert hows["pkg.db.Base"] == "subclass of DeclarativeBase"
    assert hows["pkg.db.Decorated"] == "@as_declarative()"


def test_a_model_is_classified_under_the_base_whose_metadata_receives_its_table(tree):
    project = resolved(tree(SHAPES))
    shapes, db = project_module(project, "pkg.shapes"), project_module(project, "pkg.db")
    assert project.classify(shapes, "Thing").base == f"{db.path}::Base"
    assert project.classify(shapes, "Old").base == f"{db.path}::Legacy"
    assert project.classify(shapes, "Mapped1").base == f"{db.path}::reg"
    assert project.classify(shapes, "Hero").base == "ext:sqlmodel.SQLModel"


def test_a_1200_deep_inheritance_chain_is_classified_without_exhausting_the_stack(tree):
    lines = ["from sqlalchemy.orm import declarative_base", "Base = declarative_base()", "class C0(Base):", "    __tablename__ = 'c0'"]
    for i in range(1, 1200):
        lines += [f"class C{i}(C{i - 1}):", "    pass"]
    project = resolved(tree({"pkg/__init__.py": "", "pkg/chain.py": "\n".join(lines) + "\n"}))
    chain = project_module(project, "pkg.chain")
    assert project.classify(chain, "C1199").kind == "model"


def test_a_class_inheriting_from_itself_through_a_cycle_is_plain(tree):
    root = tree({"pkg/__init__.py": "", "pkg/a.py": "from pkg.b import B\nclass A(B): pass\n", "pkg/b.py": "from pkg.a import A\nclass B(A): pass\n"})
    project = resolved(root)
    assert project.classify(project_module(project, "pkg.a"), "A").kind == "plain"
