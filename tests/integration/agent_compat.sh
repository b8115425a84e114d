#!/usr/bin/env bash
# uattest-agent with service.kind "kbs" and "secgear" (docs/agent.md). KBS: the agent is the
# Trustee-style client of uattestd's KBS protocol v0.4.0 front-end (/kbs/v0: auth with the session
# cookie, attest with report data = SHA-384(JCS(runtime data)) zero-padded, resource as Trustee's
# flattened JWE).
# The token verifies with `jose jws ver` against the service's JWKS and carries the agent's
# tee-pubkey where Trustee looks for it; it is cached; the resource comes back in plaintext;
# refusals come back under their names; without service.jwks_url the agent says it does not
# verify tokens. secGear: GET /challenge (cookie) -> POST /attestation with the evidence envelope
# -> the JWT text, verified by jose and cached; resources are refused (secGear binds no key).
set -euo pipefail
UATTESTD=${1:?usage: agent_compat.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
UATTEST=${2:?usage: agent_compat.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
AGENT=${3:?usage: agent_compat.sh path/to/uattestd path/to/uattest path/to/uattest-agent}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"
# shellcheck source=agent_lib.sh
. "$(dirname "$0")/agent_lib.sh"
sock="$work/agent.sock"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
AUTH=(-H "Authorization: Bearer $ADMIN")
MEAS=$(printf agent-kbs | sha384sum | cut -d' ' -f1)
expect "$(req PUT "$A/v1/reference-values/agent-kbs" "${AUTH[@]}" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" "PUT reference values"
SECRET="kbs secret $(date +%s%N)"
printf '{"secret":"%s","policy":{"status":["affirming"],"measurement":["%s"]}}' \
    "$(printf %s "$SECRET" | b64u)" "$MEAS" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/default/key/one" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource"
cat >"$work/agent.json" <<EOF
{
  "socket": {"path": "$sock"},
  "service": {"url": "$A", "kind": "kbs", "tee": "sample", "jwks_url": "$A/v1/jwks"},
  "attester": {"tee": "sim", "state_dir": "$work/sim", "options": {"measure": "agent-kbs"}}
}
EOF
start_agent
echo "ok - uattestd on $A; the agent speaks the KBS protocol to it"

# ---- the token, through auth -> attest, cached
expect "$(areq GET /token)" 200 "" "GET /token"
jget "$work/body" token | tr -d '\n' >"$work/t1.jwt"
expect "$(areq GET /token)" 200 "" "GET /token again"
jget "$work/body" token | tr -d '\n' | cmp -s - "$work/t1.jwt" || fail "the second call got another token"
[ "$(attest_count kbs-attest)" = 1 ] || fail "kbs-attest answered 200 $(attest_count kbs-attest) times"
[ "$(attest_count kbs-auth)" = 1 ] || fail "kbs-auth answered 200 $(attest_count kbs-auth) times"
[ "$(attest_count attest)" = 0 ] || fail "the agent used /v1/attest"
[ "$(jget "$work/body" status)" = affirming ] || fail "status: $(cat "$work/body")"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/t1.jwt" -k "$work/jwks.json" -O "$work/claims.json" || fail "jose jws ver"
"$PY" - "$work/claims.json" <<'PY' || fail "the tee-pubkey is not where Trustee looks for it"
import json, sys
c = json.load(open(sys.argv[1]))
k = c["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"]
assert k["kty"] == "EC" and k["crv"] == "P-256" and k["alg"] == "ECDH-ES+A256KW" and "d" not in k, k
PY
grep -q '"msg":"token issued","kind":"kbs","status":"affirming".*"verified":"jwks"' "$work/agent.log" ||
    fail "no verified KBS token in the log"
echo "ok - GET /token: KBS auth -> attest (one of each for two calls); jose verifies the EAR; tee-pubkey at submods/cpu0"

# ---- the resource: Trustee's flattened JWE, opened by the agent
expect "$(areq GET /resource/default/key/one)" 200 "" "GET /resource"
[ "$(cat "$work/body")" = "$SECRET" ] || fail "resource plaintext: $(head -c 200 "$work/body")"
expect "$(areq GET /resource/default/key)" 400 USAGE_INVALID_ARGUMENT "two-segment KBS path"
expect "$(areq GET /resource/default/key/none)" 404 USAGE_NOT_FOUND "missing KBS resource"
echo "ok - GET /resource: the KBS resource in plaintext; a bad path and a missing resource are named"

# ---- a refused attestation comes back under its name; nothing is cached
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
sed 's/"measure": "agent-kbs"/"measure": "something-else"/' "$work/agent.json" >"$work/bad.json"
expect "$(req PUT "$A/v1/resources/default/key/two" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource two"
start_agent "$work/bad.json"
expect "$(areq GET /token)" 403 VERIFY_POLICY "GET /token for another measurement"
grep -q 'agent.service' "$work/body" || fail "the refusal does not name the agent's check: $(cat "$work/body")"
expect "$(areq GET /resource/default/key/two)" 403 VERIFY_POLICY "GET /resource for another measurement"
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
echo "ok - the KBS refusing the evidence is VERIFY_POLICY (403) to the workload"

# ---- without service.jwks_url the agent takes the token unverified, and says so
sed 's/, "jwks_url": "[^"]*"//' "$work/agent.json" >"$work/nojwks.json"
grep -q jwks_url "$work/nojwks.json" && fail "sed did not drop jwks_url"
start_agent "$work/nojwks.json"
grep -q '"level":"warn","msg":"tokens are not verified by the agent: set service.jwks_url"' \
    "$work/agent.log" || fail "no warning about unverified tokens"
expect "$(areq GET /token)" 200 "" "GET /token unverified"
grep -q '"msg":"token issued","kind":"kbs".*"verified":"no"' "$work/agent.log" ||
    fail "the unverified token is not logged as such"
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not exit cleanly"
echo "ok - without service.jwks_url the token is read unverified (as Trustee's client does) and logged so"

# ---- secGear: GET /challenge -> POST /attestation
cat >"$work/sg.json" <<EOF
{
  "socket": {"path": "$sock"},
  "service": {"url": "$A", "kind": "secgear", "jwks_url": "$A/v1/jwks"},
  "attester": {"tee": "sim", "state_dir": "$work/sim", "options": {"measure": "agent-kbs"}}
}
EOF
start_agent "$work/sg.json"
expect "$(areq GET /token)" 200 "" "GET /token (secgear)"
jget "$work/body" token | tr -d '\n' >"$work/t3.jwt"
[ "$(jget "$work/body" status)" = affirming ] || fail "secgear status: $(cat "$work/body")"
expect "$(areq GET /token)" 200 "" "GET /token again (secgear)"
jget "$work/body" token | tr -d '\n' | cmp -s - "$work/t3.jwt" || fail "secgear: the second call got another token"
[ "$(attest_count secgear-attestation)" = 1 ] ||
    fail "secgear-attestation answered 200 $(attest_count secgear-attestation) times"
jose jws ver -i "$work/t3.jwt" -k "$work/jwks.json" || fail "jose jws ver (secgear token)"
expect "$(areq GET /resource/default/key/one)" 501 UNSUPPORTED_FEATURE "resource with secgear"
kill -TERM "$agent_pid"
wait "$agent_pid" || fail "the agent did not exit cleanly"
echo "ok - secgear: GET /challenge -> POST /attestation; the JWT verifies with jose and is cached; resources are UNSUPPORTED_FEATURE"
