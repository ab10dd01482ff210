"""modelreg.bindings: the statement that binds each module-level name is the one Python executes last."""

from __future__ import annotations

import subprocess
import sys

from modelreg.index import index_source
from modelreg.resolve.bindings import winning_bindings

SOURCE = b"""\
import os.path
from collections import OrderedDict as Base, defaultdict as Base
Base = 1
class Base:
    pass
import json as os
from typing import *

def f():
    global_but_local = 1
"""


def test_the_last_binding_statement_of_each_name_wins_as_the_interpreter_says():
    best = winning_bindings(index_source(SOURCE))
    assert {name: binding[0] for name, (_, binding) in best.items()} == {"os": "import", "Base": "class_def"}
    assert best["os"][1][2:] == ("json", "os")  # `import json as os` (line 6) replaced `import os.path`
    assert "global_but_local" not in best and "f" not in best  # functions are not bindings the resolver follows
    truth = subprocess.run(
        [sys.executable, "-c", "exec(compile(open(0).read(), 'm', 'exec')); print(os.__name__, isinstance(Base, type))"],
        input=SOURCE.decode(), capture_output=True, text=True,
    ).stdout.split()
    assert truth == ["json", "True"]


def test_within_one_import_statement_the_later_alias_wins():
    best = winning_bindings(index_source(b"from collections import OrderedDict as B, defaultdict as B\n"))
    assert best["B"][1][2] == "defaultdict"
