#!/usr/bin/env bash
# RA-TLS on loopback against real OpenSSL peers and between two uattest peers (sim evidence):
#  1. openssl s_client completes a TLS 1.3 handshake with `ratls_peer server`;
#  2. `ratls_peer client` verifies `openssl s_server` serving a uattest-made RA-TLS certificate,
#     and refuses it serving a plain self-signed certificate;
#  3. mutual RA-TLS between `ratls_peer server` and `ratls_peer client` (two sim keys, each trusted
#     by the other side) succeeds, and fails when one side's sim key is not trusted.
# Every server listens on a free port (port 0) and reports it; everything is cleaned up on exit.
set -euo pipefail
P=${1:?usage: ratls_openssl.sh ratls_peer}
OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.out; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }

wait_port() { # FILE -> the port written there by ratls_peer server
    for _ in $(seq 200); do
        [ -s "$1" ] && { tr -d '\n' <"$1"; return 0; }
        sleep 0.05
    done
    fail "no port in $1"
}

wait_accept() { # s_server output FILE -> its port
    for _ in $(seq 200); do
        line=$(grep -m1 '^ACCEPT' "$1" 2>/dev/null || true)
        [ -n "$line" ] && { echo "${line##*:}"; return 0; }
        sleep 0.05
    done
    fail "s_server did not start: $(cat "$1")"
}

# s_server ends its connection when its stdin ends: give every server a stdin that stays open
mkfifo "$work/stdin"
exec 7<>"$work/stdin"

# start NAME CMD... : runs a server in the background, output in $work/NAME.out
start() {
    local name=$1; shift
    "$@" <&7 >"$work/$name.out" 2>&1 &
    pids+=($!)
    last=$!
}

# finish PID -> its exit status in $code
finish() {
    set +e
    wait "$1"; code=$?
    set -e
}

# sim state directories: A and B each get their own key; their anchors are <dir>/trust/sim/
"$P" cert "$work/A" "$work/a.der" "$work/a.key" p384 >/dev/null || fail "cert A"
"$P" cert "$work/B" "$work/b.der" "$work/b.key" >/dev/null || fail "cert B"
[ -s "$work/A/trust/sim/sim-root.pem" ] && [ -s "$work/B/trust/sim/sim-root.pem" ] || fail "no anchors"

# 1. openssl s_client -> ratls_peer server
start srv1 "$P" server "$work/port1" --state "$work/A"
srv=$last
port=$(wait_port "$work/port1")
# stdin stays open a moment so the echo comes back before s_client closes the connection
(echo hello; sleep 1) | timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$port" -tls1_3 \
    >"$work/sclient.out" 2>&1 || true
finish "$srv"
[ "$code" -eq 0 ] || fail "ratls_peer server exit $code"
grep -q "TLSv1.3" "$work/sclient.out" || fail "s_client did not negotiate TLS 1.3"
grep -q "server: handshake ok" "$work/srv1.out" || fail "server handshake"
grep -q "^hello" "$work/sclient.out" || fail "no echo to s_client"
grep -q "uattest RA-TLS" "$work/sclient.out" || fail "s_client did not see the RA-TLS certificate"
echo "ok - openssl s_client: TLS 1.3 handshake and echo with ratls_peer server"

# 2. ratls_peer client -> openssl s_server with a uattest-made certificate, then a plain one
"$OPENSSL" x509 -inform DER -in "$work/a.der" -out "$work/uattest-made.pem"
start ssrv1 "$OPENSSL" s_server -accept 127.0.0.1:0 -cert "$work/uattest-made.pem" \
    -key "$work/a.key" -tls1_3 -naccept 1
ssrv=$last
port=$(wait_accept "$work/ssrv1.out")
timeout 30 "$P" client 127.0.0.1 "$port" --trust "$work/A/trust" >"$work/client2.out" 2>&1 ||
    fail "ratls_peer client against s_server: $(cat "$work/client2.out")"
grep -q "server verified: tee=sim" "$work/client2.out" || fail "no verified claims"
kill "$ssrv" 2>/dev/null || true
echo "ok - ratls_peer client verifies openssl s_server with a uattest RA-TLS certificate"

"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=plain -days 1 \
    -keyout "$work/plain.key" -out "$work/plain.pem" 2>/dev/null
start ssrv2 "$OPENSSL" s_server -accept 127.0.0.1:0 -cert "$work/plain.pem" \
    -key "$work/plain.key" -tls1_3 -naccept 1
ssrv=$last
port=$(wait_accept "$work/ssrv2.out")
set +e
timeout 30 "$P" client 127.0.0.1 "$port" --trust "$work/A/trust" >"$work/client3.out" 2>&1
code=$?
set -e
kill "$ssrv" 2>/dev/null || true
[ "$code" -eq 1 ] || fail "client accepted a plain self-signed certificate (exit $code)"
grep -q "VERIFY_BINDING" "$work/client3.out" || fail "plain certificate: $(cat "$work/client3.out")"
echo "ok - ratls_peer client refuses a plain self-signed certificate (VERIFY_BINDING)"

# 3. mutual RA-TLS: server A trusts B, client B trusts A
start srv4 "$P" server "$work/port4" --state "$work/A" --trust "$work/B/trust" --key rsa
srv=$last
port=$(wait_port "$work/port4")
timeout 30 "$P" client 127.0.0.1 "$port" --state "$work/B" --trust "$work/A/trust" \
    --message "mutual hello" >"$work/client4.out" 2>&1 || fail "mutual client"
finish "$srv"
[ "$code" -eq 0 ] || fail "mutual server exit $code"
grep -q "client: echo ok" "$work/client4.out" || fail "mutual echo"
grep -q "client verified: tee=sim" "$work/srv4.out" || fail "server did not verify the client"
echo "ok - mutual RA-TLS between two sim peers"

# ... fails when the server does not trust the client's sim key
start srv5 "$P" server "$work/port5" --state "$work/A" --trust "$work/A/trust"
srv=$last
port=$(wait_port "$work/port5")
set +e
timeout 30 "$P" client 127.0.0.1 "$port" --state "$work/B" --trust "$work/A/trust" \
    --message "hello" >"$work/client5.out" 2>&1
ccode=$?
set -e
finish "$srv"
[ "$code" -eq 1 ] || fail "server accepted an untrusted client (exit $code)"
grep -q "VERIFY_UNTRUSTED_KEY" "$work/srv5.out" || fail "server error: $(cat "$work/srv5.out")"
[ "$ccode" -ne 0 ] || fail "client completed an exchange the server refused"
echo "ok - mutual RA-TLS fails when the client's sim key is not trusted"

# ... and when the client does not trust the server's sim key
start srv6 "$P" server "$work/port6" --state "$work/A" --trust "$work/B/trust"
srv=$last
port=$(wait_port "$work/port6")
set +e
timeout 30 "$P" client 127.0.0.1 "$port" --state "$work/B" --trust "$work/B/trust" \
    >"$work/client6.out" 2>&1
ccode=$?
set -e
finish "$srv"
[ "$ccode" -eq 1 ] && grep -q "VERIFY_UNTRUSTED_KEY" "$work/client6.out" ||
    fail "client accepted an untrusted server: $(cat "$work/client6.out")"
[ "$code" -ne 0 ] || fail "server completed a handshake the client refused"
echo "ok - mutual RA-TLS fails when the server's sim key is not trusted"
