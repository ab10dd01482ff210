"""The on-disk index cache: ``.modelreg_cache/`` at the project root (``cache-dir`` in config, ``--no-cache``).

One ``marshal`` file of plain data (tuples, strings, numbers): loading it can
never run code, unlike pickle. Entries are keyed by path, size and mtime_ns;
the whole file by modelreg's version and the config that affects indexing. A
corrupt, truncated or foreign file is ignored (and rebuilt); it is written
atomically, so concurrent runs never leave a torn file - the last writer wins.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
from typing import Dict, Optional, Set

from . import __version__

FORMAT = 2
FILENAME = "index.marshal"
GITIGNORE = "# created by modelreg: the cache is never committed\n*\n"


class IndexCache:
    def __init__(self, directory: str, key: str):
        self.directory = directory
        self.key = key
        self.path = os.path.join(directory, FILENAME)
        self.entries: Dict[str, tuple] = {}
        self.names: Set[str] = set()
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as f:
                data = marshal.loads(f.read())
        except (OSError, EOFError, ValueError, TypeError):
            return
        if not (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and data.get("version") == __version__
            and data.get("key") == self.key
            and isinstance(data.get("files"), dict)
            and isinstance(data.get("names"), tuple)
        ):
            return  # foreign, older or from another config: rebuild
        files = data["files"]
        for path, entry in files.items():
            if not (isinstance(path, str) and isinstance(entry, tuple) and len(entry) == 4):
                return  # damaged: ignore the whole file
        self.entries = files
        self.names = set(data["names"])

    def save(self, entries: Dict[str, list], names: Set[str]) -> None:
        """Write atomically; a cache that cannot be written is simply not written."""
        data = {
            "format": FORMAT,
            "version": __version__,
            "key": self.key,
            "names": tuple(sorted(names)),
            "files": {p: (tuple(e[0]), e[1], e[2], e[3]) for p, e in entries.items()},
        }
        try:
            os.makedirs(self.directory, exist_ok=True)
            gi = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(gi):
                with open(gi, "w") as f:
                    f.write(GITIGNORE)
            fd, tmp = tempfile.mkstemp(prefix=".index-", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(marshal.dumps(data))
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass


def open_cache(root: str, cache_dir: Optional[str], key: str) -> IndexCache:
    directory = os.path.join(root, cache_dir) if cache_dir else os.path.join(root, ".modelreg_cache")
    return IndexCache(directory, key)


# -- the previous report, reused when nothing at all changed --------------------------------

RESULT = "result.marshal"


def fingerprint(cfg, scopes, stats, dirs) -> str:
    """Everything a report depends on: settings, PATHs, every file's size and mtime, and the
    directories' mtimes (a file appearing or vanishing anywhere, even an excluded one)."""
    import hashlib

    h = hashlib.sha256()
    h.update(repr((__version__, FORMAT, repr(cfg), sorted(scopes))).encode())
    for path in sorted(stats):
        size, mtime = stats[path]
        h.update(f"{path}\0{size}\0{mtime}\n".encode())
    extra = list(dirs) + [os.path.join(cfg.root, "alembic.ini")] + ([cfg.config_file] if cfg.config_file else [])
    for path in sorted(extra):
        try:
            st = os.stat(path)
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{path}\0-\n".encode())
    return h.hexdigest()


def _result_path(root: str, cache_dir) -> str:
    directory = os.path.join(root, cache_dir) if cache_dir else os.path.join(root, ".modelreg_cache")
    return os.path.join(directory, RESULT)


def load_result(root: str, cache_dir, fp: str):
    """(diagnostic tuples, files, models) of the previous report with this fingerprint, or None."""
    try:
        with open(_result_path(root, cache_dir), "rb") as f:
            data = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 4 and data[0] == fp):
        return None
    _, diagnostics, files, models = data
    if not (isinstance(diagnostics, tuple) and all(isinstance(d, tuple) and len(d) == 10 for d in diagnostics)):
        return None
    return diagnostics, files, models


def save_result(root: str, cache_dir, fp: str, diagnostics, files: int, models: int) -> None:
    rows = tuple(
        (d.code, d.message, d.path, d.line, d.column, d.end_line, d.end_column, d.model, d.registry, d.fixable)
        for d in diagnostics
    )
    path = _result_path(root, cache_dir)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".result-", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps((fp, rows, files, models)))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass
