"""The README's own examples, run (issue 25, point 7): every `modelreg` command and every
`[tool.modelreg]` example the documentation shows, on the bundled example (`examples/pypi_org`), with
the exit code the README documents and the key lines of output. The examples are read from the
Markdown (README.md, and docs/**/*.md when the docs site exists): fenced ``console`` blocks (`$ cmd`
followed by its output, or a bare list of commands with `# comments`), inline `modelreg ...` code
spans, the ``json`` output examples and the ``toml`` configuration examples. A README change that
drifts from the code fails here."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLE = "examples/pypi_org"
SUBCOMMANDS = ("check", "models", "rule", "clean", "verify", "server")
VALUED = {"--format", "--output-format", "-o", "--output-file", "--select", "--extend-select", "--ignore",
          "--config", "--require", "--exclude", "--extend-exclude", "--cache-dir", "--python", "--timeout",
          "--stdin-filename"}  # options that take a value (not a PATH)
NAMES_ONLY = {"modelreg rule"}  # the prose names the command; it needs a code (`modelreg rule MR001`)
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\.\.\.|\[|\]|\||<")  # PATH, CODES, [opt], a|b, <x>


def markdown_files():
    files = [REPO / "README.md"] + sorted((REPO / "docs").rglob("*.md"))
    return [f for f in files if f.is_file()]


def fenced(lang):
    """(file, line, body) of each fenced block of that language."""
    for md in markdown_files():
        text = md.read_text(encoding="utf-8")
        for m in re.finditer(rf"^```{lang}\n(.*?)^```", text, re.S | re.M):
            yield md.name, text[: m.start()].count("\n") + 1, m.group(1)


def shown_sessions():
    """`$ modelreg ...` lines of console blocks with the output shown under each."""
    out = []
    for name, line, body in fenced("console"):
        command, shown = None, []
        for ln in body.splitlines() + ["$ "]:
            if ln.startswith("$ "):
                if command is not None and command.startswith("modelreg"):
                    out.append(pytest.param(command, shown, id=f"{name}:{line}:{command}"))
                command, shown = ln[2:].strip(), []
            elif command is not None:
                shown.append(ln)
    return out


def listed_commands():
    """Commands of console blocks shown without a prompt (`modelreg --diff  # what it does`), and the
    inline `modelreg ...` code spans of the prose that are complete commands (no placeholder)."""
    found = {}
    for name, line, body in fenced("console"):
        if any(ln.startswith("$ ") for ln in body.splitlines()):
            continue
        for ln in body.splitlines():
            for part in ln.split("#", 1)[0].split("&&"):
                part = part.strip()
                if part.startswith("modelreg"):
                    found.setdefault(part, f"{name}:{line}")
    for md in markdown_files():
        text = md.read_text(encoding="utf-8")
        for m in re.finditer(r"`(modelreg(?: [^`]*)?)`", text):
            command = m.group(1)
            if PLACEHOLDER.search(command) or command.startswith("modelreg:") or command in NAMES_ONLY:
                continue
            found.setdefault(command, f"{md.name}:{text[: m.start()].count(chr(10)) + 1}")
    return [pytest.param(c, id=f"{where}:{c}") for c, where in found.items()]


@pytest.fixture
def checkout(tmp_path):
    """A copy of the repository's example, where the README's commands run (`examples/pypi_org`)."""
    shutil.copytree(REPO / EXAMPLE, tmp_path / EXAMPLE)
    return tmp_path


def modelreg(command: str, cwd: Path, stdin=None):
    argv = shlex.split(command)
    assert argv[0] == "modelreg"
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "modelreg", *argv[1:]], cwd=cwd, capture_output=True, text=True, env=env,
        timeout=300, stdin=subprocess.DEVNULL if stdin is None else None, input=stdin,
    )


def documented_exit(argv) -> int:
    """The exit code the README's table documents for a command run on the example (which has one
    finding, MR001 for Audit, that `--fix` fixes): 1 for a check (0 with --exit-zero); with --diff 1
    (there is a diff); after --fix 0 (nothing remains; 1 with --exit-non-zero-on-fix: a file changed);
    0 for models, rule, clean, and verify (the static and the runtime views agree on the example)."""
    command = argv[1] if len(argv) > 1 and argv[1] in ("models", "rule", "clean", "verify", "check") else "check"
    if command != "check":
        return 0
    if "--show-settings" in argv or "--show-files" in argv or "--exit-zero" in argv:
        return 0
    if "--fix" in argv:
        return 1 if "--exit-non-zero-on-fix" in argv else 0
    return 1


def key_lines(argv, proc, root: Path):
    """What the README says each kind of command prints, checked on the example."""
    out, err = proc.stdout, proc.stderr
    registry = (root / "pypi_org/data/__all_models.py").read_text()
    if "--diff" in argv:
        assert "+import pypi_org.data.audit" in out and err.strip() == "Would fix 1 error."
        assert "import pypi_org.data.audit" not in registry  # --diff writes nothing
    elif "--fix" in argv:
        assert "Fixed 1 error in" in err and "import pypi_org.data.audit" in registry
    elif "--show-settings" in argv:
        assert out.startswith("root = ")
    elif len(argv) > 1 and argv[1] == "models":
        if "json" in argv:
            assert {m["name"]: m["registered"] for m in json.loads(out)["models"]}["Audit"] is False
        elif "mermaid" in argv or "dot" in argv:
            assert "NOT REGISTERED" in out
        else:
            assert re.search(r"^Audit\s+auditing\s+\S+\s+NO\s", out, re.M)
    elif len(argv) > 1 and argv[1] == "rule":
        assert "unregistered-model" in out
    elif len(argv) > 1 and argv[1] == "verify":
        assert "verified 1 registry: 8 models agree, 0 differences" in err
    elif len(argv) > 1 and argv[1] == "clean":
        assert not (root / ".modelreg_cache").exists()
    elif "json" in argv:
        assert [d["model"] for d in json.loads(out)["diagnostics"]] == ["pypi_org.data.audit.Audit"]
    elif "github" in argv:
        assert out.startswith("::error ") and "MR001" in out and "model Audit (pypi_org.data.audit) is not registered" in out
    else:
        assert "MR001 model Audit (pypi_org.data.audit) is not registered" in out


def test_the_docs_show_commands_to_run():
    """(The extraction must find the README's examples: else every test below would pass vacuously.)"""
    assert len(shown_sessions()) >= 1
    assert len(listed_commands()) >= 8
    assert sum(1 for _ in fenced("toml")) >= 2 and sum(1 for _ in fenced("json")) >= 2


@pytest.mark.parametrize("command, shown", shown_sessions())
def test_a_shown_session_prints_what_the_readme_shows(checkout, command, shown):
    proc = modelreg(command, checkout)
    lines = (proc.stdout + proc.stderr).splitlines()
    for line in shown:
        assert line in lines, (line, lines)
    summary = [ln for ln in shown if ln.startswith(("Found ", "All checks passed"))]
    # a session showing a finding but not the summary (it goes to stderr) exits 1 all the same
    finding = any(re.search(r":\d+:\d+: MR\d{3} ", ln) for ln in shown)
    expected = 1 if (summary and summary[-1].startswith("Found ")) or (finding and not summary) else 0
    assert proc.returncode == expected, proc.stderr


@pytest.mark.parametrize("command", listed_commands())
def test_each_listed_command_runs_on_the_example_with_its_documented_exit_code(checkout, command):
    argv = shlex.split(command)
    if len(argv) > 1 and argv[1] == "server":
        proc = modelreg(command, checkout, stdin="")  # no client: it ends at end of input
        assert proc.returncode == 0 and "Traceback" not in proc.stderr
        return
    words = argv[2:] if len(argv) > 1 and argv[1] in SUBCOMMANDS else argv[1:]
    paths = [
        a for i, a in enumerate(words)
        if not a.startswith("-") and not re.fullmatch(r"MR\d+", a) and not (i and words[i - 1] in VALUED)
    ]
    if EXAMPLE in paths:
        root, cwd = checkout / EXAMPLE, checkout
    else:  # "on your own project": run in the example's directory
        root = cwd = checkout / EXAMPLE
    missing = [p for p in paths if not (cwd / p).exists()]
    if missing:  # (`modelreg check models`: about a project that has a `models/` folder)
        (cwd / missing[0]).mkdir(parents=True)
    if "clean" in argv:
        modelreg("modelreg", root)  # something to clean
    proc = modelreg(command, cwd)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    expected = 0 if missing else documented_exit(argv)  # (nothing is reported under a new empty folder)
    assert proc.returncode == expected, (command, proc.stdout, proc.stderr)
    if not missing:
        key_lines(argv, proc, root)


def _json_examples():
    return [(name, line, json.loads(body)) for name, line, body in fenced("json")]


def test_the_json_example_of_a_check_matches_a_real_run_on_the_example(checkout):
    (shown,) = [data for _, _, data in _json_examples() if "diagnostics" in data]
    real = json.loads(modelreg(f"modelreg --format json {EXAMPLE}", checkout).stdout)
    assert set(real) == set(shown)
    assert real["summary"] == shown["summary"]
    assert len(real["diagnostics"]) == len(shown["diagnostics"])
    for got, doc in zip(real["diagnostics"], shown["diagnostics"]):
        assert set(got) == set(doc)
        assert {k: v for k, v in got.items() if k != "message"} == {k: v for k, v in doc.items() if k != "message"}


def test_the_json_example_of_models_matches_a_real_run_on_the_example(checkout):
    (shown,) = [data for _, _, data in _json_examples() if "models" in data]
    real = json.loads(modelreg(f"modelreg models --format json {EXAMPLE}", checkout).stdout)
    assert set(real) == set(shown)
    assert real["registries"] == shown["registries"]
    by_name = {m["name"]: m for m in real["models"]}
    for doc in shown["models"]:
        assert by_name[doc["name"]] == doc


def _tables():
    for name, line, body in fenced("toml"):
        if "[tool.modelreg" in body:
            yield pytest.param(body, id=f"{name}:{line}")


def _materialize(root: Path, table: dict) -> None:
    """The files a configuration example names, beside the example's own: each base's module (a
    declarative base), each roots directory. Registries are left as they are (a missing one is MR004)."""
    bases = list(table.get("base", [])) + [r["base"] for r in table.get("registries", []) if "base" in r]
    for dotted in bases:
        module, _, name = dotted.rpartition(".")
        parts = module.split(".")
        for i in range(1, len(parts)):
            init = root.joinpath(*parts[:i], "__init__.py")
            init.parent.mkdir(parents=True, exist_ok=True)
            init.touch()
        path = root.joinpath(*parts[:-1], parts[-1] + ".py")
        if (root.joinpath(*parts)).is_dir():
            path = root.joinpath(*parts, "__init__.py")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text() if path.exists() else ""
        path.write_text(f"from sqlalchemy.orm import declarative_base\n{text}\n{name} = declarative_base()\n")
    for r in table.get("roots", []):
        (root / r).mkdir(parents=True, exist_ok=True)


@pytest.mark.parametrize("body", list(_tables()))
def test_each_configuration_example_is_accepted_on_the_example(checkout, body):
    root = checkout / EXAMPLE
    table = tomllib.loads(body)["tool"]["modelreg"]
    _materialize(root, table)
    (root / "pyproject.toml").write_text(body)
    proc = modelreg("modelreg --no-cache .", root)
    assert proc.returncode in (0, 1), proc.stderr  # never a configuration error
    assert "error:" not in proc.stderr
    for registry in [table["registry"]] if isinstance(table.get("registry"), str) else table.get("registry", []):
        if not (root / registry).exists():  # the README: a configured registry that does not exist is MR004
            assert f"MR004 configured registry {registry} does not exist" in proc.stdout
