"""Which files make up the project, and the module name each is imported under."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple


from .config import Config
from .types import Module

# Directory names never analyzed unless `exclude` replaces this list.
DEFAULT_EXCLUDE = ("node_modules", "__pycache__", "build", "dist", "site-packages")
# Never analyzed, whatever the config says.
ALWAYS_SKIP = (".git", ".hg", ".svn", ".modelreg_cache")


def _spec(patterns: Sequence[str], memo: Optional["IgnoreMemo"] = None):
    """A gitignore matcher, or None when there is no pattern. pathspec is imported, and the patterns
    compiled, only when a path is matched that ``memo`` (earlier runs' answers) does not know."""
    patterns = [p for p in patterns if p.strip() and not p.lstrip().startswith("#")]
    if not patterns:
        return None
    return _Spec(patterns, memo)


def _compile(patterns: Sequence[str]):
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except Exception:  # an invalid line in a .gitignore: git ignores that line, and so do we
        valid = [p for p in patterns if _valid_pattern(pathspec, p)]
        return pathspec.GitIgnoreSpec.from_lines(valid) if valid else None


class _Spec:
    """Gitignore patterns; ``match_file`` answers as pathspec's GitIgnoreSpec of them does (which
    it compiles on first need), through the memo when one is given."""

    __slots__ = ("patterns", "key", "memo", "_compiled", "_done")

    def __init__(self, patterns: List[str], memo: Optional["IgnoreMemo"]):
        self.patterns = patterns
        self.key = "\n".join(patterns)
        self.memo = memo
        self._compiled = None
        self._done = False

    def _match(self, path: str) -> bool:
        if not self._done:
            self._compiled, self._done = _compile(self.patterns), True
        return self._compiled is not None and bool(self._compiled.match_file(path))

    def match_file(self, path: str) -> bool:
        if self.memo is None:
            return self._match(path)
        return self.memo.answer(self.key, path, self._match)


class IgnoreMemo:
    """Whether a gitignore path matched a set of patterns, as the last run computed it: a pure function
    of the two (and of pathspec), so a warm run walks the project without importing pathspec or
    compiling a pattern. Stored in the cache directory (``ignored.marshal``); only the answers a run
    used are written back, and only when it computed a new one or left one unused."""

    FILENAME = "ignored.marshal"

    def __init__(self, path: Optional[str], stamp: tuple, known: Dict[str, Dict[str, bool]]):
        self.path = path
        self.stamp = stamp
        self.known = known
        self.used: Dict[str, Dict[str, bool]] = {}
        self.new = 0

    @classmethod
    def open(cls, config: Config) -> "IgnoreMemo":
        from . import cache as cache_mod

        path = os.path.join(cache_mod.cache_directory(config.root, config.cache_dir), cls.FILENAME)
        stamp = _pathspec_stamp()
        data = cache_mod._load_checked(path)
        known: Dict[str, Dict[str, bool]] = {}
        if type(data) is tuple and len(data) == 2 and data[0] == stamp and type(data[1]) is dict:
            known = data[1]
        return cls(path, stamp, known)

    def answer(self, key: str, path: str, compute) -> bool:
        used = self.used.get(key)
        if used is None:
            used = self.used[key] = {}
        known = self.known.get(key)
        value = known.get(path) if type(known) is dict else None
        if type(value) is not bool:
            value = compute(path)
            self.new += 1
        used[path] = value
        return value

    def save(self) -> None:
        """Write the answers used, when they differ from those stored (a write that fails is skipped)."""
        if self.path is None or (not self.new and sum(map(len, self.used.values())) == sum(
            len(v) for v in self.known.values() if type(v) is dict
        )):
            return
        from . import cache as cache_mod

        try:
            cache_mod._atomic_write(os.path.dirname(self.path), self.path, cache_mod._dump_checked((self.stamp, self.used)))
        except (OSError, ValueError):
            pass


def _pathspec_stamp() -> tuple:
    """modelreg's and pathspec's versions, as cheaply as possible: pathspec's package file, stat'ed
    (an upgrade rewrites it), not imported."""
    import importlib.util

    from . import __version__

    try:
        origin = importlib.util.find_spec("pathspec").origin
        st = os.stat(origin)
        return (__version__, origin, st.st_size, st.st_mtime_ns)
    except (AttributeError, ImportError, OSError, TypeError, ValueError):
        return (__version__, None)


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


def walk(config: Config, dirs: Optional[List[tuple]] = None, memo: Optional[IgnoreMemo] = None) -> List[str]:
    """Absolute paths of every ``.py`` file of the project, sorted, honouring excludes and .gitignore.

    ``dirs``, when given, receives (directory, names) for every directory visited: the names of its
    subdirectories, .py files (ignored ones too) and SIGNIFICANT files - what a report depends on
    besides the files' contents (an editor's swap file appearing is not in it). ``memo``: the gitignore
    answers of earlier runs (see IgnoreMemo), saved back when the walk is done."""
    root = config.root
    exclude = list(DEFAULT_EXCLUDE if config.exclude is None else config.exclude) + list(config.extend_exclude)
    # plain names ("build", "node_modules") are a set lookup; real patterns go through pathspec
    names = {p.rstrip("/") for p in exclude if p and not any(c in p for c in "/*?[!\\")}
    config_spec = _spec([p for p in exclude if p.rstrip("/") not in names], memo)
    prefix = len(root.rstrip(os.sep)) + 1
    # modelreg's own cache directory is never part of the project
    cache = os.path.normpath(os.path.join(root, config.cache_dir)) if config.cache_dir else None
    out: List[str] = []
    # stack of (directory, [(base dir, gitignore spec)...])
    outer = _enclosing_gitignores(root, memo) + _git_excludes(root, memo) if config.respect_gitignore else ()
    stack: List[Tuple[str, tuple]] = [(root, outer)]
    visited = {os.path.realpath(root)}  # directories reached, by real path: a link loop ends here
    linked = False
    while stack:
        directory, ignores = stack.pop()
        if config.respect_gitignore:
            gi = os.path.join(directory, ".gitignore")
            if os.path.isfile(gi):
                spec = _spec(_read_lines(gi), memo)
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
        # each ignore file's view of this directory, once: an entry's is it plus the entry's name
        views = [(_view_of(directory, base), spec) for base, spec in ignores]
        listed: List[str] = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()  # follows file symlinks
                if not is_dir and not is_file and entry.is_symlink() and entry.is_dir():
                    real = os.path.realpath(entry.path)  # a package reached through a link (app/models -> libs/...)
                    here = os.path.realpath(directory)
                    # never a link to the directory itself or one above it (a loop), nor one reached before
                    is_dir = real not in visited and not (here + os.sep).startswith(real + os.sep)
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
                if (config_spec is not None or ignores) and _ignored(name, rel, True, config_spec, views):
                    continue
                stack.append((entry.path, ignores))
            elif name.endswith(".py") and (is_file or entry.is_symlink()):
                if name in names:
                    continue
                rel = entry.path[prefix:].replace(os.sep, "/")
                if (config_spec is not None or ignores) and _ignored(name, rel, False, config_spec, views):
                    continue
                out.append(entry.path)
        if dirs is not None:
            dirs.append((directory, tuple(sorted(listed))))
    if linked:
        out = _one_path_per_file(out)
    out.sort()
    if memo is not None:
        memo.save()
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


def _enclosing_gitignores(root: str, memo: Optional[IgnoreMemo] = None) -> tuple:
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
        spec = _spec(_read_lines(gi), memo) if os.path.isfile(gi) else None
        if spec is not None:
            if spec.match_file(os.path.relpath(root, directory).replace(os.sep, "/") + "/"):
                return ()  # the project itself is ignored up there (say, generated): those rules are not its own
            out.append((directory, spec))
    return tuple(out)


# -- git's other ignore files: .git/info/exclude and core.excludesFile ----------------------------


def _git_excludes(root: str, memo: Optional[IgnoreMemo] = None) -> tuple:
    """(work tree, spec) for .git/info/exclude and git's global excludes file, when the project is
    in a git work tree: git applies both to every file of it, relative to the work tree's top."""
    return tuple((top, spec) for top, path in git_exclude_files(root) if (spec := _spec(_read_lines(path), memo)) is not None)


def git_exclude_files(root: str) -> List[Tuple[str, str]]:
    """(work tree top, path) of the exclude files git reads for this project, existing ones only:
    core.excludesFile (from the repository's, the user's and the system's git config; else
    $XDG_CONFIG_HOME/git/ignore or ~/.config/git/ignore), then the repository's info/exclude."""
    top = root
    while not os.path.exists(os.path.join(top, ".git")):
        parent = os.path.dirname(top)
        if parent == top:
            return []
        top = parent
    common = _git_common_dir(os.path.join(top, ".git"))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    configs = [] if os.environ.get("GIT_CONFIG_NOSYSTEM") else ["/etc/gitconfig"]
    user = os.environ.get("GIT_CONFIG_GLOBAL")
    configs += [user] if user else [os.path.join(xdg, "git", "config"), os.path.expanduser("~/.gitconfig")]
    if common is not None:
        configs.append(os.path.join(common, "config"))
    excludes_file = None
    for cfg in configs:  # later files win, as in git
        excludes_file = _git_config_value(cfg, "core", "excludesfile") or excludes_file
    candidates = [os.path.expanduser(excludes_file) if excludes_file else os.path.join(xdg, "git", "ignore")]
    if common is not None:
        candidates.append(os.path.join(common, "info", "exclude"))
    return [(top, os.path.join(top, c)) for c in candidates if os.path.isfile(os.path.join(top, c))]


def _git_common_dir(dot_git: str) -> Optional[str]:
    """The repository directory of a `.git` directory, or of a `.git` file (`gitdir: ...`: a
    worktree or submodule, whose shared files are in its `commondir`)."""
    git_dir = dot_git
    if os.path.isfile(dot_git):
        line = next((x for x in _read_lines(dot_git) if x.startswith("gitdir:")), None)
        if line is None:
            return None
        git_dir = os.path.normpath(os.path.join(os.path.dirname(dot_git), line[len("gitdir:") :].strip()))
    common = _read_lines(os.path.join(git_dir, "commondir"))
    return os.path.normpath(os.path.join(git_dir, common[0].strip())) if common else git_dir


def _git_config_value(path: str, section: str, key: str) -> Optional[str]:
    """`key` of `[section]` in a git config file (the last one wins; `[include]` is not followed)."""
    current, value = None, None
    for raw in _read_lines(path):
        line = raw.strip()
        if line.startswith("["):
            current = line[1:].split("]", 1)[0].strip().lower()
        elif current == section and "=" in line:
            name, _, v = line.partition("=")
            if name.strip().lower() == key:
                v = v.split(" #", 1)[0].split(" ;", 1)[0].strip()
                value = v[1:-1] if len(v) >= 2 and v[0] == v[-1] == '"' else v
    return value


def _view_of(directory: str, base: str) -> str:
    """``directory`` relative to ``base`` as a gitignore path prefix ("" for base itself, else "a/b/"):
    os.path.relpath(join(directory, name), base) is this plus the name."""
    rel = os.path.relpath(directory, base).replace(os.sep, "/")
    return "" if rel == "." else rel + "/"


def _ignored(name: str, rel: str, is_dir: bool, config_spec, views) -> bool:
    if config_spec is not None and config_spec.match_file(rel):
        return True
    tail = name + "/" if is_dir else name
    for view, spec in views:
        if spec.match_file(view + tail):
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



def git_ignored(root: str, path: str) -> bool:
    """Whether git ignores `path` (a file under `root`, which need not exist): the ignore files above
    the root, git's excludes, and each .gitignore from the root down to the path's folder."""
    rel = os.path.relpath(path, root)
    if rel == "." or rel.startswith(".." + os.sep):
        return False
    ignores = list(_enclosing_gitignores(root) + _git_excludes(root))
    parts = rel.split(os.sep)
    directory = root
    for i, name in enumerate(parts):
        gi = os.path.join(directory, ".gitignore")
        if os.path.isfile(gi):
            spec = _spec(_read_lines(gi))
            if spec is not None:
                ignores.append((directory, spec))
        is_dir = i < len(parts) - 1
        views = [(_view_of(directory, base), spec) for base, spec in ignores]
        if views and _ignored(name, "/".join(parts[: i + 1]), is_dir, None, views):
            return True
        directory = os.path.join(directory, name)
    return False
