"""`python -m modelreg`: Python put the current directory first on sys.path; a project file named
like a library modelreg imports (click.py, tomllib.py...) would run. Drop it before importing."""

from . import _defer_interrupts

_defer_interrupts()  # (runpy imported the package before this module was __main__)

import os  # noqa: E402
import sys  # noqa: E402

_cwd = os.path.realpath(os.getcwd())
sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != _cwd]

from .warm import run  # noqa: E402

run()
