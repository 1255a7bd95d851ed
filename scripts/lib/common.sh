# Shared by scripts/test and scripts/bench (sourced, not run): logging, Debian packages,
# free ports and a throwaway PostgreSQL on loopback.

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# apt_install PACKAGE... — installs the given Debian packages (callers pass only missing ones).
apt_install() {
  [ $# -gt 0 ] || return 0
  log "Installing $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# postgres_missing — prints the packages a throwaway PostgreSQL needs and lacks.
postgres_missing() {
  { [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ]; } || echo postgresql
  command -v psql >/dev/null || echo postgresql-client
}

# start_postgres DIR — initialises and starts a PostgreSQL cluster in DIR on a free loopback
# port (fsync off: it is thrown away). Sets PGPORT, PG_START and PG_STOP (shell commands, for
# tests that stop and start it), and defines pg_url NAME and psql_admin. Stop it with
# stop_postgres DIR.
start_postgres() {
  local dir=$1 bin as_pg=""
  bin=$(pg_bin)
  PGPORT=$(free_port)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; as_pg="runuser -u postgres --"; fi
  $as_pg "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
  PG_START="$as_pg $bin/pg_ctl -D $dir -l $dir/server.log -w -o '-p $PGPORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=600' start"
  PG_STOP="$as_pg $bin/pg_ctl -D $dir -m fast -w stop"
  log "Starting PostgreSQL ($("$bin/postgres" --version)) on 127.0.0.1:$PGPORT"
  sh -c "$PG_START" >/dev/null
}

stop_postgres() {
  local dir=$1 as_pg=""
  [ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
  [ -d "$dir" ] && $as_pg "$(pg_bin)/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
}

pg_url() { echo "postgres://postgres@127.0.0.1:$PGPORT/$1?sslmode=disable"; }
psql_admin() { psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
