#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests (Debian's postgresql-15 binaries), all its state in DIR.
#   scripts/test-postgres.sh start DIR PORT   initdb on first use, then start on 127.0.0.1:PORT;
#                                             prints MPEGFLOW_TEST_DATABASE_URL=<superuser URL> (for eval)
#   scripts/test-postgres.sh start DIR PORT CERT KEY
#                                             the same with TLS (ssl=on, the PEM certificate and key
#                                             copied into DIR/tls): TCP clients must use TLS (hostssl
#                                             only); later `start DIR PORT` keeps TLS on
#   scripts/test-postgres.sh stop DIR         pg_ctl stop -m immediate (an outage, not a clean stop);
#                                             the data stays in DIR: `start DIR PORT` again recovers it
# TCP on loopback only, with a password (scram-sha-256, so password tests are real); the unix
# socket in DIR trusts. fsync=off: a test server, not one to keep. As root the server runs as
# the `postgres` OS user (DIR is chowned to it). Progress and errors go to stderr.
# Used by .ci/run (one server for the whole run) and test/helpers/postgres-server.ts.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
PASSWORD=mpegflow-test-password
die() {
  echo "test-postgres.sh: $*" >&2
  exit 1
}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

[ "$#" -ge 2 ] || die "usage: test-postgres.sh start DIR PORT | stop DIR"
cmd=$1
[ -x "$BIN/initdb" ] || die "no $BIN/initdb: apt-get install postgresql (Debian's PostgreSQL 15)"
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as"; fi
mkdir -p "$2"
DIR=$(cd "$2" && pwd -P)
DATA=$DIR/data
[ "$(id -u)" != 0 ] || chown postgres: "$DIR"
cd "$DIR" # the server's working directory must be readable by the postgres user

running() { [ -s "$DATA/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

case $cmd in
  start)
    [ "$#" -eq 3 ] || [ "$#" -eq 5 ] || die "usage: test-postgres.sh start DIR PORT [CERT KEY]"
    PORT=$3
    case $PORT in '' | *[!0-9]*) die "PORT must be a number, got '$PORT'" ;; esac
    if [ "$#" -eq 5 ]; then
      [ -s "$4" ] && [ -s "$5" ] || die "no certificate '$4' or key '$5'"
      mkdir -p "$DIR/tls"
      cp "$4" "$DIR/tls/server.crt"
      cp "$5" "$DIR/tls/server.key"
      chmod 600 "$DIR/tls/server.key" # the server refuses a key others can read
      [ "$(id -u)" != 0 ] || chown -R postgres: "$DIR/tls"
    fi
    if running; then
      up=$(sed -n 4p "$DATA/postmaster.pid")
      [ "$up" = "$PORT" ] || die "the server in $DATA already runs on port $up"
    else
      if [ ! -s "$DATA/PG_VERSION" ]; then
        (umask 077 && printf '%s\n' "$PASSWORD" >"$DIR/pwfile")
        [ "$(id -u)" != 0 ] || chown postgres: "$DIR/pwfile"
        as_postgres "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$DIR/pwfile" --auth-host=scram-sha-256 --auth-local=trust \
          --no-locale -E UTF8 --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
        rm -f "$DIR/pwfile"
      fi
      opts="-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR' -c fsync=off -c full_page_writes=off"
      if [ -s "$DIR/tls/server.crt" ]; then
        # TLS only over TCP: initdb's `host` lines become `hostssl` (the unix socket in DIR still trusts).
        as_postgres sed -i 's/^host\([[:space:]]\)/hostssl\1/' "$DATA/pg_hba.conf"
        opts="$opts -c ssl=on -c ssl_cert_file='$DIR/tls/server.crt' -c ssl_key_file='$DIR/tls/server.key'"
      fi
      if ! as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -o "$opts" -w -t 60 start >/dev/null; then
        tail -n 20 "$DIR/server.log" >&2 || true
        die "the server in $DATA did not start on 127.0.0.1:$PORT"
      fi
    fi
    echo "MPEGFLOW_TEST_DATABASE_URL=postgres://postgres:$PASSWORD@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    if running; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null; fi
    ;;
  *) die "unknown command '$cmd' (start or stop)" ;;
esac
