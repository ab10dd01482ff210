"""The VS Code extension's manifest, lockfiles and docs page agree (the extension itself is proven in a real
VS Code by `bash editors/e2e.sh`, which this suite does not run: see docs/integrations/editors.md, "Checked in
real editors")."""

import json
import re

from conftest import REPO

EDITORS_PAGE = (REPO / "docs" / "integrations" / "editors.md").read_text()
VSCODE = REPO / "editors" / "vscode"
MANIFEST = json.loads((VSCODE / "package.json").read_text())


def vscode_section() -> str:
    return EDITORS_PAGE.split("## VS Code", 1)[1].split("\n## ", 1)[0]


def test_the_settings_the_readme_documents_are_the_ones_the_extension_contributes():
    documented = set(re.findall(r"^\| `(modelreg\.[\w.]+)` \|", vscode_section(), re.M))
    contributed = set(MANIFEST["contributes"]["configuration"]["properties"])
    assert documented == contributed == {"modelreg.enable", "modelreg.path", "modelreg.interpreter", "modelreg.trace.server"}


def test_the_commands_the_readme_names_are_the_ones_the_extension_contributes():
    titles = {f"{c['category']}: {c['title']}" for c in MANIFEST["contributes"]["commands"]}
    assert titles == {"modelreg: Restart Server", "modelreg: Show Output"}
    for title in titles:
        assert f"**{title}**" in vscode_section()


def test_the_readme_installs_the_vsix_that_vsce_package_writes():
    # `vsce package` names it <name>-<version>.vsix, in editors/vscode/.
    vsix = f"editors/vscode/{MANIFEST['name']}-{MANIFEST['version']}.vsix"
    assert f"code --install-extension {vsix}" in vscode_section()
    assert "bash editors/vscode/scripts/build.sh" in vscode_section()
    build = (VSCODE / "scripts" / "build.sh").read_text()
    assert "npm ci" in build and "npm run package" in build
    assert "vsce package" in MANIFEST["scripts"]["package"]


def test_the_lockfiles_pin_what_the_manifests_ask_for_so_npm_ci_builds_from_a_clean_checkout():
    for folder in (VSCODE, VSCODE / "e2e"):
        manifest = json.loads((folder / "package.json").read_text())
        root = json.loads((folder / "package-lock.json").read_text())["packages"][""]
        for kind in ("dependencies", "devDependencies"):
            assert root.get(kind, {}) == manifest.get(kind, {}), folder
            for name, version in manifest.get(kind, {}).items():
                assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned in {folder}/package.json"


def test_node_modules_vsix_files_and_build_output_are_ignored_by_git():
    ignored = (VSCODE / ".gitignore").read_text().split()
    assert {"node_modules/", "dist/", "*.vsix", "docs/"} <= set(ignored)
