// Where the extension looks for modelreg, on real files: `npm test` (node's test runner, bundled by esbuild).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { findServer, isNotFound, lacksLspExtra, scriptInterpreter, ServerCommand } from "../src/find";

function tree(): string {
  return mkdtempSync(join(tmpdir(), "modelreg-find-"));
}

function executable(path: string, body = "#!/bin/sh\nexit 1\n"): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

const none = { settingPath: "", interpreter: undefined, interpreterSource: "", envPath: "" };

test("the modelreg.path setting wins over the interpreter and PATH", async () => {
  const root = tree();
  const setting = executable(join(root, "custom", "modelreg"));
  const venv = executable(join(root, "venv", "bin", "modelreg"));
  const found = (await findServer({
    ...none,
    settingPath: setting,
    interpreter: join(root, "venv", "bin", "python"),
    interpreterSource: "the modelreg.interpreter setting",
    envPath: join(root, "venv", "bin"),
  })) as ServerCommand;
  assert.deepEqual([found.command, found.args], [setting, ["server"]]);
  assert.notEqual(found.command, venv);
});

test("a modelreg.path that is not an executable is reported, not replaced by another modelreg", async () => {
  const root = tree();
  executable(join(root, "bin", "modelreg"));
  const result = await findServer({ ...none, settingPath: join(root, "nowhere", "modelreg"), envPath: join(root, "bin") });
  assert.ok(isNotFound(result));
  assert.deepEqual(result.tried, [`modelreg.path = ${join(root, "nowhere", "modelreg")} (not an executable file)`]);
});

test("the modelreg script beside the interpreter comes before PATH", async () => {
  const root = tree();
  const python = executable(join(root, "venv", "bin", "python"));
  const script = executable(join(root, "venv", "bin", "modelreg"));
  executable(join(root, "elsewhere", "modelreg"));
  const found = (await findServer({
    ...none,
    interpreter: python,
    interpreterSource: "the Python extension's interpreter",
    envPath: join(root, "elsewhere"),
  })) as ServerCommand;
  assert.deepEqual([found.command, found.args], [script, ["server"]]);
  assert.equal(found.source, `the Python extension's interpreter ${python}`);
});

test("an interpreter that does not import modelreg falls through to PATH", async () => {
  const root = tree();
  const python = executable(join(root, "venv", "bin", "python")); // a "python" where `import modelreg` fails (exit 1)
  const onPath = executable(join(root, "elsewhere", "modelreg"));
  const found = (await findServer({ ...none, interpreter: python, interpreterSource: "x", envPath: join(root, "elsewhere") })) as ServerCommand;
  assert.deepEqual([found.command, found.source], [onPath, "PATH"]);
});

test("an interpreter that imports modelreg without its script runs python -m modelreg server", async () => {
  // A real Python that imports this checkout's modelreg (PYTHONPATH), with no modelreg script beside it.
  const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
  assert.ok(!existsSync(join(dirname(python), "modelreg")), `${python} has a modelreg script beside it`);
  const saved = process.env.PYTHONPATH;
  process.env.PYTHONPATH = resolve(process.cwd(), "..", "..");
  try {
    const found = (await findServer({ ...none, interpreter: python, interpreterSource: "x", envPath: "" })) as ServerCommand;
    assert.deepEqual([found.command, found.args], [python, ["-m", "modelreg", "server"]]);
  } finally {
    if (saved === undefined) {
      delete process.env.PYTHONPATH;
    } else {
      process.env.PYTHONPATH = saved;
    }
  }
});

test("nothing found: what was tried, in order, for the one message", async () => {
  const root = tree();
  const python = executable(join(root, "venv", "bin", "python"));
  const result = await findServer({ ...none, interpreter: python, interpreterSource: "the modelreg.interpreter setting", envPath: join(root, "empty") });
  assert.ok(isNotFound(result));
  assert.deepEqual(result.tried, [`the modelreg.interpreter setting ${python}`, "PATH"]);
});

test("a directory or a non-executable file named modelreg on PATH is not modelreg", async () => {
  const root = tree();
  mkdirSync(join(root, "a", "modelreg"), { recursive: true });
  mkdirSync(join(root, "b"), { recursive: true });
  writeFileSync(join(root, "b", "modelreg"), "not executable");
  const result = await findServer({ ...none, envPath: [join(root, "a"), join(root, "b")].join(":") });
  assert.ok(isNotFound(result));
});

test("a console script's interpreter is read from its #! line; env and -m are handled", () => {
  const root = tree();
  const script = executable(join(root, "venv", "bin", "modelreg"), `#!${join(root, "venv", "bin", "python3")}\nimport sys\n`);
  assert.equal(scriptInterpreter({ command: script, args: ["server"], source: "" }), join(root, "venv", "bin", "python3"));
  const viaEnv = executable(join(root, "other", "modelreg"), "#!/usr/bin/env python3\n");
  assert.equal(scriptInterpreter({ command: viaEnv, args: ["server"], source: "" }), undefined);
  assert.equal(scriptInterpreter({ command: "/x/python", args: ["-m", "modelreg", "server"], source: "" }), "/x/python");
  assert.equal(scriptInterpreter({ command: join(root, "missing"), args: ["server"], source: "" }), undefined);
});

test("a Python that cannot import pygls lacks the lsp extra; one that cannot run says nothing", async () => {
  const root = tree();
  assert.equal(await lacksLspExtra(executable(join(root, "bin", "python"))), true); // exits 1, like a failed import
  assert.equal(await lacksLspExtra(executable(join(root, "ok", "python"), "#!/bin/sh\nexit 0\n")), false);
  assert.equal(await lacksLspExtra(join(root, "nowhere", "python")), false);
});
