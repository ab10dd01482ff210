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
    select: Optional[Tuple[str, ...]] = None  # None: every rule
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()  # (gitignore-style pattern, codes)

    def with_overrides(self, **kw) -> "Config":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    def enabled(self) -> Tuple[str, ...]:
        """The rule codes reported: (select, else every rule) + extend-select - ignore."""
        chosen = set(all_codes() if self.select is None else self.select) | set(self.extend_select)
        return tuple(c for c in all_codes() if c in chosen and c not in self.ignore)

    def ignored_in(self, rel_path: str) -> Tuple[str, ...]:
        """The codes per-file-ignores turns off for a file (path relative to the root, `/` separators)."""
        out: Tuple[str, ...] = ()
        for pattern, codes in self.per_file_ignores:
            if _pattern_matches(pattern, rel_path):
                out += codes
        return out


def all_codes() -> Tuple[str, ...]:
    from .rules import RULES

    return tuple(r.CODE for r in RULES)


def rule_codes(values, where: str) -> Tuple[str, ...]:
    """Rule selectors -> codes: a code (MR001), a prefix (MR0, MR), or ALL. Anything else is an
    error naming it (exit 2)."""
    if not values:
        return ()  # (the rules are imported only when a selector is to be read)
    known = all_codes()
    out = []
    for value in values:
        sel = value.strip().upper()
        matched = known if sel == "ALL" else tuple(c for c in known if sel and c.startswith(sel))
        if not matched:
            raise ConfigError(f"{where}: unknown rule code {value!r} (known: {', '.join(known)}, a prefix of them, or ALL)")
        out.extend(c for c in matched if c not in out)
    return tuple(out)


def select_on_command_line(cfg: "Config", select=None, extend_select=(), ignore=()) -> "Config":
    """The command line's selection on top of the config's, as ruff layers them: `--select` replaces
    the config's select, extend-select and ignore; otherwise `--extend-select` adds codes (also ones
    the config ignores) and `--ignore` removes more."""
    select = rule_codes(select, "--select") if select is not None else None
    extend = rule_codes(extend_select, "--extend-select")
    ignore = rule_codes(ignore, "--ignore")
    if select is not None:
        return replace(cfg, select=select, extend_select=extend, ignore=ignore)
    kept = tuple(c for c in cfg.ignore if c not in extend)
    return replace(
        cfg,
        extend_select=cfg.extend_select + tuple(c for c in extend if c not in cfg.extend_select),
        ignore=kept + tuple(c for c in ignore if c not in kept),
    )


_SPECS: dict = {}


def _pattern_matches(pattern: str, rel_path: str) -> bool:
    spec = _SPECS.get(pattern)
    if spec is None:
        import pathspec

        spec = _SPECS[pattern] = pathspec.GitIgnoreSpec.from_lines([pattern])
    return spec.match_file(rel_path)


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
    "select",
    "extend-select",
    "per-file-ignores",
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


@dataclass(frozen=True)
class CommandLine:
    """Settings given on the command line, applied over the config file's (``None``/empty: unset)."""

    isolated: bool = False  # read no config file
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: Optional[bool] = None
    cache_dir: Optional[str] = None  # relative to the current directory
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()

    def apply(self, cfg: Config) -> Config:
        cfg = cfg.with_overrides(
            exclude=self.exclude,
            respect_gitignore=self.respect_gitignore,
            cache_dir=os.path.abspath(self.cache_dir) if self.cache_dir else None,
        )
        if self.extend_exclude:
            cfg = replace(cfg, extend_exclude=cfg.extend_exclude + self.extend_exclude)
        return check_selection(select_on_command_line(cfg, self.select, self.extend_select, self.ignore))


def check_selection(cfg: Config) -> Config:
    """A selection that enables no rule would check nothing and pass: a configuration error."""
    if (cfg.select is not None or cfg.ignore) and not cfg.enabled():  # (else every rule: no import of them)
        select = "every rule" if cfg.select is None else (", ".join(cfg.select) or "nothing")
        raise ConfigError(
            f"no rule selected: select ({select}), extend-select ({', '.join(cfg.extend_select) or 'nothing'}) "
            f"and ignore ({', '.join(cfg.ignore) or 'nothing'}) leave no rule to check"
        )
    return cfg


def load(start: str, config_path: Optional[str] = None, isolated: bool = False) -> Config:
    if isolated:
        if config_path is not None:
            raise ConfigError("--config and --isolated cannot be combined: --isolated reads no config file")
        return Config(root=find_root(start)[0])
    if config_path is not None:
        config_path = os.path.abspath(config_path)
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_path}: config file not found")
        root = find_root(start)[0]  # the paths say what the project is; the file only how to read it
    else:
        root, config_path = find_root(start)
    if config_path is None:
        return Config(root=root)
    table = _read_toml(config_path).get("tool", {}).get("modelreg", {})
    return parse(table, root, config_path)


def _strings(value, key: str, where: str, one_ok: bool = False) -> Tuple[str, ...]:
    """A list of strings (``one_ok``: or one string, as `registry = "path"`); anything else is a
    configuration error naming the key and the type expected - `select = "MR001"` included, as ruff has it."""
    if one_ok and isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    expected = "a string or a list of strings" if one_ok else "a list of strings"
    got = f"the string {value!r}" if isinstance(value, str) else _toml_type(value)
    hint = f" (write {key} = [{value!r}])".replace("'", '"') if isinstance(value, str) and not one_ok else ""
    raise ConfigError(f"{where}: [tool.modelreg] {key} must be {expected}, not {got}{hint}")


def _toml_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list holding a non-string"
    return type(value).__name__


def _patterns(patterns: Tuple[str, ...], key: str, where: str) -> Tuple[str, ...]:
    """Gitignore-style patterns, each one valid (an invalid one is a configuration error, not a crash later)."""
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception as exc:  # pathspec's GitIgnorePatternError, or a ValueError from its regex
            raise ConfigError(f"{where}: [tool.modelreg] {key}: invalid pattern {pattern!r}: {exc}") from None
    return patterns


def parse(table: dict, root: str, where: str) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.modelreg] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key [tool.modelreg] {unknown[0]} (known: {', '.join(sorted(_KEYS))})")
    kw: dict = {}
    registries = [RegistrySpec(r) for r in _strings(table.get("registry", []), "registry", where, one_ok=True)]
    if not isinstance(table.get("registries", []), list):
        raise ConfigError(f"{where}: [tool.modelreg] registries must be a list of tables ([[tool.modelreg.registries]])")
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
        kw["exclude"] = _patterns(_strings(table["exclude"], "exclude", where), "exclude", where)
    if "extend-exclude" in table:
        kw["extend_exclude"] = _patterns(_strings(table["extend-exclude"], "extend-exclude", where), "extend-exclude", where)
    for key in ("select", "extend-select", "ignore"):
        if key in table:
            codes = rule_codes(_strings(table[key], key, where), f"{where}: [tool.modelreg] {key}")
            kw[key.replace("-", "_")] = codes
    if "per-file-ignores" in table:
        kw["per_file_ignores"] = _per_file_ignores(table["per-file-ignores"], where)
    if "roots" in table:
        kw["roots"] = _roots(_strings(table["roots"], "roots", where), root, where)
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: [tool.modelreg] respect-gitignore must be true or false")
        kw["respect_gitignore"] = table["respect-gitignore"]
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError(f"{where}: [tool.modelreg] cache-dir must be a directory name (a non-empty string)")
        kw["cache_dir"] = table["cache-dir"]
    return Config(root=root, config_file=where, **kw)


def _per_file_ignores(value, where: str) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: [tool.modelreg] per-file-ignores must be a table {{"pattern" = ["MR001"]}}')
    out = []
    for pattern, codes in value.items():
        key = f"per-file-ignores {pattern!r}"
        out.append((pattern, rule_codes(_strings(codes, key, where), f"{where}: [tool.modelreg] {key}")))
    return tuple(out)


def _roots(roots: Tuple[str, ...], root: str, where: str) -> Tuple[str, ...]:
    """Each import root a directory inside the project root: one naming nothing is an error, not a no-op."""
    for r in roots:
        path = os.path.normpath(os.path.join(root, r))
        if os.path.commonpath([path, os.path.normpath(root)]) != os.path.normpath(root):
            raise ConfigError(f"{where}: [tool.modelreg] roots entry {r!r} is outside the project root {root}")
        if not os.path.isdir(path):
            raise ConfigError(f"{where}: [tool.modelreg] roots entry {r!r} names no directory under {root}")
    return roots


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

