"""Per-file facts for a run: from the cache when a file is unchanged, else read, scanned and parsed.

Cold runs read and scan every file (in a process pool when there are enough of
them); only files with a trigger word are parsed up front, the rest on demand:
when the resolver follows an import into them, or when the prefilter's set of
model-ish names says they may define a model.
"""

from __future__ import annotations

import marshal
import os
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from . import cache as cache_mod
from .cache import content_digest
from .index import LIBRARY_WORDS, facts_from_data, facts_to_data, index_source, scan
from .types import FileFacts, Module

# Full scans of every file's words for one prefilter fixpoint before the store indexes the words: most
# projects need two or three; a chain of models found one per round (a subclass of a subclass of ...
# across modules) would otherwise scan every file once per link.
INDEX_AFTER_SCANS = 4

# Below this many files to read, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 400
# parsing costs ~1-3 ms a file, reading and scanning ~25 µs: a fork pays for itself over fewer files
PREFETCH_THRESHOLD = 48


_O_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read(path: str) -> Tuple[Optional[bytes], Optional[FileFacts]]:
    """The file's bytes (plain os calls: half the cost of open() for ten thousand small files)."""
    try:
        fd = os.open(path, _O_READ)
        try:
            return _read_all(fd), None
        finally:
            os.close(fd)
    except OSError as exc:
        return None, FileFacts(error=(1, 0, f"cannot read file: {exc.strerror or exc}"))


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: str) -> Optional[bytes]:
    """A file's bytes, or None when it cannot be read."""
    data, _ = _read(path)
    return data


def stat_key(path: str) -> Tuple[int, int]:
    """(size, mtime_ns): what says a file is unchanged; (-1, -1) when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _work(job: tuple) -> List[tuple]:
    """Read, scan and (for trigger files, or every file in full mode) parse: plain data out, a row
    (path, stat key, trigger, words, facts, content digest) per file.

    job: (paths, triggers, full, parse, stat keys taken before, or None to stat here)."""
    paths, triggers, full, parse, keys = job
    out = []
    for i, path in enumerate(paths):
        key = keys[i] if keys is not None else stat_key(path)
        data, error = _read(path)
        if data is None:
            out.append((path, key, True, b"", _blob(error), b""))
            continue
        trig, tokens = scan(data, triggers)
        facts = _blob(index_source(data, fast=not full)) if parse and (trig or full) else None
        out.append((path, key, trig, tokens, facts, content_digest(data)))
    return out


def same_bytes(entries: Dict[str, tuple], paths: Sequence[str], keys: Sequence[tuple]) -> Dict[str, list]:
    """The entries of the files among `paths` whose stat key changed but whose bytes did not (their
    content digest is the entry's), under their new stat key `keys[i]` (taken before reading)."""
    out = {}
    for path, key in zip(paths, keys):
        entry = entries.get(path)
        if entry is None or not entry[4]:
            continue
        data = read_bytes(path)
        if data is not None and content_digest(data) == entry[4]:
            out[path] = [key] + list(entry[1:])
    return out


def _blob(facts: FileFacts) -> bytes:
    """A file's facts as stored: marshal bytes, decoded only when a run needs that file's facts."""
    return marshal.dumps(facts_to_data(facts))


def _single_threaded() -> bool:
    """Forking a process that runs other threads can leave a lock held forever in the child."""
    import sys

    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _forked(jobs: int, job: tuple, work=None) -> List[tuple]:
    """_work shared with `jobs - 1` forked children: each takes every jobs-th file (an even mix of
    cheap and expensive files), this process takes its own share meanwhile, then reads theirs.

    Cheaper than a process pool: no executor, no idle parent, one marshal blob per child. A child
    that fails (or cannot be started) leaves its share to this process."""
    paths, triggers, full, parse, keys = job
    work = work or _work

    def share(i: int) -> tuple:
        return (paths[i::jobs], triggers, full, parse, keys[i::jobs] if keys is not None else None)

    children = []  # (share index, pid, read end)
    for i in range(1, jobs):
        try:
            r, w = os.pipe()
        except OSError:
            break
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            break
        if pid == 0:  # the child: work, write, leave without running any of the parent's exit handlers
            code = 1
            try:
                os.close(r)
                blob = marshal.dumps(work(share(i)))
                view = memoryview(blob)
                while view:
                    view = view[os.write(w, view) :]
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        children.append((i, pid, r))
    taken = {0} | {i for i, _, _ in children}
    rows = work(share(0))
    for i in range(1, jobs):
        if i not in taken:
            rows.extend(work(share(i)))
    for i, pid, r in children:
        try:
            blob = _read_all(r)
        finally:
            os.close(r)
        _, status = os.waitpid(pid, 0)
        try:
            if status != 0:
                raise ValueError("the child failed")
            rows.extend(marshal.loads(blob))
        except (ValueError, EOFError, TypeError):
            rows.extend(work(share(i)))  # do its share here
    return rows


def _parse_work(job: tuple) -> List[tuple]:
    """(path, facts as stored) of each file, parsed as FactStore.facts parses it on demand."""
    paths, _, full, _, _ = job
    out = []
    for path in paths:
        data, error = _read(path)
        out.append((path, _blob(error if data is None else index_source(data, fast=not full))))
    return out


def _work_marshalled(job) -> bytes:
    """_work for a pool worker: marshal is much faster than pickle for this plain data."""
    return marshal.dumps(_work(job))


class FactStore:
    def __init__(
        self,
        modules: Sequence[Module],
        cache: Optional["cache_mod.IndexCache"] = None,
        full: bool = False,
        triggers: Sequence[str] = (),
        jobs: Optional[int] = None,
    ):
        self.modules = list(modules)
        self.cache = cache
        self.full = full
        self.triggers = tuple(t.encode() for t in triggers)
        self.jobs = jobs
        # path -> [stat key, trigger, words (space-separated bytes; None: no candidate under the cached names),
        #          facts (marshal bytes; None: not parsed)]
        self.entries: Dict[str, list] = {}
        self._facts: Dict[str, FileFacts] = {}
        self.dirty = False  # something to write back to the cache
        self.version = 0  # counts changes to the entries' words and triggers (forget, rescans)
        self._candidates: Dict[tuple, List[str]] = {}  # (names, version) -> candidates
        # the candidates of the last call, grown by more_candidates: (version, names, their words,
        # candidates, the same as a set); the scans of every file's words since the last candidates()
        self._grown: Optional[tuple] = None
        self._scans = 0
        self._unknown: Optional[tuple] = None  # (version, paths without words in the entries)
        self._word_index: Optional[tuple] = None  # (version, {word: [path]})
        # names under which a file without words (None) is known to be no candidate
        self.known_names: Set[str] = set(cache.names) if cache is not None else set()
        # before any file is read: entries read within the tick of their file's last change are
        # saved unverified (cache.racy)
        self.started_ns = cache_mod.now_ns()

    # -- loading ----------------------------------------------------------------------

    def prepare(self, stats: Optional[Dict[str, Tuple[int, int]]] = None) -> None:
        """Stat every file (unless ``stats`` has it); reuse cache entries of unchanged files; read and scan the others."""
        cached = self.cache.entries if self.cache is not None else {}
        stale = []
        keys = []
        for m in self.modules:
            key = stats[m.path] if stats is not None and m.path in stats else stat_key(m.path)
            entry = cached.get(m.path)
            if entry is not None and (entry[3] is not None or not (entry[1] or self.full)):
                if tuple(entry[0]) == key:
                    self.entries[m.path] = list(entry)
                    continue
            stale.append(m.path)
            keys.append(key)  # taken before reading: a file changed meanwhile is read again next run
        # a new stat key over the same bytes (a fresh checkout, a restored cache): the entry holds
        usable = {p: e for p, e in cached.items() if e[3] is not None or not (e[1] or self.full)}
        kept = same_bytes(usable, stale, keys)
        if kept:
            self.entries.update(kept)
            keys = [k for p, k in zip(stale, keys) if p not in kept]
            stale = [p for p in stale if p not in kept]
        for path, key, trig, tokens, facts, digest in self._run(stale, keys=keys):
            self.entries[path] = [key, trig, tokens, facts, digest]
        self.dirty = bool(stale) or bool(kept) or len(self.entries) != len(cached)

    def _run(self, paths: List[str], parse: bool = True, keys: Optional[List[tuple]] = None) -> Iterable[tuple]:
        jobs = self.jobs if self.jobs is not None else (os.cpu_count() or 1)
        if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
            return _work((paths, self.triggers, self.full, parse, keys))
        if hasattr(os, "fork") and _single_threaded():
            return _forked(jobs, (paths, self.triggers, self.full, parse, keys))
        chunk = max(50, len(paths) // (jobs * 8) + 1)
        batches = [
            (paths[i : i + chunk], self.triggers, self.full, parse, keys[i : i + chunk] if keys is not None else None)
            for i in range(0, len(paths), chunk)
        ]
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                return [row for blob in pool.map(_work_marshalled, batches) for row in marshal.loads(blob)]
        except (OSError, ImportError, RuntimeError):  # no processes here: do it in-process
            return _work((paths, self.triggers, self.full, parse, keys))

    def forget(self, path: str) -> None:
        """A file changed on disk: read and scan it again (its facts follow on demand)."""
        self._facts.pop(path, None)
        if path in self.entries or any(m.path == path for m in self.modules):
            for p, key, trig, tokens, facts, digest in _work(([path], self.triggers, self.full, True, None)):
                self.entries[p] = [key, trig, tokens, facts, digest]
            self.dirty = True
            self.version += 1

    def prefetch(self, modules: Sequence[Module]) -> None:
        """Parse, in forked children beside this process, the files of ``modules`` whose facts are
        still to be parsed (the candidates of a round of the prefilter's fixpoint): what ``facts``
        would parse one by one, the same facts. Few files, one core or threads: left to ``facts``."""
        todo = [
            m.path
            for m in modules
            if m.path not in self._facts and (entry := self.entries.get(m.path)) is not None and entry[3] is None
        ]
        jobs = self.jobs if self.jobs is not None else (os.cpu_count() or 1)
        if jobs <= 1 or len(todo) < PREFETCH_THRESHOLD or not hasattr(os, "fork") or not _single_threaded():
            return
        for path, blob in _forked(jobs, (todo, self.triggers, self.full, True, None), work=_parse_work):
            self.entries[path][3] = blob
        self.dirty = True

    # -- queries --------------------------------------------------------------------------

    def parsed(self) -> List[str]:
        """The files whose facts this run holds: parsed (now, or by the run that wrote the cache)
        because they may define a model or a registry's loading path reached them. Every other file
        was only read and scanned (its words), or its scan taken from the cache."""
        return [p for p, e in self.entries.items() if e[3] is not None]

    def facts(self, module: Module) -> FileFacts:
        path = module.path
        f = self._facts.get(path)
        if f is not None:
            return f
        entry = self.entries.get(path)
        if entry is not None and entry[3] is not None:
            try:
                f = facts_from_data(marshal.loads(entry[3]))
            except (TypeError, ValueError, IndexError, EOFError):  # a damaged cache entry: parse the file again
                entry[3] = None
        if entry is None or entry[3] is None:
            data, error = _read(path)
            f = error if data is None else index_source(data, fast=not self.full)
            if entry is None:
                digest = content_digest(data) if data is not None else b""
                entry = self.entries[path] = [stat_key(path), True, b"", None, digest]
                self.version += 1
            entry[3] = _blob(f)
            self.dirty = True
        self._facts[path] = f
        return f

    def candidates(self, names: Set[str]) -> List[str]:
        """Files that may define a model: a trigger word, or a token among the model-ish names.

        The cache keeps no tokens for the files that were no candidate under the names
        it was saved with (``tokens is None``): they cannot be one under fewer names. When
        the names grew beyond those, such files are read and scanned again."""
        self._learn(names)
        grown = self._grown
        if grown is not None and grown[0] == self.version and grown[1] == names:
            return grown[3]  # (the names the last calls grew to: the save at the end of a run)
        memo = (frozenset(names), self.version)
        found = self._candidates.get(memo)
        if found is None:
            # a file spelling a library name or a configured base's name has a trigger already
            words = {n.encode() for n in names} - LIBRARY_WORDS - set(self.triggers)
            found = self._scan_for(words, self.full)
            if len(self._candidates) > 8:
                self._candidates.clear()
            self._candidates[memo] = found
        self._grown = (self.version, set(names), {n.encode() for n in names}, list(found), set(found))
        self._scans = 1
        return found

    def more_candidates(self, names: Set[str], new: Set[str]) -> List[str]:
        """The files that are candidates under `names` and were not under `names - new`, the names of
        the last call (candidates or more_candidates): what the prefilter's fixpoint adds when the
        names grow - in time linear in what is new (after a few scans, through an index of the words)."""
        grown = self._grown
        if grown is None or grown[0] != self.version or len(grown[1]) + len(new) != len(names) or not new.isdisjoint(grown[1]):
            before = set(self.candidates(names - new))
            return [p for p in self.candidates(names) if p not in before]
        self._learn(new)
        if self.version != grown[0]:  # words read again for the new names: scan everything
            self._grown = None
            return [p for p in self.candidates(names) if p not in grown[4]]
        words = {n.encode() for n in new} - grown[2]
        grown[1].update(new)
        grown[2].update(words)
        words -= LIBRARY_WORDS | set(self.triggers)
        have = grown[4]
        if self._scans < INDEX_AFTER_SCANS:
            self._scans += 1
            added = [p for p in self._scan_for(words, False) if p not in have]
        else:
            added = [p for p in dict.fromkeys(self._spelling(words)) if p not in have]
        have.update(added)
        grown[3].extend(added)
        return added

    def _scan_for(self, words: Set[bytes], full: bool) -> List[str]:
        out = []
        for path, (_, trig, tokens, _facts, _digest) in self.entries.items():
            if full or trig or (words and tokens and not words.isdisjoint(tokens.split())):
                out.append(path)
        return out

    def _learn(self, names: Set[str]) -> None:
        """Make every file's words known under `names`: the files the cache kept no words for (no
        candidate under the names it was saved with) take them from the words file, or are read again."""
        saved = self.known_names
        if names <= saved:
            return
        last = self._unknown
        if last is not None and last[0] == self.version:
            unknown = [p for p in last[1] if self.entries[p][2] is None]
        else:
            unknown = [p for p, e in self.entries.items() if e[2] is None]
        pending = unknown
        changed = False
        if unknown and self.cache is not None:
            assigned = self.dirty
            self.dirty = False
            unknown = self._from_words_file(unknown, [n.encode() for n in names - saved])
            changed = self.dirty
            self.dirty = self.dirty or assigned
        for path, key, trig, tokens, facts, digest in self._run(unknown, parse=False):
            entry = self.entries[path]
            entry[0], entry[1], entry[2], entry[4] = key, trig, tokens, digest
            if facts is not None:
                entry[3] = facts
        if unknown:
            self.dirty = changed = True
        saved.update(names)  # every file's words are known under these now
        if changed:
            self.version += 1
        self._unknown = (self.version, [p for p in pending if self.entries[p][2] is None])

    def _spelling(self, words: Set[bytes]) -> List[str]:
        """The files whose words include one of `words` (an index of every file's words, built once
        per version of the entries)."""
        index = self._word_index
        if index is None or index[0] != self.version:
            table: Dict[bytes, List[str]] = {}
            for path, entry in self.entries.items():
                if entry[2]:
                    for word in set(entry[2].split()):
                        table.setdefault(word, []).append(path)
            index = self._word_index = (self.version, table)
        out: List[str] = []
        for word in words:
            out.extend(index[1].get(word, ()))
        return out

    def _from_words_file(self, unknown: List[str], new: List[bytes]) -> List[str]:
        """Files without words in the index take them from the words file; the ones it has no
        current words for are returned, to be read and scanned again."""
        side = self.cache.words()
        wanted = set(new)
        rescan = []
        for path in unknown:
            entry = self.entries[path]
            tokens = cache_mod.words_of(side.get(path), tuple(entry[0]))
            if tokens is None:
                rescan.append(path)
            elif any(n in tokens for n in new) and not wanted.isdisjoint(tokens.split()):
                entry[2] = tokens  # one of the new names is spelled there: a candidate now
                self.dirty = True
            # else: still no candidate, under the new names too - it keeps no words
        return rescan

    def save(self, names: Set[str]) -> None:
        """Write the cache back when something changed; files that are no candidate keep no tokens."""
        if self.cache is None or not (self.dirty or names != self.cache.names):
            return
        entries = {}
        fresh = {}  # words of files that are no candidate, known to this run
        # (the last candidates() call of an analysis asked for exactly these names: memoized)
        candidates = None if self.full else set(self.candidates(names))
        words = {n.encode() for n in names}
        for path, (key, trig, tokens, facts, digest) in self.entries.items():
            if tokens and (path not in candidates if candidates is not None else words.isdisjoint(tokens.split())):
                fresh[path] = (tuple(key), tokens)
                tokens = None
            entries[path] = (tuple(key), trig, tokens, facts, digest)
        self.cache.save(entries, names, self.started_ns)
        # the words file is rewritten (megabytes) when many files' words are new to it; a file
        # whose words it lacks is read again if ever the names grow
        others = sum(1 for e in entries.values() if e[2] is None)
        if fresh and len(fresh) >= min(100, max(1, others // 10)):
            self.cache.save_words(fresh, entries)


def unchanged(cache: "cache_mod.IndexCache", paths: Sequence[str], triggers: Sequence[bytes]) -> Optional[Dict[str, tuple]]:
    """Fresh cache entries for files whose bytes changed, when none of them changed anything a run
    reads from it: its trigger word, whether it is a candidate under the cached names, and its facts
    (when the last run read them). None as soon as one file did change something."""
    words = {n.encode() for n in cache.names}
    out = {}
    for path, key, trig, tokens, facts, digest in _work((paths, tuple(triggers), False, True, None)):
        old = cache.entries.get(path)
        if old is None or old[1] != trig:
            return None
        if tokens and words.isdisjoint(tokens.split()):
            tokens = None  # as save() keeps it: no candidate under the cached names
        if (old[2] is None) != (tokens is None):
            return None  # it became, or stopped being, a candidate
        if old[3] is None:
            if facts is not None:
                return None
        else:
            if facts is None:  # read by the last run (an import led there): compare its facts too
                data, error = _read(path)
                facts = _blob(error if data is None else index_source(data, fast=True))
            if facts != old[3]:
                return None
        out[path] = (key, trig, tokens, facts, digest)
    return out

