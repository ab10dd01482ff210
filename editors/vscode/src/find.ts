// Where is modelreg? The order the ruff and mypy extensions use:
// 1. the `modelreg.path` setting,
// 2. the Python environment: the `modelreg.interpreter` setting, else the interpreter selected in the
//    Python extension (when it is installed): the `modelreg` script beside it, else `python -m modelreg`,
// 3. `modelreg` on PATH.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it was found, for the output channel: "modelreg.path", "interpreter /x/bin/python", "PATH". */
  source: string;
}

export interface NotFound {
  /** What was tried, in order, for the one message shown to the user. */
  tried: string[];
}

export interface Inputs {
  /** The `modelreg.path` setting, variables already substituted ("" when unset). */
  settingPath: string;
  /** The interpreter: the `modelreg.interpreter` setting, else the Python extension's selection. */
  interpreter: string | undefined;
  interpreterSource: string;
  envPath: string | undefined;
}

const isWindows = process.platform === "win32";

export function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (!isWindows) {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** The `modelreg` console script installed beside an interpreter (bin/ on POSIX, Scripts\ on Windows). */
export function scriptBeside(interpreter: string): string | undefined {
  const dir = path.dirname(interpreter);
  const names = isWindows ? ["modelreg.exe", "modelreg"] : ["modelreg"];
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

export function onPath(envPath: string | undefined): string | undefined {
  const names = isWindows ? ["modelreg.exe", "modelreg.cmd", "modelreg"] : ["modelreg"];
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Does `interpreter` import modelreg (installed there without its script on disk, e.g. a PEP 582 layout)? */
function importsModelreg(interpreter: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(interpreter, ["-c", "import modelreg"], { timeout: 15000 }, (error) => resolve(!error));
  });
}

export async function findServer(inputs: Inputs): Promise<ServerCommand | NotFound> {
  const tried: string[] = [];
  if (inputs.settingPath) {
    if (isExecutable(inputs.settingPath)) {
      return { command: inputs.settingPath, args: ["server"], source: "the modelreg.path setting" };
    }
    // An explicit setting that points nowhere is an error, not a reason to pick another modelreg.
    return { tried: [`modelreg.path = ${inputs.settingPath} (not an executable file)`] };
  }
  if (inputs.interpreter) {
    const script = scriptBeside(inputs.interpreter);
    if (script) {
      return { command: script, args: ["server"], source: `${inputs.interpreterSource} ${inputs.interpreter}` };
    }
    if (isExecutable(inputs.interpreter) && (await importsModelreg(inputs.interpreter))) {
      return {
        command: inputs.interpreter,
        args: ["-m", "modelreg", "server"],
        source: `${inputs.interpreterSource} ${inputs.interpreter} (python -m modelreg)`,
      };
    }
    tried.push(`${inputs.interpreterSource} ${inputs.interpreter}`);
  }
  const found = onPath(inputs.envPath);
  if (found) {
    return { command: found, args: ["server"], source: "PATH" };
  }
  tried.push("PATH");
  return { tried };
}

export function isNotFound(result: ServerCommand | NotFound): result is NotFound {
  return (result as NotFound).tried !== undefined;
}

/** The Python a console script runs under, from its `#!` line (POSIX scripts; undefined for anything else). */
export function scriptInterpreter(server: ServerCommand): string | undefined {
  if (server.args[0] === "-m") {
    return server.command; // `python -m modelreg server`
  }
  let head: string;
  try {
    const fd = fs.openSync(server.command, "r");
    try {
      const buffer = Buffer.alloc(512);
      head = buffer.subarray(0, fs.readSync(fd, buffer, 0, 512, 0)).toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const m = /^#!\s*(\S+)\s*(\S*)/.exec(head.split("\n", 1)[0]);
  if (!m) {
    return undefined;
  }
  // `#!/usr/bin/env python3` names the interpreter through PATH: leave that one alone.
  return path.basename(m[1]) === "env" ? undefined : m[1];
}

/** Does this Python lack the language server's packages (modelreg installed without the `lsp` extra)? */
export function lacksLspExtra(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import pygls.lsp.server, lsprotocol"], { timeout: 15000 }, (error) => {
      // Only a Python that ran and failed to import says "missing"; one that cannot run says nothing.
      resolve(error !== null && typeof error.code === "number");
    });
  });
}
