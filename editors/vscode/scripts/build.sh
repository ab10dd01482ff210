#!/usr/bin/env bash
# Build the VS Code extension from a clean checkout: editors/vscode/modelreg-<version>.vsix.
# Needs node >= 20 and npm; everything else comes from package-lock.json (npm ci). `npm run package`
# typechecks, runs the unit tests (test/find.test.ts: where modelreg is looked for), bundles, packages.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run package
ls -1 "$PWD"/modelreg-*.vsix
