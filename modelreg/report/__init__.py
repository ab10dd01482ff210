"""Reporters only format: a Report in, text out. Each is imported only when used."""

from __future__ import annotations

import importlib

_MODULES = {"text": "text", "json": "json_format", "github": "github", "sarif": "sarif"}


class _Formats(dict):
    def __missing__(self, name):
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        self[name] = module.render
        return module.render

    def __iter__(self):
        return iter(_MODULES)

    def __contains__(self, name):
        return name in _MODULES

    def __len__(self):
        return len(_MODULES)


FORMATS = _Formats()
