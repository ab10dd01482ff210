"""modelreg.reuse: what a run takes over from the last one through the cache, and when it refuses to.

``LastRun`` is the one door between ``check()`` and the cache's saved results: the last report
(reused only while it still holds) and the resolved project's per-module results (taken over except
what a changed file can affect). Each test runs real analyses of a project tree in tmp_path, one
after another, as `modelreg check` does; the CLI-level guarantees (same output as without the cache,
damaged caches rebuilt) are in test_cache_and_prefilter.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional, Sequence

from conftest import model_source, users_and_legacy

from modelreg.analysis import analyze
from modelreg.api import load_config
from modelreg.cache import _dump_checked, _load_checked
from modelreg.reuse import LastRun
from modelreg.runner import run_rules

# The registry imports users.py, not legacy.py nor special.py, whose model derives from legacy.py's:
# two MR001.
PROJECT = users_and_legacy(
    "import pkg.users\n", **{"pkg/special.py": "from pkg.legacy import Old\n\n\nclass Special(Old):\n    level = 1\n"}
)

# files written a while ago: no entry is "racily clean" (see cache.racy), every edit below moves the mtime
PAST = time.time_ns() - 3600 * 10**9


def project(tree, pyproject: str = "") -> Path:
    root = tree(PROJECT, pyproject=pyproject)
    for path in root.rglob("*"):
        os.utime(path, ns=(PAST, PAST))
    return root


def edit(path: Path, text: str, minutes: int = 1) -> None:
    path.write_text(text)
    mtime = PAST + minutes * 60 * 10**9
    os.utime(path, ns=(mtime, mtime))


def run(root: Path, scopes: Sequence[str] = (), full: bool = False):
    """One run as `modelreg check` makes it: (the report it reused or None, the analysis or None, diagnostics)."""
    cfg = load_config([str(root)])
    last = LastRun(cfg, list(scopes), full=full)
    saved = last.report() if not full else None
    if saved is not None:
        return saved, None, saved.diagnostics
    analysis = analyze(cfg, full=full, last=last)
    diagnostics = run_rules(analysis, list(scopes))
    last.save(analysis, diagnostics)
    return None, analysis, diagnostics


def fresh(root: Path):
    """The diagnostics of an analysis that reads no cache."""
    analysis = analyze(load_config([str(root)]), use_cache=False)
    return run_rules(analysis, [])


def state_file(root: Path) -> Path:
    return root / ".modelreg_cache" / "project.marshal"


def taken_over(root: Path) -> Optional[set]:
    """The paths whose saved results a run (that reuses no report) dropped; None: nothing was taken over."""
    cfg = load_config([str(root)])
    analysis = analyze(cfg, last=LastRun(cfg))
    return analysis.project.taken_over


# -- the last report ------------------------------------------------------------------------------


def test_an_unchanged_project_gets_the_last_report_back(tree):
    root = project(tree)
    saved, analysis, first = run(root)
    assert saved is None and analysis is not None
    assert [(d.code, os.path.basename(d.path)) for d in first] == [("MR001", "legacy.py"), ("MR001", "special.py")]
    saved, analysis, again = run(root)
    assert saved is not None and analysis is None
    assert again == first and saved.files == 6 and saved.models == 3


def test_an_edit_that_changes_nothing_modelreg_reads_keeps_the_report(tree):
    root = project(tree)
    _, _, first = run(root)
    edit(root / "pkg/users.py", PROJECT["pkg/users.py"] + "# a comment\n")
    saved, _, again = run(root)
    assert saved is not None and again == first


def test_an_edit_that_changes_what_modelreg_reads_refuses_the_report(tree):
    root = project(tree)
    run(root)
    edit(root / "pkg/users.py", model_source("Person", "users"))
    saved, analysis, diagnostics = run(root)
    assert saved is None and analysis is not None
    assert diagnostics == fresh(root)


def test_a_report_made_for_other_paths_is_refused(tree):
    root = project(tree)
    run(root)
    saved, _, diagnostics = run(root, scopes=[str(root / "pkg" / "users.py")])
    assert saved is None
    assert diagnostics == []  # the MR001s concern neither users.py nor a registry


def test_a_report_made_for_other_settings_is_refused(tree):
    root = project(tree)
    run(root)
    (root / "pyproject.toml").write_text('[tool.modelreg]\nrequire = "reachable"\n')
    saved, _, _ = run(root)
    assert saved is None


# -- the saved per-module results ---------------------------------------------------------------


def test_the_saved_results_are_all_taken_over_when_nothing_changed(tree):
    root = project(tree)
    run(root)
    saved_state = state_file(root).read_bytes()
    assert taken_over(root) == set()
    _, analysis, diagnostics = run(root, scopes=[str(root / "pkg")])  # (another path: no report to reuse)
    assert analysis.project.taken_over == set()
    assert diagnostics == fresh(root)
    assert state_file(root).read_bytes() == saved_state  # a run that recomputed nothing rewrites nothing


def test_a_changed_file_drops_only_the_results_that_can_depend_on_it(tree):
    root = project(tree)
    run(root)
    edit(root / "pkg/legacy.py", model_source("Older", "old"))
    dropped = taken_over(root)
    path = {name: str(root / f"pkg/{name}.py") for name in ("legacy", "special", "users")}
    assert path["legacy"] in dropped and path["special"] in dropped
    assert path["users"] not in dropped


def test_a_state_saved_for_other_settings_is_refused(tree):
    root = project(tree)
    run(root)
    (root / "pyproject.toml").write_text('[tool.modelreg]\nbase = ["pkg.db.Base"]\n')
    assert taken_over(root) is None


def test_a_state_saved_for_another_module_list_is_refused(tree):
    root = project(tree)
    run(root)
    (root / "pkg/extra.py").write_text("VALUE = 1\n")
    assert taken_over(root) is None


def test_a_state_that_is_not_what_modelreg_writes_is_refused(tree):
    root = project(tree)
    run(root)
    data = _load_checked(str(state_file(root)))
    data["state"]["models"] = {p: ("not", "rows") for p in data["state"]["models"]}
    state_file(root).write_bytes(_dump_checked(data))
    edit(root / "pkg/users.py", model_source("Person", "users"))
    assert taken_over(root) is None
    assert run(root)[2] == fresh(root)


def test_a_full_run_neither_takes_over_nor_saves_results(tree):
    root = project(tree)
    _, analysis, diagnostics = run(root, full=True)
    assert analysis.project.taken_over is None
    assert not state_file(root).exists()
    assert not (root / ".modelreg_cache" / "result.marshal").exists()
    assert diagnostics == fresh(root)


# -- discard ----------------------------------------------------------------------------------


def test_after_discard_the_run_goes_on_from_the_files_and_saves_no_report(tree):
    root = project(tree)
    run(root)
    edit(root / "pkg/users.py", model_source("Person", "users"))
    cfg = load_config([str(root)])
    last = LastRun(cfg)
    assert last.report() is None  # (walks the files: the report would be saved for the next run)
    last.discard()
    assert not (root / ".modelreg_cache" / "index.marshal").exists()
    assert last.index() is None
    analysis = analyze(cfg, last=last)
    assert analysis.store.cache is None and analysis.project.taken_over is None
    diagnostics = run_rules(analysis, [])
    last.save(analysis, diagnostics)
    assert diagnostics == fresh(root)
    assert not (root / ".modelreg_cache" / "result.marshal").exists()
    assert run(root)[0] is None  # the next run analyzes again


def test_more_changed_files_than_the_refresh_limit_is_a_new_analysis_never_the_old_report(tree):
    """(A mutation survivor: above REFRESH_LIMIT changed files the report must not be taken as still true.)"""
    from modelreg.reuse import REFRESH_LIMIT

    files = dict(PROJECT, **{f"pkg/extra{i:03}.py": "X = 1\n" for i in range(REFRESH_LIMIT + 1)})
    root = tree(files)
    for path in root.rglob("*"):
        os.utime(path, ns=(PAST, PAST))
    assert run(root)[0] is None
    assert run(root)[0] is not None  # nothing changed: the report holds
    for i in range(REFRESH_LIMIT + 1):
        edit(root / f"pkg/extra{i:03}.py", "X = 1  # touched\n")
    edit(root / "pkg/__all_models.py", "")  # the registry forgets users.py: one more MR001
    saved, _, diagnostics = run(root)
    assert saved is None
    assert diagnostics == fresh(root)
    assert len(diagnostics) == 3
