"""The invariants every report must keep, whatever the project (issue 27, point 5).

- No silent pass: a non-abstract model that is not registered gets a diagnostic of its own (MR001), or one for
  what governs it (MR003/MR004/MR006 naming its registry, MR100 on a file its registry runs), or an exemption
  applies (its own module registers it, a test's model on the application's base, a table the env.py leaves
  out by name).
- No flood: a construct modelreg cannot follow (a base, a loader, a registry) is said once: no two
  MR003/MR004/MR006/MR007/MR100 diagnostics at one place.
- The registry is where the application loads: no model of application code is judged by (or fixed into) a
  registry under tests.

`invariant_errors(root)` analyzes a project in-process (no cache) and returns what breaks them, one line each.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import List

from modelreg.api import check
from modelreg.resolve.registries import is_test_path

GOVERNING = ("MR003", "MR004", "MR006")
ONCE = ("MR003", "MR004", "MR006", "MR007", "MR100")


def invariant_errors(root: Path) -> List[str]:
    report = check([str(root)], use_cache=False)
    analysis = report.analysis
    rel = analysis.rel
    diags = report.diagnostics
    errors: List[str] = []
    flagged = {d.model for d in diags if d.code == "MR001"}
    for d in diags:
        if d.code == "MR001" and d.registry and is_test_path(rel(d.registry)) and not is_test_path(rel(d.path)):
            errors.append(f"registry under tests: MR001 for {d.model} names {rel(d.registry)}")
    for m in analysis.models:
        if m.abstract:
            continue
        regs = analysis.governing(m)
        name = f"{m.module.name}.{m.name}"
        app_model = not is_test_path(rel(m.module.path))
        if app_model and regs and regs[0].module is not None and is_test_path(rel(regs[0].path)):
            if not all(is_test_path(rel(r.path)) for r in regs if r.module is not None) or _app_loads(analysis, m):
                errors.append(f"registry under tests: {name} of application code is judged by {rel(regs[0].path)}")
        if regs and any(analysis.registers(r, m) for r in regs):
            continue
        if name in flagged or analysis.self_registered(m) or analysis.left_out_by_env(m):
            continue
        if not app_model and any(r.module is not None and not is_test_path(rel(r.path)) for r in regs):
            continue  # a test's own model on the application's base: not the registry's to load
        paths = {r.path for r in regs}
        if any(d.code in GOVERNING and d.registry in paths for d in diags):
            continue
        runs = {m.module.path} | paths
        for r in regs:
            if r.module is not None:
                runs |= analysis.reach(r)
        if any(d.code == "MR100" and d.path in runs for d in diags):
            continue
        errors.append(f"silent pass: {name} ({rel(m.module.path)}:{m.line}) is not registered and nothing says so")
    where = Counter((d.code, d.path, d.line) for d in diags if d.code in ONCE)
    for (code, path, line), n in sorted(where.items()):
        if n > 1:
            errors.append(f"flood: {n} {code} diagnostics at {rel(path)}:{line}")
    return errors


def _app_loads(analysis, model) -> bool:
    """Whether a registry of application code governs the model's base (it is the application's to load)."""
    return any(
        r.module is not None and not is_test_path(analysis.rel(r.path))
        for r in analysis.registries
        if r.bases and model.base in r.bases
    )


def field_root() -> Path:
    """The field kit: ../shared/field beside the checkout (CI lays a copy of shared/ there)."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "field"


def lay_out_case(case: Path, dest: Path) -> Path:
    """A copy of the case's project/ under dest, its `NAME.symlink` files made real links (as the kit's runner
    does); returns the copy's root."""
    import shutil

    root = dest / "project"
    shutil.copytree(case / "project", root, symlinks=True)
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".symlink"):
                stub = Path(dirpath) / f
                target = stub.read_text(encoding="utf-8").strip()
                stub.unlink()
                os.symlink(target, Path(dirpath) / f[: -len(".symlink")])
    return root
