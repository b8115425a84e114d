#!/usr/bin/env bash
# uattestd end to end on loopback with the sim TEE (docs/service.md): curl drives challenge ->
# `uattest collect --nonce --runtime-data` -> attest; the EAR token verifies with `uattest token
# verify` and `jose jws ver` against the served JWKS; an admin stores a resource and the token gets
# it as a JWE that `jose jwe dec` opens with the workload's key. Then every rejection: its error
# name, its HTTP status, and nothing written to the store.
set -euo pipefail
UATTESTD=${1:?usage: service_sim.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: service_sim.sh path/to/uattestd path/to/uattest}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

# used nonces in A's store (the database is shared read-only here: WAL allows it)
used_nonces() {
    if command -v sqlite3 >/dev/null; then
        sqlite3 "$work/a/uattest.db" 'SELECT count(*) FROM used_nonces'
    else
        echo "n/a"
    fi
}

workload_key

# ---- server A (the deployment under test) and B (another deployment key, 1 s nonces, HTTPS)
# (not -o /dev/null: the CLI writes its output by renaming a file into place)
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
[[ "$ADMIN" == uata_* ]] || fail "--init-admin printed no token"
grep -rq "$ADMIN" "$work/a" && fail "the admin token itself was stored"
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
printf '{"data_dir":"%s","trust":"%s","nonce_ttl":1,"token_ttl":60}' "$work/b" "$work/sim/trust" \
    >"$work/b.json"
start b --config "$work/b.json" --tls-cert "$work/tls.crt" --tls-key "$work/tls.key"
B=$(url https b)
BC=(--cacert "$work/tls.crt")
echo "ok - servers listen on $A and $B"

expect "$(req GET "$A/healthz")" 200 "" healthz
grep -q '"status":"ok"' "$work/body" || fail "healthz body"
expect "$(req GET "$A/readyz")" 200 "" readyz
expect "$(req GET "$B/healthz" "${BC[@]}")" 200 "" "healthz over HTTPS"
echo "ok - healthz, readyz, HTTPS"

# ---- 1. the round trip, with the workload key bound
challenge n1 "$A"
[ "$(wc -c <"$work/n1.nonce")" -eq 55 ] || fail "a nonce is 54 base64url characters"
collect "$work/n1.nonce" "$work/ev1.json" --runtime-data "$work/runtime.json" -O measure=svc-demo
attest_body "$work/att1.json" "$work/n1.nonce" "$work/ev1.json" "$work/runtime.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att1.json")" 200 "" attest
jget "$work/body" token | tr -d "\n" >"$work/t_warning.jwt"
[ "$(jget "$work/body" status)" = warning ] || fail "sim without reference values is a warning"
curl -s "$A/v1/jwks" >"$work/jwks.json"
"$UATTEST" token verify --jwks <(curl -s "$A/v1/jwks") "$work/t_warning.jwt" >"$work/claims.json" ||
    fail "uattest token verify"
grep -q '"ear.veraison.key-attestation"' "$work/claims.json" || fail "no bound key in the EAR"
jose jws ver -i "$work/t_warning.jwt" -k "$work/jwks.json" -O "$work/payload.json" || fail "jose jws ver"
cmp -s <(tr -d '\n' <"$work/payload.json") <(tr -d '\n' <"$work/claims.json") ||
    fail "jose and uattest see different claims"
echo "ok - challenge -> collect -> attest -> token verified by uattest and jose"

# ---- 2. reference values make the same workload affirming
MEAS=$(printf svc-demo | sha384sum | cut -d' ' -f1)
printf '{"tee":"sim","values":{"measurement":["%s"]}}' "$MEAS" >"$work/rv.json"
AUTH=(-H "Authorization: Bearer $ADMIN")
expect "$(req PUT "$A/v1/reference-values/sim-demo" "${AUTH[@]}" --data-binary @"$work/rv.json")" \
    201 "" "PUT reference values"
expect "$(req GET "$A/v1/reference-values/sim-demo" "${AUTH[@]}")" 200 "" "GET reference values"
grep -q "$MEAS" "$work/body" || fail "stored reference values"
challenge n2 "$A"
collect "$work/n2.nonce" "$work/ev2.json" --runtime-data "$work/runtime.json" -O measure=svc-demo
attest_body "$work/att2.json" "$work/n2.nonce" "$work/ev2.json" "$work/runtime.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att2.json")" 200 "" "attest (affirming)"
[ "$(jget "$work/body" status)" = affirming ] || fail "status $(jget "$work/body" status)"
jget "$work/body" token | tr -d "\n" >"$work/t_affirming.jwt"
echo "ok - reference values stored by an admin turn the result affirming"

# ---- 3. resource release: a JWE to the bound key
SECRET="the database password: correct horse battery staple"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["sim"],"measurement":["%s"]}}' \
    "$(printf %s "$SECRET" | b64u)" "$MEAS" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/apps/demo/db" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource"
expect "$(req GET "$A/v1/resources/apps/demo/db" "${AUTH[@]}")" 200 "" "admin GET resource"
grep -q secret "$work/body" && fail "the admin view shows the secret"
expect "$(req GET "$A/v1/resources/apps/demo/db" -H "Authorization: Bearer $(cat "$work/t_affirming.jwt")")" \
    200 "" "GET resource with the EAR token"
cp "$work/body" "$work/secret.jwe"
[ "$(tr -cd . <"$work/secret.jwe" | wc -c)" -eq 4 ] || fail "not a compact JWE"
[ "$(jose jwe dec -i "$work/secret.jwe" -k "$work/wl.jwk")" = "$SECRET" ] || fail "JWE does not decrypt"
echo "ok - the resource is released as a JWE that opens with the workload's private key"

# the same with an RSA workload key: RSA-OAEP-256 + A256GCM (libjose in Debian 12 has no
# RSA-OAEP, so openssl unwraps the key and Python's cryptography, when present, decrypts)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null
n=$(openssl rsa -in "$work/rsa.pem" -noout -modulus | cut -d= -f2 | xxd -r -p | b64u)
printf '{"jwk":{"kty":"RSA","n":"%s","e":"AQAB"}}' "$n" >"$work/runtime_rsa.json"
challenge n3 "$A"
collect "$work/n3.nonce" "$work/ev3.json" --runtime-data "$work/runtime_rsa.json" -O measure=svc-demo
attest_body "$work/att3.json" "$work/n3.nonce" "$work/ev3.json" "$work/runtime_rsa.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att3.json")" 200 "" "attest (RSA key)"
jget "$work/body" token | tr -d "\n" >"$work/t_rsa.jwt"
expect "$(req GET "$A/v1/resources/apps/demo/db" -H "Authorization: Bearer $(cat "$work/t_rsa.jwt")")" \
    200 "" "GET resource (RSA key)"
hdr=$(cut -d. -f1 "$work/body" | unb64u)
[ "$hdr" = '{"alg":"RSA-OAEP-256","enc":"A256GCM"}' ] || fail "RSA JWE header: $hdr"
cut -d. -f2 "$work/body" | unb64u >"$work/ek.bin"
openssl pkeyutl -decrypt -inkey "$work/rsa.pem" -in "$work/ek.bin" -out "$work/cek.bin" \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 ||
    fail "openssl cannot unwrap the RSA-OAEP-256 key"
[ "$(stat -c %s "$work/cek.bin")" -eq 32 ] || fail "the CEK is not 32 bytes"
if python3 -c 'import cryptography' 2>/dev/null; then
    got=$(python3 - "$work/body" "$work/cek.bin" <<'PY'
import base64, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
h, _, iv, ct, tag = open(sys.argv[1]).read().strip().split(".")
print(AESGCM(open(sys.argv[2], "rb").read()).decrypt(d(iv), d(ct) + d(tag), h.encode()).decode())
PY
)
    [ "$got" = "$SECRET" ] || fail "RSA JWE does not decrypt: $got"
    echo "ok - an RSA workload key gets an RSA-OAEP-256 JWE (unwrapped by openssl, opened by Python)"
else
    echo "ok - an RSA workload key gets an RSA-OAEP-256 JWE (unwrapped by openssl; no Python AES-GCM here)"
fi

# ---- 4. rejections
before=$(used_nonces)
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att1.json")" 403 VERIFY_NONCE "replayed nonce"
grep -q '"check":"nonce.used"' "$work/body" || fail "replay: check"
[ "$(used_nonces)" = "$before" ] || fail "replay wrote to the store"
echo "ok - a replayed nonce is VERIFY_NONCE (403)"

challenge nb "$B" "${BC[@]}"
collect "$work/nb.nonce" "$work/evb.json"
attest_body "$work/attb.json" "$work/nb.nonce" "$work/evb.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/attb.json")" 403 VERIFY_NONCE "foreign nonce"
grep -q '"check":"nonce.mac"' "$work/body" || fail "foreign nonce: check"
sleep 2.2
expect "$(req POST "$B/v1/attest" "${BC[@]}" --data-binary @"$work/attb.json")" 403 VERIFY_NONCE \
    "expired nonce"
grep -q '"check":"nonce.expired"' "$work/body" || fail "expired nonce: check"
[ "$(used_nonces)" = "$before" ] || fail "a refused nonce was stored"
echo "ok - a nonce of another deployment and an expired nonce are VERIFY_NONCE (403)"

challenge n4 "$A"
challenge n5 "$A"
collect "$work/n5.nonce" "$work/ev5.json" -O measure=svc-demo
attest_body "$work/att4.json" "$work/n4.nonce" "$work/ev5.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att4.json")" 403 VERIFY_BINDING \
    "evidence bound to another nonce"
[ "$(used_nonces)" = "$before" ] || fail "a binding failure spent the nonce"
collect "$work/n4.nonce" "$work/ev4.json" -O measure=svc-demo
attest_body "$work/att4.json" "$work/n4.nonce" "$work/ev4.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att4.json")" 200 "" \
    "the nonce is still good after a binding failure"
jget "$work/body" token | tr -d "\n" >"$work/t_nokey.jwt"
echo "ok - evidence for another nonce is VERIFY_BINDING (403) and spends nothing"

before=$(used_nonces)
challenge n6 "$A"
collect "$work/n6.nonce" "$work/ev6.json" -O measure=something-else
attest_body "$work/att6.json" "$work/n6.nonce" "$work/ev6.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att6.json")" 403 VERIFY_POLICY "contraindicated"
grep -q '"token"' "$work/body" && fail "a contraindicated result got a token"
grep -q 'executables' "$work/body" || fail "contraindicated: no reason: $(cat "$work/body")"
[ "$before" = n/a ] || [ "$(used_nonces)" -eq $((before + 1)) ] || fail "contraindicated: nonce not spent"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att6.json")" 403 VERIFY_NONCE \
    "a contraindicated attestation spends its nonce"
echo "ok - contraindicated evidence is VERIFY_POLICY (403) with the reason and no token"

expect "$(req PUT "$A/v1/policies/p1" --data-binary '{"id":"x","trustworthiness":{}}')" 401 \
    USAGE_UNAUTHENTICATED "admin call without a token"
expect "$(req PUT "$A/v1/policies/p1" -H "Authorization: Bearer uata_wrong" \
    --data-binary '{"id":"x","trustworthiness":{}}')" 403 USAGE_FORBIDDEN "admin call, wrong token"
expect "$(req PUT "$A/v1/policies/p1" -H "Authorization: Bearer $(cat "$work/t_affirming.jwt")" \
    --data-binary '{"id":"x","trustworthiness":{}}')" 403 USAGE_FORBIDDEN "admin call, EAR token"
expect "$(req GET "$A/v1/reference-values" -H "Authorization: Bearer uata_wrong")" 403 \
    USAGE_FORBIDDEN "admin list, wrong token"
expect "$(req GET "$A/v1/policies/p1" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "policy after refused PUTs"
echo "ok - admin calls without a token are 401, with a wrong one 403, and store nothing"

expect "$(req GET "$A/v1/resources/apps/demo/db" -H "Authorization: Bearer $(cat "$work/t_warning.jwt")")" \
    403 VERIFY_POLICY "resource, refused status"
expect "$(req GET "$A/v1/resources/apps/demo/db" -H "Authorization: Bearer $(cat "$work/t_nokey.jwt")")" \
    403 VERIFY_BINDING "resource, no bound key"
tok=$(cat "$work/t_affirming.jwt")
sig=${tok##*.}
c=${sig:10:1}
[ "$c" = A ] && c=B || c=A # a character inside the signature: any letter keeps it canonical
tampered="${tok%.*}.${sig:0:10}$c${sig:11}"
expect "$(req GET "$A/v1/resources/apps/demo/db" -H "Authorization: Bearer $tampered")" 403 \
    VERIFY_SIGNATURE "resource, tampered token"
expect "$(req GET "$A/v1/resources/apps/demo/db")" 401 USAGE_UNAUTHENTICATED "resource, no token"
echo "ok - resource fetches with a refused status, no bound key, a bad signature or no token fail"

head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$work/big"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/big")" 413 RESOURCE_LIMIT "oversized body"
expect "$(req PUT "$A/v1/resources/big" "${AUTH[@]}" -H 'Transfer-Encoding: chunked' \
    --data-binary @"$work/big")" 413 RESOURCE_LIMIT "oversized chunked body"
expect "$(req GET "$A/v1/resources/big" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "resource after 413"
expect "$(req POST "$A/v1/attest" --data-binary '{"evidence": [')" 400 PARSE_BAD_JSON "malformed JSON"
expect "$(req PUT "$A/v1/resources/bad" "${AUTH[@]}" --data-binary '{"secret":')" 400 \
    PARSE_BAD_JSON "malformed resource"
expect "$(req PUT "$A/v1/reference-values/bad" "${AUTH[@]}" --data-binary '{"tee":"sim","oops":1}')" \
    400 PARSE_BAD_VALUE "invalid reference values"
expect "$(req PUT "$A/v1/policies/bad" "${AUTH[@]}" --data-binary '{"trustworthiness": 5}')" 400 "" \
    "invalid policy"
expect "$(req GET "$A/v1/resources/bad" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "resource after 400"
expect "$(req GET "$A/v1/reference-values/bad" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "refvals after 400"
expect "$(req GET "$A/v1/policies/bad" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "policy after 400"
expect "$(req GET "$A/nowhere")" 404 USAGE_NOT_FOUND "unknown route"
expect "$(req DELETE "$A/v1/jwks")" 405 USAGE_METHOD "wrong method"
echo "ok - oversized bodies are 413 RESOURCE_LIMIT, malformed JSON 400 PARSE_BAD_JSON, nothing stored"

# ---- 5. a stored policy by id, deletes, metrics, clean shutdown
printf '{"id":"strict","trustworthiness":{"executables":[{"reference":["measurement"],"match":2,"mismatch":96,"absent":96}]}}' \
    >"$work/policy.json"
expect "$(req PUT "$A/v1/policies/strict" "${AUTH[@]}" --data-binary @"$work/policy.json")" 201 "" \
    "PUT policy"
challenge n7 "$A"
collect "$work/n7.nonce" "$work/ev7.json" -O measure=svc-demo
printf '{"evidence":%s,"nonce":"%s","policy_id":"strict"}' "$(cat "$work/ev7.json")" \
    "$(cat "$work/n7.nonce")" >"$work/att7.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att7.json")" 200 "" "attest with policy_id"
printf '{"evidence":"%s","nonce":"%s","policy_id":"none-such"}' "$(b64u <"$work/ev7.json")" \
    "$(cat "$work/n7.nonce")" >"$work/att8.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att8.json")" 404 USAGE_NOT_FOUND \
    "attest with an unknown policy_id"
expect "$(req DELETE "$A/v1/resources/apps/demo/db" "${AUTH[@]}")" 204 "" "DELETE resource"
expect "$(req DELETE "$A/v1/resources/apps/demo/db" "${AUTH[@]}")" 404 USAGE_NOT_FOUND "DELETE twice"
expect "$(req DELETE "$A/v1/reference-values/sim-demo" "${AUTH[@]}")" 204 "" "DELETE refvals"
expect "$(req GET "$A/metrics")" 200 "" metrics
grep -q 'uattest_requests_total{route="attest",code="200"}' "$work/body" || fail "requests metric"
grep -q 'uattest_verifications_total{tee="sim",outcome="affirming",category="OK"}' "$work/body" ||
    fail "verifications metric"
grep -q 'uattest_request_duration_seconds_bucket{route="attest",le="+Inf"}' "$work/body" ||
    fail "duration histogram"
grep -q '"route":"attest","method":"POST","status":200' "$work/a.log" || fail "JSON-lines log"
echo "ok - stored policies by id, deletes, metrics and logs"

for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "uattestd exited with $? on SIGTERM"; done
pids=()
echo "ok - SIGTERM stops the servers cleanly"
