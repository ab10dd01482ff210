"""`--format sarif`: SARIF 2.1.0, one rule entry per MR code (from the rule's own docs), results with locations."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import __version__
from ..rules import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def rule_entry(rule) -> dict:
    doc = (rule.__doc__ or "").strip()
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": _section(doc, "What it finds") or rule.SUMMARY},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": "warning" if rule.CODE == "MR100" else "error"},
        "properties": {"fixable": getattr(rule, "FIXABLE", rule.FIX_TITLE is not None)},
    }


def _section(doc: str, title: str) -> str:
    marker = f"## {title}"
    if marker not in doc:
        return ""
    body = doc.split(marker, 1)[1].split("\n## ", 1)[0]
    return " ".join(body.split())


def data(report) -> dict:
    rules = [rule_entry(r) for r in RULES]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for d in report.diagnostics:
        uri = os.path.relpath(d.path, report.root).replace(os.sep, "/")
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": rules[index[d.code]]["defaultConfiguration"]["level"],
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": "ROOT"},
                            "region": {
                                "startLine": d.line,
                                "startColumn": d.column,
                                "endLine": d.end_line,
                                "endColumn": d.end_column,
                            },
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "modelreg",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"ROOT": {"uri": Path(report.root).as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def render(report, color: bool = False) -> str:
    return json.dumps(data(report), indent=2) + "\n"
