"""`--format sarif`: SARIF 2.1.0, one rule entry per MR code (from the rule's own docs), results with locations."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import __version__
from ..rules import RULES
from ..rules.docs import as_markdown, as_text, rule_doc

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def rule_entry(rule) -> dict:
    doc = rule_doc(rule)
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": " ".join(doc.section("What it finds").split()) or doc.summary},
        "help": {"text": as_text(doc), "markdown": as_markdown(doc)},
        "defaultConfiguration": {"level": "warning" if doc.code == "MR100" else "error"},
        "properties": {"fixable": doc.fixable},
    }


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
