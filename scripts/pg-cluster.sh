#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for bantin's tests.
#
#   scripts/pg-cluster.sh start DIR   initdb into DIR (as an unprivileged
#                                     user when run as root), start it on a
#                                     free port, print its URL
#   scripts/pg-cluster.sh stop DIR    stop it and remove DIR
#
# Typical use:  export BANTIN_TEST_POSTGRES=$(scripts/pg-cluster.sh start /tmp/pg)
#               go test ./db/...;  scripts/pg-cluster.sh stop /tmp/pg
set -euo pipefail
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?start or stop}
dir=${2:?directory}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown nobody "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U bantin --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" start >/dev/null
  echo "postgres://bantin@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
