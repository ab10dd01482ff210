"""The pre-commit hooks, end to end with the real `pre-commit` package and real git repositories.

pre-commit installs this checkout (its HEAD commit, or a shadow commit of uncommitted
work for try-repo) into a hook environment with pip, once per test session.
"""

import os
import subprocess
import sys

import pytest

from conftest import REPO, assert_fix_runs, write_tree

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

BASE = "import sqlalchemy.orm as orm\n\nSqlAlchemyBase = orm.declarative_base()\n"


def model(cls, table):
    return (
        "import sqlalchemy as sa\n\nfrom pypi_org.data.modelbase import SqlAlchemyBase\n\n\n"
        f"class {cls}(SqlAlchemyBase):\n    __tablename__ = {table!r}\n\n    id = sa.Column(sa.String, primary_key=True)\n"
    )


SAMPLE = {
    "setup.py": "from setuptools import setup\n\nsetup(name='pypi_org')\n",
    "pypi_org/__init__.py": "",
    "pypi_org/data/__init__.py": "",
    "pypi_org/data/modelbase.py": BASE,
    "pypi_org/data/users.py": model("User", "users"),
    "pypi_org/data/audit.py": model("Audit", "auditing"),
    "pypi_org/data/__all_models.py": "# noinspection PyUnresolvedReferences\nimport pypi_org.data.users\n",
}

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    e = dict(os.environ, **GIT_ENV)
    e["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    e.pop("PRE_COMMIT", None)
    return e


def sh(args, cwd, env, check=True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def sample(tmp_path, env):
    root = tmp_path / "sample"
    root.mkdir()
    write_tree(root, SAMPLE)
    sh(["git", "init", "-q", "-b", "main"], root, env)
    sh(["git", "add", "-A"], root, env)
    sh(["git", "commit", "-q", "-m", "sample"], root, env)
    return root


def try_repo(hook, root, env, *extra):
    return sh([*PRE_COMMIT, "try-repo", str(REPO), hook, *extra], root, env, check=False)


def test_try_repo_check_hook_fails_on_an_unregistered_model_and_names_it(sample, env):
    proc = try_repo("modelreg", sample, env, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pypi_org/data/audit.py:6:7: MR001 model Audit (pypi_org.data.audit) is not registered" in proc.stdout


def test_fix_hook_rewrites_the_registry_and_the_next_run_passes(sample, env):
    proc = try_repo("modelreg-fix", sample, env, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # files were modified
    assert (sample / "pypi_org/data/__all_models.py").read_text() == (
        "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n"
        "# noinspection PyUnresolvedReferences\nimport pypi_org.data.users\n"
    )
    sh(["git", "add", "-A"], sample, env)
    again = try_repo("modelreg", sample, env, "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
    models = ["pypi_org.data.audit", "pypi_org.data.users"]
    assert_fix_runs(sample, "pypi_org.data.__all_models", "pypi_org.data.modelbase:SqlAlchemyBase.metadata", models)


def docs_snippet() -> str:
    """The docs' pre-commit configuration (docs/integrations/pre-commit.md), exactly as a user copies it."""
    text = (REPO / "docs" / "integrations" / "pre-commit.md").read_text()
    return text.split("```yaml\n", 1)[1].split("```", 1)[0]


def _install_hooks(sample, env, hook="modelreg"):
    # the docs' snippet with its two placeholders filled in as it says: this repository, and the
    # full SHA of its newest commit (`git ls-remote <URL> HEAD`); `hook`: the id its comment offers
    head = sh(["git", "ls-remote", str(REPO), "HEAD"], REPO, env).stdout.split()[0]
    config = docs_snippet().replace("<URL of this repository>", str(REPO)).replace("<commit sha>", head)
    if hook != "modelreg":
        assert f"or `{hook}`" in config
        config = config.replace("- id: modelreg ", f"- id: {hook} ")
    assert "<" not in config.split("#")[0]
    (sample / ".pre-commit-config.yaml").write_text(config)
    sh([*PRE_COMMIT, "install"], sample, env)


def test_a_commit_of_a_new_unregistered_model_file_is_blocked(sample, env):
    # first make the sample clean, then add a new model without registering it
    (sample / "pypi_org/data/__all_models.py").write_text(
        "import pypi_org.data.audit\nimport pypi_org.data.users\n"
    )
    _install_hooks(sample, env)
    sh(["git", "add", "-A"], sample, env)
    sh(["git", "commit", "-q", "-m", "registry complete"], sample, env)
    (sample / "pypi_org/data/news.py").write_text(model("News", "news"))
    sh(["git", "add", "pypi_org/data/news.py"], sample, env)
    proc = sh(["git", "commit", "-m", "add news"], sample, env, check=False)
    assert proc.returncode != 0
    assert "MR001 model News" in proc.stdout + proc.stderr
    log = sh(["git", "log", "--oneline"], sample, env).stdout
    assert "add news" not in log


def test_a_commit_that_only_deletes_a_model_file_is_blocked_by_the_stale_import(sample, env):
    (sample / "pypi_org/data/__all_models.py").write_text(
        "import pypi_org.data.audit\nimport pypi_org.data.users\n"
    )
    _install_hooks(sample, env)
    sh(["git", "add", "-A"], sample, env)
    sh(["git", "commit", "-q", "-m", "registry complete"], sample, env)
    sh(["git", "rm", "-q", "pypi_org/data/audit.py"], sample, env)
    proc = sh(["git", "commit", "-m", "drop audit"], sample, env, check=False)
    assert proc.returncode != 0
    assert "MR002" in proc.stdout + proc.stderr and "pypi_org.data.audit" in proc.stdout + proc.stderr


def test_the_snippet_with_the_fix_hook_it_offers_repairs_the_registry_and_the_next_commit_passes(sample, env):
    (sample / "pypi_org/data/__all_models.py").write_text(
        "import pypi_org.data.audit\nimport pypi_org.data.users\n"
    )
    _install_hooks(sample, env, hook="modelreg-fix")
    sh(["git", "add", "-A"], sample, env)
    sh(["git", "commit", "-q", "-m", "registry complete"], sample, env)
    (sample / "pypi_org/data/news.py").write_text(model("News", "news"))
    sh(["git", "add", "pypi_org/data/news.py"], sample, env)
    blocked = sh(["git", "commit", "-m", "add news"], sample, env, check=False)
    assert blocked.returncode != 0  # the hook fixed the registry: the commit stops so it can be staged
    assert "Fixed 1 error in pypi_org/data/__all_models.py" in blocked.stdout + blocked.stderr
    assert (sample / "pypi_org/data/__all_models.py").read_text() == (
        "import pypi_org.data.audit\nimport pypi_org.data.news\nimport pypi_org.data.users\n"
    )
    sh(["git", "add", "-A"], sample, env)
    sh(["git", "commit", "-q", "-m", "add news"], sample, env)
    assert "add news" in sh(["git", "log", "--oneline"], sample, env).stdout
    models = ["pypi_org.data.audit", "pypi_org.data.news", "pypi_org.data.users"]
    assert_fix_runs(sample, "pypi_org.data.__all_models", "pypi_org.data.modelbase:SqlAlchemyBase.metadata", models)


def test_the_hook_manifest_declares_both_hooks_as_documented():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"modelreg", "modelreg-fix"}
    for h in hooks.values():
        assert h["language"] == "python" and h["types"] == ["python"] and h["require_serial"] is True
    assert hooks["modelreg"]["entry"] == "modelreg"
    assert hooks["modelreg-fix"]["entry"] == "modelreg --fix --exit-non-zero-on-fix"
