"""modelreg benchmark: synthetic monorepos of 1k, 10k and 50k files, and real trees, measured side by side with ruff.

Run by hand (not part of the test suite):

    pip install -e '.[dev]'
    python benchmarks/bench.py                 # 1k, 10k, 50k
    python benchmarks/bench.py --sizes 1000 10000 --repeat 7
    python benchmarks/real.py fetch            # the real trees of benchmarks/real.toml, at pinned commits
    python benchmarks/bench.py --real          # ... measured (or --tree PATH for any checkout)

Trees are generated once under benchmarks/trees/ (ignored by git). Each size is
measured interleaved - every scenario once per round, rounds repeated - and the
table reports medians, ratios to `ruff check --select F401 --no-cache` on the
same tree, peak RSS and time per file. Scenarios: cold (no cache), warm (nothing
changed), one model file edited in a way modelreg reads nothing of (a comment),
the same file's model class renamed (a new model name: re-analysis), `--fix`; and the same
scenarios on the 10k tree with a 500-revision Alembic history creating every table (MR010-MR012
then read the history and every model's columns), against the plain tree (`--history N`).
The language-server latency (didChange on a model file -> diagnostics published)
is measured with a real LSP client for the same kinds of edit. `--hostile` measures
instead the shapes that must stay linear: an inheritance chain across 3,000 modules
and 33,000 classes in one module (cold, no cache).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen import add_history, generate  # noqa: E402

TREES = HERE / "trees"


def env() -> dict:
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)  # measure modelreg as installed: from compiled bytecode
    e["NO_COLOR"] = "1"
    return e


LAST_CPU = [0.0]  # CPU seconds (user + system) of the last run timed, its forked children included


def timed(cmd, cwd) -> tuple:
    """(seconds, peak RSS in MB, exit code) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def tree_for(size: int) -> Path:
    root = TREES / f"tree{size}"
    marker = root / ".generated"
    if not marker.exists():
        print(f"generating {size} files ...", file=sys.stderr)
        facts = generate(str(root), size)
        marker.write_text(repr(facts))
    return root


def history_tree_for(size: int, revisions: int) -> Path:
    """The same synthetic tree plus an Alembic history of `revisions` revisions creating every table."""
    root = TREES / f"tree{size}-history{revisions}"
    marker = root / ".generated"
    if not marker.exists():
        print(f"generating {size} files and {revisions} revisions ...", file=sys.stderr)
        facts = generate(str(root), size)
        facts.update(add_history(str(root), revisions))
        marker.write_text(repr(facts))
    return root


def modelreg_cmd(*args, python=None):
    return [python or sys.executable, "-m", "modelreg", *args]


def ruff_cmd():
    ruff = shutil.which("ruff") or os.path.join(os.path.dirname(sys.executable), "ruff")
    return [ruff, "check", "--select", "F401", "--no-cache", "-q", "."]


def measure(size: int, repeat: int, root: Path = None) -> dict:
    root = root or tree_for(size)
    cache = root / ".modelreg_cache"
    registry = root / "app" / "db" / "all_models.py"
    registry_bytes = registry.read_bytes()
    model = next(root.glob("app/domain000/m*.py"))
    model_bytes = model.read_bytes()
    samples = {k: [] for k in ("ruff", "cold", "warm", "edit", "rename", "fix")}
    rss = {k: 0.0 for k in samples}
    try:
        subprocess.run(modelreg_cmd("-q", "."), cwd=root, env=env(), capture_output=True)  # warm the page cache
        for _ in range(repeat):
            t, m, _ = timed(ruff_cmd(), root)
            samples["ruff"].append(t)
            rss["ruff"] = max(rss["ruff"], m)
            shutil.rmtree(cache, ignore_errors=True)
            t, m, code = timed(modelreg_cmd("-q", "."), root)
            assert code == 1, "the tree has unregistered models: modelreg must exit 1"
            samples["cold"].append(t)
            rss["cold"] = max(rss["cold"], m)
            t, m, _ = timed(modelreg_cmd("-q", "."), root)  # writes the report cache too
            t, m, _ = timed(modelreg_cmd("-q", "."), root)
            samples["warm"].append(t)
            rss["warm"] = max(rss["warm"], m)
            # an edit modelreg reads nothing of (a comment; the same holds for a column or a method body)
            model.write_bytes(model_bytes + f"\n# edited {time.time()}\n".encode())
            t, m, _ = timed(modelreg_cmd("-q", "."), root)
            samples["edit"].append(t)
            rss["edit"] = max(rss["edit"], m)
            # an edit that changes what modelreg reads: the model class renamed (a new model-ish name)
            renamed = re.sub(rb"^class (\w+)\(", lambda mt: b"class " + mt.group(1) + b"R%d(" % len(samples["rename"]),
                             model_bytes, count=1, flags=re.M)
            assert renamed != model_bytes
            model.write_bytes(renamed)
            t, m, _ = timed(modelreg_cmd("-q", "."), root)
            samples["rename"].append(t)
            rss["rename"] = max(rss["rename"], m)
            t, m, code = timed(modelreg_cmd("--fix", "-q", "."), root)
            assert code == 0, "--fix must register every model"
            samples["fix"].append(t)
            rss["fix"] = max(rss["fix"], m)
            registry.write_bytes(registry_bytes)
            model.write_bytes(model_bytes)
    finally:
        registry.write_bytes(registry_bytes)
        model.write_bytes(model_bytes)
    files = sum(1 for _ in root.rglob("*.py"))
    return {
        "size": size,
        "files": files,
        "median": {k: statistics.median(v) for k, v in samples.items()},
        "rss": rss,
    }


async def lsp_latency(size: int, edits: int = 20) -> dict:
    """Median time from didChange on a model file to its diagnostics, with a real client over stdio."""
    from lsprotocol import types as t
    from pygls.lsp.client import BaseLanguageClient

    root = tree_for(size)
    model = next(root.glob("app/domain000/m*.py"))
    uri = model.as_uri()
    text = model.read_text()
    client = BaseLanguageClient("bench", "1")
    published = asyncio.Queue()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: t.PublishDiagnosticsParams):
        if params.uri == uri:
            published.put_nowait((time.perf_counter(), params.version))

    await client.start_io(sys.executable, "-m", "modelreg", "server", env=env())
    start = time.perf_counter()
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(), root_uri=root.as_uri()))
    client.initialized(t.InitializedParams())
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    await published.get()
    ready = time.perf_counter() - start
    results = {}
    for kind, make in (
        ("body", lambda i: text.replace("return (self.price_cents or 0) / 100.0", f"return (self.price_cents or {i}) / 100.0")),
        # an import added at the top: every position below moves, so the project is re-analyzed
        ("imports", lambda i: f"import os as os{i}\n" + text),
        # the model class renamed: a new model-ish name every time
        ("rename", lambda i: re.sub(r"^class (\w+)\(", lambda mt: f"class {mt.group(1)}R{i}(", text, count=1, flags=re.M)),
    ):
        latencies = []
        for i in range(edits):
            version = 2 + len(results) * edits + i
            sent = time.perf_counter()
            client.text_document_did_change(
                t.DidChangeTextDocumentParams(
                    text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[t.TextDocumentContentChangeWholeDocument(text=make(i))],
                )
            )
            while True:
                when, got = await published.get()
                if got == version:
                    break
            latencies.append(when - sent)
        results[kind] = statistics.median(latencies)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"ready": ready, **results}


# -- real trees (issue 20): any checkout, side by side with ruff and the interpreter's own start -----------


def _probe_tree(root: Path) -> dict:
    """Files, files the prefilter let through to the parser, and a model file to edit (in-process, once)."""
    code = (
        "import json, modelreg\n"
        "from modelreg import api\n"
        "r = modelreg.check(['.'], use_cache=False)\n"
        "a = r.analysis\n"
        "parsed = sum(1 for e in a.store.entries.values() if e[3] is not None)\n"
        "models = sorted(m.module.path for m in a.models if m.kind == 'class')\n"
        "from modelreg.cache import cache_directory\n"
        "print(json.dumps({'files': len(a._paths), 'parsed': parsed, 'model': models[0] if models else None,"
        " 'models': len(models), 'diagnostics': len(r.diagnostics),"
        " 'cache': cache_directory(a.config.root, a.config.cache_dir)}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, env=env(), capture_output=True, text=True)
    import json

    return json.loads(proc.stdout)


def measure_tree(root: Path, repeat: int, baseline: str = None) -> dict:
    """Interleaved rounds on one tree: the interpreter's start (`python -c pass`, the floor), ruff, and
    modelreg cold, warm, after one model file's comment edit, and `--fix --diff` (what --fix computes,
    without writing the checkout). ``baseline``: another interpreter whose modelreg (an older
    version) is measured cold, warm and edited in the same rounds (keys ending in 0)."""
    root = Path(root).resolve()
    facts = _probe_tree(root)
    model = Path(facts["model"]) if facts["model"] else None
    model_bytes = model.read_bytes() if model else None
    cache = Path(facts["cache"])  # the project root's: a `path` below the root (no pyproject.toml there) has none
    keys = ("floor", "ruff", "cold", "warm", "edit", "fix") + (("cold0", "warm0", "edit0") if baseline else ())
    samples = {k: [] for k in keys}
    cpu = {k: [] for k in keys}
    rss = {k: 0.0 for k in samples}

    def run(key, cmd):
        t, m, _ = timed(cmd, root)
        samples[key].append(t)
        cpu[key].append(LAST_CPU[0])
        rss[key] = max(rss[key], m)

    def scenarios(python, suffix):
        shutil.rmtree(cache, ignore_errors=True)
        run("cold" + suffix, modelreg_cmd("-q", ".", python=python))
        timed(modelreg_cmd("-q", ".", python=python), root)  # writes the report cache
        run("warm" + suffix, modelreg_cmd("-q", ".", python=python))
        if model is not None:
            model.write_bytes(model_bytes + f"\n# edited {time.time()}\n".encode())
            run("edit" + suffix, modelreg_cmd("-q", ".", python=python))
            model.write_bytes(model_bytes)

    try:
        for _ in range(repeat):
            run("floor", [sys.executable, "-c", "pass"])
            run("ruff", ruff_cmd())
            scenarios(None, "")
            run("fix", modelreg_cmd("--fix", "--diff", "-q", "."))
            if baseline:
                scenarios(baseline, "0")
    finally:
        if model is not None:
            model.write_bytes(model_bytes)
        shutil.rmtree(cache, ignore_errors=True)
    return {
        "root": root,
        **facts,
        "median": {k: statistics.median(v) for k, v in samples.items() if v},
        "cpu": {k: statistics.median(v) for k, v in cpu.items() if v},
        "rss": rss,
    }


def print_trees(rows) -> None:
    """The table of real trees, with the targets of issue 28: cold <= 2x ruff, warm <= floor + 0.05 s,
    one model file edited <= 0.5x ruff, peak RSS <= ruff's + 30 MB; where ruff is faster than any
    Python process can be, the floor is the interpreter's start: cold <= floor + 0.25 s, an edit
    <= floor + 0.15 s."""
    header = (
        f"{'tree':<34} | {'files':>6} | {'parsed':>6} | {'python':>6} | {'ruff':>6} | {'cold':>13} | {'warm':>13} | "
        f"{'edit':>13} | {'--fix':>13} | {'RSS (ruff)':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        m = r["median"]
        ruff, floor = m["ruff"], m["floor"]
        cell = lambda k: f"{m[k]:5.2f}s {m[k] / ruff:5.2f}x" if k in m else "-"  # noqa: E731
        peak = max(r["rss"][k] for k in ("cold", "warm", "edit", "fix"))
        real = TREES / "real"
        name = str(r["root"].relative_to(real)) if str(r["root"]).startswith(str(real) + os.sep) else str(r["root"])
        name = name if len(name) <= 34 else "..." + name[-31:]
        print(
            f"{name:<34} | {r['files']:>6} | {r['parsed']:>6} | {floor:5.2f}s | {ruff:5.2f}s | {cell('cold'):>13} | "
            f"{cell('warm'):>13} | {cell('edit'):>13} | {cell('fix'):>13} | {peak:4.0f} ({r['rss']['ruff']:3.0f}) MB"
        )
        verdicts = []
        small = floor + 0.25 >= 2 * ruff
        cold_ok = m["cold"] <= (floor + 0.25 if small else 2 * ruff)
        warm_ok = m["warm"] <= floor + 0.05
        edit_ok = "edit" not in m or m["edit"] <= max(floor + 0.15, 0.5 * ruff)
        rss_ok = peak <= r["rss"]["ruff"] + 30
        for label, ok in (("cold", cold_ok), ("warm", warm_ok), ("edit", edit_ok), ("RSS", rss_ok)):
            verdicts.append(f"{label} {'met' if ok else 'MISSED'}")
        print(f"{'':<34}   targets{' (floor-based: a small tree)' if small else ''}: {', '.join(verdicts)}")
        c = r["cpu"]
        line = ", ".join(f"{k} {c[k]:.2f}s" for k in ("floor", "ruff", "cold", "warm", "edit") if k in c)
        print(f"{'':<34}   CPU seconds (user + system, children included): {line}")
        if "cold0" in m:
            before = ", ".join(
                f"{k} {m[k + '0']:.2f}s -> {m[k]:.2f}s (CPU {c[k + '0']:.2f}s -> {c[k]:.2f}s)"
                for k in ("cold", "warm", "edit")
                if k + "0" in m
            )
            peak0 = max(r["rss"][k] for k in ("cold0", "warm0", "edit0"))
            peak1 = max(r["rss"][k] for k in ("cold", "warm", "edit"))
            print(f"{'':<34}   baseline -> this version: {before}; peak RSS {peak0:.0f} -> {peak1:.0f} MB")


# -- hostile shapes (issue 15): what must stay linear ------------------------------------------------

BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"


def chain_tree(modules: int) -> Path:
    """An inheritance chain across `modules` modules: C0(Base) in m0, Ci(C(i-1)) in mi, each importing
    its parent from the module before (single-table inheritance: no file spells a trigger word, each
    model is found only once its parent is); the registry imports the first module only (an MR001
    for every other model)."""
    root = TREES / f"chain{modules}"
    if not (root / ".generated").exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "pkg").mkdir(parents=True)
        (root / "pyproject.toml").write_text("")
        (root / "pkg/__init__.py").write_text("")
        (root / "pkg/base.py").write_text(BASE)
        for i in range(modules):
            parent = "Base" if i == 0 else f"C{i - 1}"
            where = "pkg.base" if i == 0 else f"pkg.m{i - 1:05d}"
            (root / f"pkg/m{i:05d}.py").write_text(f"from {where} import {parent}\n\n\nclass C{i}({parent}):\n    rank = {i}  # declares something: a model, not a typing-only subclass\n")
        (root / "pkg/__all_models.py").write_text("import pkg.m00000\n")
        (root / ".generated").write_text("")
    return root


def wide_tree(classes: int) -> Path:
    """One module defining `classes` models, half of them subclasses of the class before; the registry imports it."""
    root = TREES / f"wide{classes}"
    if not (root / ".generated").exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "pkg").mkdir(parents=True)
        (root / "pyproject.toml").write_text("")
        (root / "pkg/__init__.py").write_text("")
        body = [BASE]
        for i in range(classes):
            parent = f"M{i - 1}" if i % 2 else "Base"
            body.append(f"\n\nclass M{i}({parent}):\n    __tablename__ = 't{i}'\n")
        (root / "pkg/models.py").write_text("".join(body))
        (root / "pkg/__all_models.py").write_text("import pkg.models\n")
        (root / ".generated").write_text("")
    return root


def hostile(repeat: int) -> None:
    """Cold checks (no cache) of the hostile shapes: a 3,000-module chain and 33,000 classes in one module,
    with smaller sizes beside them to show the growth."""
    print("hostile shapes, cold check (--no-cache), median of", repeat)
    for label, make, sizes in (
        ("inheritance chain across modules", chain_tree, (500, 1500, 3000)),
        ("classes in one module", wide_tree, (10000, 33000)),
    ):
        for n in sizes:
            root = make(n)
            runs = [timed(modelreg_cmd("--no-cache", "-q", "."), root) for _ in range(repeat)]
            codes = {code for _, _, code in runs}
            seconds = statistics.median(t for t, _, _ in runs)
            print(f"  {label:>34}: {n:>6} -> {seconds:6.2f} s (exit {sorted(codes)})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-lsp", action="store_true")
    parser.add_argument("--hostile", action="store_true", help="only the hostile shapes (issue 15)")
    parser.add_argument("--history", type=int, default=500, metavar="N",
                        help="also measure the tree with an N-revision Alembic history (0: skip)")
    parser.add_argument("--tree", action="append", default=[], metavar="PATH", help="measure this checkout (repeatable)")
    parser.add_argument("--real", action="store_true", help="measure every tree of benchmarks/real.toml that is fetched")
    parser.add_argument("--baseline", metavar="PYTHON", default=None,
                        help="with --real/--tree: also measure the modelreg of this interpreter (an older version) in the same rounds")
    args = parser.parse_args(argv)
    if args.hostile:
        hostile(args.repeat)
        return 0
    if args.tree or args.real:
        from real import fetched, load, where

        trees = [Path(t) for t in args.tree] + [where(t) for t in load() if args.real and fetched(t)]
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; medians of {args.repeat} interleaved rounds")
        print_trees([measure_tree(t, args.repeat, args.baseline) for t in trees])
        return 0
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "modelreg")], env=env(), check=False)
    rows = [measure(size, args.repeat if size <= 10000 else max(3, args.repeat // 2)) for size in args.sizes]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    print(f"medians of {args.repeat} interleaved rounds (50k: fewer); ratio = modelreg / ruff on the same tree\n")
    header = (
        f"{'files':>7} | {'ruff':>7} | {'cold':>14} | {'warm':>14} | {'edit: comment':>14} | {'edit: rename':>14} | "
        f"{'--fix':>14} | {'peak RSS':>9} | {'cold per file':>13}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        m = r["median"]
        ruff = m["ruff"]
        cell = lambda k: f"{m[k]:6.2f}s {m[k] / ruff:4.2f}x"  # noqa: E731
        peak = max(r["rss"][k] for k in ("cold", "warm", "edit", "rename", "fix"))
        print(
            f"{r['files']:>7} | {ruff:6.2f}s | {cell('cold'):>14} | {cell('warm'):>14} | {cell('edit'):>14} | "
            f"{cell('rename'):>14} | {cell('fix'):>14} | {peak:6.0f} MB | {m['cold'] / r['files'] * 1e6:9.0f} us"
        )
    by_size = {r["size"]: r for r in rows}
    if 10000 in by_size and 50000 in by_size:
        a = by_size[10000]["median"]["cold"] / by_size[10000]["files"]
        b = by_size[50000]["median"]["cold"] / by_size[50000]["files"]
        print(f"\ntime per file, 50k vs 10k (cold): {b / a:.2f}x")
    if args.history:
        size = 10000 if 10000 in args.sizes else args.sizes[0]
        # interleaved again: the plain tree and the one with a history, the same rounds
        plain, with_history = [], []
        for _ in range(args.repeat):
            plain.append(measure(size, 1))
            with_history.append(measure(size, 1, history_tree_for(size, args.history)))
        print(f"\n{args.history}-revision Alembic history on the {size}-file tree (medians; plain -> with history):")
        for k in ("warm", "edit", "rename", "cold", "fix"):
            a = statistics.median(r["median"][k] for r in plain)
            b = statistics.median(r["median"][k] for r in with_history)
            print(f"  {k:>6}: {a:6.3f}s -> {b:6.3f}s  ({b - a:+.3f}s)")
    if not args.no_lsp:
        size = 10000 if 10000 in args.sizes else args.sizes[0]
        lat = asyncio.run(lsp_latency(size))
        print(
            f"\nlanguage server, {size} files: ready in {lat['ready']:.2f}s; didChange -> diagnostics, median: "
            f"{lat['body'] * 1000:.0f} ms (an edit inside a method: nothing modelreg reads changes), "
            f"{lat['imports'] * 1000:.0f} ms (an import added at the top: every position moves), "
            f"{lat['rename'] * 1000:.0f} ms (the model class renamed)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
