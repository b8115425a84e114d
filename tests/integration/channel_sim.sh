#!/usr/bin/env bash
# `uattest channel listen|connect` between two processes on a free loopback port (sim TEE, two sim
# keys A and B, each trusted by the other side):
#  1. mutual attestation succeeds, both print the negotiated mechanisms and the peer's claims,
#     and application data flows (--message echoed by --echo);
#  2. pipe mode: the listener's stdout gets what the connecting side sent;
#  3. an untrusted peer key is refused with its named error on one side and an alert on the other;
#  4. no common mechanism ends both sides with UNSUPPORTED_NO_COMMON_MECHANISM;
#  5. reference values the peer misses end the run with VERIFY_POLICY.
set -euo pipefail
U=${1:?usage: channel_sim.sh path/to/uattest}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.out "$work"/*.err; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

wait_port() { # FILE -> the port the listener wrote there
    for _ in $(seq 200); do
        [ -s "$1" ] && { tr -d '\n' <"$1"; return 0; }
        sleep 0.05
    done
    fail "no port in $1"
}
finish() { set +e; wait "$1"; code=$?; set -e; }

side() { echo --attest sim --state-dir "$work/$1" -O measure=channel-test --trust "$work/$2/trust"; }
# listen NAME STATE TRUST [ARGS...]: background listener; $lpid, $port
listen() {
    local name=$1 st=$2 tr=$3; shift 3
    rm -f "$work/$name.port"
    # shellcheck disable=SC2046
    "$U" channel listen --port-file "$work/$name.port" $(side "$st" "$tr") "$@" \
        <"${STDIN:-/dev/null}" >"$work/$name.out" 2>"$work/$name.err" &
    lpid=$!
    pids+=("$lpid")
    port=$(wait_port "$work/$name.port")
}

for s in A B; do # each state directory gets its sim key and trust anchor
    "$U" collect --tee sim --state-dir "$work/$s" --report-data 00 >/dev/null || fail "collect $s"
done

# 1. success with application data
listen l1 B A --echo
# shellcheck disable=SC2046
"$U" channel connect 127.0.0.1 "$port" $(side A B) --message hello-channel \
    >"$work/c1.out" 2>"$work/c1.err" || fail "connect exit $?"
finish "$lpid"
[ "$code" -eq 0 ] || fail "listen exit $code"
grep -qx hello-channel "$work/c1.out" || fail "no echo"
for f in c1 l1; do
    grep -q "this side attested with sim, the peer with sim" "$work/$f.err" || fail "$f: mechanisms"
    grep -q '"tee": "sim"' "$work/$f.err" || fail "$f: peer claims"
done
echo "ok - channel listen/connect: mutual attestation, negotiated mechanisms, echo"

# 2. pipe mode: stdin of the connecting side -> stdout of the listener, whose own stdin stays open
#    (a terminal): it ends when the connecting side's stdin ends and that side closes
mkfifo "$work/stdin"
exec 7<>"$work/stdin"
STDIN=$work/stdin listen l2 B A
printf 'line one\nline two\n' >"$work/in.txt"
# shellcheck disable=SC2046
"$U" channel connect 127.0.0.1 "$port" $(side A B) --quiet <"$work/in.txt" \
    >"$work/c2.out" 2>"$work/c2.err" || fail "pipe connect exit $?"
finish "$lpid"
[ "$code" -eq 0 ] || fail "pipe listen exit $code"
cmp -s "$work/in.txt" "$work/l2.out" || fail "pipe mode: the listener printed $(cat "$work/l2.out")"
echo "ok - pipe mode carries stdin to the peer's stdout"

# 3. the listener does not trust A's key
listen l3 B B --echo
set +e
# shellcheck disable=SC2046
"$U" channel connect 127.0.0.1 "$port" $(side A B) --message x >"$work/c3.out" 2>"$work/c3.err"
ccode=$?
set -e
finish "$lpid"
[ "$code" -eq 4 ] && grep -q VERIFY_UNTRUSTED_KEY "$work/l3.err" || fail "untrusted: listen exit $code"
[ "$ccode" -eq 6 ] && grep -q IO_PEER_ALERT "$work/c3.err" && grep -q VERIFY_UNTRUSTED_KEY "$work/c3.err" ||
    fail "untrusted: connect exit $ccode"
echo "ok - an untrusted peer is refused: VERIFY_UNTRUSTED_KEY here, IO_PEER_ALERT naming it there"

# 4. no common mechanism: the connecting side accepts only tpm
listen l4 B A --echo
set +e
# shellcheck disable=SC2046
"$U" channel connect 127.0.0.1 "$port" $(side A B) --accept tpm --message x >"$work/c4.out" 2>"$work/c4.err"
ccode=$?
set -e
finish "$lpid"
[ "$code" -eq 9 ] && grep -q UNSUPPORTED_NO_COMMON_MECHANISM "$work/l4.err" || fail "no mechanism: listen exit $code"
[ "$ccode" -eq 9 ] && grep -q UNSUPPORTED_NO_COMMON_MECHANISM "$work/c4.err" || fail "no mechanism: connect exit $ccode"
echo "ok - no common mechanism: UNSUPPORTED_NO_COMMON_MECHANISM on both sides"

# 5. reference values the connecting side's measurement misses
echo '{"id":"app","tee":"sim","values":{"measurement":["00"]}}' >"$work/rv.json"
listen l5 B A --echo --reference-values "$work/rv.json"
set +e
# shellcheck disable=SC2046
"$U" channel connect 127.0.0.1 "$port" $(side A B) --message x >"$work/c5.out" 2>"$work/c5.err"
ccode=$?
set -e
finish "$lpid"
[ "$code" -eq 4 ] && grep -q VERIFY_POLICY "$work/l5.err" || fail "policy: listen exit $code"
[ "$ccode" -eq 6 ] && grep -q VERIFY_POLICY "$work/c5.err" || fail "policy: connect exit $ccode"
echo "ok - a peer that misses the reference values is refused with VERIFY_POLICY"
