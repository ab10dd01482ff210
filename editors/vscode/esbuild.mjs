// One bundle (dist/extension.js) with vscode-languageclient inside: the .vsix carries no node_modules.
// The rule pages the diagnostics link to: the project's README, copied to docs/README.md.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("docs", { recursive: true });
copyFileSync("../../README.md", "docs/README.md");

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
