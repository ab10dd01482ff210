"""modelreg.state: the resolver's results are carried over to the next analysis except those an edit can change."""

from __future__ import annotations

import marshal

import pytest

from conftest import project_module, resolved
from modelreg.resolve import Project

FILES = {
    "pkg/__init__.py": "",
    "pkg/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "pkg/users.py": "from pkg.db import Base\nclass User(Base):\n    __tablename__ = 'users'\n",
    "pkg/orders.py": "from pkg.db import Base\nclass Order(Base):\n    __tablename__ = 'orders'\n",
    "pkg/legacy.py": "class Old:\n    pass\n",
}


def _inventory(project: Project):
    return sorted((m.name, m.module.name, m.table, project.bases[m.base].name) for m in project.models())


def _fresh_like(project: Project) -> Project:
    return Project(project.config, project.modules, project.facts)


def test_a_saved_state_survives_marshal_and_gives_the_same_inventory_without_recomputing(tree):
    first = resolved(tree(FILES))
    expected = _inventory(first)
    state = marshal.loads(marshal.dumps(first.export_state()))
    second = _fresh_like(first)
    assert second.import_state(state, changed=[]) == set()
    assert _inventory(second) == expected
    # every per-module result came from the state: no file's facts were asked for again
    assert second.loaded_facts() == {}


def test_an_edit_drops_the_results_of_the_edited_file_and_of_every_module_that_read_it(tree):
    first = resolved(tree(FILES))
    first.models()
    db = project_module(first, "pkg.db").path
    second = _fresh_like(first)
    dropped = second.inherit(first, changed=[db])
    names = {project_module(first, n).path: n for n in ("pkg.db", "pkg.users", "pkg.orders", "pkg.legacy")}
    assert {names[p] for p in dropped if p in names} == {"pkg.db", "pkg.users", "pkg.orders"}
    # legacy.py never read db.py: its results are taken over as they are
    legacy = names and project_module(first, "pkg.legacy").path
    assert second.state.module_models[legacy] is first.state.module_models[legacy]
    assert _inventory(second) == _inventory(first)


def test_a_state_that_is_not_what_modelreg_writes_is_refused_and_changes_nothing(tree):
    first = resolved(tree(FILES))
    state = first.export_state()
    state["models"] = {"/nowhere.py": ((("X", "/nowhere.py"),), (), (), ())}
    second = _fresh_like(first)
    with pytest.raises((KeyError, TypeError, ValueError)):
        second.import_state(state, changed=[])
    assert second.state.module_models == {} and second.state.saved_bindings == {}
    assert _inventory(second) == _inventory(first)
