"""Command line: options -> API call -> reporter. Exit 0 clean, 1 findings, 2 usage/config/internal error."""

from __future__ import annotations

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
def check(paths, fmt, require, config_file, quiet, exit_zero):
    """Report models the registry does not import (MR001) and other registry problems."""
    report = api.check(paths or (".",), config_file=config_file, require=require)
    color = use_color()
    out = FORMATS[fmt](report, color=color and fmt == "text")
    if out:
        click.echo(out, nl=False, color=color)
    if not quiet and fmt == "text":
        click.echo(text_report.summary(report), err=True)
    sys.exit(EXIT_CLEAN if exit_zero else report.exit_code)


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


def main(argv: Optional[List[str]] = None) -> int:
    try:
        cli.main(args=argv, prog_name="modelreg", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
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
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
