#!/usr/bin/env bash
# Screenshot of the asset graph for the README: starts the Dagster webserver on the project's
# DAGSTER_HOME (run `make demo` first so partitions show as materialised), points headless
# Chromium (Debian package `chromium`) at the loader's upstream lineage, then stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
PORT="${PORT:-3333}"
OUT="${1:-docs/asset-graph.png}"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || { echo "needs Chromium: apt-get install chromium" >&2; exit 1; }

set -m  # job control: the server gets its own process group, so it can be stopped as one
.venv/bin/dagster-webserver -h 127.0.0.1 -p "$PORT" -w workspace.yaml > /tmp/synth_screenshot_server.log 2>&1 &
SERVER=$!
trap 'kill -TERM -- -$SERVER 2>/dev/null || true; sleep 2; kill -KILL -- -$SERVER 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/server_info" && break
  sleep 1
done

"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$(mktemp -d)" --hide-scrollbars --window-size=1600,1000 \
  --virtual-time-budget=15000 --screenshot="$OUT" \
  "http://127.0.0.1:$PORT/assets/postgres_tables?view=lineage&lineageScope=upstream"
echo "wrote $OUT"
