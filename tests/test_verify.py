"""modelreg verify: the static verdicts against what importing each registry really registers."""

from __future__ import annotations

from conftest import tables_after_importing

SCHEMAS = {
    "pkg/__init__.py": "",
    "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "pkg/models.py": """
        import sqlalchemy as sa
        from pkg.db import Base

        class A(Base):
            __table__ = sa.Table("a_table", Base.metadata, sa.Column("id", sa.Integer, primary_key=True))

        class B(Base):
            __tablename__ = "b"
            __table_args__ = {"schema": "s"}
            id = sa.Column(sa.Integer, primary_key=True)

        links = sa.Table("links", Base.metadata, sa.Column("id", sa.Integer), schema="s2")
    """,
    "pkg/__all_models.py": "import pkg.models\n",
}


def test_verify_agrees_on_tables_in_a_schema_which_the_metadata_keys_as_schema_dot_name(tree, run):
    root = tree(SCHEMAS)
    assert tables_after_importing(root, ["pkg.__all_models"], "pkg.db:Base.metadata") == ["a_table", "s.b", "s2.links"]
    result = run(["verify", root])
    assert (result.exit_code, result.out) == (0, ""), result
    assert result.err == "verified 1 registry: 3 models agree, 0 differences\n"
