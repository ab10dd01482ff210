"""Reporters only format: a Report in, text out. Each is imported only when used.

The order of ``NAMES`` is the order `--help` lists them: the human formats, then the
machine-readable contracts, then the formats of CI systems.
"""

from __future__ import annotations

import importlib

_MODULES = {
    "concise": "text",
    "full": "full",
    "json": "json_format",
    "json-lines": "json_lines",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "pylint": "pylint",
    "sarif": "sarif",
}
NAMES = tuple(_MODULES)
ALIASES = {"text": "concise"}  # `--format text`, the name before `concise` existed
HUMAN = frozenset({"concise", "full"})  # a summary goes to stderr; color on a terminal


class _Formats(dict):
    def __missing__(self, name):
        name = ALIASES.get(name, name)
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        self[name] = module.render
        return module.render

    def __iter__(self):
        return iter(_MODULES)

    def __contains__(self, name):
        return ALIASES.get(name, name) in _MODULES

    def __len__(self):
        return len(_MODULES)


FORMATS = _Formats()
