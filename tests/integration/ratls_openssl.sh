#!/usr/bin/env bash
# RA-TLS on loopback against real OpenSSL peers and between two uattest peers (sim evidence):
#  1. openssl s_client completes a TLS 1.3 handshake with `uattest ratls server`;
#  2. `uattest ratls client` verifies `openssl s_server` serving a uattest-made RA-TLS certificate,
#     and refuses it serving a plain self-signed certificate;
#  3. mutual RA-TLS between `uattest ratls server` and `uattest ratls client` (two sim keys, each
#     trusted by the other side) succeeds, and fails when one side's sim key is not trusted;
#  4. `uattest ratls verify` on a uattest-made certificate and on the corpus rats-tls certificate.
# Every server listens on a free port (port 0) and reports it; everything is cleaned up on exit.
set -euo pipefail
U=${1:?usage: ratls_openssl.sh uattest corpus}
C=${2:?}
OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.out; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }

wait_port() { # FILE -> the port written there by uattest ratls server
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

# the uattest CLI as an RA-TLS peer with the sim TEE of a state directory
cert() { "$U" ratls cert --tee sim --state-dir "$1" -O measure=ratls-test --out "$2" --key-out "$3" "${@:4}"; }
server() { local pf=$1 st=$2; shift 2; "$U" ratls server --port-file "$pf" --tee sim --state-dir "$st" -O measure=ratls-test "$@"; }
client() { local port=$1; shift; "$U" ratls client 127.0.0.1 "$port" "$@"; }
peer() { echo --tee sim --state-dir "$1" -O measure=ratls-test; }

# sim state directories: A and B each get their own key; their anchors are <dir>/trust/sim/
cert "$work/A" "$work/a.der" "$work/a.key" --key p384 >/dev/null || fail "cert A"
cert "$work/B" "$work/b.der" "$work/b.key" >/dev/null || fail "cert B"
[ -s "$work/A/trust/sim/sim-root.pem" ] && [ -s "$work/B/trust/sim/sim-root.pem" ] || fail "no anchors"

# 1. openssl s_client -> uattest ratls server
start srv1 server "$work/port1" "$work/A"
srv=$last
port=$(wait_port "$work/port1")
# stdin stays open a moment so the echo comes back before s_client closes the connection
(echo hello; sleep 1) | timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$port" -tls1_3 \
    >"$work/sclient.out" 2>&1 || true
finish "$srv"
[ "$code" -eq 0 ] || fail "uattest ratls server exit $code"
grep -q "TLSv1.3" "$work/sclient.out" || fail "s_client did not negotiate TLS 1.3"
grep -q "server: handshake ok" "$work/srv1.out" || fail "server handshake"
grep -q "^hello" "$work/sclient.out" || fail "no echo to s_client"
grep -q "uattest RA-TLS" "$work/sclient.out" || fail "s_client did not see the RA-TLS certificate"
echo "ok - openssl s_client: TLS 1.3 handshake and echo with uattest ratls server"

# 2. uattest ratls client -> openssl s_server with a uattest-made certificate, then a plain one
"$OPENSSL" x509 -inform DER -in "$work/a.der" -out "$work/uattest-made.pem"
start ssrv1 "$OPENSSL" s_server -accept 127.0.0.1:0 -cert "$work/uattest-made.pem" \
    -key "$work/a.key" -tls1_3 -naccept 1
ssrv=$last
port=$(wait_accept "$work/ssrv1.out")
timeout 30 "$U" ratls client 127.0.0.1 "$port" --trust "$work/A/trust" >"$work/client2.out" 2>&1 ||
    fail "uattest ratls client against s_server: $(cat "$work/client2.out")"
grep -q "server verified: tee=sim" "$work/client2.out" || fail "no verified claims"
kill "$ssrv" 2>/dev/null || true
echo "ok - uattest ratls client verifies openssl s_server with a uattest RA-TLS certificate"

"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=plain -days 1 \
    -keyout "$work/plain.key" -out "$work/plain.pem" 2>/dev/null
start ssrv2 "$OPENSSL" s_server -accept 127.0.0.1:0 -cert "$work/plain.pem" \
    -key "$work/plain.key" -tls1_3 -naccept 1
ssrv=$last
port=$(wait_accept "$work/ssrv2.out")
set +e
timeout 30 "$U" ratls client 127.0.0.1 "$port" --trust "$work/A/trust" >"$work/client3.out" 2>&1
code=$?
set -e
kill "$ssrv" 2>/dev/null || true
[ "$code" -eq 4 ] || fail "client accepted a plain self-signed certificate (exit $code)"
grep -q "VERIFY_BINDING" "$work/client3.out" || fail "plain certificate: $(cat "$work/client3.out")"
echo "ok - uattest ratls client refuses a plain self-signed certificate (VERIFY_BINDING)"

# 3. mutual RA-TLS: server A trusts B, client B trusts A
start srv4 server "$work/port4" "$work/A" --trust "$work/B/trust" --key rsa
srv=$last
port=$(wait_port "$work/port4")
timeout 30 "$U" ratls client 127.0.0.1 "$port" $(peer "$work/B") --trust "$work/A/trust" \
    --message "mutual hello" >"$work/client4.out" 2>&1 || fail "mutual client"
finish "$srv"
[ "$code" -eq 0 ] || fail "mutual server exit $code"
grep -q "client: echo ok" "$work/client4.out" || fail "mutual echo"
grep -q "client verified: tee=sim" "$work/srv4.out" || fail "server did not verify the client"
echo "ok - mutual RA-TLS between two sim peers"

# ... fails when the server does not trust the client's sim key
start srv5 server "$work/port5" "$work/A" --trust "$work/A/trust"
srv=$last
port=$(wait_port "$work/port5")
set +e
timeout 30 "$U" ratls client 127.0.0.1 "$port" $(peer "$work/B") --trust "$work/A/trust" \
    --message "hello" >"$work/client5.out" 2>&1
ccode=$?
set -e
finish "$srv"
[ "$code" -eq 4 ] || fail "server accepted an untrusted client (exit $code)"
grep -q "VERIFY_UNTRUSTED_KEY" "$work/srv5.out" || fail "server error: $(cat "$work/srv5.out")"
[ "$ccode" -ne 0 ] || fail "client completed an exchange the server refused"
echo "ok - mutual RA-TLS fails when the client's sim key is not trusted"

# ... and when the client does not trust the server's sim key
start srv6 server "$work/port6" "$work/A" --trust "$work/B/trust"
srv=$last
port=$(wait_port "$work/port6")
set +e
timeout 30 "$U" ratls client 127.0.0.1 "$port" $(peer "$work/B") --trust "$work/B/trust" \
    >"$work/client6.out" 2>&1
ccode=$?
set -e
finish "$srv"
[ "$ccode" -eq 4 ] && grep -q "VERIFY_UNTRUSTED_KEY" "$work/client6.out" ||
    fail "client accepted an untrusted server: $(cat "$work/client6.out")"
[ "$code" -ne 0 ] || fail "server completed a handshake the client refused"
echo "ok - mutual RA-TLS fails when the server's sim key is not trusted"

# 4. uattest ratls verify: a uattest-made certificate, and the corpus rats-tls certificate (its own
#    validity window for the certificate, the collateral window for the evidence)
"$U" ratls verify --trust "$work/A/trust" "$work/a.der" >"$work/verify1.out" 2>&1 ||
    fail "ratls verify: $(cat "$work/verify1.out")"
grep -q '"tee": "sim"' "$work/verify1.out" || fail "ratls verify claims"
R3="$C/ra-tls/r3-rats-tls-interop.pem"
"$U" ratls verify --trust "$C/intel-sgx-dcap/trust" --collateral "$C/intel-sgx-dcap/s3-occlum-v3-platform" \
    --at 2025-09-01T00:00:00Z --cert-at 2023-06-01T00:00:00Z "$R3" >"$work/verify2.out" 2>&1 ||
    fail "ratls verify r3: $(cat "$work/verify2.out")"
grep -q '38e1b40b8c68186f359c97ecb6a89965d9d8638f2df06fbe18e84d79a266c041' "$work/verify2.out" ||
    fail "r3 MRENCLAVE"
set +e
"$U" ratls verify --trust "$C/intel-sgx-dcap/trust" --collateral "$C/intel-sgx-dcap/s3-occlum-v3-platform" \
    --at 2025-09-01T00:00:00Z "$R3" >/dev/null 2>"$work/verify3.out"; code=$?
set -e
[ "$code" -eq 4 ] && grep -q VERIFY_EXPIRED "$work/verify3.out" || fail "expired r3: $(cat "$work/verify3.out")"
echo "ok - uattest ratls verify: uattest-made and rats-tls certificates; an expired certificate is refused"

# 5. mutual RA-TLS with appraisal: the server accepts the client only when the client's evidence
#    matches its reference values (sim measurement = SHA-384 of the "measure" option)
m=$(printf 'ratls-test' | "$OPENSSL" dgst -sha384 -r | cut -d' ' -f1)
printf '{"id":"peer","tee":"sim","values":{"measurement":["%s"]}}' "$m" >"$work/rv-ok.json"
printf '{"id":"peer","tee":"sim","values":{"measurement":["%s"]}}' "$(printf '%096d' 0)" >"$work/rv-bad.json"
start srv7 server "$work/port7" "$work/A" --trust "$work/B/trust" --reference-values "$work/rv-ok.json"
srv=$last
port=$(wait_port "$work/port7")
timeout 30 "$U" ratls client 127.0.0.1 "$port" $(peer "$work/B") --trust "$work/A/trust" \
    --reference-values "$work/rv-ok.json" --message "appraised" >"$work/client7.out" 2>&1 ||
    fail "appraised mutual client: $(cat "$work/client7.out")"
finish "$srv"
[ "$code" -eq 0 ] || fail "appraised mutual server exit $code"
echo "ok - mutual RA-TLS with both peers appraised against their reference values"
start srv8 server "$work/port8" "$work/A" --trust "$work/B/trust" --reference-values "$work/rv-bad.json"
srv=$last
port=$(wait_port "$work/port8")
set +e
timeout 30 "$U" ratls client 127.0.0.1 "$port" $(peer "$work/B") --trust "$work/A/trust" \
    --message "hello" >"$work/client8.out" 2>&1
ccode=$?
set -e
finish "$srv"
[ "$code" -eq 4 ] && grep -q VERIFY_POLICY "$work/srv8.out" ||
    fail "server accepted a client whose measurement its reference values refuse: $(cat "$work/srv8.out")"
[ "$ccode" -ne 0 ] || fail "client completed an exchange the server refused"
echo "ok - mutual RA-TLS fails when the client's evidence does not match the server's reference values"
