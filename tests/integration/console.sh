#!/usr/bin/env bash
# The web console (docs/console.md) in a real browser: a uattestd on loopback serving /ui/ from
# the build tree, trusting the corpus' anchors and collateral (one folder per TEE), a sim attester
# and a swtpm TPM; then tests/integration/console_browser.py drives Chromium headless through
# Selenium. Exit 77 (skipped) only when Chromium or its driver cannot start.
# Usage: console.sh UATTESTD UATTEST CORPUS_DIR [SCREENSHOT_DIR]
set -euo pipefail
UATTESTD=${1:?usage: console.sh uattestd uattest corpus_dir [screenshot_dir]}
UATTEST=${2:?}
C=${3:?}
SHOTS=${4:-}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tpm_lib.sh"
. "$HERE/service_lib.sh"
tpm_setup
trap cleanup EXIT # service_lib.sh's: stops uattestd, then swtpm
cleanup_hooks+=(tpm_cleanup)
require_tools tpm2_readpublic curl
"$PY" -c 'import selenium' 2>/dev/null || { echo "SKIP: python3-selenium is not installed"; exit 77; }

# ---- static-file checks first (curl): headers, content types, traversal
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
mkdir -p "$work/trust" "$work/coll"
cp -r "$work/sim/trust/sim" "$work/trust/sim"
ln -s "$C/intel-sgx-dcap/trust" "$work/trust/intel" # SGX and TDX: one root, one signer
ln -s "$C/amd-sev-snp/trust" "$work/trust/snp"
ln -s "$C/arm-cca/c1-tfrmm-ccatoken-tag399" "$work/trust/cca"
ln -s "$C/nvidia-gpu/trust" "$work/trust/nvidia-gpu"
# the Intel collateral of s1 (SGX), t1 (TDX) and s3 (the platform of the RA-TLS certificates)
# side by side in one folder: the verifier picks by FMSPC and kind
mkdir -p "$work/coll/intel"
for s in intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor intel-tdx/t1-dcapqvl-tdx-v4-uptodate \
    intel-sgx-dcap/s3-occlum-v3-platform; do
    for f in "$C/$s"/*; do
        [ "$(basename "$f")" = quote.bin ] || ln -s "$f" "$work/coll/intel/${s#*/}-$(basename "$f")"
    done
done
ln -s "$C/amd-sev-snp/n1-gosevguest-milan-vcek" "$work/coll/snp"
ln -s "$C/nvidia-gpu/rim" "$work/coll/nvidia-gpu"

# a TPM (swtpm) whose AK the service pins
"$UATTEST" collect --tee tpm --root "$T/root" --state-dir "$work/tpm" -O tcti="$TCTI" \
    --report-data 00 -o "$work/tpm-pass.json" || fail "collect tpm"
mkdir -p "$work/trust/tpm"
tpm_pin_ak "$work/trust"

ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
[[ "$ADMIN" == uata_* ]] || fail "--init-admin printed no token"
start a --data-dir "$work/a" --trust "$work/trust" --collateral "$work/coll"
A=$(url http a)

hdr() { curl -s -D - -o "$work/body" "$@" | tr -d '\r'; }
h=$(hdr "$A/ui/")
grep -q '^HTTP/1.1 200' <<<"$h" || fail "/ui/: $h"
grep -q '^Content-Type: text/html; charset=utf-8' <<<"$h" || fail "/ui/ content type: $h"
grep -q "^Content-Security-Policy: default-src 'self'; script-src 'self';" <<<"$h" || fail "CSP: $h"
grep -q "frame-ancestors 'none'" <<<"$h" || fail "CSP framing: $h"
grep -q '^Cache-Control: no-cache' <<<"$h" || fail "Cache-Control: $h"
etag=$(sed -n 's/^ETag: //p' <<<"$h")
[ -n "$etag" ] || fail "no ETag"
rm -f "$work/body"
expect "$(req GET "$A/ui/" -H "If-None-Match: $etag")" 304 "" "/ui/ revalidated"
[ ! -s "$work/body" ] || fail "a 304 with a body"
for f in common.js:text/javascript explorer.js:text/javascript ops.js:text/javascript \
    console.css:text/css ops.html:text/html; do
    h=$(hdr "$A/ui/${f%%:*}")
    grep -q "^Content-Type: ${f#*:}; charset=utf-8" <<<"$h" || fail "${f%%:*}: $h"
    grep -q '^Content-Security-Policy: ' <<<"$h" || fail "${f%%:*}: no CSP"
done
h=$(hdr "$A/ui")
grep -q '^HTTP/1.1 302' <<<"$h" && grep -q '^Location: /ui/' <<<"$h" || fail "/ui redirect: $h"
# traversal, hidden files, unknown kinds: all 404, none reaches the data directory
touch "$work/a/secret.html"
for p in "/ui/../a/secret.html" "/ui/%2e%2e/%2e%2e/etc/passwd" "/ui/..%2fa%2fsecret.html" \
    "/ui/.hidden.html" "/ui//etc/passwd" "/ui/common.js/" "/ui/README"; do
    expect "$(req GET "$A$p" --path-as-is)" 404 USAGE_NOT_FOUND "traversal $p"
done
# a link inside the console's folder that leads out of it is not followed (a second server on
# a copy of the folder: the build tree stays as built)
cp -r "$(dirname "$UATTESTD")/share/uattest/ui" "$work/ui"
ln -s "$work/a/secret.html" "$work/ui/evil.html"
start u --data-dir "$work/u" --trust "$work/trust" --ui-dir "$work/ui"
expect "$(req GET "$(url http u)/ui/evil.html")" 404 USAGE_NOT_FOUND "a link out of the folder"
expect "$(req GET "$(url http u)/ui/ops.html")" 200 "" "the copied folder"
kill "${svc_pid[u]}"
expect "$(req POST "$A/ui/index.html")" 405 USAGE_METHOD "POST to a console file"
echo "ok - /ui/ serves the console with CSP, content types, ETag revalidation; traversal is 404"

# ---- the explorer route: bad requests are named errors, nothing is stored
expect "$(req POST "$A/v1/verify" --data-binary '{"evidence": 12}')" 400 USAGE_INVALID_ARGUMENT \
    "verify: evidence of the wrong type"
expect "$(req POST "$A/v1/verify" --data-binary '{"evidence":"AAAA","at":"yesterday"}')" 400 \
    USAGE_INVALID_ARGUMENT "verify: bad at"
expect "$(req POST "$A/v1/verify" --data-binary '{"evidence":"AAAA","nonce":"x"}')" 400 "" \
    "verify: unknown member"
expect "$(req POST "$A/v1/verify" --data-binary "{\"evidence\":$(cat "$work/first.json")}")" 200 "" \
    "verify sim"
[ "$(jget "$work/body" tee)" = sim ] || fail "verify sim: $(cat "$work/body")"
[ "$(jget "$work/body" result)" = warning ] || fail "verify sim result: $(cat "$work/body")"
[ "$(jget "$work/body" error)" = null ] || fail "verify sim error: $(cat "$work/body")"
expect "$(req GET "$A/v1/attestations" -H "Authorization: Bearer $ADMIN")" 200 "" "attestations"
[ "$(jget "$work/body" attestations)" = "[]" ] || fail "the explorer stored an attestation"
expect "$(req GET "$A/v1/attestations")" 401 USAGE_UNAUTHENTICATED "attestations without a token"
expect "$(req GET "$A/v1/collateral/status" -H "Authorization: Bearer uata_wrong")" 403 \
    USAGE_FORBIDDEN "collateral status, wrong token"
expect "$(req GET "$A/v1/attestations?limit=0" -H "Authorization: Bearer $ADMIN")" 400 \
    USAGE_INVALID_ARGUMENT "attestations, bad limit"
expect "$(req GET "$A/v1/collateral/status?warn_days=30" -H "Authorization: Bearer $ADMIN")" 200 "" \
    "collateral status"
grep -q '"kind":"tcbInfo"' "$work/body" || fail "collateral status: no TCB info: $(head -c 400 "$work/body")"
grep -q '"kind":"crl"' "$work/body" || fail "collateral status: no CRL"
grep -q '"state":"expired"' "$work/body" || fail "collateral status: corpus collateral is expired"
echo "ok - POST /v1/verify answers without storing; the admin routes need the admin token"

# ---- samples for the browser: a passing and a failing one per TEE family
cp "$C/amd-sev-snp/n1-gosevguest-milan-vcek/report.bin" "$work/snp-pass.bin"
cp "$work/snp-pass.bin" "$work/snp-fail.bin"
printf "\\x$(printf %02x $((0x$(xxd -s 42 -l 1 -p "$work/snp-pass.bin") ^ 1)))" |
    dd of="$work/snp-fail.bin" bs=1 seek=42 conv=notrunc status=none
cp "$C/arm-cca/c1-tfrmm-ccatoken-tag399/cca_token.cbor" "$work/cca-pass.cbor"
cp "$work/cca-pass.cbor" "$work/cca-fail.cbor"
n=$(stat -c %s "$work/cca-fail.cbor")
printf "\\x$(printf %02x $((0x$(xxd -s $((n - 1)) -l 1 -p "$work/cca-fail.cbor") ^ 1)))" |
    dd of="$work/cca-fail.cbor" bs=1 seek=$((n - 1)) conv=notrunc status=none
nv() { # chain file -> trustee's NVIDIA evidence JSON for the g1 report
    "$PY" - "$C/nvidia-gpu/g1-nvtrust-hopper-sample" "$1" <<'PYNV'
import base64, json, sys
d, chain = sys.argv[1], sys.argv[2]
print(json.dumps({"device_evidence_list": [{"arch": "HOPPER",
    "evidence": open(d + "/attestation_report.hex").read().strip(),
    "certificate": base64.b64encode(open(chain, "rb").read()).decode()}]}))
PYNV
}
G1=$C/nvidia-gpu/g1-nvtrust-hopper-sample
nv "$G1/cert_chain.pem" >"$work/nv-pass.json"
nv "$G1/NEG_cert_chain_case2.pem" >"$work/nv-fail.json"
"$UATTEST" collect --tee sim --state-dir "$work/other-sim" --report-data 00 -o "$work/sim-fail.json"
"$PY" - "$work/tpm-pass.json" "$work/tpm-fail.json" <<'PYTPM'
import base64, json, sys
cmw = json.load(open(sys.argv[1]))
raw = bytearray(base64.urlsafe_b64decode(cmw[1] + "=" * (-len(cmw[1]) % 4)))
i = raw.find(b"\xffTCG")  # TPM_GENERATED_VALUE: the quote's TPMS_ATTEST starts here
assert i >= 0, "no TPMS_ATTEST in the TPM evidence"
raw[i + 10] ^= 1  # inside the signed qualifiedSigner
cmw[1] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
json.dump(cmw, open(sys.argv[2], "w"))
PYTPM
cp "$work/first.json" "$work/sim-pass.json"
echo "ok - samples ready"

set +e
"$PY" "$HERE/console_browser.py" --url "$A" --admin "$ADMIN" --work "$work" --uattest "$UATTEST" \
    --corpus "$C" ${SHOTS:+--screenshots "$SHOTS"}
rc=$?
set -e
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || fail "the browser test failed (exit $rc)"

# the service stops cleanly, and (in the sanitizer build) without a report
kill "${svc_pid[a]}"
st=0
wait "${svc_pid[a]}" || st=$?
[ "$st" -eq 0 ] || fail "uattestd exited with $st after SIGTERM"
! grep -E "Sanitizer|runtime error" "$work/a.log" "$work/u.log" || fail "a sanitizer report"
echo "ok - uattestd stopped cleanly"
