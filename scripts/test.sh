#!/usr/bin/env bash
# What `npm test` runs: the set-up of scripts/prepare.sh (Node 24, dependencies, the servers
# from the environment or the native stack), then every test file under test/ on Node 24,
# one file at a time (the integration tests share one Kafka, registry and database).
# Arguments, if any, replace the default file pattern: npm test -- test/unit/foo.test.ts
set -euo pipefail

# shellcheck source=scripts/prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

if (($# == 0)); then
  # Quoted: node expands the glob itself, so it reaches every depth under test/.
  set -- "test/**/*.test.ts"
fi
exec node --test --test-concurrency=1 "$@"
