// The extension in a real VS Code (code-server), driven through its UI by Playwright with Debian's Chromium.
//
//   node run.mjs --vsix X.vsix --modelreg /venv/bin/modelreg --chromium /usr/bin/chromium --example DIR
//
// 1. installs the .vsix into a fresh code-server (its own user-data and extensions dirs, a PATH without modelreg),
// 2. opens a copy of the example: with no modelreg to be found, one message gives the install command, and
//    "modelreg: Show Output" shows the output channel,
//    so does a modelreg installed without the lsp extra,
// 3. the workspace setting `modelreg.interpreter` (the venv's python) starts the server, then `modelreg.path`
//    restarts it, and so does "modelreg: Restart Server",
// 4. the Problems panel shows the MR001 for Audit at audit.py line 8; its code links to the rule's page
//    (docs/rules.md in the extension),
// 5. Ctrl+. on it offers "Register Audit in pypi_org/data/__all_models.py"; applying it and saving leaves
//    __all_models.py byte for byte what `modelreg --fix` writes on another copy, and audit.py untouched;
//    importing the fixed registry in a fresh Python creates Audit's table; with --screenshot PNG, the editor
//    with the squiggle under Audit and the quick fix offered is saved there (the README's picture),
// 6. after the save the Problems panel is empty; `modelreg.trace.server` traced the messages;
//    `modelreg.enable: false` stops the server.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    vsix: { type: "string" },
    modelreg: { type: "string" },
    "modelreg-without-lsp": { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    example: { type: "string", default: resolve(here, "../../../examples/pypi_org") },
    work: { type: "string" },
    screenshot: { type: "string" },
  },
});
for (const required of ["vsix", "modelreg", "modelreg-without-lsp"]) {
  if (!opt[required]) {
    console.error(
      "usage: node run.mjs --vsix FILE --modelreg PATH --modelreg-without-lsp PATH [--chromium PATH] [--example DIR] [--work DIR]",
    );
    process.exit(2);
  }
}

const work = opt.work ?? mkdtempSync(join(tmpdir(), "modelreg-vscode-e2e-"));
const codeServer = join(here, "node_modules", ".bin", "code-server");
const REGISTRY = "pypi_org/data/__all_models.py";
const TITLE = `Register Audit in ${REGISTRY}`;
const started = Date.now();
let step = "setup";

function say(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function copyExample(to) {
  cpSync(opt.example, to, {
    recursive: true,
    filter: (src) => !/(__pycache__|\.modelreg_cache|\.pytest_cache)$/.test(src),
  });
  return to;
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

async function until(what, predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await predicate();
      if (last) {
        return last;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

// -- the expected bytes: `modelreg --fix` on a second copy -----------------------------------------------
const viaCli = copyExample(join(work, "cli"));
const before = readFileSync(join(viaCli, REGISTRY));
try {
  execFileSync(opt.modelreg, ["--fix"], { cwd: viaCli, stdio: "pipe" });
} catch (err) {
  if (err.status !== 0 && err.status !== 1) {
    throw err;
  }
}
const expected = readFileSync(join(viaCli, REGISTRY));
if (expected.equals(before)) {
  throw new Error("modelreg --fix did not change the registry: the example has no MR001 to fix");
}

// -- a fresh code-server with the .vsix installed ----------------------------------------------------------
const project = copyExample(join(work, "editor"));
const userData = join(work, "user-data");
const extensions = join(work, "extensions");
const csConfig = ["--config", join(work, "code-server.yaml")]; // not ~/.config/code-server
mkdirSync(join(userData, "User"), { recursive: true });
const python = join(dirname(opt.modelreg), "python");
/** The user settings: quiet defaults plus the modelreg ones given (VS Code reloads the file when it changes). */
function writeSettings(modelreg) {
  const quiet = {
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "update.mode": "none",
    "files.autoSave": "off",
    "chat.disableAIFeatures": true,
    "editor.lightbulb.enabled": "off",
  };
  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({ ...quiet, ...modelreg }, null, 2));
}
writeSettings({});
function writeWorkspaceSettings(modelreg) {
  mkdirSync(join(project, ".vscode"), { recursive: true });
  writeFileSync(join(project, ".vscode", "settings.json"), JSON.stringify(modelreg, null, 2));
}
// The server's PATH has no modelreg: it is found only through the settings (or not at all).
const serverPath = [...new Set([dirname(process.execPath), "/usr/bin", "/bin"])].join(":");
for (const dir of serverPath.split(":")) {
  if (existsSync(join(dir, "modelreg"))) {
    throw new Error(`${dir}/modelreg exists: the "not found" step needs a PATH without modelreg`);
  }
}

/** The text of the extension's "modelreg" output channel, as VS Code logs it to disk. */
function outputLog(channel = "modelreg") {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.replace(/^\d+-/, "") === `${channel}.log`) {
        found.push(readFileSync(full, "utf8"));
      }
    }
  };
  if (existsSync(join(userData, "logs"))) {
    walk(join(userData, "logs"));
  }
  return found.join("\n");
}

const count = (text, needle) => text.split(needle).length - 1;

step = "install the .vsix";
const installed = execFileSync(
  codeServer,
  [...csConfig, "--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", resolve(opt.vsix)],
  { encoding: "utf8" },
);
say(installed.trim().split("\n").pop());
const listed = execFileSync(codeServer, [...csConfig, "--user-data-dir", userData, "--extensions-dir", extensions, "--list-extensions"], {
  encoding: "utf8",
});
if (!listed.split("\n").includes("modelreg.modelreg")) {
  throw new Error(`the .vsix is not installed: --list-extensions says ${JSON.stringify(listed)}`);
}

const port = await freePort();
const serverLog = [];
const server = spawn(
  codeServer,
  [
    ...csConfig,
    "--auth", "none",
    "--bind-addr", `127.0.0.1:${port}`,
    "--user-data-dir", userData,
    "--extensions-dir", extensions,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    project,
  ],
  { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, PATH: serverPath } },
);
server.stdout.on("data", (d) => serverLog.push(d.toString()));
server.stderr.on("data", (d) => serverLog.push(d.toString()));

let browser;
let page;
let failed = false;
try {
  step = "code-server answers";
  await until("code-server to listen", async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60000);
  say(`code-server ${execFileSync(codeServer, ["--version"], { encoding: "utf8" }).split("\n")[0]} on port ${port}`);

  step = "open the workspace";
  browser = await chromium.launch({ executablePath: opt.chromium, headless: true, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60000 });
  await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ timeout: 60000 });
  say("workbench loaded");

  step = "open audit.py";
  await until("quick open to show audit.py", async () => {
    await page.keyboard.press("Escape");
    await page.locator(".monaco-workbench").click({ position: { x: 800, y: 500 } });
    await page.keyboard.press("Control+P");
    await page.locator(".quick-input-widget input").waitFor({ timeout: 5000 });
    await page.keyboard.type("audit.py");
    const row = page.locator(".quick-input-list .monaco-list-row", { hasText: "audit.py" }).first();
    await row.waitFor({ timeout: 5000 });
    await page.keyboard.press("Enter");
    await page.locator(".tabs-container .tab.active", { hasText: "audit.py" }).waitFor({ timeout: 5000 });
    return true;
  });
  say("audit.py is open");

  async function command(title) {
    await page.keyboard.press("Escape");
    await page.keyboard.press("F1");
    await page.locator(".quick-input-widget input").waitFor();
    await page.keyboard.type(title);
    await page.locator(".quick-input-list .monaco-list-row.focused", { hasText: title }).waitFor({ timeout: 10000 });
    await page.keyboard.press("Enter");
  }

  step = "no modelreg anywhere: one message with the install command";
  const notFound = page.locator(".notification-toast", { hasText: "modelreg was not found" });
  await notFound.first().waitFor({ timeout: 60000 });
  const message = await notFound.first().innerText();
  say(`message: ${JSON.stringify(message)}`);
  if (!message.includes("pip install 'modelreg[lsp]'") || (await notFound.count()) !== 1) {
    throw new Error(`expected one message with the install command, got ${await notFound.allInnerTexts()}`);
  }
  await command("modelreg: Show Output");
  await page.locator(".panel .monaco-editor .view-lines", { hasText: "modelreg was not found" }).waitFor({ timeout: 20000 });
  say(`"modelreg: Show Output" shows the modelreg output`);
  await command("Notifications: Clear All Notifications");

  step = "a modelreg without the lsp extra: one message with the install command";
  writeWorkspaceSettings({ "modelreg.path": opt["modelreg-without-lsp"] });
  const noExtra = page.locator(".notification-toast", { hasText: "is installed without its language server" });
  await noExtra.first().waitFor({ timeout: 60000 });
  await page.waitForTimeout(3000); // a client restarting a failing server would have shown more messages by now
  const toasts = await page.locator(".notification-toast").allInnerTexts();
  say(`messages: ${JSON.stringify(toasts)}`);
  if (toasts.length !== 1 || !toasts[0].includes("pip install 'modelreg[lsp]'")) {
    throw new Error(`expected one message with the install command, got ${JSON.stringify(toasts)}`);
  }
  await command("Notifications: Clear All Notifications");

  step = "the modelreg.interpreter setting: the modelreg beside that Python";
  writeWorkspaceSettings({ "modelreg.interpreter": python });
  await until("the server to start from modelreg.interpreter", async () =>
    outputLog().includes(`(from the modelreg.interpreter setting ${python})`) && count(outputLog(), "server started") === 1,
  60000);
  await page.keyboard.press("Control+Shift+M");
  const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "MR001" });
  await problem.first().waitFor({ timeout: 60000 });
  say("modelreg.interpreter: the server runs and MR001 is shown");

  step = "the modelreg.path setting, and modelreg: Restart Server";
  writeWorkspaceSettings({ "modelreg.path": opt.modelreg, "modelreg.trace.server": "messages" });
  await until("the server to restart from modelreg.path", async () =>
    outputLog().includes("(from the modelreg.path setting)") && count(outputLog(), "server started") === 2,
  60000);
  await command("modelreg: Restart Server");
  await until("a third start", async () => count(outputLog(), "server started") === 3, 60000);
  say("modelreg.path: the server restarted on the setting change and on the command");

  step = "the Problems panel shows the MR001 for Audit at audit.py line 8";
  await page.keyboard.press("Control+Shift+M");
  await problem.first().waitFor({ timeout: 60000 });
  const rows = await page.locator(".markers-panel .monaco-list-row").allInnerTexts();
  say(`Problems panel: ${JSON.stringify(rows)}`);
  const mr001 = rows.filter((r) => r.includes("MR001"));
  if (mr001.length !== 1) {
    throw new Error(`expected one MR001 row, got ${JSON.stringify(rows)}`);
  }
  if (!/model Audit \(pypi_org\.data\.audit\) is not registered/.test(mr001[0]) || !/\[Ln 8, Col 7\]/.test(mr001[0])) {
    throw new Error(`the MR001 row is not Audit's at line 8, column 7: ${JSON.stringify(mr001[0])}`);
  }
  if (rows.length !== 2 || !rows[0].startsWith("audit.py")) {
    throw new Error(`expected exactly the audit.py file row and its MR001, got ${JSON.stringify(rows)}`);
  }
  // The code is a link to the rule's section of the rule pages shipped in the extension.
  const link = problem.first().locator("a", { hasText: "MR001" });
  const href = (await link.getAttribute("href")) ?? (await link.getAttribute("title")) ?? "";
  say(`MR001 links to ${href}`);
  const readme = join(extensions, "modelreg.modelreg-0.1.0", "docs", "rules.md");
  const lines = readFileSync(readme, "utf8").split("\n");
  const heading = lines.findIndex((l) => l.startsWith("### MR001 ")) + 1;
  if (!href.includes("docs/rules.md") || !href.endsWith(`#L${heading}`) || heading === 0) {
    throw new Error(`the MR001 code does not link to rules.md line ${heading} (### MR001): ${href}`);
  }

  step = "the MR001 link opens the rule's section";
  await link.click();
  await page.locator(".tabs-container .tab.active", { hasText: "rules.md" }).waitFor({ timeout: 20000 });
  await until(`rules.md at line ${heading}`, async () =>
    new RegExp(`Ln ${heading}, Col 1`).test(await page.locator("#status\\.editor\\.selection").innerText()),
  20000);
  say(`clicking MR001 opened rules.md at line ${heading}: ${lines[heading - 1]}`);

  step = "Ctrl+. offers and applies the quick fix";
  await page.locator(".tabs-container .tab", { hasText: "audit.py" }).click();
  await page.locator(".tabs-container .tab.active", { hasText: "audit.py" }).waitFor({ timeout: 10000 });
  await page.keyboard.press("Control+G");
  await page.locator(".quick-input-widget input").waitFor();
  await page.keyboard.type("8:7");
  await page.keyboard.press("Enter");
  await until("the cursor at Ln 8, Col 7", async () =>
    /Ln 8, Col 7/.test(await page.locator("#status\\.editor\\.selection").innerText()),
  );
  const fix = page.locator(".action-widget .monaco-list-row", { hasText: TITLE });
  await until(`the quick fix "${TITLE}"`, async () => {
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+.");
    await fix.first().waitFor({ timeout: 5000 });
    return true;
  });
  const offered = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
  say(`Ctrl+. offers ${JSON.stringify(offered)}`);
  if (offered.filter((o) => o.includes(TITLE)).length !== 1) {
    throw new Error(`expected one "${TITLE}", got ${JSON.stringify(offered)}`);
  }
  if (opt.screenshot) {
    // the squiggle under Audit, the Problems panel's MR001 and the quick fix offered: the README's picture
    await page.screenshot({ path: opt.screenshot });
    say(`screenshot: ${opt.screenshot}`);
  }
  // The menu takes keys, not clicks (a pointer block covers it): walk down to the fix, then Enter.
  await until(`"${TITLE}" to be focused`, async () => {
    const focused = page.locator(".action-widget .monaco-list-row.focused", { hasText: TITLE });
    if ((await focused.count()) === 1) {
      return true;
    }
    await page.keyboard.press("ArrowDown");
    return false;
  }, 10000);
  await page.keyboard.press("Enter");

  step = "save: __all_models.py is what modelreg --fix writes";
  await until("the registry's editor to be dirty or written", async () => {
    const tabs = await page.locator(".tabs-container .tab").allInnerTexts();
    return tabs.some((t) => t.includes("__all_models.py")) || !readFileSync(join(project, REGISTRY)).equals(before);
  }, 20000);
  const onDisk = readFileSync(join(project, REGISTRY)).equals(before) ? "unchanged" : "already written";
  const rowsNow = await page.locator(".markers-panel .monaco-list-row").count();
  say(`fix applied; before saving: ${REGISTRY} on disk ${onDisk}, ${rowsNow} Problems rows`);
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor();
  await page.keyboard.type("File: Save All");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "File: Save All" }).first().waitFor();
  await page.keyboard.press("Enter");
  await until(
    "__all_models.py on disk to equal modelreg --fix's",
    async () => readFileSync(join(project, REGISTRY)).equals(expected),
    20000,
  );
  say(`${REGISTRY} equals modelreg --fix's bytes (${expected.length} bytes)`);
  // And the project, fixed from the editor, registers Audit at run time (a fresh interpreter, real SQLAlchemy).
  const tables = execFileSync(
    python,
    ["-c", "import json, pypi_org.data.__all_models\nfrom pypi_org.data.modelbase import SqlAlchemyBase\nprint(json.dumps(sorted(SqlAlchemyBase.metadata.tables)))"],
    { cwd: project, encoding: "utf8" },
  );
  if (!JSON.parse(tables).includes("auditing")) {
    throw new Error(`importing the fixed registry does not create Audit's table: ${tables}`);
  }
  say(`importing the fixed registry creates ${tables.trim()}`);

  step = "after saving, the diagnostic disappears";
  await until("no unsaved editor", async () => (await page.locator(".tabs-container .tab.dirty").count()) === 0, 20000);
  // The server re-reads saved files from disk (didSave): give it time to publish before looking.
  await until("the server to see the save", async () => outputLog("modelreg Trace").includes("Sending notification 'textDocument/didSave'"), 20000);
  await new Promise((r) => setTimeout(r, 2000));
  await until(
    "the Problems panel to be empty",
    async () =>
      (await page.locator(".markers-panel .monaco-list-row").count()) === 0 &&
      (await page.locator(".markers-panel", { hasText: "No problems have been detected in the workspace." }).isVisible()),
    60000,
  );
  const left = readFileSync(join(project, "pypi_org/data/audit.py"));
  if (!left.equals(readFileSync(join(opt.example, "pypi_org/data/audit.py")))) {
    throw new Error("audit.py changed: the quick fix must edit the registry only");
  }
  say("the Problems panel is empty");
  if (!outputLog("modelreg Trace").includes("Received notification 'textDocument/publishDiagnostics'")) {
    throw new Error("modelreg.trace.server = messages did not trace the LSP messages to the 'modelreg Trace' output");
  }
  say("modelreg.trace.server: the LSP messages are in the 'modelreg Trace' output");

  step = "modelreg.enable = false stops the server";
  writeWorkspaceSettings({ "modelreg.path": opt.modelreg, "modelreg.enable": false });
  await until("the server to stop", async () => outputLog().includes("modelreg.enable is false: the server is not started"), 30000);
  say("modelreg.enable: false stops it: PASS");
} catch (err) {
  failed = true;
  console.error(`FAIL at step: ${step}\n${err.stack ?? err}`);
  if (page) {
    const shot = join(work, "failure.png");
    await page.screenshot({ path: shot }).catch(() => {});
    console.error(`screenshot: ${shot}`);
  }
  console.error(`code-server log:\n${serverLog.join("").slice(-4000)}`);
} finally {
  await browser?.close().catch(() => {});
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    server.kill("SIGTERM");
  }
}
if (failed) {
  console.error(`work dir kept: ${work}`);
  process.exit(1);
}
say(`done (work dir ${work})`);
if (!existsSync(join(project, REGISTRY))) {
  process.exit(1);
}
