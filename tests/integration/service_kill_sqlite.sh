#!/usr/bin/env bash
# kill -9 of a single uattestd on its default SQLite store during a bounded load of admin writes
# (reference values, resources) and attestations: after the restart every write acknowledged before
# the kill reads back intact, and every attestation answered 200 keeps its nonce spent (the used
# nonces are committed in groups: an answer means its group was durable first).
set -euo pipefail
UATTESTD=${1:?usage: service_kill_sqlite.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: service_kill_sqlite.sh path/to/uattestd path/to/uattest}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>>"$work/a.log")
[[ "$ADMIN" == uata_* ]] || fail "--init-admin printed no token"
PA=$(free_port)
start a --listen "127.0.0.1:$PA" --data-dir "$work/a" --trust "$work/sim/trust" --threads 8
A=http://127.0.0.1:$PA

attest_prepare "$A" 12
load_tag=sqlite
victim=${svc_pid[a]}
kill_during_load "$A" 60
attested=$(attested_count)
[ "$attested" -ge 3 ] || fail "only $attested attestations were answered before the kill"
start a --listen "127.0.0.1:$PA" --data-dir "$work/a" --trust "$work/sim/trust"
n=$(check_acked "$A" "after the restart")
[ "$n" -ge "$killed_at" ] || fail "$n acknowledged writes checked, $killed_at counted at the kill"
r=$(check_replays "$A" "after the restart")
echo "ok - kill -9 after $killed_at acknowledged writes and $attested attestations: all $n writes read back after the restart, all $r nonces stay spent"

# the database is consistent (WAL replayed at open)
if command -v sqlite3 >/dev/null; then
    [ "$(sqlite3 "$work/a/uattest.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
    echo "ok - PRAGMA integrity_check after the crash"
fi

kill -TERM "${svc_pid[a]}"
wait "${svc_pid[a]}" || fail "uattestd exited with $? on SIGTERM"
pids=()
echo "ok - SIGTERM stops the restarted server cleanly"
