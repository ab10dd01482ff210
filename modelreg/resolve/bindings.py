"""Which statement binds each module-level name: a pure function of one file's facts.

Python binds a module-level name by its last binding statement: a class, an assignment or an
import on a later line wins (within one import statement, the later alias). Star imports are not
bindings here: the evaluator (modelreg.evaluate) looks names up through them last.
"""

from __future__ import annotations

from typing import Dict, Set

from ..types import MODULE, FileFacts


def winning_bindings(facts: FileFacts) -> Dict[str, tuple]:
    """name -> (line, binding) of the binding that wins for each module-level name, where binding is
    ("class_def", ClassDef), ("assign", Assign), ("from", ImportStmt, imported name) or ("import",
    ImportStmt, dotted name, as-name). Built once per file: a module of 33,000 classes is not scanned
    once per name looked up."""
    best: Dict[str, tuple] = {}
    for cls in facts.classes:
        if cls.scope == MODULE and cls.line > best.get(cls.name, (-1,))[0]:
            best[cls.name] = (cls.line, ("class_def", cls))
    for a in facts.assigns:
        if a.scope == MODULE:
            for name in a.targets:
                if a.line > best.get(name, (-1,))[0]:
                    best[name] = (a.line, ("assign", a))
    for stmt in facts.imports:
        if stmt.scope != MODULE:
            continue
        bound_here: Set[str] = set()  # a later name of the same statement binding it again wins
        for imported, asname in stmt.names:
            if stmt.is_from:
                if imported == "*":
                    continue
                name, binding = asname or imported, ("from", stmt, imported)
            else:
                name = asname if asname is not None else imported.partition(".")[0]
                binding = ("import", stmt, imported, asname)
            if name in bound_here or stmt.line > best.get(name, (-1,))[0]:
                best[name] = (stmt.line, binding)
                bound_here.add(name)
    return best
