"""Issue 27, point 2: loaders evaluated, not pattern-matched - `os.walk` over the package's own folder feeding
`importlib.import_module`, and the literal filters on the file names inside the loop. Python (a fresh
interpreter, real SQLAlchemy) says which modules the loop imports; modelreg must agree: exactly one MR001,
for the model the filter leaves out, and its fix makes the registry load every table."""

from __future__ import annotations

import pytest

from conftest import assert_fix_runs, tables_after_importing

pytestmark = pytest.mark.usefixtures("keeps_invariants")


def model(cls: str, table: str) -> str:
    return (
        "import sqlalchemy as sa\nfrom pkg.db import Base\n\n\n"
        f"class {cls}(Base):\n    __tablename__ = {table!r}\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


WALK_NAME = "os.path.relpath(os.path.join(dirpath, filename[:-3]), here).replace(os.sep, '.')"
LOADERS = {
    "os.walk, a guard around the import": (
        "import importlib\nimport os\n\nhere = os.path.dirname(__file__)\n"
        "for dirpath, dirnames, filenames in os.walk(here):\n"
        "    for filename in sorted(filenames):\n"
        "        if filename.endswith('.py') and not filename.startswith('_'):\n"
        f"            importlib.import_module(__name__ + '.' + {WALK_NAME})\n"
    ),
    "os.walk, continue before the import": (
        "import importlib\nimport os\n\nhere = os.path.dirname(__file__)\n"
        "for dirpath, dirnames, filenames in os.walk(here):\n"
        "    for filename in sorted(filenames):\n"
        "        if filename.startswith('_'):\n            continue\n"
        "        if not filename.endswith('.py'):\n            continue\n"
        f"        importlib.import_module(__name__ + '.' + {WALK_NAME})\n"
    ),
    "Path.rglob, a filter on the stem": (
        "import importlib\nfrom pathlib import Path\n\nhere = Path(__file__).parent\n"
        "for path in sorted(here.rglob('*.py')):\n"
        "    if not path.stem.startswith('_'):\n"
        "        importlib.import_module(__name__ + '.' + '.'.join(path.relative_to(here).with_suffix('').parts))\n"
    ),
}


@pytest.mark.parametrize("loader", LOADERS)
def test_the_file_loop_imports_what_its_literal_filters_keep(tree, run, loader):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
            "pkg/models/__init__.py": LOADERS[loader],
            "pkg/models/user.py": model("User", "users"),
            "pkg/models/shop/__init__.py": "",
            "pkg/models/shop/order.py": model("Order", "orders"),
            "pkg/models/_draft.py": model("Draft", "drafts"),  # the filter leaves it out; nothing imports it
            "pkg/__all_models.py": "import pkg.models  # noqa: F401\n",
        }
    )
    assert tables_after_importing(root, ["pkg.__all_models"], "pkg.db:Base.metadata") == ["orders", "users"]
    result = run(["--format", "json", "--no-cache", root], cwd=root)
    diags = result.json["diagnostics"]
    assert [(d["code"], d["model"]) for d in diags] == [("MR001", "pkg.models._draft.Draft")]
    fixed = run(["--fix", "--no-cache", root], cwd=root)
    assert fixed.exit_code == 0, fixed.out
    assert_fix_runs(root, "pkg.__all_models", "pkg.db:Base.metadata", ["pkg.models._draft"])
