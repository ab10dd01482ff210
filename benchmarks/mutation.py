"""A small mutation-testing run (issue 25, point 8): mutate one module at a time, run the test files
that cover it, and count the mutants no test kills. Not part of .ci/run - a benchmark-style habit.

    python benchmarks/mutation.py modelreg/runner.py tests/test_runner.py tests/test_rule_selection.py

Mutations (one per run, on the module's AST, the file restored afterwards whatever happens): a
comparison flipped (== / !=, < / >=, <= / >, in / not in, is / is not), `and` / `or` swapped, a `not`
dropped, True / False swapped, an integer constant moved by one, a `return X` made `return None`, a
`continue` / `break` swapped. Survivors are printed with their line, to judge which a user would notice.
"""

from __future__ import annotations

import argparse
import ast
import copy
import subprocess
import sys
import time
from pathlib import Path

_FLIP = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.LtE: ast.Gt, ast.Gt: ast.LtE,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


def _sites(tree: ast.AST):
    """(node, kind) of every place one mutation can be made, in a stable order."""
    skip = set()
    for node in ast.walk(tree):  # docstrings and annotations: not behaviour
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, (ast.AnnAssign, ast.arg)) and getattr(node, "annotation", None) is not None:
            skip.update(id(n) for n in ast.walk(node.annotation))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            skip.update(id(n) for n in ast.walk(node.returns))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIP:
                    yield node, ("cmp", i)
        elif isinstance(node, ast.BoolOp):
            yield node, ("boolop", None)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, ("not", None)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield node, ("bool", None)
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, ("int", None)
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            yield node, ("return", None)
        elif isinstance(node, (ast.Continue, ast.Break)):
            yield node, ("loop", None)


class _Apply(ast.NodeTransformer):
    def __init__(self, target: int):
        self.target = target
        self.described = ""

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if getattr(node, "_mut", None) == "not":
            self.described = "drop `not`"
            return node.operand
        return node

    def generic_visit(self, node):
        super().generic_visit(node)
        kind = getattr(node, "_mut", None)
        if kind is None or kind == "not":
            return node
        what, i = kind
        if what == "cmp":
            old = node.ops[i]
            node.ops[i] = _FLIP[type(old)]()
            self.described = f"{type(old).__name__} -> {type(node.ops[i]).__name__}"
        elif what == "boolop":
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self.described = f"-> {type(node.op).__name__.lower()}"
        elif what == "bool":
            node.value = not node.value
            self.described = f"-> {node.value}"
        elif what == "int":
            node.value = node.value + 1
            self.described = f"{node.value - 1} -> {node.value}"
        elif what == "return":
            node.value = ast.Constant(None)
            self.described = "return None"
        elif what == "loop":
            self.described = "continue <-> break"
            return ast.Break() if isinstance(node, ast.Continue) else ast.Continue()
        return node


def mutants(source: str):
    tree = ast.parse(source)
    count = sum(1 for _ in _sites(tree))
    for k in range(count):
        t = copy.deepcopy(tree)
        node, kind = list(_sites(t))[k]
        node._mut = kind[0] if kind[0] == "not" else kind
        applier = _Apply(k)
        t = ast.fix_missing_locations(applier.visit(t))
        yield node.lineno, applier.described, ast.unparse(t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("module")
    ap.add_argument("tests", nargs="+")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    path = Path(args.module)
    original = path.read_text()
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", *args.tests]
    assert subprocess.run(cmd, capture_output=True).returncode == 0, "the tests must pass before mutating"
    killed, survived = 0, []
    started = time.monotonic()
    try:
        for line, what, text in mutants(original):
            path.write_text(text)
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=args.timeout)
                dead = proc.returncode != 0
            except subprocess.TimeoutExpired:
                dead = True
            if dead:
                killed += 1
            else:
                survived.append((line, what))
                print(f"survived: {path}:{line}: {what}", flush=True)
    finally:
        path.write_text(original)
    total = killed + len(survived)
    print(f"{path}: {killed}/{total} killed ({100 * killed / max(total, 1):.0f}%) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
