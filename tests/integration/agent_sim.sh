#!/usr/bin/env bash
# uattest-agent end to end on loopback with the sim TEE (docs/agent.md): uattestd on a free port,
# the agent on a Unix socket in a temporary directory, curl --unix-socket as the workload.
# Evidence verifies with `uattest verify`; the token verifies with `jose jws ver` against the
# service's JWKS and is cached (the service's attest counter moves once for two calls); the
# resource comes back as the plaintext the admin stored; sealed data opens again (and with `jose
# jwe dec` and the sealing key); a process outside the socket's group gets EACCES; the service
# killed -> IO_NETWORK with retries and backoff in the log, restarted -> the agent recovers; a
# short token lifetime -> the token is renewed before it expires without a client asking.
set -euo pipefail
UATTESTD=${1:?usage: agent_sim.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
UATTEST=${2:?usage: agent_sim.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
AGENT=${3:?usage: agent_sim.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

# shellcheck source=agent_lib.sh
. "$(dirname "$0")/agent_lib.sh"
sock="$work/run/agent.sock"

# ---- the service, its sim trust anchor, reference values, a resource and the sealing key
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
TTL=15 # long enough for the cache checks on a loaded machine (renewal at TTL - 2 s)
start a --data-dir "$work/a" --trust "$work/sim/trust" --token-ttl "$TTL"
A=$(url http a)
PORT=$(cat "$work/a.port")
AUTH=(-H "Authorization: Bearer $ADMIN")
MEAS=$(printf agent-demo | sha384sum | cut -d' ' -f1)
expect "$(req PUT "$A/v1/reference-values/agent-demo" "${AUTH[@]}" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" "PUT reference values"
SECRET="the database password: correct horse battery staple"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["sim"],"measurement":["%s"]}}' \
    "$(printf %s "$SECRET" | b64u)" "$MEAS" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/apps/demo/db" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource"
head -c 32 /dev/urandom >"$work/seal.key"
printf '{"secret":"%s","policy":{"status":["affirming"],"measurement":["%s"]}}' \
    "$(b64u <"$work/seal.key")" "$MEAS" >"$work/sealres.json"
expect "$(req PUT "$A/v1/resources/agent/seal-key" "${AUTH[@]}" --data-binary @"$work/sealres.json")" \
    201 "" "PUT the sealing key"
echo "ok - uattestd on $A with reference values, a resource and a sealing key"

# ---- the agent: socket group 4242 when root (nobody is outside it), else our own group
GROUP=$(id -g)
[ "$(id -u)" -ne 0 ] || GROUP=4242
mkdir -p "$work/run"
chmod 0711 "$work"
chmod 0755 "$work/run"
cat >"$work/agent.json" <<EOF
{
  "socket": {"path": "$sock", "group": "$GROUP"},
  "tcp": "127.0.0.1:0",
  "service": {"url": "$A", "kind": "uattestd"},
  "attester": {"tee": "sim", "state_dir": "$work/sim", "options": {"measure": "agent-demo"}},
  "token": {"refresh_margin": 2},
  "retry": {"attempts": 3, "initial_ms": 100, "max_ms": 400},
  "seal": {"resource": "agent/seal-key", "key": "resource"}
}
EOF
"$AGENT" --help | grep -q 'GET /token' || fail "--help"
start_agent
[ -S "$sock" ] || fail "no socket at $sock"
[ "$(stat -c '%a %g' "$sock")" = "660 $GROUP" ] || fail "socket mode/group: $(stat -c '%a %g' "$sock")"
grep -q '"msg":"listening"' "$work/agent.log" || fail "no JSON 'listening' log line"
expect "$(areq GET /healthz)" 200 "" healthz
grep -q '"tee":"sim"' "$work/body" || fail "healthz: $(cat "$work/body")"
TCP=$(cat "$work/agent.ready")
[ "$TCP" -gt 0 ] || fail "no TCP port in the ready file"
expect "$(req GET "http://127.0.0.1:$TCP/healthz")" 200 "" "healthz over loopback TCP"
grep -q '"route":"healthz","method":"GET","status":"200","ms":"[0-9.]*","peer":"tcp"' "$work/agent.log" ||
    fail "the TCP request is not logged as such"
echo "ok - the agent listens on a 0660 socket of group $GROUP and on loopback TCP port $TCP"

# ---- evidence for a nonce and runtime data, verified by the CLI
printf '{"app":"demo","pubkey":"abc"}' >"$work/rd.json"
expect "$(areq POST /evidence --data-binary "{\"nonce\":\"nonce-123\",\"runtime_data\":\"$(b64u <"$work/rd.json")\"}")" \
    200 "" "POST /evidence"
cp "$work/body" "$work/ev.json"
"$UATTEST" verify --compact --trust "$work/sim/trust" --nonce nonce-123 --runtime-data "$work/rd.json" \
    "$work/ev.json" >"$work/claims.json" || fail "the agent's evidence does not verify"
grep -q '"tee":"sim"' "$work/claims.json" || fail "claims: $(head -c 300 "$work/claims.json")"
if "$UATTEST" verify --trust "$work/sim/trust" --nonce nonce-124 --runtime-data "$work/rd.json" \
    "$work/ev.json" >/dev/null 2>&1; then
    fail "the evidence verifies for another nonce"
fi
expect "$(areq POST /evidence --data-binary '{"nonce":"n","runtime_data":"not base64!"}')" 400 \
    PARSE_BAD_ENCODING "bad runtime_data"
expect "$(areq POST /evidence --data-binary '{"nonce":""}')" 400 USAGE_INVALID_ARGUMENT "empty nonce"
expect "$(areq POST /evidence --data-binary '{"nonce":"n","extra":1}')" 400 PARSE_BAD_JSON "unknown member"
expect "$(areq POST /evidence --data-binary '{"nonce":')" 400 PARSE_BAD_JSON "malformed JSON"
echo "ok - POST /evidence: CMW evidence bound to SHA-256(nonce || runtime data); bad bodies named"

# ---- the token: verified by jose against the service's JWKS, cached
before=$(attest_count)
# four workloads ask at once for the first token, a fifth right after them: one attestation
# (the checks come after the calls: the token lifetime is short)
par=()
for i in 1 2 3 4; do
    curl -s --unix-socket "$sock" -o "$work/par.$i" -w '%{http_code}' http://agent/token >"$work/par.$i.code" &
    par+=($!)
done
wait "${par[@]}"
expect "$(areq GET /token)" 200 "" "GET /token again"
after=$(attest_count)
jget "$work/body" token | tr -d '\n' >"$work/t2.jwt"
for i in 1 2 3 4; do
    [ "$(cat "$work/par.$i.code")" = 200 ] || fail "parallel GET /token $i: $(cat "$work/par.$i")"
    jget "$work/par.$i" token | tr -d '\n' | cmp -s - "$work/t2.jwt" ||
        fail "GET /token $i and the fifth call got different tokens"
done
[ "$after" -eq $((before + 1)) ] || fail "attestations: $before -> $after for five calls"
cp "$work/par.1" "$work/body"
cp "$work/t2.jwt" "$work/t1.jwt"
[ "$(jget "$work/body" status)" = affirming ] || fail "token status: $(cat "$work/body")"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/t1.jwt" -k "$work/jwks.json" -O "$work/payload.json" || fail "jose jws ver"
grep -q '"ear.veraison.key-attestation"' "$work/payload.json" || fail "no agent key bound in the EAR"
echo "ok - GET /token: an EAR that jose verifies with the service's JWKS; cached (one attestation for 4 parallel calls and a fifth)"

# ---- the resource, decrypted by the agent
expect "$(areq GET /resource/apps/demo/db)" 200 "" "GET /resource"
[ "$(cat "$work/body")" = "$SECRET" ] || fail "resource plaintext: $(head -c 200 "$work/body")"
expect "$(areq GET /resource/apps/none)" 404 USAGE_NOT_FOUND "missing resource"
expect "$(areq GET /resource/a/../etc --path-as-is)" 400 USAGE_INVALID_ARGUMENT "resource path with .."
echo "ok - GET /resource: the plaintext the admin stored, opened with the agent's own key"

# ---- sealing under the resource key
msg="workload state $(date +%s%N)"
expect "$(areq POST /seal --data-binary "{\"data\":\"$(printf %s "$msg" | b64u)\"}")" 200 "" seal
jget "$work/body" sealed | tr -d '\n' >"$work/sealed.jwe"
grep -q "$(printf %s "$msg" | b64u)" "$work/sealed.jwe" && fail "the sealed data shows the plaintext"
expect "$(areq POST /unseal --data-binary "{\"sealed\":\"$(cat "$work/sealed.jwe")\"}")" 200 "" unseal
[ "$(jget "$work/body" data | unb64u)" = "$msg" ] || fail "unseal: $(cat "$work/body")"
printf '{"kty":"oct","k":"%s"}' "$(b64u <"$work/seal.key")" >"$work/seal.jwk"
[ "$(jose jwe dec -i "$work/sealed.jwe" -k "$work/seal.jwk")" = "$msg" ] ||
    fail "jose cannot open the sealed JWE with the sealing key"
s=$(cat "$work/sealed.jwe")
c=${s: -5:1}
[ "$c" = A ] && c=B || c=A
expect "$(areq POST /unseal --data-binary "{\"sealed\":\"${s:0:${#s}-5}$c${s: -4}\"}")" 403 \
    VERIFY_SIGNATURE "tampered sealed data"
expect "$(areq POST /unseal --data-binary '{"sealed":"a.b.c"}')" 400 PARSE_BAD_VALUE "not a JWE"
echo "ok - seal/unseal round trip; the JWE opens with jose and the key; a changed byte is VERIFY_SIGNATURE"

# ---- sealing under the TEE's sealing key (sim offers one: docs/agent.md), by a second agent with
# no seal resource; the first agent holds the same identity and opens it; an agent whose
# measurement differs cannot
main_sock=$sock
main_pid=$agent_pid
tee_agent() { # NAME MEASURE: an agent on its own socket sealing with the TEE key
    sed -e "s|$main_sock|$work/run/$1.sock|" -e "s|\"agent-demo\"|\"$2\"|" \
        -e 's|"seal": {.*}|"seal": {"key": "tee"}|' "$work/agent.json" >"$work/$1.json"
    start_agent "$work/$1.json"
    sock="$work/run/$1.sock"
}
tee_agent tee1 agent-demo
expect "$(areq POST /seal --data-binary "{\"data\":\"$(printf %s "$msg" | b64u)\"}")" 200 "" "seal (TEE key)"
jget "$work/body" sealed | tr -d '\n' >"$work/tee.jwe"
[ "$(cut -d. -f1 "$work/tee.jwe" | unb64u | jq -r .kid)" = "tee:sim" ] || fail "kid: $(cat "$work/tee.jwe")"
expect "$(areq POST /unseal --data-binary "{\"sealed\":\"$(cat "$work/tee.jwe")\"}")" 200 "" "unseal (TEE key)"
[ "$(jget "$work/body" data | unb64u)" = "$msg" ] || fail "unseal (TEE key): $(cat "$work/body")"
if jose jwe dec -i "$work/tee.jwe" -k "$work/seal.jwk" >/dev/null 2>&1; then
    fail "the resource key opens data sealed with the TEE key"
fi
sock=$main_sock
expect "$(areq POST /unseal --data-binary "{\"sealed\":\"$(cat "$work/tee.jwe")\"}")" 200 "" \
    "unseal (TEE key) by the agent of the same identity"
tee_agent tee2 another-measurement
expect "$(areq POST /unseal --data-binary "{\"sealed\":\"$(cat "$work/tee.jwe")\"}")" 403 VERIFY_SIGNATURE \
    "unseal by an agent whose measurement differs"
sock=$main_sock
agent_pid=$main_pid
echo "ok - sealing with the TEE's key (kid tee:sim): opens for the same identity, not for another measurement"

# ---- routes and methods
expect "$(areq GET /nowhere)" 404 USAGE_NOT_FOUND "unknown route"
expect "$(areq POST /token)" 405 USAGE_METHOD "wrong method"
head -c $((300 * 1024)) /dev/zero | tr '\0' a >"$work/big"
expect "$(areq POST /seal --data-binary @"$work/big")" 413 RESOURCE_LIMIT "oversized body"
echo "ok - unknown routes 404, wrong methods 405, oversized bodies 413"

# ---- the socket's group decides who may connect (SO_PEERCRED logs who did)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    probe='import socket,sys
s=socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.errno)'
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c "$probe" "$sock")
    [ "$out" = 13 ] || fail "a process outside group $GROUP: expected EACCES (13), got $out"
    code=$(setpriv --reuid=65534 --regid=65534 --groups="$GROUP" curl -s -o /dev/null \
        -w '%{http_code}' --unix-socket "$sock" http://agent/healthz)
    [ "$code" = 200 ] || fail "a member of group $GROUP got HTTP $code"
    grep -q '"route":"healthz".*"uid":"65534","gid":"65534"' "$work/agent.log" ||
        fail "the peer's uid/gid is not logged"
    echo "ok - uid 65534 outside group $GROUP gets EACCES; inside it is served and logged by SO_PEERCRED"
else
    echo "ok - # SKIP the group refusal needs root (setpriv); mode and group checked above"
fi

# ---- a token expiring mid-run is renewed before its exp without a client asking
n0=$(grep -c '"msg":"token issued"' "$work/agent.log")
for _ in $(seq 300); do
    [ "$(grep -c '"msg":"token issued"' "$work/agent.log")" -gt "$n0" ] && break
    sleep 0.1
done
[ "$(grep -c '"msg":"token issued"' "$work/agent.log")" -gt "$n0" ] ||
    fail "the token was not renewed in the background"
expect "$(areq GET /token)" 200 "" "GET /token after renewal"
jget "$work/body" token | tr -d '\n' >"$work/t3.jwt"
cmp -s "$work/t1.jwt" "$work/t3.jwt" && fail "still the first token after its renewal"
jose jws ver -i "$work/t3.jwt" -k "$work/jwks.json" || fail "the renewed token does not verify"
echo "ok - the token (lifetime ${TTL}s) is renewed in the background before it expires"

# ---- the service goes down: named error, retries with backoff; it comes back: recovery
kill "${svc_pid[a]}"
wait "${svc_pid[a]}" 2>/dev/null || true
code=""
for _ in $(seq 100); do # the cached token is served until it expires
    code=$(areq GET /token)
    [ "$code" = 502 ] && break
    [ "$code" = 200 ] || fail "GET /token with the service down: HTTP $code $(cat "$work/body")"
    sleep 0.2
done
expect "$code" 502 IO_NETWORK "GET /token with the service down"
grep -q 'agent.service' "$work/body" || fail "the error does not name the check: $(cat "$work/body")"
expect "$(areq GET /resource/apps/demo/db)" 502 IO_NETWORK "GET /resource with the service down"
grep -q '"msg":"renewal failed: serving the cached token","error":"IO_NETWORK"' "$work/agent.log" ||
    fail "the still valid token was not served while its renewal failed"
grep -q '"msg":"service unavailable: retrying".*"retry_in_ms":"100"' "$work/agent.log" ||
    fail "no retry after 100 ms logged"
grep -q '"msg":"service unavailable: retrying".*"retry_in_ms":"200"' "$work/agent.log" ||
    fail "no doubled backoff (200 ms) logged"
grep -q '"msg":"token renewal failed".*"retry_in_ms":"400"' "$work/agent.log" ||
    fail "the background renewal does not back off to the 400 ms cap"
grep -q '"retry_in_ms":"800"' "$work/agent.log" && fail "the backoff passed its cap"
expect "$(areq GET /healthz)" 200 "" "healthz with the service down"
echo "ok - service down: the cached token is served until it expires; then GET /token and /resource are 502 IO_NETWORK after retries with exponential, capped backoff"

start a --listen "127.0.0.1:$PORT" --data-dir "$work/a" --trust "$work/sim/trust" --token-ttl "$TTL"
code=""
for _ in $(seq 100); do
    code=$(areq GET /token)
    [ "$code" = 200 ] && break
    sleep 0.2
done
expect "$code" 200 "" "GET /token after the service came back"
jget "$work/body" token | tr -d '\n' >"$work/t4.jwt"
jose jws ver -i "$work/t4.jwt" -k <(curl -s "$A/v1/jwks") || fail "the token after recovery does not verify"
expect "$(areq GET /resource/apps/demo/db)" 200 "" "GET /resource after recovery"
[ "$(cat "$work/body")" = "$SECRET" ] || fail "resource after recovery"
echo "ok - the service back on its port: the agent recovers (token and resource)"

# ---- configuration errors are named; a clean stop removes the socket
if "$AGENT" --config /dev/null --service "$A" >/dev/null 2>&1; then fail "an empty config file was accepted"; fi
printf '{"socket":{"path":"%s/x.sock","mode":"0777"}}' "$work/run" >"$work/bad.json"
set +e
"$AGENT" --config "$work/bad.json" --service "$A" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q 'unknown key "mode"' "$work/bad.err" || fail "unknown config key: rc $rc $(cat "$work/bad.err")"
printf '{"service":{"url":"%s","kind":"veraison"}}' "$A" >"$work/sg.json"
set +e
"$AGENT" --config "$work/sg.json" --socket "$work/run/k.sock" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" -eq 9 ] || # the exit code of the UNSUPPORTED category (include/uattest/err.h)
    fail "service.kind veraison: rc $rc $(cat "$work/bad.err")"
set +e
"$AGENT" --config "$work/agent.json" --socket "$work/run/t.sock" --listen 0.0.0.0:0 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q 'loopback only' "$work/bad.err" || fail "non-loopback TCP: rc $rc $(cat "$work/bad.err")"
[ -e "$work/run/t.sock" ] && fail "a failed start left its socket"
set +e
"$AGENT" --config "$work/agent.json" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q 'in use by another process' "$work/bad.err" || fail "a second agent on a live socket: rc $rc"
[ -S "$sock" ] || fail "the second agent removed the live socket"
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not exit cleanly"
[ -e "$sock" ] && fail "the socket file is left behind"
grep -q '"msg":"stopping"' "$work/agent.log" || fail "no stopping log line"
echo "ok - config errors are usage errors; SIGTERM stops the agent and removes its socket"
