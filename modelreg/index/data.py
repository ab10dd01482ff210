"""FileFacts <-> plain tuples, for the cache (cache.py, store.py) and for worker processes.

The tuple layout is the cache format: changing it needs a new format number in cache.py.
"""

from __future__ import annotations

from ..types import Assign, Call, ClassDef, DynamicImport, FileFacts, ImportStmt

_new = tuple.__new__  # a NamedTuple from a tuple, without its Python-level constructor (thousands per run)


def facts_to_data(f: FileFacts) -> tuple:
    return (
        tuple(map(tuple, f.imports)),
        tuple(map(tuple, f.classes)),
        tuple(map(tuple, f.assigns)),
        tuple(map(tuple, f.calls)),
        tuple(map(tuple, f.dynamic_imports)),
        f.defined,
        f.all_names,
        f.has_getattr,
        f.called_functions,
        f.noqa,
        f.error,
        f.guarded,
        tuple(map(tuple, f.hidden_classes)),
        f.returns,
        f.excluded_tables,
        f.function_calls,
        f.all_from_folder,
    )


def facts_from_data(d: tuple) -> FileFacts:
    (imports, classes, assigns, calls, dynamic, defined, all_names, has_getattr, called, noqa, error, guarded, hidden, returns,
     excluded, function_calls, all_from_folder) = d
    for rows, cls in (
        (imports, ImportStmt), (classes, ClassDef), (assigns, Assign), (calls, Call), (dynamic, DynamicImport),
        (hidden, ClassDef),
    ):
        for row in rows:
            if type(row) is not tuple or len(row) != len(cls._fields):
                raise ValueError("not the facts modelreg writes")
    return FileFacts(
        imports=tuple([_new(ImportStmt, r) for r in imports]),
        classes=tuple([_new(ClassDef, r) for r in classes]),
        assigns=tuple([_new(Assign, r) for r in assigns]),
        calls=tuple([_new(Call, r) for r in calls]),
        dynamic_imports=tuple([_new(DynamicImport, r) for r in dynamic]),
        defined=defined,
        all_names=all_names,
        has_getattr=has_getattr,
        called_functions=called,
        noqa=noqa,
        error=error,
        guarded=guarded,
        hidden_classes=tuple([_new(ClassDef, r) for r in hidden]),
        returns=returns,
        excluded_tables=excluded,
        function_calls=function_calls,
        all_from_folder=all_from_folder,
    )
