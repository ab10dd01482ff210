"""Command line: options -> API call -> reporter. Exit 0 clean, 1 findings, 2 usage/config/internal error."""

from __future__ import annotations

import gc
import json
import os
import sys
from typing import List, Optional

import click

from . import __version__
from . import api
from .config import REQUIRE_MODES, ConfigError
from .report import FORMATS
from .report import text as text_report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class DefaultGroup(click.Group):
    """`modelreg PATH...` means `modelreg check PATH...`."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check"] + list(args)
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelreg")
def cli():
    """Find SQLAlchemy models that your model registry (e.g. __all_models.py) does not import.

    `modelreg [PATH]...` checks the project (same as `modelreg check`). It reads
    your code; it never imports or runs it.
    """


require_option = click.option(
    "--require",
    type=click.Choice(REQUIRE_MODES),
    default=None,
    help="What counts as registered (default from config, else 'reachable').",
)
config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None, help="pyproject.toml to read."
)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@require_option
@config_option
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics are reported.")
@click.option("--fix", "do_fix", is_flag=True, help="Edit the registry: add missing imports, remove stale ones.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the diff --fix would apply; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list each statement added or removed.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="With --fix: exit 1 whenever a file was changed.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache (.modelreg_cache/).")
def check(
    paths, fmt, require, config_file, quiet, exit_zero, do_fix, show_diff, show_fixes, exit_non_zero_on_fix, no_cache
):
    """Report models the registry does not import (MR001) and other registry problems."""
    paths = paths or (".",)
    if show_diff:
        outcome = api.fix(paths, config_file=config_file, require=require, dry_run=True, use_cache=not no_cache)
        _echo_errors(outcome.errors)
        diff = "".join(unified_diff(fx) for fx in outcome.fixes)
        click.echo(diff, nl=False)
        if not quiet:
            n = sum(fx.fixed for fx in outcome.fixes)
            click.echo(f"Would fix {n} error{'s' if n != 1 else ''}." if n else "No fixes available.", err=True)
        sys.exit(EXIT_ERROR if outcome.errors else (EXIT_FINDINGS if diff else EXIT_CLEAN))
    if do_fix:
        outcome = api.fix(paths, config_file=config_file, require=require, use_cache=not no_cache)
        report = outcome.report
        _echo_errors(outcome.errors)
        if not quiet:
            for fx in outcome.fixes:
                n = fx.fixed
                click.echo(f"Fixed {n} error{'s' if n != 1 else ''} in {text_report.display_path(fx.path)}"
                           + (":" if show_fixes else ""), err=True)
                if show_fixes:
                    for line in fx.removed:
                        click.echo(f"  - {line}", err=True)
                    for line in fx.added:
                        click.echo(f"  + {line}", err=True)
    else:
        outcome = None
        report = api.check(paths, config_file=config_file, require=require, use_cache=not no_cache, reuse=True)
    color = use_color()
    out = FORMATS[fmt](report, color=color and fmt == "text")
    if out:
        click.echo(out, nl=False, color=color)
    if not quiet and fmt == "text":
        click.echo(text_report.summary(report, fixable_hint=not do_fix), err=True)
    if outcome is not None and outcome.errors:
        sys.exit(EXIT_ERROR)
    if outcome is not None and exit_non_zero_on_fix and outcome.changed:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN if exit_zero else report.exit_code)


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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@require_option
@config_option
def models(paths, fmt, require, config_file):
    """List every model modelreg finds, its base, and whether its registry registers it."""
    report = api.check(paths or (".",), config_file=config_file, require=require)
    data = api.inventory(report)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
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
    if data["registries"]:
        click.echo("")
        for r in data["registries"]:
            click.echo(f"registry {r['path']} ({r['module'] or 'missing'}): found by {r['source']}")
    else:
        click.echo("\nno registry found (add __all_models.py or [tool.modelreg] registry = \"path\")")


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
    # a short-lived process that builds many small objects: the cyclic GC would only slow it down
    gc.disable()
    try:
        cli.main(args=argv, prog_name="modelreg", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return EXIT_ERROR
    except click.UsageError as exc:  # one line, like every other error
        click.echo(f"modelreg: error: {exc.format_message()}", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except ConfigError as exc:
        click.echo(f"modelreg: error: {exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal error must never look like a clean run
        click.echo(f"modelreg: internal error: {type(exc).__name__}: {exc}", err=True)
        if os.environ.get("MODELREG_DEBUG"):
            raise
        return EXIT_ERROR
    finally:
        gc.enable()
    return EXIT_CLEAN


def run() -> None:
    """The console script and `python -m modelreg`: main(), then leave at once. Tearing the
    interpreter down would free, one by one, every object of the analysis (tens of milliseconds on a
    large project) - memory the operating system takes back anyway."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`modelreg | head`), a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
