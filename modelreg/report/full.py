"""`--output-format full`: as ruff prints it - the header line (`[*]` when `--fix` fixes it), the
source line with a caret under the name, and under a fixable finding the fix `--fix` would make
(the CLI passes ``fixes``, api.planned_fixes; without them, the rule's fix title), or the step to take
for a rule no --fix covers (MR010-MR012); none for a finding --fix leaves (its message says why).

    pkg/data/audit.py:4:7: MR001 [*] model Audit (pkg.data.audit) is not registered: ...
      |
    4 | class Audit(Base):
      |       ^^^^^ MR001
      |
      = help: add import pkg.data.audit to pkg/data/__all_models.py
"""

from __future__ import annotations

from typing import Dict, List, Optional

import click

from ..rules import BY_CODE
from .text import display_path


def _source_lines(path: str, cache: Dict[str, Optional[List[str]]]) -> Optional[List[str]]:
    if path not in cache:
        from ..index import decode

        try:
            with open(path, "rb") as f:
                cache[path] = decode(f.read()).splitlines()
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            cache[path] = None
    return cache[path]


def help_line(fixes) -> str:
    """What the fixes of one finding add and remove, naming each statement and file."""
    parts = []
    for fx in fixes:
        where = display_path(fx.path)
        parts += [f"remove {stmt} from {where}" for stmt in fx.removed]
        parts += [f"add {stmt} to {where}" for stmt in fx.added]
    return "; ".join(parts)


def render_one(d, lines: Optional[List[str]], color: bool = False, fixes=None) -> str:
    loc = f"{display_path(d.path)}:{d.line}:{d.column}:"
    code = d.code
    marker = " [*]" if d.fixable else ""
    if color:
        loc, code = click.style(loc, bold=True), click.style(code, fg="red", bold=True)
        marker = click.style(marker, fg="cyan") if marker else ""
    out = [f"{loc} {code}{marker} {d.message}"]
    if lines is not None and 1 <= d.line <= len(lines):
        number = str(d.line)
        gutter = " " * len(number)
        source = lines[d.line - 1].rstrip()
        start = d.column - 1
        end = d.end_column - 1 if d.end_line == d.line else len(source)
        width = max(1, min(end, max(len(source), start + 1)) - start)
        # the caret line keeps the source line's tabs, so it lines up however tabs are shown
        pad = "".join(c if c == "\t" else " " for c in source[:start])
        caret = "^" * width
        if color:
            caret = click.style(caret, fg="red", bold=True)
        out += [f"{gutter} |", f"{number} | {source}", f"{gutter} | {pad}{caret} {d.code}", f"{gutter} |"]
    rule = BY_CODE.get(d.code)
    named = help_line(fixes) if fixes else ""
    if d.fixable and named:
        out.append(f"  = help: {named}")
    # the fix title when --fix fixes it, or the step to take by hand for a rule no --fix covers
    # (MR010-MR012); none when --fix covers the rule but not this finding: its message says why
    elif rule is not None and rule.FIX_TITLE and (d.fixable or not getattr(rule, "FIXABLE", True)):
        out.append(f"  = help: {rule.FIX_TITLE}")
    return "\n".join(out) + "\n"


def render(report, color: bool = False, fixes: Optional[Dict[int, list]] = None) -> str:
    """``fixes``: index of a fixable diagnostic -> what --fix writes for it (api.planned_fixes)."""
    cache: Dict[str, Optional[List[str]]] = {}
    fixes = fixes or {}
    return "\n".join(
        render_one(d, _source_lines(d.path, cache), color, fixes.get(i)) for i, d in enumerate(report.diagnostics)
    )
