"""modelreg: find the SQLAlchemy models your registry module forgets to import.

Public API::

    report = modelreg.check(["path/to/project"])
    for d in report.diagnostics:
        print(d.path, d.line, d.code, d.message)

Names are imported lazily (PEP 562): importing the package itself imports nothing
else, so ``python -m modelreg`` can drop the current directory from ``sys.path``
before any third-party import could pick up a same-named file of the project.
"""

__version__ = "0.1.0"

_LAZY = {
    "check": ("api", "check"),
    "Report": ("api", "Report"),
    "ConfigError": ("config", "ConfigError"),
    "Diagnostic": ("types", "Diagnostic"),
    "ModelInfo": ("types", "ModelInfo"),
    "Registry": ("types", "Registry"),
}

__all__ = ["check", "Report", "Diagnostic", "ModelInfo", "Registry", "ConfigError", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
