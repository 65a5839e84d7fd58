#!/usr/bin/env bash
# The Tiltfile's Helm releases (its helm_release helper, on Tilt's built-in k8s_custom_deploy): a
# third-party chart installed from its pulled archive as a real Helm release, and the objects it
# made printed as YAML on stdout, which is how Tilt learns what to watch.
#
#   tools/k8s/tilt-helm.sh apply  RELEASE CHART NAMESPACE VALUES [TIMEOUT]
#   tools/k8s/tilt-helm.sh delete RELEASE CHART NAMESPACE
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 4 ]] || die "usage: tools/k8s/tilt-helm.sh apply|delete RELEASE CHART NAMESPACE [VALUES] [TIMEOUT]"
action="$1" release="$2" chart="$3" namespace="$4"
case "$action" in
  apply)
    [[ -f "$chart" ]] || die "$chart is missing: make charts first"
    hc upgrade --install "$release" "$chart" --namespace "$namespace" --create-namespace \
      --values "$5" --wait --timeout "${6:-10m}" >&2
    hc get manifest "$release" --namespace "$namespace" | kc --namespace "$namespace" get -f - -o yaml
    ;;
  delete) hc uninstall "$release" --namespace "$namespace" --ignore-not-found ;;
  *) die "unknown action $action" ;;
esac
