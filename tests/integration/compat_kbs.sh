#!/usr/bin/env bash
# KBS protocol v0.4.0 front-end of uattestd (docs/compat.md), driven with curl as a Trustee
# client drives it: auth (session cookie, nonce) -> attest (sim evidence whose report data is
# SHA-384(JCS({additional-evidence, nonce, tee-pubkey})) zero-padded to 64 bytes, computed here
# independently in Python) -> resource (Trustee's flattened JWE, opened by `jose jwe dec` with the
# workload key). The EAR token verifies with `jose jws ver` against /v1/jwks and carries the
# tee-pubkey where Trustee looks for it. Then replays and errors: a re-attest of a spent session,
# an old nonce under a new cookie, another session's cookie, a key swap, a TEE mismatch, a wrong
# version, an unknown TEE, a missing resource, no credentials.
# usage: compat_kbs.sh UATTESTD UATTEST
UATTESTD=$1
UATTEST=$2
. "$(dirname "$0")/service_lib.sh"
. "$(dirname "$0")/kbs_lib.sh"
command -v jose >/dev/null || fail "the jose command-line tool is required"

workload_key
x=$(jget "$work/wl.jwk" x)
y=$(jget "$work/wl.jwk" y)
TEEPUB=$(printf '{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"%s","y":"%s"}' "$x" "$y")

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
K="$A/kbs/v0"
JSON=(-H 'Content-Type: application/json')

# ---- 1. auth -> attest -> resource
auth s1
grep -qi '^set-cookie: kbs-session-id=[0-9a-f]\{32\};' "$work/s1.hdr" || fail "no kbs-session-id cookie"
[ "$(base64 -d <"$work/s1.nonce" | wc -c)" -eq 32 ] || fail "the nonce is not base64 of 32 bytes"
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$(report_data "$work/s1.nonce")" \
    -o "$work/ev1.json"
attest_doc "$work/att1.json" "$(cat "$work/s1.nonce")" "$(cat "$work/ev1.json")"
expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s1.jar" --data-binary @"$work/att1.json")" \
    200 "" "attest"
jget "$work/body" token | tr -d "\n" >"$work/t1.jwt"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/t1.jwt" -k "$work/jwks.json" -O "$work/claims.json" ||
    fail "jose does not verify the KBS token against /v1/jwks"
"$PY" - "$work/claims.json" "$TEEPUB" "$(cat "$work/s1.nonce")" <<'PY' || fail "token claims"
import json, sys
c = json.load(open(sys.argv[1]))
rd = c["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]
assert rd["tee-pubkey"] == json.loads(sys.argv[2]), rd
assert rd["nonce"] == sys.argv[3]
assert c["exp"] > c["iat"]
PY
echo "ok - auth -> attest: EAR token verified by jose, tee-pubkey at submods/cpu0/.../runtime_data_claims"

SECRET="kbs-secret-$RANDOM"
printf '{"secret":"%s","policy":{"status":["affirming","warning"],"tee":["sim"]}}' \
    "$(printf %s "$SECRET" | b64u)" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/default/key/one" -H "Authorization: Bearer $ADMIN" \
    --data-binary @"$work/res.json")" 201 "" "PUT resource"
expect "$(req GET "$K/resource/default/key/one" -b "$work/s1.jar")" 200 "" "resource (cookie)"
cp "$work/body" "$work/r1.jwe"
[ "$(jose jwe dec -i "$work/r1.jwe" -k "$work/wl.jwk")" = "$SECRET" ] || fail "JWE does not decrypt"
"$PY" - "$work/r1.jwe" <<'PY' || fail "not Trustee's JWE shape"
import base64, json, sys
j = json.load(open(sys.argv[1]))
assert sorted(j) == ["ciphertext", "encrypted_key", "iv", "protected", "tag"], j.keys()
p = j["protected"]
h = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode()
d = json.loads(h)
# the client re-serialises the header to compute the AAD: it must come out byte-identical
assert json.dumps(d, separators=(",", ":")) == h, h
assert list(d) == ["alg", "enc", "epk"] and list(d["epk"]) == ["crv", "kty", "x", "y"], h
assert d["alg"] == "ECDH-ES+A256KW" and d["enc"] == "A256GCM"
assert len(base64.urlsafe_b64decode(j["encrypted_key"] + "==")) == 40
PY
expect "$(req GET "$K/resource/default/key/one" -H "Authorization: Bearer $(cat "$work/t1.jwt")")" \
    200 "" "resource (bearer)"
[ "$(jose jwe dec -i "$work/body" -k "$work/wl.jwk")" = "$SECRET" ] || fail "bearer JWE"
echo "ok - resource: Trustee's flattened JWE (header order alg,enc,epk{crv,kty,x,y}) opens with jose"

# raw evidence as a base64 string: wrapped in the session TEE's CMW record by the registry's type
auth s2
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$(report_data "$work/s2.nonce")" \
    -o "$work/ev2.json"
raw=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[1])' "$work/ev2.json" |
    unb64u | base64 -w0)
attest_doc "$work/att2.json" "$(cat "$work/s2.nonce")" "\"$raw\""
expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s2.jar" --data-binary @"$work/att2.json")" \
    200 "" "attest with base64 primary_evidence"
echo "ok - primary_evidence as base64 of raw evidence"

# ---- 2. replay and binding
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s1.jar" --data-binary @"$work/att1.json")" \
    401 AttestationError "re-attest of a spent session"
grep -q VERIFY_NONCE "$work/body" || fail "re-attest: not VERIFY_NONCE"
auth s3
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s3.jar" --data-binary @"$work/att1.json")" \
    401 AttestationError "old nonce under a new session cookie"
grep -q VERIFY_NONCE "$work/body" || fail "old nonce: not VERIFY_NONCE"
auth s4
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$(report_data "$work/s4.nonce")" \
    -o "$work/ev4.json"
attest_doc "$work/att4.json" "$(cat "$work/s4.nonce")" "$(cat "$work/ev4.json")"
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s3.jar" --data-binary @"$work/att4.json")" \
    401 AttestationError "another session's cookie"
grep -q VERIFY_NONCE "$work/body" || fail "another cookie: not VERIFY_NONCE"
other='{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0","y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}'
attest_doc "$work/att5.json" "$(cat "$work/s4.nonce")" "$(cat "$work/ev4.json")" "$other"
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s4.jar" --data-binary @"$work/att5.json")" \
    401 AttestationError "a tee-pubkey the evidence does not bind"
grep -q VERIFY_BINDING "$work/body" || fail "key swap: not VERIFY_BINDING"
expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s4.jar" --data-binary @"$work/att4.json")" \
    200 "" "the session still attests with its own key"
auth s6 tdx
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$(report_data "$work/s6.nonce")" \
    -o "$work/ev6.json"
attest_doc "$work/att6.json" "$(cat "$work/s6.nonce")" "$(cat "$work/ev6.json")"
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/s6.jar" --data-binary @"$work/att6.json")" \
    401 AttestationError "sim evidence in a tdx session"
grep -q VERIFY_BINDING "$work/body" || fail "tee mismatch: not VERIFY_BINDING"
kbs_expect "$(req POST "$K/attest" "${JSON[@]}" --data-binary @"$work/att1.json")" \
    401 TokenNotFound "attest without a cookie"
echo "ok - replays refused: spent session, old nonce, another session's cookie, key swap, TEE mismatch"

# ---- 3. errors
kbs_expect "$(req POST "$K/auth" "${JSON[@]}" --data-binary '{"version":"0.1.1","tee":"sample","extra-params":""}')" \
    401 SerdeError "old protocol version"
grep -q PARSE_BAD_VERSION "$work/body" || fail "version: not PARSE_BAD_VERSION"
kbs_expect "$(req POST "$K/auth" "${JSON[@]}" --data-binary '{"version":"0.4.0","tee":"nosuchtee","extra-params":""}')" \
    401 AttestationError "unknown tee"
expect "$(req POST "$K/auth" "${JSON[@]}" --data-binary '{"version":"0.4.0","tee":"sample","extra-params":""}')" \
    200 "" "auth with extra-params \"\""
[ "$(jget "$work/body" extra-params)" = "" ] || fail "extra-params is not \"\" when none were offered"
kbs_expect "$(req GET "$K/resource/default/key/one")" 401 TokenNotFound "resource without credentials"
kbs_expect "$(req GET "$K/resource/default/key/none" -b "$work/s1.jar")" 404 InvalidRequestPath \
    "missing resource"
kbs_expect "$(req GET "$K/resource/default/key" -b "$work/s1.jar")" 404 InvalidRequestPath \
    "resource path of two segments"
kbs_expect "$(req GET "$K/resource/default/key/one" -b "$work/s3.jar")" 401 TokenNotFound \
    "resource with a session that never attested"
echo "ok - errors: Trustee's ErrorInformation {type, detail}"
