"""The docs site (docs/, mkdocs.yml) and the README stay true to the code: every command-line option,
config key, rule code, output format and message the code has is on its page; every test the guarantees
cite exists; every page is in the nav, every link of the README leads somewhere."""

import ast
import re
import subprocess
import sys

import yaml

from conftest import REPO

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text()


def page(name: str) -> str:
    return (DOCS / name).read_text()

def test_every_test_the_guarantees_table_cites_exists():
    section = page("guarantees.md")
    cited = re.findall(r"`(tests/\w+\.py)(?:::(\w+))?", section)
    assert len(cited) > 15
    last_file = None
    for path, name in cited:
        text = (REPO / path).read_text()
        last_file = path
        if name:
            assert re.search(rf"^(async )?def {name}\(", text, re.M), f"{path}::{name} is cited but does not exist"
    # shorthand citations (`::name` after a file) refer to the file cited before them
    for file_name, names in re.findall(r"`(tests/\w+\.py)::\w+`((?:, `::\w+`)+)", section):
        text = (REPO / file_name).read_text()
        for name in re.findall(r"`::(\w+)`", names):
            assert re.search(rf"^(async )?def {name}\(", text, re.M), f"{file_name}::{name} is cited but does not exist"
    assert last_file


def test_the_configuration_page_shows_every_config_key_and_only_known_ones():
    from modelreg.config import _KEYS

    text = page("configuration.md")
    block = text.split("[tool.modelreg]\nregistry = \"app/db/base.py\"", 1)[1].split("```", 1)[0]
    keys = set(re.findall(r"^([a-z-]+) =", block, re.M)) | {"registry"}
    assert keys <= _KEYS | {"base"}, keys - _KEYS
    tables = {k for k in _KEYS if not re.search(rf"^{re.escape(k)} =", block, re.M)}
    for key in tables:  # the keys that are tables: [tool.modelreg.<key>] or [[tool.modelreg.<key>]]
        assert f"[tool.modelreg.{key}]" in block, f"configuration.md does not show [tool.modelreg] {key}"


def test_the_command_line_section_lists_every_option_of_every_command():
    import click

    from modelreg.cli import cli

    section = page("cli.md")
    missing = []
    for name, command in cli.commands.items():
        assert f"modelreg {name}" in section or name == "check", name
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts + param.secondary_opts:
                    if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section):
                        missing.append(f"{name} {opt}")
    assert not missing, f"docs/cli.md does not mention: {missing}"


def test_every_output_format_is_documented_in_the_formats_table():
    from modelreg.report import NAMES

    for name in NAMES:
        assert f"| `{name}`" in page("cli.md"), name


def test_the_pre_commit_snippets_rev_is_a_tag_of_this_repository_or_says_to_pin_a_commit():
    import subprocess

    snippet = page("integrations/pre-commit.md").split("```yaml", 1)[1].split("```", 1)[0]
    rev = re.search(r"^\s*rev:\s*(\S+(?: \S+)?)", snippet, re.M).group(1).split("  ")[0].strip()
    tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True).stdout.split()
    if rev in tags:
        return
    assert rev == "<commit sha>", rev
    after = page("integrations/pre-commit.md")
    assert "git ls-remote" in after and "full SHA" in after


def test_the_quickstart_says_the_first_command_exits_1_on_purpose_and_how_long_the_tests_take():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "exits 1 **on purpose**" in quickstart
    assert re.search(r"about \d+(-\d+)? minutes", quickstart)


def test_the_architecture_picture_names_every_module_of_the_package_and_no_module_that_is_gone():
    doc = (REPO / "docs" / "architecture.md").read_text()
    package = REPO / "modelreg"
    # every top-level module and subpackage, and every stage of resolve/, appears in the document
    named = set(re.findall(r"(?<![<\w])([a-z_]+)(?:\.py|/)", doc))
    for path in package.iterdir():
        if path.name.startswith("_") or path.name == "__pycache__":
            continue
        stem = path.stem if path.suffix == ".py" else path.name
        if path.suffix == ".py" or (path / "__init__.py").exists():
            assert stem in named, f"modelreg/{path.name} is missing from docs/architecture.md"
    for path in (package / "resolve").glob("[!_]*.py"):
        assert path.stem in named, f"modelreg/resolve/{path.name} is missing from docs/architecture.md"
    # and nothing it names as a module is gone
    for stem in named:
        if stem in ("modelreg", "modelreg_cache", "tests", "docs"):
            continue
        exists = any(p.exists() for p in (package / f"{stem}.py", package / stem, package / "resolve" / f"{stem}.py"))
        exists = exists or (package / "rules" / f"{stem}.py").exists() or (package / "report" / f"{stem}.py").exists()
        assert exists, f"docs/architecture.md names {stem}, which is not a module of modelreg"


def test_the_design_page_links_to_the_architecture_picture():
    assert "](architecture.md)" in page("design.md")


def test_every_command_option_and_models_format_is_on_the_command_line_page():
    import click

    from modelreg.cli import cli

    text = page("cli.md")
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice) and param.name == "fmt":
                for choice in param.type.choices:
                    assert f"`{choice}`" in text or f"|{choice}" in text or f"{choice}|" in text, (name, choice)


def test_every_rule_has_a_row_on_the_rules_page_and_a_generated_page_with_every_section():
    from modelreg.rules import RULES
    from modelreg.rules.docs import all_docs, as_page, page_path

    index = page("rules/index.md")
    docs = all_docs()
    assert [d.code for d in docs] == [r.CODE for r in RULES]
    for doc in docs:
        assert f"| [{doc.code}]({doc.code}.md) | {doc.name} |" in index, doc.code
        assert page_path(doc) == f"rules/{doc.code}.md" and not (DOCS / page_path(doc)).exists()
        text = as_page(doc)
        assert text.startswith(f"# {doc.code} {doc.name}\n")
        for title, body in doc.sections:
            assert f"\n## {title}\n\n{body}\n" in text, (doc.code, title)
    rows = re.findall(r"^\| \[(MR\d{3})\]", index, re.M)
    assert rows == [d.code for d in docs], "the rules table lists a code that is no rule, or misses one"


def test_mkdocs_builds_the_rule_pages_and_the_changelog_in_a_hook_and_every_page_is_in_the_nav():
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # BaseLoader: no !!python tags
    assert config["theme"]["name"] == "material" and config["docs_dir"] == "docs"
    assert config["hooks"] == ["docs/hooks.py"]
    hook = (DOCS / "hooks.py").read_text()
    assert "all_docs()" in hook and "as_page(" in hook and "CHANGELOG.md" in hook

    def pages(nav):
        for entry in nav:
            if isinstance(entry, dict):
                for value in entry.values():
                    yield from pages(value) if isinstance(value, list) else [value]
            else:
                yield entry

    listed = set(pages(config["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk - listed == set(), "pages missing from the nav of mkdocs.yml"
    assert listed - on_disk == {"changelog.md"}, "the nav names a page that does not exist"


def test_the_getting_started_graph_is_what_modelreg_models_draws_for_the_example(run):
    text = page("getting-started.md")
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    drawn = run(["models", "--format", "mermaid", "--no-cache", str(REPO / "examples/pypi_org")], cwd=REPO).out
    assert block == drawn
    assert "Audit<br/>auditing<br/>NOT REGISTERED" in block and "class c0 unregistered" in block


def _messages(path):
    """The text of every message a rule module builds: the literal parts of each f-string it passes to
    analysis.diagnostic(), and of the f-strings a helper returns as a reason."""
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            out.append(parts)
    return out


def test_troubleshooting_quotes_every_cannot_verify_mr004_and_mr006_message():
    text = page("troubleshooting.md")
    flat = re.sub(r"\s+", " ", re.sub(r"^> ?", "", text, flags=re.M))
    checked = 0
    for module in ("mr004_missing_registry.py", "mr006_dynamic_registry.py", "mr007_unverified.py"):
        for parts in _messages(REPO / "modelreg" / "rules" / module):
            for part in parts:
                part = re.sub(r"\s+", " ", part).strip()
                if len(part) >= 12:
                    assert part in flat, f"troubleshooting.md does not quote this part of a {module} message: {part!r}"
                    checked += 1
    assert checked >= 15


def test_the_readme_fits_a_screen_keeps_the_quickstart_and_its_links_lead_somewhere():
    lines = README.splitlines()
    assert len(lines) <= 200, len(lines)
    assert "pip install . && modelreg examples/pypi_org" in lines
    assert "pip install -e '.[test]' && pytest" in lines
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        if target.startswith("http"):
            continue
        assert (REPO / target).exists(), f"the README links to {target}, which does not exist"
    shot = re.search(r"!\[[^\]]*\]\((docs/img/[\w.-]+\.png)\)", README).group(1)
    assert (REPO / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_action_the_ci_page_shows_has_the_inputs_it_names():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    text = page("integrations/ci.md")
    documented = set(re.findall(r"^\| `([\w-]+)` \|", text, re.M))
    assert documented == set(action["inputs"])
    snippet = text.split("```yaml", 1)[1].split("```", 1)[0]
    used = set(re.findall(r"^\s+([\w-]+):", snippet.split("with:", 1)[1], re.M))
    assert used <= set(action["inputs"]), used - set(action["inputs"])


def test_the_release_has_one_version_source_and_a_changelog_entry_for_it():
    import modelreg

    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'version = {attr = "modelreg.__version__"}' in pyproject
    assert not re.search(r'^version = "', pyproject, re.M)
    assert re.search(rf"^## {re.escape(modelreg.__version__)}\b", (REPO / "CHANGELOG.md").read_text(), re.M)
    out = subprocess.run([sys.executable, "-m", "modelreg", "--version"], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == f"modelreg, version {modelreg.__version__}"


def test_the_getting_started_full_output_is_what_modelreg_prints_for_the_example(run):
    text = page("getting-started.md")
    shown = text.split("$ modelreg --output-format full examples/pypi_org\n", 1)[1].split("```", 1)[0]
    printed = run(["--output-format", "full", "--no-cache", "examples/pypi_org"], cwd=REPO).out
    assert shown == printed
    assert "  = help: add import pypi_org.data.audit to examples/pypi_org/pypi_org/data/__all_models.py\n" in shown
