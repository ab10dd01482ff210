"""modelreg.coverage: what a registry's own statements register, and which of its imports must fail."""

from __future__ import annotations

import subprocess
import sys

from conftest import project_module, resolved
from modelreg.resolve.coverage import direct_coverage, stale_imports

FILES = {
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "app/models/__init__.py": "from app.models.reexported import Tag\n__all__ = ['Tag']\n",
    "app/models/user.py": "import sqlalchemy as sa\nfrom app.db import Base\nclass User(Base):\n    __tablename__ = 'users'\n    id = sa.Column(sa.Integer, primary_key=True)\n",
    "app/models/order.py": "import sqlalchemy as sa\nfrom app.db import Base\nclass Order(Base):\n    __tablename__ = 'orders'\n    id = sa.Column(sa.Integer, primary_key=True)\n",
    "app/models/reexported.py": "import sqlalchemy as sa\nfrom app.db import Base\nclass Tag(Base):\n    __tablename__ = 'tags'\n    id = sa.Column(sa.Integer, primary_key=True)\n",
}


def test_a_module_import_registers_the_whole_module_and_a_name_import_that_class(tree):
    root = tree(dict(FILES, **{"app/registry.py": "import app.models.user\nfrom app.models.order import Order\nfrom app.models import Tag\n"}))
    project = resolved(root)
    paths = {name: project_module(project, name).path for name in ("app.models.user", "app.models.order", "app.models.reexported")}
    cov = direct_coverage(project, project_module(project, "app.registry"))
    assert paths["app.models.user"] in cov.modules and ("*", paths["app.models.user"]) in cov.classes
    assert (paths["app.models.order"], "Order") in cov.classes
    # a class re-exported by a package counts for the module that defines it
    assert (paths["app.models.reexported"], "Tag") in cov.classes
    assert cov.unknown_dynamic == []


def test_stale_imports_are_exactly_the_registry_lines_that_raise_at_import_time(tree):
    registry = (
        "import app.models.user\n"
        "import app.models.gone\n"
        "from app.models.order import Order, Missing\n"
        "try:\n"
        "    import app.models.optional\n"
        "except ImportError:\n"
        "    pass\n"
        "import json\n"
    )
    root = tree(dict(FILES, **{"app/registry.py": registry}))
    project = resolved(root)
    found = [(stmt.line, i, why) for stmt, i, why in stale_imports(project, project_module(project, "app.registry"))]
    assert found == [
        (2, 0, "module app.models.gone does not exist"),
        (3, 1, "app.models.order has no name or submodule Missing"),
    ]
    # the oracle: each reported line raises on its own, every other line imports
    for line_no, text in enumerate(registry.splitlines(), 1):
        if text.startswith(("import app", "from app")):
            proc = subprocess.run([sys.executable, "-c", text], cwd=root, capture_output=True, text=True)
            assert (proc.returncode != 0) == (line_no in (2, 3)), (text, proc.stderr)
