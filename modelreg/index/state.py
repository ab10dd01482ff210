"""What the statement walk collects from one file: a plain record the visitors append to.

Every visitor module (imports, classes, assigns, calls, dynamic, walk) takes a :class:`Collected`
first and adds its facts to it; :func:`to_facts` freezes it into the FileFacts of the file.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

from ..types import Assign, Call, ClassDef, DynamicImport, Expr, FileFacts, ImportStmt
from .noqa import noqa_lines

# Calls recorded as facts wherever they occur (the last attribute of the callee).
INTERESTING_CALLS = frozenset({"create_all", "map_imperatively", "configure"})


class Collected:
    """The facts of one file so far, and what the walk needs to know about the file's text."""

    __slots__ = (
        "text", "ascii", "lines", "imports", "classes", "assigns", "calls", "dynamic", "defined", "functions",
        "called_functions", "all_names", "covered", "guarded", "guard", "type_checking_names", "walrus_in_text",
        "hidden", "returns", "kept_functions", "module_body", "outer", "scan_calls", "excluded_tables",
        "function_calls", "in_kept", "all_from_folder", "loops", "file_names",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()  # byte columns are character columns
        self.lines: Optional[List[str]] = None  # the text's lines, split when a column needs them
        self.imports: List[ImportStmt] = []
        self.classes: List[ClassDef] = []
        self.assigns: List[Assign] = []
        self.calls: List[Call] = []
        self.dynamic: List[DynamicImport] = []
        self.defined: Set[str] = set()
        self.functions: Set[str] = set()
        self.called_functions: Set[str] = set()
        self.all_names: Optional[Tuple[str, ...]] = None
        self.covered: Set[int] = set()  # lines of import_module calls inside an understood loop
        self.guarded: List[int] = []  # lines of imports under `try:` ... `except ImportError:`
        self.guard = 0  # depth of such `try:` bodies around the statement being visited
        self.type_checking_names: Set[str] = set()  # `from typing import TYPE_CHECKING as TC`: TC
        self.walrus_in_text = ":=" in text  # (once: asked for every assignment)
        self.hidden: List[ClassDef] = []
        self.returns: List[Tuple[str, Expr]] = []
        self.excluded_tables: Set[str] = set()  # tables Alembic's include_name/include_object leave out
        self.kept_functions: Set[int] = set()  # see skeleton.kept_functions
        self.module_body: Set[int] = set()  # ids of the module's own statements
        self.outer = ""  # the class whose body is being visited
        self.function_calls: List[Tuple[str, Expr]] = []
        self.all_from_folder = False
        self.file_names: Set[str] = {"__file__"}  # names bound to a path made from `__file__` (`here = Path(__file__).parent`)
        self.loops: List[Tuple[str, Expr]] = []  # (target, iterable) of the for loops around the statement
        self.in_kept: Optional[bool] = None  # None: outside any function; else inside a module-level function the skeleton keeps whole (see walk._function)
        # expressions only need walking when the text can contain what we look for
        self.scan_calls = (
            any(k in text for k in INTERESTING_CALLS)
            or "import_module" in text
            or "__import__" in text
            or ".scan(" in text
            or "entry_points" in text
            or "Manager(" in text
            or (("exec(" in text or "eval(" in text) and "import" in text)
        )


def lines_of(c: Collected) -> List[str]:
    if c.lines is None:
        c.lines = c.text.splitlines()
    return c.lines


def char_col(c: Collected, line: int, byte_col: int) -> int:
    """ast columns are UTF-8 byte offsets; diagnostics use characters."""
    if c.ascii:
        return byte_col
    try:
        text = lines_of(c)[line - 1]
    except IndexError:
        return byte_col
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def to_facts(c: Collected) -> FileFacts:
    return FileFacts(
        imports=tuple(c.imports),
        classes=tuple(c.classes),
        assigns=tuple(c.assigns),
        calls=tuple(c.calls),
        dynamic_imports=tuple(c.dynamic),
        defined=tuple(sorted(c.defined)),
        all_names=c.all_names,
        has_getattr="__getattr__" in c.functions,
        called_functions=tuple(sorted(c.called_functions)),
        noqa=noqa_lines(c.text),
        guarded=tuple(c.guarded),
        hidden_classes=tuple(c.hidden),
        returns=tuple(c.returns),
        excluded_tables=tuple(sorted(c.excluded_tables)),
        function_calls=tuple(c.function_calls),
        all_from_folder=c.all_from_folder,
    )
