"""modelreg.runner: which of the rules' findings a run reports.

The rules only find; ``run_rules`` keeps what the PATHs given concern (``scopes_of``, ``under``),
drops what `per-file-ignores`, a line's `# noqa` or a file's `# modelreg: noqa` turn off, and
collects the unknown codes a file-level comment names. The CLI-level behaviour (`--select`, exit 2
on an unknown code) is in test_rule_selection.py.
"""

from __future__ import annotations

import os

import pytest
from conftest import analysis_of, model_source, users_and_legacy

from modelreg.api import load_config
from modelreg.config import ConfigError
from modelreg.runner import run_rules, scopes_of, under, unknown_codes_error

# legacy.py's model is not imported (MR001 at 4:7), the registry imports a module that is gone (MR002 at 2:1)
PROJECT = users_and_legacy("import pkg.users\nimport pkg.gone\n")


def found(root, scopes=(), unknown=None):
    """(code, path relative to root, line) of each diagnostic run_rules keeps, in its order."""
    diagnostics = run_rules(analysis_of(root), [os.path.join(root, s) for s in scopes], unknown)
    return [(d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line) for d in diagnostics]


EVERYTHING = [("MR002", "pkg/__all_models.py", 2), ("MR001", "pkg/legacy.py", 4)]


def test_every_finding_is_kept_and_sorted_by_path_line_column_and_code(tree):
    assert found(tree(PROJECT)) == sorted(EVERYTHING, key=lambda f: (f[1], f[2]))


def test_the_project_root_among_the_paths_means_everything(tree):
    root = tree(PROJECT)
    cfg = load_config([str(root)])
    assert scopes_of([str(root / "pkg"), str(root)], cfg) == []
    assert scopes_of([str(root / "pkg")], cfg) == [str(root / "pkg")]


def test_a_directory_covers_the_files_under_it_and_no_sibling_sharing_its_prefix():
    assert under("/p/pkg/a.py", ["/p/pkg"]) and under("/p/pkg", ["/p/pkg"]) and under("/p/pkg/a.py", ["/p/pkg/"])
    assert not under("/p/pkgx/a.py", ["/p/pkg"])


def test_a_file_passed_keeps_its_own_findings_and_everything_located_in_a_registry(tree):
    # (what pre-commit passes: a stale import breaks the project whichever file the commit touched)
    assert found(tree(PROJECT), scopes=["pkg/users.py"]) == [("MR002", "pkg/__all_models.py", 2)]
    assert found(tree(PROJECT), scopes=["pkg/legacy.py"]) == EVERYTHING


def test_a_registry_passed_keeps_the_mr001_it_causes(tree):
    assert ("MR001", "pkg/legacy.py", 4) in found(tree(PROJECT), scopes=["pkg/__all_models.py"])


def test_a_directory_passed_keeps_only_what_is_located_under_it(tree):
    root = tree({**PROJECT, "other/__init__.py": ""})
    assert found(root, scopes=["other"]) == []


def test_per_file_ignores_drop_those_codes_in_matching_files(tree):
    root = tree(PROJECT, pyproject='[tool.modelreg.per-file-ignores]\n"pkg/legacy.py" = ["MR001"]\n')
    assert found(root) == [("MR002", "pkg/__all_models.py", 2)]


def test_a_bare_noqa_hides_a_model_but_not_a_stale_import(tree):
    files = dict(PROJECT)
    files["pkg/legacy.py"] = files["pkg/legacy.py"].replace("(Base):", "(Base):  # noqa")
    files["pkg/__all_models.py"] = "import pkg.users  # noqa\nimport pkg.gone  # noqa\n"
    assert found(tree(files)) == [("MR002", "pkg/__all_models.py", 2)]


def test_a_noqa_naming_the_code_hides_a_stale_import(tree):
    files = {**PROJECT, "pkg/__all_models.py": "import pkg.users\nimport pkg.gone  # noqa: MR002\n"}
    assert found(tree(files)) == [("MR001", "pkg/legacy.py", 4)]


def test_a_file_level_noqa_hides_its_codes_in_the_whole_file(tree):
    files = {**PROJECT, "pkg/__all_models.py": "# modelreg: noqa: MR002\n" + PROJECT["pkg/__all_models.py"]}
    assert found(tree(files)) == [("MR001", "pkg/legacy.py", 4)]


def test_unknown_codes_of_a_file_level_noqa_are_collected_and_named(tree):
    files = {**PROJECT, "pkg/legacy.py": "# modelreg: noqa: MR01\n" + PROJECT["pkg/legacy.py"]}
    root = tree(files)
    unknown: list = []
    assert ("MR001", "pkg/legacy.py", 5) in found(root, unknown=unknown)
    assert unknown == [(str(root / "pkg/legacy.py"), 0, "MR01")]
    error = unknown_codes_error(unknown)
    assert isinstance(error, ConfigError) and "'MR01'" in str(error) and "MR001" in str(error)


BROKEN_METHOD = (  # the fast path reads it (it skips bodies); the full parse a verdict on Broken asks fails at 9
    "from pkg.db import Base\n\n\nclass Broken(Base):\n    __tablename__ = 'broken'\n\n"
    "    def f(self):\n        return 1 +  # noqa\n"
)


@pytest.mark.parametrize("comment", ["# modelreg: noqa", "# modelreg: noqa: MR100"])
def test_an_unreadable_file_is_never_hidden(tree, comment):
    files = {**PROJECT, "pkg/broken.py": f"{comment}\n" + BROKEN_METHOD}
    assert ("MR100", "pkg/broken.py", 9) in found(tree(files))


# -- mutation survivors (benchmarks/mutation.py): each rule's later findings survive an earlier one dropped


def _three_unregistered(extra_first=""):
    files = users_and_legacy("import pkg.users\n")
    files["pkg/a_first.py"] = extra_first + model_source("AFirst", "a_first")
    files["pkg/sub/__init__.py"] = ""
    files["pkg/sub/z_last.py"] = model_source("ZLast", "z_last")
    return files


def test_a_finding_out_of_scope_does_not_hide_the_rules_later_findings_in_scope(tree):
    root = tree(_three_unregistered())
    assert found(root, ["pkg/sub"]) == [("MR001", "pkg/sub/z_last.py", 4)]


def test_a_suppressed_finding_does_not_hide_the_rules_later_findings(tree):
    root = tree(_three_unregistered(extra_first="# modelreg: noqa: MR001\n"))
    assert [f[1] for f in found(root)] == ["pkg/legacy.py", "pkg/sub/z_last.py"]
    assert len(found(tree(_three_unregistered()))) == 3


def test_a_finding_in_a_file_no_import_can_name_is_never_taken_for_suppressed(tree):
    files = users_and_legacy("import pkg.users\n")
    files["my-scripts/seed.py"] = model_source("Seed", "seed")
    root = tree(files)
    assert ("MR007", "my-scripts/seed.py", 4) in found(root)


@pytest.mark.parametrize(
    "pyproject, noqa, kept",
    [
        ("", "", True),
        ('[tool.modelreg]\nignore = ["MR012"]\n', "", False),
        ('[tool.modelreg]\nselect = ["MR001"]\n', "", False),
        ('[tool.modelreg.per-file-ignores]\n"pkg/legacy.py" = ["MR012"]\n', "", False),
        ("", "  # noqa: MR012", False),
        ("", "  # noqa: MR001", True),
    ],
)
def test_reported_applies_the_configuration_to_a_finding_no_rule_made(tree, pyproject, noqa, kept):
    from modelreg.runner import reported
    from modelreg.types import Diagnostic

    files = users_and_legacy("import pkg.users\n")
    files["pkg/legacy.py"] = files["pkg/legacy.py"].replace("(Base):", "(Base):" + noqa)
    root = tree(files, pyproject=pyproject)
    analysis = analysis_of(root)
    d = Diagnostic("MR012", "", str(root / "pkg/legacy.py"), 4, 7, 4, 13, model="pkg.legacy.Old")
    assert reported(analysis, d) is kept
