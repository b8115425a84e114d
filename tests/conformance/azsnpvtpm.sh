#!/usr/bin/env bash
# Azure SEV-SNP CVM (az-snp-vtpm) through the CLI: trustee's evidence-v2.json verifies as it is
# (sniffed, no CMW envelope) at the pinned time with the nonce as report data and the claims
# PROVENANCE.md (tpm2, p2) states; another nonce is VERIFY_BINDING, a time before the VCEK is
# VERIFY_EXPIRED, another product's roots are VERIFY_CHAIN; inspect lists the HCL report.
set -euo pipefail
U=${1:?usage: azsnpvtpm.sh uattest corpus_dir}
C=${2:?}
E=$C/tpm2/p2-trustee-azure-snp-vtpm/evidence-v2.json
T=$C/amd-sev-snp/trust
AT=2026-07-16T00:00:00Z
NONCE=982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

run() { # trust at report_data
    set +e
    "$U" verify --trust "$1" --at "$2" --report-data "$3" --compact "$E" >"$work/out" 2>"$work/err"
    code=$?
    set -e
}

run "$T" "$AT" "$NONCE"
[ "$code" -eq 0 ] || fail "evidence-v2.json: exit $code: $(cat "$work/err")"
for want in '"tee":"az-snp-vtpm"' "\"report_data\":\"$NONCE\"" \
    '"pcr00":"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7"' \
    '"secure_boot":true' '"tpm_enabled":true' '"vm_unique_id":"7DF7B373-B947-4AAA-96E5-C358F2A03D20"' \
    '"tcb":{"status":"UpToDate"}' '"ak_trust":"hcl-report"' '"valid_until":"2032-01-28T16:33:43Z"'; do
    grep -qF "$want" "$work/out" || fail "claims lack $want"
done
echo "ok - evidence-v2.json verifies: nonce, pcr00, vm-configuration, VCEK chain"

expect_err() { # trust at report_data ERROR label
    run "$1" "$2" "$3"
    [ "$code" -eq 4 ] || fail "$5: exit $code, expected $4"
    grep -q "\[$4\]" "$work/err" || fail "$5: expected $4, got: $(cat "$work/err")"
    echo "ok - $5: $4"
}
expect_err "$T" "$AT" 123abc VERIFY_BINDING "report data 123abc (trustee test_verify_user_data)"
expect_err "$T" 2025-01-28T16:33:42Z "$NONCE" VERIFY_EXPIRED "one second before the VCEK"
mkdir -p "$work/genoa"
cp "$T/ask_ark_genoa.pem" "$work/genoa/"
expect_err "$work/genoa" "$AT" "$NONCE" VERIFY_CHAIN "only the Genoa roots"

"$U" inspect "$E" >"$work/inspect" || fail "inspect failed"
grep -q '"kid": *"HCLAkPub"' "$work/inspect" || fail "inspect lacks the variable data"
grep -q '"report_size": *2346' "$work/inspect" || fail "inspect lacks report_size"
echo "ok - inspect shows the HCL header and the variable data"
