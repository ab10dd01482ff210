"""Issue 19, points 1 and 2: `modelreg rule`, and choosing which rules are reported - on the command
line (`--select`, `--ignore`, `--extend-select`), per file (`per-file-ignores`, `# modelreg: noqa`),
with an unknown rule code anywhere an error that names it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modelreg.rules import RULES

DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"

# MR001 (audit.py), MR002 (the registry's stale import) and MR005 (two `users` tables)
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/data/__init__.py": "",
    "pkg/data/users.py": "from pkg.db import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n",
    "pkg/data/legacy.py": "from pkg.db import Base\n\n\nclass LegacyUser(Base):\n    __tablename__ = 'users'\n",
    "pkg/data/audit.py": "from pkg.db import Base\n\n\nclass Audit(Base):\n    __tablename__ = 'auditing'\n",
    "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.legacy\nimport pkg.data.gone\n",
}


def codes(result) -> list:
    return sorted({line.split(" ")[1] for line in result.out.splitlines() if line.strip()})


# -- point 1: rule docs at the terminal --------------------------------------------------------


def test_modelreg_rule_prints_what_why_example_and_fix_of_that_rule(run):
    result = run(["rule", "MR001"])
    assert result.exit_code == 0
    out = result.out
    assert out.startswith("# MR001 unregistered-model\n")
    for section in ("## What it finds", "## Why it matters", "## Example", "## Fix"):
        assert section in out
    assert "MR002" not in out


def test_modelreg_rule_accepts_a_lowercase_code(run):
    assert run(["rule", "mr005"]).out == run(["rule", "MR005"]).out


def test_modelreg_rule_all_prints_every_rule_in_order(run):
    out = run(["rule", "--all"]).out
    positions = [out.index(f"# {r.CODE} {r.NAME}\n") for r in RULES]
    assert positions == sorted(positions)


def test_modelreg_rule_json_is_the_rule_docstring_in_sections(run):
    data = run(["rule", "MR002", "--output-format", "json"]).json
    assert data["code"] == "MR002" and data["name"] == "stale-registry-import" and data["fixable"] is True
    assert set(data["sections"]) >= {"What it finds", "Why it matters", "Example", "Fix"}
    module = next(r for r in RULES if r.CODE == "MR002")
    assert data["sections"]["Why it matters"] in module.__doc__
    all_rules = run(["rule", "--all", "--format", "json"]).json
    assert [d["code"] for d in all_rules] == [r.CODE for r in RULES]
    assert [d["fixable"] for d in all_rules] == [getattr(r, "FIXABLE", r.FIX_TITLE is not None) for r in RULES]


def test_the_docs_rule_pages_sarif_and_modelreg_rule_share_one_source(run, tree):
    from modelreg.rules import RULES
    from modelreg.rules.docs import as_page, rule_doc

    generated = run(["rule", "--all", "--output-format", "markdown"]).out.strip()
    for rule in RULES:  # the docs site's page (docs/hooks.py) and `modelreg rule` say the same
        doc = rule_doc(rule)
        for title, body in doc.sections:
            assert body in as_page(doc) and body in generated, (rule.CODE, title)
    sarif = run(["--output-format", "sarif"], cwd=tree(PROJECT)).json
    entry = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "MR005")
    assert entry["help"]["markdown"].strip() in generated
    assert entry["help"]["text"] == run(["rule", "MR005"]).out


def test_modelreg_rule_with_an_unknown_code_names_it_and_exits_2(run):
    result = run(["rule", "MR999"])
    assert result.exit_code == 2
    assert "MR999" in result.err and "Traceback" not in result.err


def test_modelreg_rule_without_a_code_says_how_to_ask(run):
    result = run(["rule"])
    assert result.exit_code == 2 and "--all" in result.err


# -- point 2: selection on the command line ------------------------------------------------------


def test_every_rule_is_reported_by_default(tree, run):
    assert codes(run([], cwd=tree(PROJECT))) == ["MR001", "MR002", "MR005"]


def test_select_reports_only_the_rules_selected(tree, run):
    root = tree(PROJECT)
    assert codes(run(["--select", "MR002"], cwd=root)) == ["MR002"]
    assert codes(run(["--select", "MR001,MR005"], cwd=root)) == ["MR001", "MR005"]
    assert codes(run(["--select", "MR001", "--select", "MR002"], cwd=root)) == ["MR001", "MR002"]


def test_a_clean_selection_exits_0(tree, run):
    result = run(["--select", "MR006"], cwd=tree(PROJECT))
    assert (result.exit_code, result.out) == (0, "")


def test_select_accepts_a_prefix_and_all(tree, run):
    root = tree(PROJECT)
    assert codes(run(["--select", "MR00"], cwd=root)) == ["MR001", "MR002", "MR005"]
    assert codes(run(["--select", "ALL", "--ignore", "MR00"], cwd=root)) == []


def test_ignore_on_the_command_line_removes_rules(tree, run):
    assert codes(run(["--ignore", "MR001,MR005"], cwd=tree(PROJECT))) == ["MR002"]


def test_ignore_on_the_command_line_adds_to_the_configs_ignore(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nignore = ["MR002"]\n')
    assert codes(run(["--ignore", "MR005"], cwd=root)) == ["MR001"]


def test_extend_select_adds_to_the_configs_select(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nselect = ["MR001"]\n')
    assert codes(run([], cwd=root)) == ["MR001"]
    assert codes(run(["--extend-select", "MR005"], cwd=root)) == ["MR001", "MR005"]


def test_extend_select_on_the_command_line_brings_back_a_rule_the_config_ignores(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nignore = ["MR005"]\n')
    assert codes(run(["--extend-select", "MR005"], cwd=root)) == ["MR001", "MR002", "MR005"]


def test_select_on_the_command_line_replaces_the_configs_selection(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nselect = ["MR001"]\nignore = ["MR002"]\n')
    assert codes(run(["--select", "MR002"], cwd=root)) == ["MR002"]


def test_config_select_and_extend_select(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nselect = ["MR002"]\nextend-select = ["MR005"]\n')
    assert codes(run([], cwd=root)) == ["MR002", "MR005"]


def test_fix_only_fixes_the_rules_selected(tree, run):
    root = tree(PROJECT)
    result = run(["--fix", "--select", "MR002"], cwd=root)
    registry = (root / "pkg/data/__all_models.py").read_text()
    assert "pkg.data.gone" not in registry and "pkg.data.audit" not in registry
    assert result.exit_code == 0


@pytest.mark.parametrize(
    "args, where",
    [
        (["--select", "MR999"], "--select"),
        (["--ignore", "MR001,XX1"], "--ignore"),
        (["--extend-select", "F401"], "--extend-select"),
    ],
)
def test_an_unknown_rule_code_on_the_command_line_names_it_and_exits_2(tree, run, args, where):
    result = run(args, cwd=tree(PROJECT))
    assert result.exit_code == 2
    bad = args[1].split(",")[-1]
    assert result.err.count("\n") == 1 and bad in result.err and where in result.err
    assert result.out == ""


@pytest.mark.parametrize(
    "pyproject, bad",
    [
        ('[tool.modelreg]\nignore = ["MR09"]\n', "MR09"),
        ('[tool.modelreg]\nselect = ["MR001", "E501"]\n', "E501"),
        ('[tool.modelreg]\nextend-select = ["MR7"]\n', "MR7"),
        ('[tool.modelreg.per-file-ignores]\n"tests/*" = ["MR123"]\n', "MR123"),
    ],
)
def test_an_unknown_rule_code_in_the_config_names_it_and_exits_2(tree, run, pyproject, bad):
    result = run([], cwd=tree(PROJECT, pyproject=pyproject))
    assert result.exit_code == 2
    assert bad in result.err and "pyproject.toml" in result.err and "Traceback" not in result.err


# -- point 2: per file ---------------------------------------------------------------------------


def test_per_file_ignores_turns_rules_off_for_matching_files(tree, run):
    pyproject = '[tool.modelreg.per-file-ignores]\n"pkg/data/audit.py" = ["MR001"]\n"__all_models.py" = ["MR002"]\n'
    root = tree(PROJECT, pyproject=pyproject)
    assert codes(run([], cwd=root)) == ["MR005"]


def test_per_file_ignores_patterns_are_gitignore_style_and_only_touch_the_files_they_match(tree, run):
    files = {**PROJECT, "pkg/legacy/__init__.py": "", "pkg/legacy/old.py": PROJECT["pkg/data/audit.py"].replace("Audit", "Old")}
    root = tree(files, pyproject='[tool.modelreg.per-file-ignores]\n"pkg/legacy/" = ["ALL"]\n')
    out = run([], cwd=root).out
    assert "pkg/legacy/old.py" not in out and "pkg/data/audit.py" in out


def test_per_file_ignores_must_be_a_table(tree, run):
    result = run([], cwd=tree(PROJECT, pyproject='[tool.modelreg]\nper-file-ignores = ["MR001"]\n'))
    assert result.exit_code == 2 and "per-file-ignores" in result.err


def test_a_file_level_noqa_hides_every_diagnostic_in_that_file(tree, run):
    files = {**PROJECT, "pkg/data/audit.py": "# modelreg: noqa\n" + PROJECT["pkg/data/audit.py"]}
    files["pkg/data/__all_models.py"] = "# modelreg: noqa\n" + PROJECT["pkg/data/__all_models.py"]
    assert codes(run([], cwd=tree(files))) == ["MR005"]


def test_a_file_level_noqa_with_codes_hides_only_those(tree, run):
    files = {**PROJECT, "pkg/data/__all_models.py": "# modelreg: noqa: MR001\n" + PROJECT["pkg/data/__all_models.py"]}
    files["pkg/data/users.py"] = "   # MODELREG: NOQA: MR005, MR001\n" + PROJECT["pkg/data/users.py"]
    result = run([], cwd=tree(files))
    assert codes(result) == ["MR001", "MR002"]


def test_a_file_level_noqa_must_be_on_a_line_of_its_own(tree, run):
    text = PROJECT["pkg/data/audit.py"].replace("import Base\n", "import Base  # modelreg: noqa\n")
    assert "MR001" in codes(run([], cwd=tree({**PROJECT, "pkg/data/audit.py": text})))


def test_adding_a_file_level_noqa_is_seen_by_the_next_cached_run(tree, run):
    root = tree(PROJECT)
    assert "MR001" in codes(run([], cwd=root))
    audit = root / "pkg/data/audit.py"
    audit.write_text("# modelreg: noqa: MR001\n" + audit.read_text())
    assert "MR001" not in codes(run([], cwd=root))
    audit.write_text(audit.read_text().replace("# modelreg: noqa: MR001\n", ""))
    assert "MR001" in codes(run([], cwd=root))


def test_selection_works_through_the_real_console_entry_point(tree):
    root = tree(PROJECT)
    proc = subprocess.run(
        [sys.executable, "-m", "modelreg", "--select", "MR001", "--output-format", "json"],
        cwd=root, capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["MR001"]
    proc = subprocess.run([sys.executable, "-m", "modelreg", "--ignore", "MR1000"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 2 and "MR1000" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unknown_code_in_a_file_level_noqa_names_it_and_exits_2_on_every_run(tree, run):
    # (a line's `# noqa: CODES` may name other tools' codes: see test_rules.py, they are left alone)
    files = {**PROJECT, "pkg/data/audit.py": "# modelreg: noqa: MR01\n" + PROJECT["pkg/data/audit.py"]}
    root = tree(files)
    for _ in range(2):  # the second run does not take a stored report that hides it
        result = run([], cwd=root)
        assert result.exit_code == 2 and result.out == ""
        assert "pkg/data/audit.py" in result.err and "'MR01'" in result.err and "modelreg: noqa" in result.err
    assert run(["--fix"], cwd=root).exit_code == 2
    assert (root / "pkg/data/__all_models.py").read_text() == PROJECT["pkg/data/__all_models.py"]


def test_a_cached_run_never_serves_a_report_made_under_another_selection(tree, run):
    root = tree(PROJECT)
    assert codes(run(["--select", "MR001"], cwd=root)) == ["MR001"]
    assert codes(run([], cwd=root)) == ["MR001", "MR002", "MR005"]
    assert codes(run(["--ignore", "MR001"], cwd=root)) == ["MR002", "MR005"]
    (root / "pyproject.toml").write_text('[tool.modelreg.per-file-ignores]\n"pkg/data/users.py" = ["MR005"]\n')
    assert codes(run([], cwd=root)) == ["MR001", "MR002"]
