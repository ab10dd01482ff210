"""The warm path: `modelreg [check] [PATHS]` answered from the stored report, before click or the
analysis is imported.

The console script (and ``python -m modelreg``) starts here. When the command line is a plain check
(PATHs, ``-q``, ``--exit-zero``, ``--output-format``: what pre-commit and CI run) and nothing changed
since the last run (the same fingerprint: settings, file list, directory listings, every file's size
and mtime), the stored report is printed exactly as :mod:`modelreg.cli` prints it. Anything else -
another option, a change, a config error, output that click would transform - goes to the full CLI,
which takes over what was computed here (:func:`probe`) instead of walking the project again.
"""

from __future__ import annotations

import os
import sys

from typing import List, NamedTuple, Optional, Tuple

# the options the warm path understands; any other token starting with `-` goes to the full CLI
_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--exit-zero": "exit_zero"}
_FORMAT_OPTIONS = ("--output-format", "--format")
# the commands of modelreg.cli besides `check` (a first argument naming one goes to the full CLI)
COMMANDS = frozenset({"models", "rule", "clean", "verify", "server"})


class Probe(NamedTuple):
    """What deciding whether the stored report still holds computed: the analysis goes on from it."""

    started: int  # when reading began (see cache.racy)
    files: List[str]
    stats: dict
    structure: str
    fingerprint: str
    stored: object  # cache.StoredResult or None


_HANDED_OVER: dict = {}  # (repr(cfg), scopes) -> Probe: computed by the warm path, taken by api.check


def probe(cfg, scopes) -> Probe:
    """Walk the project, stat its files and fingerprint them; load the stored report. A probe the
    warm path computed for the same settings and PATHs in this process is taken instead (once)."""
    handed = _HANDED_OVER.pop((repr(cfg), tuple(scopes)), None)
    if handed is not None:
        return handed
    from . import cache as cache_mod
    from . import discover
    from .store import stat_key

    cache_mod.ensure_directory(cfg.root, cfg.cache_dir)
    started = cache_mod.now_ns()  # before any file is stat'ed or read (see cache.racy)
    dirs: List[tuple] = []
    files = discover.walk(cfg, dirs, memo=discover.IgnoreMemo.open(cfg))
    stats = {f: stat_key(f) for f in files}
    struct = cache_mod.structure(cfg, scopes, files, dirs)
    fingerprint = cache_mod.fingerprint(struct, stats, started)
    stored = cache_mod.load_result(cfg.root, cfg.cache_dir)
    return Probe(started, files, stats, struct, fingerprint, stored)


def parse(argv: List[str]) -> Optional[Tuple[tuple, bool, bool, str]]:
    """(paths, quiet, exit_zero, format) of a plain check command line, else None (the full CLI
    parses it: every other option, `-` for stdin, `--help`, another command)."""
    from .report import ALIASES, NAMES

    args = list(argv)
    if args and args[0] == "check":
        args = args[1:]
    elif args and args[0] in COMMANDS:
        return None
    paths: List[str] = []
    flags = {"quiet": False, "exit_zero": False}
    fmt = "concise"
    i = 0
    while i < len(args):
        a = args[i]
        if a in _FLAGS:
            flags[_FLAGS[a]] = True
        elif a in _FORMAT_OPTIONS or a.startswith(("--output-format=", "--format=")):
            if "=" in a:
                value = a.split("=", 1)[1]
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                return None
            value = ALIASES.get(value, value)
            if value not in NAMES:
                return None
            fmt = value
        elif a.startswith("-") or not a:
            return None
        else:
            paths.append(a)
        i += 1
    return tuple(paths) or (".",), flags["quiet"], flags["exit_zero"], fmt


def use_color() -> bool:
    """On a terminal, unless NO_COLOR is set; FORCE_COLOR (non-empty) forces it on anywhere."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _writable(stream, text: str) -> bool:
    """Whether click.echo would write ``text`` to ``stream`` unchanged: a UTF-8 text stream (click
    rewraps a misconfigured ASCII one) and text it can encode."""
    import codecs

    encoding = getattr(stream, "encoding", None)
    try:
        if encoding is None or codecs.lookup(encoding).name != "utf-8":
            return False
        text.encode(encoding, getattr(stream, "errors", None) or "strict")
    except (LookupError, UnicodeError):
        return False
    return True


def answer(argv: List[str]) -> Optional[int]:
    """The exit code of a plain check answered from the stored report (its output written), or None
    when the full CLI must run (nothing has been written then)."""
    parsed = parse(argv)
    if parsed is None:
        return None
    paths, quiet, exit_zero, fmt = parsed
    from . import config as config_mod

    try:
        for p in paths:
            if not os.path.exists(p):
                return None  # the full CLI says so
        cfg = config_mod.load(paths[0], None, isolated=False)
        cfg = config_mod.CommandLine().apply(cfg.with_overrides(require=None))
        scopes = [os.path.abspath(p) for p in paths]
        scopes = [] if cfg.root in scopes else scopes
        found = probe(cfg, scopes)
    except (config_mod.ConfigError, OSError):
        return None
    stored = found.stored
    if stored is not None and stored.fingerprint != found.fingerprint:
        stored = _same_bytes(cfg, found)  # a fresh checkout: new mtimes, the same bytes
    if stored is None or not stored.files:  # (no file: the CLI says so)
        _HANDED_OVER[(repr(cfg), tuple(scopes))] = found
        return None
    from . import migration_check

    if not migration_check.fresh(cfg):
        _HANDED_OVER[(repr(cfg), tuple(scopes))] = found
        return None
    from .report import FORMATS, HUMAN
    from .report import text as text_report
    from .types import Diagnostic, Report

    report = Report(cfg.root, [Diagnostic(*d) for d in stored.diagnostics], stored.files, [], [], model_count=stored.models)
    if fmt == "full" and any(d.fixable for d in report.diagnostics):
        _HANDED_OVER[(repr(cfg), tuple(scopes))] = found
        return None  # naming the fix each finding would get takes the analysis: the full CLI plans it
    color = use_color() and fmt in HUMAN
    out = FORMATS[fmt](report, color=color)
    summary = text_report.summary(report, fixable_hint=True) + "\n" if not quiet and fmt in HUMAN else ""
    # click strips ANSI sequences from what it does not color: leave such output to it
    if (not color and "\x1b" in out) or "\x1b" in summary:
        return None
    if not (_writable(sys.stdout, out) and _writable(sys.stderr, summary)):
        return None
    try:
        if out:
            sys.stdout.write(out)
            sys.stdout.flush()
        if summary:
            sys.stderr.write(summary)
            sys.stderr.flush()
    except (OSError, ValueError) as exc:  # written in part: no second try; say it as modelreg.cli.main does
        try:
            sys.stderr.write(f"modelreg: internal error: {type(exc).__name__}: {exc}\n")
        except (OSError, ValueError):
            pass
        return 2
    return 0 if exit_zero else report.exit_code


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _same_bytes(cfg, found: Probe):
    """The stored report, when only stat keys changed since it was made and not one byte (every file
    it was computed from read and compared with its content digest); its stamps and fingerprint are
    then brought up to date. None otherwise."""
    from . import cache as cache_mod

    stored = found.stored
    if stored.structure != found.structure or len(stored.stamps) != len(found.stats):
        return None
    stamps = cache_mod.same_files(stored, found.stats, _read)
    if stamps is None:
        return None
    for path, key in found.stats.items():
        if cache_mod.racy(key, found.started):
            stamps[path] = cache_mod.UNVERIFIED + (stamps[path][2],)
    stored = stored._replace(fingerprint=found.fingerprint, stamps=stamps)
    cache_mod.save_result(cfg.root, cfg.cache_dir, stored)
    return stored


def run() -> None:
    """The console script: the warm path when it answers, else the full CLI (modelreg.cli.run).
    Ctrl-C at any moment is one line and exit 130 (the full CLI says what --fix wrote)."""
    try:
        import gc
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here on, a Ctrl-C raises...
        from . import _INTERRUPTED

        if _INTERRUPTED:
            raise KeyboardInterrupt  # ...and one that came during the start-up does so now
        gc.disable()  # a short-lived process (see modelreg.cli.main)
        try:
            code = answer(sys.argv[1:])
        except Exception:  # the warm path never decides a failure: the full CLI runs and reports it
            code = None
        if code is None:
            gc.enable()
            from .cli import run as run_cli

            run_cli()  # (it never returns: it ends the process)
    except KeyboardInterrupt:
        _interrupted()
    os._exit(code)


def _interrupted() -> None:
    """One line and exit 130: the full CLI's (which knows what --fix wrote) once it is loaded."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cli = sys.modules.get("modelreg.cli")
    if cli is not None and hasattr(cli, "interrupted"):
        os._exit(cli.interrupted())
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os.write(2, b"\nmodelreg: interrupted; no file was changed\n")
    os._exit(130)
