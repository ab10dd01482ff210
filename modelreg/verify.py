"""`modelreg verify`: compare the static verdicts with what importing each registry really registers.

THIS EXECUTES PROJECT CODE: each registry is imported in a subprocess (the
project's interpreter), and the classes mapped and tables defined on each base
are read back. Nothing else in modelreg imports project code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import api
from .config import ConfigError

# Runs in the project's interpreter: import one registry, then describe each base.
#
# The answer goes to a file of its own (the project may print anything, even at exit). An import
# that hangs: faulthandler writes every thread's stack to the `stacks` file after the timeout and
# ends the process; the innermost module being executed is the one that hangs.
_PROBE = r"""
import faulthandler, importlib, json, sys
spec = json.loads(sys.argv[1])
stacks = open(spec["stacks"], "w")
faulthandler.dump_traceback_later(spec["timeout"], exit=True, file=stacks)
sys.path[:0] = spec["path"]
out = {"error": None, "bases": {}}
try:
    importlib.import_module(spec["registry"])
except BaseException as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
faulthandler.cancel_dump_traceback_later()
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
    columns = {k: sorted(c.name for c in t.columns) for k, t in (getattr(metadata, "tables", {}) or {}).items()}
    out["bases"][key] = {"classes": classes, "tables": tables, "columns": columns}
with open(spec["answer"], "w") as f:
    f.write(json.dumps(out))
"""

# How long importing one registry may take (`modelreg verify --timeout`).
DEFAULT_TIMEOUT = 60.0


@dataclass
class Mismatch:
    kind: str  # "static-only" | "runtime-only" | "unseen" | "columns" | "error"
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


def _interpreter(python: str) -> str:
    """A usable interpreter path, or ConfigError (`--python` is a user's choice)."""
    found = shutil.which(python) if os.sep not in python else (python if os.path.isfile(python) else None)
    if found is None or not os.access(found, os.X_OK):
        raise ConfigError(f"--python {python}: no such interpreter")
    try:
        proc = subprocess.run(
            [found, "-c", "import sys; print(sys.version_info[0])"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"--python {python}: cannot run it: {getattr(exc, 'strerror', None) or exc}") from None
    if proc.returncode != 0 or proc.stdout.strip() != "3":
        said = (proc.stderr.strip().splitlines() or [proc.stdout.strip() or "nothing"])[-1]
        raise ConfigError(
            f"--python {python}: not a working Python 3 interpreter (exit {proc.returncode}; it said: {said})"
        )
    return found


def verify(
    paths, python: Optional[str] = None, config_file: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT
) -> VerifyResult:
    if not timeout > 0:
        raise ConfigError(f"--timeout {timeout}: must be a number of seconds above 0")
    report = api.check(paths, config_file=config_file)
    api.analyzed_something(report)
    analysis = report.analysis
    project = analysis.project
    python = _interpreter(python or project_python(report.root))
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
        result.registries += 1
        rel = analysis.rel(reg.path)
        data, error = _probe(python, reg.module.name, sys_path, bases, report.root, timeout, analysis)
        if data is None:
            result.mismatches.append(Mismatch("error", rel, error))
            continue
        if data["error"]:
            result.mismatches.append(Mismatch("error", rel, f"importing the registry raised {data['error']}"))
            continue
        _compare(analysis, reg, rel, models, data["bases"], result)
        _compare_columns(analysis, models, data["bases"], result)
    return result


def _probe(python: str, registry: str, sys_path, bases, cwd: str, timeout: float, analysis):
    """Import one registry in `python`: (the probe's answer, None) or (None, why there is none)."""
    with tempfile.TemporaryDirectory(prefix="modelreg-verify-") as tmp:
        answer, stacks = os.path.join(tmp, "answer.json"), os.path.join(tmp, "stacks.txt")
        spec = {"registry": registry, "path": sys_path, "bases": bases, "timeout": timeout}
        spec.update(answer=answer, stacks=stacks)
        try:
            # (the probe ends itself after `timeout`; this one is for a process that cannot)
            proc = subprocess.run(
                [python, "-B", "-c", _PROBE, json.dumps(spec)],  # -B: no __pycache__ left in the project
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                cwd=cwd,
                timeout=timeout + 30,
            )
            stderr, code = proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            stderr, code = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else "", None
        except OSError as exc:
            raise ConfigError(f"--python {python}: cannot run it: {exc.strerror or exc}") from None
        try:
            with open(answer, encoding="utf-8") as f:
                return json.loads(f.read()), None  # written before exit: what happens at exit does not matter
        except (OSError, ValueError):
            pass
        try:
            with open(stacks, encoding="utf-8", errors="replace") as f:
                dump = f.read()
        except OSError:
            dump = ""
    if code is None or "Timeout (" in dump:
        where = _hanging_module(dump, analysis)
        return None, f"importing the registry did not finish within {timeout:g} s" + (
            f"; it hangs in {where}" if where else ""
        )
    last = (stderr.strip().splitlines() or [f"the interpreter exited with code {code} and no answer"])[-1]
    return None, last


def _hanging_module(dump: str, analysis) -> Optional[str]:
    """The innermost project module whose body was running when the stacks were dumped: `module (path:line)`."""
    import re

    by_path = analysis.project.by_path
    for line in dump.splitlines():  # faulthandler lists the innermost frame first
        m = re.match(r'\s*File "(.*)", line (\d+) in <module>', line)
        if m is None:
            continue
        path = os.path.normpath(m.group(1))
        module = by_path.get(path)
        if module is not None:
            return f"{module.name} ({analysis.rel(path)}:{m.group(2)})"
    return None


def _compare_columns(analysis, models, runtime: Dict[str, dict], result: VerifyResult) -> None:
    """The columns modelreg reads for each table (what MR011 compares with the migrations) against the
    columns of the table at runtime: a difference means the static reading is wrong for that table."""
    from .columns import ModelTables, read_classes

    def classes_of(path):
        try:
            with open(path, "rb") as f:
                return read_classes(f.read())
        except OSError:
            return None

    static = ModelTables(analysis.project, classes_of).tables(models)
    for key, tables in static.items():
        rt = (runtime.get(key) or {}).get("columns")
        if not rt:
            continue
        for t in tables:
            name = f"{t.schema}.{t.name}" if t.schema else t.name
            if t.columns is None or name not in rt:
                continue
            mine = sorted({c.name for c in t.columns})
            if mine != sorted(set(rt[name])):
                result.mismatches.append(
                    Mismatch(
                        "columns",
                        f"table {name}",
                        f"modelreg reads the columns {', '.join(mine)}; at runtime they are {', '.join(rt[name])}",
                    )
                )


def _qualified(model) -> Optional[str]:
    """The model's table as the metadata keys it: `schema.name` when it has a schema."""
    if not model.table:
        return None
    return f"{model.schema}.{model.table}" if model.schema else model.table


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
            table = _qualified(m)
            if m.kind == "table":
                present = table in tables
                known_tables.add(table)
            else:
                present = dotted in classes
                known_classes.add(dotted)
                if table:
                    known_tables.add(table)
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
        mapped_tables = {_qualified(m) for m in ms if m.table}
        for table in sorted(tables - known_tables - mapped_tables):
            if any(c for c in classes - known_classes):
                continue  # a class static analysis missed explains its table
            result.mismatches.append(Mismatch("unseen", f"table {table}", f"in the metadata after importing {rel}; static analysis did not find it"))
