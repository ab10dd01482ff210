"""`modelreg server` end to end: a real LSP client (pytest-lsp) talks to the server over stdio."""

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import assert_fix_runs, model_source, write_tree

BASE = (
    "from sqlalchemy import Column, Integer  # noqa: F401\n"
    "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
)


def model(cls, table):
    source = model_source(cls, table, base_import="from pkg.data.modelbase import Base, Column, Integer")
    return source + "    id = Column(Integer, primary_key=True)\n"  # a table SQLAlchemy maps


PROJECT = {
    "pyproject.toml": "",
    "pkg/__init__.py": "",
    "pkg/data/__init__.py": "",
    "pkg/data/modelbase.py": BASE,
    "pkg/data/users.py": model("User", "users"),
    "pkg/data/audit.py": model("Audit", "auditing"),
    "pkg/data/__all_models.py": "# noinspection PyUnresolvedReferences\nimport pkg.data.users\n",
}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    write_tree(root, PROJECT)
    marker = tmp_path / "executed"
    # importing any project module would leave a marker: the server must never do it
    for rel in ("pkg/__init__.py", "pkg/data/__init__.py"):
        (root / rel).write_text(f"open({str(marker)!r}, 'w').close()\n")
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "modelreg", "server"]),
)
async def client(lsp_client: LanguageClient, project: Path):
    await lsp_client.initialize_session(
        t.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=project.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


def uri(project: Path, rel: str) -> str:
    return (project / rel).as_uri()


async def diagnostics_after(client: LanguageClient, target: str, action):
    """Run `action` (a notification to the server) and return the diagnostics it then publishes for `target`.

    The server publishes for every open document on each change, so the entry for
    `target` is dropped first and awaited until it comes back."""
    client.diagnostics.pop(target, None)
    action()
    for _ in range(1000):
        if target in client.diagnostics:
            return list(client.diagnostics[target])
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics published for {target}")


async def open_doc(client: LanguageClient, project: Path, rel: str, text=None, version=1):
    text = (project / rel).read_text() if text is None else text
    item = t.TextDocumentItem(uri=uri(project, rel), language_id="python", version=version, text=text)
    return await diagnostics_after(
        client, uri(project, rel), lambda: client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))
    )


async def change_doc(client, project, rel, text, version):
    params = t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=uri(project, rel), version=version),
        content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)],
    )
    return await diagnostics_after(client, uri(project, rel), lambda: client.text_document_did_change(params))


async def test_an_open_unregistered_model_gets_an_mr001_at_its_class_name(client, project):
    diags = await open_doc(client, project, "pkg/data/audit.py")
    assert [(d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in diags] == [
        ("MR001", 3, 6, 11)
    ]
    assert diags[0].source == "modelreg"
    assert "Audit" in diags[0].message and "pkg/data/__all_models.py" in diags[0].message


async def test_a_registered_model_has_no_diagnostic(client, project):
    assert await open_doc(client, project, "pkg/data/users.py") == []


async def test_diagnostics_follow_the_unsaved_registry_buffer(client, project):
    await open_doc(client, project, "pkg/data/audit.py")
    registry = "pkg/data/__all_models.py"
    await open_doc(client, project, registry)
    text = (project / registry).read_text() + "# noinspection PyUnresolvedReferences\nimport pkg.data.audit\n"
    await change_doc(client, project, registry, text, version=2)
    assert list(client.diagnostics[uri(project, "pkg/data/audit.py")]) == []
    # and back: removing the line in the buffer (never saved) brings MR001 back
    await change_doc(client, project, registry, (project / registry).read_text(), version=3)
    assert [d.code for d in client.diagnostics[uri(project, "pkg/data/audit.py")]] == ["MR001"]
    assert (project / registry).read_text().count("import") == 1, "the server never writes files"


async def test_an_edit_to_the_model_buffer_is_analyzed_before_saving(client, project):
    rel = "pkg/data/users.py"
    assert await open_doc(client, project, rel) == []
    # the registry does not import this new class's module? it does - but a second base-less class is no model
    diags = await change_doc(client, project, rel, model("User", "users") + "\n\nclass Plain:\n    pass\n", 2)
    assert diags == []
    # a typo that breaks the file is an MR100 at the error
    diags = await change_doc(client, project, rel, "class User(Base)\n", 3)
    assert [d.code for d in diags] == ["MR100"]


async def test_a_stale_registry_import_is_reported_in_the_registry(client, project):
    rel = "pkg/data/__all_models.py"
    text = "import pkg.data.users\nimport pkg.data.gone\n"
    diags = await open_doc(client, project, rel, text)
    assert [(d.code, d.range.start.line) for d in diags] == [("MR002", 1)]


async def test_register_quick_fix_is_exactly_the_edit_fix_would_make(client, project):
    await open_doc(client, project, "pkg/data/audit.py")
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(project, "pkg/data/audit.py")),
            range=t.Range(start=t.Position(line=3, character=0), end=t.Position(line=3, character=0)),
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    assert [a.title for a in actions] == ["Register Audit in pkg/data/__all_models.py"]
    edits = actions[0].edit.changes[uri(project, "pkg/data/__all_models.py")]
    registry = project / "pkg/data/__all_models.py"
    applied = apply_edits(registry.read_text(), edits)
    assert applied == (
        "# noinspection PyUnresolvedReferences\nimport pkg.data.audit\n"
        "# noinspection PyUnresolvedReferences\nimport pkg.data.users\n"
    )
    # exactly what --fix then writes to disk
    from modelreg.cli import main

    assert main(["--fix", "-q", str(project)]) == 0
    assert registry.read_text() == applied
    models = ["pkg.data.audit", "pkg.data.users"]
    assert_fix_runs(project, "pkg.data.__all_models", "pkg.data.modelbase:Base.metadata", models, ["auditing", "users"])


async def test_remove_stale_import_quick_fix(client, project):
    rel = "pkg/data/__all_models.py"
    text = "# noinspection PyUnresolvedReferences\nimport pkg.data.users\n# noinspection PyUnresolvedReferences\nimport pkg.data.gone\n"
    await open_doc(client, project, rel, text)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(project, rel)),
            range=t.Range(start=t.Position(line=3, character=0), end=t.Position(line=3, character=5)),
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    assert [a.title for a in actions] == ["Remove stale import"]
    result = apply_edits(text, actions[0].edit.changes[uri(project, rel)])
    assert result == "# noinspection PyUnresolvedReferences\nimport pkg.data.users\n"


async def test_a_model_file_created_on_disk_is_picked_up_from_watched_file_events(client, project):
    await open_doc(client, project, "pkg/data/__all_models.py")
    (project / "pkg/data/news.py").write_text(model("News", "news"))
    event = t.FileEvent(uri=uri(project, "pkg/data/news.py"), type=t.FileChangeType.Created)
    await diagnostics_after(
        client,
        uri(project, "pkg/data/__all_models.py"),
        lambda: client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=[event])),
    )
    diags = await open_doc(client, project, "pkg/data/news.py")
    assert [d.code for d in diags] == ["MR001"]


async def test_the_server_never_imports_project_code(client, project):
    await open_doc(client, project, "pkg/data/audit.py")
    await open_doc(client, project, "pkg/data/__all_models.py")
    assert not (project.parent / "executed").exists()


def apply_edits(text: str, edits) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(pos):  # the project is ASCII: UTF-16 columns are characters
        return offsets[pos.line] + pos.character if pos.line < len(offsets) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


async def test_edits_in_a_row_are_analyzed_incrementally_and_agree_with_the_cli(client, project):
    """Each change takes over the last analysis's results except what the edited file touched: a
    model renamed, its base broken, an import pushing every line down, then restored - every step's
    diagnostics are those the CLI reports for the same text on disk."""
    import modelreg

    rel = "pkg/data/audit.py"
    original = (project / rel).read_text()
    await open_doc(client, project, rel)
    steps = [
        original.replace("class Audit(", "class AuditLog("),  # a new model name
        original.replace("(Base)", "(object)"),  # no model any more
        "import os\n\n" + original,  # every position moves
        original,  # and back
    ]
    for version, text in enumerate(steps, start=2):
        published = await change_doc(client, project, rel, text, version)
        (project / rel).write_text(text)
        expected = [d for d in modelreg.check([str(project)], use_cache=False).diagnostics if d.path == str(project / rel)]
        got = [(d.code, d.range.start.line + 1, d.range.start.character + 1, d.message) for d in published]
        assert got == [(d.code, d.line, d.column, d.message) for d in expected], text
    (project / rel).write_text(original)
