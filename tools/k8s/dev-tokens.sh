#!/usr/bin/env bash
# The tokens' Secret under Tilt: helm() renders like `helm template`, which cannot read the chart's
# generated tokens back (lookup), so every Tiltfile load would make new ones and pods started at
# different times would disagree. The Tiltfile runs this at load instead: it creates the Secret
# fake-stripe-dev-tokens (random values, the chart's key names) once, and passes it to the chart as
# auth.existingSecret. Idempotent; prints nothing when the Secret exists.
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECRET=fake-stripe-dev-tokens
kc -n "$NAMESPACE" get secret "$SECRET" >/dev/null 2>&1 && exit 0
kc create namespace "$NAMESPACE" --dry-run=client -o yaml | kc apply -f - >/dev/null
random() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 40; }
kc -n "$NAMESPACE" create secret generic "$SECRET" \
  --from-literal="admin-token=$(random)" --from-literal="manager-token=$(random)" \
  --from-literal="customer-token-secret=$(random)" --from-literal="service-token=$(random)" >/dev/null
say "created Secret $NAMESPACE/$SECRET (the tokens under Tilt)"
