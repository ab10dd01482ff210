"""The README's contracts stay true to the code: every test it cites exists, every config key is parsed."""

import re

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_every_test_the_guarantees_table_cites_exists():
    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
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


def test_every_config_key_in_the_readme_example_is_a_known_key():
    from modelreg.config import _KEYS

    block = README.split("[tool.modelreg]\nregistry = \"app/db/base.py\"", 1)[1].split("```", 1)[0]
    keys = set(re.findall(r"^([a-z-]+) =", block, re.M)) - {"base", "registry"}
    assert keys <= _KEYS, keys - _KEYS
    assert {"require", "exclude", "extend-exclude", "ignore", "roots", "respect-gitignore", "cache-dir"} <= keys
    assert {"select", "extend-select"} <= keys and "[tool.modelreg.per-file-ignores]" in README


def test_the_command_line_section_lists_every_option_of_every_command():
    import click

    from modelreg.cli import cli

    section = README.split("## Command line\n", 1)[1].split("\n## ", 1)[0]
    missing = []
    for name, command in cli.commands.items():
        assert f"modelreg {name}" in section or name == "check", name
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts + param.secondary_opts:
                    if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section):
                        missing.append(f"{name} {opt}")
    assert not missing, f"README's command-line section does not mention: {missing}"


def test_every_output_format_is_documented_in_the_formats_table():
    from modelreg.report import NAMES

    for name in NAMES:
        assert f"| `{name}`" in README, name


def test_the_pre_commit_snippets_rev_is_a_tag_of_this_repository_or_says_to_pin_a_commit():
    import subprocess

    snippet = README.split("## pre-commit", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    rev = re.search(r"^\s*rev:\s*(\S+(?: \S+)?)", snippet, re.M).group(1).split("  ")[0].strip()
    tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True).stdout.split()
    if rev in tags:
        return
    assert rev == "<commit sha>", rev
    after = README.split("## pre-commit", 1)[1].split("\n## ", 1)[0]
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


def test_the_readme_design_section_links_to_the_architecture_picture():
    section = README.split("## Design", 1)[1]
    assert "docs/architecture.md" in section
