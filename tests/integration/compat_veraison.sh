#!/usr/bin/env bash
# Veraison challenge-response v1 front-end of uattestd (docs/compat.md), driven with curl:
# newSession (201 + Location, status waiting) -> evidence POST with the sim media type (report
# data = the session nonce, zero-padded) -> status complete, result = EAR JWT verified by `jose jws
# ver` against /v1/jwks; GET and DELETE the session. Then: the relying party's own nonce, a second
# submission, evidence bound to another nonce (failed), an unaccepted media type, bad nonce sizes.
# usage: compat_veraison.sh UATTESTD UATTEST
UATTESTD=$1
UATTEST=$2
. "$(dirname "$0")/service_lib.sh"
command -v jose >/dev/null || fail "the jose command-line tool is required"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
V="$A/challenge-response/v1"
SIM=application/vnd.uattest.sim-report

# raw_evidence NONCE_B64 OUT: raw sim evidence whose report data is the nonce
raw_evidence() {
    local hex
    hex=$(printf %s "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n')
    "$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$hex" -o "$work/cmw.json"
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[1])' "$work/cmw.json" | unb64u >"$2"
}

# ---- 1. newSession -> evidence -> EAR
expect "$(req POST "$V/newSession?nonceSize=32" -D "$work/h1")" 201 "" newSession
loc=$(grep -i '^location:' "$work/h1" | tr -d '\r' | cut -d' ' -f2)
[[ "$loc" == /challenge-response/v1/session/* ]] || fail "Location: $loc"
grep -qi '^content-type: application/vnd.veraison.challenge-response-session+json' "$work/h1" ||
    fail "session media type"
[ "$(jget "$work/body" status)" = waiting ] || fail "status is not waiting"
jget "$work/body" accept | grep -q "\"$SIM\"" || fail "accept lacks $SIM"
jget "$work/body" expiry | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' || fail "expiry"
nonce=$(jget "$work/body" nonce)
[ "$(printf %s "$nonce" | base64 -d | wc -c)" -eq 32 ] || fail "nonceSize=32"
raw_evidence "$nonce" "$work/ev1.bin"
expect "$(req POST "$A$loc" -H "Content-Type: $SIM" --data-binary @"$work/ev1.bin")" 200 "" evidence
[ "$(jget "$work/body" status)" = complete ] || fail "status is not complete"
[ "$(jget "$work/body" evidence type)" = "$SIM" ] || fail "evidence.type"
jget "$work/body" result | tr -d '\n' >"$work/ear.jwt"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/ear.jwt" -k "$work/jwks.json" -O "$work/ear.json" || fail "jose jws ver"
grep -q '"ear.status"' "$work/ear.json" || fail "the result is not an EAR"
expect "$(req GET "$A$loc")" 200 "" "GET session"
[ "$(jget "$work/body" status)" = complete ] || fail "GET: status"
echo "ok - newSession -> evidence -> complete, EAR verified by jose against /v1/jwks"

expect "$(req POST "$A$loc" -H "Content-Type: $SIM" --data-binary @"$work/ev1.bin")" 409 \
    USAGE_BAD_STATE "second submission"
expect "$(req DELETE "$A$loc")" 204 "" "DELETE session"
expect "$(req GET "$A$loc")" 404 USAGE_NOT_FOUND "GET after DELETE"
echo "ok - a session takes one submission; DELETE ends it"

# ---- 2. relying-party nonce; evidence bound to another nonce fails the session
rp=$(head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_')
expect "$(req POST "$V/newSession?nonce=$rp" -D "$work/h2")" 201 "" "newSession with a nonce"
loc2=$(grep -i '^location:' "$work/h2" | tr -d '\r' | cut -d' ' -f2)
[ "$(jget "$work/body" nonce | base64 -d | base64 -w0 | tr '+/' '-_')" = "$rp" ] || fail "RP nonce"
raw_evidence "$(head -c 48 /dev/urandom | base64 -w0)" "$work/ev2.bin"
expect "$(req POST "$A$loc2" -H "Content-Type: $SIM" --data-binary @"$work/ev2.bin")" 403 \
    VERIFY_BINDING "evidence bound to another nonce"
expect "$(req GET "$A$loc2")" 200 "" "GET failed session"
[ "$(jget "$work/body" status)" = failed ] || fail "status is not failed"
echo "ok - relying-party nonce; evidence for another nonce fails the session"

# ---- 3. request errors
expect "$(req POST "$V/newSession?nonceSize=32" -D "$work/h3")" 201 "" newSession
loc3=$(grep -i '^location:' "$work/h3" | tr -d '\r' | cut -d' ' -f2)
st=$(req POST "$A$loc3" -H "Content-Type: application/x-unknown" --data-binary @"$work/ev1.bin")
[ "$st" != 200 ] && grep -q '"error":"UNSUPPORTED_FEATURE"' "$work/body" ||
    fail "unaccepted media type: HTTP $st $(cat "$work/body")"
expect "$(req GET "$A$loc3")" 200 "" "GET"
[ "$(jget "$work/body" status)" = waiting ] || fail "a refused media type ended the session"
expect "$(req POST "$V/newSession?nonceSize=4")" 400 USAGE_INVALID_ARGUMENT "nonceSize 4"
expect "$(req POST "$V/newSession?nonceSize=65")" 400 USAGE_INVALID_ARGUMENT "nonceSize 65"
expect "$(req POST "$V/newSession?nonceSize=8&nonce=$rp")" 400 USAGE_INVALID_ARGUMENT "both"
expect "$(req GET "$V/session/0123456789abcdef0123456789abcdef")" 404 USAGE_NOT_FOUND "unknown"
echo "ok - errors: media type, nonce size, nonce and nonceSize, unknown session"
