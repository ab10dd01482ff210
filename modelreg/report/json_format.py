"""`--format json`: the stable machine-readable contract documented in docs/cli.md."""

from __future__ import annotations

import json
import os


def _rel(root: str, path):
    if path is None:
        return None
    return os.path.relpath(path, root).replace(os.sep, "/")


def diagnostic_data(root: str, d) -> dict:
    """One diagnostic of the JSON contract (also a line of `json-lines`)."""
    return {
        "code": d.code,
        "message": d.message,
        "path": _rel(root, d.path),
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "model": d.model,
        "registry": _rel(root, d.registry),
        "fixable": d.fixable,
    }


def diagnostics_data(report) -> dict:
    return {
        "root": report.root,
        "diagnostics": [diagnostic_data(report.root, d) for d in report.diagnostics],
        "summary": {
            "files": report.files,
            "models": report.models_found,
            "diagnostics": len(report.diagnostics),
        },
    }


def render(report, color: bool = False) -> str:
    return json.dumps(diagnostics_data(report), indent=2) + "\n"
