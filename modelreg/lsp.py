"""`modelreg server`: a language server (LSP over stdio, built on pygls).

An adapter over the same pipeline as the CLI: the project is indexed once from
disk, open documents are re-indexed from their unsaved text on every change,
and the facts of files changed on disk are refreshed from save events and
watched-file notifications. Diagnostics are published for every open
document; quick fixes return exactly the edit ``--fix`` would make. It never
imports or runs project code.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from . import __version__, api, discover
from . import config as config_mod
from . import fix as fix_mod
from .index import decode, index_source
from .rules import BY_CODE
from .types import Diagnostic, FileFacts, Module


def uri_to_path(uri: str) -> str:
    return os.path.normpath(unquote(urlparse(uri).path))


def path_to_uri(path: str) -> str:
    from pathlib import Path

    return Path(path).as_uri()


def utf16_col(line_text: str, col: int) -> int:
    """Character column -> UTF-16 code units (the LSP default position encoding)."""
    prefix = line_text[:col]
    if prefix.isascii():
        return col
    return len(prefix.encode("utf-16-le")) // 2


class ModelregServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("modelreg", __version__)
        self.cfg: Optional[config_mod.Config] = None
        self.modules: List[Module] = []
        self.store = None  # FactStore: facts of the files on disk (cached, prefiltered)
        self.buffers: Dict[str, tuple] = {}  # open path -> (version, facts of its unsaved text)
        self.published: Dict[str, List[Diagnostic]] = {}  # open path -> last diagnostics
        self.last_analysis = None
        self.last_diagnostics: List[Diagnostic] = []
        self.session: Optional[api.Session] = None  # analyses in a row, each taking over the last one's results
        self._open: Optional[tuple] = None  # (uris, path -> uri) of the open documents
        self._uris: Optional[Dict[str, str]] = None  # path -> uri, fixed during one analysis

    # -- project state ------------------------------------------------------------

    def setup(self, root: str) -> None:
        self.cfg = config_mod.load(root)
        self.rescan()

    def rescan(self) -> None:
        """(Re)discover the files and index them from disk (through the cache)."""
        from .cache import open_index
        from .store import FactStore

        files = discover.walk(self.cfg)
        self.modules, _ = discover.modules(files, self.cfg)
        try:
            cache = open_index(self.cfg)
        except config_mod.ConfigError as exc:  # e.g. a cache-dir holding the user's files: work without it
            cache = None
            self.window_show_message(
                t.ShowMessageParams(type=t.MessageType.Warning, message=f"modelreg: {exc} (working without the cache)")
            )
        self.store = FactStore(self.modules, cache, triggers=[b.rpartition(".")[2] for b in self.cfg.bases])
        self.store.prepare()
        self.session = api.Session(self.cfg, self.modules, self.facts_of, self.store, read=self.read)

    def changed_on_disk(self, path: str) -> None:
        self.store.forget(path)

    def open_uris(self) -> Dict[str, str]:
        """path -> uri of the open documents (asked for every module an analysis reads: kept, not rebuilt)."""
        docs = self.workspace.text_documents
        if self._open is None or self._open[0] != set(docs):
            # (pygls keys documents by their unquoted URI; each document keeps the client's own)
            self._open = (set(docs), {uri_to_path(doc.uri): key for key, doc in docs.items()})
        return self._open[1]

    def client_uri(self, path: str) -> str:
        """The URI the client opened `path` under (percent-encoded its way), else one made from the path."""
        key = self.open_uris().get(path)
        doc = self.workspace.text_documents.get(key) if key is not None else None
        return doc.uri if doc is not None else path_to_uri(path)

    def buffer_text(self, path: str) -> Optional[str]:
        uri = self.open_uris().get(path)
        doc = self.workspace.text_documents.get(uri) if uri is not None else None
        return doc.source if doc is not None else None

    def buffer_facts(self, path: str) -> Optional[FileFacts]:
        uri = self._uris.get(path) if self._uris is not None else self.open_uris().get(path)
        doc = self.workspace.text_documents.get(uri) if uri is not None else None
        if doc is None:
            return None
        cached = self.buffers.get(path)
        if cached is not None and cached[0] == doc.version:
            return cached[1]
        facts = index_source(doc.source.encode("utf-8"))
        self.buffers[path] = (doc.version, facts)
        return facts

    def facts_of(self, module: Module) -> FileFacts:
        facts = self.buffer_facts(module.path)
        return facts if facts is not None else self.store.facts(module)

    def read(self, path: str) -> bytes:
        text = self.buffer_text(path)
        if text is not None:
            return text.encode("utf-8")
        return fix_mod.read_file(path)

    def ensure_module(self, path: str) -> None:
        if path.endswith(".py") and not any(m.path == path for m in self.modules):
            if path.startswith(self.cfg.root.rstrip(os.sep) + os.sep):
                self.rescan()
                if not any(m.path == path for m in self.modules):
                    mods, _ = discover.modules([m.path for m in self.modules] + [path], self.cfg)
                    self.modules.extend(m for m in mods if m.path == path)
                    self.session = api.Session(self.cfg, self.modules, self.facts_of, self.store, read=self.read)

    def analyze(self):
        self._uris = self.open_uris()  # documents do not open or close during an analysis
        try:
            analysis, diagnostics = self.session.analyze(extra_candidates=set(self._uris))
        finally:
            self._uris = None
        self.last_analysis, self.last_diagnostics = analysis, diagnostics
        return analysis, diagnostics

    def edited(self, path: str) -> None:
        """A buffer changed: when its facts are what they were, nothing modelreg reads changed
        (an edit inside a function body, a comment, a column): republish, do not re-analyze."""
        before = self.buffers.get(path)
        after = self.buffer_facts(path)
        if before is not None and self.last_analysis is not None and before[1] == after:
            self.publish()
        else:
            self.refresh()

    def refresh(self) -> None:
        """Recompute and publish diagnostics for every open document."""
        if self.cfg is None:
            return
        self.analyze()
        self.publish()

    def publish(self) -> None:
        by_path: Dict[str, List[Diagnostic]] = {}
        for d in self.last_diagnostics:
            by_path.setdefault(d.path, []).append(d)
        for doc in list(self.workspace.text_documents.values()):
            path = uri_to_path(doc.uri)
            diags = by_path.get(path, [])
            self.published[path] = diags
            lines = doc.source.splitlines()
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(
                    uri=doc.uri, version=doc.version, diagnostics=[to_lsp(d, lines) for d in diags]
                )
            )


def to_lsp(d: Diagnostic, lines: List[str]) -> t.Diagnostic:
    def pos(line: int, col: int) -> t.Position:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return t.Position(line=max(line - 1, 0), character=utf16_col(text, max(col - 1, 0)))

    return t.Diagnostic(
        range=t.Range(start=pos(d.line, d.column), end=pos(d.end_line, d.end_column)),
        message=d.message,
        severity=t.DiagnosticSeverity.Error if d.code != "MR100" else t.DiagnosticSeverity.Warning,
        code=d.code,
        source="modelreg",
        data={"model": d.model, "registry": d.registry, "line": d.line, "column": d.column},
    )


def _position(text: str, offset: int) -> t.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return t.Position(line=line, character=utf16_col(text[start:offset], offset - start))


def text_edits(old: str, new: str) -> List[t.TextEdit]:
    """One edit replacing exactly the span where `old` and `new` differ (positions in UTF-16)."""
    if old == new:
        return []
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    rng = t.Range(start=_position(old, prefix), end=_position(old, len(old) - suffix))
    return [t.TextEdit(range=rng, new_text=new[prefix : len(new) - suffix])]


def create_server() -> ModelregServer:
    server = ModelregServer()

    @server.feature(t.INITIALIZED)
    def initialized(ls: ModelregServer, params: t.InitializedParams) -> None:
        root = ls.workspace.root_path or os.getcwd()
        try:
            ls.setup(root)
        except config_mod.ConfigError as exc:
            ls.window_show_message(t.ShowMessageParams(type=t.MessageType.Error, message=f"modelreg: {exc}"))

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ModelregServer, params: t.DidOpenTextDocumentParams) -> None:
        if ls.cfg is None:
            return
        ls.ensure_module(uri_to_path(params.text_document.uri))
        ls.refresh()

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ModelregServer, params: t.DidChangeTextDocumentParams) -> None:
        if ls.cfg is not None:
            ls.edited(uri_to_path(params.text_document.uri))

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ModelregServer, params: t.DidSaveTextDocumentParams) -> None:
        if ls.cfg is None:
            return
        ls.changed_on_disk(uri_to_path(params.text_document.uri))
        ls.refresh()

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ModelregServer, params: t.DidCloseTextDocumentParams) -> None:
        path = uri_to_path(params.text_document.uri)
        ls.published.pop(path, None)
        ls.buffers.pop(path, None)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))
        ls.refresh()

    @server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: ModelregServer, params: t.DidChangeWatchedFilesParams) -> None:
        if ls.cfg is None:
            return
        structure = False
        for change in params.changes:
            path = uri_to_path(change.uri)
            ls.changed_on_disk(path)
            if change.type != t.FileChangeType.Changed or os.path.basename(path) in ("__init__.py", ".gitignore"):
                structure = True
        if structure:
            ls.rescan()
        ls.refresh()

    @server.feature(
        t.TEXT_DOCUMENT_CODE_ACTION,
        t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]),
    )
    def code_action(ls: ModelregServer, params: t.CodeActionParams) -> List[t.CodeAction]:
        return code_actions(ls, params) if ls.cfg is not None else []

    return server


def code_actions(ls: ModelregServer, params: t.CodeActionParams) -> List[t.CodeAction]:
    """The quick fixes of the fixable diagnostics on the lines of `params.range`: each one's edits of
    the registry (a fix that would create a file is left to `modelreg --fix`)."""
    path = uri_to_path(params.text_document.uri)
    analysis, diagnostics = ls.analyze()
    wanted = params.range
    actions = []
    for d in diagnostics:
        if d.path != path or not d.fixable:
            continue
        if not (wanted.start.line <= d.line - 1 <= wanted.end.line):
            continue
        fixes, errors = fix_mod.plan(analysis, [d], read=ls.read)
        if not fixes:
            continue
        changes: Dict[str, List[t.TextEdit]] = {}
        for fx in fixes:
            uri = ls.client_uri(fx.path)
            if fx.old is None:
                continue  # creating files is left to `modelreg --fix`
            changes[uri] = text_edits(decode(fx.old), decode(fx.new))
        if not changes:
            continue
        title = _title(analysis, d)
        actions.append(
            t.CodeAction(
                title=title,
                kind=t.CodeActionKind.QuickFix,
                diagnostics=[to_lsp(d, (ls.buffer_text(path) or "").splitlines())],
                edit=t.WorkspaceEdit(changes=changes),
                is_preferred=True,
            )
        )
    return actions


def _title(analysis, d: Diagnostic) -> str:
    if d.code == "MR001":
        return f"Register {d.model.rpartition('.')[2]} in {analysis.rel(d.registry)}"
    if d.code == "MR002":
        return "Remove stale import"
    rule = BY_CODE.get(d.code)
    return rule.FIX_TITLE if rule is not None and rule.FIX_TITLE else f"Fix {d.code}"


def main() -> None:
    create_server().start_io()
