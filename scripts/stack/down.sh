#!/usr/bin/env bash
# Stops every server of this checkout's stack and waits until none is left and its ports are
# closed. Data in .stack/data is kept; delete .stack/ for a clean slate. Safe to run any time.
set -euo pipefail

# shellcheck source=scripts/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Kafka's controlled shutdown on one node takes a few seconds; past this it is killed.
GRACE="${DG_STACK_STOP_TIMEOUT:-30}"

[[ -d "$STACK_DIR" ]] || exit 0
exec 9>"$STACK_DIR/stack.lock"
flock 9

stop_server() {
  local server="$1" pids deadline
  pids="$(stack_pids "$server")"
  if [[ -z "$pids" ]]; then
    rm -f "$(stack_pid_file "$server")"
    return 0
  fi
  stack_log "stopping $server (pid $(echo "$pids" | tr '\n' ' '))"
  # shellcheck disable=SC2086 # one pid per word
  kill -TERM $pids 2>/dev/null || true
  deadline=$((SECONDS + GRACE))
  while [[ -n "$(stack_pids "$server")" ]] && ((SECONDS < deadline)); do
    sleep 0.5
  done
  pids="$(stack_pids "$server")"
  if [[ -n "$pids" ]]; then
    stack_log "$server ignored SIGTERM for ${GRACE}s; sending SIGKILL"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    while [[ -n "$(stack_pids "$server")" ]]; do
      sleep 0.2
    done
  fi
  rm -f "$(stack_pid_file "$server")"
}

# Stop in reverse start order; the servers do not depend on each other, but this keeps the
# registry and FerretDB logs free of noise from a vanished Kafka if that ever changes.
for server in ferretdb registry kafka; do
  stop_server "$server"
done

busy=()
for server in "${STACK_SERVERS[@]}"; do
  for port in $(stack_ports "$server"); do
    if stack_port_open "$port"; then
      busy+=("$port")
    fi
  done
done
if ((${#busy[@]} > 0)); then
  stack_die "stack stopped, but 127.0.0.1 ports ${busy[*]} are still open, held by processes" \
    "that are not this stack ($STACK_DIR)"
fi
stack_log "stack is down"
