#!/usr/bin/env bash
# The client suite (tests/clients) against a freshly started Citynet on a throwaway SQLite
# database: the Relay compiler and gql.tada over schema.graphql, then Apollo Client, urql and the
# Relay-generated operations paging against the live server, then @apollo/gateway composing it as
# a Federation subgraph, then subscriptions over plain HTTP (graphql-sse, Apollo's multipart).
# Installs the npm packages from package-lock.json; builds the debug binary. With CITYNET_URL
# set, uses that server instead (with FEDERATION=on for the gateway; the subscription tests then
# need CITYNET_TOKEN, a writer's token of that server).
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${CITYNET_CLIENTS_PORT:-18126}"
work_dir="$(mktemp -d /tmp/citynet-clients.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

(cd tests/clients && npm ci --no-audit --no-fund --loglevel=error)
if [ -z "${CITYNET_URL:-}" ]; then
  cargo build --quiet --bin citynet
  # A writer's token: the subscription tests make the changes they listen to.
  export CITYNET_TOKEN="clients-token-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  FEDERATION=on DATABASE_URL="sqlite://$work_dir/clients.db?mode=rwc" HOST=127.0.0.1 PORT="$port" \
    RUST_LOG=warn API_TOKENS="$CITYNET_TOKEN" target/debug/citynet &
  server_pid=$!
  export CITYNET_URL="http://127.0.0.1:$port/graphql"
fi
cd tests/clients
npm test --silent
