#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL cluster on 127.0.0.1, with
# BANDIT_TEST_POSTGRES_URL pointing at it; the cluster is stopped and deleted afterwards.
#
#   scripts/with-test-postgres.sh swift test
#
# Needs PostgreSQL's server programs (initdb, pg_ctl; Debian: apt-get install postgresql,
# which this script does itself when run as root). The port is 54329 unless
# BANDIT_TEST_POSTGRES_PORT says otherwise, so a PostgreSQL already on 5432 is left alone.
set -euo pipefail

port=${BANDIT_TEST_POSTGRES_PORT:-54329}

find_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  # Debian keeps the server programs out of PATH, one directory per major version.
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  done
}

bin=$(find_bin)
if [ -z "$bin" ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin)
  fi
  if [ -z "$bin" ]; then
    echo "missing: PostgreSQL server programs (apt-get install postgresql, or run as root)" >&2
    exit 1
  fi
fi

dir=$(mktemp -d /tmp/bandit-postgres.XXXXXX)
# PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$dir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

# Password authentication over TCP, as in production; trust only on the cluster's own socket.
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --no-sync >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null
psql_admin=("${as_owner[@]}" "$bin/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
# CREATEDB: every test makes its own database, so tests can run in parallel.
"${psql_admin[@]}" -c "CREATE ROLE bandit LOGIN CREATEDB PASSWORD 'bandit-test'"
"${psql_admin[@]}" -c "CREATE DATABASE bandit OWNER bandit"

# A generous connect_timeout: the suite opens many connections at once on a busy machine,
# and forking a backend and SCRAM authentication can then take seconds.
export BANDIT_TEST_POSTGRES_URL="postgres://bandit:bandit-test@127.0.0.1:$port/bandit?sslmode=disable&connect_timeout=60"
version=$("$bin/postgres" --version)
echo "$version on 127.0.0.1:$port for the tests" >&2
"$@"
