"""Issue 25, points 1 and 4: a stale import is removed only when nothing still reads what it binds,
a generated module is not "stale", and what is called fixable is what `--diff` and `--fix` change.

Every verdict about a read is Python's: the tree is run in a fresh interpreter where it matters.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sa_model_module
from test_fix_runs import snapshot

BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
REGISTRY = "pkg/data/__all_models.py"


def project(registry: str, **more: str) -> dict:
    files = {
        "pyproject.toml": "",
        "pkg/__init__.py": "",
        "pkg/data/__init__.py": "",
        "pkg/data/modelbase.py": BASE,
        "pkg/data/users.py": sa_model_module("Users", "users").replace("from pkg.db import Base", "from pkg.data.modelbase import Base"),
        REGISTRY: registry,
    }
    files.update(more)
    return files


def write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def report(run, root: Path) -> list:
    return run(["--format", "json", "--no-cache", root], cwd=root).json["diagnostics"]


def run_fresh(root: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-B", "-c", f"import sys; sys.path.insert(0, '.')\n{code}"],
                          cwd=str(root), capture_output=True, text=True, timeout=60)


PROTO_REGISTRY = (
    "import pkg.data.users  # noqa: F401\n"
    "from pkg.protos.core.LabelView_pb2 import LabelView as LabelViewProto\n\n\n"
    "def to_proto(user):\n    return LabelViewProto(id=user.id)\n\n\n"
    "def from_proto(message):\n"
    "    from pkg.protos.core.LabelView_pb2 import LabelView as LabelViewProto\n"
    "    return LabelViewProto.FromString(message)\n"
)


def test_a_stale_import_read_by_a_function_that_does_not_bind_it_is_kept_and_the_reads_are_named(tmp_path, run):
    root = write(tmp_path, project(PROTO_REGISTRY))
    module_level, in_function = sorted((d for d in report(run, root) if d["code"] == "MR002"), key=lambda d: d["line"])
    assert module_level["fixable"] is False and in_function["fixable"] is False
    assert "LabelViewProto in to_proto() (line 5)" in module_level["message"] and "from_proto" not in module_level["message"]
    assert "inside from_proto()" in in_function["message"]
    before = snapshot(root)
    diff = run(["--diff", "--no-cache", root], cwd=root)
    assert diff.out == "" and "No fixes available." in diff.err
    run(["--fix", "--no-cache", root], cwd=root)
    assert snapshot(root) == before


def test_a_stale_import_only_a_function_rebinding_it_reads_is_removed_and_the_registry_then_imports(tmp_path, run):
    registry = PROTO_REGISTRY.replace("    return LabelViewProto(id=user.id)\n", "    return user.id\n")
    root = write(tmp_path, project(registry))
    module_level, _ = sorted((d for d in report(run, root) if d["code"] == "MR002"), key=lambda d: d["line"])
    assert module_level["fixable"] is True
    result = run(["--fix", "--no-cache", root], cwd=root)
    assert result.exit_code == 1 and "Fixed 1 error" in result.err, (result.out, result.err)
    assert "LabelViewProto\n\n" not in (root / REGISTRY).read_text().split("def ")[0]
    proc = run_fresh(root, "import pkg.data.__all_models as r; print(sorted(r.pkg.data.modelbase.Base.metadata.tables))")
    assert proc.returncode == 0 and "users" in proc.stdout, proc.stderr


@pytest.mark.parametrize(
    "reader, kept",
    [
        ("X = [Gone]\n", True),
        ("def f():\n    return Gone\n", True),
        ("class K:\n    kind = Gone\n", True),
        ("def f():\n    Gone = 1\n\n    def g():\n        return Gone\n\n    return g\n", False),
        ("def f():\n    global Gone\n    Gone = 2\n", False),
        ("def f(Gone=None):\n    return Gone\n", False),
        ("def f(arg=Gone):\n    return arg\n", True),
        ("X = [Gone for _ in range(2)]\n", True),
        ("__all__ = ['Gone']\n", False),
    ],
    ids=["module-level", "function", "class-body", "closure-over-a-local", "global-assigned", "parameter",
         "default-value", "comprehension", "dunder-all-edited"],
)
def test_a_read_counts_exactly_where_python_would_look_the_name_up_in_the_module(tmp_path, run, reader, kept):
    registry = "import pkg.data.users  # noqa: F401\nfrom pkg.data.gone import Gone  # noqa: F401\n\n\n" + reader
    root = write(tmp_path, project(registry))
    (d,) = [d for d in report(run, root) if d["code"] == "MR002"]
    assert d["fixable"] is (not kept), d["message"]
    run(["--fix", "--no-cache", root], cwd=root)
    text = (root / REGISTRY).read_text()
    assert ("from pkg.data.gone import Gone" in text) is kept
    if not kept:  # Python agrees nothing read it: the registry and its functions run
        proc = run_fresh(root, "import pkg.data.__all_models as r\nf = getattr(r, 'f', None)\nf and f()")
        assert proc.returncode == 0, proc.stderr


def test_a_stale_import_inside_a_function_is_not_called_fixable_and_nothing_claims_to_fix_it(tmp_path, run):
    registry = "import pkg.data.users  # noqa: F401\n\n\ndef global_init():\n    import pkg.data.gone  # noqa: F401\n"
    root = write(tmp_path, project(registry))
    (d,) = [d for d in report(run, root) if d["code"] == "MR002"]
    assert d["fixable"] is False and "inside global_init()" in d["message"]
    summary = run(["--no-cache", root], cwd=root)
    assert "fixable" not in summary.err
    diff = run(["--diff", "--no-cache", root], cwd=root)
    assert "No fixes available." in diff.err


@pytest.mark.parametrize(
    "extra, family",
    [
        ({"pkg/protos/core/__init__.py": "", "pkg/protos/core/LabelView.proto": 'syntax = "proto3";\n'}, "protobuf"),
        ({"pkg/protos/core/__init__.py": "", "pkg/protos/core/Shared_pb2.py": "LabelView = object\n"}, "protobuf"),
        ({"pkg/protos/core/__init__.py": "", "pkg/protos/core/LabelView_pb2.pyi": "class LabelView: ...\n",
          "pkg/protos/core/Tag_pb2.pyi": "class Tag: ...\n"}, ".pyi"),
        ({"pkg/protos/core/__init__.py": "", ".gitignore": "*_pb2.py\n"}, "git-ignored"),
    ],
    ids=["beside-proto-sources", "committed-siblings", "stub-only", "git-ignored"],
)
def test_a_generated_module_is_not_stale_and_is_said_once_per_family(tmp_path, run, extra, family):
    registry = (
        "import pkg.data.users  # noqa: F401\n"
        "from pkg.protos.core.LabelView_pb2 import LabelView  # noqa: F401\n"
        "from pkg.protos.core.Tag_pb2 import Tag  # noqa: F401\n"
    )
    root = write(tmp_path, project(registry, **extra))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    found = report(run, root)
    assert not [d for d in found if d["code"] == "MR002"]
    (d,) = [d for d in found if d["code"] == "MR007"]
    assert family in d["message"] and "and 1 more of that family" in d["message"]
    before = snapshot(root)
    run(["--fix", "--no-cache", root], cwd=root)
    assert snapshot(root) == before


def test_a_deleted_module_with_no_sign_of_generation_is_still_stale(tmp_path, run):
    registry = "import pkg.data.users  # noqa: F401\nfrom pkg.protos.core.LabelView_pb2 import LabelView  # noqa: F401\n"
    root = write(tmp_path, project(registry, **{"pkg/protos/core/__init__.py": "", "pkg/protos/core/notes.txt": "x\n"}))
    assert [d["code"] for d in report(run, root)] == ["MR002"]


# -- point 4: the fixable flag, --diff, --fix and the summary agree on every finding --------------------

STALE_FORMS = {
    "import-as": "import pkg.data.gone as Gone  # noqa: F401\n",
    "from-import": "from pkg.data.gone import Gone  # noqa: F401\n",
    "multi-name": "from pkg.data.users import Users, Gone  # noqa: F401\n",
    "in-function": "def global_init():\n    from pkg.data.gone import Gone  # noqa: F401\n",
    "in-class": "class Holder:\n    from pkg.data.gone import Gone  # noqa: F401\n",
}
USES = {
    "unused": "",
    "module-level": "ADMIN = [Gone]\n",
    "function": "def load():\n    return Gone\n",
    "rebinding-function": "def load():\n    from pkg.data.gone import Gone\n    return Gone\n",
    "closure": "def load():\n    Gone = 1\n\n    def inner():\n        return Gone\n\n    return inner\n",
    "class-body": "class Admin:\n    model = Gone\n",
}
SHAPES = list(itertools.product(STALE_FORMS, USES, [False, True]))


def _key(d: dict) -> tuple:
    return (d["code"], d["model"] or re.sub(r"(:|line )\d+", "", d["message"]))


@pytest.mark.parametrize("form, use, unregistered", SHAPES, ids=[f"{f}-{u}-{'mr001' if m else 'no-mr001'}" for f, u, m in SHAPES])
def test_fixable_diff_fix_and_summary_agree_on_every_finding(tmp_path, run, form, use, unregistered):
    registry = "import pkg.data.users  # noqa: F401\n" + STALE_FORMS[form] + "\n\n" + USES[use]
    more = {"pkg/data/orders.py": sa_model_module("Orders", "orders").replace("from pkg.db import Base", "from pkg.data.modelbase import Base")} if unregistered else {}
    root = write(tmp_path, project(registry, **more))
    assert_agreement(run, root)


def assert_agreement(run, root: Path) -> None:
    """The fixable flag, the summary, --diff and --fix agree on every finding of the tree."""
    found = report(run, root)
    fixable = {_key(d) for d in found if d["fixable"]}
    left_alone = {_key(d) for d in found if not d["fixable"]}
    summary = run(["--no-cache", root], cwd=root).err
    assert (f"({len(fixable)} fixable with" in summary) is bool(fixable), summary
    diff = run(["--diff", "--no-cache", root], cwd=root)
    assert bool(diff.out) is bool(fixable)
    n = len(fixable)
    assert (f"Would fix {n} error{'s' if n != 1 else ''}." if n else "No fixes available.") in diff.err
    fixed = run(["--fix", "--no-cache", root], cwd=root)
    claimed = sum(int(m) for m in re.findall(r"Fixed (\d+) error", fixed.err))
    assert claimed == n, fixed.err
    after = {_key(d) for d in report(run, root)}
    assert not (after & fixable), "a finding called fixable survived --fix"
    assert left_alone <= after, "--fix removed a finding it called not fixable"


ENV_PY = (
    "from alembic import context\n\nfrom pkg.data.modelbase import Base\n\n"
    "target_metadata = Base.metadata\n"
)
OTHER_SHAPES = {
    "configured-registry-missing": (
        {"pkg/data/__all_models.py": None}, '[tool.modelreg]\nregistry = "pkg/data/registry.py"\n'),
    "env-py-without-the-registry": (
        {"migrations/env.py": ENV_PY, "migrations/script.py.mako": "",
         "alembic.ini": "[alembic]\nscript_location = migrations\n"}, ""),
    "half-initialized-package-registry": (
        {"pkg/__init__.py": "from pkg import helpers  # noqa: F401\n",
         "pkg/helpers.py": "from pkg.data import __all_models  # noqa: F401\n\n\ndef setting():\n    return 1\n",
         "pkg/data/orders.py": "from pkg.helpers import setting  # noqa: F401\n"
         + sa_model_module("Orders", "orders")}, ""),
}


SHOWS = {
    "configured-registry-missing": ("MR004", True),
    "env-py-without-the-registry": ("MR003", True),
    "half-initialized-package-registry": ("MR001", False),
}


@pytest.mark.parametrize("shape", sorted(OTHER_SHAPES))
def test_fixable_diff_fix_and_summary_agree_on_other_rules_too(tmp_path, run, shape):
    files, pyproject = OTHER_SHAPES[shape]
    tree = project("import pkg.data.users  # noqa: F401\nfrom pkg.data.gone import Gone  # noqa: F401\n")
    tree["pyproject.toml"] = pyproject
    for rel, text in files.items():
        if text is None:
            tree.pop(rel)
        else:
            tree[rel] = text
    root = write(tmp_path, tree)
    shown = {(d["code"], d["fixable"]) for d in report(run, root)}
    assert SHOWS[shape] in shown, shown
    assert_agreement(run, root)
