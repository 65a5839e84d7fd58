#!/usr/bin/env bash
# A private Docker engine for the image tests: Debian's dockerd, as root, on its own socket, with no
# container network (--bridge=none --iptables=false), so no address outside loopback is ever used;
# every container runs with --network host or none. Its state lives apart from any other engine.
#
#   tools/images/dockerd.sh start   # idempotent; prints the DOCKER_HOST to use
#   tools/images/dockerd.sh status  # exit 0 when it runs and answers
#   tools/images/dockerd.sh stop
#
# Env: FAKE_STRIPE_DOCKER_DIR (socket, pid and exec root; default /tmp/fake-stripe-docker: a short
# path, as containerd's socket paths must be), FAKE_STRIPE_DOCKER_DATA (images and layers; default
# /var/lib/fake-stripe-docker, kept between runs so built layers are reused).
set -euo pipefail

DIR="${FAKE_STRIPE_DOCKER_DIR:-/tmp/fake-stripe-docker}"
DATA="${FAKE_STRIPE_DOCKER_DATA:-/var/lib/fake-stripe-docker}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/dockerd.pid"
LOG="$DIR/dockerd.log"
DOCKER=/usr/bin/docker # Debian's client, the engine's own version (another client may be first on PATH)

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if running && DOCKER_HOST="unix://$SOCK" "$DOCKER" info >/dev/null 2>&1; then
    echo "unix://$SOCK"
    return
  fi
  [[ $EUID -eq 0 ]] || { echo "dockerd.sh: the engine runs as root (it is $(id -un))" >&2; exit 1; }
  [[ -x /usr/sbin/dockerd && -x $DOCKER ]] ||
    { echo "dockerd.sh: Debian's docker.io is not installed (make setup installs it as root)" >&2; exit 1; }
  mkdir -p "$DIR" "$DATA"
  /usr/sbin/dockerd --host "unix://$SOCK" --pidfile "$PIDFILE" --exec-root "$DIR/exec" --data-root "$DATA" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$LOG" 2>&1 &
  for _ in $(seq 1 120); do
    DOCKER_HOST="unix://$SOCK" "$DOCKER" info >/dev/null 2>&1 && { echo "unix://$SOCK"; return; }
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  echo "dockerd.sh: the engine did not start; the end of $LOG:" >&2
  tail -n 20 "$LOG" >&2
  exit 1
}

stop() {
  running || return 0
  local pid
  pid="$(cat "$PIDFILE")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  status) running && DOCKER_HOST="unix://$SOCK" "$DOCKER" info >/dev/null 2>&1 ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
