#!/usr/bin/env bash
# uattestd end to end on loopback with swtpm-backed TPM evidence (docs/service.md, docs/tpm.md):
# swtpm (tpm_lib.sh) and uattestd on free loopback ports; curl drives challenge -> `uattest collect
# --tee tpm --nonce --runtime-data` (the workload's P-256 JWK bound) -> attest; the EAR token
# verifies with `jose jws ver` against the served JWKS; an admin stores a resource whose policy
# requires tee tpm and the token gets it as a JWE that `jose jwe dec` opens with the workload key.
# Server A pins the AK by its PEM key in <trust>/tpm/ and by its Name as a `signer` reference value
# (posted through the admin API, with PCR 7). Rejections: a replayed nonce (VERIFY_NONCE), an AK
# server B has not pinned (VERIFY_UNTRUSTED_KEY, until its Name is posted there as `signer`), and
# PCR 7 extended after its reference value was set (VERIFY_POLICY, no token).
# usage: service_tpm.sh path/to/uattestd path/to/uattest
set -euo pipefail
UATTESTD=${1:?usage: service_tpm.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: service_tpm.sh path/to/uattestd path/to/uattest}
HERE=$(cd "$(dirname "$0")" && pwd)
# tpm_lib.sh first: service_lib.sh's fail (which prints the server logs) wins
# shellcheck source=tpm_lib.sh
. "$HERE/tpm_lib.sh"
# shellcheck source=service_lib.sh
. "$HERE/service_lib.sh"
tpm_setup
trap cleanup EXIT # service_lib.sh's: stops uattestd, then (a cleanup hook) swtpm
cleanup_hooks+=(tpm_cleanup)
require_tools tpm2_readpublic tpm2_pcrextend xxd curl jose

# tpm_collect NONCE_FILE OUT [collect args]: TPM evidence bound to the nonce (the root is an empty
# folder: no host event log or IMA log)
tpm_collect() {
    local n=$1 o=$2
    shift 2
    "$UATTEST" collect --tee tpm --root "$T/root" --state-dir "$work/tpm" -O tcti="$TCTI" \
        --nonce "$(cat "$n")" -o "$o" "$@" || fail "uattest collect --tee tpm"
}

workload_key

# ---- the AK: one collect makes it; its public key and Name read from the TPM itself (a channel
# the test trusts), never from the evidence that is verified
"$UATTEST" collect --tee tpm --root "$T/root" --state-dir "$work/tpm" -O tcti="$TCTI" \
    --report-data 00 -o "$work/ak-ev.json" || fail "collect tpm (makes the AK)"
mkdir -p "$work/pin/tpm" "$work/nopin/tpm"
tpm_pin_ak "$work/pin"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout \
    -out "$work/nopin/tpm/other.pem" 2>/dev/null || fail "another P-256 key"
tpm2_pcrread sha256:7 -o "$work/pcr7.bin" >/dev/null || fail "tpm2_pcrread"
PCR7=$(xxd -p -c 64 "$work/pcr7.bin")
echo "ok - swtpm on $TCTI, AK $AK_NAME"

# ---- server A trusts the AK (PEM pin), server B pins another key
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
[[ "$ADMIN" == uata_* ]] || fail "--init-admin printed no token"
ADMIN_B=$("$UATTESTD" --data-dir "$work/b" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/pin"
start b --data-dir "$work/b" --trust "$work/nopin"
A=$(url http a)
B=$(url http b)
AUTH=(-H "Authorization: Bearer $ADMIN")
AUTH_B=(-H "Authorization: Bearer $ADMIN_B")
echo "ok - servers listen on $A and $B"

printf '{"tee":"tpm","values":{"signer":["%s"],"tee_claims.pcr07":["%s"]}}' "$AK_NAME" "$PCR7" \
    >"$work/rv.json"
expect "$(req PUT "$A/v1/reference-values/swtpm" "${AUTH[@]}" --data-binary @"$work/rv.json")" \
    201 "" "PUT TPM reference values"

# ---- 1. the round trip, with the workload key bound
challenge n1 "$A"
tpm_collect "$work/n1.nonce" "$work/ev1.json" --runtime-data "$work/runtime.json"
attest_body "$work/att1.json" "$work/n1.nonce" "$work/ev1.json" "$work/runtime.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att1.json")" 200 "" "attest (tpm)"
[ "$(jget "$work/body" status)" = affirming ] || fail "status $(jget "$work/body" status)"
jget "$work/body" token | tr -d "\n" >"$work/t1.jwt"
curl -s "$A/v1/jwks" >"$work/jwks.json"
jose jws ver -i "$work/t1.jwt" -k "$work/jwks.json" -O "$work/payload.json" || fail "jose jws ver"
grep -q '"ear.veraison.key-attestation"' "$work/payload.json" || fail "no bound key in the EAR"
grep -q '"tee":"tpm"' "$work/payload.json" || fail "no tpm evidence in the EAR: $(cat "$work/payload.json")"
grep -q '"ak_trust":"pinned-key"' "$work/payload.json" || fail "A: the AK is not trusted by its PEM pin"
"$UATTEST" token verify --jwks "$work/jwks.json" "$work/t1.jwt" >"$work/claims.json" ||
    fail "uattest token verify"
echo "ok - challenge -> collect --tee tpm -> attest: affirming, token verified by jose against /v1/jwks"

# ---- 2. a resource whose policy requires tee tpm, released as a JWE to the bound key
SECRET="tpm-bound secret: the disk key"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["tpm"]}}' \
    "$(printf %s "$SECRET" | b64u)" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/apps/tpm/disk" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource"
expect "$(req GET "$A/v1/resources/apps/tpm/disk" -H "Authorization: Bearer $(cat "$work/t1.jwt")")" \
    200 "" "GET resource with the EAR token"
cp "$work/body" "$work/secret.jwe"
[ "$(tr -cd . <"$work/secret.jwe" | wc -c)" -eq 4 ] || fail "not a compact JWE"
[ "$(jose jwe dec -i "$work/secret.jwe" -k "$work/wl.jwk")" = "$SECRET" ] || fail "JWE does not decrypt"
echo "ok - the resource (policy: tee tpm) is released as a JWE that opens with the workload's key"

# a sim token (valid where it was issued) does not get a resource whose policy requires tee tpm
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/sim-first.json"
ADMIN_S=$("$UATTESTD" --data-dir "$work/s" --init-admin 2>/dev/null)
start s --data-dir "$work/s" --trust "$work/sim/trust"
S=$(url http s)
# (warning accepted: only the TEE refuses the sim token, which has no reference values there)
printf '{"secret":"%s","policy":{"status":["affirming","warning"],"tee":["tpm"]}}' \
    "$(printf %s "$SECRET" | b64u)" >"$work/res_s.json"
expect "$(req PUT "$S/v1/resources/apps/tpm/disk" -H "Authorization: Bearer $ADMIN_S" \
    --data-binary @"$work/res_s.json")" 201 "" "PUT resource (sim server)"
challenge ns "$S"
collect "$work/ns.nonce" "$work/evs.json" --runtime-data "$work/runtime.json"
attest_body "$work/atts.json" "$work/ns.nonce" "$work/evs.json" "$work/runtime.json"
expect "$(req POST "$S/v1/attest" --data-binary @"$work/atts.json")" 200 "" "attest (sim)"
jget "$work/body" token | tr -d "\n" >"$work/ts.jwt"
expect "$(req GET "$S/v1/resources/apps/tpm/disk" -H "Authorization: Bearer $(cat "$work/ts.jwt")")" \
    403 VERIFY_POLICY "resource, sim token"
grep -q 'tee sim is not accepted' "$work/body" || fail "resource, sim token: $(cat "$work/body")"
echo "ok - a sim token is refused the resource whose policy requires tee tpm (VERIFY_POLICY)"

# ---- 3. rejections
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att1.json")" 403 VERIFY_NONCE "replayed nonce"
grep -q '"check":"nonce.used"' "$work/body" || fail "replay: check"
echo "ok - the same nonce again is VERIFY_NONCE (403, nonce.used)"

challenge nb1 "$B"
tpm_collect "$work/nb1.nonce" "$work/evb1.json" --runtime-data "$work/runtime.json"
attest_body "$work/attb1.json" "$work/nb1.nonce" "$work/evb1.json" "$work/runtime.json"
expect "$(req POST "$B/v1/attest" --data-binary @"$work/attb1.json")" 403 VERIFY_UNTRUSTED_KEY \
    "AK not pinned"
grep -q '"token"' "$work/body" && fail "an untrusted AK got a token"
# its Name posted as a `signer` reference value through B's admin API pins it there
printf '{"tee":"tpm","values":{"signer":["%s"]}}' "$AK_NAME" >"$work/rv_b.json"
expect "$(req PUT "$B/v1/reference-values/swtpm-ak" "${AUTH_B[@]}" --data-binary @"$work/rv_b.json")" \
    201 "" "PUT signer reference value on B"
challenge nb2 "$B"
tpm_collect "$work/nb2.nonce" "$work/evb2.json" --runtime-data "$work/runtime.json"
attest_body "$work/attb2.json" "$work/nb2.nonce" "$work/evb2.json" "$work/runtime.json"
expect "$(req POST "$B/v1/attest" --data-binary @"$work/attb2.json")" 200 "" "attest, AK pinned by Name"
jget "$work/body" token | tr -d "\n" >"$work/tb.jwt"
curl -s "$B/v1/jwks" >"$work/jwks_b.json"
jose jws ver -i "$work/tb.jwt" -k "$work/jwks_b.json" -O "$work/payload_b.json" || fail "jose jws ver (B)"
grep -q '"ak_trust":"reference-values"' "$work/payload_b.json" || fail "B: the AK is not trusted by its Name"
echo "ok - an AK B has not pinned is VERIFY_UNTRUSTED_KEY (403, no token); its Name as signer pins it"

tpm2_pcrextend 7:sha256="$(printf 'uattest-service' | sha256sum | cut -c1-64)" ||
    fail "tpm2_pcrextend"
challenge n2 "$A"
tpm_collect "$work/n2.nonce" "$work/ev2.json" --runtime-data "$work/runtime.json"
attest_body "$work/att2.json" "$work/n2.nonce" "$work/ev2.json" "$work/runtime.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att2.json")" 403 VERIFY_POLICY \
    "PCR 7 extended"
grep -q '"token"' "$work/body" && fail "a contraindicated result got a token"
grep -q 'contraindicated\|executables' "$work/body" || fail "contraindicated: no reason: $(cat "$work/body")"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att2.json")" 403 VERIFY_NONCE \
    "a contraindicated attestation spends its nonce"
echo "ok - PCR 7 extended after its reference value was set: VERIFY_POLICY (403), no token"

for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "uattestd exited with $? on SIGTERM"; done
pids=()
echo "ok - SIGTERM stops the servers cleanly"
