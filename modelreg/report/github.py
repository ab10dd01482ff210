"""`--format github`: GitHub Actions workflow commands, one `::error ...::message` per diagnostic."""

from __future__ import annotations

from .text import display_path


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(report, color: bool = False) -> str:
    lines = []
    for d in report.diagnostics:
        props = ",".join(
            [
                f"file={_escape_property(display_path(d.path))}",
                f"line={d.line}",
                f"col={d.column}",
                f"endLine={d.end_line}",
                f"endColumn={d.end_column}",
                f"title={_escape_property(d.code)}",
            ]
        )
        lines.append(f"::error {props}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
