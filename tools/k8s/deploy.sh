#!/usr/bin/env bash
# make k8s-deploy: the whole platform into the kind cluster without Tilt, in dependency order, each
# step waiting for the last:
#
#   images      docker build of the 8 services (services/Dockerfile), `kind load` into the node
#   temporal    TEMPORAL_MODE=chart (default): k8s/postgres.yaml, ready; then the Temporal chart with
#               k8s/temporal-values.yaml (its schema Job needs the database first).
#               TEMPORAL_MODE=dev: k8s/temporal-dev.yaml (one pod, no database)
#   monitoring  kube-prometheus-stack with k8s/kube-prometheus-stack-values.yaml (namespace monitoring):
#               its CRDs must exist before our chart's PodMonitors
#   jaeger      k8s/jaeger.yaml
#   fake-stripe our chart with k8s/fake-stripe-values.yaml
#
# Third-party charts come from .tools/charts (make charts). Env: TEMPORAL_MODE (chart|dev),
# SKIP_IMAGES=1 (images already loaded), IMAGE_TAG (default local), KIND_CLUSTER, K8S_NAMESPACE.
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MODE="${TEMPORAL_MODE:-chart}"
TAG="${IMAGE_TAG:-local}"
read -ra SERVICES <<<"$(node "$ROOT/tools/services.ts")"
[[ "$MODE" == chart || "$MODE" == dev ]] || die "TEMPORAL_MODE is chart or dev, not $MODE"
need kubectl "to apply k8s/*.yaml"
need helm "to install the charts (make setup builds it into .tools/bin)"
require_cluster

chart() { node "$ROOT/tools/k8s/charts.ts" path "$1" || die "make charts first"; }
# Fail before building anything when an archive is missing.
if [[ "$MODE" == chart ]]; then TEMPORAL_CHART="$(chart temporal)"; fi
MONITORING_CHART="$(chart kube-prometheus-stack)"

images() {
  need docker "to build the images"
  need kind "to load the images into the node"
  local s built=()
  for s in "${SERVICES[@]}"; do
    say "  docker build fake-stripe/$s:$TAG"
    docker build -q -f "$ROOT/services/Dockerfile" --build-arg "SERVICE=$s" -t "fake-stripe/$s:$TAG" "$ROOT" >/dev/null
    built+=("fake-stripe/$s:$TAG")
  done
  kind load docker-image --name "$CLUSTER" "${built[@]}"
}

namespace() { kc create namespace "$1" --dry-run=client -o yaml | kc apply -f - >/dev/null; }

temporal() {
  if [[ "$MODE" == dev ]]; then
    kc -n "$NAMESPACE" apply -f "$ROOT/k8s/temporal-dev.yaml"
    kc -n "$NAMESPACE" rollout status deployment/temporal-dev --timeout 5m
  else
    kc -n "$NAMESPACE" apply -f "$ROOT/k8s/postgres.yaml"
    kc -n "$NAMESPACE" rollout status statefulset/postgres --timeout 5m
    hc upgrade --install temporal "$TEMPORAL_CHART" -n "$NAMESPACE" -f "$ROOT/k8s/temporal-values.yaml" \
      --wait --timeout 15m
  fi
}

monitoring() {
  namespace "$MONITORING_NAMESPACE"
  hc upgrade --install kube-prometheus-stack "$MONITORING_CHART" -n "$MONITORING_NAMESPACE" \
    -f "$ROOT/k8s/kube-prometheus-stack-values.yaml" --wait --timeout 10m
}

jaeger() {
  kc -n "$NAMESPACE" apply -f "$ROOT/k8s/jaeger.yaml"
  kc -n "$NAMESPACE" rollout status deployment/jaeger --timeout 5m
}

platform() {
  hc upgrade --install fake-stripe "$ROOT/charts/fake-stripe" -n "$NAMESPACE" -f "$ROOT/k8s/fake-stripe-values.yaml" \
    --set "default.image.tag=$TAG" --wait --timeout 10m
}

started=$SECONDS
[[ -n "${SKIP_IMAGES:-}" ]] || step "images: build and kind load (${#SERVICES[@]} services, tag $TAG)" images
namespace "$NAMESPACE"
step "temporal ($MODE mode)" temporal
step "monitoring (kube-prometheus-stack)" monitoring
step "jaeger" jaeger
step "fake-stripe (charts/fake-stripe)" platform
say "deployed in $((SECONDS - started)) s. API http://127.0.0.1:3002/api/docs, Temporal UI http://127.0.0.1:8080,"
say "Grafana http://127.0.0.1:3300 (admin / fake-stripe), Jaeger http://127.0.0.1:16686; make k8s-scenario-happy"
