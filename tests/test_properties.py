"""Issue 8, point 1: property-based tests (hypothesis) on random projects, against the real SQLAlchemy.

What is generated (``projects()``): a top package with 1-4 subpackages (depth 1-3); one declarative
base in a random style (``declarative_base()``, ``class Base(DeclarativeBase)``,
``registry().generate_base()``) and under a random name; 1-5 model modules (regular modules, or a
package's ``__init__.py``) holding 1-3 models each, declared as a plain subclass of the base,
through an ``__abstract__ = True`` intermediate in another module, with a mixin (from a mixins
module), or by joined-table inheritance from an earlier model (``class Admin(User)``, a ForeignKey
primary key, ``__mapper_args__``; chains too). Each module names the base, the abstract class, the
mixin and the parent model in a random way: ``from m import X``, ``from m import X as SaX``,
``import m as alias`` then ``alias.X``, or a relative import. Some non-model classes: plain classes
named like bases (``UserBase``), and a pydantic ``schemas`` module with a ``class Base(BaseModel)``.
The registry is ``__all_models.py`` (found by file name) or a configured file, in a random package,
in one of the styles `--fix` knows: Talk Python (``# noinspection PyUnresolvedReferences`` above
``import pkg.x.y``, with or without blank lines), FastAPI template (``from pkg.x.y import Cls  #
noqa``), relative (``from ..x import m``, one per line), one multi-name relative statement
(``from . import a, b  # noqa: F401``), or empty (a docstring only); entries sorted or not; a random
subset of model modules is registered; sometimes a stale import of a module that does not exist.
Every generated model is valid for SQLAlchemy: unique table names, primary keys; the subprocess
configures every mapper and creates every table in SQLite, with SQLAlchemy warnings as errors.

The properties, for each project (``require = "reachable"``, the default, and ``module``):

1. before fixing, the models modelreg reports with MR001 are, in ``reachable`` mode, exactly the
   models mapped at runtime once every module is imported minus those mapped by importing the
   registry alone; in ``module`` mode, exactly the models whose module no registry statement names
   (and never fewer than the runtime difference: nothing the registry really misses goes unreported);
   MR002 is reported exactly when there is a stale import, and nothing else is reported;
2. after ``modelreg --fix``, importing the registry maps every model (and --fix edited the registry only);
3. a second ``--fix`` changes nothing: same bytes, the registry's mtime untouched;
4. a check after the fix reports nothing.

Stale imports: a registry with a stale import cannot be imported at all, so the runtime side of
property 1 imports the registry with the stale line replaced by what Python really runs of it before
failing: ``import S.gone``, ``from S.gone import Gone`` and ``from <S> import gone`` all import the
package ``S`` (and the packages above it), then raise. That is what modelreg must judge: it reports
the stale line itself as MR002 and every other line as if it ran. (A registry with the stale line
simply deleted would be a wrong reference: a model in ``S/__init__.py`` is registered by the stale
line in ``reachable`` mode, and in ``module`` mode when the line is relative.) After ``--fix`` the
stale line is gone, and properties 2-4 require that whatever it alone registered is registered by a
line ``--fix`` added in the same run.

Runtime side: one subprocess per example. It executes the original registry source (stale line
replaced as above) as the registry module, reads ``Base.registry.mappers``, imports every module and
reads again; then it forgets every module of the project (a fresh ``Base``), imports the fixed registry
from disk and reads again.

Examples per test: 15 by default (keeps the file well under a minute); set
``MODELREG_HYPOTHESIS_EXAMPLES=500`` (any number) for a longer run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import modelreg
from modelreg.cli import main

EXAMPLES = int(os.environ.get("MODELREG_HYPOTHESIS_EXAMPLES", "15"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOPS = ["app", "shop", "pypi_org"]
PACKAGE_NAMES = ["data", "models", "db", "core", "billing", "auth"]
MODULE_NAMES = ["users", "orders", "audit", "packages", "releases", "downloads", "accounts", "items", "posts"]
BASE_MODULES = ["modelbase", "base_class", "database"]
BASE_NAMES = ["Base", "SqlAlchemyBase", "ModelBase"]
CLASS_NAMES = [
    "User", "Order", "Invoice", "Audit", "Package", "Release", "Download", "Maintainer", "Language",
    "License", "Item", "Post", "Comment", "Tag", "Account", "Payment", "Product", "Admin",
]
REGISTRY_NAMES = ["base", "all_models", "registry"]  # configured registries; else __all_models
STALE = "gone"  # never the name of a generated module or package
IMPORT_FORMS = ["from", "from-as", "alias", "relative"]  # how a module names a class of another module


@dataclass(frozen=True)
class Project:
    """A generated project and what the test knows about it (``files`` is the whole tree)."""

    files: Dict[str, str]
    top: str
    base_module: str
    base_name: str
    registry_module: str
    original_registry: str  # the registry as generated, its stale line replaced by what Python runs of it
    modules: Tuple[str, ...]  # every module of the project but the registry, in a safe import order
    models: Tuple[str, ...]  # dotted names of every model (pkg.mod.Class)
    named: Tuple[str, ...]  # modules the registry names with a statement of its own (`module` mode)
    stale: bool

    @property
    def registry_path(self) -> str:
        return self.registry_module.replace(".", "/") + ".py"

    def module_mode_unregistered(self) -> Set[str]:
        return {m for m in self.models if m.rpartition(".")[0] not in self.named}

    def describe(self) -> str:
        return "\n".join(f"--- {path}\n{text}" for path, text in sorted(self.files.items()))


# -- generation ------------------------------------------------------------------------------------


def rel_source(package: str, target: str) -> str:
    """The `from <source> import ...` source naming `target` relatively from inside `package`."""
    p, t = package.split("."), target.split(".")
    n = 0
    while n < min(len(p), len(t)) and p[n] == t[n]:
        n += 1
    return "." * (len(p) - n + 1) + ".".join(t[n:])


def parent_of(module: str) -> str:
    return module.rpartition(".")[0]


def path_of(module: str, is_package: bool) -> str:
    return module.replace(".", "/") + ("/__init__.py" if is_package else ".py")


def ancestors(package: str) -> List[str]:
    parts = package.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


class Refs:
    """The imports of one generated module and the expression naming each imported class."""

    def __init__(self, module: str, package: str, how: str):
        self.module, self.package, self.how = module, package, how
        self.lines: List[str] = []
        self.exprs: Dict[Tuple[str, str], str] = {}

    def __call__(self, target: str, name: str) -> str:
        if target == self.module:
            return name
        key = (target, name)
        if key not in self.exprs:
            if self.how == "from":
                self.lines.append(f"from {target} import {name}")
                self.exprs[key] = name
            elif self.how == "from-as":
                self.lines.append(f"from {target} import {name} as Sa{name}")
                self.exprs[key] = f"Sa{name}"
            elif self.how == "alias":
                alias = next((e.split(".")[0] for (t, _), e in self.exprs.items() if t == target), None)
                if alias is None:
                    alias = f"{target.rpartition('.')[2]}_{len(self.exprs)}"
                    self.lines.append(f"import {target} as {alias}")
                self.exprs[key] = f"{alias}.{name}"
            else:  # relative
                self.lines.append(f"from {rel_source(self.package, target)} import {name}")
                self.exprs[key] = name
        return self.exprs[key]


@st.composite
def projects(draw) -> Project:
    files: Dict[str, str] = {}
    top = draw(st.sampled_from(TOPS))
    packages = [top]
    for _ in range(draw(st.integers(1, 4))):
        parent = draw(st.sampled_from([p for p in packages if p.count(".") < 3]))
        child = f"{parent}.{draw(st.sampled_from(PACKAGE_NAMES))}"
        if child not in packages:
            packages.append(child)

    # support modules: the base, an abstract intermediate, a mixin (the latter two optional)
    base_module = f"{draw(st.sampled_from(packages))}.{draw(st.sampled_from(BASE_MODULES))}"
    base_name = draw(st.sampled_from(BASE_NAMES))
    base_style = draw(st.sampled_from(["declarative_base", "orm.declarative_base", "DeclarativeBase",
                                       "registry().generate_base", "reg.generate_base"]))
    files[path_of(base_module, False)] = {
        "declarative_base": f"from sqlalchemy.orm import declarative_base\n\n{base_name} = declarative_base()\n",
        "orm.declarative_base": f"import sqlalchemy.orm as orm\n\n{base_name} = orm.declarative_base()\n",
        "DeclarativeBase": (f"from sqlalchemy.orm import DeclarativeBase\n\n\n"
                            f"class {base_name}(DeclarativeBase):\n    pass\n"),
        "registry().generate_base": (f"from sqlalchemy.orm import registry\n\n"
                                     f"{base_name} = registry().generate_base()\n"),
        "reg.generate_base": ("from sqlalchemy.orm import registry\n\nmapper_registry = registry()\n"
                              f"{base_name} = mapper_registry.generate_base()\n"),
    }[base_style]
    support = [base_module]
    abstract = mixin = None
    if draw(st.booleans()):
        abstract = (f"{draw(st.sampled_from(packages))}.{draw(st.sampled_from(['abstract', 'common']))}",
                    draw(st.sampled_from(["TimestampedBase", "AuditedModel"])))
        support.append(abstract[0])
    if draw(st.booleans()):
        mixin = (f"{draw(st.sampled_from(packages))}.mixins", draw(st.sampled_from(["TimestampMixin", "AuditMixin"])))
        support.append(mixin[0])
    if abstract is not None:
        refs = Refs(abstract[0], parent_of(abstract[0]), draw(st.sampled_from(IMPORT_FORMS)))
        expr = refs(base_module, base_name)
        files[path_of(abstract[0], False)] = (
            "from sqlalchemy import Column, Integer\n\n" + "\n".join(refs.lines) + "\n\n\n"
            f"class {abstract[1]}({expr}):\n    __abstract__ = True\n\n    created = Column(Integer)\n"
        )
    if mixin is not None:
        files[path_of(mixin[0], False)] = (
            f"from sqlalchemy import Column, Integer\n\n\nclass {mixin[1]}:\n    updated = Column(Integer)\n"
        )
    # A package __init__.py may hold models only where importing a support module does not run it:
    # otherwise support module -> package __init__ -> support module is a real import cycle.
    no_models_in_init = {a for m in support for a in ancestors(parent_of(m))}

    # model modules: (dotted name, is a package __init__), each with 1-3 models
    modules: List[Tuple[str, bool]] = []
    for _ in range(draw(st.integers(1, 5))):
        pkg = draw(st.sampled_from(packages))
        in_init = pkg not in no_models_in_init and draw(st.booleans())
        mod = (pkg, True) if in_init else (f"{pkg}.{draw(st.sampled_from(MODULE_NAMES))}", False)
        if mod not in modules and mod[0] not in support:
            modules.append(mod)
    counts = [draw(st.integers(1, 3)) for _ in modules]
    names = draw(st.lists(st.sampled_from(CLASS_NAMES), min_size=sum(counts), max_size=sum(counts), unique=True))

    # each model: (class, module index, style, parent model index)
    models: List[Tuple[str, int, str, Optional[int]]] = []
    for i, (mod, is_pkg) in enumerate(modules):
        for _ in range(counts[i]):
            styles = ["plain"] + ["abstract"] * (abstract is not None) + ["mixin"] * (mixin is not None)
            parents = [j for j, m in enumerate(models) if not modules[m[1]][1]]
            if not is_pkg and parents:  # joined inheritance stays out of __init__ files (import cycles)
                styles.append("joined")
            style = draw(st.sampled_from(styles))
            parent = draw(st.sampled_from(parents)) if style == "joined" else None
            models.append((names[len(models)], i, style, parent))
    has_children = {m[3] for m in models if m[3] is not None}

    for i, (mod, is_pkg) in enumerate(modules):
        refs = Refs(mod, mod if is_pkg else parent_of(mod), draw(st.sampled_from(IMPORT_FORMS)))
        body = []
        for j, (cls, _, style, parent) in enumerate(models):
            if models[j][1] != i:
                continue
            table = f"{cls.lower()}s"
            if style == "plain":
                bases = refs(base_module, base_name)
            elif style == "abstract":
                bases = refs(*abstract)
            elif style == "mixin":
                with_abstract = abstract is not None and draw(st.booleans())
                bases = f"{refs(*mixin)}, " + (refs(*abstract) if with_abstract else refs(base_module, base_name))
            else:
                pcls, pmod = models[parent][0], modules[models[parent][1]][0]
                bases = refs(pmod, pcls)
            lines = [f"class {cls}({bases}):", f"    __tablename__ = {table!r}", ""]
            if style == "joined":
                fk = f"{models[parent][0].lower()}s.id"
                lines.append(f"    id = Column(Integer, ForeignKey({fk!r}), primary_key=True)")
            else:
                lines.append("    id = Column(Integer, primary_key=True)")
            if draw(st.booleans()):  # a column of its own (a joined child must not repeat its parent's)
                lines.append(f"    {cls.lower()}_note = Column(String(50))")
            if style != "joined" and j in has_children:
                lines.append("    kind = Column(String(50))")
                lines.append(
                    f"    __mapper_args__ = {{'polymorphic_on': 'kind', 'polymorphic_identity': {cls.lower()!r}}}"
                )
            elif style == "joined" or j in has_children:
                lines.append(f"    __mapper_args__ = {{'polymorphic_identity': {cls.lower()!r}}}")
            body.append("\n".join(lines) + "\n")
            if draw(st.integers(0, 3)) == 0:  # a plain class named like a base: not a model
                body.append(f"class {cls}{draw(st.sampled_from(['Base', 'Repository']))}:\n    pass\n")
        head = "from sqlalchemy import Column, ForeignKey, Integer, String\n"
        if refs.lines:
            head += "\n" + "\n".join(refs.lines) + "\n"
        files[path_of(mod, is_pkg)] = head + "\n\n" + "\n\n".join(body)

    schemas = None
    if draw(st.booleans()):  # pydantic classes, one of them named exactly like the declarative base
        schemas = f"{draw(st.sampled_from(packages))}.schemas"
        cls = names[0]
        files[path_of(schemas, False)] = (
            "from pydantic import BaseModel\n\n\n"
            f"class {base_name}(BaseModel):\n    name: str = ''\n\n\n"
            f"class {cls}Base(BaseModel):\n    name: str = ''\n\n\n"
            f"class {cls}Create({cls}Base):\n    pass\n\n\n"
            f"class {cls}Read({base_name}):\n    id: int = 0\n"
        )

    # the registry
    style = draw(st.sampled_from(["talk", "fastapi", "relative", "multi", "empty"]))
    if style == "multi":  # `from . import a, b` can only name children of the registry's own package
        reg_pkg = draw(st.sampled_from(sorted({parent_of(m) for m, _ in modules if "." in m})))
    else:
        reg_pkg = draw(st.sampled_from(packages))
    configured = draw(st.booleans())
    reg_name = draw(st.sampled_from(REGISTRY_NAMES)) if configured else "__all_models"
    reg_mod = f"{reg_pkg}.{reg_name}"  # the name pools are disjoint: no other module has this name
    candidates = [m for m, _ in modules if style != "multi" or parent_of(m) == reg_pkg]
    registered = [m for m in candidates if draw(st.booleans())]
    if style == "multi" and not registered:
        registered = [candidates[0]]
    stale = draw(st.booleans()) if style != "empty" else draw(st.integers(0, 3)) == 0

    classes_of = {m: [c for c, i, _, _ in models if modules[i][0] == m] for m, _ in modules}
    entries: List[Tuple[str, List[str], Set[str]]] = []  # (sort key, lines, modules named)
    for m in registered:
        if style == "talk":
            entries.append((m, ["# noinspection PyUnresolvedReferences", f"import {m}"], {m}))
        elif style == "fastapi":
            some = classes_of[m] if draw(st.booleans()) else classes_of[m][:1]
            entries.extend((f"{m}.{c}", [f"from {m} import {c}  # noqa"], {m}) for c in some)
        elif style == "relative":
            src = rel_source(reg_pkg, parent_of(m))
            entries.append((m, [f"from {src} import {m.rpartition('.')[2]}"], {m, parent_of(m)}))
    # A stale import names a module `gone` that does not exist, in a package S of the project. Python
    # imports S (and the packages above it) before failing: the runtime reference replaces the stale
    # line with `import S` (what it really runs), see the module docstring.
    stale_pkg = reg_pkg if style == "multi" else draw(st.sampled_from(packages))
    stale_entry = {  # (sort key, lines, modules named, what Python runs of it)
        "talk": (f"{stale_pkg}.{STALE}", ["# noinspection PyUnresolvedReferences", f"import {stale_pkg}.{STALE}"],
                 set(), f"import {stale_pkg}"),
        "fastapi": (f"{stale_pkg}.{STALE}", [f"from {stale_pkg}.{STALE} import Gone  # noqa"],
                    set(), f"import {stale_pkg}"),
        "relative": (f"{stale_pkg}.{STALE}", [f"from {rel_source(reg_pkg, stale_pkg)} import {STALE}"], {stale_pkg},
                     f"import {stale_pkg}"),
        "empty": (f"{stale_pkg}.{STALE}", [f"import {stale_pkg}.{STALE}  # noqa: F401"], set(), f"import {stale_pkg}"),
    }.get(style)
    order = draw(st.sampled_from(["sorted", "shuffled"]))
    entries = sorted(entries) if order == "sorted" else draw(st.permutations(entries))
    stale_at = draw(st.integers(0, len(registered) if style == "multi" else len(entries))) if stale else None

    with_base_line = style == "fastapi" and draw(st.booleans())
    blank_lines = style == "talk" and draw(st.booleans())

    def render(with_stale: bool) -> str:
        """The registry; without its stale line, that line is replaced by what Python runs of it."""
        es = list(entries)
        if stale and stale_entry is not None:
            es.insert(stale_at, stale_entry if with_stale else ("", [stale_entry[3]], set(), ""))
        if style == "talk":
            sep = "\n\n" if blank_lines else "\n"
            return "# Add all your SQLAlchemy models here.\n\n" + sep.join("\n".join(e[1]) for e in es) + "\n"
        if style == "fastapi":
            head = "# Import all the models, so that Base has them before being\n# imported by Alembic\n"
            if with_base_line:
                head += f"from {base_module} import {base_name}  # noqa\n"
            return head + "".join(e[1][0] + "\n" for e in es)
        if style == "relative":
            return '"""Models."""\n' + "".join(e[1][0] + "\n" for e in es)
        if style == "multi":
            ns = [m.rpartition(".")[2] for m in registered]
            if stale and with_stale:
                ns.insert(stale_at, STALE)
            return f'"""Models."""\nfrom . import {", ".join(ns)}  # noqa: F401\n'
        return '"""Every model module, imported for its side effect."""\n' + "".join(e[1][0] + "\n" for e in es)

    registry = render(True)
    files[path_of(reg_mod, False)] = registry
    named = set().union(*(e[2] for e in entries)) if entries else set()
    if style == "multi":
        named |= {reg_pkg} | set(registered)
    if stale and stale_entry is not None:
        named |= stale_entry[2]
    if with_base_line:
        named.add(base_module)

    for p in packages:
        files.setdefault(path_of(p, True), "")
    files["pyproject.toml"] = f'[tool.modelreg]\nregistry = "{path_of(reg_mod, False)}"\n' if configured else ""
    order_of_import = support + [m for m, _ in modules] + ([schemas] if schemas else [])
    return Project(
        files=files,
        top=top,
        base_module=base_module,
        base_name=base_name,
        registry_module=reg_mod,
        original_registry=render(False),
        modules=tuple(order_of_import),
        models=tuple(sorted(f"{modules[i][0]}.{c}" for c, i, _, _ in models)),
        named=tuple(sorted(named)),
        stale=stale,
    )


# -- the runtime side: real SQLAlchemy in one subprocess ----------------------------------------------

RUNTIME = r"""
import importlib, json, sys, types, warnings

params = json.load(sys.stdin)
sys.path.insert(0, params["root"])
from sqlalchemy import create_engine
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import configure_mappers

warnings.simplefilter("error", SAWarning)


def base():
    return getattr(importlib.import_module(params["base_module"]), params["base_name"])


def mapped():
    return sorted(m.class_.__module__ + "." + m.class_.__qualname__ for m in base().registry.mappers)


def import_all():
    for name in params["modules"]:
        importlib.import_module(name)


out = {}
# 1. the registry as it was before --fix (without its stale line), run as the registry module
reg = params["registry_module"]
package = reg.rpartition(".")[0]
importlib.import_module(package)  # as Python would, before the module itself
mod = types.ModuleType(reg)
mod.__file__ = params["registry_path"]
mod.__package__ = package
sys.modules[reg] = mod
exec(compile(params["original"], params["registry_path"], "exec"), mod.__dict__)
out["original"] = mapped()
import_all()
out["all"] = mapped()
configure_mappers()
base().metadata.create_all(create_engine("sqlite://"))  # every generated model is a valid table
# 2. forget the whole project (a fresh Base), then import the fixed registry from disk
top = params["top"]
for name in list(sys.modules):
    if name == top or name.startswith(top + "."):
        del sys.modules[name]
importlib.invalidate_caches()
importlib.import_module(reg)
out["fixed"] = mapped()
import_all()
out["all_again"] = mapped()
print(json.dumps(out))
"""


def runtime(root: Path, project: Project) -> Dict[str, Set[str]]:
    params = {
        "root": str(root),
        "top": project.top,
        "base_module": project.base_module,
        "base_name": project.base_name,
        "registry_module": project.registry_module,
        "registry_path": str(root / project.registry_path),
        "original": project.original_registry,
        "modules": list(project.modules),
    }
    proc = subprocess.run(
        [sys.executable, "-B", "-c", RUNTIME], input=json.dumps(params), capture_output=True, text=True, cwd=str(root)
    )
    assert proc.returncode == 0, proc.stderr
    return {k: set(v) for k, v in json.loads(proc.stdout).items()}


# -- the properties ----------------------------------------------------------------------------------


def cli(*args) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def snapshot(root: Path) -> Dict[str, Tuple[bytes, int]]:
    """Every project file (not modelreg's cache): its bytes and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".modelreg_cache"]
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = (fh.read(), os.stat(p).st_mtime_ns)
    return out


def check_properties(project: Project, require: str) -> None:
    note(project.describe())
    args = ["--require", require]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        write_project(root, project)

        before = modelreg.check([str(root)], require=require)
        found = [(d.code, d.model, d.message) for d in before.diagnostics]
        note(f"before --fix: {found}")
        unregistered = {d.model for d in before.diagnostics if d.code == "MR001"}
        assert {d.code for d in before.diagnostics} <= {"MR001", "MR002"}, found
        assert any(d.code == "MR002" for d in before.diagnostics) == project.stale, found

        files_before = snapshot(root)
        code, out, err = cli("--fix", *args, root)
        assert code == 0, (out, err)
        files_fixed = snapshot(root)
        changed = {p for p in files_fixed if files_fixed[p][0] != files_before.get(p, (None,))[0]}
        assert changed <= {project.registry_path.replace("/", os.sep)}, changed  # property 2: only the registry
        note("fixed registry:\n" + files_fixed[project.registry_path.replace("/", os.sep)][0].decode())

        code, out, err = cli("--fix", *args, root)  # property 3: a second --fix changes nothing
        assert code == 0 and "Fixed" not in err, (out, err)
        assert snapshot(root) == files_fixed

        after = modelreg.check([str(root)], require=require)  # property 4: nothing left to report
        assert [(d.code, d.model, d.message) for d in after.diagnostics] == []
        assert cli(*args, root)[0] == 0

        rt = runtime(root, project)
        assert rt["all"] == set(project.models)  # the generator's own bookkeeping
        assert rt["all_again"] == rt["all"]
        missing_at_runtime = rt["all"] - rt["original"]
        if require == "reachable":  # property 1: exactly what importing the registry misses
            assert unregistered == missing_at_runtime
        else:  # module mode: exactly the models whose module no statement names, a superset of the above
            assert unregistered == project.module_mode_unregistered()
            assert missing_at_runtime <= unregistered
        assert rt["fixed"] == rt["all"]  # property 2: the fixed registry maps every model


# -- examples hypothesis found (both are modelreg bugs; see the regression tests below) ------------------

MODEL_USER = (
    "from sqlalchemy import Column, Integer\n\nfrom app.modelbase import Base\n\n\n"
    "class User(Base):\n    __tablename__ = 'users'\n\n    id = Column(Integer, primary_key=True)\n"
)
DECLARATIVE_BASE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"

# A FastAPI-template registry (every line carries a bare `# noqa`, for flake8's F401) importing a module
# that does not exist: the bare `# noqa` silences MR002, so the check passes, `--fix` leaves the line,
# and importing the registry raises ModuleNotFoundError.
NOQA_HIDES_STALE_IMPORT = Project(
    files={
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/modelbase.py": DECLARATIVE_BASE,
        "app/users.py": MODEL_USER,
        "app/__all_models.py": "from app.users import User  # noqa\nfrom app.gone import Gone  # noqa\n",
    },
    top="app",
    base_module="app.modelbase",
    base_name="Base",
    registry_module="app.__all_models",
    original_registry="from app.users import User  # noqa\nimport app\n",
    modules=("app.modelbase", "app.users"),
    models=("app.users.User",),
    named=("app.users",),
    stale=True,
)

# The stale `from .models import gone` is the registry's only line loading app/models/__init__.py, which
# defines a model: before the fix that model is registered (rightly, in both modes: Python runs
# app.models before failing). `--fix` removes the stale line but does not add `import app.models` in the
# same run: it exits 1 with an MR001 left, and a second `--fix` changes the file again.
FIX_REMOVES_THE_ONLY_IMPORT_OF_A_PACKAGE = Project(
    files={
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/modelbase.py": DECLARATIVE_BASE,
        "app/models/__init__.py": MODEL_USER,
        "app/__all_models.py": "from .models import gone\n",
    },
    top="app",
    base_module="app.modelbase",
    base_name="Base",
    registry_module="app.__all_models",
    original_registry="import app.models\n",
    modules=("app.modelbase", "app.models"),
    models=("app.models.User",),
    named=("app.models",),
    stale=True,
)


# Issue 15, point 9 (the "flaky" failure: a rare draw, not a race): a stale `from app.models.gone import
# Gone` still runs app/models/__init__.py - which defines User - before it raises; reachable mode must
# count User as registered by that line (and --fix, removing it, must register User in its place).
STALE_IMPORT_RUNS_THE_PACKAGES_ABOVE_IT = Project(
    files={
        "app/modelbase.py": DECLARATIVE_BASE,
        "app/models/__init__.py": MODEL_USER,
        "app/users.py": MODEL_USER.replace("User", "Order").replace("'users'", "'orders'"),
        "app/__all_models.py": "from app.models.gone import Gone  # noqa\n",
        "app/__init__.py": "",
        "pyproject.toml": "",
    },
    top="app",
    base_module="app.modelbase",
    base_name="Base",
    registry_module="app.__all_models",
    original_registry="import app.models\n",
    modules=("app.modelbase", "app.models", "app.users"),
    models=("app.models.User", "app.users.Order"),
    named=(),
    stale=True,
)


@SETTINGS
@given(projects())
@example(NOQA_HIDES_STALE_IMPORT)
@example(FIX_REMOVES_THE_ONLY_IMPORT_OF_A_PACKAGE)
@example(STALE_IMPORT_RUNS_THE_PACKAGES_ABOVE_IT)
def test_reachable_mode_agrees_with_sqlalchemy_and_fix_converges(project):
    check_properties(project, "reachable")


@SETTINGS
@given(projects())
@example(NOQA_HIDES_STALE_IMPORT)
@example(FIX_REMOVES_THE_ONLY_IMPORT_OF_A_PACKAGE)
def test_module_mode_agrees_with_its_definition_and_fix_converges(project):
    check_properties(project, "module")


def write_project(root: Path, project: Project) -> None:
    for rel, text in project.files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_a_bare_noqa_does_not_hide_a_stale_registry_import(tmp_path):
    """Regression (found by the properties above): MR002 is reported and --fix removes the line."""
    write_project(tmp_path, NOQA_HIDES_STALE_IMPORT)
    report = modelreg.check([str(tmp_path)])
    assert [(d.code, d.line) for d in report.diagnostics] == [("MR002", 2)]
    code, out, err = cli("--fix", tmp_path)
    assert code == 0, (out, err)
    assert (tmp_path / "app/__all_models.py").read_text() == "from app.users import User  # noqa\n"


def test_fix_registers_in_the_same_run_what_only_a_removed_stale_import_loaded(tmp_path):
    """Regression (found by the properties above): one --fix removes the stale line and adds the import it
    was the only one to make; nothing is left to report, and a second --fix changes nothing."""
    write_project(tmp_path, FIX_REMOVES_THE_ONLY_IMPORT_OF_A_PACKAGE)
    registry = tmp_path / "app/__all_models.py"
    for require in ("reachable", "module"):
        registry.write_text("from .models import gone\n")
        assert [d.code for d in modelreg.check([str(tmp_path)], require=require).diagnostics] == ["MR002"]
        code, out, err = cli("--fix", "--require", require, tmp_path)
        assert code == 0, (require, out, err)
        fixed = registry.read_bytes()
        assert modelreg.check([str(tmp_path)], require=require).diagnostics == []
        assert cli("--fix", "--require", require, tmp_path)[0] == 0
        assert registry.read_bytes() == fixed


# -- the cache's take-over (issue 7): a run after edits reports what a fresh run reports ------------

EDIT_KINDS = ["empty", "rename classes", "import on top", "drop a line", "restore"]


@SETTINGS
@given(projects(), st.data())
def test_runs_after_random_edits_report_what_a_fresh_run_reports(project, data):
    """A run through the cache takes over the last run's results except what the edited files touched
    (and reuses the report when no fact changed); whatever the edits, it must report exactly what an
    analysis without any cache reports."""
    from modelreg.api import inventory

    def outcome(report):
        rows = [(d.code, d.path, d.line, d.column, d.model, d.registry, d.message) for d in report.diagnostics]
        return rows, inventory(report) if report.analysis is not None else None

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.modelreg]\n")
        write_project(root, project)
        modelreg.check([str(root)])
        paths = sorted(p for p in project.files if p.endswith(".py"))
        for _ in range(data.draw(st.integers(1, 4), label="edits")):
            rel = data.draw(st.sampled_from(paths), label="file")
            kind = data.draw(st.sampled_from(EDIT_KINDS), label="edit")
            text = project.files[rel]
            if kind == "empty":
                text = ""
            elif kind == "rename classes":
                text = text.replace("class ", "class Re")
            elif kind == "import on top":
                text = "import os as _os\n" + text
            elif kind == "drop a line":
                lines = text.splitlines(keepends=True)
                if lines:
                    del lines[data.draw(st.integers(0, len(lines) - 1), label="line")]
                text = "".join(lines)
            (root / rel).write_text(text, encoding="utf-8")
            note(f"{kind}: {rel}")
            cached = modelreg.check([str(root)], reuse=True)
            fresh = modelreg.check([str(root)], use_cache=False)
            assert outcome(cached)[0] == outcome(fresh)[0]
            taken = modelreg.check([str(root)])  # through the index and the saved results, not the report
            assert outcome(taken) == outcome(fresh)


# -- issue 14: package-__init__ registries whose models import from the registry -------------------
#
# `app/models/__init__.py` re-exports the base (`from app.models.base import Base`) and imports a random
# subset of the model modules, in a random order that Python can run (a random permutation of the
# entries, each child after its parent); the model modules take the base from the registry package
# (`from app.models import Base`, `from . import Base`) or from where it is defined, and a joined-table
# child takes its parent class from the registry (`from app.models import User`) when the registry binds
# class names. Properties: `--fix` edits only the registry and exits 0; importing the fixed registry in a
# fresh interpreter maps every model; importing any model module first, then the registry, works too (no
# circular import); a second `--fix` changes nothing; a check afterwards reports nothing.


@dataclass(frozen=True)
class InitProject:
    files: Dict[str, str]
    package: str
    modules: Tuple[str, ...]  # every model module
    tables: Tuple[str, ...]

    @property
    def registry_path(self) -> str:
        return self.package.replace(".", "/") + "/__init__.py"

    def describe(self) -> str:
        return "\n".join(f"--- {path}\n{text}" for path, text in sorted(self.files.items()))


@st.composite
def init_projects(draw) -> InitProject:
    top = draw(st.sampled_from(TOPS))
    package = draw(st.sampled_from([f"{top}.models", f"{top}.db.models", f"{top}.db"]))
    files: Dict[str, str] = {}
    for p in ancestors(package)[:-1]:
        files[path_of(p, True)] = ""
    files[path_of(f"{package}.base", False)] = draw(st.sampled_from([
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    ]))
    form = draw(st.sampled_from(["class", "relative-class", "module"]))  # how the registry names a model
    names = draw(st.lists(st.sampled_from(MODULE_NAMES), min_size=1, max_size=5, unique=True))
    classes = {n: n.capitalize() for n in names}
    parent: Dict[str, Optional[str]] = {}
    for i, n in enumerate(names):
        parent[n] = draw(st.sampled_from([None] + names[:i])) if i else None
    for n in names:
        p = parent[n]
        if p is None:
            how = draw(st.sampled_from(["registry", "relative-registry", "defining"]))
            source = {"registry": f"from {package} import Base", "relative-registry": "from . import Base",
                      "defining": f"from {package}.base import Base"}[how]
            files[path_of(f"{package}.{n}", False)] = (
                f"from sqlalchemy import Column, Integer\n\n{source}\n\n\n"
                f"class {classes[n]}(Base):\n    __tablename__ = {n!r}\n\n    id = Column(Integer, primary_key=True)\n"
                f"    kind = Column(Integer)\n    __mapper_args__ = {{'polymorphic_on': 'kind', 'polymorphic_identity': 0}}\n"
            )
        else:
            via_registry = form != "module" and draw(st.booleans())
            source = f"from {package} import {classes[p]}" if via_registry else f"from {package}.{p} import {classes[p]}"
            files[path_of(f"{package}.{n}", False)] = (
                f"from sqlalchemy import Column, ForeignKey, Integer\n\n{source}\n\n\n"
                f"class {classes[n]}({classes[p]}):\n    __tablename__ = {n!r}\n\n"
                f"    id = Column(Integer, ForeignKey({p + '.id'!r}), primary_key=True)\n"
                f"    __mapper_args__ = {{'polymorphic_identity': {names.index(n) + 1}}}\n"
            )
    # the registry: the base line, then a subset closed under "parent first", in an order Python can run
    registered = [n for n in names if draw(st.booleans())]
    closed: List[str] = []
    for n in registered:
        chain = []
        while n is not None and n not in closed and n not in chain:
            chain.append(n)
            n = parent[n]
        closed.extend(reversed(chain))
    order = draw(st.sampled_from(["sorted", "shuffled", "as-defined"]))
    if order == "sorted":
        entries = sorted(closed)
    elif order == "shuffled":
        entries = draw(st.permutations(closed))
    else:
        entries = list(closed)

    def depth(n):
        return 0 if parent[n] is None else 1 + depth(parent[n])

    entries = sorted(entries, key=lambda n: (depth(n), entries.index(n)))  # each child after its parent
    line = {"class": lambda n: f"from {package}.{n} import {classes[n]}  # noqa: F401",
            "relative-class": lambda n: f"from .{n} import {classes[n]}  # noqa: F401",
            "module": lambda n: f"from . import {n}  # noqa: F401"}[form]
    base_line = draw(st.sampled_from([f"from {package}.base import Base  # noqa: F401", "from .base import Base  # noqa: F401"]))
    header = draw(st.sampled_from(["", "# Copyright 2024 Example\n", '"""The models."""\n\n']))
    files[path_of(package, True)] = header + base_line + "\n" + "".join(line(n) + "\n" for n in entries)
    files["pyproject.toml"] = f'[tool.modelreg]\nregistry = "{path_of(package, True)}"\n'
    return InitProject(files, package, tuple(f"{package}.{n}" for n in names), tuple(sorted(names)))


@SETTINGS
@given(init_projects())
def test_a_package_init_registry_whose_models_import_from_it_is_fixed_into_a_program_that_runs(project):
    from conftest import _import_runs

    note(project.describe())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        write_project(root, project)
        before = snapshot(root)
        code, out, err = cli("--fix", "--no-cache", root)
        assert code == 0, (out, err)
        fixed = snapshot(root)
        changed = {p for p in fixed if fixed[p][0] != before.get(p, (None,))[0]}
        assert changed <= {project.registry_path.replace("/", os.sep)}, changed
        note("fixed registry:\n" + fixed[project.registry_path.replace("/", os.sep)][0].decode())
        code, out, err = cli("--fix", "--no-cache", root)
        assert code == 0 and "Fixed" not in err, (out, err)
        assert snapshot(root) == fixed
        assert modelreg.check([str(root)], use_cache=False).diagnostics == []
        runs = [[project.package]] + [[m, project.package] for m in project.modules]
        results = _import_runs(root, runs, f"{project.package}.base:Base.metadata")
        assert all(tables == list(project.tables) for tables in results), results
