"""`path:line:col: CODE message`, one line per diagnostic; paths relative to the current directory."""

from __future__ import annotations

import os


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith(".." + os.sep + "..") else rel


def render(report, color: bool = False) -> str:
    if color:
        import click  # only to color: the plain output does not need it
    lines = []
    for d in report.diagnostics:
        loc = f"{display_path(d.path)}:{d.line}:{d.column}:"
        code = d.code
        if color:
            loc = click.style(loc, bold=True)
            code = click.style(code, fg="red", bold=True)
        lines.append(f"{loc} {code} {d.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(report, fixable_hint: bool = True) -> str:
    n = len(report.diagnostics)
    if n == 0:
        return "All checks passed!"
    fixable = sum(1 for d in report.diagnostics if d.fixable)
    text = f"Found {n} error{'s' if n != 1 else ''}"
    if fixable and fixable_hint:
        return text + f" ({fixable} fixable with `modelreg --fix`)."
    return text + "."
