#!/usr/bin/env bash
# Builds the image of every service (or of those named) from services/Dockerfile, on the private
# engine (tools/images/dockerd.sh), FROM the local base image (tools/images/base-image.sh) unless
# NODE_IMAGE names another, then prints each image's size.
#
#   tools/images/build.sh [service ...]        (make images)
#
# Env: IMAGE_TAG (default `local`), NODE_IMAGE, IMAGE_TARGET (default runtime; `dev` for Tilt's).
# Images are named fake-stripe/<service>:<tag>. `npm ci` in the build uses the registry this
# machine's npm uses, over the host's network (the engine has no container network).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TAG="${IMAGE_TAG:-local}"
TARGET="${IMAGE_TARGET:-runtime}"
DOCKER=/usr/bin/docker
export PATH="$ROOT/.tools/node/bin:$ROOT/.tools/bin:$PATH"
read -ra SERVICES <<<"$(node "$ROOT/tools/services.ts")"
export DOCKER_BUILDKIT=0 # the engine's classic builder: no builder image, no frontend to fetch

DOCKER_HOST="$("$ROOT/tools/images/dockerd.sh" start)"
export DOCKER_HOST
NODE_IMAGE="${NODE_IMAGE:-$("$ROOT/tools/images/base-image.sh")}"
wanted=("${@:-${SERVICES[@]}}")
for s in "${wanted[@]}"; do
  [[ " ${SERVICES[*]} " == *" $s "* ]] || { echo "unknown service $s; services: ${SERVICES[*]}" >&2; exit 2; }
done

registry="$(npm config get registry)"
for s in "${wanted[@]}"; do
  started=$SECONDS
  log="$(mktemp)"
  if ! "$DOCKER" build --network host -f "$ROOT/services/Dockerfile" --target "$TARGET" \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "SERVICE=$s" --build-arg "NPM_CONFIG_REGISTRY=$registry" \
    -t "fake-stripe/$s:$TAG" "$ROOT" >"$log" 2>&1; then
    echo "docker build of $s failed; its last 30 lines:" >&2
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  size="$("$DOCKER" image inspect "fake-stripe/$s:$TAG" --format '{{.Size}}')"
  printf '%-13s fake-stripe/%s:%s  %4d MB  built in %d s\n' "$s" "$s" "$TAG" $((size / 1000000)) $((SECONDS - started))
done
# A rebuilt tag leaves its previous image dangling: drop those older than a week. Not all of them: the
# deps stage of each build is dangling too (no tag names it), and it is the cache of its `npm ci`.
"$DOCKER" image prune --force --filter "until=168h" >/dev/null
printf 'base %s: %d MB\n' "$NODE_IMAGE" $(($("$DOCKER" image inspect "$NODE_IMAGE" --format '{{.Size}}') / 1000000))
