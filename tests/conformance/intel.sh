#!/usr/bin/env bash
# Intel SGX/TDX corpus conformance through the CLI: every sample gives exactly its expected status,
# advisories and measurements at its pinned time (PROVENANCE.md), and a named expiry error one second
# after its collateral window closes (and one second before it opens).
set -euo pipefail
U=${1:?usage: intel.sh uattest corpus_dir}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# verify SAMPLE TRUST AT -> claims on stdout, error on $work/err, exit code in $code
verify() {
    set +e
    "$U" verify --trust "$C/$2" --collateral "$C/$1" --at "$3" --compact "${4:-$C/$1/quote.bin}" \
        >"$work/out" 2>"$work/err"
    code=$?
    set -e
}

expect_ok() { # sample trust at status advisories-json measurement-key measurement report_data-prefix [quote]
    verify "$1" "$2" "$3" "${9:-}"
    [ "$code" -eq 0 ] || fail "$1 at $3: exit $code: $(cat "$work/err")"
    grep -q "\"status\":\"$4\"" "$work/out" || fail "$1: status is not $4: $(cat "$work/out")"
    grep -q "\"advisory_ids\":$5" "$work/out" || fail "$1: advisories are not $5"
    grep -q "\"$6\":\"$7\"" "$work/out" || fail "$1: $6 is not $7"
    grep -q "\"report_data\":\"$8" "$work/out" || fail "$1: report_data does not start with $8"
    echo "ok - $1: $4 $5"
}

expect_err() { # sample trust at ERROR_NAME [quote]
    verify "$1" "$2" "$3" "${5:-}"
    [ "$code" -ne 0 ] || fail "$1 at $3 verified; expected $4"
    grep -q "\[$4\]" "$work/err" || fail "$1 at $3: expected $4, got: $(cat "$work/err")"
    echo "ok - $1 at $3: $4"
}

S1=intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
S3=intel-sgx-dcap/s3-occlum-v3-platform
T1=intel-tdx/t1-dcapqvl-tdx-v4-uptodate
T2=intel-tdx/t2-dcapqvl-tdx-v5-no-tcb-level
T3=intel-tdx/t3-gotdx-v4-spr-2023

# s1: asserted by dcap-qvl tests/verify_quote.rs
expect_ok $S1 intel-sgx-dcap/trust 2025-07-01T00:00:00Z ConfigurationAndSWHardeningNeeded \
    '\["INTEL-SA-00289","INTEL-SA-00615"\]' mr_enclave \
    33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb 48656c6c6f2c20776f726c6421000000
grep -q '"debug":false' "$work/out" || fail "s1 is not a debug enclave"
expect_err $S1 intel-sgx-dcap/trust 2025-07-19T10:01:19Z VERIFY_EXPIRED
expect_err $S1 intel-sgx-dcap/trust 2025-06-19T10:56:10Z VERIFY_EXPIRED

# s3: computed (PROVENANCE): OutOfDate with ten advisories, DEBUG enclave, Platform CA PCK
expect_ok $S3 intel-sgx-dcap/trust 2025-09-01T00:00:00Z OutOfDate \
    '\["INTEL-SA-00586","INTEL-SA-00614","INTEL-SA-00615","INTEL-SA-00657","INTEL-SA-00730","INTEL-SA-00738","INTEL-SA-00767","INTEL-SA-00828","INTEL-SA-00837","INTEL-SA-00960"\]' \
    mr_signer 83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e 74657374000000
grep -q '"debug":true' "$work/out" || fail "s3 is a debug enclave"
grep -q '"pck_ca":"platform"' "$work/out" || fail "s3 PCK is issued by the Platform CA"
expect_err $S3 intel-sgx-dcap/trust 2025-09-14T04:36:47Z VERIFY_EXPIRED
expect_err $S3 intel-sgx-dcap/trust 2025-08-15T05:41:25Z VERIFY_EXPIRED

# t1: asserted UpToDate by dcap-qvl; TDX module TDX_01
expect_ok $T1 intel-tdx/trust 2025-07-01T00:00:00Z UpToDate '\[\]' mr_td \
    91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7 \
    9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9
grep -q '"rtmr3":"0000' "$work/out" || fail "t1 rtmr3"
expect_err $T1 intel-tdx/trust 2025-07-19T10:00:36Z VERIFY_EXPIRED
expect_err $T1 intel-tdx/trust 2025-06-19T10:32:26Z VERIFY_EXPIRED

# t2: every signature and chain is valid, but no TCB level matches (Intel: TCB_NOT_SUPPORTED)
expect_err $T2 intel-tdx/trust 2026-03-01T00:00:00Z VERIFY_TCB
grep -q 'TCB_NOT_SUPPORTED' "$work/err" || fail "t2 error names TCB_NOT_SUPPORTED"
expect_err $T2 intel-tdx/trust 2026-03-20T10:41:16Z VERIFY_EXPIRED
expect_err $T2 intel-tdx/trust 2026-02-18T10:58:50Z VERIFY_EXPIRED

# t3: its 39 bytes after the signature data are ASCII text, not zero padding: rejected. Without
# them the quote verifies (chain, signatures, collateral) but no TCB level matches (go-tdx-guest).
expect_err $T3 intel-tdx/trust 2023-07-01T01:00:00Z PARSE_TRAILING_BYTES
head -c 4935 "$C/$T3/quote.bin" >"$work/t3.bin"
expect_err $T3 intel-tdx/trust 2023-07-01T01:00:00Z VERIFY_TCB "$work/t3.bin"
expect_err $T3 intel-tdx/trust 2023-07-08T07:25:00Z VERIFY_EXPIRED "$work/t3.bin"
expect_err $T3 intel-tdx/trust 2053-07-01T00:00:00Z VERIFY_EXPIRED "$work/t3.bin"

# wrong root CA: the TDX trust folder swapped for another vendor's root
mkdir -p "$work/wrongroot"
cp "$C/amd-sev-snp/trust/"*.pem "$work/wrongroot/" 2>/dev/null || true
ls "$work/wrongroot"/*.pem >/dev/null 2>&1 || fail "no other root to test with"
set +e
"$U" verify --trust "$work/wrongroot" --collateral "$C/$S1" --at 2025-07-01T00:00:00Z "$C/$S1/quote.bin" \
    >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 4 ] && grep -q 'VERIFY_CHAIN' "$work/err" || fail "wrong root: $(cat "$work/err")"
echo "ok - wrong root CA: VERIFY_CHAIN"

# a changed CRL or TCB info byte is rejected
for f in pck_crl.der root_ca_crl.der tcb_info.json qe_identity.json; do
    rm -rf "$work/coll" && cp -r "$C/$S1" "$work/coll"
    size=$(stat -c %s "$work/coll/$f")
    for off in 40 $((size / 2)) $((size - 20)); do
        cp "$C/$S1/$f" "$work/coll/$f"
        orig=$(od -An -tu1 -j"$off" -N1 "$work/coll/$f" | tr -d ' ')
        printf "$(printf '\\x%02x' $(( orig ^ 0x04 )))" | dd of="$work/coll/$f" bs=1 seek="$off" conv=notrunc status=none
        set +e
        "$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$work/coll" --at 2025-07-01T00:00:00Z \
            "$C/$S1/quote.bin" >/dev/null 2>"$work/err"; code=$?
        set -e
        [ "$code" -ne 0 ] || fail "$f with byte $off changed still verifies"
    done
    echo "ok - $f: changed bytes rejected ($(head -c 80 "$work/err"))"
done
