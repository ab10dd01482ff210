"""modelreg.reach: what importing a module runs, checked against what Python puts in sys.modules."""

from __future__ import annotations

import json

from conftest import import_in_subprocess, project_module, resolved
from modelreg.resolve.reach import reachable

FILES = {
    "app/__init__.py": "",
    "app/registry.py": """
        from typing import TYPE_CHECKING
        import app.models.user
        from app.models import order
        import importlib
        import pkgutil
        import app.plugins

        if TYPE_CHECKING:
            import app.models.typing_only

        def _late():
            import app.models.late_import

        def _setup():
            import app.models.setup_time

        _setup()
        for info in pkgutil.iter_modules(app.plugins.__path__):
            importlib.import_module(f"app.plugins.{info.name}")
    """,
    "app/models/__init__.py": "",
    "app/models/user.py": "import app.util\n",
    "app/models/order.py": "",
    "app/models/typing_only.py": "",
    "app/models/late_import.py": "",
    "app/models/setup_time.py": "",
    "app/util.py": "",
    "app/plugins/__init__.py": "",
    "app/plugins/alpha.py": "",
}


def test_what_importing_a_module_runs_is_what_python_loads(tree):
    root = tree(FILES)
    loaded = json.loads(
        import_in_subprocess(root, "app.registry", "import json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('app'))))")
    )
    project = resolved(root)
    reach = reachable(project, project_module(project, "app.registry"))
    assert sorted(m.name for m in project.modules if m.path in reach) == loaded
    assert "app.models.typing_only" not in loaded and "app.models.late_import" not in loaded
    assert "app.models.setup_time" in loaded and "app.plugins.alpha" in loaded


def test_runs_lists_a_modules_own_imports_parents_first(tree):
    project = resolved(tree(FILES))
    names = [m.name for m in project.runs(project_module(project, "app.models.user"))]
    assert names == ["app", "app.util"]


def test_a_module_with_a_syntax_error_runs_nothing_modelreg_could_know(tree):
    project = resolved(tree({"app/__init__.py": "", "app/broken.py": "import app.x\ndef (:\n", "app/x.py": ""}))
    assert project.runs(project_module(project, "app.broken")) == []
