// modelreg for VS Code: starts `modelreg server` (LSP over stdio) for the workspace and shows its
// diagnostics and quick fixes. Everything else (analysis, fixes) is the server's.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorHandler,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { findServer, isNotFound, lacksLspExtra, scriptInterpreter, ServerCommand } from "./find";

const INSTALL = "pip install 'modelreg[lsp]'";

let client: LanguageClient | undefined;
let watcher: vscode.FileSystemWatcher | undefined;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
/** The part of the Python extension's API (ms-python.python, `environments`) that modelreg uses. */
interface PythonApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

let python: PythonApi | undefined;
let ruleLines: Map<string, number> | undefined;
let readmePath = "";
let starting: Promise<void> = Promise.resolve();

function log(message: string): void {
  output.appendLine(`[${new Date().toISOString()}] ${message}`);
}

/** The one message for a problem the user must act on, logged too, with a button to the output. */
function tell(message: string): void {
  log(message);
  void vscode.window.showErrorMessage(message, "Show Output").then((choice) => {
    if (choice) {
      output.show(true);
    }
  });
}

function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** `${workspaceFolder}`, `${userHome}` and `~` in path settings, as the ruff extension allows. */
export function substitute(value: string, folder: vscode.WorkspaceFolder | undefined): string {
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  let out = value.replace(/\$\{userHome\}/g, home);
  if (folder) {
    out = out.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  }
  if (out.startsWith("~/") || out === "~") {
    out = path.join(home, out.slice(1));
  }
  return out;
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (!extension) {
    return undefined;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  return api?.environments ? api : undefined;
}

async function selectedInterpreter(folder: vscode.WorkspaceFolder | undefined): Promise<string | undefined> {
  try {
    python = python ?? (await pythonApi());
    if (!python) {
      return undefined;
    }
    const active = python.environments.getActiveEnvironmentPath(folder?.uri);
    const env = await python.environments.resolveEnvironment(active);
    return env?.executable.uri?.fsPath;
  } catch (err) {
    log(`the Python extension did not give an interpreter: ${err}`);
    return undefined;
  }
}

async function locate(): Promise<ServerCommand | undefined> {
  const folder = workspaceFolder();
  const config = vscode.workspace.getConfiguration("modelreg", folder?.uri);
  const settingPath = substitute(config.get<string>("path", "").trim(), folder);
  const settingInterpreter = substitute(config.get<string>("interpreter", "").trim(), folder);
  let interpreter: string | undefined = settingInterpreter || undefined;
  let interpreterSource = "the modelreg.interpreter setting";
  if (!interpreter) {
    interpreter = await selectedInterpreter(folder);
    interpreterSource = "the Python extension's interpreter";
  }
  const result = await findServer({ settingPath, interpreter, interpreterSource, envPath: process.env.PATH });
  if (isNotFound(result)) {
    const message =
      `modelreg was not found (looked at: ${result.tried.join("; ")}). ` +
      `Install it in your project's environment: ${INSTALL}, or set "modelreg.path".`;
    tell(message);
    return undefined;
  }
  log(`using ${result.command} ${result.args.join(" ")} (from ${result.source})`);
  return result;
}

/** Line (0-based) of each rule's `### MR0xx` heading in the rule pages shipped with the extension (docs/rules.md). */
function rulesIndex(): Map<string, number> {
  if (ruleLines) {
    return ruleLines;
  }
  ruleLines = new Map();
  try {
    fs.readFileSync(readmePath, "utf8")
      .split(/\r?\n/)
      .forEach((line, i) => {
        const m = /^###\s+(MR\d{3})\b/.exec(line);
        if (m) {
          ruleLines!.set(m[1], i);
        }
      });
  } catch (err) {
    log(`no rule documentation at ${readmePath}: ${err}`);
  }
  return ruleLines;
}

/** Turn the plain code "MR001" into a code that links to the rule's section of the rule pages. */
export function linkRule(diagnostic: vscode.Diagnostic): vscode.Diagnostic {
  const code = typeof diagnostic.code === "string" ? diagnostic.code : undefined;
  const line = code ? rulesIndex().get(code) : undefined;
  if (code && line !== undefined) {
    diagnostic.code = { value: code, target: vscode.Uri.file(readmePath).with({ fragment: `L${line + 1}` }) };
  }
  return diagnostic;
}

function clientOptions(folder: vscode.WorkspaceFolder | undefined): LanguageClientOptions {
  watcher = vscode.workspace.createFileSystemWatcher("**/{*.py,pyproject.toml,.gitignore,alembic.ini}");
  return {
    documentSelector: [{ scheme: "file", language: "python" }],
    workspaceFolder: folder,
    outputChannel: output,
    traceOutputChannel: traceOutput,
    synchronize: { fileEvents: watcher },
    middleware: {
      handleDiagnostics(uri, diagnostics, next) {
        next(uri, diagnostics.map(linkRule));
      },
    },
  };
}

async function start(): Promise<void> {
  const folder = workspaceFolder();
  if (!vscode.workspace.getConfiguration("modelreg", folder?.uri).get<boolean>("enable", true)) {
    log("modelreg.enable is false: the server is not started");
    return;
  }
  const found = await locate();
  if (!found) {
    return;
  }
  const python = scriptInterpreter(found);
  if (python && (await lacksLspExtra(python))) {
    const message =
      `modelreg (${found.command}) is installed without its language server: ` +
      `install it in that environment with ${INSTALL}.`;
    tell(message);
    return;
  }
  // No `transport`: with TransportKind.stdio the client would append `--stdio`; stdio is the default anyway.
  const run = { command: found.command, args: found.args, options: { cwd: folder?.uri.fsPath } };
  const serverOptions: ServerOptions = { run, debug: run };
  let started = false;
  let crashes: ErrorHandler | undefined;
  const options = clientOptions(folder);
  // A server that exits before it answers `initialize` is not restarted four times with four messages: the
  // client says once that it could not connect. Later crashes: the client's default handling.
  options.errorHandler = {
    error: (error, message, count) => crashes!.error(error, message, count),
    closed: () => (started ? crashes!.closed() : { action: CloseAction.DoNotRestart, handled: true }),
  };
  options.initializationFailedHandler = () => false;
  const current = new LanguageClient("modelreg", "modelreg", serverOptions, options);
  crashes = current.createDefaultErrorHandler();
  client = current;
  try {
    await current.start();
  } catch (err) {
    log(`the server did not start: ${err}`);
  }
  // The client has already said "couldn't create connection" (with a button to this output) when it failed.
  started = current.state === State.Running;
  log(started ? "server started" : "the server is not running: its reason is above");
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (err) {
      log(`stopping the server: ${err}`);
    }
    running.dispose();
  }
  watcher?.dispose();
  watcher = undefined;
}

/** Restarts run one after another: two quick setting changes must not start two servers. */
function restart(): Promise<void> {
  starting = starting.then(async () => {
    await stop();
    await start();
  });
  return starting;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("modelreg");
  traceOutput = vscode.window.createOutputChannel("modelreg Trace");
  readmePath = context.asAbsolutePath(path.join("docs", "rules.md"));
  context.subscriptions.push(
    output,
    traceOutput,
    vscode.commands.registerCommand("modelreg.restart", () => restart()),
    vscode.commands.registerCommand("modelreg.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // modelreg.trace.server is the client's own business: it follows that one without a restart.
      if (["modelreg.enable", "modelreg.path", "modelreg.interpreter"].some((key) => event.affectsConfiguration(key))) {
        void restart();
      }
    }),
  );
  try {
    python = await pythonApi();
    if (python) {
      context.subscriptions.push(python.environments.onDidChangeActiveEnvironmentPath(() => void restart()));
    }
  } catch (err) {
    log(`the Python extension's API is not available: ${err}`);
  }
  await restart();
}

export async function deactivate(): Promise<void> {
  await stop();
}
