#!/usr/bin/env bash
# dualhub behind Hive Gateway, end to end on the demo data: two hub processes (ports 4001
# and 4002) sharing one set of databases, a supergraph composed from the hub's SDL, Hive
# Gateway on port 4000 spreading requests over both hubs and passing the caller's token on,
# and one query through the gateway. Stops everything it started on exit.
#
#   deploy/run.sh            # SQLite files in a temporary folder
#   DUALHUB_UNITS_DATABASE_URL=... DUALHUB_COMMUNITY_DATABASE_URL=... \
#   DUALHUB_AUDIT_DATABASE_URL=... deploy/run.sh     # PostgreSQL, as in production
#
# Needs Node.js 20+ and npm (node_modules is installed here, ignored by git) and the hub
# installed in ../.venv (or DUALHUB=/path/to/dualhub).
set -euo pipefail
cd "$(dirname "$0")"
DEPLOY="$PWD"
DUALHUB="${DUALHUB:-$DEPLOY/../.venv/bin/dualhub}"
WORK="$(mktemp -d)"
export DUALHUB_DATA_DIR="$WORK/data"
GATEWAY_PORT="${GATEWAY_PORT:-4000}"
read -r -a HUB_PORTS <<< "${HUB_PORTS:-4001 4002}"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "deploy: Node.js 20+ and npm are needed for Hive Gateway" >&2; exit 2; }
[ -x "$DUALHUB" ] || { echo "deploy: no dualhub at $DUALHUB (set DUALHUB)" >&2; exit 2; }
[ -d node_modules/@graphql-hive/gateway ] \
  || npm install --no-audit --no-fund --ignore-scripts --silent

# Migrate and load the demo data once, before the hubs start (they must not race).
mkdir -p "$DUALHUB_DATA_DIR"
(cd "$WORK" && "$DUALHUB" migrate && "$DUALHUB" seed --quiet)

urls=()
for port in "${HUB_PORTS[@]}"; do
  (cd "$WORK" && exec "$DUALHUB" serve --port "$port" --no-migrate --no-demo-data) &
  pids+=($!)
  urls+=("http://127.0.0.1:$port/graphql")
done

node compose.mjs ../schema.graphql "${urls[0]}" > "$WORK/supergraph.graphql"

wait_for() {  # wait_for URL: until it answers
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "deploy: $1 did not come up" >&2
  exit 1
}
for port in "${HUB_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/readyz"; done

SUPERGRAPH="$WORK/supergraph.graphql" DUALHUB_URLS="$(IFS=,; echo "${urls[*]}")" \
  node node_modules/@graphql-hive/gateway/dist/bin.js supergraph "$WORK/supergraph.graphql" \
  --config-path "$DEPLOY/gateway.config.mjs" --host 127.0.0.1 --port "$GATEWAY_PORT" &
pids+=($!)
wait_for "http://127.0.0.1:$GATEWAY_PORT/healthcheck"

TOKEN="$(cd "$WORK" && "$DUALHUB" token --role district --scope district=D01 \
  --subject gateway-demo)"
for _ in 1 2; do  # twice: one request per hub
  curl -fsS "http://127.0.0.1:$GATEWAY_PORT/graphql" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -d '{"query": "{ viewer { role subject } member(code: \"M001186\") { name branch { name } } }"}'
  echo
done
