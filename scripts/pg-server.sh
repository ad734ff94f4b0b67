#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL server for tests, benchmarks and `make run DB=postgres`: a cluster in
# DIR/data, listening on a Unix socket in DIR/sock only (no TCP port at all), trust
# authentication for the cluster's own superuser `postq`, logs in DIR/log.
#
#   pg-server.sh start DIR            initdb on first use, start, wait until it answers; print
#                                     the URI of its `postgres` database. Already running: just
#                                     print the URI.
#   pg-server.sh stop DIR             stop it (fast shutdown); fine when it is not running
#   pg-server.sh url DIR [DB]         the URI of database DB (default postgres)
#   pg-server.sh createdb DIR NAME    a fresh, empty database NAME (dropped first if it exists);
#                                     print its URI
#
# PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` system user
# (Debian's package makes it), else `nobody`, and DIR is handed to that user. Every parent of
# DIR must let that user through (mode o+x), so as root a DIR under a private directory (such as
# mktemp -d's 0700 ones) fails with a message saying so. fsync is on unless POSTQ_PG_FSYNC=off
# (test runs use that for speed: a test's database dies with the run; benchmarks keep it on).
# POSTQ_PG_EXTRA adds server options at start, e.g. "-c shared_preload_libraries=pg_stat_statements"
# to see a benchmark's cost per statement (docs/transparency.md#cost).
# A missing PostgreSQL is an error (exit 1) with a message, never a silent skip.
set -euo pipefail

die() { echo "pg-server: $*" >&2; exit 1; }

bindir() {
    local d
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] ||
        die "PostgreSQL is not installed (no pg_ctl or initdb; scripts/install-deps.sh installs Debian's postgresql)"
    echo "$d"
}

psql_bin() {
    if command -v psql >/dev/null 2>&1; then command -v psql; else echo "$(bindir)/psql"; fi
}

[ $# -ge 2 ] || die "usage: pg-server.sh start|stop|url|createdb DIR [NAME]"
cmd=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
SOCK=$DIR/sock
DATA=$DIR/data
# A Unix socket path holds at most 107 bytes: DIR/sock/.s.PGSQL.5432
[ ${#SOCK} -le 90 ] || die "$DIR is too long a path for a Unix socket directory (at most 81 bytes)"

RUN=()
if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    RUN=(runuser -u "$user" --)
fi

url() { # DB
    echo "postgresql:///$1?host=$SOCK&user=postq"
}

running() {
    [ -f "$DATA/postmaster.pid" ] && "${RUN[@]}" "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

case $cmd in
start)
    if running; then
        url postgres
        exit 0
    fi
    B=$(bindir)
    if [ ${#RUN[@]} -gt 0 ]; then
        # The server's user must reach DIR through every parent directory.
        p=$DIR
        while [ "$p" != / ]; do
            p=$(dirname "$p")
            "${RUN[@]}" test -x "$p" ||
                die "$p is not open to user ${RUN[2]} (PostgreSQL cannot run as root): put DIR elsewhere or chmod o+x $p"
        done
        chown "${RUN[2]}" "$DIR"
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
        rm -rf "$DATA"
        "${RUN[@]}" mkdir -p "$SOCK"
        "${RUN[@]}" "$B/initdb" -D "$DATA" -U postq -A trust -E UTF8 --locale=C --no-sync \
            >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    "${RUN[@]}" mkdir -p "$SOCK"
    fsync=on
    [ "${POSTQ_PG_FSYNC:-on}" = off ] && fsync=off
    # listen_addresses='': no TCP socket; the Unix socket is mode 0777 inside DIR/sock, which
    # the server's user owns (0755), so clients of any user on this host can connect.
    if ! "${RUN[@]}" "$B/pg_ctl" -D "$DATA" -l "$DIR/log" -w -t 30 -s start -o \
        "-c listen_addresses='' -c unix_socket_directories='$SOCK' -c max_connections=200 -c fsync=$fsync -c synchronous_commit=on -c full_page_writes=$fsync ${POSTQ_PG_EXTRA:-}" \
        >/dev/null; then
        tail -n 20 "$DIR/log" >&2 || true
        die "PostgreSQL did not start (log: $DIR/log)"
    fi
    url postgres
    ;;
stop)
    if running; then
        "${RUN[@]}" "$(bindir)/pg_ctl" -D "$DATA" -m fast -w -t 30 -s stop >/dev/null ||
            die "PostgreSQL did not stop (log: $DIR/log)"
    fi
    ;;
url)
    url "${3:-postgres}"
    ;;
createdb)
    [ $# -eq 3 ] || die "usage: pg-server.sh createdb DIR NAME"
    case $3 in *[!a-z0-9_]* | '') die "database names here are [a-z0-9_]+: $3" ;; esac
    running || die "no PostgreSQL running in $DIR (pg-server.sh start $DIR)"
    PGOPTIONS="-c client_min_messages=warning" "$(psql_bin)" "$(url postgres)" -XAtq -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $3 WITH (FORCE)" -c "CREATE DATABASE $3" >/dev/null ||
        die "cannot create database $3"
    url "$3"
    ;;
*)
    die "usage: pg-server.sh start|stop|url|createdb DIR [NAME]"
    ;;
esac
