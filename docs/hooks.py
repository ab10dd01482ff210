"""MkDocs hooks: the pages made from the code when the site is built, so code and docs cannot drift.

- ``rules/MR0xx.md``: one page per rule, from the rule module's docstring (modelreg.rules.docs, the
  source `modelreg rule` and SARIF's rule help read too), appended to the nav's Rules section;
- ``changelog.md``: CHANGELOG.md at the repository's root.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

from modelreg.rules.docs import all_docs, as_page, page_path


def on_config(config):
    for entry in config.nav:
        if isinstance(entry, dict) and "Rules" in entry:
            entry["Rules"] = list(entry["Rules"]) + [{f"{d.code} {d.name}": page_path(d)} for d in all_docs()]
    return config


def on_files(files, config):
    for doc in all_docs():
        files.append(File.generated(config, page_path(doc), content=as_page(doc)))
    changelog = Path(config.config_file_path).parent / "CHANGELOG.md"
    files.append(File.generated(config, "changelog.md", content=changelog.read_text(encoding="utf-8")))
    return files
