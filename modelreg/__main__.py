"""`python -m modelreg`: Python put the current directory first on sys.path; a project file named
like a library modelreg imports (click.py, tomllib.py...) would run. Drop it before importing."""

import os
import sys

_cwd = os.path.realpath(os.getcwd())
sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != _cwd]

from .warm import run  # noqa: E402

run()
