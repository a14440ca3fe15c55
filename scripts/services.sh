#!/usr/bin/env bash
# Starts and stops the real services the integration tests use: PostgreSQL (the machine's
# cluster on 127.0.0.1:5432, with a fresh database per run) and a single-node Apache Kafka 4.x
# broker in KRaft mode (combined broker + controller) fetched from Maven Central.
#
#   scripts/services.sh up          PostgreSQL up + fresh database, Kafka fetched, formatted, started, ready
#   scripts/services.sh down        Kafka stopped and its data removed, the run's database dropped
#   scripts/services.sh kafka-stop  stop the broker only, keep its data (to test "broker went away")
#   scripts/services.sh kafka-start start the broker again on the same data dir and wait until it answers
#   scripts/services.sh status      print what is running
#
# Addresses are written to .services/env (`source .services/env`):
#   TICKERML_KAFKA_BROKERS=127.0.0.1:9092
#   TICKERML_PG_URL=postgres://postgres@127.0.0.1:5432/tickerml_ci_<random>
#
# Environment knobs (all optional):
#   TICKERML_SERVICES_DIR   state dir (default <repo>/.services)
#   TICKERML_KAFKA_PORT     broker port (default 9092); controller uses TICKERML_KAFKA_CONTROLLER_PORT (9093)
#   TICKERML_KAFKA_CACHE    where the broker jars are copied (default ~/.cache/tickerml/kafka-<pom hash>)
#   TICKERML_PG_ADMIN_URL   admin connection (default postgres://postgres@127.0.0.1:5432/postgres)
#   JAVA_HOME               JDK to run the broker (default: java on PATH; Kafka 4 needs Java 17+)
#   KAFKA_HEAP_OPTS         JVM heap flags (default -Xms256m -Xmx1g)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${TICKERML_SERVICES_DIR:-$ROOT/.services}"
KAFKA_PORT="${TICKERML_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${TICKERML_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOST=127.0.0.1
POM="$ROOT/ops/kafka/pom.xml"
LOG4J="$ROOT/ops/kafka/log4j2.xml"
PG_ADMIN_URL="${TICKERML_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

KAFKA_DIR="$STATE/kafka"
KAFKA_PID="$KAFKA_DIR/broker.pid"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_OUT="$KAFKA_DIR/stdout.log"
ENV_FILE="$STATE/env"
DB_FILE="$STATE/pg-database"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --- PostgreSQL --------------------------------------------------------------------------------

pg_up() {
  command -v psql >/dev/null || die "psql not found: install PostgreSQL client tools (apt-get install -y postgresql-client)"
  if psql "$PG_ADMIN_URL" -Atqc 'select 1' >/dev/null 2>&1; then
    log "postgres: answering at ${PG_ADMIN_URL%/*}"
    return
  fi
  [ -d /etc/postgresql ] || die "postgres: not answering at $PG_ADMIN_URL and no local cluster in /etc/postgresql to start"
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  log "postgres: not answering, starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do
    psql "$PG_ADMIN_URL" -Atqc 'select 1' >/dev/null 2>&1 && { log "postgres: up"; return; }
    sleep 0.5
  done
  die "postgres: cluster $version/main did not answer at $PG_ADMIN_URL within 30s (see /var/log/postgresql/)"
}

pg_create_db() {
  if [ -s "$DB_FILE" ]; then
    local existing
    existing="$(cat "$DB_FILE")"
    if psql "$PG_ADMIN_URL" -Atqc "select 1 from pg_database where datname = '$existing'" | grep -q 1; then
      log "postgres: reusing database $existing"
      return
    fi
  fi
  local name
  name="tickerml_ci_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $name" >/dev/null
  printf '%s\n' "$name" >"$DB_FILE"
  log "postgres: created database $name"
}

pg_drop_db() {
  [ -s "$DB_FILE" ] || return 0
  local name
  name="$(cat "$DB_FILE")"
  if psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1; then
    log "postgres: dropped database $name"
  else
    log "postgres: could not drop database $name (is PostgreSQL down?)"
  fi
  rm -f "$DB_FILE"
}

pg_url() {
  local base="${PG_ADMIN_URL%/*}"
  printf '%s/%s' "$base" "$(cat "$DB_FILE")"
}

# --- Kafka -------------------------------------------------------------------------------------

kafka_cache() {
  if [ -n "${TICKERML_KAFKA_CACHE:-}" ]; then
    printf '%s' "$TICKERML_KAFKA_CACHE"
  else
    printf '%s/.cache/tickerml/kafka-%s' "$HOME" "$(sha256sum "$POM" | cut -c1-12)"
  fi
}

kafka_fetch() {
  local cache
  cache="$(kafka_cache)"
  if [ -f "$cache/.complete" ]; then
    return
  fi
  command -v mvn >/dev/null || die "kafka: mvn not found: install Maven (apt-get install -y maven) to fetch the broker"
  log "kafka: fetching broker jars with Maven into $cache"
  rm -rf "$cache"
  mkdir -p "$cache"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$cache" >&2 ||
    die "kafka: mvn dependency:copy-dependencies failed for $POM"
  ls "$cache"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: no kafka_2.13 jar in $cache after the fetch"
  touch "$cache/.complete"
}

kafka_running() {
  [ -f "$KAFKA_PID" ] && kill -0 "$(cat "$KAFKA_PID")" 2>/dev/null
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_PROPS" <<EOF
# Written by scripts/services.sh: single-node KRaft, combined broker + controller, for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
delete.topic.enable=true
log.flush.interval.messages=9223372036854775807
EOF
}

kafka_format() {
  local cache cluster_id
  cache="$(kafka_cache)"
  cluster_id="$("$JAVA" -cp "$cache/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [ -n "$cluster_id" ] || die "kafka: StorageTool random-uuid printed nothing (is $JAVA a JDK 17+?)"
  "$JAVA" -Dlog4j2.configurationFile="$LOG4J" -Dkafka.logs.dir="$KAFKA_DIR" -cp "$cache/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_PROPS" >"$KAFKA_DIR/format.log" 2>&1 ||
    die "kafka: storage format failed, see $KAFKA_DIR/format.log"
  log "kafka: formatted storage in $KAFKA_DIR/data (cluster $cluster_id)"
}

kafka_launch() {
  local cache
  cache="$(kafka_cache)"
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    die "kafka: port $KAFKA_HOST:$KAFKA_PORT is already taken by another process; stop it or set TICKERML_KAFKA_PORT"
  fi
  # setsid: the broker outlives this script (pnpm services:up returns) until `down` or kafka-stop.
  # shellcheck disable=SC2086
  setsid "$JAVA" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J" -Dkafka.logs.dir="$KAFKA_DIR" \
    -cp "$cache/*" kafka.Kafka "$KAFKA_PROPS" >"$KAFKA_OUT" 2>&1 </dev/null 9>&- &
  printf '%s\n' "$!" >"$KAFKA_PID"
  log "kafka: broker started (pid $(cat "$KAFKA_PID"), log $KAFKA_DIR/server.log)"
}

kafka_wait() {
  local deadline=$((SECONDS + 120))
  while ! port_open "$KAFKA_HOST" "$KAFKA_PORT"; do
    kafka_running || die "kafka: broker exited during start; last lines of $KAFKA_OUT and server.log:
$(tail -n 20 "$KAFKA_OUT" 2>/dev/null; tail -n 20 "$KAFKA_DIR/server.log" 2>/dev/null)"
    [ "$SECONDS" -lt "$deadline" ] || die "kafka: port $KAFKA_PORT not open within 120s, see $KAFKA_DIR/server.log"
    sleep 0.5
  done
  # The port opening is not enough: ask for metadata and create a probe topic.
  if [ -f "$ROOT/node_modules/kafkajs/package.json" ]; then
    (cd "$ROOT" && node scripts/kafka-ready.mjs "$KAFKA_HOST:$KAFKA_PORT" 90) ||
      die "kafka: broker on $KAFKA_HOST:$KAFKA_PORT did not answer metadata requests, see $KAFKA_DIR/server.log"
  else
    log "kafka: kafkajs not installed (run pnpm install), checked the port only"
  fi
}

kafka_stop() {
  if ! kafka_running; then
    rm -f "$KAFKA_PID"
    return 0
  fi
  local pid
  pid="$(cat "$KAFKA_PID")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "kafka: broker $pid ignored SIGTERM for 30s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$KAFKA_PID"
  log "kafka: broker stopped"
}

# --- env file ----------------------------------------------------------------------------------

write_env() {
  cat >"$ENV_FILE" <<EOF
# Written by scripts/services.sh up; removed by scripts/services.sh down.
export TICKERML_KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT
export TICKERML_PG_URL=$(pg_url)
EOF
  log "addresses written to $ENV_FILE"
  cat "$ENV_FILE" | grep '^export' | sed 's/^export /  /' >&2
}

# --- commands ----------------------------------------------------------------------------------

with_lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
}

cmd_up() {
  with_lock
  pg_up
  pg_create_db
  kafka_fetch
  if kafka_running; then
    ports_from_config
    log "kafka: broker already running (pid $(cat "$KAFKA_PID"))"
  else
    rm -rf "$KAFKA_DIR"
    kafka_write_config
    kafka_format
    kafka_launch
  fi
  kafka_wait
  write_env
}

cmd_down() {
  with_lock
  kafka_stop
  rm -rf "$KAFKA_DIR"
  pg_drop_db
  rm -f "$ENV_FILE"
}

cmd_kafka_stop() {
  with_lock
  [ -f "$KAFKA_PROPS" ] || die "kafka: not set up here ($KAFKA_PROPS missing); run scripts/services.sh up first"
  kafka_stop
}

# kafka-stop / kafka-start reuse the ports that `up` wrote, whatever this shell's environment says.
ports_from_config() {
  KAFKA_PORT="$(sed -n 's/^listeners=PLAINTEXT:\/\/[^:]*:\([0-9]*\),.*/\1/p' "$KAFKA_PROPS")"
  [ -n "$KAFKA_PORT" ] || die "kafka: no PLAINTEXT listener port in $KAFKA_PROPS"
}

cmd_kafka_start() {
  with_lock
  [ -f "$KAFKA_PROPS" ] || die "kafka: not set up here ($KAFKA_PROPS missing); run scripts/services.sh up first"
  ports_from_config
  if kafka_running; then
    log "kafka: broker already running (pid $(cat "$KAFKA_PID"))"
  else
    kafka_launch
  fi
  kafka_wait
}

cmd_status() {
  if kafka_running; then echo "kafka: running (pid $(cat "$KAFKA_PID")) on $KAFKA_HOST:$KAFKA_PORT"; else echo "kafka: stopped"; fi
  if [ -s "$DB_FILE" ]; then echo "postgres: database $(cat "$DB_FILE")"; else echo "postgres: no run database"; fi
  [ -f "$ENV_FILE" ] && cat "$ENV_FILE"
  return 0
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  kafka-stop) cmd_kafka_stop ;;
  kafka-start) cmd_kafka_start ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|kafka-stop|kafka-start|status" >&2
    exit 2
    ;;
esac
