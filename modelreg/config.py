"""``[tool.modelreg]`` in pyproject.toml -> :class:`Config`. A bad config raises :class:`ConfigError` (exit 2)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from typing import Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

REQUIRE_MODES = ("reachable", "module", "class")
ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


class ConfigError(Exception):
    """A usage or configuration error: one line, exit code 2."""


@dataclass(frozen=True)
class RegistrySpec:
    registry: str  # path relative to the project root
    base: Optional[str] = None  # dotted base it governs (None: every base of its import root)


@dataclass(frozen=True)
class Config:
    root: str  # absolute project root
    config_file: Optional[str] = None
    registries: Tuple[RegistrySpec, ...] = ()
    require: str = "reachable"
    bases: Tuple[str, ...] = ()
    exclude: Optional[Tuple[str, ...]] = None  # None: the default list
    extend_exclude: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    roots: Tuple[str, ...] = ()  # relative to root
    respect_gitignore: bool = True
    cache_dir: Optional[str] = None

    def with_overrides(self, **kw) -> "Config":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


_KEYS = {
    "registry",
    "registries",
    "require",
    "base",
    "exclude",
    "extend-exclude",
    "ignore",
    "roots",
    "respect-gitignore",
    "cache-dir",
}


def find_root(start: str) -> Tuple[str, Optional[str]]:
    """The project root for a path, and the pyproject.toml holding [tool.modelreg] if any.

    The nearest ancestor whose pyproject.toml has a [tool.modelreg] table wins;
    otherwise the nearest ancestor holding a project marker (pyproject.toml,
    setup.py, setup.cfg, .git); otherwise the path itself.
    """
    start = os.path.abspath(start)
    first = start if os.path.isdir(start) else os.path.dirname(start)
    marker_dir = None
    d = first
    while True:
        pyproject = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_section(pyproject):
            return d, pyproject
        if marker_dir is None and any(os.path.exists(os.path.join(d, m)) for m in ROOT_MARKERS):
            marker_dir = d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return (marker_dir or first), None


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _has_section(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            if b"tool.modelreg" not in f.read():
                return False
    except OSError:
        return False
    return "modelreg" in _read_toml(path).get("tool", {})


def load(start: str, config_path: Optional[str] = None) -> Config:
    if config_path is not None:
        config_path = os.path.abspath(config_path)
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_path}: config file not found")
        root = os.path.dirname(config_path)
    else:
        root, config_path = find_root(start)
    if config_path is None:
        return Config(root=root)
    table = _read_toml(config_path).get("tool", {}).get("modelreg", {})
    return parse(table, root, config_path)


def _strings(value, key: str, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: [tool.modelreg] {key} must be a string or a list of strings")


def parse(table: dict, root: str, where: str) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.modelreg] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key [tool.modelreg] {unknown[0]} (known: {', '.join(sorted(_KEYS))})")
    kw: dict = {}
    registries = [RegistrySpec(r) for r in _strings(table.get("registry", []), "registry", where)]
    for i, entry in enumerate(table.get("registries", []) or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("registry"), str):
            raise ConfigError(f"{where}: [[tool.modelreg.registries]] entry {i + 1} needs registry = \"path\"")
        extra = set(entry) - {"registry", "base"}
        if extra:
            raise ConfigError(f"{where}: [[tool.modelreg.registries]] entry {i + 1}: unknown key {sorted(extra)[0]}")
        base = entry.get("base")
        if base is not None and not isinstance(base, str):
            raise ConfigError(f"{where}: [[tool.modelreg.registries]] entry {i + 1}: base must be a dotted name")
        registries.append(RegistrySpec(entry["registry"], base))
    claimed = {}
    for spec in registries:
        if spec.base is not None:
            if spec.base in claimed:
                raise ConfigError(
                    f"{where}: base {spec.base} is claimed by two registries ({claimed[spec.base]} and {spec.registry}); "
                    "one registry per base"
                )
            claimed[spec.base] = spec.registry
    for spec in registries:
        _check_registry_path(spec.registry, root, where)
    kw["registries"] = tuple(registries)
    if "require" in table:
        kw["require"] = check_require(table["require"], where)
    if "base" in table:
        kw["bases"] = _strings(table["base"], "base", where)
    if "exclude" in table:
        kw["exclude"] = _strings(table["exclude"], "exclude", where)
    if "extend-exclude" in table:
        kw["extend_exclude"] = _strings(table["extend-exclude"], "extend-exclude", where)
    if "ignore" in table:
        kw["ignore"] = tuple(c.upper() for c in _strings(table["ignore"], "ignore", where))
        from .rules import BY_CODE  # (here: the rules import the resolver, which imports this module)

        unknown_codes = [c for c in kw["ignore"] if c not in BY_CODE]
        if unknown_codes:
            raise ConfigError(
                f"{where}: [tool.modelreg] ignore names an unknown rule code {unknown_codes[0]} "
                f"(known: {', '.join(sorted(BY_CODE))})"
            )
    if "roots" in table:
        kw["roots"] = _strings(table["roots"], "roots", where)
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: [tool.modelreg] respect-gitignore must be true or false")
        kw["respect_gitignore"] = table["respect-gitignore"]
    if "cache-dir" in table:
        kw["cache_dir"] = _strings(table["cache-dir"], "cache-dir", where)[0]
    return Config(root=root, config_file=where, **kw)


def _check_registry_path(registry: str, root: str, where: str) -> None:
    """A configured registry must be a `.py` file inside the project root (it may not exist yet)."""
    path = os.path.normpath(os.path.join(root, registry))
    if not registry.endswith(".py"):
        raise ConfigError(f"{where}: registry {registry!r} is not a .py file")
    if os.path.commonpath([path, os.path.normpath(root)]) != os.path.normpath(root):
        raise ConfigError(f"{where}: registry {registry!r} is outside the project root {root}")
    if os.path.isdir(path):
        raise ConfigError(f"{where}: registry {registry!r} is a directory, not a .py file")


def check_require(value, where: str) -> str:
    if value not in REQUIRE_MODES:
        raise ConfigError(f"{where}: require must be one of {', '.join(REQUIRE_MODES)} (got {value!r})")
    return value

