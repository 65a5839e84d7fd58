#!/usr/bin/env bash
# Builds the chart tests' control plane from Go modules, each pinned and cached per version under
# ~/.cache/fake-stripe/<tool>-<version> (as the bootstrap caches the Temporal CLI), linked into
# .tools/bin: etcd (tools/k8s/etcd/go.mod), kube-apiserver, kube-controller-manager and
# kube-scheduler (tools/k8s/kubernetes/go.mod), and kwok with its stage files.
#
#   tools/k8s/build.sh        (make setup-k8s; usually ~12 min cold on 2 cores, seconds when cached)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${FAKE_STRIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fake-stripe}"
BIN="$ROOT/.tools/bin"
K8S_VERSION="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$ROOT/tools/k8s/kubernetes/go.mod")"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$ROOT/tools/k8s/etcd/go.mod")"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
mkdir -p "$BIN" "$CACHE"
say() { printf '[k8s-tools] %s\n' "$*"; }

# build NAME VERSION MODULE_DIR PACKAGE [LDFLAGS]: go build PACKAGE in MODULE_DIR into the cache.
build() {
  local name="$1" version="$2" module="$3" package="$4" ldflags="${5:-}" dir="$CACHE/$1-$2"
  if [[ ! -x "$dir/$name" ]]; then
    local started=$SECONDS
    say "$name $version: building (go build in $(basename "$module")) ..."
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$module" && go build -trimpath -ldflags "$ldflags" -o "$dir.tmp/$name" "$package")
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    say "$name $version: built in $((SECONDS - started)) s"
  fi
  ln -sfn "$dir/$name" "$BIN/$name"
}

# The version the binaries report (`/version`); without it they say v0.0.0 and charts with a
# kubeVersion constraint refuse to install.
v="${K8S_VERSION#v}"
kv="k8s.io/component-base/version"
ldflags="-X $kv.gitVersion=$K8S_VERSION -X $kv.gitMajor=${v%%.*} -X $kv.gitMinor=$(echo "$v" | cut -d. -f2)"
ldflags+=" -X $kv.gitTreeState=clean -X $kv.buildDate=1970-01-01T00:00:00Z"

build etcd "$ETCD_VERSION" "$ROOT/tools/k8s/etcd" go.etcd.io/etcd/server/v3
for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  build "$cmd" "$K8S_VERSION" "$ROOT/tools/k8s/kubernetes" "k8s.io/kubernetes/cmd/$cmd" "$ldflags"
done

# kwok: the binary, and its stage files (what a fake node and pod do: Ready, Running), which the
# standalone binary needs passed with --config.
kwok_dir="$CACHE/kwok-$KWOK_VERSION"
if [[ ! -x "$kwok_dir/kwok" ]]; then
  say "kwok $KWOK_VERSION: go install ..."
  rm -rf "$kwok_dir.tmp" && mkdir -p "$kwok_dir.tmp"
  GOBIN="$kwok_dir.tmp" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  src="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | awk -F'"' '$2 == "Dir" {print $4}')"
  cp -r "$src/kustomize/stage" "$kwok_dir.tmp/stage" && chmod -R u+w "$kwok_dir.tmp/stage"
  rm -rf "$kwok_dir" && mv "$kwok_dir.tmp" "$kwok_dir"
fi
ln -sfn "$kwok_dir/kwok" "$BIN/kwok"
ln -sfn "$kwok_dir/stage" "$ROOT/.tools/kwok-stage"
say "ready: etcd $ETCD_VERSION, kube-* $K8S_VERSION, kwok $KWOK_VERSION in .tools/bin"
