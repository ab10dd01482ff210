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

_INTERRUPTED: list = []  # a Ctrl-C that came before modelreg.warm.run() could answer it


def _defer_interrupts() -> None:
    """As the program (the console script, `python -m modelreg`), from its first line on: a Ctrl-C is
    noted, and raised by modelreg.warm.run() inside its own `try` - not as a KeyboardInterrupt at
    whatever line of the start-up it lands on (a traceback). Imported as a library: nothing changes."""
    import sys

    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    file = (getattr(main, "__file__", None) or "").replace("\\", "/").rpartition("/")[2]
    if (spec is not None and spec.name == "modelreg.__main__") or file in ("modelreg", "modelreg.exe", "modelreg-script.py"):
        try:
            import _signal as signal  # (the C module, loaded already: signal.py would import enum first)
        except ImportError:  # pragma: no cover - another Python implementation
            import signal

        signal.signal(signal.SIGINT, lambda signum, frame: _INTERRUPTED.append(signum))


_defer_interrupts()

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
