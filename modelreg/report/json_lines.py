"""`--output-format json-lines`: one JSON object per diagnostic per line, the keys of `--format json`'s diagnostics."""

from __future__ import annotations

import json

from .json_format import diagnostic_data


def render(report, color: bool = False) -> str:
    return "".join(json.dumps(diagnostic_data(report.root, d)) + "\n" for d in report.diagnostics)
