# Sourced (not run) by test.sh and demo.sh: everything a command on a fresh clone needs
# before it starts. Puts Node 24 first on PATH, installs the npm dependencies when a fresh
# clone has none or the lock file changed, and points KAFKA_BROKERS, SCHEMA_REGISTRY_URL and
# MONGODB_URI at servers: the caller's when all three are set, otherwise the native stack,
# started here and left running so the next run starts in seconds. Progress goes to stderr, so
# a caller's standard output stays its own.

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PATH="$(bash scripts/node24.sh):$PATH"
export PATH

installed=node_modules/.package-lock.json
if [[ ! -f $installed || package-lock.json -nt $installed ]]; then
  npm ci --no-audit --no-fund >&2
fi

if [[ -n "${KAFKA_BROKERS:-}" && -n "${SCHEMA_REGISTRY_URL:-}" && -n "${MONGODB_URI:-}" ]]; then
  echo "using servers from the environment: $KAFKA_BROKERS, $SCHEMA_REGISTRY_URL," \
    "$MONGODB_URI" >&2
else
  bash scripts/stack/up.sh >&2
  export KAFKA_BROKERS="127.0.0.1:${DG_KAFKA_PORT:-9092}"
  export SCHEMA_REGISTRY_URL="http://127.0.0.1:${DG_REGISTRY_PORT:-8081}/apis/ccompat/v7"
  export MONGODB_URI="mongodb://127.0.0.1:${DG_MONGO_PORT:-27017}/domain-guard"
fi
