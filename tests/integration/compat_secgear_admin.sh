#!/usr/bin/env bash
# secGear's admin routes on uattestd (docs/compat.md), driven with curl as secGear's tools send
# them, behind our admin token: POST /reference sets reference values, POST /policy stores an
# appraisal policy (GET /policy reads it back), both in the store /v1 uses; then a secGear
# challenge -> attestation naming that policy passes with matching evidence and fails the policy
# (no token) otherwise, and a reference changed through /reference takes effect at once.
# /resource/storage: Add, Modify, VendorGet, TeeGet (a JWE to the token's bound key, opened with
# `jose jwe dec`), Delete. Without a token: 401; with a token that is not an admin's: 403; bad
# input: a named error and nothing written.
# usage: compat_secgear_admin.sh UATTESTD UATTEST
UATTESTD=$1
UATTEST=$2
. "$(dirname "$0")/service_lib.sh"
. "$(dirname "$0")/secgear_lib.sh"
command -v jose >/dev/null || fail "the jose command-line tool is required"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
AUTH=(-H "Authorization: Bearer $ADMIN")
JSON=(-H 'Content-Type: application/json')
curl -s "$A/v1/jwks" >"$work/jwks.json"

# ---- 1. admin authentication on every admin route
for r in "POST /reference {\"refs\":\"{}\"}" "POST /policy {}" "GET /policy {}" \
    "POST /resource/storage {}" "GET /resource/storage {\"VendorGet\":{\"vendor\":\"oeas\"}}" \
    "POST /resource/policy \"GetAll\"" "GET /resource/policy \"GetAll\""; do
    read -r m p b <<<"$r"
    expect "$(req "$m" "$A$p" "${JSON[@]}" --data-binary "$b")" 401 USAGE_UNAUTHENTICATED "$m $p, no token"
    expect "$(req "$m" "$A$p" -H 'Authorization: Bearer uata_not-an-admin' --data-binary "$b")" \
        403 USAGE_FORBIDDEN "$m $p, not an admin token"
done
echo "ok - every secGear admin route: 401 without a token, 403 with a token that is not an admin's"

# ---- 2. POST /reference: "<tee>.<claim path>" -> reference value document secgear.<tee>
MEAS=$(printf sg-demo | sha384sum | cut -d' ' -f1)
refs() { "$PY" -c 'import json,sys; print(json.dumps({"refs":sys.argv[1]}))' "$1"; }
expect "$(req POST "$A/reference" "${AUTH[@]}" "${JSON[@]}" \
    --data-binary "$(refs "{\"sim.measurement\":\"$MEAS\"}")")" 200 "" "POST /reference"
[ "$(cat "$work/body")" = "set reference success" ] || fail "POST /reference: $(cat "$work/body")"
expect "$(req GET "$A/v1/reference-values/secgear.sim" "${AUTH[@]}")" 200 "" "GET the document"
[ "$(jget "$work/body" values measurement)" = "[\"$MEAS\"]" ] || fail "refs: $(cat "$work/body")"
cp "$work/body" "$work/rv-before.json"
# a key of an unknown TEE next to a good one: nothing is written
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary \
    "$(refs '{"sim.signer":"00","nosuchtee.measurement":"00"}')")" 415 UNSUPPORTED_TEE "unknown TEE"
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary "$(refs '{"sim.signer":{"a":1}}')")" \
    400 USAGE_INVALID_ARGUMENT "an object as value"
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary "$(refs '{"simmeasurement":"00"}')")" \
    400 USAGE_INVALID_ARGUMENT "a key without a TEE"
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary '{"refs":"not json"}')" 400 \
    PARSE_BAD_JSON "refs not JSON text"
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary '{"refs":"{}","x":1}')" 400 \
    PARSE_BAD_JSON "an unknown member"
expect "$(req GET "$A/v1/reference-values/secgear.sim" "${AUTH[@]}")" 200 "" "GET the document"
cmp -s "$work/body" "$work/rv-before.json" || fail "a refused /reference wrote: $(cat "$work/body")"
echo "ok - POST /reference writes /v1/reference-values/secgear.sim; refused input writes nothing"

# ---- 3. POST /policy (base64url of a uattest policy), GET /policy, the same store as /v1
# strict: an executable measurement nobody approved is contraindicated (the default: warning)
POLICY='{"id":"sg:strict","trustworthiness":{"executables":[{"reference":["measurement"],"match":2,"mismatch":96,"absent":96}]}}'
P64=$(printf %s "$POLICY" | b64u)
expect "$(req POST "$A/policy" "${AUTH[@]}" "${JSON[@]}" \
    --data-binary "{\"tee\":\"sim\",\"id\":\"strict.rego\",\"policy\":\"$P64\"}")" 200 "" "POST /policy"
[ "$(cat "$work/body")" = "set policy success" ] || fail "POST /policy: $(cat "$work/body")"
expect "$(req GET "$A/policy" "${AUTH[@]}" --data-binary '{"policy_id":"strict.rego"}')" 200 "" "GET /policy"
[ "$(cat "$work/body")" = "$P64" ] || fail "GET /policy: $(cat "$work/body")"
expect "$(req GET "$A/v1/policies/strict.rego" "${AUTH[@]}")" 200 "" "GET /v1/policies"
[ "$(cat "$work/body")" = "$POLICY" ] || fail "/v1/policies: $(cat "$work/body")"
REGO=$(printf 'package attestation\ndefault allow = false\n' | b64u)
expect "$(req POST "$A/policy" "${AUTH[@]}" --data-binary \
    "{\"tee\":\"sim\",\"id\":\"r.rego\",\"policy\":\"$REGO\"}")" 501 UNSUPPORTED_FEATURE "a Rego policy"
expect "$(req GET "$A/policy" "${AUTH[@]}" --data-binary '{"policy_id":"r.rego"}')" 404 \
    USAGE_NOT_FOUND "the refused policy is not stored"
expect "$(req POST "$A/policy" "${AUTH[@]}" --data-binary '{"tee":"sim","id":"x","policy":"*"}')" \
    400 PARSE_BAD_ENCODING "policy not base64url"
expect "$(req POST "$A/policy" "${AUTH[@]}" --data-binary "{\"id\":\"../x\",\"policy\":\"$P64\"}")" \
    400 USAGE_INVALID_ARGUMENT "a bad id"
echo "ok - POST /policy stores a uattest policy under its secGear id; GET /policy returns it; Rego is refused"

# ---- 4. challenge -> attestation under the stored policy and references
attest_sg() { # NAME MEASURE: POST /attestation of sim evidence measuring MEASURE, policy strict.rego
    local c
    c=$(get_challenge "$work/jar-$1")
    sim_cmw "$c" "$work/ev-$1.json" -O measure="$2"
    body "$c" "$(envelope sim "$(cat "$work/ev-$1.json")")" '["strict.rego"]' >"$work/att-$1.json"
    req POST "$A/attestation" -b "$work/jar-$1" -H 'as-challenge: as' "${JSON[@]}" \
        --data-binary @"$work/att-$1.json"
}
expect "$(attest_sg good sg-demo)" 200 "" "attestation, matching measurement"
tr -d '\n' <"$work/body" >"$work/good.jwt"
jose jws ver -i "$work/good.jwt" -k "$work/jwks.json" -O "$work/good.json" || fail "jose jws ver"
grep -q '"ear.status":"affirming"' "$work/good.json" || fail "not affirming: $(cat "$work/good.json")"
grep -q '"ear.appraisal-policy-id":"sg:strict"' "$work/good.json" || fail "not the stored policy"
expect "$(attest_sg bad something-else)" 403 VERIFY_POLICY "attestation, other measurement"
grep -q '^ey' "$work/body" && fail "a contraindicated result got a token"
# the policy named by policy_id decides: a lenient one only warns about the same evidence
LENIENT='{"id":"sg:lenient","trustworthiness":{"executables":[{"reference":["measurement"],"match":2,"mismatch":33}]}}'
expect "$(req POST "$A/policy" "${AUTH[@]}" --data-binary \
    "{\"tee\":\"sim\",\"id\":\"lenient.rego\",\"policy\":\"$(printf %s "$LENIENT" | b64u)\"}")" \
    200 "" "POST /policy (lenient)"
c=$(get_challenge "$work/jar-len")
sim_cmw "$c" "$work/ev-len.json" -O measure=something-else
body "$c" "$(envelope sim "$(cat "$work/ev-len.json")")" '["lenient.rego"]' >"$work/att-len.json"
expect "$(req POST "$A/attestation" -b "$work/jar-len" --data-binary @"$work/att-len.json")" 200 "" \
    "the lenient policy"
tr -d '\n' <"$work/body" >"$work/len.jwt"
jose jws ver -i "$work/len.jwt" -k "$work/jwks.json" -O "$work/len.json" || fail "jose jws ver (lenient)"
grep -q '"ear.status":"warning"' "$work/len.json" || fail "lenient: $(cat "$work/len.json")"
MEAS2=$(printf sg-demo-2 | sha384sum | cut -d' ' -f1)
expect "$(req POST "$A/reference" "${AUTH[@]}" --data-binary \
    "$(refs "{\"sim.measurement\":[\"$MEAS2\"]}")")" 200 "" "POST /reference (new measurement)"
expect "$(attest_sg old sg-demo)" 403 VERIFY_POLICY "the replaced measurement"
expect "$(attest_sg new sg-demo-2)" 200 "" "the new measurement"
echo "ok - secGear challenge -> attestation under policy strict.rego: affirming token, VERIFY_POLICY without one; /reference takes effect at once"

# ---- 5. /resource/storage
st_body() { printf '{"op":%s,"resource":{"vendor":%s,"path":"%s"}}' "$1" "$2" "$3"; }
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Add":{"content":"sg secret one","policy":[]}}' null key/one)")" 200 "" "Add"
[ "$(cat "$work/body")" = successful ] || fail "Add: $(cat "$work/body")"
expect "$(req GET "$A/v1/resources/oeas/key/one" "${AUTH[@]}")" 200 "" "the admin view"
[ "$(jget "$work/body" policy)" = '{"status": ["affirming"]}' ] || fail "policy: $(cat "$work/body")"
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Add":{"content":"x","policy":["oeas/a.rego"]}}' '"oeas"' key/two)")" 501 \
    UNSUPPORTED_FEATURE "Add with a Rego policy"
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Bind":{"policy":["oeas/a.rego"]}}' null key/one)")" 501 UNSUPPORTED_FEATURE Bind
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Add":{"content":"x","policy":[]}}' null ../etc)")" 400 USAGE_INVALID_ARGUMENT \
    "a path with .."
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Modify":{"content":"x"}}' null key/none)")" 404 USAGE_NOT_FOUND "Modify, no such resource"
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '{"Modify":{"content":"sg secret two"}}' '""' key/one)")" 200 "" Modify
expect "$(req GET "$A/resource/storage" "${AUTH[@]}" --data-binary '{"VendorGet":{"vendor":"oeas"}}')" \
    200 "" VendorGet
[ "$(cat "$work/body")" = '["oeas/key/one"]' ] || fail "VendorGet: $(cat "$work/body")"
expect "$(req POST "$A/resource/policy" "${AUTH[@]}" --data-binary '"GetAll"')" 501 \
    UNSUPPORTED_FEATURE "/resource/policy"
echo "ok - /resource/storage Add, Modify, VendorGet; Rego policies, Bind and bad paths refused"

# TeeGet with an EAR token that binds the workload's key (from /v1/attest): a JWE of the content
workload_key
challenge n1 "$A"
collect "$work/n1.nonce" "$work/ev1.json" --runtime-data "$work/runtime.json" -O measure=sg-demo-2
attest_body "$work/att1.json" "$work/n1.nonce" "$work/ev1.json" "$work/runtime.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att1.json")" 200 "" "attest with a bound key"
jget "$work/body" token | tr -d '\n' >"$work/wl.jwt"
TEEGET='{"TeeGet":{"resource":{"vendor":null,"path":"key/one"}}}'
expect "$(req GET "$A/resource/storage" -H "Authorization: Bearer $(cat "$work/wl.jwt")" \
    --data-binary "$TEEGET")" 200 "" TeeGet
jget "$work/body" >"$work/r.jwe"
[ "$(jose jwe dec -i "$work/r.jwe" -k "$work/wl.jwk")" = "sg secret two" ] || fail "the JWE does not open"
expect "$(req GET "$A/resource/storage" -H "Authorization: Bearer $(cat "$work/good.jwt")" \
    --data-binary "$TEEGET")" 403 VERIFY_BINDING "TeeGet, a token that binds no key"
expect "$(req GET "$A/resource/storage" --data-binary "$TEEGET")" 401 USAGE_UNAUTHENTICATED \
    "TeeGet without a token"
expect "$(req POST "$A/resource/storage" "${AUTH[@]}" --data-binary \
    "$(st_body '"Delete"' null key/one)")" 200 "" Delete
expect "$(req GET "$A/resource/storage" -H "Authorization: Bearer $(cat "$work/wl.jwt")" \
    --data-binary "$TEEGET")" 404 USAGE_NOT_FOUND "TeeGet after Delete"
echo "ok - TeeGet releases the content as a JWE to the token's bound key (jose jwe dec); never without one"

# a clean stop (a sanitizer build reports leaks and errors here, in the exit status and the log)
for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "uattestd exited with $? on SIGTERM"; done
pids=()
! grep -q 'Sanitizer' "$work"/*.log || fail "sanitizer report in the server log"
echo "ok - uattestd stops cleanly"
