"""Command line: options -> API call -> reporter. Exit 0 clean, 1 findings, 2 usage/config/internal error."""

from __future__ import annotations

import gc
import os
import sys
from typing import List, Optional, Tuple

import click

from . import __version__, api, discover
from .config import REQUIRE_MODES, CommandLine, ConfigError
from .report import ALIASES, FORMATS, HUMAN, NAMES
from .report import text as text_report
from .warm import use_color  # one definition for the warm path and this one

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
WRITTEN: list = []  # (path, new bytes) of each file --fix began to write in this process (see interrupted())


EXIT_CODES_HELP = """\b
Exit codes:
  0  nothing reported (after --fix: nothing remains)
  1  diagnostics reported; with --diff: there is a diff
  2  usage or configuration error, a fix that could not be written, or an internal error"""


class DefaultGroup(click.Group):
    """`modelreg PATH...` means `modelreg check PATH...`; `--help` also lists the check options."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check"] + list(args)
        elif args[0] in self.commands and args[0] != "check" and os.path.exists(args[0]) and not _quiet(args):
            name = args[0]
            kind = "directory" if os.path.isdir(name) else "file"
            click.echo(
                f"modelreg: note: `{name}` is both a modelreg command and a {kind} here; running the `{name}` "
                f"command. To check the {kind}, run `modelreg check {name}`.",
                err=True,
            )
        return super().parse_args(ctx, args)

    def format_options(self, ctx, formatter):
        super().format_options(ctx, formatter)
        check_cmd = self.commands["check"]
        sub = click.Context(check_cmd, info_name="check", parent=ctx)
        rows = [
            rec
            for p in check_cmd.get_params(sub)
            if isinstance(p, click.Option) and "--help" not in p.opts and (rec := p.get_help_record(sub))
        ]
        with formatter.section("Check options (`modelreg [check] [PATHS]...`; see `modelreg check --help`)"):
            formatter.write_dl(rows)


def _quiet(args) -> bool:
    return any(a in ("-q", "--quiet") for a in args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="modelreg")
def cli():
    """Find SQLAlchemy models that your model registry (e.g. __all_models.py) does not import.

    `modelreg [PATHS]...` checks the project (the same as `modelreg check`; PATHS
    default to `.`). It reads your code; it never imports or runs it (only
    `modelreg verify` does).
    """


class FormatChoice(click.Choice):
    """The output formats, in a sensible order; `text` is still accepted for `concise`."""

    def convert(self, value, param, ctx):
        return super().convert(ALIASES.get(value, value), param, ctx)


def _codes(values) -> Optional[tuple]:
    """`--select MR001,MR002 --select MR005` -> ("MR001", "MR002", "MR005"); None when not given."""
    if not values:
        return None
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def _patterns(values) -> tuple:
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


require_option = click.option(
    "--require",
    type=click.Choice(REQUIRE_MODES),
    default=None,
    help="What counts as registered (default from config, else 'reachable').",
)
config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None, help="pyproject.toml to read."
)


def project_options(f):
    """The options that say what the project is and how to read it: `check` and `models` share them."""
    options = [
        require_option,
        config_option,
        click.option("--isolated", is_flag=True, help="Read no config file: defaults and command-line options only."),
        click.option(
            "--exclude",
            multiple=True,
            metavar="PATTERNS",
            help="Gitignore-style patterns to skip, replacing the default excludes (comma-separated, repeatable).",
        ),
        click.option(
            "--extend-exclude",
            multiple=True,
            metavar="PATTERNS",
            help="Gitignore-style patterns to skip, on top of the excludes (comma-separated, repeatable).",
        ),
        click.option(
            "--respect-gitignore/--no-respect-gitignore",
            default=None,
            help="Skip files ignored by .gitignore, .git/info/exclude and git's global excludes (default: yes).",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False),
            default=None,
            help="Where the cache lives (default: .modelreg_cache/ at the project root).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option("-q", "--quiet", is_flag=True, help="Print results only, no summary or notes."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _command_line(isolated, exclude, extend_exclude, respect_gitignore, cache_dir, select=None, extend_select=(), ignore=()):
    return CommandLine(
        isolated=isolated,
        exclude=_patterns(exclude) if exclude else None,
        extend_exclude=_patterns(extend_exclude),
        respect_gitignore=respect_gitignore,
        cache_dir=cache_dir,
        select=_codes(select),
        extend_select=_codes(extend_select) or (),
        ignore=_codes(ignore) or (),
    )


CHECK_HELP = f"""Check the project: report models the registry does not import (MR001) and other registry problems.

PATHS default to `.`. The whole project holding the first PATH is analyzed
(registration is a property of the project); diagnostics located under the
PATHs are reported. `-` reads the text of one file from stdin (name it with
--stdin-filename).

{EXIT_CODES_HELP}
"""


@cli.command(help=CHECK_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", "do_fix", is_flag=True, help="Edit the registry: add missing imports, remove stale ones.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the diff --fix would apply; write nothing; exit 1 when there is a diff.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list each statement added or removed.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="With --fix: exit 1 whenever a file was changed.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are reported.")
@click.option(
    "--output-format",
    "--format",
    "fmt",
    type=FormatChoice(NAMES),
    default="concise",
    show_default=True,
    help="How to print diagnostics (`--format text` = concise).",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), default=None, help="Write the output to this file instead of stdout.")
@click.option("--statistics", is_flag=True, help="Print the number of diagnostics per rule instead of the diagnostics.")
@click.option("--select", multiple=True, metavar="CODES", help="Report only these rules (codes, prefixes or ALL; comma-separated, repeatable); replaces the config's selection.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Report these rules too, on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these rules.")
@project_options
@click.option("--show-settings", is_flag=True, help="Print the resolved settings (root, config file, import roots, registries and how each was found, bases, excludes) and exit.")
@click.option("--show-files", is_flag=True, help="Print the files analyzed and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr why each model is or is not registered (the import chain, or where it breaks).")
@click.option("--stdin-filename", type=click.Path(dir_okay=False), default=None, help="Check the text on stdin as the content of this file (with PATH `-`, or no PATH).")
def check(
    paths, do_fix, show_diff, show_fixes, exit_non_zero_on_fix, exit_zero, fmt, output_file, statistics,
    select, extend_select, ignore, require, config_file, isolated, exclude, extend_exclude, respect_gitignore,
    cache_dir, no_cache, quiet, show_settings, show_files, verbose, stdin_filename,
):
    options = _command_line(isolated, exclude, extend_exclude, respect_gitignore, cache_dir, select, extend_select, ignore)
    if statistics and ALIASES.get(fmt, fmt) not in STATISTICS_FORMATS:
        raise click.UsageError(
            f"--statistics prints text or JSON: use it with --output-format {', '.join(STATISTICS_FORMATS)} "
            f"(not {fmt})"
        )
    paths = paths or (".",)
    use_cache = not no_cache
    stdin = _stdin(paths, stdin_filename, do_fix or show_diff)
    if stdin is not None:
        paths = (stdin_filename,)
    if show_files or show_settings:
        _inspect(paths, config_file, require, options, use_cache, fmt, show_files, output_file)
        sys.exit(EXIT_CLEAN)
    if show_diff:
        outcome = api.fix(paths, config_file=config_file, require=require, dry_run=True, use_cache=use_cache, options=options)
        api.analyzed_something(outcome.report)
        _echo_errors(outcome.errors)
        diff = "".join(unified_diff(fx) for fx in outcome.fixes)
        _emit(diff, output_file)
        if not quiet:
            n = sum(fx.fixed for fx in outcome.fixes)
            click.echo(f"Would fix {n} error{'s' if n != 1 else ''}." if n else "No fixes available.", err=True)
        sys.exit(EXIT_ERROR if outcome.errors else (EXIT_FINDINGS if diff else EXIT_CLEAN))
    if do_fix:
        outcome = api.fix(
            paths, config_file=config_file, require=require, use_cache=use_cache, options=options, written=WRITTEN
        )
        report = outcome.report
        _echo_errors(outcome.errors)
        if not quiet:
            _echo_fixes(outcome.fixes, show_fixes)
    else:
        outcome = None
        report = api.check(
            paths, config_file=config_file, require=require, use_cache=use_cache, reuse=not verbose,
            options=options, stdin=stdin,
        )
        if ALIASES.get(fmt, fmt) == "full" and report.analysis is None and any(d.fixable for d in report.diagnostics):
            # naming each fix takes the analysis, which a report reused from the cache does not have
            report = api.check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options)
    if stdin is None:
        api.analyzed_something(report)
    if verbose:
        _explain(report, paths if stdin is None else ())
    fmt = ALIASES.get(fmt, fmt)
    color = use_color() and output_file is None and fmt in HUMAN
    if statistics:
        out = render_statistics(report, fmt)  # (its formats were checked before the analysis)
    elif fmt == "full" and not do_fix:
        out = FORMATS[fmt](report, color=color, fixes=api.planned_fixes(report))
    else:
        out = FORMATS[fmt](report, color=color)
    _emit(out, output_file, color)
    if not quiet and fmt in HUMAN:
        click.echo(text_report.summary(report, fixable_hint=not do_fix), err=True)
    if outcome is not None and outcome.errors:
        sys.exit(EXIT_ERROR)
    if outcome is not None and exit_non_zero_on_fix and outcome.changed:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN if exit_zero else report.exit_code)


def _echo_fixes(fixes, show_fixes: bool) -> None:
    """`Fixed N errors in PATH` per file on stderr; with --show-fixes each statement removed and added."""
    for fx in fixes:
        n = fx.fixed
        click.echo(
            f"Fixed {n} error{'s' if n != 1 else ''} in {text_report.display_path(fx.path)}" + (":" if show_fixes else ""),
            err=True,
        )
        if show_fixes:
            for line in fx.removed:
                click.echo(f"  - {line}", err=True)
            for line in fx.added:
                click.echo(f"  + {line}", err=True)


def _stdin(paths, stdin_filename, fixing) -> Optional[Tuple[str, bytes]]:
    """(path, text) when the text of a file is to be read from stdin, else None."""
    if "-" not in paths and (stdin_filename is None or paths != (".",)):
        if stdin_filename is not None:
            raise click.UsageError("--stdin-filename reads stdin: give `-` as the only PATH (or no PATH)")
        return None
    if paths != ("-",) and paths != (".",):
        raise click.UsageError("`-` (stdin) must be the only PATH")
    if stdin_filename is None:
        raise click.UsageError("reading stdin (`-`) needs --stdin-filename PATH: the file the text stands for")
    if fixing:
        raise click.UsageError("--fix and --diff edit files on disk: they cannot be combined with stdin")
    return stdin_filename, click.get_binary_stream("stdin").read()


def _emit(out: str, output_file: Optional[str], color: bool = False) -> None:
    if output_file is None:
        if out:
            click.echo(out, nl=False, color=color)
        return
    directory = os.path.dirname(os.path.abspath(output_file))
    try:
        os.makedirs(directory, exist_ok=True)
        with open(output_file, "w", encoding="utf-8", newline="\n") as f:
            f.write(click.unstyle(out))
    except OSError as exc:
        raise ConfigError(f"{output_file}: cannot write the output file: {exc.strerror or exc}") from None


STATISTICS_FORMATS = ("concise", "full", "json")


def render_statistics(report, fmt: str) -> str:
    """`--statistics`: one line per rule reported, `COUNT  CODE  [*] name` (`[*]`: --fix fixes some)."""
    import json

    from .rules import BY_CODE

    counts: dict = {}
    for d in report.diagnostics:
        n, fixable = counts.get(d.code, (0, 0))
        counts[d.code] = (n + 1, fixable + d.fixable)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if fmt == "json":
        data = [
            {"code": code, "name": BY_CODE[code].NAME, "count": n, "fixable": fixable}
            for code, (n, fixable) in rows
        ]
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(n)) for _, (n, _) in rows), default=1)
    return "".join(
        f"{n:>{width}}\t{code}\t{'[*]' if fixable else '[ ]'} {BY_CODE[code].NAME}\n" for code, (n, fixable) in rows
    )


def _inspect(paths, config_file, require, options, use_cache, fmt, show_files, output_file) -> None:
    """--show-files / --show-settings: analyze (never reusing a stored report) and describe."""
    import json

    from . import settings

    if show_files:
        cfg = api.load_config(list(paths), config_file, options, require=require)
        _emit(settings.render_files(discover.walk(cfg), cfg.root), output_file)
        return
    report = api.check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options)
    data = settings.settings_data(report.analysis)
    _emit(json.dumps(data, indent=2) + "\n" if fmt == "json" else settings.render_text(data), output_file)


def _explain(report, paths) -> None:
    """-v: on stderr, the root and config, the registries, then each model's verdict and reason."""
    from .explain import explain_all

    analysis = report.analysis
    if analysis is None:
        return
    cfg = analysis.config
    click.echo(f"modelreg: root {cfg.root} (config: {cfg.config_file or 'none'}, require = {cfg.require!r})", err=True)
    store = analysis.store
    scanned = f" ({len(store.entries)} scanned, {len(store.parsed())} parsed)" if store is not None else ""
    click.echo(f"modelreg: {report.files} files{scanned}, {report.models_found} models", err=True)
    for reg in analysis.registries:
        module = reg.module.name if reg.module else "does not exist"
        click.echo(f"modelreg: registry {analysis.rel(reg.path)} ({module}): found by {reg.source}", err=True)
    scopes = [os.path.abspath(p) for p in paths]
    scopes = [] if cfg.root in scopes else scopes
    for line in explain_all(analysis, scopes):
        click.echo(f"modelreg: {line}", err=True)


def _echo_errors(errors) -> None:
    for path, message in errors:
        click.echo(f"modelreg: error: {text_report.display_path(path)}: {message}", err=True)


def unified_diff(fx) -> str:
    """The unified diff of one fix, with paths relative to the current directory."""
    import difflib

    from .index import decode

    rel = text_report.display_path(fx.path)
    old = decode(fx.old).splitlines(keepends=True) if fx.old is not None else []
    new = decode(fx.new).splitlines(keepends=True)
    name = rel.replace(os.sep, "/").lstrip("/")
    fromfile = f"a/{name}" if fx.old is not None else "/dev/null"
    lines = list(difflib.unified_diff(old, new, fromfile=fromfile, tofile=f"b/{name}"))
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--output-format",
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "mermaid", "dot"]),
    default="text",
    show_default=True,
    help="json: the inventory; mermaid, dot: a graph of bases -> registries -> modules -> models, "
    "unregistered ones marked.",
)
@project_options
def models(paths, fmt, require, config_file, isolated, exclude, extend_exclude, respect_gitignore, cache_dir, no_cache, quiet):
    """List every model modelreg finds, its base, and whether its registry registers it. PATHS default to `.`."""
    import json

    options = _command_line(isolated, exclude, extend_exclude, respect_gitignore, cache_dir)
    report = api.check(paths or (".",), config_file=config_file, require=require, use_cache=not no_cache, options=options)
    api.analyzed_something(report)
    data = api.inventory(report)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    if fmt in ("mermaid", "dot"):
        from . import graph

        click.echo(getattr(graph, fmt)(data), nl=False)
        return
    rows = [("MODEL", "TABLE", "BASE", "REGISTERED", "REGISTRY", "DEFINED AT")]
    for m in data["models"]:
        name = m["name"] + (" (abstract)" if m["abstract"] else "")
        registered = "-" if m["abstract"] else ("yes" if m["registered"] else "NO")
        rows.append(
            (name, m["table"] or "-", m["base"], registered, m["registry"] or "-", f"{m['path']}:{m['line']}")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    if quiet:
        return
    if data["registries"]:
        click.echo("")
        for r in data["registries"]:
            click.echo(f"registry {r['path']} ({r['module'] or 'missing'}): found by {r['source']}")
    else:
        click.echo("\nno registry found (add __all_models.py or [tool.modelreg] registry = \"path\")")
    for line in _migration_lines(data["models"]):
        click.echo(line)


def _migration_lines(models) -> list:
    """What `models` says of the Alembic histories: the tables exempt from MR010 because the
    application's own create_all() makes them, and the histories MR013 finds broken."""
    startup, broken = {}, {}
    for m in models:
        mig = m.get("migrations")
        if mig is None:
            continue
        if mig["table"] == "broken":
            broken.setdefault(mig["history"], []).append(m["table"])
        elif mig["table"] == "absent" and mig["created_at_startup"]:
            startup.setdefault((mig["history"], mig["created_at_startup"]), []).append(m["table"])
    out = []
    for (history, site), tables in sorted(startup.items()):
        out.append(
            f"migrations {history}: no migration creates {', '.join(sorted(tables))}; create_all() at {site} "
            "creates them at startup, so MR010 does not apply (MR011 and MR012 do)"
        )
    for history, tables in sorted(broken.items()):
        out.append(f"migrations {history}: the revision graph is broken (MR013): {len(tables)} tables not checked")
    return [""] + out if out else []


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule.")
@click.option(
    "--output-format", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
def rule(code, show_all, fmt):
    """Explain a rule: what it finds, why it matters, an example, its fix (e.g. `modelreg rule MR001`)."""
    import json

    from .rules import BY_CODE, docs

    if (code is None) == (not show_all):
        raise click.UsageError("give a rule code (`modelreg rule MR001`) or --all")
    if show_all:
        found = docs.all_docs()
    else:
        if code.upper() not in BY_CODE:
            raise ConfigError(f"unknown rule code {code!r} (known: {', '.join(BY_CODE)})")
        found = [docs.rule_doc(BY_CODE[code.upper()])]
    if fmt == "json":
        data = [docs.as_data(d) for d in found]
        click.echo(json.dumps(data if show_all else data[0], indent=2))
    elif fmt == "markdown":
        click.echo(docs.markdown_pages(found), nl=False)
    else:
        click.echo("\n".join(docs.as_text(d) for d in found), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("-q", "--quiet", is_flag=True, help="Print nothing.")
def clean(paths, quiet):
    """Remove modelreg's caches under PATHS (default `.`).

    A cache is a directory holding the `.gitignore` modelreg writes into its
    caches, whatever its name (`.modelreg_cache`, or a `cache-dir`). Only the files
    modelreg writes there are deleted; a cache directory holding anything else is
    kept, with that file, and named.
    """
    from .cache import find_cache_directories, remove_cache_directory

    for top in paths or (".",):
        for directory in find_cache_directories(top):
            others = remove_cache_directory(directory)
            if quiet:
                continue
            shown = text_report.display_path(directory)
            if others:
                click.echo(f"Cleaned {shown} (kept {', '.join(others)}: not modelreg's)", err=True)
            else:
                click.echo(f"Removed {shown}", err=True)


@cli.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--python", "python", default=None, help="Interpreter to import the project with (default: the project's .venv/venv, else the active one).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds importing one registry may take; a registry still importing then is an error naming the module it hangs in.",
)
@config_option
def verify(path, python, timeout, config_file):
    """Import each registry and compare with the static verdicts. EXECUTES YOUR PROJECT'S CODE.

    This is the one modelreg command that runs project code: each registry is
    imported in a subprocess, and the classes and tables that reached each
    base's metadata are compared with what static analysis says the registry
    registers. Exit 1 on any difference (or when a registry fails to import).
    """
    from .verify import verify as run_verify

    result = run_verify([path or "."], python=python, config_file=config_file, timeout=timeout)
    for m in result.mismatches:
        click.echo(f"{m.kind}: {m.what}: {m.detail}")
    n = len(result.mismatches)
    click.echo(
        f"verified {result.registries} registr{'y' if result.registries == 1 else 'ies'}: "
        f"{result.agreed} model{'s' if result.agreed != 1 else ''} agree, {n} difference{'s' if n != 1 else ''}",
        err=True,
    )
    sys.exit(EXIT_FINDINGS if n else EXIT_CLEAN)


@cli.command()
def server():
    """Run the language server (LSP over stdio) for editors. Needs the `lsp` extra.

    Diagnostics for open documents, computed from their unsaved text; quick fixes
    that make exactly the edit --fix would make. Never imports or runs your code.
    """
    try:
        from .lsp import main as serve
    except ImportError as exc:
        raise ConfigError(
            f"modelreg server needs pygls ({exc.name} is not installed): pip install 'modelreg[lsp]'"
        ) from None
    gc.enable()  # a long-lived process
    serve()


def main(argv: Optional[List[str]] = None) -> int:
    del WRITTEN[:]
    # a short-lived process that builds many small objects: the cyclic GC would only slow it down
    gc.disable()
    try:
        cli.main(args=argv, prog_name="modelreg", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except (KeyboardInterrupt, click.exceptions.Abort):  # click turns Ctrl-C into Abort
        return interrupted()
    except click.UsageError as exc:  # one line, like every other error
        click.echo(f"modelreg: error: {exc.format_message()}", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except ConfigError as exc:
        click.echo(f"modelreg: error: {exc}", err=True)
        return EXIT_ERROR
    except Exception as exc:  # an internal error must never look like a clean run
        click.echo(f"modelreg: internal error: {type(exc).__name__}: {exc}", err=True)
        if os.environ.get("MODELREG_DEBUG"):
            raise
        return EXIT_ERROR
    finally:
        gc.enable()
    return EXIT_CLEAN


def interrupted() -> int:
    """Ctrl-C: one line on stderr saying what was written, if anything (each file --fix writes is
    written whole or not at all), and exit 130. A second Ctrl-C while saying it is ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    written = [path for path, new in WRITTEN if _holds(path, new)]
    if written:
        shown = ", ".join(text_report.display_path(p) for p in written)
        line = f"modelreg: interrupted after --fix wrote {shown} (whole); no other file was changed"
    else:
        line = "modelreg: interrupted; no file was changed"
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.write("\n" + line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return EXIT_INTERRUPTED


def _holds(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def run() -> None:
    """The console script and `python -m modelreg`: main(), then leave at once. Tearing the
    interpreter down would free, one by one, every object of the analysis (tens of milliseconds on a
    large project) - memory the operating system takes back anyway."""
    try:
        code = main()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`modelreg | head`), a closed stream
                pass
    except KeyboardInterrupt:  # (in main's own error handling, or while flushing)
        code = interrupted()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
