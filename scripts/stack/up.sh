#!/usr/bin/env bash
# Starts the local stack the services and tests need, without Docker: Apache Kafka (KRaft, one
# node), Apicurio Registry (Confluent-compatible API) and FerretDB (MongoDB protocol on SQLite).
# Safe to run again while the stack is up, and after the stack was killed (stale pid files and
# lock files are not trusted). Exits non-zero, naming the log to read, when a server does not
# answer within DG_STACK_TIMEOUT seconds.
set -euo pipefail

# shellcheck source=scripts/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TIMEOUT="${DG_STACK_TIMEOUT:-180}"
# Maven's dependency plugin is pinned so a fresh machine resolves the same way as a warm one.
# 2.8, not 3.x: 3.x refuses the Apicurio zip because that artifact's parent pom is missing from
# the repository, while 2.8 only warns and copies the zip (it is also Maven 3.8's default).
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:2.8
MVN=(mvn -B -q -Dstyle.color=never)

mkdir -p "$STACK_DIR/data" "$STACK_DIR/logs" "$STACK_DIR/conf" "$STACK_CACHE"
# up and down serialize on this lock, so two test runs starting at once do not start two Kafkas.
exec 9>"$STACK_DIR/stack.lock"
flock 9

need_tool() {
  command -v "$1" >/dev/null 2>&1 || stack_die "$1 is not installed ($2)"
}

# Go's tarball install puts it here, and a non-login shell (CI) may not have it on PATH.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH="$PATH:/usr/local/go/bin"
fi

# A pom with no code of its own: it exists only so Maven resolves the wanted jars.
write_pom() {
  local file="$1" deps="$2"
  cat >"$file" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.domain-guard</groupId>
  <artifactId>stack-deps</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
$deps
  </dependencies>
</project>
EOF
}

prepare_kafka() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  need_tool java "Java 17+ runs Kafka"
  need_tool mvn "Maven fetches the Kafka jars"
  mkdir -p "$KAFKA_HOME"
  rm -rf "$KAFKA_HOME/libs"
  # The kafka_2.13 jar carries kafka.Kafka and the storage formatter; its pom pulls the rest.
  # Kafka's pom ships slf4j-api without a binding, so the simple binding gives us a log at all.
  write_pom "$KAFKA_HOME/pom.xml" "
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>1.7.36</version>
    </dependency>"
  "${MVN[@]}" -f "$KAFKA_HOME/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs"
  [[ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || stack_die "Kafka jars missing"
  touch "$KAFKA_HOME/.complete"
}

prepare_registry() {
  [[ -f "$APICURIO_HOME/.complete" ]] && return 0
  need_tool java "Java 17+ runs Apicurio Registry"
  need_tool mvn "Maven fetches Apicurio Registry"
  need_tool unzip "the Apicurio Registry app ships as a zip"
  local tmp="$STACK_CACHE/.apicurio-tmp"
  rm -rf "$tmp" "$APICURIO_HOME"
  mkdir -p "$tmp/app"
  write_pom "$tmp/pom.xml" ""
  # The `all` zip is the runnable Quarkus app: a runner jar plus lib/.
  "${MVN[@]}" -f "$tmp/pom.xml" "$DEP_PLUGIN:copy" \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:zip:all" \
    -DoutputDirectory="$tmp"
  unzip -q "$tmp/apicurio-registry-app-$APICURIO_VERSION-all.zip" -d "$tmp/app"
  [[ -f "$tmp/app/apicurio-registry-app-$APICURIO_VERSION-runner.jar" ]] \
    || stack_die "the Apicurio zip has no runner jar"
  mv "$tmp/app" "$APICURIO_HOME"
  rm -rf "$tmp"
  touch "$APICURIO_HOME/.complete"
}

prepare_ferretdb() {
  [[ -x "$FERRETDB_HOME/bin/ferretdb" ]] && return 0
  need_tool go "Go builds FerretDB"
  local module="github.com/FerretDB/FerretDB@v$FERRETDB_VERSION" src dir
  # GOTOOLCHAIN=local: build with the installed Go rather than download another toolchain.
  export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
  dir="$(cd "$STACK_CACHE" && go mod download -json "$module" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$dir" ]] || stack_die "go mod download $module gave no source directory"
  # A plain `go install ...@v1.24.2` binary panics at start: FerretDB reads its own version
  # from build/version/version.txt, which the release process generates and the module lacks.
  # So build from a writable copy of the module source with that file written.
  src="$FERRETDB_HOME/src"
  rm -rf "$src"
  mkdir -p "$FERRETDB_HOME"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  echo "v$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && GOBIN="$FERRETDB_HOME/bin" go install ./cmd/ferretdb)
  rm -rf "$src"
  "$FERRETDB_HOME/bin/ferretdb" --version >/dev/null
}

# Runs the missing downloads/builds side by side: the Go build is CPU-bound, the Maven fetches
# are network-bound, so overlapping them shortens a first start on a two-core machine.
prepare_all() {
  local name pid failed=0
  local -A pids=()
  for name in "$@"; do
    case "$name" in
      kafka) [[ -f "$KAFKA_HOME/.complete" ]] && continue ;;
      registry) [[ -f "$APICURIO_HOME/.complete" ]] && continue ;;
      ferretdb) [[ -x "$FERRETDB_HOME/bin/ferretdb" ]] && continue ;;
    esac
    stack_log "preparing $name in $STACK_CACHE (first time only;" \
      "log: .stack/logs/prepare-$name.log)"
    (
      # Another checkout sharing the cache may be preparing the same thing.
      exec 8>"$STACK_CACHE/.prepare-$name.lock"
      flock 8
      "prepare_$name"
    ) >"$STACK_DIR/logs/prepare-$name.log" 2>&1 &
    pids[$name]=$!
  done
  for name in "${!pids[@]}"; do
    pid="${pids[$name]}"
    if ! wait "$pid"; then
      stack_log "preparing $name failed; last lines of .stack/logs/prepare-$name.log:"
      tail -n 20 "$STACK_DIR/logs/prepare-$name.log" >&2 || true
      failed=1
    fi
  done
  ((failed == 0)) || stack_die "could not prepare the stack (see above)"
}

# Keeps the previous run's log as .1 so a crash before a restart can still be read.
rotate_log() {
  local log
  log="$(stack_log_file "$1")"
  if [[ -s "$log" ]]; then
    mv "$log" "$log.1"
  fi
}

launch() {
  local name="$1" workdir="$2"
  shift 2
  # setsid: the server gets its own session, so Ctrl-C on the terminal (or npm killing its
  # process group) that ran `stack:up` does not take the server down with it. 9>&-: a server
  # that inherited the stack lock would hold it for its whole life and block down.sh.
  (cd "$workdir" && exec setsid "$@" >>"$(stack_log_file "$name")" 2>&1 </dev/null 9>&-) &
  echo "$!" >"$(stack_pid_file "$name")"
}

JVM_COMMON=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true)

start_kafka() {
  local conf="$STACK_DIR/conf/kafka.properties" data="$STACK_DIR/data/kafka" log
  log="$(stack_log_file kafka)"
  rotate_log kafka
  # Written on every start so a changed DG_KAFKA_PORT takes effect.
  cat >"$conf" <<EOF
# Generated by scripts/stack/up.sh on each start; edits here are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
# One broker: every internal topic must be satisfied by a single replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Fewer internal partitions than the default 50 make the first consumer group join quick.
offsets.topic.num.partitions=5
transaction.state.log.num.partitions=5
num.partitions=1
# Tests create groups constantly; waiting for more members only slows them down.
group.initial.rebalance.delay.ms=0
# The services create their topics with the right settings (compaction for domain.status);
# auto-creation would hide a missing create behind a topic with default settings.
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=4
EOF
  # meta.properties is the formatter's last write: without it the directory is unusable
  # (first start, or a start killed mid-format) and is formatted afresh.
  if [[ ! -f "$data/meta.properties" ]]; then
    rm -rf "$data"
    mkdir -p "$data"
    local cluster_id
    # A cluster id is 16 random bytes in URL-safe base64 without padding, as Kafka prints them.
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    stack_log "formatting Kafka storage in .stack/data/kafka (cluster id $cluster_id)"
    if ! java -Xmx256m -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$conf" >>"$log" 2>&1; then
      rm -rf "$data"
      stack_die "formatting Kafka storage failed; see $log"
    fi
  fi
  launch kafka "$STACK_DIR/data" java -Xms256m -Xmx512m "${JVM_COMMON[@]}" \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$conf"
}

start_registry() {
  local data="$STACK_DIR/data/registry"
  mkdir -p "$data"
  rotate_log registry
  # SQL storage on a file H2 database, so schema ids survive restarts: Kafka keeps messages
  # that carry those ids. FILE_LOCK=FS relies on an OS lock, which a SIGKILL releases.
  launch registry "$data" java -Xms64m -Xmx512m "${JVM_COMMON[@]}" \
    "$(stack_marker registry)" \
    -Dquarkus.http.host=127.0.0.1 \
    "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dapicurio.storage.kind=sql \
    -Dapicurio.storage.sql.kind=h2 \
    "-Dapicurio.datasource.url=jdbc:h2:file:$data/registry;FILE_LOCK=FS" \
    -Dapicurio.datasource.username=sa \
    -Dapicurio.datasource.password=sa \
    -Dapicurio.datasource.jdbc.initial-size=2 \
    -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=10 \
    -jar "$APICURIO_HOME/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
}

start_ferretdb() {
  local data="$STACK_DIR/data/ferretdb"
  mkdir -p "$data/sqlite"
  rotate_log ferretdb
  # DO_NOT_TRACK and --telemetry=disable: no call home; --debug-addr=- opens no debug port.
  launch ferretdb "$data" env DO_NOT_TRACK=1 "$FERRETDB_HOME/bin/ferretdb" \
    "$(stack_marker ferretdb)" \
    "--listen-addr=127.0.0.1:$MONGO_PORT" \
    --handler=sqlite \
    "--sqlite-url=file:$data/sqlite/" \
    --telemetry=disable \
    --debug-addr=- \
    --log-level=info
}

wait_ready() {
  local node="$1" server="$2" deadline log port
  deadline=$((SECONDS + TIMEOUT))
  log="$(stack_log_file "$server")"
  read -r port _ <<<"$(stack_ports "$server")"
  while true; do
    if [[ -z "$(stack_pids "$server")" ]]; then
      stack_log "$server exited during startup; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      stack_die "$server did not start; full log: $log"
    fi
    if stack_port_open "$port" && stack_probe "$node" "$server"; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      stack_log "last lines of $log:"
      tail -n 30 "$log" >&2 || true
      STACK_PROBE_VERBOSE=1 stack_probe "$node" "$server" || true
      stack_die "$server did not answer at $(stack_address "$server") within ${TIMEOUT}s;" \
        "full log: $log (raise DG_STACK_TIMEOUT on a slow machine)"
    fi
    sleep 1
  done
}

main() {
  local node server port started=()
  local t0=$SECONDS
  node="$(stack_node)"

  # Refuse early, before any download, when a port belongs to something else.
  for server in "${STACK_SERVERS[@]}"; do
    [[ -n "$(stack_pids "$server")" ]] && continue
    for port in $(stack_ports "$server"); do
      if stack_port_open "$port"; then
        stack_die "127.0.0.1:$port (for $server) is held by a process that is not this" \
          "stack ($STACK_DIR); stop it or choose other ports (DG_KAFKA_PORT," \
          "DG_KAFKA_CONTROLLER_PORT, DG_REGISTRY_PORT, DG_MONGO_PORT)"
      fi
    done
  done

  local to_start=()
  for server in "${STACK_SERVERS[@]}"; do
    if [[ -n "$(stack_pids "$server")" ]]; then
      stack_log "$server already running (pid $(stack_pids "$server" | tr '\n' ' '))"
    else
      to_start+=("$server")
    fi
  done

  if [[ " ${to_start[*]} " == *" kafka "* || " ${to_start[*]} " == *" registry "* ]]; then
    need_tool java "Java 17+ runs Kafka and Apicurio Registry"
  fi
  prepare_all "${to_start[@]}"

  for server in "${to_start[@]}"; do
    stack_log "starting $server (log: .stack/logs/$server.log)"
    "start_$server"
    started+=("$server")
  done

  for server in "${STACK_SERVERS[@]}"; do
    wait_ready "$node" "$server"
    stack_log "$server answers at $(stack_address "$server")"
  done

  stack_log "stack up in $((SECONDS - t0))s (started: ${started[*]:-none}). Use:"
  cat >&2 <<EOF
  KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
  SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
  MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/domain-guard
  logs: $STACK_DIR/logs/   stop: npm run stack:down
EOF
}

main "$@"
