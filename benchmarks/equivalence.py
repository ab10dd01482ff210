"""The fast path against a full parse, on real trees: every shortcut must change no result.

    python benchmarks/equivalence.py                 # every fetched tree of benchmarks/real.toml
    python benchmarks/equivalence.py --tree PATH     # any checkout (repeatable)

Per tree, it compares:

1. per file: the facts of the skeleton parse (what the index uses) with those of a full parse
   (``index_source(fast=True)`` against ``fast=False``), for every file modelreg analyzes, in LF and
   in CRLF;
2. per project: the diagnostics and the `modelreg models` inventory of a check through the prefilter
   (``use_cache=False``) with those of a check parsing every file (``full=True``), then of a cold
   check writing a cache, a second check reading it, and the stored report a third (warm) check
   reuses; and the console script cold, then warm (answered from the stored report before click is
   imported): the same output and exit code. The caches go to a temporary directory, except the
   console script's, a `.modelreg_cache` made in the checkout and removed (skipped where one exists).

Exit 0 when everything agrees, 1 with the differences listed. Notes are not differences: the
syntax errors only a full parse sees (inside function bodies; ``full=True`` reports every file's
error, the fast path those of the files it needs - README, MR100). `tests/test_equivalence.py` runs the
same machinery on a small real-shaped tree in CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

HERE = Path(__file__).resolve().parent


def outcome(report) -> Tuple[list, dict]:
    """Every diagnostic (code, path, line, column, model, registry, message) and the inventory."""
    from modelreg import api

    diagnostics = [(d.code, d.path, d.line, d.column, d.model, d.registry, d.message) for d in report.diagnostics]
    return diagnostics, (api.inventory(report) if report.analysis is not None else None)


def file_differences(root: str) -> Tuple[int, List[str]]:
    """(files compared, the files whose skeleton facts differ from a full parse's). A file only the
    full parse finds broken (a syntax error inside a function body, which the skeleton blanks) is
    the documented exception (README, MR100: the fast path parses a file completely before a
    verdict on its models): listed as a note, not a difference."""
    from modelreg import api, discover
    from modelreg.index import index_source

    cfg = api.load_config([root])
    differ = []
    files = [m.path for m in discover.modules(discover.walk(cfg), cfg)[0]]
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        for text, label in ((data, ""), (crlf, " (CRLF)")):
            if label and text == data:
                continue
            fast, full = index_source(text, fast=True), index_source(text, fast=False)
            if fast == full:
                continue
            if full.error is not None and fast.error is None:
                differ.append(f"note: {path}{label}: only a full parse sees its error ({full.error[2]}, line {full.error[0]})")
            else:
                changed = [f for f in fast.__dataclass_fields__ if getattr(fast, f) != getattr(full, f)]
                differ.append(f"{path}{label}: the skeleton's {', '.join(changed)} differ from a full parse's")
    return len(files), differ


def _run(root: str, *args: str, importtime: bool = False) -> Tuple[int, str, str, List[str]]:
    """`python -m modelreg ARGS` in ``root``: exit code, stdout, stderr, and the modules it imported."""
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", "modelreg", *args]
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    lines = proc.stderr.splitlines(keepends=True)
    imported = [ln.split("|")[-1].strip() for ln in lines if ln.startswith("import time:")]
    return proc.returncode, proc.stdout, "".join(ln for ln in lines if not ln.startswith("import time:")), imported


def project_differences(root: str) -> List[str]:
    """What differs between the full parse's results and those of each fast path."""
    import modelreg
    from modelreg import config

    differ = []
    full = outcome(modelreg.check([root], use_cache=False, full=True))
    fast = outcome(modelreg.check([root], use_cache=False))
    # `full=True` reports every file's syntax error; the fast path those of the files it needs (README, MR100)
    documented = [d for d in full[0] if d[0] == "MR100" and d not in fast[0]]
    differ += [f"note: MR100 only a full parse reports: {d[1]}:{d[2]}: {d[6]}" for d in documented]
    full = ([d for d in full[0] if d not in documented], full[1])
    if fast != full:
        differ.append("the prefilter's results differ from a full parse's")
    with tempfile.TemporaryDirectory(prefix="modelreg-equivalence-") as cache:
        options = config.CommandLine(cache_dir=cache)
        for label in ("a cold run writing the cache", "a run reading the cache"):
            if outcome(modelreg.check([root], options=options)) != full:
                differ.append(f"{label}: results differ from a full parse's")
        # the stored report (the CLI reuses it when nothing changed)
        fresh = modelreg.check([root], options=options, reuse=True)
        reused = modelreg.check([root], options=options, reuse=True)
        if reused.analysis is not None:
            differ.append("the third run did not reuse the stored report")
        if outcome(fresh)[0] != full[0] or outcome(reused)[0] != full[0]:
            differ.append("the stored report's diagnostics differ from a full parse's")
    differ += warm_differences(root)
    return differ


def warm_differences(root: str) -> List[str]:
    """The console script, cold then warm (answered before click is imported): the same output and
    exit code. Runs only where the project has no cache of its own (it creates one and removes it)."""
    from modelreg import config
    from modelreg.cache import cache_directory

    cfg = config.load(root)
    cache = cache_directory(cfg.root, None)  # the project root's (``root`` may be a folder below it)
    if cfg.cache_dir is not None or os.path.lexists(cache):
        return []
    try:
        cold = _run(root, ".")
        warm = _run(root, ".", importtime=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    differ = []
    if "click" in warm[3]:
        differ.append("the warm run was not answered by the warm path")
    if warm[:3] != cold[:3]:
        differ.append("the warm path's output or exit code differs from the full CLI's")
    return differ


def check_tree(root: str) -> Tuple[int, List[str]]:
    files, differ = file_differences(root)
    return files, differ + project_differences(root)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], metavar="PATH", help="check this checkout (repeatable)")
    args = parser.parse_args(argv)
    trees = [Path(t) for t in args.tree]
    if not trees:
        sys.path.insert(0, str(HERE))
        from real import fetched, load, where

        trees = [where(t) for t in load() if fetched(t)]
        if not trees:
            print("no tree fetched: python benchmarks/real.py fetch", file=sys.stderr)
            return 2
    failed = 0
    for root in trees:
        start = time.perf_counter()
        files, found = check_tree(str(Path(root).resolve()))
        differ = [d for d in found if not d.startswith("note: ")]
        notes = [d for d in found if d.startswith("note: ")]
        status = ("agree" if not differ else f"{len(differ)} DIFFERENCES") + (f", {len(notes)} notes" if notes else "")
        print(f"{str(root):<60} {files:>6} files  {status}  ({time.perf_counter() - start:.1f} s)")
        for d in differ + notes:
            print(f"    {d}")
        failed += bool(differ)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
