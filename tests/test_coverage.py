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


def test_a_submodule_of_a_pkgutil_namespace_package_may_come_from_elsewhere_on_sys_path(tree, tmp_path):
    # polar: server/polar/__init__.py extends its __path__; `polar.base` comes from the SDK's `polar` portion
    root = tree(
        dict(
            FILES,
            **{
                "app/__init__.py": "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n",
                "app/registry.py": "from app.sdk_base import deserialize\nimport app.models.gone\n",
            },
        )
    )
    sdk = tmp_path / "sdk"
    (sdk / "app").mkdir(parents=True)
    (sdk / "app" / "__init__.py").write_text("from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n")
    (sdk / "app" / "sdk_base.py").write_text("def deserialize():\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-c", "from app.sdk_base import deserialize"],
        cwd=root, capture_output=True, text=True, env={"PYTHONPATH": f"{root}:{sdk}", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    project = resolved(root)
    # neither line can be called stale: another portion of `app` may provide either module
    assert list(stale_imports(project, project_module(project, "app.registry"))) == []
