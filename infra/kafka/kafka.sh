#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, combined broker + controller) for development and tests,
# fetched from Maven Central: needs Java 17+ and Maven, no Docker, no download of a tarball.
#
#   infra/kafka/kafka.sh start    fetch the jars once, write the config, format storage once,
#                                 start in the background; returns when the broker answers
#   infra/kafka/kafka.sh stop     stop it cleanly and wait until it has exited
#   infra/kafka/kafka.sh status   exit 0 when it is running and answering, 1 otherwise
#   infra/kafka/kafka.sh logs     the last lines of its log (`logs -f` follows)
#   infra/kafka/kafka.sh reset    stop it and delete its data (topics, offsets)
#
# Environment (all optional):
#   KAFKA_HOST=127.0.0.1          listen and advertised address
#   KAFKA_PORT=9092               client port; the controller listens on KAFKA_CONTROLLER_PORT (port + 1)
#   KAFKA_HEAP_OPTS="-Xms128m -Xmx512m"
#   KAFKA_START_TIMEOUT=120       seconds `start` waits for the broker to answer
#   KAFKA_CACHE_DIR=infra/kafka/.cache   jars (lib/) and one folder per port (broker-<port>/: config, data, logs, pid)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAFKA_CACHE_DIR:-$HERE/.cache}"
LIB="$CACHE/lib"
HOST="${KAFKA_HOST:-127.0.0.1}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
HEAP="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
HOME_DIR="$CACHE/broker-$PORT"
CONF="$HOME_DIR/server.properties"
DATA="$HOME_DIR/data"
LOGS="$HOME_DIR/logs"
PID_FILE="$HOME_DIR/kafka.pid"
CONSOLE_LOG="$LOGS/console.log"
SERVER_LOG="$LOGS/server.log"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

need() {
  command -v java >/dev/null 2>&1 || die "java not found (Java 17+ is needed; apt-get install -y openjdk-17-jre-headless)"
  command -v mvn >/dev/null 2>&1 || [[ -f "$LIB/.complete" ]] || die "mvn not found (apt-get install -y maven)"
}

# True when something accepts TCP connections on host:port.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# Copies the broker's jars out of the local Maven repository once; again only when pom.xml changes.
fetch() {
  local sum
  sum="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$sum" ]]; then return; fi
  say "fetching the Kafka broker from Maven Central into $LIB (once)"
  rm -rf "$LIB"
  mkdir -p "$LIB"
  mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB" >&2 ||
    die "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
  echo "$sum" >"$LIB/.complete"
}

write_config() {
  mkdir -p "$DATA" "$LOGS"
  cat >"$CONF" <<EOF
# Written by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA

# One broker: every replication factor is 1.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Topics are created by tickflow (ensureTopics) with explicit partitions, never by a typo.
auto.create.topics.enable=false
delete.topic.enable=true
# Tests start and stop consumer groups all the time: no 3 s wait before the first rebalance.
group.initial.rebalance.delay.ms=0

# Dev-sized storage: 16 MiB segments, at most 6 h or 256 MiB per partition.
log.segment.bytes=16777216
log.retention.ms=21600000
log.retention.bytes=268435456
log.retention.check.interval.ms=60000
log.cleaner.dedupe.buffer.size=16777216
log.cleaner.threads=1

# A shared 2-core machine: few threads.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
EOF
}

format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return
  local id
  id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [[ -n "$id" ]] || die "could not generate a cluster id (java -cp $LIB/* kafka.tools.StorageTool random-uuid)"
  say "formatting KRaft storage in $DATA (cluster $id, standalone controller)"
  java -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOGS" -cp "$LIB/*" \
    kafka.tools.StorageTool format --cluster-id "$id" --config "$CONF" --standalone --ignore-formatted >>"$CONSOLE_LOG" 2>&1 ||
    die "formatting storage failed: $(tail -n 20 "$CONSOLE_LOG")"
}

tail_logs() {
  local n="${1:-40}"
  for f in "$CONSOLE_LOG" "$SERVER_LOG"; do
    [[ -s "$f" ]] || continue
    echo "--- $f (last $n lines)"
    tail -n "$n" "$f"
  done
}

start() {
  need
  mkdir -p "$CACHE"
  # Parallel callers (test files) serialize here; the second finds the broker running.
  exec 9>"$CACHE/start-$PORT.lock"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    if port_open "$HOST" "$PORT"; then
      say "already running (pid $pid) on $HOST:$PORT"
      return 0
    fi
  elif port_open "$HOST" "$PORT"; then
    die "$HOST:$PORT is already in use by another process (not this script's broker); set KAFKA_PORT or use that broker via KAFKA_BROKERS"
  fi
  fetch
  write_config
  format_storage
  if [[ -z "${pid:-}" ]]; then
    : >"$CONSOLE_LOG"
    say "starting on $HOST:$PORT (controller $CONTROLLER_PORT, heap $HEAP, data $DATA)"
    # setsid: the broker outlives the shell (or test run) that started it and ignores its Ctrl-C;
    # 9>&-: it must not inherit (and hold forever) the start lock.
    # shellcheck disable=SC2086
    setsid java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOGS" \
      -cp "$LIB/*" kafka.Kafka "$CONF" </dev/null >>"$CONSOLE_LOG" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  # The port opens before the broker has caught up with its metadata; "Kafka Server started" comes after.
  until port_open "$HOST" "$PORT" && grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail_logs 40 >&2
      die "the broker exited during startup (logs above)"
    fi
    if ((SECONDS >= deadline)); then
      tail_logs 40 >&2
      stop 2>/dev/null
      die "the broker did not answer on $HOST:$PORT within ${START_TIMEOUT}s (logs above; it has been stopped)"
    fi
    sleep 0.5
  done
  say "ready on $HOST:$PORT (pid $pid)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  say "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "still running after ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
  say "stopped"
}

status() {
  local pid
  if pid="$(running_pid)" && port_open "$HOST" "$PORT"; then
    echo "running (pid $pid) on $HOST:$PORT"
    return 0
  fi
  if [[ -n "${pid:-}" ]]; then echo "starting or unhealthy (pid $pid, $HOST:$PORT not answering)"; else echo "not running"; fi
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart)
    stop
    start
    ;;
  status) status ;;
  logs)
    if [[ "${2:-}" == "-f" ]]; then exec tail -n 100 -F "$SERVER_LOG"; fi
    tail_logs "${2:-100}"
    ;;
  reset)
    stop
    rm -rf "$HOME_DIR" "$CACHE/start-$PORT.lock"
    say "deleted $HOME_DIR"
    ;;
  *)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
