"""The entry points a project declares: `[project.scripts]` and `[project.entry-points.<group>]` in
pyproject.toml (and Poetry's `[tool.poetry.scripts]` / `[tool.poetry.plugins.<group>]`), `[options.entry_points]`
in setup.cfg, the literal `entry_points={...}` of setup.py's `setup(...)` call (read, never run).

What `importlib.metadata.entry_points(group=...)` (or `pkg_resources.iter_entry_points`, stevedore)
finds once the project is installed: each a `module:attr` spec, by group (`console_scripts` for scripts).
"""

from __future__ import annotations

import ast
import configparser
import os
from typing import Dict, List, Tuple

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

Groups = Dict[str, List[str]]  # group -> "module:attr" specs

_memo: Dict[str, Tuple[tuple, Groups]] = {}


def declared(root: str) -> Groups:
    """Every entry point the project at `root` declares, by group (read again when a file changes)."""
    paths = [os.path.join(root, n) for n in ("pyproject.toml", "setup.cfg", "setup.py")]
    stamp = tuple(_stat(p) for p in paths)
    found = _memo.get(root)
    if found is not None and found[0] == stamp:
        return found[1]
    groups: Groups = {}
    for read, path in zip((_pyproject, _setup_cfg, _setup_py), paths):
        if os.path.isfile(path):
            for group, specs in read(path).items():
                groups.setdefault(group, []).extend(s.strip() for s in specs if s.strip())
    _memo[root] = (stamp, groups)
    return groups


def modules_of(root: str, group: str) -> List[Tuple[str, str]]:
    """(module, attribute) of each entry point of `group`."""
    out = []
    for spec in declared(root).get(group, ()):
        module, _, attr = spec.partition(":")
        module, attr = module.strip(), attr.strip().split(".")[0].split("[")[0].strip()
        if module and (module, attr) not in out:
            out.append((module, attr))
    return out


def _stat(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_size, st.st_mtime_ns)


def _pyproject(path: str) -> Groups:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return {}  # (a broken pyproject.toml is the config stage's to report)
    project = data.get("project") or {}
    poetry = (data.get("tool") or {}).get("poetry") or {}
    groups: Groups = {}
    for group, table in [("console_scripts", project.get("scripts")), ("gui_scripts", project.get("gui-scripts")),
                         ("console_scripts", poetry.get("scripts"))]:
        if isinstance(table, dict):
            groups.setdefault(group, []).extend(v for v in table.values() if isinstance(v, str))
    for tables in (project.get("entry-points"), poetry.get("plugins")):
        for group, table in (tables or {}).items() if isinstance(tables, dict) else ():
            if isinstance(table, dict):
                groups.setdefault(group, []).extend(v for v in table.values() if isinstance(v, str))
    return groups


def _setup_cfg(path: str) -> Groups:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return {}
    if not parser.has_section("options.entry_points"):
        return {}
    return {
        group: [line.partition("=")[2] for line in text.splitlines() if "=" in line]
        for group, text in parser.items("options.entry_points")
    }


def _setup_py(path: str) -> Groups:
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (SyntaxError, ValueError, OSError):
        return {}
    groups: Groups = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg != "entry_points" or not isinstance(kw.value, ast.Dict):
                continue
            for key, value in zip(kw.value.keys, kw.value.values):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    continue
                items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else []
                groups.setdefault(key.value, []).extend(
                    e.value.partition("=")[2] for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return groups
