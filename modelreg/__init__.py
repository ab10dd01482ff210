"""modelreg: find the SQLAlchemy models your registry module forgets to import.

Public API::

    report = modelreg.check(["path/to/project"])
    for d in report.diagnostics:
        print(d.path, d.line, d.code, d.message)
"""

__version__ = "0.1.0"

from .api import Report, check  # noqa: E402
from .config import ConfigError  # noqa: E402
from .types import Diagnostic, ModelInfo, Registry  # noqa: E402

__all__ = ["check", "Report", "Diagnostic", "ModelInfo", "Registry", "ConfigError", "__version__"]
