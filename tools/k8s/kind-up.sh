#!/usr/bin/env bash
# make kind-up: the local registry and the kind cluster of kind-config.yaml, wired together the way
# kind's local-registry guide does it. Idempotent: what exists is kept.
#
#   1. a registry container `kind-registry`, published on 127.0.0.1:5001 only;
#   2. the cluster `fake-stripe` (context kind-fake-stripe) from kind-config.yaml;
#   3. on each node, /etc/containerd/certs.d/localhost:5001/hosts.toml sending localhost:5001 to
#      the registry container (inside a node, localhost is the node itself);
#   4. the registry container on the `kind` network, so the nodes reach it by name;
#   5. the local-registry-hosting ConfigMap (KEP-1755), where Tilt finds the registry to push to.
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need docker "kind runs its node as a container"
need kind "make kind-up creates the cluster with it"
need kubectl "to apply the registry's ConfigMap"

start_registry() {
  if [[ "$(docker inspect -f '{{.State.Running}}' "$REGISTRY_NAME" 2>/dev/null || true)" != true ]]; then
    docker rm -f "$REGISTRY_NAME" >/dev/null 2>&1 || true
    docker run -d --restart=always -p "127.0.0.1:$REGISTRY_PORT:5000" --network bridge --name "$REGISTRY_NAME" registry:2 >/dev/null
  fi
}

create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    say "cluster $CLUSTER exists; kept"
  else
    kind create cluster --config "$ROOT/kind-config.yaml" --wait 120s
  fi
}

point_nodes_at_registry() {
  local dir="/etc/containerd/certs.d/localhost:$REGISTRY_PORT" node
  for node in $(kind get nodes --name "$CLUSTER"); do
    docker exec "$node" mkdir -p "$dir"
    printf '[host."http://%s:5000"]\n' "$REGISTRY_NAME" | docker exec -i "$node" cp /dev/stdin "$dir/hosts.toml"
  done
}

connect_registry() {
  if [[ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REGISTRY_NAME")" == null ]]; then
    docker network connect kind "$REGISTRY_NAME"
  fi
}

publish_registry() {
  kc apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:$REGISTRY_PORT"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML
}

step "registry container $REGISTRY_NAME on 127.0.0.1:$REGISTRY_PORT" start_registry
step "kind cluster $CLUSTER (kind-config.yaml)" create_cluster
step "nodes' containerd: localhost:$REGISTRY_PORT -> $REGISTRY_NAME:5000" point_nodes_at_registry
step "registry on the kind network" connect_registry
step "local-registry-hosting ConfigMap" publish_registry
say "ready: kubectl context $CONTEXT; next: make charts (once), then make k8s-deploy or tilt up"
