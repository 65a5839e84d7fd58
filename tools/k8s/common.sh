# shellcheck shell=bash disable=SC2034 # sourced: the variables are used by the scripts
# Shared by the tools/k8s/*.sh scripts (sourced): the cluster's names, and a step printer.
# Every kubectl and helm call names the kind cluster's context, so no other cluster is ever touched.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="${KIND_CLUSTER:-fake-stripe}"
CONTEXT="kind-$CLUSTER"
NAMESPACE="${K8S_NAMESPACE:-fake-stripe}"
MONITORING_NAMESPACE=monitoring
REGISTRY_NAME=kind-registry
REGISTRY_PORT=5001
export PATH="$ROOT/.tools/node/bin:$ROOT/.tools/bin:$PATH"

kc() { kubectl --context "$CONTEXT" "$@"; }
hc() { helm --kube-context "$CONTEXT" "$@"; }

say() { printf '[k8s] %s\n' "$*"; }
die() { printf '[k8s] error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2); README, \"Kubernetes on a laptop\", lists the versions"; }

# step WHAT CMD...: runs CMD, then prints WHAT with its time.
step() {
  local what="$1" started=$SECONDS
  shift
  say "$what ..."
  "$@" || die "$what failed"
  say "$what: done in $((SECONDS - started)) s"
}

require_cluster() {
  kubectl config get-contexts -o name 2>/dev/null | grep -qx "$CONTEXT" ||
    die "no kubectl context $CONTEXT: make kind-up first"
}

# kubectl port-forward's local ports (tools/k8s/port-forward.sh): 1 and the Service's port, so they
# never collide with the local stack's ports or with kind-config.yaml's mappings (3002, 8080, ...).
PF_API_PORT=13002
PF_DIR="$ROOT/.data/k8s"
# target local:remote, one per forward: the API (the scenarios), the domains and the worker's metrics
# (`check`), Temporal's frontend (the chaos scorecard's retries).
PF_FORWARDS=(
  "service/fake-stripe-api $PF_API_PORT:3002"
  "service/fake-stripe-payment 13011:3011"
  "service/fake-stripe-inventory 13012:3012"
  "service/fake-stripe-shipping 13013:3013"
  "service/fake-stripe-notification 13014:3014"
  "service/fake-stripe-worker 19464:9464"
  "service/temporal-frontend 17233:7233"
)
