"""The on-disk index cache: ``.modelreg_cache/`` at the project root (``cache-dir`` in config, ``--no-cache``).

One ``marshal`` file of plain data (tuples, strings, numbers): loading it can
never run code, unlike pickle. Entries are keyed by path, size and mtime_ns, and
hold the file's content digest: a file whose mtime changed over the same bytes (a
fresh checkout, `touch`, a cache restored in CI) keeps its entry;
the whole file by modelreg's version and the config that affects indexing. A
corrupt, truncated or foreign file is ignored (and rebuilt); it is written
atomically, so concurrent runs never leave a torn file - the last writer wins.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from typing import Dict, NamedTuple, Optional, Set

from . import __version__
from .config import ConfigError

FORMAT = 16  # 16: a file's words are those where a name can bind something model-ish (issue 28); 15: the literal start of an import_module name computed from it (DynamicImport.suffix), os.walk loops and literal name filters of file loops; 14: the calls made inside kept functions (function_calls), `__all__` from a folder listing, loaders (files, scan, entry_points); 13: each entry keeps its file's content digest (a new mtime over the same bytes keeps the entry); 12: tables an env.py's include_name/include_object leave out; 11: a class is model-like by its own statements, not its methods (and the skeleton keeps what a class body runs); 7: file-level `# modelreg: noqa`; 8: optional imports, model-like classes; 9: DEAD scopes and exec() dynamic imports; 10: facts of issue 13 (class declares/schema/metadata, hidden classes, returns)
FILENAME = "index.marshal"
DELTA = "index.delta.marshal"
WORDS = "words.marshal"
GITIGNORE = "# created by modelreg: the cache is never committed\n*\n"
GITIGNORE_MARK = "# created by modelreg"

# A stat key that matches no file: an entry read too close to a change of its file to be trusted
# (see `racy`); the next run reads the file again.
UNVERIFIED = (-2, -2)


def _utf8(text: str) -> bytes:
    """Text to hash: file names that are not valid UTF-8 (surrogate-escaped by the OS layer) included."""
    return text.encode("utf-8", "surrogatepass")


# -- "racily clean" entries (git's term) ----------------------------------------------------------
#
# A file's size and mtime_ns say it is unchanged only if a later edit would change them. Two edits
# of the same size within one tick of the filesystem's clock leave both equal: if modelreg read the
# file between the two, its entry would hide the second edit for as long as the file is not touched
# again. Such an entry is recognizable when it is stored: the file's mtime is not older, by at least
# one tick, than the moment the run started reading. It is stored as unverified and read again.

# The kernel stamps files from a clock that lags real time by up to a scheduler tick (10 ms at HZ=100).
CLOCK_LAG_NS = 20_000_000


def tick_of(mtime_ns: int) -> int:
    """The filesystem's timestamp granularity, as far as one mtime shows it: the largest power of ten
    (up to 2 s, FAT's) dividing it - a file system with 1 s timestamps never stores a fraction."""
    tick = 1
    while tick < 1_000_000_000 and mtime_ns % (tick * 10) == 0:
        tick *= 10
    return 2 * tick if tick == 1_000_000_000 else tick


def racy(key, started_ns: int) -> bool:
    """Whether an entry whose stat key is `key`, read after `started_ns`, may miss an edit that kept
    its size and mtime (the file was changed again within the tick it was read in)."""
    mtime = key[1]
    if mtime < 0:
        return False
    return mtime + tick_of(mtime) + CLOCK_LAG_NS > started_ns


def verified(entries: Dict[str, tuple], started_ns: Optional[int]) -> Dict[str, tuple]:
    """The entries, with the stat key of those read too close to a change of their file replaced by
    UNVERIFIED (their facts are kept: the next run compares against them)."""
    if started_ns is None:
        return entries
    out = entries
    for path, entry in entries.items():
        if racy(entry[0], started_ns):
            if out is entries:
                out = dict(entries)
            out[path] = (UNVERIFIED,) + tuple(entry[1:])
    return out


def now_ns() -> int:
    """The moment a run starts reading files (compared with the files' mtimes: see racy)."""
    return time.time_ns()


class IndexCache:
    """The index: a base file of every entry, plus a small delta file of what changed since.

    A run that changed a few files writes only the delta (kilobytes, not megabytes);
    when the delta grows past a fraction of the base, the base is rewritten."""

    def __init__(self, directory: str, key: str):
        self.directory = directory
        self.key = key
        self.path = os.path.join(directory, FILENAME)
        self.delta_path = os.path.join(directory, DELTA)
        self.entries: Dict[str, tuple] = {}
        self.names: Set[str] = set()
        self._base: Dict[str, tuple] = {}
        self._base_id: Optional[str] = None
        # what identifies these entries: the id of the file last loaded or written (None: nothing
        # stored, or a write failed - the entries on disk are not these)
        self.id: Optional[str] = None
        self._words: Optional[Dict[str, tuple]] = None
        self._load()

    def _read(self, path: str):
        data = _load_checked(path)
        if not (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and data.get("version") == __version__
            and data.get("key") == self.key
            and isinstance(data.get("id"), str)
            and isinstance(data.get("files"), dict)
            and isinstance(data.get("names"), tuple)
            and all(isinstance(p, str) and _valid_entry(e) for p, e in data["files"].items())
        ):
            return None  # foreign, older, from another config, or damaged: rebuild
        return data

    def _load(self) -> None:
        base = self._read(self.path)
        if base is None:
            return
        self._base, self._base_id = base["files"], base["id"]
        self.entries = dict(self._base)
        self.names = set(base["names"])
        self.id = self._base_id
        delta = self._read(self.delta_path)
        if delta is not None and delta.get("base") == self._base_id and isinstance(delta.get("removed"), tuple):
            self.entries.update(delta["files"])
            for path in delta["removed"]:
                self.entries.pop(path, None)
            self.names = set(delta["names"])
            if isinstance(delta.get("id"), str):
                self.id = delta["id"]

    def save(self, entries: Dict[str, tuple], names: Set[str], started_ns: Optional[int] = None) -> None:
        """Write atomically (a delta when little changed since the base); failures are not errors.

        started_ns: when the run started reading files; entries it may have read within the tick of
        their file's last change are stored unverified (see racy)."""
        entries = verified(entries, started_ns)
        changed = {p: e for p, e in entries.items() if self._base.get(p) != e}
        removed = tuple(p for p in self._base if p not in entries)
        common = {"format": FORMAT, "version": __version__, "key": self.key, "names": tuple(sorted(names))}
        new_id = os.urandom(8).hex()
        self.id = None
        try:
            _write_gitignore(self.directory)
            if self._base_id is not None and len(changed) + len(removed) <= max(50, len(self._base) // 20):
                delta = dict(common, id=new_id, base=self._base_id, files=changed, removed=removed)
                _atomic_write(self.directory, self.delta_path, _dump_checked(delta))
            else:
                base = dict(common, id=new_id, files=entries)
                with contextlib.suppress(OSError):
                    os.unlink(self.delta_path)  # first: a delta must never apply to the wrong base
                _atomic_write(self.directory, self.path, _dump_checked(base))
                self._base, self._base_id = dict(entries), new_id
        except OSError:
            return
        self.entries, self.names, self.id = dict(entries), set(names), new_id


    # -- the words of the files that are no candidate: read only when the model-ish names grow --

    def words(self) -> Dict[str, tuple]:
        """path -> (stat key, words) of files that were no candidate when they were written."""
        if self._words is None:
            data = _load_checked(os.path.join(self.directory, WORDS))
            valid = (
                isinstance(data, dict)
                and data.get("format") == FORMAT
                and data.get("version") == __version__
                and data.get("key") == self.key
                and isinstance(data.get("files"), dict)
            )
            self._words = data["files"] if valid else {}
        return self._words

    def save_words(self, fresh: Dict[str, tuple], keep) -> None:
        """Merge `fresh` into the words file, dropping files no longer in `keep`; failures are not errors."""
        files = {p: w for p, w in self.words().items() if p in keep}
        files.update(fresh)
        self._words = files
        data = {"format": FORMAT, "version": __version__, "key": self.key, "files": files}
        try:
            _atomic_write(self.directory, os.path.join(self.directory, WORDS), _dump_checked(data))
        except OSError:
            pass


def words_of(entry, key) -> Optional[bytes]:
    """The words of a words-file entry, when it is well formed and for this stat key."""
    if type(entry) is tuple and len(entry) == 2 and type(entry[1]) is bytes and type(entry[0]) is tuple:
        if entry[0] == key:
            return entry[1]
    return None


def _valid_entry(entry) -> bool:
    """The shape of an entry; facts that do not decode are re-parsed by the store."""
    return (
        type(entry) is tuple
        and len(entry) == 5
        and type(entry[0]) is tuple
        and type(entry[1]) is bool
        and (entry[2] is None or type(entry[2]) is bytes)
        and (entry[3] is None or type(entry[3]) is bytes)
        and type(entry[4]) is bytes
    )


def _dump_checked(data) -> bytes:
    """marshal data behind a SHA-256 of it: a damaged file is detected, not half-trusted."""
    import hashlib

    payload = marshal.dumps(data)
    return hashlib.sha256(payload).digest() + payload


def _load_checked(path: str):
    import hashlib

    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        return None
    digest, payload = blob[:32], blob[32:]
    if len(digest) != 32 or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def _atomic_write(directory: str, path: str, data: bytes) -> None:
    import tempfile  # imported when writing: a warm run writes nothing

    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cache_directory(root: str, cache_dir: Optional[str]) -> str:
    return os.path.normpath(os.path.join(root, cache_dir)) if cache_dir else os.path.join(root, ".modelreg_cache")


# what modelreg writes into its cache directory (besides its .gitignore and `.tmp-*` files being written)
OWN_FILES = frozenset(
    {FILENAME, DELTA, WORDS, "result.marshal", "project.marshal", "modules.marshal", "schema.marshal", "ignored.marshal"}
)


def _is_own_gitignore(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(GITIGNORE_MARK)) == GITIGNORE_MARK.encode()
    except OSError:
        return False


def foreign_entries(directory: str) -> list:
    """What a directory holds that modelreg did not write there (sorted); [] when it does not exist."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        return [os.path.basename(directory)]
    except OSError:
        return []  # unreadable: every write will fail too, and a cache that cannot be written is no error
    marked = _marked(directory, names)
    return sorted(n for n in names if not (n == ".gitignore" and marked) and not _written_by_modelreg(n, marked))


def _marked(directory: str, names) -> bool:
    """Whether the directory's .gitignore is the one modelreg writes (the directory is modelreg's)."""
    return ".gitignore" in names and _is_own_gitignore(os.path.join(directory, ".gitignore"))


def _written_by_modelreg(name: str, marked: bool) -> bool:
    """A file this version writes, one being written, or - in a directory modelreg's own .gitignore
    marks - a `.marshal` file another version of modelreg wrote (an older modelreg meeting a newer
    one's cache neither refuses the directory nor touches that file)."""
    return name in OWN_FILES or name.startswith(".tmp-") or (marked and name.endswith(".marshal"))


def claim(root: str, cache_dir: Optional[str]) -> str:
    """The cache directory, when it is modelreg's to write: missing (modelreg creates it), empty, or
    holding only what modelreg writes there. A directory holding anything else - the project root,
    a source folder - is refused (ConfigError): modelreg never overwrites a file it did not create."""
    directory = cache_directory(root, cache_dir)
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise ConfigError(f"cache-dir {cache_dir!r}: {directory} is a file, not a directory")
    foreign = foreign_entries(directory)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ConfigError(
            f"cache-dir {cache_dir or '.modelreg_cache'!r}: {directory} holds files modelreg did not create "
            f"({shown}); choose a directory of its own, e.g. \".modelreg_cache\""
        )
    return directory


def ensure_directory(root: str, cache_dir: Optional[str]) -> None:
    """Create the cache directory (with its .gitignore) up front, so that creating it later does
    not change the project root's mtime between two runs. Raises ConfigError for a directory that
    is not modelreg's (see claim)."""
    directory = claim(root, cache_dir)
    try:
        _write_gitignore(directory)
    except OSError:
        pass


def _write_gitignore(directory: str) -> None:
    """The cache directory ignores itself: written atomically, and again whenever it is not exactly
    ours - but never over a .gitignore modelreg did not write (then nothing is cached: OSError)."""
    os.makedirs(directory, exist_ok=True)
    gi = os.path.join(directory, ".gitignore")
    try:
        with open(gi, "rb") as f:
            if f.read() == GITIGNORE.encode():
                return
    except OSError:
        pass
    if os.path.lexists(gi) and not _is_own_gitignore(gi):
        raise PermissionError(f"{gi} was not written by modelreg")
    _atomic_write(directory, gi, GITIGNORE.encode())


def cache_key(cfg) -> str:
    """What, besides a file's bytes, its cached index depends on."""
    return "bases=" + ",".join(sorted(cfg.bases))


def open_index(cfg) -> IndexCache:
    """The index cache of the project ``cfg`` configures, for its settings."""
    return open_cache(cfg.root, cfg.cache_dir, cache_key(cfg))


def open_cache(root: str, cache_dir: Optional[str], key: str) -> IndexCache:
    """The index cache; ConfigError when the cache directory is not modelreg's (see claim)."""
    return IndexCache(claim(root, cache_dir), key)


# -- the previous report, reused when nothing changed that it depends on ----------------------

RESULT = "result.marshal"


def structure(cfg, scopes, files, dirs) -> str:
    """What a report depends on besides the files' contents: settings, PATHs, the file list, the
    directories' listings (a module or an Alembic script.py.mako appearing, even an excluded one),
    the packages above the root, alembic.ini and the config file."""
    import hashlib

    from .discover import import_root_of

    h = hashlib.sha256()
    # (module names also depend on the packages above the root: an __init__.py up there)
    h.update(_utf8(repr((__version__, FORMAT, repr(cfg), sorted(scopes), import_root_of(cfg.root)))))
    h.update(_utf8("\0".join(files)))
    for directory, names in sorted(dirs, key=lambda d: d[0]):
        h.update(_utf8(f"\n{directory}\0{names!r}"))
    for path in [os.path.join(cfg.root, "alembic.ini")] + ([cfg.config_file] if cfg.config_file else []):
        try:  # their bytes, not their mtimes: a fresh checkout leaves the structure as it was
            with open(path, "rb") as f:
                h.update(_utf8(f"\n{path}\0") + content_digest(f.read()))
        except OSError:
            h.update(_utf8(f"\n{path}\0-"))
    return h.hexdigest()


def fingerprint(struct: str, stats, started_ns: Optional[int] = None) -> str:
    """The structure plus every file's size and mtime: equal means nothing at all changed.

    With `started_ns` (when the run started reading), a file stat'ed too close to a change of it
    (see racy) makes the fingerprint one no later run matches: the next run compares the files."""
    import hashlib

    h = hashlib.sha256(struct.encode())
    for path in sorted(stats):
        size, mtime = stats[path]
        h.update(_utf8(f"{path}\0{size}\0{mtime}\n"))
    if started_ns is not None and any(racy(key, started_ns) for key in stats.values()):
        return "unverified:" + os.urandom(8).hex()
    return h.hexdigest()


def _result_path(root: str, cache_dir) -> str:
    return os.path.join(cache_directory(root, cache_dir), RESULT)


class StoredResult(NamedTuple):
    fingerprint: str
    structure: str
    index_id: Optional[str]  # the index entries the report was computed from
    diagnostics: tuple
    files: int
    models: int
    # path -> (size, mtime_ns, content digest) of the files the report was computed from: a new mtime
    # over the same bytes (a fresh checkout) still matches (see same_files)
    stamps: dict = {}


def content_digest(data: bytes) -> bytes:
    """What says a file's bytes are the ones a cache entry was made from, whatever its mtime: a fresh
    checkout (or `touch`) changes every mtime and no byte, and the cache still holds."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).digest()


def same_files(stored: StoredResult, stats: dict, read) -> Optional[dict]:
    """The stored report's stamps under the files' new stat keys, when every file whose stat key changed
    still has the bytes the report was computed from (`read(path)` gives them); None as soon as one does
    not, or when a file has no stamp."""
    stamps = stored.stamps
    out = {}
    for path, key in stats.items():
        stamp = stamps.get(path)
        if stamp is None:
            return None
        if (stamp[0], stamp[1]) != key:
            data = read(path)
            if data is None or content_digest(data) != stamp[2]:
                return None
        out[path] = (key[0], key[1], stamp[2])
    return out


def load_result(root: str, cache_dir) -> Optional[StoredResult]:
    """The previous report (diagnostics as tuples), or None."""
    data = _load_checked(_result_path(root, cache_dir))
    if not (type(data) is tuple and len(data) == 7):
        return None
    fp, struct, index_id, diagnostics, files, models, stamps = data
    if not (
        type(fp) is str
        and type(struct) is str
        and (index_id is None or type(index_id) is str)
        and type(diagnostics) is tuple
        and type(files) is int
        and type(models) is int
        and type(stamps) is dict
    ):
        return None
    if not all(type(d) is tuple and len(d) == 10 and _diagnostic_types(d) for d in diagnostics):
        return None
    if not all(type(s) is tuple and len(s) == 3 and type(s[2]) is bytes for s in stamps.values()):
        return None
    return StoredResult(fp, struct, index_id, diagnostics, files, models, stamps)


def _diagnostic_types(d: tuple) -> bool:
    code, message, path, line, column, end_line, end_column, model, registry, fixable = d
    return (
        all(type(x) is str for x in (code, message, path))
        and all(type(x) is int for x in (line, column, end_line, end_column))
        and all(x is None or type(x) is str for x in (model, registry))
        and type(fixable) is bool
    )


def save_result(root: str, cache_dir, result: StoredResult) -> None:
    path = _result_path(root, cache_dir)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _atomic_write(os.path.dirname(path), path, _dump_checked(tuple(result)))
    except OSError:
        pass


def diagnostic_rows(diagnostics) -> tuple:
    return tuple(
        (d.code, d.message, d.path, d.line, d.column, d.end_line, d.end_column, d.model, d.registry, d.fixable)
        for d in diagnostics
    )


# -- files of one kind, valid only for a key (a structure, a module list) ----------------------------


def _load_keyed(root: str, cache_dir, name: str, key: str) -> Optional[dict]:
    """A cache file written by _save_keyed for this modelreg, this format and this key, or None."""
    data = _load_checked(os.path.join(cache_directory(root, cache_dir), name))
    if isinstance(data, dict) and data.get("format") == FORMAT and data.get("version") == __version__:
        if data.get("key") == key:
            return data
    return None


def _save_keyed(root: str, cache_dir, name: str, key: str, **content) -> None:
    """Written atomically; failures (a full disk, something marshal cannot write) are not errors."""
    directory = cache_directory(root, cache_dir)
    try:
        os.makedirs(directory, exist_ok=True)
        data = dict(content, format=FORMAT, version=__version__, key=key)
        _atomic_write(directory, os.path.join(directory, name), _dump_checked(data))
    except (OSError, ValueError):
        pass


# the module names of a file list (the same structure, the same modules)
MODULES = "modules.marshal"


def load_modules(root: str, cache_dir, key: str) -> Optional[list]:
    """[(path, name, import root, is_package)] saved for this structure, or None."""
    data = _load_keyed(root, cache_dir, MODULES, key)
    modules = data.get("modules") if data is not None else None
    if type(modules) is tuple and all(
        type(m) is tuple and len(m) == 4 and all(type(x) is str for x in m[:3]) and type(m[3]) is bool
        for m in modules
    ):
        return list(modules)
    return None


def save_modules(root: str, cache_dir, key: str, modules) -> None:
    _save_keyed(root, cache_dir, MODULES, key, modules=tuple(tuple(m) for m in modules))


# the resolved project, taken over by the next analysis except what an edit touched
STATE = "project.marshal"


def load_state(root: str, cache_dir, key: str, modules_id: str) -> Optional[dict]:
    """The saved per-module results for exactly these modules and settings, or None."""
    data = _load_keyed(root, cache_dir, STATE, f"{key}\0{modules_id}")
    if data is not None and isinstance(data.get("facts"), dict) and isinstance(data.get("state"), dict):
        return data
    return None


def save_state(root: str, cache_dir, key: str, modules_id: str, facts: Dict[str, bytes], state: dict) -> None:
    """facts: path -> digest of the facts the results were computed from."""
    _save_keyed(root, cache_dir, STATE, f"{key}\0{modules_id}", facts=facts, state=state)


def discard(root: str, cache_dir) -> None:
    """Remove the cache files (not the directory): the next run rebuilds them."""
    directory = cache_directory(root, cache_dir)
    for name in (FILENAME, DELTA, WORDS, RESULT, STATE, MODULES, "schema.marshal"):  # (migration_check.FACTS_FILE)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))


# -- `modelreg clean` ---------------------------------------------------------------------------


def is_cache_directory(directory: str) -> bool:
    """A directory modelreg made: it holds modelreg's own .gitignore, byte for byte."""
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8") as f:
            return f.read() == GITIGNORE
    except (OSError, UnicodeDecodeError):
        return False


def find_cache_directories(top: str) -> list:
    """Every modelreg cache directory under ``top`` (``top`` itself included), sorted. Symlinked
    directories are not followed; a cache's own subdirectories are not searched."""
    found = []
    for directory, subdirs, _ in os.walk(top):
        if is_cache_directory(directory):
            found.append(directory)
            subdirs[:] = []
            continue
        subdirs[:] = [d for d in subdirs if d != ".git"]
    return sorted(found)


def remove_cache_directory(directory: str) -> list:
    """Delete the files modelreg writes there, then the directory when nothing else is left.
    Returns the names of anything else (left in place)."""
    names = os.listdir(directory)
    marked = _marked(directory, names)
    others = []
    for name in sorted(names):
        if _written_by_modelreg(name, marked):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
        elif name != ".gitignore":
            others.append(name)
    if not others:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(directory, ".gitignore"))
        os.rmdir(directory)
    return others
