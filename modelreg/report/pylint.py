"""`--output-format pylint`: `path:line: [CODE] message`, the line format pylint-aware tools parse."""

from __future__ import annotations

from .text import display_path


def render(report, color: bool = False) -> str:
    return "".join(f"{display_path(d.path)}:{d.line}: [{d.code}] {d.message}\n" for d in report.diagnostics)
