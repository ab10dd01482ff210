"""`modelreg models --format mermaid|dot`: the inventory (api.inventory) drawn as a graph.

Bases -> the registries that govern them -> the modules defining models -> the models. A registry
points at a module with a solid arrow when it registers every model there, with a dashed arrow labelled
"not registered" when it misses one; an unregistered model is drawn in red and says so. A model that no
registry governs hangs from its base by a dashed arrow labelled "no registry".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

UNREGISTERED = "not registered"
NO_REGISTRY = "no registry"


@dataclass
class Graph:
    """Nodes (id -> (kind, label)), edges (source, target, dashed label or "" for solid), marked model ids."""

    nodes: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    edges: List[Tuple[str, str, str]] = field(default_factory=list)
    marked: List[str] = field(default_factory=list)
    ids: Dict[tuple, str] = field(default_factory=dict)  # what a node stands for -> its id

    def node(self, key: tuple, kind: str, label: str) -> str:
        ident = self.ids.get(key)
        if ident is None:
            ident = f"{kind[0]}{sum(1 for k, _ in self.nodes.values() if k == kind)}"
            self.nodes[ident] = (kind, label)
            self.ids[key] = ident
        return ident

    def edge(self, source: str, target: str, label: str = "") -> None:
        if (source, target, label) not in self.edges:
            self.edges.append((source, target, label))


def build(data: dict) -> Graph:
    """The graph of an inventory document (`modelreg models --format json`)."""
    graph = Graph()
    missing = {r["path"] for r in data.get("registries", ()) if r["module"] is None}
    # keyed by file, not by dotted name: sibling projects in one tree (a course's chapter folders) each
    # have their own `pypi_org.data.users`, and each base is drawn once per registry that governs it
    by_module: Dict[Tuple[str, str, str, str], List[dict]] = {}
    for m in data["models"]:
        by_module.setdefault((m["base"], m["registry"] or "", m["path"], m["module"]), []).append(m)
    for (base, registry, path, module), models in by_module.items():
        b = graph.node(("base", base, registry), "base", "\n".join(reversed(base.rsplit(".", 1))))
        mod = graph.node(("module", path), "module", module)
        concrete = [m for m in models if not m["abstract"]]
        missed = [m for m in concrete if not m["registered"]]
        if registry:
            label = registry + ("\n(missing)" if registry in missing else "")
            r = graph.node(("registry", registry), "registry", label)
            graph.edge(b, r)
            graph.edge(r, mod, UNREGISTERED if missed else "")
        else:
            graph.edge(b, mod, NO_REGISTRY)
        for m in models:
            label = m["name"] + (f"\n{m['table']}" if m["table"] else "")
            if m["abstract"]:
                label += "\n(abstract)"
            elif not m["registered"]:
                label += f"\n{UNREGISTERED.upper()}"
            c = graph.node(("model", path, m["name"], m["line"]), "class", label)
            graph.edge(mod, c)
            if not m["abstract"] and not m["registered"] and c not in graph.marked:
                graph.marked.append(c)
    return graph


_MERMAID_SHAPES = {"base": ('(["', '"])'), "registry": ('[/"', '"/]'), "module": ('["', '"]'), "class": ('("', '")')}


def _mermaid_text(label: str) -> str:
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("\n", "<br/>")):
        label = label.replace(char, entity)
    return label


def mermaid(data: dict) -> str:
    graph = build(data)
    out = ["flowchart LR", "  classDef unregistered fill:#fdd,stroke:#c00,stroke-width:2px,color:#900"]
    for ident, (kind, label) in graph.nodes.items():
        left, right = _MERMAID_SHAPES[kind]
        out.append(f"  {ident}{left}{_mermaid_text(label)}{right}")
    for source, target, label in graph.edges:
        arrow = f'-.->|"{_mermaid_text(label)}"|' if label else "-->"
        out.append(f"  {source} {arrow} {target}")
    if graph.marked:
        out.append(f"  class {','.join(graph.marked)} unregistered")
    return "\n".join(out) + "\n"


_DOT_SHAPES = {"base": "ellipse", "registry": "note", "module": "folder", "class": "box"}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(data: dict) -> str:
    graph = build(data)
    out = ["digraph modelreg {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for ident, (kind, label) in graph.nodes.items():
        attrs = f"shape={_DOT_SHAPES[kind]}, label={_dot_string(label)}"
        if ident in graph.marked:
            attrs += ', color="#cc0000", fontcolor="#990000", style=filled, fillcolor="#ffdddd", penwidth=2'
        out.append(f"  {ident} [{attrs}];")
    for source, target, label in graph.edges:
        attrs = f" [style=dashed, color=\"#cc0000\", label={_dot_string(label)}]" if label else ""
        out.append(f"  {source} -> {target}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
