"""`--show-settings`: every resolved setting of a run - each field of the Config (a new field shows
up without a change here), the rules enabled, and what the analysis found: import roots, registries
(and how each was found), bases, the ignore files honoured, the cache directory."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import List


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def settings_data(analysis) -> dict:
    from . import discover
    from .cache import cache_directory

    cfg = analysis.config
    project = analysis.project
    rel = analysis.rel
    settings: dict = {}
    for f in dataclasses.fields(cfg):
        if f.name not in ("root", "config_file"):
            settings[f.name.replace("_", "-")] = _plain(getattr(cfg, f.name))
    data: dict = {}
    data["rules-enabled"] = list(cfg.enabled())
    data["default-exclude"] = list(discover.DEFAULT_EXCLUDE) if cfg.exclude is None else None
    data["always-skipped"] = list(discover.ALWAYS_SKIP)
    data["git-exclude-files"] = (
        [p for _, p in discover.git_exclude_files(cfg.root)] if cfg.respect_gitignore else []
    )
    data["cache-directory"] = cache_directory(cfg.root, cfg.cache_dir)
    data["files"] = len(analysis._paths)
    data["import-roots"] = sorted({rel(m.root) for m in project.modules})
    data["registries"] = [
        {
            "path": rel(r.path),
            "module": r.module.name if r.module else None,
            "source": r.source,
            "bases": list(r.bases) if r.bases is not None else None,
        }
        for r in analysis.registries
    ]
    bases = []
    for info in sorted(project.bases.values(), key=lambda b: b.name):
        bases.append(
            {
                "name": info.name,
                "path": rel(info.module.path) if info.module is not None else None,
                "line": info.line,
                "how": info.how,
            }
        )
    data["bases"] = bases
    data.update(_extra(analysis))
    return {"root": cfg.root, "config-file": cfg.config_file, "settings": settings, "resolved": data}


def _extra(analysis) -> dict:
    """What a stage chooses to explain about itself: ``project.settings_details()`` when it has one
    (import roots inferred, and why)."""
    details = getattr(analysis.project, "settings_details", None)
    return dict(details()) if callable(details) else {}


def render_text(data: dict) -> str:
    """TOML-like: the top-level values, then a `[section]` per table."""
    lines: List[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]"]
            lines += [_line(k, v) for k, v in value.items()]
        else:
            lines.append(_line(key, value))
    return "\n".join(lines) + "\n"


def _line(key: str, value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "\n".join([f"{key} = ["] + [f"    {json.dumps(v)}," for v in value] + ["]"])
    return f"{key} = {json.dumps(value)}"


def render_files(paths, root: str, relative_to_cwd=True) -> str:
    from .report.text import display_path

    return "".join((display_path(p) if relative_to_cwd else os.path.relpath(p, root)) + "\n" for p in paths)
