#!/usr/bin/env bash
# A MySQL-compatible server (MariaDB, from Debian's package mariadb-server) for tests and local runs,
# on machines without Docker. It is not the system service (which is neither started nor touched): it
# runs mariadbd with --no-defaults (no /etc/mysql), its own data folder under
# .cache/mysql/<instance>, its own socket, on 127.0.0.1 only, on a private port.
#
# Usage: scripts/mysql.sh start|stop|status|restart|reset|logs [N]|check|shell [MARIADB ARGS]
#        scripts/mysql.sh lease HOLDER_PID | release HOLDER_PID   (used by tests/support/mysql.ts)
#
#   start    initialise the data folder (mariadb-install-db, once), start the server in the
#            background and wait until the test user can query the test database. Prints the URL.
#            Already running: prints the URL, exit 0.
#   stop     clean shutdown (SIGTERM), SIGKILL after MYSQL_STOP_TIMEOUT seconds.
#   status   exit 0 and print the URL when running, exit 3 when not.
#   restart  stop, then start. Data is kept.
#   reset    stop, then delete this instance's data (the next start initialises again).
#   logs     print the tail of the server's error log.
#   check    exit 0 when this machine has what the server needs, else say what to install.
#   shell    the mariadb client as the test user on the test database (the server must be running).
#   lease / release   reference counting for test runs, as in scripts/kafka.sh: `lease` starts the
#            server when it is not running; `release` stops it when the last live holder has
#            released and a lease had started it. A server started by hand is never stopped by it.
#
# The port: `start` records the port it starts the server on in <instance>/port; every command on a
# running server (status, lease, shell, stop, and start when already running) uses that port, and
# says on stderr when MYSQL_PORT (or its default) asks for another. `restart` stops the server and
# starts it on the port asked for.
#
# What it holds: database onecode_test and user onecode (password onecode-test-only; a TEST-ONLY
# credential, printed in the URL on stdout, never to be used for anything real) with all privileges
# on onecode_test and on databases named onecode_test_* (so a test may make its own). The server
# applies this itself at every start (--init-file), so no administrator login is needed; root logs
# in through the Unix socket only, as the OS user who ran mariadb-install-db. Character set utf8mb4
# (utf8mb4_unicode_ci), server time zone UTC (+00:00), innodb_flush_log_at_trx_commit=2 (a crash may
# lose the last second of commits, never corrupts).
#
# Root: mariadbd refuses to run as root unless told to; as root it runs with --user=root (a test
# server on loopback; this avoids handing the data folder to another user who may not be able to
# reach the repository). Otherwise it runs as the current user.
#
# Environment (all optional):
#   MYSQL_CACHE_DIR      cache folder; default <repo>/.cache/mysql
#   MYSQL_INSTANCE       name of an independent server (own data, pid, log, socket); default "default"
#   MYSQL_PORT           port on 127.0.0.1 for `start`; default 53306 (a running server keeps its own)
#   MYSQL_SERVER_BIN     the server binary; default mariadbd (or mysqld) on PATH or in /usr/sbin
#   MYSQL_START_TIMEOUT  seconds to wait for the server to answer; default 60
#   MYSQL_STOP_TIMEOUT   seconds to wait for a clean stop before SIGKILL; default 60
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MYSQL_CACHE_DIR:-$ROOT/.cache/mysql}"
INSTANCE="${MYSQL_INSTANCE:-default}"
PORT="${MYSQL_PORT:-53306}"
START_TIMEOUT="${MYSQL_START_TIMEOUT:-60}"
STOP_TIMEOUT="${MYSQL_STOP_TIMEOUT:-60}"

NAME=mysql.sh
HOME_DIR="$CACHE/$INSTANCE"
DATA="$HOME_DIR/data"
PID_FILE="$HOME_DIR/mariadbd.pid"
LOG_FILE="$HOME_DIR/mariadbd.log"
INIT_FILE="$HOME_DIR/init.sql"
# A Unix socket path is limited to 107 bytes; a deep checkout gets a short one under /tmp.
SOCKET="$HOME_DIR/mariadbd.sock"
if ((${#SOCKET} > 100)); then
  SOCKET="/tmp/onecode-mysql-$(printf '%s' "$HOME_DIR" | sha256sum | cut -c 1-16).sock"
fi
# Test-only credentials: the same in tests/support/mysql.ts and the testcontainers path.
DATABASE=onecode_test
APP_USER=onecode
APP_PASSWORD=onecode-test-only
PORT_VAR=MYSQL_PORT
IN_USE_HINT="(a MySQL already) point the tests at it with MYSQL_TEST_URL"
STOP_SIGNAL=TERM
server_url() { echo "mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$PORT/$DATABASE"; }

# shellcheck source=scripts/lib/local-server.sh
source "$ROOT/scripts/lib/local-server.sh"

find_tool() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null; then command -v "$name"; return 0; fi
    if [[ -x "/usr/sbin/$name" ]]; then echo "/usr/sbin/$name"; return 0; fi
  done
  return 1
}

require_tools() {
  SERVER="${MYSQL_SERVER_BIN:-$(find_tool mariadbd mysqld)}" ||
    die "no MariaDB server found (mariadbd): install Debian's package (apt-get install -y --no-install-recommends mariadb-server) or set MYSQL_SERVER_BIN"
  INSTALL_DB="$(find_tool mariadb-install-db mysql_install_db)" ||
    die "mariadb-install-db not found: install Debian's package mariadb-server"
  CLIENT="$(find_tool mariadb mysql)" || die "the mariadb client not found: install Debian's package mariadb-client"
}

server_pid() { pid_from_file "$PID_FILE" "--datadir=$DATA "; }

# --user=root is needed only (and only allowed) when running as root.
user_option() {
  if ((EUID == 0)); then echo "--user=root"; else echo "--user=$(id -un)"; fi
}

init_data() {
  rm -rf "$DATA"
  say "initialising $DATA (mariadb-install-db, first start only)"
  "$INSTALL_DB" --no-defaults "$(user_option)" --datadir="$DATA" --skip-test-db \
    --auth-root-authentication-method=socket >>"$LOG_FILE" 2>&1 ||
    { tail -n 30 "$LOG_FILE" >&2; rm -rf "$DATA"; die "mariadb-install-db failed (log tail above)"; }
}

# Run by the server at every start, before it accepts connections: the test database and user,
# idempotent, so every start repairs what a failed first start left.
write_init_file() {
  (umask 077 && cat >"$INIT_FILE") <<EOF
-- Written by scripts/mysql.sh on every start; edit the script, not this file.
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS $DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';
ALTER USER '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DATABASE\`.* TO '$APP_USER'@'%';
GRANT ALL PRIVILEGES ON \`onecode\\_test\\_%\`.* TO '$APP_USER'@'%';
EOF
}

app_answers() {
  MYSQL_PWD="$APP_PASSWORD" "$CLIENT" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$PORT" \
    --connect-timeout=3 -u "$APP_USER" -D "$DATABASE" -N -e 'SELECT 1' >/dev/null 2>&1
}

do_start() {
  local pid
  mkdir -p "$HOME_DIR" "$LEASES"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"
  local from initialised=""
  from="$(now_ms)"
  if [[ ! -d "$DATA/mysql" ]]; then
    init_data
    initialised=" (of which mariadb-install-db $(since "$from"))"
  fi
  write_init_file
  record_port
  rm -f "$SOCKET" "$DATA/mariadbd.pid"

  local started=$SECONDS
  # The datadir option comes first after --no-defaults and ends with a space in the command line,
  # which is what server_pid looks for. fd 9 (the lock) is closed for the server.
  nohup "$SERVER" --no-defaults --datadir="$DATA" "$(user_option)" \
    --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve --socket="$SOCKET" \
    --pid-file="$DATA/mariadbd.pid" --log-error="$LOG_FILE" --init-file="$INIT_FILE" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --default-time-zone=+00:00 --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  say "starting $("$SERVER" --version | sed 's/^.*Ver //; s/ for .*//') (pid $pid), log $LOG_FILE"

  while ((SECONDS - started < START_TIMEOUT)); do
    if ! pid_alive "$pid"; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "the server exited during start (log tail above)"
    fi
    if port_open "$PORT" && app_answers; then
      say "ready on 127.0.0.1:$PORT after $(since "$from")$initialised"
      server_url
      return 0
    fi
    sleep 0.2
  done
  tail -n 40 "$LOG_FILE" >&2
  say "user $APP_USER cannot query $DATABASE on 127.0.0.1:$PORT after ${START_TIMEOUT}s (log tail above); stopping it"
  do_stop
  exit 1
}

do_reset() {
  rm -rf "$DATA" "$LEASES" "$INIT_FILE"
  say "deleted $DATA"
}

do_shell() {
  require_tools
  running || die "not running: start it with \`$0 start\`"
  MYSQL_PWD="$APP_PASSWORD" exec "$CLIENT" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$PORT" \
    -u "$APP_USER" -D "$DATABASE" "$@"
}

local_server_main "$@"
