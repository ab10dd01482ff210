"""Running the rules: the enabled codes, the PATHs a run reports on, `per-file-ignores` and `# noqa`.

``run_rules(analysis, scopes)`` is the one place a diagnostic is kept or dropped; the rules
themselves (``modelreg.rules``) only find.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from . import config as config_mod
from . import rules
from .types import Diagnostic

if TYPE_CHECKING:
    from .analysis import Analysis


def scopes_of(paths: Sequence[str], cfg: config_mod.Config) -> List[str]:
    """The PATHs diagnostics are reported for; none (everything) when one of them is the project root."""
    scopes = [os.path.abspath(p) for p in paths]
    return [] if cfg.root in scopes else scopes


def under(path: str, scopes: Sequence[str]) -> bool:
    return any(path == s or path.startswith(s.rstrip(os.sep) + os.sep) for s in scopes)


def _in_scope(analysis: Analysis, d: Diagnostic, scopes: Sequence[str]) -> bool:
    """Whether a diagnostic concerns the PATHs given.

    Directories: diagnostics located under them. Files (what pre-commit passes):
    diagnostics located in those files, plus everything located in a registry
    (a stale import breaks the project whichever file the commit touched), plus
    MR001 caused by a passed registry (a line removed from it).
    """
    if not scopes or under(d.path, scopes):
        return True
    files = [s for s in scopes if not os.path.isdir(s)]
    if not files:
        return False
    registries = {r.path for r in analysis.registries}
    return d.path in registries or (d.registry is not None and d.registry in files)


def run_rules(analysis: Analysis, scopes: Sequence[str], unknown: Optional[list] = None) -> List[Diagnostic]:
    """The diagnostics of the enabled rules under ``scopes``, less those suppressed. ``unknown``
    collects the unknown rule codes of the noqa comments consulted (see _suppressed)."""
    out = []
    cfg = analysis.config
    enabled = set(cfg.enabled())
    per_file: Dict[str, Tuple[str, ...]] = {}
    for rule in rules.RULES:
        if rule.CODE not in enabled:
            continue
        for d in rule.check(analysis):
            if not _in_scope(analysis, d, scopes):
                continue
            if _file_ignored(analysis, d, per_file) or _suppressed(analysis, d, unknown):
                continue
            out.append(d)
    out.sort(key=lambda d: (d.path, d.line, d.column, d.code))
    return out


def reported(analysis: Analysis, d: Diagnostic) -> bool:
    """Whether the project's configuration lets a diagnostic through, as run_rules would: its rule
    selected, no per-file-ignores and no `# noqa` for it (the Alembic guard asks this of the problems
    a revision would create, which no rule has reported yet)."""
    if d.code not in analysis.config.enabled():
        return False
    return not (_file_ignored(analysis, d, {}) or _suppressed(analysis, d))


def _file_ignored(analysis: Analysis, d: Diagnostic, memo: Dict[str, Tuple[str, ...]]) -> bool:
    cfg = analysis.config
    if not cfg.per_file_ignores:
        return False
    off = memo.get(d.path)
    if off is None:
        off = memo[d.path] = cfg.ignored_in(analysis.rel(d.path))
    return d.code in off


_EXPLICIT_ONLY = frozenset({"MR002"})
FILE_NOQA_LINE = 0  # the index records a file-level `# modelreg: noqa[: codes]` at line 0


def _suppressed(analysis: Analysis, d: Diagnostic, unknown: Optional[list] = None) -> bool:
    """Whether a `# noqa` comment hides the diagnostic. The codes of a file-level `# modelreg: noqa`
    consulted that name no rule are added to ``unknown`` as (path, 0, code). (The codes of a
    line's `# noqa` may be other tools': they are not checked.)"""
    mod = analysis.project.by_path.get(d.path)
    if mod is None:
        return False
    facts = analysis.project.facts(mod)
    if d.code == "MR100":
        return False
    whole_file = _file_directive(facts)
    if whole_file is not None:
        if unknown is not None:
            unknown.extend((d.path, FILE_NOQA_LINE, c) for c in whole_file if c not in rules.BY_CODE)
        if whole_file == () or d.code in whole_file:
            return True
    codes = facts.noqa_codes(d.line)
    if codes is None:
        return False
    if codes == ():
        # a bare `# noqa` (the FastAPI template puts one on every registry line, meant for F401)
        # does not hide an import that breaks the registry: only `# noqa: MR002` does
        return d.code not in _EXPLICIT_ONLY
    return d.code in codes


def _file_directive(facts) -> Optional[Tuple[str, ...]]:
    """The file-level `# modelreg: noqa` lines together: None (none), () (a bare one: every code), or codes."""
    found: Optional[Tuple[str, ...]] = None
    for line, codes in facts.noqa:
        if line == FILE_NOQA_LINE:
            if codes is None:
                return ()
            found = (found or ()) + codes
    return found


def unknown_codes_error(unknown: Sequence[Tuple[str, int, str]]) -> config_mod.ConfigError:
    path, line, code = sorted(set(unknown))[0]
    return config_mod.ConfigError(
        f"{os.path.relpath(path)}: `# modelreg: noqa` names unknown rule code {code!r} "
        f"(known: {', '.join(rules.BY_CODE)})"
    )
