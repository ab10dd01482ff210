// One bundle (dist/extension.js) with vscode-languageclient inside: the .vsix carries no node_modules.
// The rule pages the diagnostics link to: docs/rules.md, written from the rule modules' docstrings
// (what `modelreg rule --all --output-format markdown` prints; the docs site's rule pages come from the
// same docstrings). modelreg.rules.docs needs nothing but Python: any python3 (MODELREG_PYTHON) will do.
import * as esbuild from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";

const python = process.env.MODELREG_PYTHON ?? "python3";
const pages = execFileSync(
  python,
  ["-I", "-c", "import sys; sys.path.insert(0, '../..'); from modelreg.rules.docs import all_docs, markdown_pages; sys.stdout.write(markdown_pages(all_docs()))"],
  { encoding: "utf8" },
);
mkdirSync("docs", { recursive: true });
writeFileSync("docs/rules.md", "# modelreg rules\n\n" + pages);

await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node18",
  sourcemap: false,
  minify: true,
  logLevel: "info",
});
