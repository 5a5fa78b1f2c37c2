#!/usr/bin/env bash
# Shows, for each server of this checkout's stack, whether it runs and whether it answers.
# Exits 0 only when all of them answer, so scripts can use it as a check.
set -euo pipefail

# shellcheck source=scripts/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

node="$(stack_node)"
all_ok=0
printf '%-9s %-12s %-8s %-40s %s\n' SERVER STATE ANSWERS ADDRESS LOG
for server in "${STACK_SERVERS[@]}"; do
  pids="$(stack_pids "$server" | tr '\n' ' ')"
  state=stopped
  answers=no
  if [[ -n "$pids" ]]; then
    state="pid ${pids% }"
    read -r port _ <<<"$(stack_ports "$server")"
    if stack_port_open "$port" && stack_probe "$node" "$server"; then
      answers=yes
    fi
  fi
  [[ "$answers" == yes ]] || all_ok=1
  printf '%-9s %-12s %-8s %-40s %s\n' "$server" "$state" "$answers" \
    "$(stack_address "$server")" "${STACK_DIR#"$STACK_ROOT"/}/logs/$server.log"
done
exit "$all_ok"
