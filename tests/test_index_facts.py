"""The statement walk (modelreg/index/walk.py and the visitors it dispatches to): what a file's tree
says, as FileFacts. Every source here is indexed twice (skeleton parse and full parse, see
conftest.facts_of), and the two must agree."""

from __future__ import annotations

from conftest import facts_of

from modelreg.types import DEAD, MAIN, MODULE, OTHER, TYPING

# -- imports (index/imports.py) ----------------------------------------------------------------


def test_an_import_records_its_module_names_positions_and_the_names_it_binds():
    facts = facts_of(
        """
        import os.path
        from ..db import Base as B, engine
        """
    )
    plain, relative = facts.imports
    assert (plain.is_from, plain.module, plain.names, plain.line, plain.col, plain.end_col) == (
        False, "", (("os.path", None),), 1, 0, 14
    )
    assert (relative.is_from, relative.module, relative.level, relative.names) == (
        True, "db", 2, (("Base", "B"), ("engine", None))
    )
    assert relative.name_pos == ((2, 17), (2, 28)) and relative.scope == MODULE
    assert facts.defined == ("B", "engine", "os")


def test_columns_are_characters_not_utf8_bytes():
    facts = facts_of("café = 1; import os\nclass Über(Base): pass\n")
    assert (facts.imports[0].col, facts.imports[0].name_pos) == (10, ((1, 17),))
    assert facts.classes[0].col == 6


def test_an_import_under_try_except_import_error_is_guarded():
    facts = facts_of(
        """
        try:
            import pkg.optional
        except ImportError:
            pass
        try:
            import pkg.required
        except ValueError:
            pass
        """
    )
    assert facts.guarded == (2,)


# -- scopes (index/walk.py, index/conditions.py) --------------------------------------------------


def test_each_statement_is_recorded_with_the_scope_it_runs_in():
    facts = facts_of(
        """
        import sys
        from typing import TYPE_CHECKING as TC
        if TC:
            import a
        else:
            import b
        if __name__ == "__main__":
            import c
        if sys.version_info < (3,):
            import d
        while 0:
            import e
        def setup():
            import f
        class Models:
            import g
        """
    )
    scopes = {i.names[0][0]: i.scope for i in facts.imports}
    assert scopes == {"sys": MODULE, "TYPE_CHECKING": MODULE, "a": TYPING, "b": MODULE, "c": MAIN, "d": DEAD, "e": DEAD,
                      "f": "def:setup", "g": MODULE}
    assert "f" not in facts.defined and "g" not in facts.defined and "setup" in facts.defined


# -- classes (index/classes.py) ------------------------------------------------------------------


def test_a_class_records_its_bases_and_table_dunders():
    facts = facts_of(
        """
        class User(Base, metaclass=Meta):
            __tablename__ = "users"
            __table_args__ = ({"schema": "auth", "extend_existing": True},)
            metadata = other_metadata
            id = Column(Integer, primary_key=True)

            def greet(self):
                return "hi"
        """
    )
    (user,) = facts.classes
    assert (user.name, user.line, user.col) == ("User", 1, 6)
    assert user.bases == (("name", "Base"),) and user.keywords == (("metaclass", ("name", "Meta")),)
    assert (user.tablename, user.schema, user.schema_known, user.extend_existing) == ("users", "auth", True, True)
    assert user.metadata == ("name", "other_metadata")
    assert user.declares and user.modelish and not user.abstract


def test_a_class_table_from_a_table_object_or_a_declared_attr():
    facts = facts_of(
        """
        class A(Base):
            __table__ = Table("a_table", metadata, schema="s")

        class B(Base):
            __abstract__ = True

            @declared_attr
            def __tablename__(cls):
                return "b_table"

        class C(Base):
            def __table_args__(cls):
                return auto_table_args(cls)
        """
    )
    a, b, c = facts.classes
    assert (a.tablename, a.schema) == ("a_table", "s")
    assert (b.tablename, b.abstract, b.declares) == ("b_table", True, True)
    assert (c.tablename, c.schema_known, c.declares, c.modelish) == (None, False, False, False)


def test_a_class_that_declares_nothing_and_one_that_only_looks_mapped():
    facts = facts_of(
        """
        class Mixin:
            '''Doc.'''
            def helper(self):
                pass

        class Lookalike(Something):
            name: Mapped[str] = mapped_column()
        """
    )
    mixin, lookalike = facts.classes
    assert (mixin.declares, mixin.modelish) == (False, False)
    assert (lookalike.declares, lookalike.modelish, lookalike.tablename) == (True, True, None)


def test_a_class_looks_mapped_by_its_own_statements_not_by_what_its_methods_read():
    facts = facts_of(
        """
        class ChallengeCounts(Resource):  # CTFd: a flask-restx resource reading a model's table
            def get(self, column):
                if column in Challenges.__table__.columns.keys():
                    return relationship(Challenges)

            def test_order_by_relationship(self):  # redash: a test named after what it tests
                pass

            @mock.patch("nova.db.main.models.Tag.__table__.insert",  # nova: a decorator of a test
                        return_value=None)
            def test_insert(self, mock_insert):
                pass

        class Generated(Base):
            @declared_attr
            def __tablename__(cls):
                return cls.__name__.lower()

        class Continued(Base):
            id = Column(
                Integer, primary_key=True)

        class Checked(Base):
            if TYPE_CHECKING:
                name: Mapped[str]
        """
    )
    assert [(c.name, c.modelish) for c in facts.classes] == [
        ("ChallengeCounts", False), ("Generated", True), ("Continued", True), ("Checked", True)
    ]


def test_a_class_in_a_function_or_in_a_class_is_hidden():
    facts = facts_of(
        """
        def factory():
            class Made(Base):
                __tablename__ = "made"

        class Outer:
            class Inner(Base):
                __tablename__ = "inner"
        """
    )
    assert [c.name for c in facts.classes] == ["Outer"]
    assert [(c.name, c.scope, c.tablename) for c in facts.hidden_classes] == [
        ("Made", "def:factory", "made"), ("Inner", "class:Outer", "inner")
    ]


# -- assignments (index/assigns.py) --------------------------------------------------------------


def test_assignments_record_values_unpacking_all_and_walrus():
    facts = facts_of(
        """
        Base, meta = declarative_base(), MetaData()
        target_metadata = get_metadata()
        __all__ = ["User", "Team"]
        (Other := declarative_base())
        counter += 1
        """
    )
    assigns = {a.targets: a.value for a in facts.assigns}
    assert assigns[("Base",)] == ("call", ("name", "declarative_base"), (), ())
    assert assigns[("meta",)] == ("call", ("name", "MetaData"), (), ())
    assert assigns[("target_metadata",)] == ("call", ("name", "get_metadata"), (), ())
    assert assigns[("Other",)] == ("call", ("name", "declarative_base"), (), ())
    assert assigns[("__all__",)] == ("list", (("str", "User"), ("str", "Team")))
    assert facts.all_names == ("User", "Team")
    assert facts.called_functions == ("get_metadata",)
    assert {"Base", "meta", "Other", "counter", "target_metadata", "__all__"} <= set(facts.defined)


def test_a_module_function_returns_what_modelreg_reads_and_getattr_is_noticed():
    facts = facts_of(
        """
        def make_base():
            return declarative_base()

        def plain():
            return 1

        def __getattr__(name):
            raise AttributeError(name)
        """
    )
    # `plain` is blanked by the skeleton (nothing modelreg records): its return is not read either way
    assert facts.returns == (("make_base", ("call", ("name", "declarative_base"), (), ())),)
    assert facts.has_getattr is True


# -- calls and dynamic imports (index/calls.py, index/dynamic.py) ---------------------------------


def test_calls_modelreg_records_wherever_they_occur():
    facts = facts_of(
        """
        Base.metadata.create_all(engine)
        context.configure(url=url)
        context.configure(connection=c, target_metadata=Base.metadata)
        def run():
            reg.map_imperatively(User, users)
        """
    )
    assert [(c.func, c.line, c.scope, c.kwargs) for c in facts.calls] == [
        (("name", "Base.metadata.create_all"), 1, MODULE, ()),
        (("name", "context.configure"), 3, MODULE, (("target_metadata", ("name", "Base.metadata")),)),
        (("name", "reg.map_imperatively"), 5, "def:run", ()),
    ]


def test_dynamic_imports_literal_relative_unknown_and_in_strings():
    facts = facts_of(
        """
        import importlib
        importlib.import_module("app.models")
        importlib.import_module(".models", package=__name__)
        importlib.import_module(".models", "elsewhere")
        __import__("app.other")
        importlib.import_module(name)
        exec("import app.hidden")
        """
    )
    assert [(d.kind, d.target, d.line) for d in facts.dynamic_imports] == [
        ("literal", ("str", "app.models"), 2),
        ("literal", ("str", ".models"), 3),
        ("unknown", ("str", ".models"), 4),
        ("literal", ("str", "app.other"), 5),
        ("unknown", ("name", "name"), 6),
        ("unknown", ("str", "import app.hidden"), 7),
    ]


def test_loops_that_import_a_package_or_a_list_of_names():
    facts = facts_of(
        """
        import importlib, pkgutil
        for info in pkgutil.walk_packages(app.models.__path__):
            importlib.import_module(f"app.models.{info.name}.tables")
        for name in ["a", "b"]:
            importlib.import_module(f"plugins.{name}.models")
        """
    )
    package, a, b = facts.dynamic_imports
    assert (package.kind, package.target, package.recursive, package.suffix) == (
        "package", ("name", "app.models"), True, ".tables"
    )
    assert [(d.kind, d.target, d.line) for d in (a, b)] == [
        ("literal", ("str", "plugins.a.models"), 5), ("literal", ("str", "plugins.b.models"), 5)
    ]


# -- noqa (index/noqa.py) ----------------------------------------------------------------------------


def test_noqa_comments_by_line_and_for_the_whole_file():
    facts = facts_of(
        """
        # modelreg: noqa: MR005
        import pkg.models  # noqa: mr002, MR001
        import pkg.more  # noqa
        """
    )
    assert facts.noqa == ((0, ("MR005",)), (2, ("MR002", "MR001")), (3, None))


def test_an_empty_file_has_no_facts():
    facts = facts_of("")
    assert facts.imports == facts.classes == facts.assigns == facts.calls == facts.dynamic_imports == ()
    assert facts.error is None and facts.all_names is None and facts.returns == ()
    assert OTHER == ("other",)


def test_the_tables_an_env_py_hook_returns_false_for_are_facts():
    facts = facts_of(
        """
        def include_name(name, type_, parent_names):
            if type_ == "table":
                if not plugin_loaded("tracking") and name in ("tracking_raw", "tracking_summary"):
                    return False
                if name.endswith("_alembic_version"):
                    return False
            return True

        def include_object(obj, object_name, type_, reflected, compare_to):
            if type_ == "table" and object_name == "spatial_ref_sys":
                return False
            return object_name != "kept"

        def unrelated(name):
            if name == "other":
                return False
        """
    )
    assert facts.excluded_tables == ("spatial_ref_sys", "tracking_raw", "tracking_summary")
