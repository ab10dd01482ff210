"""`--output-format gitlab`: a GitLab Code Quality report (a JSON array of issues).

Paths are relative to `$CI_PROJECT_DIR` when GitLab sets it (the repository checkout), else to the
current directory. The fingerprint hashes the code, the path, the message and the occurrence - not
the line - so an issue keeps its identity when lines above it move.
"""

from __future__ import annotations

import hashlib
import json
import os

SEVERITY = {"MR100": "minor"}  # the rest break the registry: "major"


def _path(path: str) -> str:
    base = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    return os.path.relpath(path, base).replace(os.sep, "/")


def issues(report) -> list:
    out = []
    seen: dict = {}
    for d in report.diagnostics:
        path = _path(d.path)
        key = (d.code, path, d.message)
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256("\0".join(key + (str(seen[key]),)).encode()).hexdigest()
        out.append(
            {
                "type": "issue",
                "check_name": d.code,
                "description": f"{d.code} {d.message}",
                "categories": ["Bug Risk"],
                "severity": SEVERITY.get(d.code, "major"),
                "fingerprint": fingerprint,
                "location": {"path": path, "lines": {"begin": d.line, "end": d.end_line}},
            }
        )
    return out


def render(report, color: bool = False) -> str:
    return json.dumps(issues(report), indent=2) + "\n"
