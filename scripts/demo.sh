#!/usr/bin/env bash
# What `npm run demo` runs: the set-up of scripts/prepare.sh, then the demo itself. Standard
# output carries only the report; everything else goes to stderr.
set -euo pipefail

# shellcheck source=scripts/prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"

exec node demo/run.ts "$@"
