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

    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except Exception:  # an invalid line in a .gitignore: git ignores that line, and so do we
        valid = [p for p in patterns if _valid_pattern(pathspec, p)]
        return pathspec.GitIgnoreSpec.from_lines(valid) if valid else None


def _valid_pattern(pathspec, pattern: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except Exception:
        return False
    return True


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
    out.sort()
    return out


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


def module_for(path: str, config: Config, roots: Sequence[str] = (), _dirs: Optional[dict] = None) -> Optional[Module]:
    """The module a file is imported as, or None when its name is not a valid module name.

    ``_dirs`` memoizes, per directory, its import root and package name parts.
    """
    directory, filename = os.path.split(path)
    root, package, valid = _directory_package(directory, roots, {} if _dirs is None else _dirs)
    return _module(path, filename, root, package, valid)


def _module(path: str, filename: str, root: str, package: Tuple[str, ...], valid: bool) -> Optional[Module]:
    stem = filename[:-3]
    is_package = stem == "__init__"
    if not valid or not (is_package or stem.isidentifier()) or (is_package and not package):
        return None
    return Module(path, ".".join(package + (() if is_package else (stem,))), root, is_package)


def _directory_package(directory: str, roots: Sequence[str], memo: dict) -> Tuple[str, Tuple[str, ...], bool]:
    """(import root, package name parts, whether they are all identifiers) of a directory."""
    key = ("dir", directory)
    found = memo.get(key)
    if found is not None:
        return found
    for r in roots:  # configured import roots (namespace packages): the deepest containing one wins
        if directory == r or directory.startswith(r + os.sep):
            parts = tuple(os.path.relpath(directory, r).split(os.sep)) if directory != r else ()
            found = (r, parts, all(p.isidentifier() for p in parts))
            break
    else:
        root, parts = _package_of(directory, memo)
        found = (root, parts, all(p.isidentifier() for p in parts))
    memo[key] = found
    return found


def _package_of(directory: str, memo: dict) -> Tuple[str, Tuple[str, ...]]:
    """(import root, package name parts) of a directory: walk up while there is an __init__.py."""
    found = memo.get(directory)
    if found is not None:
        return found
    if os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            found = (directory, ())
        else:
            root, parts = _package_of(parent, memo)
            found = (root, parts + (os.path.basename(directory),))
    else:
        found = (directory, ())
    memo[directory] = found
    return found


def import_root_of(directory: str) -> Tuple[str, Tuple[str, ...]]:
    """(import root, package parts) of a directory: where the __init__.py files above it end."""
    return _package_of(directory, {})


def modules(paths: Sequence[str], config: Config) -> Tuple[List[Module], List[str]]:
    """Module for each path; the paths whose names cannot be imported are returned apart."""
    roots = sorted((os.path.normpath(os.path.join(config.root, r)) for r in config.roots), key=len, reverse=True)
    mods: List[Module] = []
    others: List[str] = []
    memo: dict = {}
    sep = os.sep
    for p in paths:
        cut = p.rfind(sep)
        root, package, valid = _directory_package(p[:cut] or sep, roots, memo)
        m = _module(p, p[cut + 1 :], root, package, valid)
        if m is None:
            others.append(p)
        else:
            mods.append(m)
    return mods, others


def iter_parents(name: str) -> Iterator[str]:
    """'a.b.c' -> 'a', 'a.b'."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        yield ".".join(parts[:i])


ModuleTable = Dict[str, Dict[str, Module]]  # import root -> dotted name -> module
