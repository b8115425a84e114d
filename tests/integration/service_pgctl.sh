#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests (tests/unit/test_store.c) and the replica test
# (service_pg.sh): initdb in a fresh temp dir, postgres on a free loopback port (and a Unix socket
# in that dir), trust authentication for the `uattest` superuser, nothing else listening.
#
#   service_pgctl.sh start [OWNER_PID]  prints "DIR URI": the server's dir and its connection URI
#                                       (database `postgres`); with OWNER_PID, a watchdog stops
#                                       the server and removes DIR when that process ends
#   service_pgctl.sh stop DIR           stops the server and removes DIR
#
# Sourced, it defines pgctl_start / pgctl_stop (the same, setting PG_DIR and PG_URI).
#
# PostgreSQL refuses to run as root: as root, initdb and postgres run as the `postgres` system
# user (created by the Debian package) through runuser. The binaries are found in $UAT_PG_BIN,
# else the newest /usr/lib/postgresql/*/bin (Debian), else $PATH. A missing server is an error,
# not a skip: scripts/install-deps.sh installs it.

pgctl_bin() {
    local d
    if [ -n "${UAT_PG_BIN:-}" ]; then
        echo "$UAT_PG_BIN"
        return
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
        echo "$d"
    elif command -v pg_ctl >/dev/null; then
        dirname "$(command -v pg_ctl)"
    else
        echo "service_pgctl: no PostgreSQL server binaries (initdb, pg_ctl): run scripts/install-deps.sh" >&2
        return 1
    fi
}

# as the unprivileged owner of the cluster
pgctl_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pgctl_free_port() {
    local py=python3
    [ -x /usr/bin/python3 ] && py=/usr/bin/python3 # not a version manager's slow shim
    "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pgctl_start [OWNER_PID]: sets PG_DIR and PG_URI, or returns 1 with the reason on stderr
pgctl_start() {
    local bin owner=${1:-} port try
    bin=$(pgctl_bin) || return 1
    if [ ! -c /dev/null ]; then
        # initdb runs shell commands that write to /dev/null
        echo "service_pgctl: /dev/null is not a character device on this machine (was it replaced by a file?)" >&2
        return 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "service_pgctl: running as root and there is no postgres user to run the server" >&2
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/uat-pg.XXXXXX) || return 1
    chmod 0755 "$PG_DIR"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR"
    if ! pgctl_as "$bin/initdb" -D "$PG_DIR/data" -U uattest --auth=trust -E UTF8 --locale=C -N \
        >"$PG_DIR/initdb.log" 2>&1; then
        echo "service_pgctl: initdb failed:" >&2
        tail -n 20 "$PG_DIR/initdb.log" >&2
        rm -rf "$PG_DIR"
        return 1
    fi
    for try in 1 2 3 4 5; do
        port=$(pgctl_free_port)
        if pgctl_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c max_connections=120 -c shared_buffers=16MB" \
            start >"$PG_DIR/pg_ctl.log" 2>&1; then
            PG_URI="postgresql://uattest@127.0.0.1:$port/postgres"
            if [ -n "$owner" ]; then
                # stops the server when the owner dies without stopping it (a crashed test)
                setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2/data" ]; do sleep 1; done
                    [ -d "$2/data" ] || exit 0
                    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$3/pg_ctl" -D "$2/data" -m immediate stop
                    else "$3/pg_ctl" -D "$2/data" -m immediate stop; fi
                    rm -rf "$2"' pgctl-watchdog "$owner" "$PG_DIR" "$bin" </dev/null >/dev/null 2>&1 &
            fi
            return 0
        fi
        grep -q "already in use" "$PG_DIR/server.log" 2>/dev/null || break
    done
    echo "service_pgctl: postgres did not start:" >&2
    tail -n 20 "$PG_DIR/server.log" "$PG_DIR/pg_ctl.log" >&2 2>/dev/null
    rm -rf "$PG_DIR"
    return 1
}

# pgctl_stop DIR: fast shutdown (connections are closed), then the dir goes
pgctl_stop() {
    local dir=${1:-} bin
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    case "$dir" in /tmp/uat-pg.*) ;; *) echo "service_pgctl: not a server dir: $dir" >&2; return 1 ;; esac
    bin=$(pgctl_bin) || return 1
    if [ -f "$dir/data/postmaster.pid" ]; then
        pgctl_as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            pgctl_as "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    case "${1:-}" in
    start)
        pgctl_start "${2:-}" || exit 1
        echo "$PG_DIR $PG_URI"
        ;;
    stop) pgctl_stop "${2:-}" ;;
    *)
        echo "usage: $0 start [OWNER_PID] | stop DIR" >&2
        exit 2
        ;;
    esac
fi
