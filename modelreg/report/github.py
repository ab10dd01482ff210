"""`--format github`: GitHub Actions workflow commands, one `::error ...::message` per diagnostic.

GitHub places an annotation by its path relative to the repository's root (``GITHUB_WORKSPACE``), not to
the step's working directory: a file under the workspace is named from there, any other as the text
format names it.
"""

from __future__ import annotations

import os

from .text import display_path


def annotation_path(path: str) -> str:
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        root = os.path.realpath(workspace)
        real = os.path.realpath(path)
        if real.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(real, root).replace(os.sep, "/")
    return display_path(path)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(report, color: bool = False) -> str:
    lines = []
    for d in report.diagnostics:
        props = ",".join(
            [
                f"file={_escape_property(annotation_path(d.path))}",
                f"line={d.line}",
                f"col={d.column}",
                f"endLine={d.end_line}",
                f"endColumn={d.end_column}",
                f"title={_escape_property(d.code)}",
            ]
        )
        lines.append(f"::error {props}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
