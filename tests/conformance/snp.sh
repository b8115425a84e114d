#!/usr/bin/env bash
# AMD SEV-SNP corpus conformance through the CLI: every sample verifies at its pinned time with the
# claims PROVENANCE.md states, fails with VERIFY_EXPIRED one second after its window closes (and one
# second before it opens), and the negative cases (synthetic NEG VCEKs, a VLEK presented as the
# VCEK, another product's roots, an edited REPORTED_TCB, an unsigned report) fail with their names.
set -euo pipefail
U=${1:?usage: snp.sh uattest corpus_dir}
C=${2:?}/amd-sev-snp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# verify TRUST COLLATERAL AT FILE -> claims on $work/out, error on $work/err, exit code in $code
verify() {
    set +e
    "$U" verify --trust "$1" --collateral "$2" --at "$3" --compact "$4" >"$work/out" 2>"$work/err"
    code=$?
    set -e
}

expect_ok() { # sample at measurement report_data-prefix debug signing_key valid_until
    verify "$C/trust" "$C/$1" "$2" "$C/$1/report.bin"
    [ "$code" -eq 0 ] || fail "$1 at $2: exit $code: $(cat "$work/err")"
    grep -q '"tee":"snp"' "$work/out" || fail "$1: tee is not snp"
    grep -q '"tcb":{"status":"UpToDate"}' "$work/out" || fail "$1: status is not UpToDate"
    grep -q "\"measurement\":\"$3\"" "$work/out" || fail "$1: measurement is not $3"
    grep -q "\"report_data\":\"$4" "$work/out" || fail "$1: report_data does not start with $4"
    grep -q "\"debug\":$5" "$work/out" || fail "$1: debug is not $5"
    grep -q "\"signing_key\":\"$6\"" "$work/out" || fail "$1: signing key is not $6"
    grep -q "\"valid_until\":\"$7\"" "$work/out" || fail "$1: valid_until is not $7"
    echo "ok - $1 at $2: UpToDate, $6, debug $5"
}

expect_err() { # trust collateral at file ERROR_NAME [label]
    verify "$1" "$2" "$3" "$4"
    [ "$code" -ne 0 ] || fail "${6:-$4} at $3 verified; expected $5"
    grep -q "\[$5\]" "$work/err" || fail "${6:-$4} at $3: expected $5, got: $(cat "$work/err")"
    case $5 in VERIFY_*) [ "$code" -eq 4 ] || fail "${6:-$4}: exit $code for $5" ;; esac
    echo "ok - ${6:-$(basename "$(dirname "$4")")} at $3: $5"
}

N1=n1-gosevguest-milan-vcek
N2=n2-trustee-milan-vcek
N3=n3-trustee-milan-vlek-aws

# n1: asserted by go-sev-guest (TestRealAttestationVerification; chain at 2022-09-24T01:00:00Z)
expect_ok $N1 2022-09-24T01:00:00Z \
    b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01 \
    01020304050000 true VCEK 2029-09-24T00:55:28Z
grep -q '"reported_tcb":{"boot_loader":2,"microcode":68,"raw":"4405000000000002","snp":5,"tee":0}' \
    "$work/out" || fail "n1 reported_tcb"
grep -q '"product_name":"Milan-B0"' "$work/out" || fail "n1 product name"
expect_err "$C/trust" "$C/$N1" 2029-09-24T00:55:29Z "$C/$N1/report.bin" VERIFY_EXPIRED
expect_err "$C/trust" "$C/$N1" 2022-09-24T00:55:27Z "$C/$N1/report.bin" VERIFY_EXPIRED

# n2: asserted by trustee (check_report_signature, verify_report_tcb): REPORTED_TCB, not CURRENT_TCB
expect_ok $N2 2024-07-03T00:00:00Z \
    a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c \
    ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2 false VCEK 2030-01-24T17:58:26Z
grep -q '"svn":4' "$work/out" || fail "n2 guest_svn"
grep -q '"current_tcb":{"boot_loader":3,"microcode":206' "$work/out" || fail "n2 current_tcb"
expect_err "$C/trust" "$C/$N2" 2030-01-24T17:58:27Z "$C/$N2/report.bin" VERIFY_EXPIRED
expect_err "$C/trust" "$C/$N2" 2023-01-24T17:58:25Z "$C/$N2/report.bin" VERIFY_EXPIRED

# n3: asserted by trustee (check_vlek_signature_verification, check_vlek_report_signature)
expect_ok $N3 2025-06-01T00:00:00Z \
    8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0 \
    819770b7 false VLEK 2025-12-10T22:14:21Z
grep -q '"csp_id":"CN=cc-us-east-2.amazonaws.com"' "$work/out" || fail "n3 csp_id"
grep -q '"cpuid_fam_id":25' "$work/out" || fail "n3 cpuid"
expect_err "$C/trust" "$C/$N3" 2025-12-10T22:14:22Z "$C/$N3/report.bin" VERIFY_EXPIRED
expect_err "$C/trust" "$C/$N3" 2024-12-10T22:14:20Z "$C/$N3/report.bin" VERIFY_EXPIRED

# the synthetic NEG VCEKs (hwID 00 01 .. 3f, not signed by AMD): they parse, the chain fails
for neg in NEG_vcek-invalid-legacy.der NEG_vcek-invalid-new.der; do
    mkdir -p "$work/${neg%.der}" && cp "$C/$N2/$neg" "$work/${neg%.der}/"
    expect_err "$C/trust" "$work/${neg%.der}" 2024-07-03T00:00:00Z "$C/$N2/report.bin" VERIFY_CHAIN "$neg"
    grep -q 'certificate signature failure' "$work/err" || fail "$neg: $(cat "$work/err")"
done

# a VLEK presented as the VCEK: refused by kind, whatever its file is called
mkdir -p "$work/vlek-as-vcek" && cp "$C/$N3/vlek.der" "$work/vlek-as-vcek/vcek.der"
expect_err "$C/trust" "$work/vlek-as-vcek" 2025-06-01T00:00:00Z "$C/$N1/report.bin" VERIFY_CHAIN \
    "VLEK as VCEK"
grep -q 'signed with the VCEK (SIGNING_KEY 0) but the certificate is a VLEK' "$work/err" ||
    fail "VLEK as VCEK message: $(cat "$work/err")"
expect_err "$C/trust" "$C/$N1" 2025-06-01T00:00:00Z "$C/$N3/report.bin" VERIFY_CHAIN "VCEK for VLEK"

# the wrong product: only the Genoa and Turin roots configured for a Milan VCEK
mkdir -p "$work/other-roots" && cp "$C/trust/"*genoa* "$C/trust/"*turin* "$work/other-roots/"
expect_err "$work/other-roots" "$C/$N1" 2022-09-24T01:00:00Z "$C/$N1/report.bin" VERIFY_CHAIN \
    "Milan VCEK, Genoa/Turin roots"
grep -q 'ARK-Milan is not among the configured trust anchors' "$work/err" || fail "$(cat "$work/err")"
# the ASVK chain where the ASK chain belongs (trustee check_milan_chain_signature_failure)
mkdir -p "$work/asvk-only" && cp "$C/trust/ask_ark_milan_vlek.pem" "$work/asvk-only/"
expect_err "$work/asvk-only" "$C/$N1" 2022-09-24T01:00:00Z "$C/$N1/report.bin" VERIFY_CHAIN \
    "ASVK as ASK"
# another chip's VCEK (n2's) for n1: it chains to AMD but did not sign the report
mkdir -p "$work/other-chip" && cp "$C/$N2/vcek.der" "$work/other-chip/"
expect_err "$C/trust" "$work/other-chip" 2024-07-03T00:00:00Z "$C/$N1/report.bin" VERIFY_SIGNATURE \
    "another chip's VCEK"
# no VCEK at all
mkdir -p "$work/empty"
expect_err "$C/trust" "$work/empty" 2022-09-24T01:00:00Z "$C/$N1/report.bin" VERIFY_COLLATERAL \
    "no VCEK"
# no AMD root
expect_err "$work/empty" "$C/$N1" 2022-09-24T01:00:00Z "$C/$N1/report.bin" USAGE_NO_TRUST_ANCHOR \
    "no trust anchor"

# an AMD CRL in the collateral is used: one that claims to be ARK-Milan's but is signed by another
# key fails the chain (a real CRL signed by the ARK would revoke ASKs the same way)
mkdir -p "$work/ca" "$work/crl-coll"
touch "$work/ca/index.txt" && echo 01 >"$work/ca/crlnumber"
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha384\n' \
    "$work/ca" "$work/ca" >"$work/ca/ca.cnf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$work/ca/k.pem" \
    -out "$work/ca/c.pem" -days 10000 \
    -subj "/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN=ARK-Milan" 2>/dev/null
openssl ca -gencrl -config "$work/ca/ca.cnf" -keyfile "$work/ca/k.pem" -cert "$work/ca/c.pem" \
    -crl_lastupdate 20220101000000Z -crl_nextupdate 20300101000000Z -out "$work/crl-coll/milan.crl" \
    2>/dev/null
cp "$C/$N1/vcek.der" "$work/crl-coll/"
expect_err "$C/trust" "$work/crl-coll" 2022-09-24T01:00:00Z "$C/$N1/report.bin" VERIFY_CHAIN "forged CRL"
grep -q 'CRL signature failure' "$work/err" || fail "forged CRL: $(cat "$work/err")"

# edited REPORTED_TCB (snp SPL 5 -> 6 at 0x186): the signature fails before the TCB is compared
cp "$C/$N1/report.bin" "$work/tcb.bin"
printf '\x06' | dd of="$work/tcb.bin" bs=1 seek=$((0x186)) conv=notrunc status=none
expect_err "$C/trust" "$C/$N1" 2022-09-24T01:00:00Z "$work/tcb.bin" VERIFY_SIGNATURE "REPORTED_TCB edited"
# trustee check_report_signature_failure: byte 42 + 1
cp "$C/$N2/report.bin" "$work/b42.bin"
b=$(od -An -tu1 -j42 -N1 "$work/b42.bin" | tr -d ' ')
printf "$(printf '\\x%02x' $(( (b + 1) & 255 )))" | dd of="$work/b42.bin" bs=1 seek=42 conv=notrunc status=none
expect_err "$C/trust" "$C/$N2" 2024-07-03T00:00:00Z "$work/b42.bin" VERIFY_SIGNATURE "n2 byte 42 + 1"
# trustee check_vcek_signature_failure: VCEK byte 42 + 1 (inside the signed TBS)
mkdir -p "$work/vcek42" && cp "$C/$N2/vcek.der" "$work/vcek42/"
b=$(od -An -tu1 -j42 -N1 "$work/vcek42/vcek.der" | tr -d ' ')
printf "$(printf '\\x%02x' $(( (b + 1) & 255 )))" | dd of="$work/vcek42/vcek.der" bs=1 seek=42 conv=notrunc status=none
verify "$C/trust" "$work/vcek42" 2024-07-03T00:00:00Z "$C/$N2/report.bin"
[ "$code" -ne 0 ] || fail "VCEK byte 42 + 1 still verifies"
echo "ok - VCEK byte 42 + 1: $(grep -o '\[[A-Z_]*\]' "$work/err")"
# SIGNING_KEY 7 (none): not signed
cp "$C/$N1/report.bin" "$work/none.bin"
printf '\x1c' | dd of="$work/none.bin" bs=1 seek=$((0x48)) conv=notrunc status=none
expect_err "$C/trust" "$C/$N1" 2022-09-24T01:00:00Z "$work/none.bin" VERIFY_SIGNATURE "SIGNING_KEY none"
# 1185 bytes: not a report (a raw file is not recognised, so it is read as a CMW)
cp "$C/$N1/report.bin" "$work/long.bin" && printf '\x00' >>"$work/long.bin"
verify "$C/trust" "$C/$N1" 2022-09-24T01:00:00Z "$work/long.bin"
[ "$code" -eq 3 ] || fail "1185 bytes: exit $code $(cat "$work/err")"
echo "ok - 1185 bytes: $(grep -o '\[[A-Z_]*\]' "$work/err")"

# inspect needs no trust: fields under the ABI names
"$U" inspect "$C/$N3/report.bin" >"$work/out"
grep -q '"media_type": "application/vnd.amd.sev.snp.report"' "$work/out" || fail "inspect media type"
grep -q '"reported_tcb": {' "$work/out" && grep -q '"signing_key": 1' "$work/out" || fail "inspect"
echo "ok - inspect"
