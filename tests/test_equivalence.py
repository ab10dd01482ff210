"""benchmarks/equivalence.py, the fast path against a full parse on real trees, run in CI on a small
tree shaped like the real ones: model names spelled in every service module, a package re-exporting
its models, an alias, single-table subclasses in other modules, a Core table, a .gitignore."""

from __future__ import annotations

import os
import sys
import time

import modelreg
import modelreg.store
from conftest import REPO, write_tree

sys.path.insert(0, str(REPO / "benchmarks"))
import equivalence  # noqa: E402

APP = {
    "pyproject.toml": "",
    ".gitignore": "*.pyc\nbuild/\n/local_settings.py\n",
    "local_settings.py": "from app.models import User\n",
    "build/lib/app/models.py": "class Stale:\n    pass\n",
    "app/__init__.py": "",
    "app/db.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
    "app/models/__init__.py": "from .user import User, Admin\nfrom .event import Event as Meeting\n\n__all__ = ['User', 'Admin', 'Meeting']\n",
    "app/models/user.py": (
        "from app.db import db\n\n\nclass User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n"
        "    kind = db.Column(db.String)\n    __mapper_args__ = {'polymorphic_on': kind}\n\n\n"
        "class Admin(User):\n    __mapper_args__ = {'polymorphic_identity': 'admin'}\n"
    ),
    "app/models/event.py": (
        "from app.db import db\n\n\nclass Event(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n\n\n"
        "tags = db.Table('tags', db.Column('event_id', db.Integer))\n"
    ),
    "app/models/series.py": "from app.models.event import Event\n\n\nclass Series(Event):\n    level = 2\n",
    "app/models/audit.py": (
        "from app.models import Meeting as M\n\nAuditBase = M\n\n\nclass AuditedMeeting(AuditBase):\n    audited = True\n"
    ),
    "app/services/users.py": (
        "from app.models import User\n\n\ndef find(name):\n    return User.query.filter_by(name=name).first()\n\n\n"
        "class UserService:\n    model = User\n"
    ),
    "app/services/events.py": "from app.models import Meeting\n\n\ndef upcoming():\n    return Meeting.query.all()\n",
    # a syntax error inside a function body: the skeleton blanks bodies, only a full parse sees it
    "app/services/legacy.py": "from app.models import User\n\n\ndef old():\n    return User +\n",
    "app/views.py": "from app.services.users import find\nfrom app.models import Admin\n\n\ndef admin(name):\n    return find(name) or Admin()\n",
    "app/__all_models.py": "import app.models.user  # noqa: F401\nimport app.models.event  # noqa: F401\n",
}


def test_the_fast_path_agrees_with_a_full_parse_on_a_real_shaped_tree(tmp_path):
    root = _aged(write_tree(tmp_path / "app", APP))
    report = modelreg.check([str(root)], use_cache=False, full=True)
    assert sorted(m.name for m in report.models) == ["Admin", "AuditedMeeting", "Event", "Series", "User", "tags"]
    assert [d.code for d in report.diagnostics] == ["MR001", "MR001", "MR100"], "the tree has something to report"
    files, found = equivalence.check_tree(str(root))
    assert files == 12  # build/ and local_settings.py are ignored
    assert [d for d in found if not d.startswith("note: ")] == []
    # the documented exception: `full=True` reports every file's error, the fast path those of the files it needs
    assert [d.split(":")[0] for d in found] == ["note"] * 3  # the file (LF and CRLF), and its MR100
    assert not (root / ".modelreg_cache").exists(), "the console script's cache is removed"


def test_the_equivalence_check_reports_a_prefilter_that_misses_a_model_file(tmp_path, monkeypatch):
    root = _aged(write_tree(tmp_path / "app", APP))
    # a prefilter whose vocabulary never grows: Series (a subclass of Event, in another module) is missed
    monkeypatch.setattr(modelreg.store.FactStore, "more_candidates", lambda self, names, new: [])
    differ = equivalence.project_differences(str(root))
    assert "the prefilter's results differ from a full parse's" in differ


def _aged(root):
    """Files an hour old: a file written within the file system's tick of a run is read again by the
    next one (cache.racy), which would then not reuse the stored report."""
    old = time.time() - 3600
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (old, old), follow_symlinks=False)
    return root


def test_the_candidates_parsed_in_forked_children_give_the_results_of_parsing_them_here(tmp_path, monkeypatch):
    root = str(_aged(write_tree(tmp_path / "app", APP)))
    serial = equivalence.outcome(modelreg.check([root], use_cache=False))
    log = tmp_path / "parsed-by"
    real = modelreg.store.index_source

    def index_source(data, *args, **kwargs):
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return real(data, *args, **kwargs)

    monkeypatch.setattr(modelreg.store, "index_source", index_source)
    monkeypatch.setattr(modelreg.store, "PREFETCH_THRESHOLD", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert equivalence.outcome(modelreg.check([root], use_cache=False)) == serial
    assert set(log.read_text().split()) - {str(os.getpid())}, "candidates were parsed in a forked child"
