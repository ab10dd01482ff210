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
def test_every_rule_has_a_readme_page(rule):
    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    page = readme.split(f"### {rule.CODE} {rule.NAME}", 1)
    assert len(page) == 2, f"README has no section for {rule.CODE}"
    body = page[1].split("\n### ", 1)[0]
    for label in ("What it finds", "Why it matters", "Example", "Fix"):
        assert f"**{label}" in body, (rule.CODE, label)
