"""Plain data passed between the stages of the pipeline.

files -> FileFacts (index) -> Project (resolve) -> Diagnostic (rules) -> edits (fix) -> reporters.

Everything in :class:`FileFacts` is built from tuples, strings, ints, bools and
None only, so that the per-file index can be cached with ``marshal`` and shipped
between processes without pickling project objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, NamedTuple, Optional, Tuple

# --- expressions -------------------------------------------------------------
#
# A tiny, JSON/marshal friendly mirror of the Python expressions modelreg cares
# about (class bases, decorators, assigned values, call arguments):
#   ("name", "a.b.c")                  a Name or a chain of attribute accesses
#   ("attr", <expr>, "x")              attribute access on something else
#   ("call", <expr>, (args...), ((kw, <expr>), ...))
#   ("str", "text")  ("const", True|False|None|int|float)
#   ("list", (items...))               list or tuple display
#   ("sub", <expr>)                    a subscript `X[...]` (a generic base `Base[int]`): X
#   ("dict", (values...))              a dict display: its values
#   ("other",)                         anything else
Expr = tuple

OTHER: Expr = ("other",)

# Scopes in which a statement runs.
MODULE = "module"  # runs when the module is imported
TYPING = "typing"  # under `if TYPE_CHECKING:` - never at runtime
MAIN = "main"  # under `if __name__ == "__main__":` - not when imported
DEAD = "dead"  # under a test that is never true: `if False:`, `while 0:`, `if sys.version_info < (3,):`
# A statement inside a function body gets the scope "def:<top-level function name>".


class ImportStmt(NamedTuple):
    """One ``import`` / ``from ... import`` statement."""

    is_from: bool
    module: str  # `from X import ...` -> X ("" for `from . import x`); unused for `import`
    level: int  # number of leading dots of a relative import
    names: Tuple[Tuple[str, Optional[str]], ...]  # (name, asname); `import a.b` -> (("a.b", None),)
    line: int
    col: int
    end_line: int
    end_col: int
    scope: str
    # name -> (line, col) of each imported alias, for precise diagnostics
    name_pos: Tuple[Tuple[int, int], ...] = ()

    def bound(self, name: str, asname: Optional[str]) -> str:
        """The name one of its aliases binds: `as` name, else the name (`from`), else its first part."""
        return asname or (name if self.is_from else name.partition(".")[0])


class ClassDef(NamedTuple):
    name: str
    line: int
    col: int  # 0-based character column of the class *name*
    bases: Tuple[Expr, ...]
    keywords: Tuple[Tuple[str, Expr], ...]
    decorators: Tuple[Expr, ...]
    abstract: bool  # `__abstract__ = True` in the body
    tablename: Optional[str]  # `__tablename__ = "..."` when a string literal
    extend_existing: bool  # `__table_args__` mentions extend_existing=True
    scope: str
    # added later (defaults keep older call sites working):
    declares: bool = True  # the body declares something besides methods, a docstring, `pass` and TYPE_CHECKING blocks
    schema: Optional[str] = None  # `__table_args__ = {"schema": "..."}` (or a tuple ending with such a dict)
    metadata: Optional[Expr] = None  # `metadata = <expr>` in the body (a DeclarativeBase on a shared MetaData)
    schema_known: bool = True  # False: `__table_args__` is computed (a declared_attr, a call): schema unknown
    # the body looks like a mapped class (`__tablename__`, `__table__`, `Mapped[`, `mapped_column(`,
    # `Column(`, `relationship(`): a class modelreg cannot classify is then said, not skipped (MR007)
    modelish: bool = False


class Assign(NamedTuple):
    """Module-level ``name = value`` (also annotated assignments)."""

    targets: Tuple[str, ...]
    value: Expr
    line: int
    col: int
    scope: str


class Call(NamedTuple):
    """A call statement modelreg may care about (``create_all``, ``map_imperatively``,
    ``context.configure(target_metadata=...)``)."""

    func: Expr
    args: Tuple[Expr, ...]
    line: int
    col: int
    scope: str
    kwargs: Tuple[Tuple[str, Expr], ...] = ()


class DynamicImport(NamedTuple):
    """An import whose target is computed at runtime.

    kind "package": a loop over ``pkgutil.iter_modules``/``walk_packages`` of a
    package's ``__path__`` calling ``importlib.import_module`` - imports every
    module of ``package`` (an expression; ("name", "__path__") means the
    module's own package). ``recursive`` for walk_packages.
    kind "literal": ``importlib.import_module("a.b")`` with a constant name.
    kind "scan": Pyramid's ``config.scan()``: every module of ``package`` (("name", "__path__"): the
    calling module's package), recursively, except the comma-separated ``ignore=`` names in ``suffix``.
    kind "entry_points": the plugins of the entry-point group ``suffix`` (``target``: the callee,
    importlib.metadata's `entry_points`, pkg_resources' `iter_entry_points` or a stevedore manager).
    kind "unknown": anything else (computed names, ``__import__``, ``exec``); ``suffix`` holds the literal
    start of an ``import_module`` name (``f"app.plugins.{name}"``: "app.plugins."; relative against the
    calling package when it starts with "."), "" when nothing of it is known.
    """

    kind: str
    target: Expr
    recursive: bool
    line: int
    col: int
    scope: str
    suffix: str = ""  # "package" loops importing f"{pkg}.{name}.models": ".models"


@dataclass(frozen=True)
class FileFacts:
    """Everything modelreg needs to know about one file, computed from its bytes alone."""

    imports: Tuple[ImportStmt, ...] = ()
    classes: Tuple[ClassDef, ...] = ()
    assigns: Tuple[Assign, ...] = ()
    calls: Tuple[Call, ...] = ()
    dynamic_imports: Tuple[DynamicImport, ...] = ()
    # names bound at module level by any statement (def, class, assignment, import, for, with...)
    defined: Tuple[str, ...] = ()
    all_names: Optional[Tuple[str, ...]] = None  # literal `__all__`
    has_getattr: bool = False  # module-level `def __getattr__` makes any name importable
    called_functions: Tuple[str, ...] = ()  # plain `f()` calls that run at import time
    noqa: Tuple[Tuple[int, Optional[Tuple[str, ...]]], ...] = ()  # line -> codes (None: bare noqa)
    error: Optional[Tuple[int, int, str]] = None  # (line, col, reason): file unreadable/unparsable
    # lines of import statements inside `try:` blocks whose handlers catch ImportError: optional imports
    guarded: Tuple[int, ...] = ()
    # classes defined inside a function or nested in a class body (scope "def:<f>" / "class:<Outer>"):
    # never mapped at import time as module-level models are; judged "cannot verify" when model-like
    hidden_classes: Tuple[ClassDef, ...] = ()
    # (name, returned expression) of module-level functions ending with `return <expr>` (a base or a
    # metadata made by a project function: `Base = make_base()`, `target_metadata = get_metadata()`)
    returns: Tuple[Tuple[str, Expr], ...] = ()
    # tables an Alembic env.py's `include_name` / `include_object` hook returns False for, by literal name
    excluded_tables: Tuple[str, ...] = ()
    # (scope "def:<f>", callee) of the calls statements make inside module-level functions the skeleton
    # keeps whole (those that import or create): what calling the function runs (`main()` calls
    # `import_models()`, then `alembic.command.upgrade(...)`)
    function_calls: Tuple[Tuple[str, Expr], ...] = ()
    # `__all__` computed from a listing of the module's own folder (`p.stem for p in
    # Path(__file__).parent.glob("*.py")`): a star import of the package imports its modules
    all_from_folder: bool = False

    def noqa_codes(self, line: int):
        """None when the line has no noqa; () for a bare ``# noqa``; else the codes."""
        for ln, codes in self.noqa:
            if ln == line:
                return () if codes is None else codes
        return None


# --- project -----------------------------------------------------------------


class Module(NamedTuple):
    """A file that Python can import, with the name it is imported under."""

    path: str  # absolute path
    name: str  # dotted module name relative to its import root
    root: str  # absolute path of its import root (the sys.path entry it lives under)
    is_package: bool  # an __init__.py

    @property
    def package(self) -> str:
        """The package relative imports in this module are relative to."""
        if self.is_package:
            return self.name
        return self.name.rpartition(".")[0]


@dataclass(frozen=True)
class ModelInfo:
    name: str  # class name (or table name for Core tables)
    module: Module
    line: int
    col: int
    table: Optional[str]
    base: str  # dotted name of the declarative base (or metadata) it belongs to
    abstract: bool
    kind: str = "class"  # "class" | "table" (Core Table) | "imperative" (registry.map_imperatively)
    extend_existing: bool = False
    schema: Optional[str] = None  # the table's schema, when the model or Table names one
    adds_nothing: bool = False  # an inheriting subclass with no table and no column of its own (typing only)
    schema_known: bool = True  # False: the schema is computed (`__table_args__` by a function or a call)


@dataclass(frozen=True)
class Registry:
    path: str  # absolute path
    module: Optional[Module]  # None when the file does not exist (yet)
    source: str  # "config" | "file name" | "env.py" | "create_all" | "gathers models" | "missing" | "loaded"
    bases: Optional[Tuple[str, ...]] = None  # None: governs every base of its import root
    entry: Optional[str] = None  # the module's function the application calls first (console script, app factory)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str  # absolute path
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    model: Optional[str] = None  # dotted pkg.mod.Class
    registry: Optional[str] = None  # absolute path of the registry concerned
    fixable: bool = False
    # data the fixer needs (not part of the JSON contract)
    fix: Optional[tuple] = field(default=None, compare=False)


@dataclass
class Report:
    """What a check found (api.check); a report reused from the cache has no models, registries or analysis."""

    root: str
    diagnostics: List[Diagnostic]
    files: int
    models: List[ModelInfo]
    registries: List[Registry]
    # the modelreg.analysis.Analysis the report was computed from (typed Any: types sits below analysis)
    analysis: Optional[Any] = field(default=None, repr=False)
    model_count: Optional[int] = None  # set when the report was reused from the cache

    @property
    def models_found(self) -> int:
        if self.model_count is not None:
            return self.model_count
        return sum(1 for m in self.models if not m.abstract)

    @property
    def exit_code(self) -> int:
        return 1 if self.diagnostics else 0
