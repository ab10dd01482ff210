"""The rules. One module per code; each documents what it finds, why it matters, an example and its fix.

A rule is a module with ``CODE``, ``NAME`` (the pattern it finds), ``SUMMARY``
(one line, used by SARIF and the docs), a docstring in the What / Why / Example
/ Fix sections, and ``check(analysis)`` yielding :class:`~modelreg.types.Diagnostic`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Dict, List

from . import (
    mr001_unregistered_model,
    mr002_stale_import,
    mr003_registry_not_loaded,
    mr004_missing_registry,
    mr005_duplicate_table,
    mr006_dynamic_registry,
    mr007_unverified,
    mr008_metadata_mismatch,
    mr010_unmigrated_table,
    mr011_unmigrated_column,
    mr012_dropped_model_table,
    mr013_broken_history,
    mr100_unreadable_file,
)

RULES: List[ModuleType] = [
    mr001_unregistered_model,
    mr002_stale_import,
    mr003_registry_not_loaded,
    mr004_missing_registry,
    mr005_duplicate_table,
    mr006_dynamic_registry,
    mr007_unverified,
    mr008_metadata_mismatch,
    mr010_unmigrated_table,
    mr011_unmigrated_column,
    mr012_dropped_model_table,
    mr013_broken_history,
    mr100_unreadable_file,
]

BY_CODE: Dict[str, ModuleType] = {r.CODE: r for r in RULES}
