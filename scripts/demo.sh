#!/usr/bin/env bash
# What `npm run demo` runs: brings its own Node 24, the npm dependencies and the native stack
# (unless KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI point at running servers), then
# the demo itself. Standard output carries only the report; everything else goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PATH="$(bash scripts/node24.sh):$PATH"
export PATH

installed=node_modules/.package-lock.json
if [[ ! -f $installed || package-lock.json -nt $installed ]]; then
  npm ci --no-audit --no-fund >&2
fi

if [[ -z "${KAFKA_BROKERS:-}" || -z "${SCHEMA_REGISTRY_URL:-}" || -z "${MONGODB_URI:-}" ]]; then
  bash scripts/stack/up.sh >&2
  export KAFKA_BROKERS="127.0.0.1:${DG_KAFKA_PORT:-9092}"
  export SCHEMA_REGISTRY_URL="http://127.0.0.1:${DG_REGISTRY_PORT:-8081}/apis/ccompat/v7"
  export MONGODB_URI="mongodb://127.0.0.1:${DG_MONGO_PORT:-27017}/domain-guard"
fi

exec node demo/run.ts "$@"
