#!/usr/bin/env bash
# swtpm TPM 2.0 evidence through each compatibility front-end of uattestd (docs/compat.md): one
# swtpm (tpm_lib.sh), its AK pinned by its PEM key in <trust>/tpm/, and its Name and PCR 7 set as
# reference values through secGear's POST /reference (so results are affirming). Then, with
# `uattest collect --tee tpm` (qualifyingData = each protocol's binding):
#   KBS: auth (tee "tpm") -> attest (primary_evidence: the TPM CMW; report data SHA-384(JCS(runtime
#        data)) || 16 zero bytes) -> resource (policy: tee tpm) opened by `jose jwe dec`; then the
#        same with Trustee's TPM evidence JSON (AK as TPMT_PUBLIC and as SPKI) and its named errors;
#   secGear: GET /challenge -> POST /attestation ({"tee":"tpm","evidence":<CMW>});
#   Veraison: newSession -> the raw TPM evidence with the TPM's CMW media type -> EAR.
# Every token verifies with `jose jws ver` against /v1/jwks and names tee tpm; a replay is refused.
# usage: compat_tpm.sh UATTESTD UATTEST
set -euo pipefail
UATTESTD=${1:?usage: compat_tpm.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: compat_tpm.sh path/to/uattestd path/to/uattest}
HERE=$(cd "$(dirname "$0")" && pwd)
# tpm_lib.sh first: service_lib.sh's fail (which prints the server logs) wins
# shellcheck source=tpm_lib.sh
. "$HERE/tpm_lib.sh"
# shellcheck source=service_lib.sh
. "$HERE/service_lib.sh"
. "$HERE/kbs_lib.sh"
. "$HERE/secgear_lib.sh"
tpm_setup
trap cleanup EXIT # service_lib.sh's: stops uattestd, then (a cleanup hook) swtpm
cleanup_hooks+=(tpm_cleanup)
require_tools tpm2_readpublic xxd curl jose

# tpm_cmw HEX OUT: TPM evidence (CMW JSON) whose qualifyingData is the report data HEX
tpm_cmw() {
    "$UATTEST" collect --tee tpm --root "$T/root" --state-dir "$work/tpm" -O tcti="$TCTI" \
        --report-data "$1" -o "$2" || fail "uattest collect --tee tpm"
}
# claims_tpm JWT: jose verifies the token against /v1/jwks; its claims go to JWT.json
claims_tpm() {
    jose jws ver -i "$1" -k "$work/jwks.json" -O "$1.json" || fail "jose jws ver $1"
    grep -q '"tee":"tpm"' "$1.json" || fail "no tpm evidence in $1: $(cat "$1.json")"
    grep -q '"ear.status":"affirming"' "$1.json" || fail "$1 is not affirming: $(cat "$1.json")"
}

# ---- the AK (made by the first collect) pinned; its Name and PCR 7 as reference values
tpm_cmw 00 "$work/ak-ev.json"
mkdir -p "$work/pin/tpm"
tpm2_readpublic -c 0x81010002 -f pem -o "$work/pin/tpm/ak.pem" >/dev/null || fail "tpm2_readpublic"
AK_NAME=$(tpm2_readpublic -c 0x81010002 | sed -n 's/^name: //p')
tpm2_pcrread sha256:7 -o "$work/pcr7.bin" >/dev/null || fail "tpm2_pcrread"
PCR7=$(xxd -p -c 64 "$work/pcr7.bin")
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/pin"
A=$(url http a)
K="$A/kbs/v0"
JSON=(-H 'Content-Type: application/json')
AUTH=(-H "Authorization: Bearer $ADMIN")
curl -s "$A/v1/jwks" >"$work/jwks.json"
REFS=$(printf '{"tpm.signer":"%s","tpm.tee_claims.pcr07":"%s"}' "$AK_NAME" "$PCR7")
expect "$(req POST "$A/reference" "${AUTH[@]}" "${JSON[@]}" --data-binary \
    "$("$PY" -c 'import json,sys; print(json.dumps({"refs":sys.argv[1]}))' "$REFS")")" 200 "" \
    "POST /reference (tpm)"
echo "ok - swtpm on $TCTI, AK $AK_NAME pinned; its Name and PCR 7 set through secGear's /reference"

# ---- 1. KBS: auth (tee tpm) -> attest -> resource
workload_key
x=$(jget "$work/wl.jwk" x)
y=$(jget "$work/wl.jwk" y)
TEEPUB=$(printf '{"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"%s","y":"%s"}' "$x" "$y")
auth k1 tpm
tpm_cmw "$(report_data "$work/k1.nonce")" "$work/k1.json"
attest_doc "$work/k1-att.json" "$(cat "$work/k1.nonce")" "$(cat "$work/k1.json")"
expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/k1.jar" --data-binary @"$work/k1-att.json")" \
    200 "" "KBS attest (tpm)"
jget "$work/body" token | tr -d '\n' >"$work/k1.jwt"
claims_tpm "$work/k1.jwt"
"$PY" - "$work/k1.jwt.json" "$TEEPUB" <<'PY' || fail "KBS token claims"
import json, sys
c = json.load(open(sys.argv[1]))
rd = c["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]
assert rd["tee-pubkey"] == json.loads(sys.argv[2]), rd
PY
SECRET="tpm secret over KBS $RANDOM"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["tpm"]}}' \
    "$(printf %s "$SECRET" | b64u)" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/default/tpm/key" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource (tee tpm)"
expect "$(req GET "$K/resource/default/tpm/key" -b "$work/k1.jar")" 200 "" "KBS resource (tpm)"
[ "$(jose jwe dec -i "$work/body" -k "$work/wl.jwk")" = "$SECRET" ] || fail "the JWE does not open"
expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/k1.jar" --data-binary @"$work/k1-att.json")" \
    401 "" "KBS re-attest"
grep -q 'VERIFY_NONCE' "$work/body" || fail "KBS re-attest: $(cat "$work/body")"
echo "ok - KBS auth (tee tpm) -> attest -> resource: affirming EAR (jose), JWE opened with the workload key; replay refused"

# ---- 1b. KBS with Trustee's own TPM evidence JSON (guest-components attester/src/tpm: Evidence
# {report_data, tpm_quote {signature, message, pcrs}, ak_public}; docs/compat.md): a tpm2_quote by
# the same swtpm AK over the SHA-256 bank, wrapped by python the way the attester marshals it.
# trustee_ev HEX OUT FORM [MUTATION]: FORM tpmt (ak_public = TPMT_PUBLIC) or spki (DER)
tpm2_readpublic -c 0x81010002 -o "$work/ak.tpm2b" >/dev/null || fail "tpm2_readpublic -o"
openssl pkey -pubin -in "$work/pin/tpm/ak.pem" -outform DER -out "$work/ak.spki" || fail "ak spki"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/other.key" 2>/dev/null ||
    fail "openssl genpkey"
openssl pkey -in "$work/other.key" -pubout -outform DER -out "$work/other.spki" || fail "other spki"
ALL_PCRS=sha256:$(seq -s, 0 23)
trustee_ev() {
    tpm2_quote -c 0x81010002 -l "$ALL_PCRS" -q "$1" -g sha256 -m "$work/q.msg" -s "$work/q.sig" \
        >/dev/null || fail "tpm2_quote"
    tpm2_pcrread "$ALL_PCRS" -o "$work/q.pcrs" >/dev/null || fail "tpm2_pcrread"
    "$PY" - "$work" "$1" "$2" "$3" "${4:-}" <<'PY' || fail "trustee_ev"
import base64, json, subprocess, sys
w, rd, out, form, mut = sys.argv[1:]
b64 = lambda b: base64.b64encode(b).decode()
rb = lambda n: open(f"{w}/{n}", "rb").read()
msg, sig, pcrs = rb("q.msg"), rb("q.sig"), rb("q.pcrs")
ak = rb("ak.tpm2b")[2:] if form == "tpmt" else rb("ak.spki")
if mut == "other-ak":
    # the same statement signed by a key of our own (TPMT_SIGNATURE: RSASSA, SHA-256)
    s = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{w}/other.key"], input=msg,
                       capture_output=True, check=True).stdout
    sig = bytes.fromhex("0014000b") + len(s).to_bytes(2, "big") + s
    ak = rb("other.spki")
ev = {"report_data": b64(bytes.fromhex(rd).ljust(64, b"\0")),
      "tpm_quote": {"signature": b64(sig), "message": b64(msg),
                    "pcrs": [pcrs[i:i + 32].hex() for i in range(0, len(pcrs), 32)]},
      "ak_public": b64(ak)}
if mut == "no-message":
    del ev["tpm_quote"]["message"]
elif mut == "bad-base64":
    ev["tpm_quote"]["signature"] = "not base64!"
elif mut == "bad-hex":
    ev["tpm_quote"]["pcrs"][7] = "zz" * 32
elif mut == "swap-ak":
    ev["ak_public"] = b64(rb("other.spki"))
elif mut == "stated-rd":
    ev["report_data"] = b64(bytes(64))
open(out, "w").write(json.dumps(ev))
PY
}
# trustee_attest NAME FORM EXPECT_STATUS [MUTATION] [REPORT_DATA_HEX]
trustee_attest() {
    auth "$1" tpm
    trustee_ev "${5:-$(report_data "$work/$1.nonce")}" "$work/$1.ev" "$2" "${4:-}"
    attest_doc "$work/$1-att.json" "$(cat "$work/$1.nonce")" "$(cat "$work/$1.ev")"
    expect "$(req POST "$K/attest" "${JSON[@]}" -b "$work/$1.jar" --data-binary @"$work/$1-att.json")" \
        "$3" "" "KBS attest with Trustee TPM JSON ($1: $2 ${4:-})"
}
# a bare SPKI has no TPM Name: its signer claim is the SHA-256 of the DER (what Trustee pins)
SPKI_SHA=$(openssl dgst -sha256 -r "$work/ak.spki" | cut -d' ' -f1)
REFS2=$(printf '{"tpm.signer":["%s","%s"],"tpm.tee_claims.pcr07":"%s"}' "$AK_NAME" "$SPKI_SHA" "$PCR7")
expect "$(req POST "$A/reference" "${AUTH[@]}" "${JSON[@]}" --data-binary \
    "$("$PY" -c 'import json,sys; print(json.dumps({"refs":sys.argv[1]}))' "$REFS2")")" 200 "" \
    "POST /reference (tpm, SPKI digest)"
for form in tpmt spki; do
    trustee_attest "t-$form" "$form" 200
    jget "$work/body" token | tr -d '\n' >"$work/t-$form.jwt"
    jose jws ver -i "$work/t-$form.jwt" -k "$work/jwks.json" -O "$work/t-$form.json" || fail "jose ($form)"
    grep -q '"tee":"tpm"' "$work/t-$form.json" || fail "$form: no tpm in $(cat "$work/t-$form.json")"
    grep -q '"ak_trust":"pinned-key"' "$work/t-$form.json" || fail "$form: AK trust not by the pin"
    grep -q "\"pcr07\":\"$PCR7\"" "$work/t-$form.json" || fail "$form: PCR 7 not in the claims"
done
grep -q '"ear.status":"affirming"' "$work/t-tpmt.json" || fail "tpmt form not affirming"
grep -q '"ear.status":"affirming"' "$work/t-spki.json" || fail "spki form not affirming"
grep -q "\"signer\":\"$SPKI_SHA\"" "$work/t-spki.json" || fail "spki form: signer"
expect "$(req GET "$K/resource/default/tpm/key" -b "$work/t-tpmt.jar")" 200 "" \
    "KBS resource (Trustee TPM JSON)"
[ "$(jose jwe dec -i "$work/body" -k "$work/wl.jwk")" = "$SECRET" ] || fail "the JWE does not open (Trustee form)"
# `uattest verify` detects the format of the same file (no CMW around it)
"$UATTEST" verify --trust "$work/pin" --report-data \
    "$(report_data "$work/t-tpmt.nonce")" "$work/t-tpmt.ev" >"$work/cli.out" 2>&1 ||
    fail "uattest verify (Trustee TPM JSON): $(cat "$work/cli.out")"
# named errors, no token
for c in "no-message 401 PARSE_BAD_JSON" "bad-base64 401 PARSE_BAD_ENCODING" \
    "bad-hex 401 PARSE_BAD_ENCODING" "other-ak 401 VERIFY_UNTRUSTED_KEY" \
    "swap-ak 401 VERIFY_SIGNATURE" "stated-rd 401 VERIFY_BINDING"; do
    set -- $c
    trustee_attest "t-$1" tpmt "$2" "$1"
    grep -q "$3" "$work/body" || fail "$1: no $3 in $(cat "$work/body")"
    ! grep -q '"token"' "$work/body" || fail "$1: a token"
done
trustee_attest t-bind tpmt 401 "" "$(printf '%0128x' 7)"
grep -q VERIFY_BINDING "$work/body" || fail "wrong binding: $(cat "$work/body")"
# a shape without a pinned source (docs/compat.md) is not Trustee's: a named error, no token
auth t-old tpm
attest_doc "$work/t-old-att.json" "$(cat "$work/t-old.nonce")" \
    '{"ak_pubkey":"-----BEGIN PUBLIC KEY-----","quote":{"SHA256":{"attest_body":"","attest_sig":"","pcrs":[]}}}'
st=$(req POST "$K/attest" "${JSON[@]}" -b "$work/t-old.jar" --data-binary @"$work/t-old-att.json")
kbs_expect "$st" 401 SerdeError "KBS attest with the unsourced TPM JSON shape"
grep -q 'PARSE_BAD_JSON' "$work/body" || fail "old TPM JSON shape: $(cat "$work/body")"
echo "ok - KBS attest with Trustee's TPM JSON (AK as TPMT_PUBLIC and as SPKI): tokens, resource; missing member, bad base64/hex, another AK, wrong binding refused by name"

# ---- 2. secGear: GET /challenge -> POST /attestation with {"tee":"tpm","evidence":<CMW text>}
c1=$(get_challenge "$work/sg1.jar")
tpm_cmw "$(hex_of "$c1")" "$work/sg1.json"
body "$c1" "$(envelope tpm "$(cat "$work/sg1.json")")" >"$work/sg1-att.json"
expect "$(req POST "$A/attestation" -b "$work/sg1.jar" -H 'as-challenge: as' "${JSON[@]}" \
    --data-binary @"$work/sg1-att.json")" 200 "" "secGear attestation (tpm)"
tr -d '\n' <"$work/body" >"$work/sg1.jwt"
claims_tpm "$work/sg1.jwt"
grep -q "\"eat_nonce\":\"$c1\"" "$work/sg1.jwt.json" || fail "secGear: eat_nonce is not the challenge"
expect "$(req POST "$A/attestation" -b "$work/sg1.jar" --data-binary @"$work/sg1-att.json")" 403 \
    VERIFY_NONCE "secGear replay"
# the envelope must name the evidence's TEE
c2=$(get_challenge "$work/sg2.jar")
tpm_cmw "$(hex_of "$c2")" "$work/sg2.json"
body "$c2" "$(envelope sim "$(cat "$work/sg2.json")")" >"$work/sg2-att.json"
expect "$(req POST "$A/attestation" -b "$work/sg2.jar" --data-binary @"$work/sg2-att.json")" 403 \
    VERIFY_BINDING "TPM evidence in an envelope naming sim"
echo "ok - secGear challenge -> attestation with TPM evidence: affirming EAR (jose); replay and a wrong envelope TEE refused"

# ---- 3. Veraison: newSession -> the raw TPM evidence under its CMW media type -> EAR
V="$A/challenge-response/v1"
expect "$(req POST "$V/newSession?nonceSize=32" -D "$work/v1.hdr")" 201 "" newSession
loc=$(grep -i '^location:' "$work/v1.hdr" | tr -d '\r' | cut -d' ' -f2)
nonce=$(jget "$work/body" nonce)
tpm_cmw "$(printf %s "$nonce" | base64 -d | od -An -v -tx1 | tr -d ' \n')" "$work/v1.json"
TPM_TYPE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0])' "$work/v1.json")
jget "$work/body" accept | grep -qF "\"$TPM_TYPE\"" || fail "accept lacks $TPM_TYPE"
"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[1])' "$work/v1.json" | unb64u >"$work/v1.bin"
expect "$(req POST "$A$loc" -H "Content-Type: $TPM_TYPE" --data-binary @"$work/v1.bin")" 200 "" \
    "Veraison evidence (tpm)"
[ "$(jget "$work/body" status)" = complete ] || fail "Veraison: status $(jget "$work/body" status)"
[ "$(jget "$work/body" evidence type)" = "$TPM_TYPE" ] || fail "Veraison: evidence.type"
jget "$work/body" result | tr -d '\n' >"$work/v1.jwt"
claims_tpm "$work/v1.jwt"
# the same evidence in another session: bound to another nonce
expect "$(req POST "$V/newSession?nonceSize=32" -D "$work/v2.hdr")" 201 "" newSession
loc2=$(grep -i '^location:' "$work/v2.hdr" | tr -d '\r' | cut -d' ' -f2)
expect "$(req POST "$A$loc2" -H "Content-Type: $TPM_TYPE" --data-binary @"$work/v1.bin")" 403 \
    VERIFY_BINDING "Veraison: evidence bound to another nonce"
expect "$(req GET "$A$loc2")" 200 "" "GET the failed session"
[ "$(jget "$work/body" status)" = failed ] || fail "Veraison: status $(jget "$work/body" status)"
echo "ok - Veraison newSession -> TPM evidence ($TPM_TYPE) -> affirming EAR (jose); another session's evidence fails it"

for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "uattestd exited with $? on SIGTERM"; done
pids=()
! grep -q 'Sanitizer' "$work"/*.log || fail "sanitizer report in the server log"
echo "ok - uattestd stops cleanly"
