#!/usr/bin/env bash
# openEuler secGear attestation service routes of uattestd (docs/compat.md), driven with curl as
# secGear's attestation agent drives them: GET /challenge (JSON string body, oeas-session-id
# cookie, optional user_data in a GET body) -> POST /attestation with the evidence envelope
# base64url({"tee","evidence"}) -> the JWT text, verified by `jose jws ver` against /v1/jwks.
# Then: the challenge is single-use, an unknown challenge, another session's cookie, evidence
# bound to another challenge, a contraindicated appraisal (no token), malformed envelopes and
# secGear TEE formats this front-end does not take.
# usage: compat_secgear.sh UATTESTD UATTEST [CORPUS_DIR]
UATTESTD=$1
UATTEST=$2
. "$(dirname "$0")/service_lib.sh"
. "$(dirname "$0")/secgear_lib.sh"
command -v jose >/dev/null || fail "the jose command-line tool is required"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
# the iTrustee anchors next to sim's, for secGear's own itrustee envelope (section 4)
CORPUS=${3:-}
[ -z "$CORPUS" ] || ln -s "$CORPUS/huawei-itrustee/trust" "$work/sim/trust/itrustee"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)

# ---- 1. challenge -> attestation -> JWT (the agent's flow: cookie jar + as-challenge header)
c1=$(get_challenge "$work/jar1")
grep -q 'oeas-session-id' "$work/jar1" || fail "no oeas-session-id cookie"
[ "$(printf %s "$c1" | unb64u | wc -c)" -eq 32 ] || fail "a challenge without user_data has 32 bytes"
[[ "$c1" != *=* ]] || fail "the challenge is padded"
sim_cmw "$c1" "$work/ev1.json"
body "$c1" "$(envelope sim "$(cat "$work/ev1.json")")" >"$work/att1.json"
st=$(req POST "$A/attestation" -b "$work/jar1" -H 'as-challenge: as' \
    -H 'Content-Type: application/json' --data-binary @"$work/att1.json")
[ "$st" = 200 ] || fail "POST /attestation: HTTP $st $(cat "$work/body")"
tr -d '\n' <"$work/body" >"$work/t1.jwt"
[ "$(tr -cd . <"$work/t1.jwt" | wc -c)" -eq 2 ] || fail "the body is not a JWT: $(cat "$work/t1.jwt")"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/t1.jwt" -k "$work/jwks.json" -O "$work/t1.json" || fail "jose jws ver"
grep -q '"ear.status"' "$work/t1.json" || fail "the token is not an EAR"
grep -q "\"eat_nonce\":\"$c1\"" "$work/t1.json" || fail "eat_nonce is not the challenge"
echo "ok - GET /challenge -> POST /attestation -> JWT verified by jose against /v1/jwks"

# user_data (a JSON body on GET, as secGear sends it) is appended to the random bytes
c2=$(get_challenge "$work/jar2" '{"user_data":[1,2,3,4,5,6,7,8]}')
[ "$(hex_of "$c2" | tail -c 16)" = 0102030405060708 ] || fail "user_data is not in the challenge"
[ "$(printf %s "$c2" | unb64u | wc -c)" -eq 40 ] || fail "32 random bytes + user_data"
sim_cmw "$c2" "$work/ev2.json"
raw=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[1])' "$work/ev2.json" | unb64u | base64 -w0)
# raw evidence as standard base64, no cookie and no as-challenge header: the challenge is still checked
body "$c2" "$(envelope SIM "$raw")" >"$work/att2.json"
expect "$(req POST "$A/attestation" --data-binary @"$work/att2.json")" 200 "" "raw evidence, no cookie"
echo "ok - user_data in the challenge; raw base64 evidence; the challenge is checked without a cookie"

# ---- 2. freshness: single use, unknown challenge, another session's cookie, wrong binding
expect "$(req POST "$A/attestation" -b "$work/jar1" -H 'as-challenge: as' \
    --data-binary @"$work/att1.json")" 403 VERIFY_NONCE "second use of a challenge"
fake=$(head -c 32 /dev/urandom | b64u)
sim_cmw "$fake" "$work/evf.json"
body "$fake" "$(envelope sim "$(cat "$work/evf.json")")" >"$work/attf.json"
expect "$(req POST "$A/attestation" --data-binary @"$work/attf.json")" 403 VERIFY_NONCE \
    "a challenge this service did not issue"
c3=$(get_challenge "$work/jar3")
c4=$(get_challenge "$work/jar4")
sim_cmw "$c3" "$work/ev3.json"
body "$c3" "$(envelope sim "$(cat "$work/ev3.json")")" >"$work/att3.json"
expect "$(req POST "$A/attestation" -b "$work/jar4" -H 'as-challenge: as' \
    --data-binary @"$work/att3.json")" 403 VERIFY_NONCE "another session's cookie"
body "$c4" "$(envelope sim "$(cat "$work/ev3.json")")" >"$work/att4.json"
expect "$(req POST "$A/attestation" -b "$work/jar4" --data-binary @"$work/att4.json")" 403 \
    VERIFY_BINDING "evidence bound to another challenge"
expect "$(req POST "$A/attestation" -b "$work/jar3" --data-binary @"$work/att3.json")" 200 "" \
    "the challenge is still good after a refused cookie"
echo "ok - challenges are single-use and issued here; cookies and bindings are checked"

# ---- 3. a contraindicated appraisal issues no token
MEAS=$(printf sg-demo | sha384sum | cut -d' ' -f1)
expect "$(req PUT "$A/v1/reference-values/sim-sg" -H "Authorization: Bearer $ADMIN" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" "PUT refvals"
c5=$(get_challenge "$work/jar5")
sim_cmw "$c5" "$work/ev5.json" -O measure=something-else
body "$c5" "$(envelope sim "$(cat "$work/ev5.json")")" >"$work/att5.json"
expect "$(req POST "$A/attestation" -b "$work/jar5" --data-binary @"$work/att5.json")" 403 \
    VERIFY_POLICY "contraindicated"
grep -q '^ey' "$work/body" && fail "a contraindicated result got a token"
c6=$(get_challenge "$work/jar6")
sim_cmw "$c6" "$work/ev6.json" -O measure=sg-demo
body "$c6" "$(envelope sim "$(cat "$work/ev6.json")")" >"$work/att6.json"
expect "$(req POST "$A/attestation" -b "$work/jar6" --data-binary @"$work/att6.json")" 200 "" affirming
tr -d '\n' <"$work/body" >"$work/t6.jwt"
jose jws ver -i "$work/t6.jwt" -k "$work/jwks.json" -O "$work/t6.json" || fail "jose jws ver (6)"
grep -q '"ear.status":"affirming"' "$work/t6.json" || fail "not affirming: $(cat "$work/t6.json")"
echo "ok - a contraindicated appraisal gets VERIFY_POLICY and no token; a matching one is affirming"

# ---- 4. request errors
c7=$(get_challenge "$work/jar7")
expect "$(req POST "$A/attestation" --data-binary "$(body "$c7" 'not*base64')")" 400 \
    PARSE_BAD_ENCODING "evidence not base64url"
expect "$(req POST "$A/attestation" --data-binary "$(body "$c7" "$(printf '[1]' | b64u)")")" 400 \
    PARSE_BAD_JSON "envelope not an object"
expect "$(req POST "$A/attestation" --data-binary \
    "$(body "$c7" "$(printf '{"tee":"sim","evidence":"x","extra":1}' | b64u)")")" 400 \
    PARSE_BAD_JSON "unknown envelope member"
expect "$(req POST "$A/attestation" --data-binary "$(body "$c7" "$(envelope virtcca '{}')")")" \
    501 UNSUPPORTED_FEATURE "secGear virtCCA evidence"
expect "$(req POST "$A/attestation" --data-binary "$(body "$c7" "$(envelope nosuchtee AAAA)")")" \
    415 UNSUPPORTED_TEE "unknown TEE"
expect "$(req POST "$A/attestation" --data-binary \
    "$(body "$c7" "$(envelope itrustee '{"report":"{}","ima_log":[1]}')")")" 501 \
    UNSUPPORTED_FEATURE "itrustee with an IMA log"
expect "$(req POST "$A/attestation" --data-binary \
    "$(body "$c7" "$(envelope sim AAAA)" '["a.rego","b.rego"]')")" 501 UNSUPPORTED_FEATURE \
    "two policies"
expect "$(req GET "$A/challenge" -H 'Content-Type: application/json' \
    --data-binary "{\"user_data\":[$(seq -s, 1 33)]}")" 400 USAGE_INVALID_ARGUMENT "33 bytes of user_data"
expect "$(req GET "$A/challenge" --data-binary '{"user_data":[256]}')" 400 \
    USAGE_INVALID_ARGUMENT "user_data not a byte"
echo "ok - errors: encoding, envelope shape, unsupported secGear formats, unknown TEE, user_data"

# ---- 5. secGear's itrustee envelope reaches the iTrustee verifier: a real TEE.RA report (corpus
# j1) in {"report": <text>, "ima_log": null} verifies its signatures and chain, then fails the
# binding, because its nonce is not this service's challenge
if [ -n "$CORPUS" ]; then
    J1=$CORPUS/huawei-itrustee/j1-kunpengsecl-json-qta-e08f7eca/report.json
    c8=$(get_challenge "$work/jar8")
    inner=$("$PY" -c 'import json,sys; print(json.dumps({"report":open(sys.argv[1]).read(),"ima_log":None}))' "$J1")
    body "$c8" "$(envelope itrustee "$inner")" >"$work/att8.json"
    st=$(req POST "$A/attestation" -b "$work/jar8" --data-binary @"$work/att8.json")
    [ "$st" = 403 ] && grep -Eq '"error":"VERIFY_(BINDING|EXPIRED)"' "$work/body" ||
        fail "itrustee envelope: HTTP $st $(cat "$work/body")"
    echo "ok - secGear itrustee envelope verified by the iTrustee verifier ($(jget "$work/body" error))"
fi
