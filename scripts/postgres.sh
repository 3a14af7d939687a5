#!/usr/bin/env bash
# A PostgreSQL server for tests and local runs, on machines without Docker, from Debian's packages
# (postgresql: binaries in /usr/lib/postgresql/<major>/bin). It is not the Debian cluster: it has its
# own data folder under .cache/postgres/<instance>, listens on 127.0.0.1 only, on a private port, and
# has no Unix socket. The system service (pg_ctlcluster, port 5432) is neither used nor touched.
#
# Usage: scripts/postgres.sh start|stop|status|restart|reset|logs [N]|check|shell [PSQL ARGS]
#        scripts/postgres.sh lease HOLDER_PID | release HOLDER_PID  (used by tests/support/postgres.ts)
#
#   start    initialise the data folder (initdb, once), start the server in the background, wait
#            until it answers, then make sure the database and user below exist. Prints the URL.
#            Already running: prints the URL, exit 0.
#   stop     fast shutdown (SIGINT: open sessions are ended), SIGKILL after POSTGRES_STOP_TIMEOUT.
#   status   exit 0 and print the URL when running, exit 3 when not.
#   restart  stop, then start. Data is kept.
#   reset    stop, then delete this instance's data (the next start runs initdb again).
#   logs     print the tail of the server's log.
#   check    exit 0 when this machine has what the server needs, else say what to install.
#   shell    psql as the test user on the test database (the server must be running).
#   lease / release   reference counting for test runs, as in scripts/kafka.sh: `lease` starts the
#            server when it is not running; `release` stops it when the last live holder has
#            released and a lease had started it. A server started by hand is never stopped by it.
#
# The port: `start` records the port it starts the server on in <instance>/port; every command on a
# running server (status, lease, shell, stop, and start when already running) uses that port, and
# says on stderr when POSTGRES_PORT (or its default) asks for another. `restart` stops the server
# and starts it on the port asked for.
#
# What it holds: database onecode_test, owned by user onecode (password onecode-test-only; a
# TEST-ONLY credential, printed in the URL on stdout, never to be used for anything real). onecode may
# create databases (CREATEDB) but is no superuser. The superuser `postgres` has a random password
# kept in <instance>/superuser.password (mode 600). Encoding UTF8, locale C, server time zone UTC,
# synchronous_commit off (a crash may lose the last commits, never corrupts).
#
# Root: PostgreSQL refuses to run as root, so as root the server runs as POSTGRES_OS_USER (default
# postgres, the user the Debian package creates) and the data folder is theirs. When that user cannot
# reach the repository (a parent folder closed to others, such as /root), the data folder is put under
# /var/tmp/onecode-postgres/ instead and <instance>/data is a symbolic link to it.
#
# Environment (all optional):
#   POSTGRES_CACHE_DIR      cache folder; default <repo>/.cache/postgres
#   POSTGRES_INSTANCE       name of an independent server (own data, pid, log); default "default"
#   POSTGRES_PORT           port on 127.0.0.1 for `start`; default 55432 (a running server keeps its own)
#   POSTGRES_BIN_DIR        folder of initdb/pg_ctl/postgres/psql; default the newest /usr/lib/postgresql/*/bin
#   POSTGRES_OS_USER        the user the server runs as when this script runs as root; default postgres
#   POSTGRES_START_TIMEOUT  seconds to wait for the server to answer; default 60
#   POSTGRES_STOP_TIMEOUT   seconds to wait for a clean stop before SIGKILL; default 60
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${POSTGRES_CACHE_DIR:-$ROOT/.cache/postgres}"
INSTANCE="${POSTGRES_INSTANCE:-default}"
PORT="${POSTGRES_PORT:-55432}"
START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
STOP_TIMEOUT="${POSTGRES_STOP_TIMEOUT:-60}"

NAME=postgres.sh
HOME_DIR="$CACHE/$INSTANCE"
LOG_FILE="$HOME_DIR/postgres.log"
PASSWORD_FILE="$HOME_DIR/superuser.password"
# Test-only credentials: the same in tests/support/postgres.ts and the testcontainers path.
DATABASE=onecode_test
APP_USER=onecode
APP_PASSWORD=onecode-test-only
PORT_VAR=POSTGRES_PORT
IN_USE_HINT="(a PostgreSQL already) point the tests at it with POSTGRES_TEST_URL"
# SIGINT is PostgreSQL's fast shutdown: sessions are ended, a checkpoint is written.
STOP_SIGNAL=INT
server_url() { echo "postgres://$APP_USER:$APP_PASSWORD@127.0.0.1:$PORT/$DATABASE"; }

# shellcheck source=scripts/lib/local-server.sh
source "$ROOT/scripts/lib/local-server.sh"

if ((EUID == 0)); then RUN_AS="${POSTGRES_OS_USER:-postgres}"; else RUN_AS=""; fi

# Runs a command as the server's owner, from / (the caller's folder may be closed to that user).
as_owner() {
  if [[ -n "$RUN_AS" ]]; then (cd / && runuser -u "$RUN_AS" -- "$@"); else "$@"; fi
}

bin_dir() {
  if [[ -n "${POSTGRES_BIN_DIR:-}" ]]; then
    echo "$POSTGRES_BIN_DIR"
    return 0
  fi
  local newest
  newest="$(printf '%s\n' /usr/lib/postgresql/*/bin/postgres | grep -v '\*' | sort -V | tail -n 1 || true)"
  [[ -n "$newest" ]] || return 1
  dirname "$newest"
}

require_tools() {
  BIN="$(bin_dir)" || die "no PostgreSQL server found in /usr/lib/postgresql/*/bin: install Debian's package (apt-get install -y --no-install-recommends postgresql) or set POSTGRES_BIN_DIR"
  local tool
  for tool in initdb pg_ctl postgres psql; do
    [[ -x "$BIN/$tool" ]] || die "$BIN/$tool not found or not executable"
  done
  if [[ -n "$RUN_AS" ]]; then
    id -u "$RUN_AS" >/dev/null 2>&1 ||
      die "running as root, and PostgreSQL refuses to run as root: user $RUN_AS does not exist; create an unprivileged user and set POSTGRES_OS_USER"
    [[ "$(id -u "$RUN_AS")" != 0 ]] || die "POSTGRES_OS_USER=$RUN_AS is root; PostgreSQL refuses to run as root"
  fi
}

# The data folder: <instance>/data, or where its symbolic link points (see "Root" above).
data_dir() {
  if [[ -L "$HOME_DIR/data" ]]; then readlink "$HOME_DIR/data"; else echo "$HOME_DIR/data"; fi
}

server_pid() {
  local data
  data="$(data_dir)"
  pid_from_file "$data/postmaster.pid" "-D $data"
}

# Picks the data folder on the first start: under the instance folder when the server's user can
# reach it, else under /var/tmp with a symbolic link from the instance folder.
place_data() {
  [[ -e "$HOME_DIR/data" || -L "$HOME_DIR/data" ]] && return 0
  if [[ -n "$RUN_AS" ]] && ! as_owner test -x "$HOME_DIR"; then
    local elsewhere
    elsewhere="/var/tmp/onecode-postgres/$(printf '%s' "$HOME_DIR" | sha256sum | cut -c 1-16)"
    say "$RUN_AS cannot reach $HOME_DIR; the data folder is $elsewhere (linked from $HOME_DIR/data)"
    mkdir -p /var/tmp/onecode-postgres
    chmod 755 /var/tmp/onecode-postgres
    rm -rf "$elsewhere"
    mkdir -p "$elsewhere"
    ln -s "$elsewhere" "$HOME_DIR/data"
  else
    mkdir -p "$HOME_DIR/data"
  fi
}

init_data() {
  local data="$1"
  chmod 700 "$data"
  [[ -n "$RUN_AS" ]] && chown "$RUN_AS:" "$data"
  # The superuser's password, given to initdb through a file only the server's user can read.
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$PASSWORD_FILE")
  local pwfile
  pwfile="$(mktemp)"
  cp "$PASSWORD_FILE" "$pwfile"
  [[ -n "$RUN_AS" ]] && chown "$RUN_AS:" "$pwfile"
  say "initialising $data (initdb, first start only)"
  if ! as_owner "$BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C \
    --auth-local=peer --auth-host=scram-sha-256 --no-instructions >>"$LOG_FILE" 2>&1; then
    rm -f "$pwfile"
    tail -n 30 "$LOG_FILE" >&2
    die "initdb failed (log tail above)"
  fi
  rm -f "$pwfile"
  echo "include_if_exists = 'onecode.conf'" >>"$data/postgresql.conf"
}

write_config() {
  local data="$1"
  cat >"$data/onecode.conf" <<EOF
# Written by scripts/postgres.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
timezone = 'UTC'
log_timezone = 'UTC'
synchronous_commit = off
log_line_prefix = '%m [%p] '
EOF
  [[ -n "$RUN_AS" ]] && chown "$RUN_AS:" "$data/onecode.conf"
  return 0
}

# psql as the superuser over TCP, reading SQL from stdin; the password goes through the
# environment, not the command line.
admin_psql() {
  PGPASSWORD="$(cat "$PASSWORD_FILE")" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PORT" -U postgres -d postgres
}

# The test database and user; idempotent, so every start repairs what a failed first start left.
provision() {
  admin_psql >>"$LOG_FILE" 2>&1 <<EOF
SELECT 'CREATE ROLE $APP_USER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER')\gexec
ALTER ROLE $APP_USER WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$APP_PASSWORD';
SELECT 'CREATE DATABASE $DATABASE OWNER $APP_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE')\gexec
EOF
}

app_answers() {
  PGPASSWORD="$APP_PASSWORD" PGCONNECT_TIMEOUT=3 "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" \
    -U "$APP_USER" -d "$DATABASE" -c 'SELECT 1' >/dev/null 2>&1
}

do_start() {
  local pid data
  mkdir -p "$HOME_DIR" "$LEASES"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"
  local started=$SECONDS from initialised=""
  from="$(now_ms)"
  place_data
  data="$(data_dir)"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    init_data "$data"
    initialised=" (of which initdb $(since "$from"))"
  fi
  local version
  version="$(cat "$data/PG_VERSION")"
  [[ "$BIN" == *"/$version/"* || -n "${POSTGRES_BIN_DIR:-}" ]] ||
    die "$data was made by PostgreSQL $version but the server found is $BIN: run \`$0 reset\` to start afresh, or set POSTGRES_BIN_DIR"
  write_config "$data"
  record_port
  rm -f "$data/postmaster.pid" # a stale one from a killed server; server_pid said it is not running

  # Without -l, pg_ctl hands its own stdout (the log, opened here) to the server. fd 9 (the lock)
  # is closed for the server, or the lock would live as long as it.
  if ! as_owner "$BIN/pg_ctl" start -D "$data" -w -t "$START_TIMEOUT" -s >>"$LOG_FILE" 2>&1 </dev/null 9>&-; then
    tail -n 40 "$LOG_FILE" >&2
    pid="$(server_pid)" && stop_pid "$pid" INT "$PORT"
    die "the server did not start within ${START_TIMEOUT}s (log tail above)"
  fi
  pid="$(server_pid)" || { tail -n 40 "$LOG_FILE" >&2; die "pg_ctl said started but there is no server (log tail above)"; }
  provision || { tail -n 20 "$LOG_FILE" >&2; do_stop; die "could not create user $APP_USER and database $DATABASE (log tail above)"; }
  while ! app_answers; do
    if ((SECONDS - started >= START_TIMEOUT)); then
      do_stop
      die "user $APP_USER cannot log in to $DATABASE on 127.0.0.1:$PORT after ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  say "PostgreSQL $version (pid $pid) ready on 127.0.0.1:$PORT after $(since "$from")$initialised, log $LOG_FILE"
  server_url
}

do_reset() {
  local data
  data="$(data_dir)"
  rm -rf "$data" "$HOME_DIR/data" "$LEASES" "$PASSWORD_FILE"
  say "deleted $data"
}

do_shell() {
  require_tools
  running || die "not running: start it with \`$0 start\`"
  PGPASSWORD="$APP_PASSWORD" exec "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$APP_USER" -d "$DATABASE" "$@"
}

local_server_main "$@"
