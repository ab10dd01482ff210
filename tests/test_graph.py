"""`modelreg models --format mermaid|dot`: bases -> registries -> modules -> models, the unregistered
marked; what the drawing calls registered is what importing the registry really loads."""

import re
import shutil
import subprocess

import pytest

from conftest import tables_after_importing

COLUMNS = "from sqlalchemy import Column, Integer\n"
FILES = {
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "app/models/__init__.py": "",
    "app/models/users.py": "from app.db import Base\n" + COLUMNS
    + "\n\nclass Mixin(Base):\n    __abstract__ = True\n\n\nclass User(Mixin):\n    __tablename__ = 'users'\n"
    "    id = Column(Integer, primary_key=True)\n",
    "app/models/audit.py": "from app.db import Base\n" + COLUMNS
    + "\n\nclass Audit(Base):\n    __tablename__ = 'auditing'\n    id = Column(Integer, primary_key=True)\n",
    "app/models/orders.py": "from app.db import Base\n" + COLUMNS
    + "\n\nclass Order(Base):\n    __tablename__ = 'orders'\n    id = Column(Integer, primary_key=True)\n\n\n"
    "class Line(Base):\n    __tablename__ = 'lines'\n    id = Column(Integer, primary_key=True)\n",
    "app/__all_models.py": "import app.models.users\nimport app.models.orders\n",
}


def parse_mermaid(text):
    """(nodes {id: label}, edges [(source, target, dashed label or "")], marked ids) of a flowchart."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, marked = {}, [], set()
    for line in lines[1:]:
        line = line.strip()
        if line.startswith("classDef "):
            continue
        m = re.fullmatch(r"class ([\w,]+) unregistered", line)
        if m:
            marked |= set(m[1].split(","))
            continue
        m = re.fullmatch(r'(\w+) (?:-->|-\.->\|"([^"]*)"\|) (\w+)', line)
        if m:
            edges.append((m[1], m[3], m[2] or ""))
            continue
        m = re.fullmatch(r'(\w+)(\(\["|\[/"|\["|\(")([^"]*)("\]\)|"/\]|"\]|"\))', line)
        assert m, f"not a Mermaid node, edge or class line: {line!r}"
        nodes[m[1]] = m[3].replace("<br/>", "\n")
    assert all(s in nodes and t in nodes for s, t, _ in edges)
    return nodes, edges, marked


def parse_dot(text):
    lines = text.splitlines()
    assert lines[0] == "digraph modelreg {" and lines[-1] == "}"
    nodes, edges, marked = {}, [], set()
    for line in lines[1:-1]:
        line = line.strip()
        if line in ("rankdir=LR;",) or line.startswith("node ["):
            continue
        m = re.fullmatch(r'(\w+) -> (\w+)(?: \[style=dashed, color="#cc0000", label="([^"]*)"\])?;', line)
        if m:
            edges.append((m[1], m[2], m[3] or ""))
            continue
        m = re.fullmatch(r'(\w+) \[shape=\w+, label="((?:[^"\\]|\\.)*)"(.*)\];', line)
        assert m, f"not a dot node or edge: {line!r}"
        nodes[m[1]] = m[2].replace("\\n", "\n")
        if "fillcolor" in m[3]:
            marked.add(m[1])
    assert all(s in nodes and t in nodes for s, t, _ in edges)
    return nodes, edges, marked


def chains(nodes, edges):
    """Every path from a node nothing points at to a node that points at nothing, as labels' first lines."""
    out, targets = [], {t for _, t, _ in edges}
    succ = {}
    for s, t, label in edges:
        succ.setdefault(s, []).append((t, label))

    def walk(node, path):
        if node not in succ:
            out.append(path)
        for t, label in succ.get(node, ()):
            walk(t, path + [(label, nodes[t].split("\n")[0])])

    for n in nodes:
        if n not in targets:
            walk(n, [("", nodes[n].split("\n")[0])])
    return sorted(out)


@pytest.mark.parametrize("fmt,parse", [("mermaid", parse_mermaid), ("dot", parse_dot)])
def test_the_graph_draws_base_registry_module_model_and_marks_what_importing_the_registry_misses(tree, run, fmt, parse):
    root = tree(FILES)
    result = run(["models", "--format", fmt], cwd=root)
    assert result.exit_code == 0
    nodes, edges, marked = parse(result.out)
    drawn = chains(nodes, edges)
    assert drawn == [
        [("", "Base"), ("", "app/__all_models.py"), ("", "app.models.orders"), ("", "Line")],
        [("", "Base"), ("", "app/__all_models.py"), ("", "app.models.orders"), ("", "Order")],
        [("", "Base"), ("", "app/__all_models.py"), ("", "app.models.users"), ("", "Mixin")],
        [("", "Base"), ("", "app/__all_models.py"), ("", "app.models.users"), ("", "User")],
        [("", "Base"), ("", "app/__all_models.py"), ("not registered", "app.models.audit"), ("", "Audit")],
    ]
    assert [nodes[m].split("\n") for m in marked] == [["Audit", "auditing", "NOT REGISTERED"]]
    assert nodes[next(n for n, label in nodes.items() if label.startswith("Mixin"))].endswith("(abstract)")
    # the oracle: the models drawn as registered are the tables importing the registry loads
    loaded = tables_after_importing(root, ["app.__all_models"], "app.db:Base.metadata")
    sources = {s for s, _, _ in edges}
    models = [n for n in nodes if n not in sources]
    registered = sorted(nodes[n].split("\n")[1] for n in models if n not in marked and "(abstract)" not in nodes[n])
    assert registered == loaded == ["lines", "orders", "users"]


def test_a_registry_file_that_does_not_exist_says_so_and_every_model_is_marked(tree, run):
    files = {k: v for k, v in FILES.items() if k != "app/__all_models.py"}
    nodes, edges, marked = parse_mermaid(run(["models", "--format", "mermaid"], cwd=tree(files)).out)
    assert "app/__all_models.py\n(missing)" in nodes.values()
    assert sorted(nodes[m].split("\n")[0] for m in marked) == ["Audit", "Line", "Order", "User"]


def test_a_model_no_registry_governs_hangs_from_its_base_by_a_dashed_arrow():
    from modelreg import graph

    data = {"models": [dict(name="T", module="m", path="m.py", line=1, table="t", schema=None, kind="class",
                            base="m.Base", abstract=False, registered=False, registry=None)], "registries": []}
    nodes, edges, marked = parse_mermaid(graph.mermaid(data))
    assert chains(nodes, edges) == [[("", "Base"), ("no registry", "m"), ("", "T")]] and len(marked) == 1


def test_sibling_projects_with_the_same_module_names_are_drawn_apart(tree, run):
    # a course repository: each chapter folder is a project of its own, with the same package names
    files = {f"ch{n}/{rel}": text for n in (1, 2) for rel, text in FILES.items()}
    files["ch2/app/__all_models.py"] += "import app.models.audit\n"
    nodes, edges, marked = parse_mermaid(run(["models", "--format", "mermaid"], cwd=tree(files)).out)
    drawn = chains(nodes, edges)
    registries = sorted(label for label in nodes.values() if label.endswith("__all_models.py"))
    assert registries == ["ch1/app/__all_models.py", "ch2/app/__all_models.py"]
    assert len(drawn) == 10 and sum(1 for c in drawn if c[2][0] == "not registered") == 1
    assert [c[1][1] for c in drawn if c[2][0] == "not registered"] == ["ch1/app/__all_models.py"]
    assert [nodes[m].split("\n")[0] for m in marked] == ["Audit"]
    # one node per model and per module file: ch2's registered Audit is not ch1's unregistered one
    sources = {s for s, _, _ in edges}
    into = {}
    for s, t, _ in edges:
        into.setdefault(t, []).append(s)
    models = [n for n in nodes if n not in sources]
    assert len(models) == 10 and all(len(into[m]) == 1 for m in models)
    modules = [n for n in nodes if n in into and n in sources and nodes[n].startswith("app.models.")]
    assert len(modules) == 6 and all(len(into[m]) == 1 for m in modules)


def test_labels_that_would_break_the_syntax_are_escaped():
    from modelreg import graph

    data = {"models": [dict(name='Q"x', module="m", path="m.py", line=1, table="a<b>&c", schema=None, kind="core",
                            base="m.Base", abstract=False, registered=True, registry="r.py")], "registries": []}
    nodes, _, _ = parse_mermaid(graph.mermaid(data))
    assert "Q#quot;x\na#lt;b#gt;#amp;c" in nodes.values()
    nodes, _, _ = parse_dot(graph.dot(data))
    assert 'Q\\"x\na<b>&c' in nodes.values()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (Debian's graphviz package) is not installed")
def test_graphviz_renders_the_dot_output_of_the_example_with_audit_marked(run):
    from conftest import REPO

    out = run(["models", "--format", "dot", "--no-cache", str(REPO / "examples/pypi_org")], cwd=REPO).out
    svg = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=True).stdout
    assert svg.count('class="node"') == 1 + 1 + 8 + 8 and svg.count('class="edge"') == 1 + 8 + 8
    audit = svg.split("<title>c0</title>", 1)[1].split("</g>", 1)[0]
    assert "Audit" in audit and "NOT REGISTERED" in audit and 'fill="#ffdddd"' in audit
