#!/usr/bin/env bash
# make k8s-port-forward: kubectl port-forward of the API, the domains, the worker's metrics and
# Temporal's frontend to 127.0.0.1 (ports in common.sh), in the background; their pids and logs in
# .data/k8s/. The scenarios (make k8s-scenario-<name>) go through these.
#
#   tools/k8s/port-forward.sh start | stop | status
set -euo pipefail
# shellcheck source=tools/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PIDS="$PF_DIR/port-forward.pids"
mkdir -p "$PF_DIR"

running() { [[ -f "$PIDS" ]] && while read -r pid _; do kill -0 "$pid" 2>/dev/null || return 1; done <"$PIDS"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  need kubectl "to port-forward"
  require_cluster
  if running; then say "port-forwards already running (tools/k8s/port-forward.sh stop)"; return; fi
  stop >/dev/null
  local f target ports local_port log
  for f in "${PF_FORWARDS[@]}"; do
    read -r target ports <<<"$f"
    log="$PF_DIR/port-forward-${target#service/}.log"
    kc -n "$NAMESPACE" port-forward --address 127.0.0.1 "$target" "$ports" >"$log" 2>&1 &
    echo "$! $target $ports" >>"$PIDS"
  done
  for f in "${PF_FORWARDS[@]}"; do
    read -r target ports <<<"$f"
    local_port="${ports%%:*}"
    for _ in $(seq 1 50); do listening "$local_port" && break; sleep 0.2; done
    listening "$local_port" || { stop; die "port-forward of $target did not listen on 127.0.0.1:$local_port (see $PF_DIR)"; }
    say "127.0.0.1:$local_port -> $target"
  done
  say "API for the scenarios: http://127.0.0.1:$PF_API_PORT (make k8s-scenario-happy)"
}

stop() {
  [[ -f "$PIDS" ]] || return 0
  local pid
  while read -r pid _; do kill "$pid" 2>/dev/null || true; done <"$PIDS"
  rm -f "$PIDS"
  say "port-forwards stopped"
}

status() {
  [[ -f "$PIDS" ]] || { say "no port-forwards"; return 1; }
  local pid target ports ok=0
  while read -r pid target ports; do
    if kill -0 "$pid" 2>/dev/null; then say "running  127.0.0.1:${ports%%:*} -> $target"; else say "stopped  $target"; ok=1; fi
  done <"$PIDS"
  return "$ok"
}

case "${1:-}" in
  start | stop | status) "$1" ;;
  *) die "usage: tools/k8s/port-forward.sh start | stop | status" ;;
esac
