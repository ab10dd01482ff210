"""Output formats, each checked against the required fields of its specification."""

import json
import re

import pytest

from modelreg.rules import RULES

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/data/__init__.py": "",
    "pkg/data/modelbase.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "pkg/data/audit.py": "from pkg.data.modelbase import Base\n\n\nclass Audit(Base):\n    __tablename__ = 'auditing'\n",
    "pkg/data/__all_models.py": "import pkg.data.gone\n",
}

GITHUB_LINE = re.compile(
    r"^::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=(?P<title>MR\d{3})::(?P<message>.+)$"
)


def test_github_format_is_one_workflow_command_per_diagnostic(tree, run):
    root = tree(PROJECT)
    result = run(["--format", "github"], cwd=root)
    assert result.exit_code == 1
    lines = result.out.splitlines()
    matches = [GITHUB_LINE.match(line) for line in lines]
    assert all(matches), lines
    got = [(m["file"], int(m["line"]), int(m["col"]), m["title"]) for m in matches]
    assert got == [("pkg/data/__all_models.py", 1, 8, "MR002"), ("pkg/data/audit.py", 4, 7, "MR001")]
    assert "Audit" in matches[1]["message"] and not matches[1]["message"].startswith("MR001")


def test_github_format_escapes_newlines_percent_and_property_separators():
    from modelreg.report.github import _escape_data, _escape_property

    assert _escape_data("50%\ndone\r") == "50%25%0Adone%0D"
    assert _escape_property("a,b:c") == "a%2Cb%3Ac"


def test_sarif_has_the_required_2_1_0_structure_and_a_rule_entry_per_code(tree, run):
    root = tree(PROJECT)
    result = run(["--format", "sarif"], cwd=root)
    assert result.exit_code == 1
    doc = json.loads(result.out)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "modelreg" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.CODE for r in RULES]
    for entry in rules:
        assert re.fullmatch(r"MR\d{3}", entry["id"])
        assert entry["shortDescription"]["text"] and entry["help"]["text"] and entry["fullDescription"]["text"]
    results = run_["results"]
    assert [r["ruleId"] for r in results] == ["MR002", "MR001"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("none", "note", "warning", "error")
        assert r["message"]["text"]
        (loc,) = r["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] in run_["originalUriBaseIds"]
        assert not phys["artifactLocation"]["uri"].startswith("/")
        region = phys["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/data/audit.py"
    assert run_["originalUriBaseIds"]["ROOT"]["uri"] == root.as_uri() + "/"


def test_sarif_with_no_findings_is_still_a_valid_log(tree, run):
    files = dict(PROJECT, **{"pkg/data/__all_models.py": "import pkg.data.audit\n"})
    result = run(["--format", "sarif"], cwd=tree(files))
    assert result.exit_code == 0
    doc = json.loads(result.out)
    assert doc["runs"][0]["results"] == []


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_every_rule_documents_what_why_example_and_fix(rule):
    doc = rule.__doc__
    assert doc.startswith(f"{rule.CODE} {rule.NAME}")
    for section in ("## What it finds", "## Why it matters", "## Example", "## Fix"):
        assert section in doc, section


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_every_rule_has_a_docs_page_with_every_section(rule):
    from modelreg.rules.docs import as_page, rule_doc

    page = as_page(rule_doc(rule))  # docs/hooks.py writes it as rules/MR0xx.md when the site is built
    assert page.startswith(f"# {rule.CODE} {rule.NAME}\n")
    for label in ("What it finds", "Why it matters", "Example", "Fix"):
        assert f"\n## {label}\n" in page, (rule.CODE, label)


# -- issue 19, point 3: the formats CI systems ingest, --statistics, -o -------------------------

CLEAN = dict(PROJECT, **{"pkg/data/__all_models.py": "import pkg.data.audit\n"})


def test_output_format_and_its_alias_format_print_the_same(tree, run):
    root = tree(PROJECT)
    assert run(["--output-format", "json"], cwd=root).out == run(["--format", "json"], cwd=root).out


def test_concise_is_the_default_and_text_is_its_old_name(tree, run):
    root = tree(PROJECT)
    default = run([], cwd=root).out
    assert default == run(["--output-format", "concise"], cwd=root).out == run(["--format", "text"], cwd=root).out
    assert default.splitlines()[1].startswith("pkg/data/audit.py:4:7: MR001 model Audit")


def test_help_lists_the_formats_humans_first_then_contracts_then_ci_systems(run):
    from modelreg.report import NAMES

    assert NAMES == ("concise", "full", "json", "json-lines", "junit", "github", "gitlab", "pylint", "sarif")
    help_text = " ".join(run(["check", "--help"]).out.split())
    assert "[concise|full|json|json-lines|junit|github|gitlab|pylint|sarif]" in help_text


def test_full_shows_the_source_line_a_caret_under_the_name_and_the_fix_it_would_make(tree, run):
    root = tree(PROJECT)
    result = run(["--output-format", "full"], cwd=root)
    assert result.exit_code == 1
    blocks = result.out.split("\n\n")
    assert blocks[1].splitlines() == [
        "pkg/data/audit.py:4:7: MR001 [*] model Audit (pkg.data.audit) is not registered: "
        "pkg/data/__all_models.py does not import it; add `import pkg.data.audit`",
        "  |",
        "4 | class Audit(Base):",
        "  |       ^^^^^ MR001",
        "  |",
        "  = help: add import pkg.data.audit to pkg/data/__all_models.py",
    ]
    first = blocks[0].splitlines()
    assert first[-1] == "  = help: remove import pkg.data.gone from pkg/data/__all_models.py"
    assert first[0].startswith("pkg/data/__all_models.py:1:8: MR002 [*] ")
    assert first[2] == "1 | import pkg.data.gone" and first[3] == "  |        ^^^^^^^^^^^^^ MR002"
    assert result.err.startswith("Found 2 errors")


def test_full_help_names_each_statement_fix_writes_in_the_registrys_own_style(tree, run):
    from conftest import assert_fix_runs

    files = {
        "pkg/__init__.py": "",
        "pkg/data/__init__.py": "",
        "pkg/data/modelbase.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "pkg/data/audit.py": "from pkg.data.modelbase import Base\nfrom sqlalchemy import Column, Integer\n\n\n"
        "class Audit(Base):\n    __tablename__ = 'auditing'\n    id = Column(Integer, primary_key=True)\n",
        "pkg/data/users.py": "from pkg.data.modelbase import Base\nfrom sqlalchemy import Column, Integer\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n",
        "pkg/data/__all_models.py": "from pkg.data import users  # noqa: F401\n",
    }
    root = tree(files)
    helps = [line for line in run(["--output-format", "full"], cwd=root).out.splitlines() if "= help:" in line]
    fixed = run(["--fix", "--show-fixes"], cwd=root).err.splitlines()
    added = [line.strip()[2:] for line in fixed if line.strip().startswith("+ ")]
    assert added == ["from pkg.data import audit"]
    assert helps == [f"  = help: add {added[0]} to pkg/data/__all_models.py"]
    models = ["pkg.data.audit", "pkg.data.users"]
    assert_fix_runs(root, "pkg.data.__all_models", "pkg.data.modelbase:Base.metadata", models, ["auditing", "users"])


def test_full_help_names_the_fix_on_a_warm_run_too(tree, run, monkeypatch, capsys):
    import os
    import time

    from modelreg import warm

    root = tree(PROJECT)
    past = time.time_ns() - 3600 * 10**9  # no file is "racily clean": the report is stored (cache.racy)
    for path in root.rglob("*"):
        os.utime(path, ns=(past, past))
    first = run(["--output-format", "full"], cwd=root).out
    capsys.readouterr()
    assert warm.answer(["--output-format", "concise"]) == 1  # the stored report answers a plain check
    capsys.readouterr()
    # ... but not `full` with a fixable finding: the stored report cannot name the fix
    assert warm.answer(["--output-format", "full"]) is None and capsys.readouterr().out == ""
    again = run(["--output-format", "full"], cwd=root).out  # the CLI, whose check reuses the report too
    assert again == first
    assert "  = help: add import pkg.data.audit to pkg/data/__all_models.py" in again.splitlines()


def test_full_marks_only_fixable_diagnostics_and_gives_no_help_without_a_fix(tree, run):
    files = dict(CLEAN, **{"pkg/data/dup.py": "from pkg.data.modelbase import Base\n\nclass Dup(Base):\n    __tablename__ = 'auditing'\n"})
    files["pkg/data/__all_models.py"] = "import pkg.data.audit\nimport pkg.data.dup\n"
    out = run(["--output-format", "full"], cwd=tree(files)).out
    assert "MR005 table" in out and "[*]" not in out and "help:" not in out


def test_full_lines_the_caret_up_under_a_tab_indented_name(tree, run):
    files = dict(PROJECT, **{"pkg/data/audit.py": "from pkg.data.modelbase import Base\nif True:\n\tclass Audit(Base):\n\t\t__tablename__ = 'a'\n"})
    out = run(["--output-format", "full", "--select", "MR001"], cwd=tree(files)).out
    lines = out.splitlines()
    assert lines[2] == "3 | \tclass Audit(Base):" and lines[3] == "  | \t      ^^^^^ MR001"


def test_gitlab_code_quality_has_every_required_field(tree, run):
    root = tree(PROJECT)
    result = run(["--output-format", "gitlab"], cwd=root)
    assert result.exit_code == 1
    issues = json.loads(result.out)
    assert isinstance(issues, list) and len(issues) == 2
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert re.fullmatch(r"MR\d{3}", issue["check_name"])
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == 2
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("MR002", "pkg/data/__all_models.py", 1),
        ("MR001", "pkg/data/audit.py", 4),
    ]


def test_gitlab_fingerprints_survive_lines_moving_and_paths_follow_ci_project_dir(tree, run, monkeypatch):
    root = tree(PROJECT)
    before = json.loads(run(["--output-format", "gitlab"], cwd=root).out)
    audit = root / "pkg/data/audit.py"
    audit.write_text("# a comment\n" + audit.read_text())
    after = json.loads(run(["--output-format", "gitlab"], cwd=root).out)
    assert after[1]["location"]["lines"]["begin"] == 5
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    monkeypatch.setenv("CI_PROJECT_DIR", str(root.parent))
    moved = json.loads(run(["--output-format", "gitlab"], cwd=root / "pkg").out)
    assert moved[1]["location"]["path"] == "proj/pkg/data/audit.py"


def test_gitlab_with_no_findings_is_an_empty_array(tree, run):
    result = run(["--output-format", "gitlab"], cwd=tree(CLEAN))
    assert (result.exit_code, json.loads(result.out)) == (0, [])


def test_junit_is_well_formed_xml_with_one_failing_case_per_diagnostic(tree, run):
    import xml.etree.ElementTree as ET

    root = tree(PROJECT)
    result = run(["--output-format", "junit"], cwd=root)
    assert result.exit_code == 1
    doc = ET.fromstring(result.out.encode())
    assert doc.tag == "testsuites" and doc.get("tests") == "2" and doc.get("failures") == "2"
    suites = doc.findall("testsuite")
    assert [s.get("name") for s in suites] == ["pkg/data/__all_models.py", "pkg/data/audit.py"]
    cases = doc.findall("testsuite/testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [("modelreg.MR002", "1"), ("modelreg.MR001", "4")]
    failure = cases[1].find("failure")
    assert "Audit" in failure.get("message") and failure.text.startswith("line 4, col 7, ")


def test_junit_escapes_markup_in_messages(tree, run):
    import xml.etree.ElementTree as ET

    files = dict(CLEAN, **{"pkg/data/dup.py": "from pkg.data.modelbase import Base\n\nclass Dup(Base):\n    __tablename__ = '<a&b>'\n"})
    files["pkg/data/audit.py"] = files["pkg/data/audit.py"].replace("'auditing'", "'<a&b>'")
    files["pkg/data/__all_models.py"] = "import pkg.data.audit\nimport pkg.data.dup\n"
    doc = ET.fromstring(run(["--output-format", "junit"], cwd=tree(files)).out.encode())
    assert "<a&b>" in doc.find("testsuite/testcase/failure").get("message")


def test_junit_with_no_findings_is_one_passing_case(tree, run):
    import xml.etree.ElementTree as ET

    result = run(["--output-format", "junit"], cwd=tree(CLEAN))
    doc = ET.fromstring(result.out.encode())
    assert result.exit_code == 0 and doc.get("failures") == "0"
    assert [c.find("failure") for c in doc.iter("testcase")] == [None]


def test_json_lines_is_one_json_contract_diagnostic_per_line(tree, run):
    root = tree(PROJECT)
    lines = run(["--output-format", "json-lines"], cwd=root).out.splitlines()
    full = run(["--output-format", "json"], cwd=root).json["diagnostics"]
    assert [json.loads(line) for line in lines] == full
    assert run(["--output-format", "json-lines"], cwd=tree(CLEAN)).out == ""


def test_pylint_format_is_path_line_bracketed_code_message(tree, run):
    out = run(["--output-format", "pylint"], cwd=tree(PROJECT)).out.splitlines()
    assert out[0].startswith("pkg/data/__all_models.py:1: [MR002] ")
    assert out[1].startswith("pkg/data/audit.py:4: [MR001] model Audit")


def test_machine_formats_print_no_summary(tree, run):
    root = tree(PROJECT)
    for fmt in ("json", "json-lines", "junit", "github", "gitlab", "pylint", "sarif"):
        assert run(["--output-format", fmt], cwd=root).err == "", fmt


def test_statistics_counts_each_rule_and_marks_the_fixable_ones(tree, run):
    files = dict(PROJECT, **{"pkg/data/dup.py": "from pkg.data.modelbase import Base\n\nclass Dup(Base):\n    __tablename__ = 'auditing'\n"})
    files["pkg/data/more.py"] = "from pkg.data.modelbase import Base\n\nclass More(Base):\n    __tablename__ = 'more'\n"
    result = run(["--statistics"], cwd=tree(files))
    assert result.exit_code == 1
    assert result.out.splitlines() == [
        "3\tMR001\t[*] unregistered-model",
        "1\tMR002\t[*] stale-registry-import",
        "1\tMR005\t[ ] duplicate-table",
    ]
    data = run(["--statistics", "--output-format", "json"], cwd=tree(files)).json
    assert data[0] == {"code": "MR001", "name": "unregistered-model", "count": 3, "fixable": 3}


def test_output_file_receives_the_output_and_stdout_stays_empty(tree, run):
    root = tree(PROJECT)
    target = root / "reports" / "modelreg.xml"
    for flag in ("-o", "--output-file"):
        result = run(["--output-format", "junit", flag, str(target)], cwd=root)
        assert result.exit_code == 1 and result.out == ""
        assert target.read_text() == run(["--output-format", "junit"], cwd=root).out


def test_output_file_never_holds_color_codes(tree):
    import subprocess
    import sys

    root = tree(PROJECT)
    env = dict(__import__("os").environ, FORCE_COLOR="1")
    env.pop("NO_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "modelreg", "-o", "out.txt"], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "\x1b[" not in (root / "out.txt").read_text()
    assert (root / "out.txt").read_text().splitlines()[1].startswith("pkg/data/audit.py:4:7: MR001")


def test_an_output_file_that_cannot_be_written_is_one_error_line_and_exit_2(tree, run):
    root = tree(PROJECT)
    (root / "blocker").write_text("")
    result = run(["-o", str(root / "blocker" / "out.txt")], cwd=root)
    assert result.exit_code == 2 and "blocker" in result.err and "Traceback" not in result.err
