"""The GitHub Action (action.yml) run as the runner runs a composite action: each `run:` step's shell,
with its `${{ ... }}` expressions substituted, in a temporary workspace with the GITHUB_* variables set;
the `uses:` step (actions/cache) is checked for what it restores and saves."""

import os
import re
import shutil
import subprocess
import sys

import yaml

from conftest import REPO, write_tree

ANNOTATION = re.compile(
    r"^::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=\d+,endColumn=\d+,title=(?P<title>MR\d{3})::(?P<message>.+)$"
)
PROJECT = {
    "pyproject.toml": "[project]\nname = 'service'\n",
    "pkg/__init__.py": "",
    "pkg/data/__init__.py": "",
    "pkg/data/modelbase.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "pkg/data/audit.py": "from pkg.data.modelbase import Base\n\n\nclass Audit(Base):\n    __tablename__ = 'auditing'\n",
    "pkg/data/users.py": "from pkg.data.modelbase import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n",
    "pkg/data/__all_models.py": "import pkg.data.users\n",
}


def action():
    return yaml.safe_load((REPO / "action.yml").read_text())


def substitute(text, context):
    """`${{ name.key }}` -> its value; an expression the test does not know fails it."""

    def one(m):
        expr = m.group(1).strip()
        assert expr in context, f"action.yml uses ${{{{ {expr} }}}}, which this test does not provide"
        return context[expr]

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def clean_copy(dest):
    """The action's own checkout, as `uses: owner/modelreg@REF` brings it: the tracked files only."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for rel in filter(None, files.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def run_action(tmp_path, inputs):
    spec = action()
    assert spec["runs"]["using"] == "composite"
    workspace = tmp_path / "workspace"
    action_path = clean_copy(tmp_path / "action")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    github_path = temp / "path.txt"
    github_path.write_text("")
    values = {name: str(inputs.get(name, d.get("default", ""))) for name, d in spec["inputs"].items()}
    assert set(inputs) <= set(values), set(inputs) - set(values)
    context = {f"inputs.{k}": v for k, v in values.items()}
    context.update({"github.action_path": str(action_path), "github.sha": "0" * 40, "runner.os": "Linux"})
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "PYTHON"))}
    # the runner's PATH: without this test's venv (its python3 and modelreg), so the action brings its own
    venv_bin = os.path.dirname(sys.executable)
    base_env["PATH"] = os.pathsep.join(p for p in base_env["PATH"].split(os.pathsep) if p != venv_bin)
    base_env.update(
        CI="true", GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace), GITHUB_PATH=str(github_path),
        GITHUB_ENV=str(temp / "env.txt"), GITHUB_OUTPUT=str(temp / "output.txt"), GITHUB_SHA="0" * 40,
        GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(temp), RUNNER_OS="Linux",
    )
    results, caches = [], []
    for step in spec["runs"]["steps"]:
        if "uses" in step:
            caches.append({k: substitute(v, context) for k, v in step.get("with", {}).items()})
            assert step["uses"].startswith("actions/cache@"), step["uses"]
            continue
        assert step["shell"] == "bash"
        env = dict(base_env, **{k: substitute(v, context) for k, v in step.get("env", {}).items()})
        added = [line for line in github_path.read_text().splitlines() if line]
        env["PATH"] = os.pathsep.join(list(reversed(added)) + [env["PATH"]])
        cwd = workspace / substitute(step.get("working-directory", "."), context)
        script = temp / "step.sh"
        script.write_text(substitute(step["run"], context))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
        )
        results.append(proc)
        if proc.returncode != 0:
            break
    return workspace, results, caches


def test_the_action_installs_its_own_copy_and_annotates_the_unregistered_model_from_the_repository_root(tmp_path):
    write_tree(tmp_path / "workspace" / "service", PROJECT)
    workspace, results, caches = run_action(tmp_path, {"working-directory": "service"})
    install, check = results
    assert install.returncode == 0, install.stderr
    assert re.search(r"modelreg, version \d+\.\d+\.\d+", install.stdout)
    assert check.returncode == 1, check.stderr  # findings fail the job
    lines = check.stdout.splitlines()
    found = [ANNOTATION.match(line) for line in lines]
    assert all(found), lines
    assert [(m["file"], int(m["line"]), int(m["col"]), m["title"]) for m in found] == [
        ("service/pkg/data/audit.py", 4, 7, "MR001")
    ]
    assert "Audit" in found[0]["message"]
    # what actions/cache restores and saves is the directory modelreg wrote its cache to
    assert caches == [
        {"path": "service/.modelreg_cache", "key": "modelreg-Linux-" + "0" * 40, "restore-keys": "modelreg-Linux-"}
    ]
    assert (workspace / caches[0]["path"]).is_dir()


def test_the_action_passes_its_args_as_a_command_line(tmp_path):
    files = dict(PROJECT, **{"pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.gone\n"})
    write_tree(tmp_path / "workspace", files)
    inputs = {"source": str(clean_copy(tmp_path / "src")), "args": "--select MR002 'pkg/data'"}
    _, results, _ = run_action(tmp_path, inputs)
    assert results[0].returncode == 0, results[0].stderr
    found = [ANNOTATION.match(line) for line in results[1].stdout.splitlines()]
    assert [(m["file"], m["title"]) for m in found] == [("pkg/data/__all_models.py", "MR002")]
