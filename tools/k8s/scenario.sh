#!/usr/bin/env bash
# make k8s-scenario-<name>: the scenario CLI (tools/scenarios.ts), unchanged, against the cluster
# through the port-forwards (started when not running), with the tokens from the chart's Secret.
#
#   tools/k8s/scenario.sh happy | approval | reject | cancel | timeout | compensation | chaos ... | check
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 1 ]] || die "usage: tools/k8s/scenario.sh <scenario> [args]"
"$ROOT/tools/k8s/port-forward.sh" status >/dev/null 2>&1 || "$ROOT/tools/k8s/port-forward.sh" start
# The tokens' Secret the API really uses: the chart's fake-stripe-tokens (make k8s-deploy), or the one
# the Tiltfile made (fake-stripe-dev-tokens).
SECRET="$(kc -n "$NAMESPACE" get deployment fake-stripe-api \
  -o 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="MANAGER_TOKEN")].valueFrom.secretKeyRef.name}')"
[[ -n "$SECRET" ]] || die "the fake-stripe-api Deployment names no tokens' Secret: is the platform deployed?"
token() { kc -n "$NAMESPACE" get secret "$SECRET" -o "jsonpath={.data.$1}" | base64 -d; }

API_URL="http://127.0.0.1:$PF_API_PORT"
MANAGER_TOKEN="$(token manager-token)"
CUSTOMER_TOKEN_SECRET="$(token customer-token-secret)"
PAYMENT_URL=http://127.0.0.1:13011 INVENTORY_URL=http://127.0.0.1:13012
SHIPPING_URL=http://127.0.0.1:13013 NOTIFICATION_URL=http://127.0.0.1:13014
WORKER_METRICS_URL=http://127.0.0.1:19464/metrics
TEMPORAL_ADDRESS=127.0.0.1:17233 TEMPORAL_UI_URL=http://127.0.0.1:8080
export API_URL MANAGER_TOKEN CUSTOMER_TOKEN_SECRET PAYMENT_URL INVENTORY_URL SHIPPING_URL NOTIFICATION_URL \
  WORKER_METRICS_URL TEMPORAL_ADDRESS TEMPORAL_UI_URL
exec node "$ROOT/tools/scenarios.ts" "$@"
