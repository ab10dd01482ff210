"""`modelreg verify`: compare the static verdicts with what importing each registry really registers.

THIS EXECUTES PROJECT CODE: each registry is imported in a subprocess (the
project's interpreter), and the classes mapped and tables defined on each base
are read back. Nothing else in modelreg imports project code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import api

# Runs in the project's interpreter: import one registry, then describe each base.
_PROBE = r"""
import importlib, json, sys
spec = json.loads(sys.argv[1])
sys.path[:0] = spec["path"]
out = {"error": None, "bases": {}}
try:
    importlib.import_module(spec["registry"])
except BaseException as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
for key, module, attr in spec["bases"]:
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except BaseException as exc:
        out["bases"][key] = {"error": "%s: %s" % (type(exc).__name__, exc)}
        continue
    reg = getattr(obj, "_sa_registry", None) or getattr(obj, "registry", None)
    if reg is None and hasattr(obj, "mappers"):
        reg = obj
    if hasattr(obj, "Model") and hasattr(obj.Model, "metadata"):  # Flask-SQLAlchemy db
        reg = getattr(obj.Model, "registry", reg)
    metadata = obj if hasattr(obj, "tables") and hasattr(obj, "sorted_tables") else getattr(obj, "metadata", None)
    classes = sorted(
        "%s.%s" % (m.class_.__module__, m.class_.__qualname__) for m in (getattr(reg, "mappers", None) or ())
    )
    tables = sorted(getattr(metadata, "tables", {}) or {})
    out["bases"][key] = {"classes": classes, "tables": tables}
print(json.dumps(out))
"""


@dataclass
class Mismatch:
    kind: str  # "static-only" | "runtime-only" | "unseen" | "error"
    what: str
    detail: str


@dataclass
class VerifyResult:
    registries: int = 0
    agreed: int = 0
    mismatches: List[Mismatch] = field(default_factory=list)


def project_python(root: str) -> str:
    """The project's interpreter: its .venv/venv if it has one, else the active virtualenv, else this one."""
    for name in (".venv", "venv", "env"):
        for sub in ("bin/python", "Scripts/python.exe"):
            candidate = os.path.join(root, name, sub)
            if os.path.exists(candidate):
                return candidate
    venv = os.environ.get("VIRTUAL_ENV")
    if venv and os.path.exists(os.path.join(venv, "bin", "python")):
        return os.path.join(venv, "bin", "python")
    return sys.executable


def verify(paths, python: Optional[str] = None, config_file: Optional[str] = None) -> VerifyResult:
    report = api.check(paths, config_file=config_file)
    analysis = report.analysis
    project = analysis.project
    python = python or project_python(report.root)
    result = VerifyResult()
    for reg in analysis.registries:
        if reg.module is None or reg.bases == ():  # (a module a registry loads: it governs no base)
            continue
        models = [
            m for m in analysis.models if not m.abstract and m in analysis.missing_registry_models(reg.path)
        ]
        base_keys = sorted({m.base for m in models})
        bases = []
        for key in base_keys:
            info = project.bases.get(key)
            if info is None:
                continue
            if info.module is None:
                module, _, attr = info.name.rpartition(".")
            else:
                module, attr = info.module.name, info.name[len(info.module.name) + 1 :]
            bases.append((key, module, attr))
        sys_path = [reg.module.root] + [r for r in project.search_roots(reg.module) if r != reg.module.root]
        spec = {"registry": reg.module.name, "path": sys_path, "bases": bases}
        proc = subprocess.run(
            [python, "-c", _PROBE, json.dumps(spec)], capture_output=True, text=True, cwd=report.root
        )
        result.registries += 1
        rel = analysis.rel(reg.path)
        if proc.returncode != 0 or not proc.stdout.strip():
            result.mismatches.append(Mismatch("error", rel, (proc.stderr.strip().splitlines() or ["no output"])[-1]))
            continue
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if data["error"]:
            result.mismatches.append(Mismatch("error", rel, f"importing the registry raised {data['error']}"))
            continue
        _compare(analysis, reg, rel, models, data["bases"], result)
    return result


def _compare(analysis, reg, rel: str, models, runtime: Dict[str, dict], result: VerifyResult) -> None:
    by_base: Dict[str, list] = {}
    for m in models:
        by_base.setdefault(m.base, []).append(m)
    for key, ms in by_base.items():
        rt = runtime.get(key)
        if rt is None:
            continue
        if "error" in rt:
            result.mismatches.append(Mismatch("error", rel, f"cannot read base {key}: {rt['error']}"))
            continue
        classes = set(rt["classes"])
        tables = set(rt["tables"])
        known_classes = set()
        known_tables = set()
        for m in ms:
            dotted = f"{m.module.name}.{m.name}"
            static = analysis.registers(reg, m)
            if m.kind == "table":
                present = m.table in tables
                known_tables.add(m.table)
            else:
                present = dotted in classes
                known_classes.add(dotted)
                if m.table:
                    known_tables.add(m.table)
            if static and not present:
                result.mismatches.append(
                    Mismatch("static-only", dotted, f"modelreg says {rel} registers it, but importing it did not")
                )
            elif present and not static:
                why = "(computed imports: MR006)" if analysis.opaque(reg) else ""
                result.mismatches.append(
                    Mismatch(
                        "runtime-only",
                        dotted,
                        f"importing {rel} registers it, but modelreg says it does not {why}".rstrip(),
                    )
                )
            else:
                result.agreed += 1
        for cls in sorted(classes - known_classes):
            result.mismatches.append(Mismatch("unseen", cls, f"mapped at runtime by {rel}; static analysis did not find it"))
        mapped_tables = {m.table for m in ms if m.table}
        for table in sorted(tables - known_tables - mapped_tables):
            if any(c for c in classes - known_classes):
                continue  # a class static analysis missed explains its table
            result.mismatches.append(Mismatch("unseen", f"table {table}", f"in the metadata after importing {rel}; static analysis did not find it"))
