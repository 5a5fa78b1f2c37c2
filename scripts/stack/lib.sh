# shellcheck shell=bash disable=SC2034 # the variables here are used by the scripts sourcing this
# Shared settings and helpers for up.sh, down.sh and status.sh (sourced, not run).
# Everything a running stack owns lives under .stack/ in the repo root; everything that is only
# downloaded or built lives in the cache, so deleting .stack/ resets data but keeps startup fast.
# No `set -euo pipefail` here: each script that sources this sets it itself.

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="$STACK_ROOT/.stack"
STACK_CACHE="${DOMAIN_GUARD_CACHE:-$HOME/.cache/domain-guard}"

KAFKA_VERSION=4.1.1
APICURIO_VERSION=3.0.9
FERRETDB_VERSION=1.24.2

KAFKA_PORT="${DG_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${DG_KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${DG_REGISTRY_PORT:-8081}"
MONGO_PORT="${DG_MONGO_PORT:-27017}"

KAFKA_HOME="$STACK_CACHE/kafka-$KAFKA_VERSION"
APICURIO_HOME="$STACK_CACHE/apicurio-registry-$APICURIO_VERSION"
FERRETDB_HOME="$STACK_CACHE/ferretdb-$FERRETDB_VERSION"

STACK_SERVERS=(kafka registry ferretdb)

stack_log() {
  printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

stack_die() {
  stack_log "ERROR: $*"
  exit 1
}

# The address each server is probed at, in the form probe.ts expects.
stack_address() {
  case "$1" in
    kafka) echo "127.0.0.1:$KAFKA_PORT" ;;
    registry) echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" ;;
    ferretdb) echo "mongodb://127.0.0.1:$MONGO_PORT/" ;;
  esac
}

stack_probe_kind() {
  case "$1" in
    ferretdb) echo mongo ;;
    *) echo "$1" ;;
  esac
}

stack_ports() {
  case "$1" in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
    ferretdb) echo "$MONGO_PORT" ;;
  esac
}

# A string that appears in the command line of exactly this stack's process for a server.
# Processes are found by it rather than trusted from pid files, because a pid file survives a
# SIGKILL (or a reboot) and its number may by then belong to an unrelated process.
stack_marker() {
  case "$1" in
    kafka) echo "$STACK_DIR/conf/kafka.properties" ;;
    registry) echo "-Ddomain-guard.stack=$STACK_DIR" ;;
    ferretdb) echo "--state-dir=$STACK_DIR/data/ferretdb" ;;
  esac
}

# Prints the pids of this stack's processes for a server, one per line.
# mapfile is a builtin: forking a reader per process made each scan take about a second.
stack_pids() {
  local marker dir pid
  local -a args
  marker="$(stack_marker "$1")"
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [[ "$pid" == "$$" || "$pid" == "${BASHPID:-}" ]] && continue
    mapfile -d '' -t args 2>/dev/null <"$dir/cmdline" || continue
    if [[ " ${args[*]} " == *"$marker"* ]]; then
      echo "$pid"
    fi
  done
}

# True when something accepts TCP connections on 127.0.0.1:port.
stack_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stack_log_file() {
  echo "$STACK_DIR/logs/$1.log"
}

stack_pid_file() {
  echo "$STACK_DIR/$1.pid"
}

# The node that runs probe.ts: Node 24 (type stripping), with the repo's node_modules.
stack_node() {
  local bin
  bin="$(bash "$STACK_ROOT/scripts/node24.sh")"
  if [[ ! -d "$STACK_ROOT/node_modules/kafkajs" || ! -d "$STACK_ROOT/node_modules/mongodb" ]]; then
    stack_die "node_modules is missing kafkajs/mongodb (needed to probe the servers): run npm ci"
  fi
  echo "$bin/node"
}

# One readiness check; quiet unless STACK_PROBE_VERBOSE is set.
stack_probe() {
  local node="$1" server="$2"
  if [[ -n "${STACK_PROBE_VERBOSE:-}" ]]; then
    "$node" "$STACK_ROOT/scripts/stack/probe.ts" "$(stack_probe_kind "$server")" \
      "$(stack_address "$server")"
  else
    "$node" "$STACK_ROOT/scripts/stack/probe.ts" "$(stack_probe_kind "$server")" \
      "$(stack_address "$server")" 2>/dev/null
  fi
}
