"""Which files make up the project, and the module name each is imported under."""

from __future__ import annotations

import os
from typing import Dict, Iterator, List, Optional, Sequence, Tuple


from .config import Config
from .types import Module

# Directory names never analyzed unless `exclude` replaces this list.
DEFAULT_EXCLUDE = ("node_modules", "__pycache__", "build", "dist", "site-packages")
# Never analyzed, whatever the config says.
ALWAYS_SKIP = (".git", ".hg", ".svn", ".modelreg_cache")


def _spec(patterns: Sequence[str]):
    """A gitignore matcher, or None when there is no pattern (pathspec is imported only when needed)."""
    patterns = [p for p in patterns if p.strip() and not p.lstrip().startswith("#")]
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _read_lines(path: str) -> List[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


# Names of files other than .py whose presence can change an analysis (what `dirs` lists).
SIGNIFICANT = frozenset({".gitignore", "pyvenv.cfg", "script.py.mako", "alembic.ini", "pyproject.toml"})


def walk(config: Config, dirs: Optional[List[tuple]] = None) -> List[str]:
    """Absolute paths of every ``.py`` file of the project, sorted, honouring excludes and .gitignore.

    ``dirs``, when given, receives (directory, names) for every directory visited: the names of its
    subdirectories, .py files (ignored ones too) and SIGNIFICANT files - what a report depends on
    besides the files' contents (an editor's swap file appearing is not in it)."""
    root = config.root
    exclude = list(DEFAULT_EXCLUDE if config.exclude is None else config.exclude) + list(config.extend_exclude)
    # plain names ("build", "node_modules") are a set lookup; real patterns go through pathspec
    names = {p.rstrip("/") for p in exclude if p and not any(c in p for c in "/*?[!\\")}
    config_spec = _spec([p for p in exclude if p.rstrip("/") not in names])
    prefix = len(root.rstrip(os.sep)) + 1
    # modelreg's own cache directory is never part of the project
    cache = os.path.normpath(os.path.join(root, config.cache_dir)) if config.cache_dir else None
    out: List[str] = []
    # stack of (directory, [(base dir, gitignore spec)...])
    outer = _enclosing_gitignores(root) if config.respect_gitignore else ()
    stack: List[Tuple[str, tuple]] = [(root, outer)]
    visited = {os.path.realpath(root)}  # directories reached, by real path: a link loop ends here
    linked = False
    while stack:
        directory, ignores = stack.pop()
        if config.respect_gitignore:
            gi = os.path.join(directory, ".gitignore")
            if os.path.isfile(gi):
                spec = _spec(_read_lines(gi))
                if spec is not None:
                    ignores = ignores + ((directory, spec),)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            if dirs is not None:
                dirs.append((directory, None))
            continue
        if directory != root and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment
        listed: List[str] = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()  # follows file symlinks
                if not is_dir and not is_file and entry.is_symlink() and entry.is_dir():
                    real = os.path.realpath(entry.path)  # a package reached through a link (app/models -> libs/...)
                    is_dir = real not in visited and not root.startswith(real + os.sep)
                    visited.add(real)
                    linked = linked or is_dir
            except OSError:
                listed.append(name)
                continue
            if (is_dir and name != "__pycache__") or name.endswith(".py") or name in SIGNIFICANT:
                listed.append(name)
            if is_dir:
                if name in ALWAYS_SKIP or name in names or entry.path == cache:
                    continue
                rel = entry.path[prefix:].replace(os.sep, "/") + "/"
                if (config_spec is not None or ignores) and _ignored(entry.path, rel, True, config_spec, ignores):
                    continue
                stack.append((entry.path, ignores))
            elif name.endswith(".py") and (is_file or entry.is_symlink()):
                if name in names:
                    continue
                rel = entry.path[prefix:].replace(os.sep, "/")
                if (config_spec is not None or ignores) and _ignored(entry.path, rel, False, config_spec, ignores):
                    continue
                out.append(entry.path)
        if dirs is not None:
            dirs.append((directory, tuple(sorted(listed))))
    if linked:
        out = _one_path_per_file(out)
    out.sort()
    return out


def _one_path_per_file(paths: List[str]) -> List[str]:
    """One path for a file reached twice (through a directory link and at its real place): the path
    through the link when the link sits inside a package (``app/models -> ../libs/shared_models``: the
    code imports ``app.models``), else the real one. Its models are counted once."""
    by_real: Dict[str, List[str]] = {}
    for p in paths:
        by_real.setdefault(os.path.realpath(p), []).append(p)
    out = []
    for real, group in by_real.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        linked = [p for p in group if p != real and _link_in_package(p)]
        out.append(min(linked, key=len) if linked else (real if real in group else min(group, key=len)))
    return out


def _link_in_package(path: str) -> bool:
    d = os.path.dirname(path)
    while d != os.path.dirname(d):
        if os.path.islink(d):
            return os.path.isfile(os.path.join(os.path.dirname(d), "__init__.py"))
        d = os.path.dirname(d)
    return False


def _enclosing_gitignores(root: str) -> tuple:
    """The .gitignore files of the directories above the project root, up to its git repository's root.

    Git applies them to the project's files too (a monorepo's top-level .gitignore).
    Outside a git repository, nothing above the project root applies.
    """
    chain: List[str] = []
    d = root
    while not os.path.exists(os.path.join(d, ".git")):
        parent = os.path.dirname(d)
        if parent == d:
            return ()
        d = parent
        chain.append(d)
    out = []
    for directory in reversed(chain):
        gi = os.path.join(directory, ".gitignore")
        spec = _spec(_read_lines(gi)) if os.path.isfile(gi) else None
        if spec is not None:
            if spec.match_file(os.path.relpath(root, directory).replace(os.sep, "/") + "/"):
                return ()  # the project itself is ignored up there (say, generated): those rules are not its own
            out.append((directory, spec))
    return tuple(out)


def _ignored(path: str, rel: str, is_dir: bool, config_spec, ignores) -> bool:
    if config_spec is not None and config_spec.match_file(rel):
        return True
    for base, spec in ignores:
        sub = os.path.relpath(path, base).replace(os.sep, "/") + ("/" if is_dir else "")
        if spec.match_file(sub):
            return True
    return False


def modules(paths: Sequence[str], config: Config) -> Tuple[List[Module], List[str]]:
    """Module for each path (see :mod:`modelreg.imports`); the paths whose names cannot be imported apart."""
    from .imports import name_modules

    mods, others, _ = name_modules(paths, config)
    return mods, others


def import_root_of(directory: str) -> Tuple[str, Tuple[str, ...]]:
    """(import root, package parts) of a directory: where the __init__.py files above it end."""
    parts: Tuple[str, ...] = ()
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        parts = (os.path.basename(directory),) + parts
        directory = parent
    return directory, parts


def iter_parents(name: str) -> Iterator[str]:
    """'a.b.c' -> 'a', 'a.b'."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        yield ".".join(parts[:i])


ModuleTable = Dict[str, Dict[str, Module]]  # import root -> dotted name -> module
