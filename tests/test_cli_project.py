"""Issue 19, points 4-6: inspecting a run (--show-settings, --show-files, -v), files and input
(--stdin-filename, excludes, git's ignore files, --cache-dir, --isolated, FORCE_COLOR, `models`
options, `clean`), and help that answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"


def model(name: str, table: str) -> str:
    return f"from pkg.db import Base\n\n\nclass {name}(Base):\n    __tablename__ = {table!r}\n"


PROJECT = {
    "pkg/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/data/__init__.py": "",
    "pkg/data/users.py": model("User", "users"),
    "pkg/data/audit.py": model("Audit", "auditing"),
    "pkg/data/__all_models.py": "import pkg.data.users\n",
}
CLEAN = {**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.audit\n"}


def modelreg(args, cwd, env=None, input=None):
    """`python -m modelreg ARGS` in a real subprocess."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "modelreg", *map(str, args)],
        cwd=cwd, env=full_env, input=input, capture_output=True, text=True, timeout=120,
    )


def reported(result) -> list:
    out = result.stdout if isinstance(result, subprocess.CompletedProcess) else result.out
    return [line.split(":")[0] + " " + line.split(" ")[1] for line in out.splitlines() if line.strip()]


# -- point 4: --show-settings, --show-files, -v --------------------------------------------------


def test_show_settings_prints_root_config_registries_bases_roots_and_excludes(tree, run):
    pyproject = '[tool.modelreg]\nregistry = "pkg/data/__all_models.py"\nextend-exclude = ["scratch/"]\n'
    root = tree(PROJECT, pyproject=pyproject)
    result = run(["--show-settings", "--output-format", "json"], cwd=root)
    assert result.exit_code == 0
    data = result.json
    assert data["root"] == str(root) and data["config-file"] == str(root / "pyproject.toml")
    assert data["settings"]["extend-exclude"] == ["scratch/"] and data["settings"]["require"] == "reachable"
    resolved = data["resolved"]
    assert resolved["registries"] == [
        {"path": "pkg/data/__all_models.py", "module": "pkg.data.__all_models", "source": "config", "bases": None}
    ]
    assert [b["name"] for b in resolved["bases"]] == ["pkg.db.Base"] and resolved["bases"][0]["path"] == "pkg/db.py"
    assert resolved["import-roots"] == ["."]
    assert "node_modules" in resolved["default-exclude"]
    assert resolved["rules-enabled"][0] == "MR001"
    assert resolved["cache-directory"] == str(root / ".modelreg_cache")


def test_show_settings_as_text_names_how_each_registry_was_found(tree, run):
    root = tree(PROJECT)
    result = run(["--show-settings"], cwd=root)
    assert result.exit_code == 0 and result.err == ""
    out = result.out
    assert f'root = "{root}"' in out and "config-file = null" in out
    assert '"source": "file name"' in out and "pkg/data/__all_models.py" in out
    assert "[settings]" in out and "[resolved]" in out


def test_show_settings_reflects_command_line_options(tree, run):
    root = tree(PROJECT)
    data = run(["--show-settings", "--format", "json", "--select", "MR001", "--extend-exclude", "x/",
                "--no-respect-gitignore", "--require", "module"], cwd=root).json
    assert data["settings"]["select"] == ["MR001"] and data["resolved"]["rules-enabled"] == ["MR001"]
    assert data["settings"]["extend-exclude"] == ["x/"] and data["settings"]["respect-gitignore"] is False
    assert data["settings"]["require"] == "module"


def test_show_settings_shows_every_config_field(tree, run):
    import dataclasses

    from modelreg.config import Config

    data = run(["--show-settings", "--output-format", "json"], cwd=tree(PROJECT)).json
    names = {f.name.replace("_", "-") for f in dataclasses.fields(Config)} - {"root", "config-file"}
    assert set(data["settings"]) == names


def test_show_files_lists_the_files_analyzed_and_nothing_excluded(tree, run):
    files = {**PROJECT, "scratch/tmp.py": model("Tmp", "tmp"), "build/gen.py": "", "ignored/x.py": ""}
    root = tree(files)
    (root / ".gitignore").write_text("ignored/\n")
    result = run(["--show-files", "--extend-exclude", "scratch"], cwd=root)
    assert result.exit_code == 0
    assert result.out.splitlines() == [
        "pkg/__init__.py", "pkg/data/__all_models.py", "pkg/data/__init__.py", "pkg/data/audit.py",
        "pkg/data/users.py", "pkg/db.py",
    ]


def test_verbose_shows_the_import_chain_that_registers_a_model(tree, run):
    files = {
        **PROJECT,
        "pkg/data/__all_models.py": "import pkg.data.group\n",
        "pkg/data/group.py": "from pkg.data import users  # noqa\n",
    }
    result = run(["-v", "--select", "MR001"], cwd=tree(files))
    line = next(x for x in result.err.splitlines() if "pkg.data.users.User:" in x)
    assert "registered by pkg/data/__all_models.py (file name)" in line
    assert "pkg.data.__all_models -> pkg.data.group -> pkg.data.users" in line


def test_verbose_says_where_the_chain_breaks(tree, run):
    root = tree({**PROJECT, "pkg/views.py": "import pkg.data.audit\n"})
    result = run(["--verbose"], cwd=root)
    assert result.exit_code == 1
    line = next(x for x in result.err.splitlines() if "pkg.data.audit.Audit:" in x)
    assert "NOT registered by pkg/data/__all_models.py" in line
    assert "pkg.data.audit is imported by pkg.views, which importing it never runs" in line
    (root / "pkg/views.py").unlink()
    lone = run(["-v"], cwd=root).err
    assert "no module of the project imports pkg.data.audit" in lone
    assert "modelreg: registry pkg/data/__all_models.py (pkg.data.__all_models): found by file name" in lone


def test_verbose_explains_even_when_the_last_report_is_reused(tree, run):
    root = tree(PROJECT)
    run([], cwd=root)
    assert "pkg.data.audit.Audit: NOT registered" in run(["-v"], cwd=root).err


def test_verbose_in_module_mode_says_a_chain_is_not_enough(tree, run):
    files = {**PROJECT, "pkg/data/__all_models.py": "import pkg.data.group\n", "pkg/data/group.py": "import pkg.data.users\n"}
    err = run(["-v", "--require", "module"], cwd=tree(files)).err
    line = next(x for x in err.splitlines() if "pkg.data.users.User:" in x)
    assert "NOT registered" in line and "require = 'module'" in line


# -- point 5: files and input ----------------------------------------------------------------------


def test_stdin_is_checked_as_the_text_of_the_file_it_names(tree):
    root = tree(CLEAN)
    registry = "pkg/data/__all_models.py"
    buffer = "import pkg.data.users\nimport pkg.data.gone\n"  # audit dropped, a stale import added
    proc = modelreg(["--stdin-filename", registry, "-"], cwd=root, input=buffer)
    assert proc.returncode == 1, proc.stderr
    # MR002 is in the buffer; Audit's MR001 is located in audit.py: not the buffer's, not reported
    assert [line.split(" ")[:2] for line in proc.stdout.splitlines()] == [[f"{registry}:2:8:", "MR002"]]
    assert (root / registry).read_text() == CLEAN[registry]  # nothing written
    assert modelreg([], cwd=root).returncode == 0  # the file on disk is clean


def test_stdin_for_a_file_that_does_not_exist_yet(tree):
    root = tree(CLEAN)
    proc = modelreg(["--stdin-filename", "pkg/data/new.py"], cwd=root, input=model("New", "new"))
    assert proc.returncode == 1
    assert proc.stdout.startswith("pkg/data/new.py:4:7: MR001 model New (pkg.data.new) is not registered")


def test_stdin_reports_only_the_buffers_own_diagnostics(tree):
    root = tree(PROJECT)  # audit.py is unregistered on disk
    proc = modelreg(["--stdin-filename", "pkg/data/users.py", "-"], cwd=root, input=PROJECT["pkg/data/users.py"])
    assert (proc.returncode, proc.stdout) == (0, "")


@pytest.mark.parametrize(
    "args, message",
    [
        (["-"], "--stdin-filename"),
        (["--stdin-filename", "pkg/x.py", "pkg"], "`-`"),
        (["--stdin-filename", "pkg/x.py", "-", "--fix"], "--fix"),
        (["--stdin-filename", "pkg/x.py", "-", "pkg"], "only PATH"),
    ],
)
def test_stdin_misuse_is_one_usage_error(tree, run, args, message):
    result = run(args, cwd=tree(PROJECT))
    assert result.exit_code == 2 and message in result.err


def test_extend_exclude_and_exclude_on_the_command_line(tree, run):
    root = tree({**PROJECT, "pkg/extra/__init__.py": "", "pkg/extra/m.py": model("M", "m")})
    assert "pkg/extra/m.py MR001" in reported(run([], cwd=root))
    assert "pkg/extra/m.py MR001" not in reported(run(["--extend-exclude", "pkg/extra/"], cwd=root))
    assert "pkg/extra/m.py MR001" not in reported(run(["--exclude", "extra,node_modules"], cwd=root))


def test_no_respect_gitignore_analyzes_ignored_files(tree, run):
    root = tree({**PROJECT, "pkg/gen/__init__.py": "", "pkg/gen/m.py": model("M", "m")})
    (root / ".gitignore").write_text("gen/\n")
    assert "pkg/gen/m.py MR001" not in reported(run([], cwd=root))
    assert "pkg/gen/m.py MR001" in reported(run(["--no-respect-gitignore"], cwd=root))
    root2 = tree({}, pyproject="[tool.modelreg]\nrespect-gitignore = false\n")
    assert "pkg/gen/m.py MR001" not in reported(run(["--respect-gitignore"], cwd=root2))


def git(args, cwd, env=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def git_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1")
    return env


def test_git_info_exclude_and_the_global_excludes_file_are_honoured_like_git(tree, tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    files = {**CLEAN}
    for name in ("local", "globalx", "kept"):
        files[f"pkg/{name}/__init__.py"] = ""
        files[f"pkg/{name}/m.py"] = model(name.capitalize(), name)
    root = tree(files)
    env = git_env(home)
    git(["init", "-q"], root, env)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("pkg/local/\n")
    (home / ".config" / "git" / "ignore").write_text("globalx/\n")
    proc = modelreg(["--show-files"], cwd=root, env=env)
    shown = {p for p in proc.stdout.splitlines()}
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=root, env=env,
                            capture_output=True, text=True, check=True).stdout.split()
    assert shown == {p for p in listed if p.endswith(".py")}
    assert "pkg/kept/m.py" in shown and "pkg/local/m.py" not in shown and "pkg/globalx/m.py" not in shown
    # core.excludesFile replaces the XDG default, as in git
    (home / "mine").write_text("kept/\n")
    (home / ".gitconfig").write_text(f'[core]\n\texcludesFile = "{home / "mine"}"\n')
    shown = set(modelreg(["--show-files"], cwd=root, env=env).stdout.splitlines())
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=root, env=env,
                            capture_output=True, text=True, check=True).stdout.split()
    assert shown == {p for p in listed if p.endswith(".py")}
    assert "pkg/kept/m.py" not in shown and "pkg/globalx/m.py" in shown
    assert "pkg/kept/m.py MR001" not in reported(modelreg([], cwd=root, env=env))
    assert "pkg/kept/m.py MR001" in reported(modelreg(["--no-respect-gitignore"], cwd=root, env=env))


def test_the_info_exclude_of_a_git_worktree_is_its_repositorys(tree, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = git_env(home)
    main = tmp_path / "main"
    main.mkdir()
    for rel, text in {**CLEAN, "pkg/local/__init__.py": "", "pkg/local/m.py": model("L", "l")}.items():
        (main / rel).parent.mkdir(parents=True, exist_ok=True)
        (main / rel).write_text(text)
    git(["init", "-q"], main, env)
    git(["add", "."], main, env)
    git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], main, env)
    git(["worktree", "add", "-q", str(tmp_path / "wt")], main, env)
    (main / ".git" / "info").mkdir(exist_ok=True)
    (main / ".git" / "info" / "exclude").write_text("pkg/new/\n")
    wt = tmp_path / "wt"
    (wt / "pkg" / "new").mkdir()
    (wt / "pkg" / "new" / "m.py").write_text(model("N", "n"))
    shown = modelreg(["--show-files"], cwd=wt, env=env).stdout.splitlines()
    assert "pkg/local/m.py" in shown and "pkg/new/m.py" not in shown


def test_cache_dir_on_the_command_line_moves_the_cache(tree, run, tmp_path):
    root = tree(PROJECT)
    elsewhere = tmp_path / "elsewhere"
    assert run(["--cache-dir", str(elsewhere)], cwd=root).exit_code == 1
    assert elsewhere.is_dir() and any(elsewhere.iterdir())
    assert not (root / ".modelreg_cache").exists()


def test_isolated_reads_no_config_file(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nignore = ["MR001"]\n')
    assert run([], cwd=root).exit_code == 0
    result = run(["--isolated"], cwd=root)
    assert result.exit_code == 1 and "MR001" in result.out
    clash = run(["--isolated", "--config", str(root / "pyproject.toml")], cwd=root)
    assert clash.exit_code == 2 and "--isolated" in clash.err


def test_force_color_colors_a_pipe_and_no_color_still_wins(tree):
    root = tree(PROJECT)
    proc = modelreg([], cwd=root, env={"FORCE_COLOR": "1"})
    assert proc.returncode == 1 and "\x1b[" in proc.stdout
    proc = modelreg([], cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in proc.stdout
    proc = modelreg(["--output-format", "json"], cwd=root, env={"FORCE_COLOR": "1"})
    assert json.loads(proc.stdout)["diagnostics"]


def test_models_takes_the_project_options_of_check(tree, run, tmp_path):
    root = tree({**PROJECT, "pkg/extra/__init__.py": "", "pkg/extra/m.py": model("M", "m")})
    result = run(["models", "--no-cache", "--extend-exclude", "pkg/extra", "-q"], cwd=root)
    assert result.exit_code == 0
    assert "M " not in result.out and "Audit" in result.out and "registry " not in result.out
    assert not (root / ".modelreg_cache").exists()
    other = root / "other.toml"
    other.write_text('[tool.modelreg]\nregistry = "pkg/data/users.py"\n')
    data = run(["models", "--config", str(other), "--format", "json", str(root)], cwd=root).json
    assert [r["source"] for r in data["registries"]] == ["config"]
    data = run(["models", "--isolated", "--output-format", "json", "--cache-dir", str(tmp_path / "c")], cwd=root).json
    assert [r["source"] for r in data["registries"]] == ["file name"] and (tmp_path / "c").is_dir()


def test_clean_removes_every_modelreg_cache_under_the_tree_and_nothing_else(tree, run, tmp_path):
    root = tree(PROJECT, pyproject='[tool.modelreg]\ncache-dir = "var/mr"\n')
    sub = root / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[tool.modelreg]\n")
    for rel, text in PROJECT.items():
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text(text)
    run([], cwd=root)
    run([], cwd=sub)
    assert (root / "var" / "mr").is_dir() and (sub / ".modelreg_cache").is_dir()
    lookalike = root / "notes" / ".modelreg_cache"
    lookalike.mkdir(parents=True)
    (lookalike / "mine.txt").write_text("keep me")
    (lookalike / "index.marshal").write_text("not modelreg's")
    result = run(["clean"], cwd=root)
    assert result.exit_code == 0
    assert not (root / "var" / "mr").exists() and not (sub / ".modelreg_cache").exists()
    assert (root / "var").is_dir()  # only the cache itself goes
    assert (lookalike / "mine.txt").exists() and (lookalike / "index.marshal").exists()
    assert "Removed var/mr" in result.err and "Removed sub/.modelreg_cache" in result.err
    assert all((root / rel).exists() for rel in PROJECT)


def test_clean_keeps_a_cache_directory_holding_a_foreign_file_and_says_so(tree, run):
    root = tree(PROJECT)
    run([], cwd=root)
    (root / ".modelreg_cache" / "precious.txt").write_text("x")
    result = run(["clean", str(root)], cwd=root.parent)
    assert (root / ".modelreg_cache" / "precious.txt").exists()
    assert not (root / ".modelreg_cache" / "result.marshal").exists()
    assert "kept precious.txt" in result.err


def test_a_cache_another_modelreg_version_wrote_a_file_into_is_used_not_refused_and_clean_removes_it(tree, run):
    root = tree(PROJECT)
    first = run([], cwd=root)
    # a newer modelreg keeps a file of its own there (as `ignored.marshal` was new once)
    future = root / ".modelreg_cache" / "future.marshal"
    future.write_bytes(b"written by another version")
    again = run([], cwd=root)
    assert (again.exit_code, again.out) == (first.exit_code, first.out)
    assert future.read_bytes() == b"written by another version"
    run(["clean", str(root)], cwd=root.parent)
    assert not (root / ".modelreg_cache").exists()


def test_clean_through_the_console_entry_point(tree):
    root = tree(PROJECT)
    assert modelreg([], cwd=root).returncode == 1
    proc = modelreg(["clean", "-q"], cwd=root)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not (root / ".modelreg_cache").exists()


# -- point 6: help that answers ----------------------------------------------------------------------


def test_top_level_help_shows_the_check_options_and_the_exit_codes(run):
    result = run(["--help"])
    assert result.exit_code == 0
    out = result.out
    for option in ("--fix", "--diff", "--select", "--output-format", "--statistics", "--stdin-filename", "--show-settings"):
        assert option in out, option
    assert "modelreg check --help" in out
    assert "Exit codes:" in out and "2  usage or configuration error" in out
    assert "PATHS" in out and "default to `.`" in out


def test_check_help_states_paths_default_exit_codes_and_the_diff_exit(run):
    out = " ".join(run(["check", "--help"]).out.split())
    assert "PATHS default to `.`" in out
    assert "1 diagnostics reported; with --diff: there is a diff" in out
    assert "--diff Print the diff --fix would apply; write nothing; exit 1 when there is a diff." in out


def test_diff_exits_1_when_there_is_a_diff_and_0_when_there_is_none(tree, run):
    assert run(["--diff"], cwd=tree(PROJECT)).exit_code == 1
    assert run(["--diff"], cwd=tree(CLEAN)).exit_code == 0


def test_a_subcommand_name_that_is_also_a_folder_says_which_was_meant(tree):
    root = tree({**CLEAN, "models/__init__.py": "", "models/m.py": model("M", "m").replace("pkg.db", "pkg.db")})
    proc = modelreg(["models"], cwd=root)
    assert proc.returncode == 0 and "MODEL" in proc.stdout
    assert "`models` is both a modelreg command and a directory here" in proc.stderr
    assert "modelreg check models" in proc.stderr
    check = modelreg(["check", "models"], cwd=root)
    assert check.returncode == 1 and "models/m.py:4:7: MR001" in check.stdout
    assert "note" not in modelreg(["models"], cwd=root / "pkg").stderr
    assert modelreg(["models", "-q"], cwd=root).stderr == ""
