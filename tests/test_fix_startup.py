"""Issue 25, point 1: a fix never imports a module that is half initialized at that point.

A registry that is a package's `__init__.py` (CTFd's `CTFd/models/__init__.py`) may run while the
package above it, or a module that package imported, is still at its first statements. A line added
there runs its module under that stack. Each tree below is proven with Python itself: the application's
entry points (the package, its scripts), not only the registry, imported in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import tables_after_importing, write_tree
from test_fix_runs import fix_twice, snapshot

MODELS = (
    "from sqlalchemy import Column, ForeignKey, Integer, String\n"
    "from sqlalchemy.orm import declarative_base\n\n"
    "Base = declarative_base()\n\n\n"
    "class Config(Base):\n    __tablename__ = 'config'\n    id = Column(Integer, primary_key=True)\n\n\n"
    "class Challenges(Base):\n    __tablename__ = 'challenges'\n    id = Column(Integer, primary_key=True)\n"
    "    type = Column(String(80))\n"
    "    __mapper_args__ = {'polymorphic_identity': 'standard', 'polymorphic_on': type}\n"
)
PLUGIN = (
    "from ctf.models import Base, Challenges\nfrom ctf.utils.config import setting  # noqa: F401\n"
    "from sqlalchemy import Column, ForeignKey, Integer\n\n\n"
    "class DynamicChallenge(Challenges):\n    __tablename__ = 'dynamic_challenge'\n"
    "    __mapper_args__ = {'polymorphic_identity': 'dynamic'}\n"
    "    id = Column(Integer, ForeignKey('challenges.id'), primary_key=True)\n"
)
LOADER = (
    "import importlib\nimport os\n\n\ndef init_plugins():\n    here = os.path.dirname(__file__)\n"
    "    for name in sorted(os.listdir(here)):\n"
    "        if os.path.isdir(os.path.join(here, name)) and not name.startswith('_'):\n"
    "            importlib.import_module('ctf.plugins.' + name)\n"
)

# CTFd's shape (the field case fix-would-import-partially-initialized): ctf -> ctf.utils -> ctf.models
CTF = {
    "pyproject.toml": '[tool.modelreg]\nregistry = "ctf/models/__init__.py"\n',
    "ctf/__init__.py": "from ctf import utils  # noqa: F401\nfrom ctf.plugins import init_plugins\n\n\n"
    "def create_app():\n    init_plugins()\n    return utils.get_app_config()\n",
    "ctf/models/__init__.py": MODELS,
    "ctf/utils/__init__.py": "from ctf.models import Config, Base  # noqa: F401\n\n\n"
    "def get_app_config():\n    return {'base': Base}\n",
    "ctf/utils/config.py": "from ctf.utils import get_app_config\n\n\ndef setting(name):\n"
    "    return get_app_config().get(name)\n",
    "ctf/plugins/__init__.py": LOADER,
    "ctf/plugins/dynamic/__init__.py": PLUGIN,
    "wsgi.py": "from ctf import create_app\n\napp = create_app()\n",
}
# the same, but ctf.utils binds what the plugin reads before it imports the models
CTF_BOUND_FIRST = dict(
    CTF,
    **{
        "ctf/utils/__init__.py": "def get_app_config():\n    return {'base': Base}\n\n\n"
        "from ctf.models import Config, Base  # noqa: E402,F401\n",
    },
)
# only an entry script runs the registry under a half-initialized module: importing the registry alone is fine
WSGI_FIRST = {
    "pyproject.toml": '[tool.modelreg]\nregistry = "app/models/__init__.py"\n',
    "app/__init__.py": "",
    "app/models/__init__.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n"
    "from app.models import user  # noqa: E402,F401\n",
    "app/models/user.py": "from sqlalchemy import Column, Integer\n\nfrom app.models import Base\n\n\n"
    "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n",
    "app/helpers.py": "from app.models import Base  # noqa: F401\n\nSETTINGS = {'audit': True}\n",
    "app/audit.py": "from sqlalchemy import Column, Integer\n\nfrom app.helpers import SETTINGS  # noqa: F401\n"
    "from app.models import Base\n\n\n"
    "class Audit(Base):\n    __tablename__ = 'audit'\n    id = Column(Integer, primary_key=True)\n",
    "wsgi.py": "import app.helpers  # noqa: F401\nimport app.audit  # noqa: F401\n",
}
# the package __init__ imports the registry first and binds its config after: a model reading it cannot
# be imported from the registry, but can from the end of the package's __init__
PACKAGE_CONFIG_AFTER = {
    "pyproject.toml": '[tool.modelreg]\nregistry = "shop/models/__init__.py"\n',
    "shop/__init__.py": "from shop.models import Base  # noqa: F401\n\nCONFIG = {'schema': None}\n",
    "shop/models/__init__.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "shop/models/order.py": "from sqlalchemy import Column, Integer\n\nfrom shop.models import Base\n\n\n"
    "class Order(Base):\n    __tablename__ = 'orders'\n    id = Column(Integer, primary_key=True)\n",
    "shop/audit.py": "from sqlalchemy import Column, Integer\n\nfrom shop import CONFIG  # noqa: F401\n"
    "from shop.models import Base\n\n\n"
    "class Audit(Base):\n    __tablename__ = 'audit'\n    id = Column(Integer, primary_key=True)\n",
    "manage.py": "import shop  # noqa: F401\nfrom shop.models import order  # noqa: F401\n",
}
# a plain package registry whose models read its Base: the usual, safe case
PLAIN_PACKAGE = {
    "pyproject.toml": '[tool.modelreg]\nregistry = "blog/models/__init__.py"\n',
    "blog/__init__.py": "from blog.models import Base  # noqa: F401\n",
    "blog/models/__init__.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n"
    "from blog.models import post  # noqa: E402,F401\n",
    "blog/models/post.py": "from sqlalchemy import Column, Integer\n\nfrom blog.models import Base\n\n\n"
    "class Post(Base):\n    __tablename__ = 'posts'\n    id = Column(Integer, primary_key=True)\n",
    "blog/models/tag.py": "from sqlalchemy import Column, Integer\n\nfrom blog.models import Base\n\n\n"
    "class Tag(Base):\n    __tablename__ = 'tags'\n    id = Column(Integer, primary_key=True)\n",
    "run.py": "from blog import models\n\nprint(sorted(models.Base.metadata.tables))\n",
}


def import_fresh(root: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-B", "-c", f"import sys; sys.path.insert(0, '.')\n{code}"],
        cwd=str(root), capture_output=True, text=True, timeout=60,
    )


def entry_points(files: Dict[str, str]) -> List[str]:
    """Each way the application starts: every top-level package, every script beside them."""
    tops = sorted({p.split("/")[0] for p in files if "/" in p})
    scripts = sorted(p[:-3] for p in files if "/" not in p and p.endswith(".py"))
    return [f"import {t}" for t in tops] + [f"import {s}" for s in scripts]


def mr001(run, root: Path) -> Dict[str, dict]:
    report = run(["--format", "json", "--no-cache", root], cwd=root).json
    return {d["model"]: d for d in report["diagnostics"] if d["code"] == "MR001"}


def test_a_plugin_reading_a_half_initialized_package_is_not_imported_by_the_package_registry(tree, run):
    root = tree(CTF, pyproject=None)
    found = mr001(run, root)
    d = found["ctf.plugins.dynamic.DynamicChallenge"]
    assert d["fixable"] is False
    msg = d["message"]
    assert "not fixable there" in msg and "(ctf/__init__.py -> ctf.utils -> ctf.models)" in msg
    assert "`from ctf.utils import get_app_config`" in msg and "ctf/utils/config.py:1" in msg
    assert "a line at the end of ctf/utils/__init__.py would be safe" in msg
    before = snapshot(root)
    fix_twice(run, root, exit_code=1)
    assert snapshot(root) == before, "--fix must leave the registry alone"
    for code in entry_points(CTF) + ["import ctf.models", "from ctf import create_app; create_app()"]:
        proc = import_fresh(root, code)
        assert proc.returncode == 0, (code, proc.stderr)


def test_the_line_the_message_calls_safe_is_safe_and_the_one_it_refuses_breaks_the_application(tree):
    root = tree(CTF, pyproject=None)
    utils, registry = root / "ctf/utils/__init__.py", root / "ctf/models/__init__.py"
    registry.write_text(MODELS + "\nimport ctf.plugins.dynamic  # noqa: E402,F401\n")
    proc = import_fresh(root, "import ctf")
    assert "partially initialized module 'ctf.utils'" in proc.stderr
    registry.write_text(MODELS)
    utils.write_text(utils.read_text() + "\n\nimport ctf.plugins.dynamic  # noqa: E402,F401\n")
    assert tables_after_importing(root, ["ctf"], "ctf.models:Base.metadata") == ["challenges", "config", "dynamic_challenge"]


def test_the_plugin_is_imported_when_the_name_it_reads_is_bound_before_the_registry_runs(tree, run):
    root = tree(CTF_BOUND_FIRST, pyproject=None)
    assert mr001(run, root)["ctf.plugins.dynamic.DynamicChallenge"]["fixable"] is True
    fixed = fix_twice(run, root)
    assert b"import ctf.plugins.dynamic" in fixed["ctf/models/__init__.py"]
    assert tables_after_importing(root, ["ctf"], "ctf.models:Base.metadata") == ["challenges", "config", "dynamic_challenge"]
    assert import_fresh(root, "import wsgi").returncode == 0


def test_an_entry_script_that_runs_the_registry_under_a_half_initialized_module_counts(tree, run):
    root = tree(WSGI_FIRST, pyproject=None)
    d = mr001(run, root)["app.audit.Audit"]
    assert d["fixable"] is False
    assert "wsgi.py -> app.helpers -> app.models" in d["message"], d["message"]
    assert "`from app.helpers import SETTINGS`" in d["message"]
    # Python agrees: the line importing the registry alone tolerates breaks the script
    registry = root / "app/models/__init__.py"
    registry.write_text(registry.read_text() + "import app.audit  # noqa: E402,F401\n")
    assert import_fresh(root, "import app.models").returncode == 0
    assert "partially initialized module 'app.helpers'" in import_fresh(root, "import wsgi").stderr


def test_a_model_reading_what_the_package_binds_after_the_registry_is_refused_with_the_package_as_the_safe_place(tree, run):
    root = tree(PACKAGE_CONFIG_AFTER, pyproject=None)
    d = mr001(run, root)
    assert d["shop.audit.Audit"]["fixable"] is False
    assert "a line at the end of shop/__init__.py would be safe" in d["shop.audit.Audit"]["message"]
    assert d["shop.models.order.Order"]["fixable"] is True
    init = root / "shop/__init__.py"
    init.write_text(init.read_text() + "\nimport shop.audit  # noqa: E402,F401\n")
    assert tables_after_importing(root, ["manage"], "shop.models:Base.metadata") == ["audit", "orders"]


@pytest.mark.parametrize(
    "files",
    [CTF, CTF_BOUND_FIRST, WSGI_FIRST, PACKAGE_CONFIG_AFTER, PLAIN_PACKAGE],
    ids=["ctfd", "ctfd-bound-first", "wsgi-first", "package-config-after", "plain-package"],
)
def test_every_entry_point_still_imports_after_the_fix(tree, run, files):
    root = tree(files, pyproject=None)
    for code in entry_points(files):
        assert import_fresh(root, code).returncode == 0, f"the tree itself must work: {code}"
    found = run(["--format", "json", "--no-cache", root], cwd=root).json["diagnostics"]
    fixable = [d for d in found if d["fixable"]]
    before = snapshot(root)
    fix_twice(run, root, exit_code=1 if len(fixable) < len(found) else 0)
    for code in entry_points(files):
        proc = import_fresh(root, code)
        assert proc.returncode == 0, (code, proc.stderr)
    left = mr001(run, root)
    assert not any(d["fixable"] for d in left.values()), "everything called fixable was fixed"
    assert (snapshot(root) != before) == bool(fixable)


FLASK_MIGRATE_ENV = {
    "pyproject.toml": "",
    "migrations/env.py": "from alembic import context\nfrom flask import current_app\n\n"
    "target_metadata = current_app.extensions['migrate'].db.metadata\n",
    "migrations/script.py.mako": "",
}


def test_mr004_never_advises_a_registry_where_the_line_would_import_a_half_initialized_module(tree, run):
    root = tree(dict(CTF, **FLASK_MIGRATE_ENV), pyproject=None)
    report = run(["--format", "json", "--no-cache", root], cwd=root).json
    (d,) = [d for d in report["diagnostics"] if d["code"] == "MR004"]
    assert "but not ctf/models/__init__.py: it runs while ctf.utils is only part-way initialized" in d["message"]
    assert 'registry = "ctf/models/__init__.py"' not in d["message"]


def test_mr004_names_the_base_module_when_lines_there_are_safe_and_following_it_fixes_the_project(tree, run):
    root = tree(dict(CTF_BOUND_FIRST, **FLASK_MIGRATE_ENV), pyproject=None)
    report = run(["--format", "json", "--no-cache", root], cwd=root).json
    (d,) = [d for d in report["diagnostics"] if d["code"] == "MR004"]
    assert '`registry = "ctf/models/__init__.py"` if it imports them' in d["message"], d["message"]
    (root / "pyproject.toml").write_text('[tool.modelreg]\nregistry = "ctf/models/__init__.py"\n')
    fix_twice(run, root)
    assert tables_after_importing(root, ["ctf"], "ctf.models:Base.metadata") == ["challenges", "config", "dynamic_challenge"]
    for code in entry_points(CTF_BOUND_FIRST):
        assert import_fresh(root, code).returncode == 0, code
