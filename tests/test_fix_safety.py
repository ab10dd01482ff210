"""`modelreg --fix` is safe to run from a pre-commit hook (issue 3, points 4-6).

Every byte the fix does not mean to change is kept (CRLF, BOM, coding cookie,
missing final newline, permission bits); the write is atomic; a result that
does not parse is never written; nothing is written outside the project root;
two concurrent fixes lose no import; a second fix writes nothing. Exit codes
and stderr output are what a hook wants. Finally, the fixed registry really
registers every table under real SQLAlchemy.
"""

from __future__ import annotations

import ast
import errno
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import (
    REPO,
    SA_BASE_MODULE,
    assert_fix_runs,
    import_in_subprocess,
    sa_model_module,
    unreadable_for_this_process,
    write_tree,
)

REGISTRY = "pkg/data/__all_models.py"
BASE_MODULE = SA_BASE_MODULE
model_module = sa_model_module


# module name -> (class, table)
MODELS = {
    "audit": ("Audit", "auditing"),
    "news": ("News", "news"),
    "users": ("User", "users"),
}


def project_files(registry: bytes, models: Dict[str, tuple] = MODELS, extra: Dict[str, object] = None) -> dict:
    files = {
        "pkg/__init__.py": "",
        "pkg/data/__init__.py": "",
        "pkg/data/modelbase.py": BASE_MODULE,
        REGISTRY: registry,
    }
    for mod, (cls, table) in models.items():
        files[f"pkg/data/{mod}.py"] = model_module(cls, table)
    files.update(extra or {})
    return files


# The standard case: the registry imports audit and news, and forgets users.
REGISTERED_TWO = b"import pkg.data.audit\nimport pkg.data.news\n"
FIXED_THREE = b"import pkg.data.audit\nimport pkg.data.news\nimport pkg.data.users\n"


def prove(root: Path, models: Dict[str, tuple] = MODELS) -> None:
    """The fixed registry imports in a fresh interpreter and loads every table (issue 14, point 7)."""
    tables = sorted(table for _, table in models.values())
    assert_fix_runs(root, "pkg.data.__all_models", "pkg.data.modelbase:Base.metadata", [f"pkg.data.{m}" for m in models], tables)


def files_under(root: Path) -> List[str]:
    # modelreg's own cache directory (with its own .gitignore) is not part of the project's files
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if ".modelreg_cache" not in p.relative_to(root).parts
    )


def error_lines(err: str) -> List[str]:
    return [line for line in err.splitlines() if "error" in line.lower() and line.startswith("modelreg")]


def assert_parses(data: bytes) -> None:
    ast.parse(data)


# -- 4. Safety: every byte kept ------------------------------------------------------


def test_crlf_line_endings_are_kept_on_every_line(tree, run):
    before = (
        b"# Every model module, so that Base.metadata knows every table.\r\n"
        b"\r\n"
        b"# noinspection PyUnresolvedReferences\r\n"
        b"import pkg.data.audit\r\n"
        b"\r\n"
        b"# noinspection PyUnresolvedReferences\r\n"
        b"import pkg.data.news\r\n"
    )
    root = tree(project_files(before))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    after = (root / REGISTRY).read_bytes()
    assert after == (
        b"# Every model module, so that Base.metadata knows every table.\r\n"
        b"\r\n"
        b"# noinspection PyUnresolvedReferences\r\n"
        b"import pkg.data.audit\r\n"
        b"\r\n"
        b"# noinspection PyUnresolvedReferences\r\n"
        b"import pkg.data.news\r\n"
        b"\r\n"
        b"# noinspection PyUnresolvedReferences\r\n"
        b"import pkg.data.users\r\n"
    )
    assert all(line.endswith(b"\r\n") for line in after.splitlines(keepends=True))
    assert b"\n" not in after.replace(b"\r\n", b"")
    prove(root)


def test_a_utf8_bom_is_kept(tree, run):
    bom = b"\xef\xbb\xbf"
    root = tree(project_files(bom + b'"""Registry."""\n\n' + REGISTERED_TWO))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    assert (root / REGISTRY).read_bytes() == bom + b'"""Registry."""\n\n' + FIXED_THREE
    prove(root)


def test_a_latin1_registry_with_a_coding_cookie_stays_latin1(tree, run):
    before = (
        b"# -*- coding: latin-1 -*-\n"
        b"# Mod\xe8les enregistr\xe9s ici.\n"
        b"import pkg.data.audit\n"
        b"import pkg.data.news\n"
    )
    root = tree(project_files(before))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    after = (root / REGISTRY).read_bytes()
    assert after == (
        b"# -*- coding: latin-1 -*-\n"
        b"# Mod\xe8les enregistr\xe9s ici.\n"
        b"import pkg.data.audit\n"
        b"import pkg.data.news\n"
        b"import pkg.data.users\n"
    )
    with pytest.raises(UnicodeDecodeError):
        after.decode("utf-8")
    prove(root)


def test_a_registry_without_a_final_newline_stays_without_one(tree, run):
    root = tree(project_files(b"import pkg.data.audit\nimport pkg.data.news"))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    assert (root / REGISTRY).read_bytes() == b"import pkg.data.audit\nimport pkg.data.news\nimport pkg.data.users"
    prove(root)


def test_old_mac_cr_line_endings_are_kept_including_the_final_one(tree, run):
    root = tree(project_files(b"import pkg.data.audit\rimport pkg.data.news\r"))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    assert (root / REGISTRY).read_bytes() == b"import pkg.data.audit\rimport pkg.data.news\rimport pkg.data.users\r"
    prove(root)


def test_the_permission_bits_of_the_registry_are_kept(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    os.chmod(path, 0o640)
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    assert path.read_bytes() == FIXED_THREE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    prove(root)


# -- 4. Safety: atomic write, parse guard, project root ----------------------------------


def test_a_failed_replace_leaves_the_registry_byte_identical_and_no_temp_file(tree, run, monkeypatch):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    listing = sorted(os.listdir(path.parent))
    calls = []

    def no_space(src, dst, *args, **kwargs):
        calls.append((str(src), str(dst)))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_space)
    result = run(["--fix", "."], cwd=root)
    monkeypatch.undo()

    # the write went through a temporary file in the registry's own directory
    calls = [c for c in calls if os.path.realpath(c[1]) == os.path.realpath(path)]  # not the cache's
    assert len(calls) == 1
    src, dst = calls[0]
    assert os.path.dirname(src) == os.path.realpath(path.parent)
    assert os.path.realpath(dst) == os.path.realpath(path)
    assert path.read_bytes() == REGISTERED_TWO
    assert sorted(os.listdir(path.parent)) == listing  # no stray temp file
    errors = error_lines(result.err)
    assert len(errors) == 1, result.err
    assert REGISTRY in errors[0]
    assert result.exit_code == 2


def test_a_fix_whose_result_would_not_parse_is_never_written(tree, run, monkeypatch):
    from modelreg.fix import apply as apply_stage

    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    listing = files_under(root)
    monkeypatch.setattr(apply_stage, "render", lambda draft: b"import (\n")
    result = run(["--fix", "."], cwd=root)
    assert path.read_bytes() == REGISTERED_TWO
    assert files_under(root) == listing
    errors = error_lines(result.err)
    assert len(errors) == 1, result.err
    assert REGISTRY in errors[0]
    assert result.exit_code == 2


def test_a_registry_symlinked_outside_the_project_root_is_refused_with_one_error_line(tree, run, tmp_path):
    outside = tmp_path / "outside" / "__all_models.py"
    outside.parent.mkdir()
    outside.write_bytes(REGISTERED_TWO)
    files = project_files(b"")
    del files[REGISTRY]
    root = tree(files)
    (root / REGISTRY).symlink_to(outside)
    result = run(["--fix", "."], cwd=root)
    assert outside.read_bytes() == REGISTERED_TWO
    assert (root / REGISTRY).is_symlink()
    errors = error_lines(result.err)
    assert len(errors) == 1, result.err
    assert REGISTRY in errors[0] and "outside" in errors[0]
    assert result.exit_code == 2


# -- 4. Safety: idempotence ------------------------------------------------------------


def test_a_second_fix_writes_nothing_and_leaves_mtime_and_inode_untouched(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    first = run(["--fix", "."], cwd=root)
    assert first.exit_code == 0, first.err
    assert path.read_bytes() == FIXED_THREE
    # an old, exact mtime: any write (even within the same clock tick) would change it
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = os.stat(path)
    listing = files_under(root)

    second = run(["--fix", "."], cwd=root)
    after = os.stat(path)
    assert second.exit_code == 0, second.err
    assert "Fixed" not in second.err
    assert after.st_mtime_ns == before.st_mtime_ns == 1_000_000_000_000_000_000
    assert after.st_ino == before.st_ino
    assert path.read_bytes() == FIXED_THREE
    assert files_under(root) == listing
    prove(root)


def test_diff_after_a_fix_prints_nothing_and_exits_0(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    assert run(["--fix", "."], cwd=root).exit_code == 0
    result = run(["--diff", "."], cwd=root)
    assert result.out == ""
    assert result.exit_code == 0
    prove(root)


# -- 3. --diff -------------------------------------------------------------------------


def test_diff_prints_a_unified_diff_writes_nothing_and_exits_1(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = os.stat(path)
    listing = files_under(root)
    result = run(["--diff", "."], cwd=root)
    assert result.out == (
        f"--- a/{REGISTRY}\n"
        f"+++ b/{REGISTRY}\n"
        "@@ -1,2 +1,3 @@\n"
        " import pkg.data.audit\n"
        " import pkg.data.news\n"
        "+import pkg.data.users\n"
    )
    assert result.exit_code == 1
    assert path.read_bytes() == REGISTERED_TWO
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert os.stat(path).st_ino == before.st_ino
    assert files_under(root) == listing


def test_diff_on_a_complete_registry_prints_nothing_and_exits_0(tree, run):
    root = tree(project_files(FIXED_THREE))
    result = run(["--diff", "."], cwd=root)
    assert result.out == ""
    assert result.exit_code == 0
    assert (root / REGISTRY).read_bytes() == FIXED_THREE


# -- 4. Safety: two real processes at once -----------------------------------------------


def test_two_concurrent_fix_processes_lose_no_import(tmp_path):
    models = dict(MODELS, packages=("Package", "packages"))
    entry = b"# noinspection PyUnresolvedReferences\nimport pkg.data.%s\n"
    registry = entry % b"audit" + entry % b"news"
    expected = entry % b"audit" + entry % b"news" + entry % b"packages" + entry % b"users"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for attempt in range(5):
        root = write_tree(tmp_path / f"proj{attempt}", project_files(registry, models))
        (root / "pyproject.toml").write_text("")
        listing = files_under(root)
        # each process fixes the diagnostic of its own model module (users / packages): without a
        # lock around read-plan-write, the later write would drop the earlier one's import
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "modelreg", "--fix", f"pkg/data/{mod}.py"],
                cwd=str(root),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for mod in ("users", "packages")
        ]
        outputs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outputs):
            assert p.returncode == 0, f"attempt {attempt}: exit {p.returncode}\n{out}\n{err}"
        data = (root / REGISTRY).read_bytes()
        assert_parses(data)
        imported = [a.name for node in ast.parse(data).body if isinstance(node, ast.Import) for a in node.names]
        assert sorted(imported) == ["pkg.data.audit", "pkg.data.news", "pkg.data.packages", "pkg.data.users"], data
        assert data == expected
        assert files_under(root) == listing, "a lock or temp file was left in the project tree"
        prove(root, models)


# -- 5. Exit codes ---------------------------------------------------------------------


def test_fix_exits_0_when_everything_was_fixed(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.out + result.err
    assert result.out == ""
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    prove(root)


def test_fix_exits_1_when_an_unverifiable_registry_mr006_remains(tree, run):
    registry = (
        b"import importlib\n"
        b"import os\n"
        b"\n"
        b'for name in os.environ["MODEL_MODULES"].split(","):\n'
        b"    importlib.import_module(name)\n"
    )
    root = tree(project_files(registry))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 1, result.out + result.err
    assert result.codes() == ["MR006"]
    assert (root / REGISTRY).read_bytes() == registry


def test_fix_exits_1_when_a_syntax_error_mr100_remains_after_fixing_the_rest(tree, run):
    # a model file modelreg must read (it imports the base), broken
    broken = "from pkg.data.modelbase import Base\n\n\nclass Broken(Base:\n    pass\n"
    root = tree(project_files(REGISTERED_TWO, extra={"pkg/broken.py": broken}))
    result = run(["--fix", "."], cwd=root)
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    assert result.codes() == ["MR100"]
    assert result.exit_code == 1, result.out + result.err
    prove(root)


def test_fix_leaves_a_registry_with_a_syntax_error_unchanged_and_exits_1(tree, run):
    registry = b"import pkg.data.audit\nimport (\n"
    root = tree(project_files(registry))
    result = run(["--fix", "."], cwd=root)
    assert (root / REGISTRY).read_bytes() == registry
    assert "internal error" not in result.err, result.err
    assert "MR100" in result.codes()
    assert result.exit_code == 1, result.out + result.err


def test_exit_non_zero_on_fix_exits_1_when_a_file_changed_and_0_when_nothing_changed(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    first = run(["--fix", "--exit-non-zero-on-fix", "."], cwd=root)
    assert first.exit_code == 1, first.err
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    second = run(["--fix", "--exit-non-zero-on-fix", "."], cwd=root)
    assert second.exit_code == 0, second.err
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    prove(root)


# -- 6. Output -------------------------------------------------------------------------


def test_fix_reports_fixed_1_error_in_the_registry_on_stderr(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0
    assert f"Fixed 1 error in {REGISTRY}" in result.err.splitlines()
    assert "Fixed" not in result.out
    prove(root)


def test_fix_reports_fixed_2_errors_when_two_models_were_missing(tree, run):
    root = tree(project_files(b"import pkg.data.audit\n"))
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0
    assert f"Fixed 2 errors in {REGISTRY}" in result.err.splitlines()
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    prove(root)


def test_show_fixes_lists_each_added_and_each_removed_statement(tree, run):
    registry = b"import pkg.data.audit\nimport pkg.data.gone\nimport pkg.data.news\n"
    root = tree(project_files(registry))
    result = run(["--fix", "--show-fixes", "."], cwd=root)
    assert result.exit_code == 0, result.out + result.err
    assert (root / REGISTRY).read_bytes() == FIXED_THREE
    lines = [line.strip() for line in result.err.splitlines()]
    assert f"Fixed 2 errors in {REGISTRY}:" in lines
    assert "+ import pkg.data.users" in lines
    assert "- import pkg.data.gone" in lines
    listed = [line for line in lines if line.startswith(("+ ", "- "))]
    assert listed == ["- import pkg.data.gone", "+ import pkg.data.users"]
    prove(root)


# -- Done when: runtime proof under real SQLAlchemy ------------------------------------------


def test_after_fix_real_sqlalchemy_finds_every_table_in_base_metadata(tree, run):
    models = dict(MODELS, packages=("Package", "packages"))
    root = tree(project_files(b"# noinspection PyUnresolvedReferences\nimport pkg.data.audit\n\n"
                              b"# noinspection PyUnresolvedReferences\nimport pkg.data.news\n", models))
    show = "from pkg.data.modelbase import Base; print(sorted(Base.metadata.tables))"
    before = import_in_subprocess(root, "pkg.data.__all_models", show)
    assert before.strip() == str(["auditing", "news"])

    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.out + result.err
    after = import_in_subprocess(root, "pkg.data.__all_models", show)
    assert after.strip() == str(sorted(["auditing", "news", "packages", "users"]))
    prove(root, models)


# -- issue 14, point 6: the file stays the user's file -----------------------------------


def test_a_hard_linked_registry_is_rewritten_in_place_and_every_link_sees_the_fix(tree, run, tmp_path):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    other = tmp_path / "backup-link.py"
    os.link(path, other)
    inode = os.stat(path).st_ino
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    assert os.stat(path).st_ino == inode and os.stat(path).st_nlink == 2
    assert other.read_bytes() == path.read_bytes() == FIXED_THREE
    prove(root)


def test_the_owner_and_group_of_the_registry_are_kept(tree, run):
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    if os.geteuid() == 0:  # another user's file, edited by root (sudo modelreg --fix)
        owner = (12345, 23456)
    else:  # the user's own file, in one of the user's other groups when there is one
        owner = (os.getuid(), next((g for g in os.getgroups() if g != os.getegid()), os.getegid()))
    os.chown(path, *owner)
    result = run(["--fix", "."], cwd=root)
    assert result.exit_code == 0, result.err
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == owner
    assert path.read_bytes() == FIXED_THREE
    prove(root)


def test_a_read_only_registry_is_not_rewritten_and_the_fix_exits_2_with_the_reason(tree):
    """A 0444 registry, for a process the permission applies to (root is made one: see
    conftest.unreadable_for_this_process); its directory stays writable, so a rename would replace it."""
    root = tree(project_files(REGISTERED_TWO))
    path = root / REGISTRY
    os.chmod(path, 0o444)
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(path)!r}, 'r+b')"],
        check=False, preexec_fn=unreadable_for_this_process, capture_output=True, text=True,
    )
    assert "PermissionError" in probe.stderr, f"the file is writable after all: {probe.stderr}"
    listing = files_under(root)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(
        [sys.executable, "-m", "modelreg", "--fix", "--no-cache", "."],
        cwd=str(root), env=env, preexec_fn=unreadable_for_this_process, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert path.read_bytes() == REGISTERED_TWO
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444
    errors = error_lines(proc.stderr)
    assert len(errors) == 1 and REGISTRY in errors[0] and "read-only" in errors[0], proc.stderr
    assert files_under(root) == listing
