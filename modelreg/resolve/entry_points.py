"""Where the application starts: the functions its console scripts call and the Flask app it serves.

An Alembic env.py that reaches none of its base's models runs inside a process that loaded them
first: a console script (`[project.scripts]` in pyproject.toml, `console_scripts` in setup.cfg or
setup.py) that imports the models and then calls Alembic, or the Flask app that Flask-Migrate's
`flask db` commands build (`FLASK_APP` in `.flaskenv`/`.env`, else `wsgi.py` or `app.py`, as Flask's
own `find_best_app` looks; a module without an `app` gets its `create_app`/`make_app` factory called).
Each is a (module, function) pair: the registry is the module, and what calling the function imports
counts (modelreg.reach.reachable).
"""

from __future__ import annotations

import os
import re
from typing import List, Optional, Tuple

from ..types import MODULE, Module
from .declared import modules_of
from .reach import function_of

Entry = Tuple[Module, Optional[str]]  # (module, the function the application calls; None: importing it)

_FLASK_FACTORIES = ("create_app", "make_app")
_FLASK_APPS = ("app", "application")


def console_scripts(root: str) -> List[Tuple[str, str]]:
    """(module, function) of each console script the project declares (`name = "pkg.cli:main"`)."""
    return [(m, a) for m, a in modules_of(root, "console_scripts") if a]


def flask_app_spec(root: str) -> Optional[str]:
    """FLASK_APP as `.flaskenv` or `.env` sets it (what `flask db ...` run from the root reads)."""
    for name in (".flaskenv", ".env"):
        path = os.path.join(root, name)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        m = re.search(r"^\s*(?:export\s+)?FLASK_APP\s*=\s*['\"]?([\w./:]+)", text, re.M)
        if m:
            module, colon, attr = m.group(1).partition(":")
            if module.endswith(".py"):  # a file path, as Flask's prepare_import takes it
                module = module[:-3].replace("/", ".")
            return module + colon + attr
    return None


def entries(project) -> List[Entry]:
    """The application's entry points that are modules of the project (see the module docstring)."""
    root = project.config.root
    out: List[Entry] = []
    for dotted, function in console_scripts(root):
        mod = _module(project, dotted)
        if mod is not None:
            out.append((mod, function))
    spec = flask_app_spec(root)
    names = [spec.partition(":")[0]] if spec else ["wsgi", "app"]
    for dotted in names:
        mod = _module(project, dotted)
        if mod is None:
            continue
        factory = spec.partition(":")[2].partition("(")[0] if spec else ""
        out.append(_factory_call(project, mod) if not factory else (mod, factory))
        break
    return out


def _module(project, dotted: str) -> Optional[Module]:
    for mods in project.by_root.values():
        mod = mods.get(dotted)
        if mod is not None:
            return mod
    return None


def _factory_call(project, mod: Module) -> Entry:
    """Flask's rule: a module-level `app` (or `application`) is the app, else Flask calls the module's
    `create_app`/`make_app`. An app made by a project factory (`app = create_app()` in wsgi.py) is that
    factory's: the models it imports are registered where the factory lives, whoever calls it."""
    facts = project.facts(mod)
    for a in facts.assigns:
        if a.scope == MODULE and set(a.targets) & set(_FLASK_APPS) and a.value[0] == "call":
            target = function_of(project, mod, a.value[1])
            if target is not None:
                return target
    if any(name in facts.defined for name in _FLASK_APPS):
        return (mod, None)
    return (mod, next((f for f in _FLASK_FACTORIES if f in facts.defined), None))
