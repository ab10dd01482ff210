"""A rule's documentation, from its module docstring: the one source of `modelreg rule`, the docs
site's rule pages (docs/hooks.py, at build time), the VS Code extension's rule pages and SARIF's rule
entries.

The docstring is ``CODE name`` then ``## Section`` blocks (What it finds / Why it matters /
Example / Fix, in that order, and any other section between them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

REQUIRED = ("What it finds", "Why it matters", "Example", "Fix")


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    summary: str
    fix_title: str  # the remedy ("" when there is none to name)
    sections: Tuple[Tuple[str, str], ...]  # (title, markdown body)
    automatic: bool = True  # `modelreg --fix` applies the remedy (False: the migration rules name a command)

    def section(self, title: str) -> str:
        return next((body for t, body in self.sections if t == title), "")

    @property
    def fixable(self) -> bool:
        return bool(self.fix_title) and self.automatic


def rule_doc(rule) -> RuleDoc:
    doc = (rule.__doc__ or "").strip()
    head, _, rest = doc.partition("\n## ")
    sections = []
    for block in ("## " + rest).split("\n## ") if rest else ():
        title, _, body = block.removeprefix("## ").partition("\n")
        sections.append((title.strip(), body.strip()))
    automatic = getattr(rule, "FIXABLE", rule.FIX_TITLE is not None)
    return RuleDoc(rule.CODE, rule.NAME, rule.SUMMARY, rule.FIX_TITLE or "", tuple(sections), automatic)


def all_docs() -> List[RuleDoc]:
    from . import RULES

    return [rule_doc(r) for r in RULES]


def as_text(doc: RuleDoc) -> str:
    """For the terminal: the markdown, as `ruff rule` prints it."""
    out = [f"# {doc.code} {doc.name}", "", f"{doc.summary}.", ""]
    if doc.fixable:
        out.append(f"Fix: {doc.fix_title.lower()} (`modelreg --fix`).")
    else:
        out.append(f"Fix: none automatic; {doc.fix_title}." if doc.fix_title else "Fix: none automatic.")
    for title, body in doc.sections:
        out += ["", f"## {title}", body]
    return "\n".join(out) + "\n"


def as_markdown(doc: RuleDoc) -> str:
    """One rule in a document of all rules (`modelreg rule --output-format markdown`, SARIF's help, the
    VS Code extension's docs/rules.md): a `###` heading, then each section as a bold label leading its text."""
    out = [f"### {doc.code} {doc.name}"]
    for title, body in doc.sections:
        label = f"**{title}.**"
        out.append("")
        if body.startswith("```"):
            out += [label, "", body]
        else:
            out.append(f"{label} {body}")
    return "\n".join(out) + "\n"


def page_path(doc: RuleDoc) -> str:
    """Where the docs site has the rule's page (relative to docs/)."""
    return f"rules/{doc.code}.md"


def as_page(doc: RuleDoc) -> str:
    """The docs site's page: the title, the summary, what the fix is, then each section."""
    if doc.fixable:
        fix = f"**Fix:** automatic, `modelreg --fix`: {doc.fix_title[:1].lower()}{doc.fix_title[1:]}."
    elif doc.fix_title:
        fix = f"**Fix:** none automatic; {doc.fix_title}."
    else:
        fix = "**Fix:** none automatic."
    out = [f"# {doc.code} {doc.name}", "", f"{doc.summary}.", "", fix, ""]
    out.append(f"`modelreg rule {doc.code}` prints this page.")
    for title, body in doc.sections:
        out += ["", f"## {title}", "", body]
    return "\n".join(out) + "\n"


def as_data(doc: RuleDoc) -> dict:
    return {
        "code": doc.code,
        "name": doc.name,
        "summary": doc.summary,
        "fixable": doc.fixable,
        "fix_title": doc.fix_title or None,
        "sections": {title: body for title, body in doc.sections},
    }


def markdown_pages(docs: Sequence[RuleDoc]) -> str:
    """Every rule in one markdown document (`modelreg rule --all --output-format markdown`)."""
    return "\n".join(as_markdown(d) for d in docs)
