"""The import model: which directories are import roots, the name each file is imported under, and what
an import statement finds - decided the way Python decides it, without running anything.

The rule, in the order a user can check it (docs/understands.md, "Projects and module names"):

1. **Import roots** (the ``sys.path`` a project runs with) come from the project itself. *Declared* roots:
   ``roots`` in ``[tool.modelreg]``, the project directory, ``src/`` (a src layout), packaging metadata
   (setuptools ``package-dir``/``packages.find.where``, Poetry ``packages.from``, Hatch ``packages``),
   pytest's ``pythonpath``, Alembic's ``prepend_sys_path``, and the directory above the topmost
   ``__init__.py`` of every regular package. *Candidate* roots, used only where the project's own imports
   show that it runs from there: the directories of entry points (``app.py``, ``main.py``, ``manage.py``,
   ``wsgi.py``, ``asgi.py``, ``__main__.py``).
2. **Names.** Every directory is a package (PEP 420: with or without ``__init__.py``). A file's name is its
   path relative to the root its directory is imported from. When several roots contain a directory, the
   code's imports decide: every absolute import of the project (from files inside and outside the
   directory) votes for the root under which it resolves into it, and the most votes win (a vestigial
   ``backend/__init__.py`` does not rename ``backend/db`` when the code says ``from db import``; a leftover
   ``prepend_sys_path = backend`` does not rename ``backend/models`` when the code says ``backend.models``).
   Declared roots are weaker evidence: a directory no import names takes its parent's choice, else the
   deepest declared root (:func:`default_root`); they also break ties. A library's name votes for nothing.
3. **Resolution** follows Python: the importing file's own root first, then every other root; a regular
   package or module shadows namespace portions of the same name, and a folder without ``__init__.py``
   whose name is a library's (``alembic/`` at the root) does not hide that library.
4. **Existence** counts every form Python imports: ``.py``, sourceless ``.pyc``, compiled extensions,
   packages and namespace folders - also under excluded or gitignored paths.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .config import Config
from .types import Module

ENTRY_POINTS = frozenset({"app.py", "main.py", "manage.py", "wsgi.py", "asgi.py", "__main__.py"})

# Libraries a project folder is often named after (``alembic/``, ``migrations/``...): a folder without
# ``__init__.py`` of that name does not hide the installed package (Python prefers regular packages).
KNOWN_LIBRARIES = frozenset(
    {
        "alembic", "sqlalchemy", "flask", "flask_sqlalchemy", "flask_migrate", "sqlmodel", "fastapi",
        "django", "pydantic", "celery", "pytest", "starlette", "werkzeug", "jinja2", "click", "typer",
    }
)

_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t(]+([\w, \t]*)|import[ \t]+([\w., \t]+))", re.M)

# Evidence is read from at most this many files per ambiguous directory, and this many in all.
EVIDENCE_PER_DIR = 40
EVIDENCE_TOTAL = 4000


@dataclass(frozen=True)
class Root:
    """An import root: a directory on ``sys.path`` when the project runs."""

    path: str
    reason: str  # where it comes from, for --show-settings
    # "explicit" (configuration: modelreg's, packaging, pytest, Alembic), "package" (above a package's
    # topmost __init__.py), "implicit" (the project directory, src/), "entry" (an entry point's directory,
    # used only where the project's imports resolve there)
    kind: str

    @property
    def declared(self) -> bool:
        return self.kind != "entry"


# -- 1. roots ---------------------------------------------------------------------------------------


def infer_roots(config: Config, paths: Sequence[str], shared_only: bool = False, dirs: Optional[List[str]] = None) -> List[Root]:
    """The project's import roots, declared ones first, each once. ``shared_only``: only the roots every
    module sees (explicit and implicit), without walking the file list for packages and entry points."""
    root = config.root
    found: Dict[str, Root] = {}

    def add(path: str, reason: str, kind: str) -> None:
        path = os.path.normpath(path)
        known = found.get(path)
        if known is None and os.path.isdir(path):
            found[path] = Root(path, reason, kind)
        elif known is not None and known.kind in ("package", "entry") and kind in ("explicit", "implicit"):
            found[path] = Root(path, reason, kind)  # src/ is a package's root and every module's too

    for r in config.roots:
        add(os.path.join(root, r), "roots in [tool.modelreg]", "explicit")
    declared = _packaging_roots(root) + _pytest_roots(root) + _alembic_roots(root, paths) + _deploy_roots(root)
    for path, reason in declared:
        add(path, reason, "explicit")
    src = os.path.join(root, "src")
    if shared_only:
        if os.path.isdir(src) and any(p.startswith(src + os.sep) for p in paths):
            add(src, "src layout", "implicit")
        add(root, "project directory", "implicit")
        return list(found.values())
    dirs = _dirs(paths) if dirs is None else dirs
    tops: Dict[str, Optional[str]] = {}
    for d in dirs:
        top = _chain_top(d, tops)
        if top is not None:
            add(top, "above the topmost __init__.py of a package", "package")
    if os.path.isdir(src) and any(d == src or d.startswith(src + os.sep) for d in dirs):
        add(src, "src layout", "implicit")
    add(root, "project directory", "implicit")
    sep = os.sep
    for p in sorted(paths):
        name = p[p.rfind(sep) + 1 :]
        if name in ENTRY_POINTS:
            add(os.path.dirname(p), f"directory of the entry point {name}", "entry")
    return list(found.values())


def _chain_top(directory: str, memo: Dict[str, Optional[str]]) -> Optional[str]:
    """The directory above the topmost consecutive ``__init__.py`` directory ending at `directory`
    (None when `directory` has no ``__init__.py``)."""
    if directory in memo:
        return memo[directory]
    top = None
    if os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        top = parent if parent == directory else (_chain_top(parent, memo) or parent)
    memo[directory] = top
    return top


def _regular(path: str) -> bool:
    """Whether `path` (without extension) is a regular module or package: what shadows a library."""
    return os.path.isfile(path + ".py") or os.path.isfile(os.path.join(path, "__init__.py"))


def _read_toml(path: str) -> dict:
    try:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - 3.9/3.10
            import tomli as tomllib
        with open(path, "rb") as f:
            return tomllib.load(f)
    except Exception:  # a broken pyproject is config's business, not the import model's
        return {}


def _packaging_roots(root: str) -> List[Tuple[str, str]]:
    data = _read_toml(os.path.join(root, "pyproject.toml"))
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    out: List[Tuple[str, str]] = []
    st = tool.get("setuptools", {})
    if isinstance(st, dict):
        pkg_dir = st.get("package-dir")
        if isinstance(pkg_dir, dict) and isinstance(pkg_dir.get(""), str):
            out.append((os.path.join(root, pkg_dir[""]), "setuptools package-dir"))
        find = st.get("packages", {})
        if isinstance(find, dict) and isinstance(find.get("find"), dict):
            for w in find["find"].get("where", []) or []:
                if isinstance(w, str):
                    out.append((os.path.join(root, w), "setuptools packages.find.where"))
    poetry = tool.get("poetry", {})
    if isinstance(poetry, dict):
        for p in poetry.get("packages", []) or []:
            if isinstance(p, dict) and isinstance(p.get("from"), str):
                out.append((os.path.join(root, p["from"]), "poetry packages.from"))
    hatch = tool.get("hatch", {})
    wheel = hatch.get("build", {}).get("targets", {}).get("wheel", {}) if isinstance(hatch, dict) else {}
    if isinstance(wheel, dict):
        for p in wheel.get("packages", []) or []:
            if isinstance(p, str):
                out.append((os.path.join(root, os.path.dirname(p.rstrip("/"))), "hatch wheel packages"))
    scripts = {}
    project = data.get("project", {})
    if isinstance(project, dict):
        for key in ("scripts", "gui-scripts"):
            if isinstance(project.get(key), dict):
                scripts.update(project[key])
    if isinstance(poetry, dict) and isinstance(poetry.get("scripts"), dict):
        scripts.update({k: v for k, v in poetry["scripts"].items() if isinstance(v, str)})
    try:
        subdirs = sorted(e.path for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    except OSError:
        subdirs = []
    bases = [p for p, _ in out] + [os.path.join(root, "src"), root] + subdirs
    for name, target in sorted(scripts.items()):
        module = target.partition(":")[0].strip() if isinstance(target, str) else ""
        rel = module.replace(".", os.sep)
        for base in bases:
            if module and (os.path.isfile(os.path.join(base, rel + ".py")) or os.path.isdir(os.path.join(base, rel))):
                out.append((base, f"console script {name} = {target}"))
                break
    return out


def _pytest_roots(root: str) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    data = _read_toml(os.path.join(root, "pyproject.toml"))
    opts = data.get("tool", {}).get("pytest", {}).get("ini_options", {}) if isinstance(data.get("tool"), dict) else {}
    value = opts.get("pythonpath") if isinstance(opts, dict) else None
    if isinstance(value, str):
        value = value.split()
    for p in value or []:
        if isinstance(p, str):
            out.append((os.path.join(root, p), "pytest pythonpath"))
    for name, section in (("pytest.ini", "pytest"), ("setup.cfg", "tool:pytest"), ("tox.ini", "pytest")):
        parser = _ini(os.path.join(root, name))
        if parser is not None and parser.has_option(section, "pythonpath"):
            for p in parser.get(section, "pythonpath").split():
                out.append((os.path.join(root, p), "pytest pythonpath"))
    return out


_PROCFILE_DIR = re.compile(r"(?:\bcd\s+([\w./-]+)\s*&&|--chdir[= ]([\w./-]+)|--app-dir[= ]([\w./-]+))")
_DOCKER_WORKDIR = re.compile(r"^\s*WORKDIR\s+(\S+)", re.M | re.I)
_DOCKER_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*(\S+)\s+(\S+)\s*$", re.M | re.I)


def _deploy_roots(root: str) -> List[Tuple[str, str]]:
    """Working directories of the deployed app: a Procfile's ``cd backend &&`` / ``--chdir`` /
    ``--app-dir``, a Dockerfile's project folder copied to its WORKDIR."""
    out: List[Tuple[str, str]] = []
    text = _read_text(os.path.join(root, "Procfile"))
    for m in _PROCFILE_DIR.finditer(text):
        d = next(g for g in m.groups() if g)
        out.append((os.path.join(root, d), "Procfile working directory"))
    for name in ("Dockerfile", os.path.join("backend", "Dockerfile")):
        text = _read_text(os.path.join(root, name))
        workdirs = [w.rstrip("/") for w in _DOCKER_WORKDIR.findall(text)]
        for src, dest in _DOCKER_COPY.findall(text):
            if dest.rstrip("/") in workdirs and src not in (".", "./") and not src.startswith(("http", "$")):
                base = os.path.dirname(os.path.join(root, name))
                out.append((os.path.join(base, src), f"{name}: copied to its WORKDIR"))
    return out


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(1 << 16)
    except OSError:
        return ""


def _ini(path: str) -> Optional[configparser.ConfigParser]:
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    return parser


def _alembic_roots(root: str, paths: Iterable[str]) -> List[Tuple[str, str]]:
    """``prepend_sys_path`` of the project's alembic.ini files (the project root's, and one beside each
    directory that holds an env.py)."""
    inis = [os.path.join(root, "alembic.ini")]
    tail = os.sep + "env.py"
    for p in paths:
        if p.endswith(tail):
            d = os.path.dirname(p)
            inis += [os.path.join(d, "alembic.ini"), os.path.join(os.path.dirname(d), "alembic.ini")]
    out: List[Tuple[str, str]] = []
    for ini in dict.fromkeys(inis):
        parser = _ini(ini)
        if parser is None or not parser.has_option("alembic", "prepend_sys_path"):
            continue
        raw = parser.get("alembic", "prepend_sys_path")
        sep = parser.get("alembic", "path_separator", fallback="os")
        here = os.path.dirname(ini)
        raw = raw.replace("%(here)s", here)
        parts = raw.split(os.pathsep if sep == "os" else {"space": " ", "newline": "\n"}.get(sep, sep))
        if sep == "os" and len(parts) == 1:
            parts = re.split(r"[ ,]+", raw)  # Alembic's legacy separators
        for part in parts:
            if part.strip():
                out.append((os.path.join(here, part.strip()), f"prepend_sys_path in {os.path.relpath(ini, root)}"))
    return out


# -- 2. names -----------------------------------------------------------------------------------------


def _parts(directory: str, root: str) -> Optional[Tuple[str, ...]]:
    """The package name parts of `directory` under `root`, or None when it is not under it."""
    if directory == root:
        return ()
    prefix = root.rstrip(os.sep) + os.sep
    if not directory.startswith(prefix):
        return None
    return tuple(directory[len(prefix):].split(os.sep))


def _dirs(paths: Iterable[str]) -> List[str]:
    sep = os.sep
    return sorted({p[: p.rfind(sep)] or sep for p in paths})


def import_lines(data: bytes) -> List[str]:
    """The absolute module names a file's import lines name (a textual read: evidence, not facts).
    ``from a.b import c`` names ``a.b`` and, in case ``c`` is a submodule, ``a.b.c``."""
    return [name for name, _ in import_lines_at(data)]


def import_lines_at(data: bytes) -> List[Tuple[str, int]]:
    """:func:`import_lines` with the line of each name (for --show-settings' examples)."""
    out: List[Tuple[str, int]] = []
    line, pos = 1, 0
    for m in _IMPORT_LINE.finditer(data):
        line += data.count(b"\n", pos, m.start())  # (a match never spans lines)
        pos, at = m.start(), line
        if m.group(1) is not None:
            base = m.group(1).decode("ascii", "replace")
            out.append((base, at))
            for alias in m.group(2).decode("ascii", "replace").split(","):
                words = alias.split()
                if words and words[0].isidentifier():
                    out.append((base + "." + words[0], at))
        else:
            for alias in m.group(3).decode("ascii", "replace").split(","):
                words = alias.split()
                if words:
                    out.append((words[0], at))
    return out


class Naming:
    """Which root each directory is imported from (rule 2), decided once for a file list."""

    def __init__(self, config: Config, paths: Sequence[str], read: Optional[Callable[[str], Optional[bytes]]] = None):
        self.config = config
        dirs = _dirs(paths)
        self.roots = infer_roots(config, paths, dirs=dirs)
        self.declared = [r.path for r in self.roots if r.declared]
        self._configured = [os.path.normpath(os.path.join(config.root, r)) for r in config.roots]
        self.all_roots = [r.path for r in self.roots]
        self.evidence_files: List[str] = []
        self._decided: Dict[str, Optional[str]] = {}
        self._tops: Dict[str, Optional[str]] = {}
        self._dir_info: Dict[str, Tuple[str, Tuple[str, ...], bool]] = {}
        self._votes: Dict[str, Counter] = {}
        self._examples: Dict[Tuple[str, str], Tuple[str, int]] = {}
        # a directory more than one root contains: the project's imports decide its root, whatever the
        # weaker evidence (packaging, pytest, Alembic, Dockerfiles, __init__.py placement) says
        ambiguous = [d for d in dirs if sum(1 for r in self.all_roots if _parts(d, r) is not None) > 1]
        # folders outside every package (no __init__.py in them or above them): their own imports say
        # where they run from (a course's chapter folders in one repository, a scripts folder)
        roots = set(self.all_roots)
        loose = [
            d
            for d in dirs
            if d not in roots
            and not os.path.isfile(os.path.join(d, "__init__.py"))
            and not os.path.isfile(os.path.join(os.path.dirname(d), "__init__.py"))
        ]
        wanted = set(ambiguous) | set(loose)
        if wanted:
            if read is None:
                from .store import read_bytes as read
            self._collect(wanted, paths, read)

    def _collect(self, wanted: Set[str], paths: Sequence[str], read) -> None:
        """Votes of the project's absolute imports: (directory they resolve into, root). An import that
        resolves under no root but under a folder above the importing file makes that folder a root."""
        per_dir: Counter = Counter()
        for p in paths:
            d = os.path.dirname(p)
            if d in wanted and per_dir[d] < EVIDENCE_PER_DIR and len(self.evidence_files) < EVIDENCE_TOTAL:
                per_dir[d] += 1
                self.evidence_files.append(p)
        exists_memo: Dict[Tuple[str, str], bool] = {}
        listings: Dict[str, Optional[Set[str]]] = {}

        def exists(base: str, rel: str) -> bool:
            """Whether base/rel is a module or a package directory (``rel``: a dotted name's path)."""
            found = exists_memo.get((base, rel))
            if found is None:
                # most names tried do not start under `base` at all (another package's, a library's):
                # one listing of `base` says so, where stat-ing each path would take two calls
                names = listings.get(base, False)
                if names is False:
                    try:
                        names = listings[base] = {n.lower() for n in os.listdir(base)}
                    except OSError:
                        names = listings[base] = None
                first = rel.split(os.sep, 1)[0]
                if names is not None and first.isascii() and first.lower() not in names and (first + ".py").lower() not in names:
                    found = False  # (lower case: a case-insensitive file system finds no other spelling either)
                else:
                    path = os.path.join(base, rel)
                    found = os.path.isfile(path + ".py") or os.path.isdir(path)
                exists_memo[(base, rel)] = found
            return found

        names_of = []
        lines_of: Dict[str, Dict[str, int]] = {}
        for p in self.evidence_files:
            data = read(p)
            found = lines_of[p] = {}
            for name, line in import_lines_at(data) if data else ():
                found.setdefault(name, line)
            names_of.append((p, list(found)))
        top = self.config.root
        shared = [r.path for r in self.roots if r.kind in ("explicit", "implicit")]
        for p, names in names_of:  # pass 1: folders the imports show to be roots
            # the roots this file can see: those every module sees, and those above it
            seen = shared + [r for r in self.all_roots if _parts(os.path.dirname(p), r) is not None]
            for name in names:
                rel = name.replace(".", os.sep)
                if "." not in name or any(exists(r, rel) for r in seen):
                    continue
                first = name.partition(".")[0]
                if first in getattr(sys, "stdlib_module_names", ()) or first in KNOWN_LIBRARIES:
                    continue
                d = os.path.dirname(os.path.dirname(p))
                while d.startswith(top) and not exists(d, rel):
                    parent = os.path.dirname(d)
                    d = parent if parent != d else top + os.sep  # (ends the loop)
                if d.startswith(top) and exists(d, rel):
                    if d not in self.all_roots:
                        why = f"the project's imports resolve there (`{name}` in {os.path.relpath(p, top)})"
                        self.roots.append(Root(d, why, "entry"))
                        self.all_roots.append(d)
                    if d not in seen:
                        seen.append(d)
        # pass 2: votes. What a name votes for depends on the name alone (and the roots, settled by
        # pass 1): worked out once per name, counted per import, in the same order
        votes_of: Dict[str, List[Tuple[str, str]]] = {}
        nested = {r for r in self.all_roots if any(o != r and _parts(r, o) is not None for o in self.all_roots)}
        for p, names in names_of:
            for name in names:
                found = votes_of.get(name)
                if found is None:
                    found = votes_of[name] = self._votes_of(name, exists, nested)
                for d, r in found:
                    self._votes.setdefault(d, Counter())[r] += 1
                    self._examples.setdefault((d, r), (p, lines_of[p][name]))

    def _votes_of(self, name: str, exists, nested: Set[str]) -> List[Tuple[str, str]]:
        """(directory, root) of each vote an import of ``name`` casts: the directory the name lands in
        and each package above it, up to the root; and, for a root inside another root, the root's own
        folder (a name that starts there says the folder is on sys.path, not a package of the outer one)."""
        out = []
        rel = name.replace(".", os.sep)
        first = name.partition(".")[0]
        if first in KNOWN_LIBRARIES:
            # `from alembic import context` in env.py names the library that runs it, even beside a
            # project folder `alembic/` (with or without __init__.py): it says nothing of that folder
            return out
        stdlib = first in getattr(sys, "stdlib_module_names", ())
        for r in self.all_roots:
            if not exists(r, rel):
                continue
            target = os.path.join(r, rel)
            if stdlib and not _regular(os.path.join(r, first)):
                continue  # a folder without __init__.py does not hide a standard module
            d = target if os.path.isdir(target) else os.path.dirname(target)
            while d != r and d.startswith(r):
                out.append((d, r))
                d = os.path.dirname(d)
            if r in nested:
                out.append((r, r))
        return out

    def explain(self) -> Dict[str, dict]:
        """Per root whose name the imports chose for some directory: how many imports voted for it (and
        one ``file:line``), and the weaker evidence it overruled (the root a directory would have had
        without them). For --show-settings."""
        top = self.config.root
        out: Dict[str, dict] = {}
        for d, votes in sorted(self._votes.items()):
            chosen = self.root_of(d)
            if chosen is None or chosen not in votes:
                continue
            row = out.setdefault(chosen, {"votes": 0, "example": None, "overrules": []})
            row["votes"] += votes[chosen]
            if row["example"] is None:
                p, line = self._examples[(d, chosen)]
                row["example"] = f"{os.path.relpath(p, top)}:{line}"
            weaker = self.default_root(d)
            if weaker is not None and weaker != chosen:
                row.setdefault("_over", {}).setdefault(weaker, []).append(os.path.relpath(d, top))
        for row in out.values():
            for weaker, folders in row.pop("_over", {}).items():
                reason = next((r.reason for r in self.roots if r.path == weaker), "")
                more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
                row["overrules"].append(f"{os.path.relpath(weaker, top)} ({reason}) for {', '.join(folders[:3])}{more}")
        return out

    def root_of(self, directory: str) -> Optional[str]:
        """The root `directory` is imported from."""
        if directory in self._decided:
            return self._decided[directory]
        self._decided[directory] = None  # cycle guard
        chosen = None
        configured = [r for r in self._configured if _parts(directory, r) is not None]
        if configured:  # `roots` in [tool.modelreg] override everything else
            chosen = max(configured, key=len)
            self._decided[directory] = chosen
            return chosen
        votes = self._votes.get(directory)
        if votes:
            best = max(votes.values())
            winners = [r for r, n in votes.items() if n == best]
            chosen = max(winners, key=lambda r: (r in self.declared, len(r)))
        else:
            parent = os.path.dirname(directory)
            if parent != directory and self._has_votes_above(parent):
                inherited = self.root_of(parent)
                if inherited is not None and _parts(directory, inherited) is not None:
                    chosen = inherited
            if chosen is None:
                chosen = self.default_root(directory)
        self._decided[directory] = chosen
        return chosen

    def default_root(self, directory: str) -> Optional[str]:
        """The root of a directory no import speaks for: the deepest explicit root holding it, else the
        root above its package's topmost __init__.py, else the deepest implicit root (src/, the project)."""
        return default_root(self.roots, directory, self._tops)

    def _has_votes_above(self, directory: str) -> bool:
        d = directory
        while True:
            if d in self._votes:
                return True
            parent = os.path.dirname(d)
            if parent == d:
                return False
            d = parent

    def module(self, path: str) -> Optional[Module]:
        """The module a file is imported as; None when its path is no valid module name."""
        cut = path.rfind(os.sep)
        directory = path[:cut] or os.sep
        info = self._dir_info.get(directory)
        if info is None:
            root = self.root_of(directory)
            parts = _parts(directory, root) if root is not None else None
            if parts is None:
                root, parts = directory, ()
            info = self._dir_info[directory] = (root, parts, all(p.isidentifier() for p in parts))
        root, parts, valid = info
        stem = path[cut + 1 : -3]
        is_package = stem == "__init__"
        if not valid or not path.endswith(".py") or not (is_package or stem.isidentifier()) or (is_package and not parts):
            return None
        return Module(path, ".".join(parts + (() if is_package else (stem,))), root, is_package)


def default_root(roots: Sequence[Root], directory: str, memo: Dict[str, Optional[str]]) -> Optional[str]:
    """See :meth:`Naming.default_root`."""

    def deepest(kind: str) -> Optional[str]:
        containing = [r.path for r in roots if r.kind == kind and _parts(directory, r.path) is not None]
        return max(containing, key=len) if containing else None

    found = deepest("explicit")
    if found is not None:
        return found
    d = directory
    while True:  # the nearest package around it (a folder without __init__.py inside one is its subpackage)
        top = _chain_top(d, memo)
        if top is not None:
            return top
        parent = os.path.dirname(d)
        if parent == d or not os.path.isfile(os.path.join(parent, "__init__.py")):
            break
        d = parent
    return deepest("implicit")


def make_module(path: str, root: Optional[str]) -> Optional[Module]:
    """The module `path` is under `root`; None when that is no valid module name."""
    directory, filename = os.path.split(path)
    if not filename.endswith(".py"):
        return None
    parts = _parts(directory, root) if root is not None else None
    if parts is None:
        root, parts = directory, ()
    stem = filename[:-3]
    is_package = stem == "__init__"
    if not all(p.isidentifier() for p in parts) or not (is_package or stem.isidentifier()):
        return None
    if is_package and not parts:
        return None
    return Module(path, ".".join(parts + (() if is_package else (stem,))), root, is_package)


def name_modules(paths: Sequence[str], config: Config, read=None) -> Tuple[List[Module], List[str], Naming]:
    """(modules, paths that are no importable module, the naming used)."""
    naming = Naming(config, paths, read)
    mods: List[Module] = []
    others: List[str] = []
    for p in paths:
        m = naming.module(p)
        if m is None:
            others.append(p)
        else:
            mods.append(m)
    return mods, others, naming


# -- 3. and 4. resolution and existence -----------------------------------------------------------------


def _external(top: str, project_root: str) -> bool:
    """Whether a top-level name is a library's (a folder of that name without __init__.py does not hide it)."""
    if top in KNOWN_LIBRARIES or top in getattr(sys, "stdlib_module_names", ()) or top in sys.builtin_module_names:
        return True
    try:
        import importlib.util

        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError, AttributeError):
        return False
    origin = getattr(spec, "origin", None) if spec is not None else None
    return bool(origin) and origin not in ("namespace", "built-in", None) and not origin.startswith(project_root + os.sep)


class ModuleGraph:
    """The project's modules by root and name, and what an import finds from a given module."""

    def __init__(self, config: Config, modules: Sequence[Module], roots: Optional[Sequence[Root]] = None):
        self.config = config
        self.modules = list(modules)
        self.roots = list(roots) if roots is not None else infer_roots(config, [m.path for m in modules], shared_only=True)
        self.by_root: Dict[str, Dict[str, Module]] = {}
        for m in self.modules:
            self.by_root.setdefault(m.root, {})[m.name] = m
        self.by_path = {m.path: m for m in self.modules}
        # top-level names per root: True for a regular package/module, False for a namespace portion
        self.tops: Dict[str, Dict[str, bool]] = {}
        for r, table in self.by_root.items():
            tops = self.tops[r] = {}
            for name, m in table.items():
                top = name.partition(".")[0]
                if name == top:
                    tops[top] = True
                else:
                    tops.setdefault(top, False)
        self._external: Dict[str, bool] = {}
        for r, tops in self.tops.items():
            for top, regular in list(tops.items()):
                if not regular and not any(self.tops[o].get(top) for o in self.tops) and self._is_external(top):
                    del tops[top]  # `alembic/env.py` does not hide the alembic package
        self.all_tops: Set[str] = set().union(*(set(t) for t in self.tops.values())) if self.tops else set()
        # every module sees these roots (configuration, packaging, the project directory, src/)
        self.shared_roots: List[str] = [r.path for r in self.roots if r.kind in ("explicit", "implicit")]
        self._search_cache: Dict[str, List[str]] = {}
        self._find_cache: Dict[Tuple[str, str], Tuple[Optional[Module], bool]] = {}
        self._parents: Dict[str, List[Module]] = {}
        self._dir_roots: Optional[Dict[str, str]] = None

    def _is_external(self, top: str) -> bool:
        found = self._external.get(top)
        if found is None:
            found = self._external[top] = _external(top, self.config.root)
        return found

    def search_roots(self, module: Module) -> List[str]:
        """sys.path as seen from a module: its own import root first, then the roots every module sees
        (configured, packaging, pytest, Alembic, the project directory, src/), then the roots above its
        own. Another package's root beside it is not on it: sibling projects (a course's chapter folders)
        stay apart."""
        cached = self._search_cache.get(module.root)
        if cached is None:
            own = module.root
            above = [r for r in self.by_root if r != own and own.startswith(r.rstrip(os.sep) + os.sep)]
            cached = list(dict.fromkeys([own] + self.shared_roots + sorted(above, key=len, reverse=True)))
            self._search_cache[own] = cached
        return cached

    def find_module(self, name: str, near: Module) -> Tuple[Optional[Module], bool]:
        """The project module `name` imported from `near`, and whether `name` belongs to the project.

        A regular package or module of the top-level name ends the search at its root; namespace
        portions merge across roots, as in Python."""
        key = (near.root, name)
        found = self._find_cache.get(key)
        if found is None:
            found = (None, False)
            top = name.partition(".")[0]
            for root in self.search_roots(near):
                regular = self.tops.get(root, {}).get(top)
                if regular is None:
                    continue
                mod = self.by_root[root].get(name)
                if mod is not None or regular:
                    found = (mod, True)
                    break
                found = (None, True)
            self._find_cache[key] = found
        return found

    def is_project_name(self, name: str, near: Module) -> bool:
        """Whether an absolute import of `name` from `near` would find a project package."""
        return self.find_module(name.partition(".")[0], near)[1]

    def child(self, package: Module, leaf: str) -> Optional[Module]:
        if not package.is_package:
            return None
        return self.by_root.get(package.root, {}).get(package.name + "." + leaf)

    def submodules(self, package: Module, recursive: bool) -> List[Module]:
        if not package.is_package:
            return []
        prefix = package.name + "."
        out = [
            m
            for name, m in self.by_root.get(package.root, {}).items()
            if name.startswith(prefix) and (recursive or "." not in name[len(prefix):])
        ]
        return sorted(out, key=lambda m: m.name)

    def parents(self, module: Module) -> List[Module]:
        """The packages Python runs before the module itself (their __init__.py)."""
        found = self._parents.get(module.path)
        if found is None:
            table = self.by_root.get(module.root, {})
            parts = module.name.split(".")
            found = self._parents[module.path] = [
                table[p] for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in table
            ]
        return found

    @staticmethod
    def resolve_relative(module: Module, level: int, name: str) -> Optional[str]:
        """Absolute dotted name of a relative import target; None when it climbs out of the top package."""
        parts = module.package.split(".") if module.package else []
        if level - 1 >= len(parts):
            return None
        base = ".".join(parts[: len(parts) - (level - 1)])
        return base + "." + name if name else base

    def import_target(self, module: Module, stmt) -> Optional[str]:
        """Absolute name of the module a ``from`` statement imports from."""
        if stmt.level:
            return self.resolve_relative(module, stmt.level, stmt.module)
        return stmt.module

    def from_source(self, module: Module, stmt) -> Tuple[Optional[str], Optional[Module], bool]:
        """(absolute target name, its project module if any, whether the target belongs to the project)."""
        target = self.import_target(module, stmt)
        if target is None:
            return None, None, True
        mod, is_project = self.find_module(target, module)
        return target, mod, is_project or bool(stmt.level)

    def exists(self, name: str, near: Module) -> bool:
        """Whether Python would find module `name` from `near` in any form (see :meth:`form`)."""
        return self.form(name, near) is not None

    def form(self, name: str, near: Module) -> Optional[str]:
        """How module `name` exists for Python, seen from `near`, analyzed or not (excluded, gitignored):
        "source" (a .py file or a package), "namespace" (a folder), "sourceless" (a .pyc),
        "extension" (compiled: .so, .pyd), or None when it exists in no form."""
        rel = name.replace(".", os.sep)
        for root in self.search_roots(near):
            base = os.path.join(root, rel)
            if os.path.isfile(base + ".py") or os.path.isfile(os.path.join(base, "__init__.py")):
                return "source"
            if os.path.isdir(base):
                return "namespace"
            if os.path.isfile(base + ".pyc"):
                return "sourceless"
            directory, leaf = os.path.split(base)
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            prefix = leaf + "."
            if any(n.startswith(prefix) and n.endswith((".so", ".pyd")) for n in names):
                return "extension"  # app/fast.so, app/fast.cpython-311-x86_64-linux-gnu.so
        return None

    def name_for(self, path: str) -> Optional[Module]:
        """The module a file that does not exist yet would be (a registry --fix creates): under the root of
        the nearest directory above it that holds a module, else under the deepest declared root."""
        if self._dir_roots is None:
            self._dir_roots = {os.path.dirname(m.path): m.root for m in self.modules}
        directory = os.path.dirname(path)
        d = directory
        root = None
        while root is None:
            root = self._dir_roots.get(d)
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        if root is None or _parts(directory, root) is None:
            root = default_root(self.roots, directory, {})
        return make_module(path, root)
