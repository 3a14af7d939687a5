#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests and local runs,
# on machines without Docker. Needs java (17+) and mvn; the jars come from Maven Central through
# tools/kafka/pom.xml and are cached, so only the first start downloads anything.
#
# Usage: scripts/kafka.sh start|stop|status|restart|reset|logs [N]|check
#        scripts/kafka.sh lease HOLDER_PID | release HOLDER_PID    (used by tests/support/kafka.ts)
#
#   start    resolve the jars (once), format storage (once), start the broker in the background and
#            wait until it answers a metadata request. Already running: prints the address, exit 0.
#   stop     stop it cleanly (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds) and wait.
#   status   exit 0 and print the bootstrap address when running, exit 3 when not.
#   restart  stop, then start. Topics and messages are kept.
#   reset    stop, then delete this instance's data (topics, messages, cluster id).
#   logs     print the tail of the broker's log.
#   check    exit 0 when this machine has what the broker needs (java, mvn, openssl), else say what
#            to install.
#   tls      print one JSON line describing the running broker's SASL_SSL listener (see below);
#            exit 3 when the broker is not running, 1 when it has no such listener or no SCRAM users.
#   lease / release   reference counting for test runs: `lease` starts the broker when it is not
#            running (and remembers that a lease started it); `release` stops it when the last
#            live lease holder has released and a lease had started it. A broker started by hand
#            with `start` is never stopped by `release`.
#
# The locking, lease counting, recorded port and command dispatch are scripts/lib/local-server.sh,
# shared with scripts/postgres.sh and scripts/mysql.sh; this script says how to run the broker.
#
# Two client listeners on 127.0.0.1: PLAINTEXT on KAFKA_PORT (no TLS, no authentication: what every
# test but the secured-push ones uses), and SASL_SSL on KAFKA_TLS_PORT for tests of pushing to a
# secured broker:
#   - TLS with a test CA made once per instance by openssl (scripts/lib/test-ca.sh) into
#     <instance>/tls: ca.pem is what clients trust, client-cert.pem / client-key.pem a client
#     certificate signed by that CA. A client certificate is asked for but not required
#     (ssl.client.auth=requested): one signed by another CA is refused.
#   - SASL mechanisms SCRAM-SHA-256, SCRAM-SHA-512 (users stored in the cluster metadata, added when
#     the storage is formatted: kafka-storage format --add-scram) and PLAIN (user in the listener's
#     JAAS line). One test user, KAFKA_SCRAM_USER, with the password KAFKA_SCRAM_PASSWORD for all
#     three, recorded when the storage is formatted in <instance>/scram-user and
#     <instance>/sasl-password (mode 600, what clients read as KAFKA_SASL_PASSWORD_FILE).
#   The certificates live beside the data, not in it: Kafka takes every folder in log.dirs for a
#   partition. `reset` deletes them with the data; they are made again when one expires within a day.
#   An instance formatted by an older kafka.sh has no SCRAM users: `reset` it (its topics go).
#
# The broker does not create topics on first use (auto.create.topics.enable=false): create them with
# the admin API (the publisher does, through ensureTopics).
#
# Environment (all optional):
#   KAFKA_CACHE_DIR        cache folder; default <repo>/.cache/kafka (jars in lib/, instances beside)
#   KAFKA_VERSION          broker version resolved from Maven Central; default: kafka.version in tools/kafka/pom.xml (4.4.0)
#   KAFKA_INSTANCE         name of an independent broker (own data, pid, log); default "default"
#   KAFKA_PORT             client listener port on 127.0.0.1 for `start`; default 9092. `start` records it
#                          in <instance>/port; status, lease, stop and start of a running broker use the
#                          recorded port (saying so on stderr when KAFKA_PORT asks for another)
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1; default KAFKA_PORT+1
#   KAFKA_TLS_PORT         SASL_SSL listener port on 127.0.0.1; default KAFKA_PORT+2. Recorded in
#                          <instance>/tls-port at start, like KAFKA_PORT
#   KAFKA_SCRAM_USER       the test user of the SASL_SSL listener; default onecode-test. Read when the
#                          storage is formatted; later starts use the recorded one (a change needs `reset`)
#   KAFKA_SCRAM_PASSWORD   its password; default onecode-test-only, read like KAFKA_SCRAM_USER
#                          (test-only: it is on the format command line and in the broker's config file)
#   KAFKA_HEAP_OPTS        JVM heap; default "-Xms256m -Xmx512m"
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer; default 120
#   KAFKA_STOP_TIMEOUT     seconds to wait for a clean stop before SIGKILL; default 60
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
# The default version is the one tools/kafka/pom.xml names, so there is one place to change it.
VERSION="${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/tools/kafka/pom.xml")}"
INSTANCE="${KAFKA_INSTANCE:-default}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
TLS_PORT="${KAFKA_TLS_PORT:-$((PORT + 2))}"
SCRAM_USER="${KAFKA_SCRAM_USER:-onecode-test}"
SCRAM_PASSWORD="${KAFKA_SCRAM_PASSWORD:-onecode-test-only}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"

LIB="$CACHE/lib"
NAME=kafka.sh
HOME_DIR="$CACHE/$INSTANCE"
DATA="$HOME_DIR/data"
PID_FILE="$HOME_DIR/kafka.pid"
LOG_FILE="$HOME_DIR/kafka.log"
CONFIG="$HOME_DIR/server.properties"
LOG4J_CONFIG="$HOME_DIR/log4j2.properties"
TLS_DIR="$HOME_DIR/tls"
TLS_PORT_FILE="$HOME_DIR/tls-port"
# Written when the storage is formatted with SCRAM users: the user's name, and its password.
SCRAM_FILE="$HOME_DIR/scram-user"
SASL_PASSWORD_FILE="$HOME_DIR/sasl-password"
PORT_VAR=KAFKA_PORT
IN_USE_HINT="(a broker already) point the tests at it with KAFKA_BROKERS=127.0.0.1:$PORT"
STOP_SIGNAL=TERM
# The bootstrap address, the one line start, status and lease print on stdout (tests/support/kafka.ts
# reads the last line).
server_url() { echo "127.0.0.1:$PORT"; }

# shellcheck source=scripts/lib/local-server.sh
source "$ROOT/scripts/lib/local-server.sh"
# shellcheck source=scripts/lib/test-ca.sh
source "$ROOT/scripts/lib/test-ca.sh"

server_pid() { pid_from_file "$PID_FILE" "kafka.Kafka $CONFIG"; }

require_tools() {
  command -v java >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
  command -v openssl >/dev/null || die "openssl not found: the SASL_SSL listener needs it for its test certificates (apt-get install openssl)"
}

resolve_jars() {
  if [[ -f "$LIB/.version" && "$(cat "$LIB/.version")" == "$VERSION" ]]; then
    return 0
  fi
  say "resolving Apache Kafka $VERSION from Maven Central into $LIB (first start only)"
  rm -rf "$LIB.tmp"
  mvn -q -B -Dstyle.color=never -f "$ROOT/tools/kafka/pom.xml" -Dkafka.version="$VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$LIB.tmp" >&2 ||
    die "mvn could not resolve org.apache.kafka:kafka_2.13:$VERSION (is Maven Central reachable?)"
  echo "$VERSION" >"$LIB.tmp/.version"
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
}

write_config() {
  mkdir -p "$DATA" "$LEASES"
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_SSL://127.0.0.1:$TLS_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_SSL://127.0.0.1:$TLS_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
# The SASL_SSL listener (see the head of scripts/kafka.sh): PEM key store and trust store (KIP-651).
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/server.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.sasl_ssl.ssl.client.auth=requested
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER="$SCRAM_PASSWORD";
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
background.threads=4
log.retention.hours=168
log.segment.bytes=67108864
EOF
  cat >"$LOG4J_CONFIG" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
EOF
}

format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing"
  say "formatting $DATA (cluster id $cluster_id, SCRAM user $SCRAM_USER)"
  java -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -cp "$LIB/*" kafka.tools.StorageTool \
    format --cluster-id "$cluster_id" --config "$CONFIG" \
    --add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" >>"$LOG_FILE" 2>&1 ||
    { tail -n 30 "$LOG_FILE" >&2; die "StorageTool format failed"; }
  echo "$SCRAM_USER" >"$SCRAM_FILE"
  (umask 077 && printf '%s\n' "$SCRAM_PASSWORD" >"$SASL_PASSWORD_FILE")
}

# A formatted instance keeps the SCRAM user and password it was formatted with: the PLAIN user of
# the listener's JAAS line is made the same.
use_recorded_credentials() {
  [[ -s "$SCRAM_FILE" && -s "$SASL_PASSWORD_FILE" ]] || return 0
  local user password
  user="$(cat "$SCRAM_FILE")"
  password="$(cat "$SASL_PASSWORD_FILE")"
  if [[ "$user" != "$SCRAM_USER" || "$password" != "$SCRAM_PASSWORD" ]] && [[ -n "${KAFKA_SCRAM_USER:-}${KAFKA_SCRAM_PASSWORD:-}" ]]; then
    say "this instance was formatted with SCRAM user $user and keeps it and its password; reset it to change them"
  fi
  SCRAM_USER="$user"
  SCRAM_PASSWORD="$password"
}

# The SCRAM user the storage was formatted with; none (and a word on stderr) for an instance
# formatted by an older kafka.sh.
scram_user() {
  if [[ -s "$SCRAM_FILE" ]]; then
    cat "$SCRAM_FILE"
    return 0
  fi
  say "$DATA was formatted without SCRAM users (by an older kafka.sh): run scripts/kafka.sh reset (its topics go), then start"
  return 1
}

# A metadata round trip through the client port: kafkajs admin listTopics when node and kafkajs are
# there (they are in this repo), else only the open port.
metadata_ok() {
  if command -v node >/dev/null && [[ -d "$ROOT/node_modules/kafkajs" ]]; then
    (cd "$ROOT" && node "$ROOT/tools/kafka/ready.mjs" "$(server_url)" >/dev/null 2>&1)
  else
    port_open "$PORT"
  fi
}

do_start() {
  local pid
  if port_open "$TLS_PORT"; then
    die "port $TLS_PORT (the SASL_SSL listener) is taken by another process: stop it, or set KAFKA_TLS_PORT (or KAFKA_PORT)"
  fi
  resolve_jars
  ensure_test_ca "$TLS_DIR" "kafka.sh $INSTANCE"
  use_recorded_credentials
  write_config
  record_port
  echo "$TLS_PORT" >"$TLS_PORT_FILE"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  format_storage

  local started=$SECONDS from
  from="$(now_ms)"
  # fd 9 (the lock) is closed for the JVM, or the lock would live as long as the broker.
  # shellcheck disable=SC2086 # HEAP_OPTS holds several options
  nohup java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -XX:ActiveProcessorCount=2 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -cp "$LIB/*" \
    kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  say "starting Apache Kafka $VERSION (pid $pid), log $LOG_FILE"

  while ((SECONDS - started < START_TIMEOUT)); do
    if ! pid_alive "$pid"; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "the broker exited during start (log tail above)"
    fi
    if port_open "$PORT" && port_open "$TLS_PORT" && metadata_ok; then
      say "ready on 127.0.0.1:$PORT (SASL_SSL on 127.0.0.1:$TLS_PORT) after $(since "$from")"
      scram_user >/dev/null || true
      server_url
      return 0
    fi
    sleep 0.5
  done
  tail -n 40 "$LOG_FILE" >&2
  say "no metadata answer from 127.0.0.1:$PORT after ${START_TIMEOUT}s (log tail above); stopping it"
  do_stop
  exit 1
}

do_reset() {
  rm -rf "$DATA" "$LEASES" "$TLS_DIR" "$TLS_PORT_FILE" "$SCRAM_FILE" "$SASL_PASSWORD_FILE"
  say "deleted $DATA and its test certificates"
}

# `tls`: the running broker's SASL_SSL listener as one JSON line, what tests/support/kafka.ts reads:
# {"brokers":["127.0.0.1:9094"],"caFile":…,"clientCertFile":…,"clientKeyFile":…,
#  "username":…,"passwordFile":…,"mechanisms":["SCRAM-SHA-256","SCRAM-SHA-512","PLAIN"]}
# Paths are absolute; none holds a double quote or a backslash (JSON strings are written as is).
extra_tls() {
  running || { say "not running"; exit 3; }
  local tls_port user
  tls_port="$(cat "$TLS_PORT_FILE" 2>/dev/null || true)"
  [[ "$tls_port" =~ ^[0-9]+$ && -s "$TLS_DIR/ca.pem" ]] ||
    die "the running broker (pid $RUNNING_PID) has no SASL_SSL listener (started by an older kafka.sh): run scripts/kafka.sh restart"
  user="$(scram_user)" || exit 1
  [[ -s "$SASL_PASSWORD_FILE" ]] || die "no $SASL_PASSWORD_FILE (the storage was formatted by an older kafka.sh): run scripts/kafka.sh reset (its topics go), then start"
  [[ "$HOME_DIR$user" != *[\"\\]* ]] || die "$HOME_DIR or the user name holds a quote or a backslash"
  printf '{"brokers":["127.0.0.1:%s"],"caFile":"%s","clientCertFile":"%s","clientKeyFile":"%s","username":"%s","passwordFile":"%s","mechanisms":["SCRAM-SHA-256","SCRAM-SHA-512","PLAIN"]}\n' \
    "$tls_port" "$TLS_DIR/ca.pem" "$TLS_DIR/client-cert.pem" "$TLS_DIR/client-key.pem" "$user" "$SASL_PASSWORD_FILE"
}

local_server_main "$@"
