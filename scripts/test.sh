#!/usr/bin/env bash
# What `npm test` runs: every test file under test/ on Node 24, one file at a time (the
# integration tests share one Kafka, registry and database). The servers come from the
# environment when KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI are all set (CI against
# docker compose, a developer's own servers); otherwise this starts the local stack, which is
# left running so the next run starts in seconds (`npm run stack:down` stops it).
# Arguments, if any, replace the default file pattern: npm test -- test/unit/foo.test.ts
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PATH="$(bash scripts/node24.sh):$PATH"
export PATH

# A fresh clone has no dependencies yet; a changed lock file means stale ones.
installed=node_modules/.package-lock.json
if [[ ! -f $installed || package-lock.json -nt $installed ]]; then
  npm ci --no-audit --no-fund
fi

if [[ -n "${KAFKA_BROKERS:-}" && -n "${SCHEMA_REGISTRY_URL:-}" && -n "${MONGODB_URI:-}" ]]; then
  echo "test.sh: using servers from the environment: $KAFKA_BROKERS, $SCHEMA_REGISTRY_URL," \
    "$MONGODB_URI" >&2
else
  bash scripts/stack/up.sh
  export KAFKA_BROKERS="127.0.0.1:${DG_KAFKA_PORT:-9092}"
  export SCHEMA_REGISTRY_URL="http://127.0.0.1:${DG_REGISTRY_PORT:-8081}/apis/ccompat/v7"
  export MONGODB_URI="mongodb://127.0.0.1:${DG_MONGO_PORT:-27017}/domain-guard"
fi

if (($# == 0)); then
  # Quoted: node expands the glob itself, so it reaches every depth under test/.
  set -- "test/**/*.test.ts"
fi
exec node --test --test-concurrency=1 "$@"
