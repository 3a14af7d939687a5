# Shared by scripts/kafka.sh, scripts/postgres.sh and scripts/mysql.sh (sourced, not run): the
# locking, lease counting, recorded port and command dispatch, so that each script only says how to
# prepare, start, probe and stop its own server.
#
# The sourcing script sets, before calling local_server_main "$@":
#   NAME         the script's name for messages, e.g. postgres.sh
#   HOME_DIR     the instance folder (lock, leases, pid, log, recorded port)
#   LOG_FILE     the server's log, for `logs`
#   PORT         the port asked for (from PORT_VAR in the environment, or the default)
#   PORT_VAR     the environment variable that sets it, for messages, e.g. POSTGRES_PORT
#   START_TIMEOUT, STOP_TIMEOUT   seconds
#   STOP_SIGNAL  the signal that stops the server cleanly, e.g. TERM
#   IN_USE_HINT  what to do when the port is taken by a server already, e.g. "(a broker already)
#                point the tests at it with KAFKA_BROKERS=127.0.0.1:9092"
#   PID_FILE     optional: the server's pid file, deleted when it is stopped
# and defines: server_pid (prints the pid, or returns 1), server_url (prints what start/status/lease
# print on stdout, built from $PORT), require_tools (dies saying what to install), do_start (starts
# a server that is not running on a free port, having its tools; see start_server), do_reset, and
# optionally do_shell (without it there is no `shell` command) and extra_NAME functions (each is a
# command NAME of its own, e.g. kafka.sh's extra_tls is `kafka.sh tls`). do_start calls record_port
# before it launches the server; every command that acts on a running server calls running first,
# so that it uses the port that server listens on.
# shellcheck shell=bash

LEASES="$HOME_DIR/leases"
OWNED="$HOME_DIR/started-by-lease"
# The port the running server was started on: the environment of a later command may ask for another
# (a shell without PORT_VAR asks for the default), and that command must not name a port the server
# does not listen on, which may be another user's server.
PORT_FILE="$HOME_DIR/port"
REQUESTED_PORT="$PORT"

say() { echo "$NAME: $*" >&2; }
die() { say "$*"; exit 1; }

# Serialise every command on this instance: concurrent test workers may call start/lease at once.
# The lock is fd 9; a server must be started with 9>&- or the lock lives as long as the server.
lock() {
  mkdir -p "$HOME_DIR"
  exec 9>"$HOME_DIR/.lock"
  flock -w "$((START_TIMEOUT + STOP_TIMEOUT + 600))" 9 || die "could not lock $HOME_DIR/.lock"
}

# Milliseconds since the epoch (bash 5's EPOCHREALTIME; its decimal mark follows the locale).
now_ms() { local t="${EPOCHREALTIME//[.,]/}"; echo "$((t / 1000))"; }

# Seconds since $1 (from now_ms) with one decimal, for messages: "1.4s".
since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' "$((ms / 1000))" "$((ms % 1000 / 100))"; }

# A zombie counts as gone: a server whose parent has exited is reaped by init, which may take a while.
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ "${stat##*) }" != Z* ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Writes the port the server is about to listen on into the instance folder (read by `running`).
record_port() {
  mkdir -p "$HOME_DIR"
  echo "$PORT" >"$PORT_FILE"
}

# True when the server runs: sets RUNNING_PID, and PORT to the port recorded at its start. When that
# is not the port the environment asks for, says so on stderr (once): the running server's port wins.
# No recorded port (a server started by a script older than record_port): PORT stays as asked, with a
# word on stderr.
RUNNING_PID=""
PORT_NOTED=""
running() {
  RUNNING_PID="$(server_pid)" || { RUNNING_PID=""; return 1; }
  local recorded
  recorded="$(cat "$PORT_FILE" 2>/dev/null || true)"
  if [[ ! "$recorded" =~ ^[0-9]+$ ]]; then
    [[ -n "$PORT_NOTED" ]] || say "no port recorded in $PORT_FILE (the server was started by an older $NAME): assuming port $PORT; restart it to record its port"
    PORT_NOTED=1
    return 0
  fi
  PORT="$recorded"
  if [[ "$recorded" != "$REQUESTED_PORT" && -z "$PORT_NOTED" ]]; then
    PORT_NOTED=1
    local asked="$PORT_VAR=$REQUESTED_PORT"
    [[ -n "${!PORT_VAR:-}" ]] || asked="the default port $REQUESTED_PORT ($PORT_VAR is not set)"
    say "the running server (pid $RUNNING_PID) listens on port $recorded, not on $asked: using port $recorded"
  fi
}

# True when process $1's command line contains the fixed string $2 (pids are reused after a reboot
# or a kill -9, so a pid file alone proves nothing).
cmdline_has() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# Prints the pid on the first line of file $1 when that process lives and its command line contains
# $2 (see cmdline_has); returns 1 when there is no such file or process.
pid_from_file() {
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(head -n 1 "$1")"
  if pid_alive "$pid" && cmdline_has "$pid" "$2"; then
    echo "$pid"
    return 0
  fi
  return 1
}

# Sends $2 to pid $1, waits up to STOP_TIMEOUT seconds, then SIGKILL; then waits for port $3 to be
# free so that a restart can bind it.
stop_pid() {
  local pid="$1" signal="$2" port="$3" waited=$SECONDS from
  from="$(now_ms)"
  kill "-$signal" "$pid" 2>/dev/null || true
  while pid_alive "$pid" && ((SECONDS - waited < STOP_TIMEOUT)); do sleep 0.2; done
  if pid_alive "$pid"; then
    say "no clean stop after ${STOP_TIMEOUT}s; sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while pid_alive "$pid"; do sleep 0.1; done
  fi
  while port_open "$port" && ((SECONDS - waited < STOP_TIMEOUT + 10)); do sleep 0.2; done
  say "stopped (pid $pid) after $(since "$from")"
}

# Starts the server unless it runs (then prints its URL): checks the tools and that the port is
# free, then calls the script's do_start.
start_server() {
  if running; then
    say "already running (pid $RUNNING_PID) on 127.0.0.1:$PORT"
    server_url
    return 0
  fi
  require_tools
  if port_open "$PORT"; then
    die "port $PORT is taken by another process: stop it, set $PORT_VAR, or $IN_USE_HINT"
  fi
  do_start
}

# Stops the server with STOP_SIGNAL (SIGKILL after STOP_TIMEOUT); forgets that a lease started it.
do_stop() {
  if running; then
    stop_pid "$RUNNING_PID" "$STOP_SIGNAL" "$PORT"
  else
    say "not running"
  fi
  rm -f "$OWNED" ${PID_FILE:+"$PID_FILE"}
}

do_status() {
  if running; then
    say "running (pid $RUNNING_PID) on 127.0.0.1:$PORT"
    server_url
    return 0
  fi
  say "not running"
  return 3
}

live_leases() {
  local f n=0
  mkdir -p "$LEASES"
  for f in "$LEASES"/*; do
    [[ -e "$f" ]] || continue
    if pid_alive "$(basename "$f")"; then n=$((n + 1)); else rm -f "$f"; fi
  done
  echo "$n"
}

# `lease` starts the server when it is not running and remembers that a lease started it.
do_lease() {
  local holder="${1:?lease needs the pid of the holder}"
  if ! running; then
    start_server
    touch "$OWNED"
  else
    server_url
  fi
  mkdir -p "$LEASES"
  touch "$LEASES/$holder"
  say "leased to pid $holder ($(live_leases) live holders)"
}

# `release` stops the server when the last live holder has released and a lease had started it;
# a server started by hand with `start` is never stopped here.
do_release() {
  local holder="${1:?release needs the pid of the holder}"
  rm -f "$LEASES/$holder"
  local left
  left="$(live_leases)"
  say "released by pid $holder ($left live holders left)"
  if [[ "$left" == 0 && -f "$OWNED" ]]; then
    do_stop
  fi
}

local_server_main() {
  local cmd="${1:-}"
  case "$cmd" in
    start) lock; start_server ;;
    stop) lock; do_stop ;;
    status) do_status ;;
    restart) lock; do_stop; PORT="$REQUESTED_PORT"; start_server ;; # starts on the port asked for
    reset) lock; do_stop; do_reset ;;
    logs) tail -n "${2:-80}" "$LOG_FILE" ;;
    lease) lock; do_lease "${2:-}" ;;
    release) lock; do_release "${2:-}" ;;
    shell) declare -F do_shell >/dev/null || local_server_usage; shift; do_shell "$@" ;;
    check) require_tools; say "can run a server here" ;;
    *)
      if [[ "$cmd" =~ ^[a-z]+$ ]] && declare -F "extra_$cmd" >/dev/null; then
        shift
        "extra_$cmd" "$@"
      else
        local_server_usage
      fi
      ;;
  esac
}

local_server_usage() {
  local shell=""
  declare -F do_shell >/dev/null && shell="|shell [ARGS]"
  local extra
  extra="$(declare -F | sed -n 's/^declare -f extra_\(.*\)$/|\1/p' | tr -d '\n')"
  echo "usage: $0 start|stop|status|restart|reset|logs [N]|lease PID|release PID$shell$extra|check" >&2
  exit 2
}
