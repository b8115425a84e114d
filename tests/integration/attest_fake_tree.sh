#!/usr/bin/env bash
# Attesters on a fake device tree (--root): TDX through configfs-tsm (and the /dev/tdx_guest
# ioctl's errors), SGX through Gramine's /dev/attestation and through a stand-in for Intel's DCAP
# quote library (argument 3), filled from corpus quotes. Checks detection, what is written to the
# device (the report data) and that the evidence comes back as a verifiable CMW record.
set -euo pipefail
U=${1:?usage: attest_fake_tree.sh uattest corpus fake-dcap-ql.so}
C=${2:?}
QL=${3:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
rd=$(printf '%02x' $(seq 101 164) | tr -d '\n')

# TDX guest: /dev/tdx_guest and a configfs-tsm report entry the "kernel" has answered
root="$work/tdx"
entry="$root/sys/kernel/config/tsm/report/uattest-test"
mkdir -p "$root/dev" "$entry"
: >"$root/dev/tdx_guest"
echo tdx_guest >"$entry/provider"
echo 7 >"$entry/generation"
T1=intel-tdx/t1-dcapqvl-tdx-v4-uptodate
cp "$C/$T1/quote.bin" "$entry/outblob"
"$U" tees "$root" | grep -E '^tdx +.* detected' >/dev/null || fail "tdx not detected under $root"
"$U" collect --root "$root" --report-data "$rd" -O tsm-entry=uattest-test -o "$work/tdx.json"
[ "$(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')" = "$rd" ] || fail "inblob is not the report data"
"$U" inspect "$work/tdx.json" | grep '"mr_td": "91eb2b44' >/dev/null || fail "inspect of collected TDX evidence"
"$U" verify --trust "$C/intel-tdx/trust" --collateral "$C/$T1" --at 2025-07-01T00:00:00Z \
    "$work/tdx.json" 2>/dev/null | grep '"status": "UpToDate"' >/dev/null || fail "collected TDX evidence verifies"
echo "ok - tdx: detected, inblob written, quote collected and verified"

"$U" collect --root "$root" --report-data "$rd" -O tsm-entry=uattest-test -O interface=configfs-tsm \
    -o "$work/tdx2.json"
cmp -s "$work/tdx.json" "$work/tdx2.json" || fail "interface=configfs-tsm collects the same quote"
echo "ok - tdx: interface=configfs-tsm"

# interface=ioctl: /dev/tdx_guest here is a plain file, so TDX_CMD_GET_REPORT0 fails (ENOTTY)
set +e
"$U" collect --root "$root" --report-data "$rd" -O interface=ioctl >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'interface ioctl: TDX_CMD_GET_REPORT0 on .*/dev/tdx_guest failed' "$work/err" ||
    fail "interface=ioctl: exit $code $(cat "$work/err")"
set +e
"$U" collect --root "$root" --report-data "$rd" -O interface=vsock >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q 'USAGE_INVALID_ARGUMENT' "$work/err" || fail "interface=vsock: exit $code"
echo "ok - tdx: interface=ioctl names the ioctl that failed; an unknown interface is a usage error"

# a racing writer (generation changes between reads) and a wrong provider are device errors
echo sev_guest >"$entry/provider"
set +e
"$U" collect --root "$root" --tee tdx --report-data "$rd" -O tsm-entry=uattest-test >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'PLATFORM_DEVICE' "$work/err" || fail "wrong provider: exit $code $(cat "$work/err")"
echo "ok - tdx: a report from another provider is refused (PLATFORM_DEVICE)"

# no configfs-tsm: a named platform error that says why
rm -rf "$root/sys"
set +e
"$U" collect --root "$root" --report-data "$rd" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'interface configfs-tsm: no .*; interface ioctl: TDX_CMD_GET_REPORT0' "$work/err" ||
    fail "no configfs: $(cat "$work/err")"
set +e
"$U" collect --root "$root" --report-data "$rd" -O interface=configfs-tsm >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'interface configfs-tsm: no' "$work/err" || fail "configfs-tsm asked: $(cat "$work/err")"
echo "ok - tdx without configfs-tsm: PLATFORM_DEVICE naming configfs-tsm (and the ioctl in auto mode)"

# SGX inside Gramine: /dev/attestation
root="$work/sgx"
mkdir -p "$root/dev/attestation"
S1=intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
cp "$C/$S1/quote.bin" "$root/dev/attestation/quote"
: >"$root/dev/attestation/user_report_data"
"$U" collect --root "$root" --report-data "$rd" --format cbor -o "$work/sgx.cbor"
[ "$(od -An -tx1 -v "$root/dev/attestation/user_report_data" | tr -d ' \n')" = "$rd" ] ||
    fail "user_report_data is not the report data"
"$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$C/$S1" --at 2025-07-01T00:00:00Z \
    "$work/sgx.cbor" 2>/dev/null | grep '"tee": "sgx"' >/dev/null || fail "collected SGX evidence verifies"
echo "ok - sgx (Gramine): detected, user_report_data written, quote collected and verified"

# SGX SDK application: Intel's DCAP quote library (here a stand-in answering with the s1 quote)
# and the enclave's REPORT, which only the enclave can make: s1's ISV enclave report body, then a
# key id and MAC
root="$work/sgxsdk"
mkdir -p "$root/dev"
: >"$root/dev/sgx_enclave"
"$U" tees "$root" | grep -E '^sgx +.* detected' >/dev/null || fail "sgx not detected by /dev/sgx_enclave"
{ dd if="$C/$S1/quote.bin" bs=1 skip=48 count=384 status=none; head -c 48 /dev/zero; } >"$work/report.bin"
rd1=$(od -An -tx1 -v -j368 -N64 "$C/$S1/quote.bin" | tr -d ' \n')
"$U" collect --root "$root" --report-data "$rd1" -O dcap-ql="$QL" -O enclave-report="$work/report.bin" \
    -O qe-target-info="$work/ti.bin" -o "$work/sdk.json" 2>"$work/err" || fail "dcap-ql: $(cat "$work/err")"
[ "$(stat -c %s "$work/ti.bin")" -eq 512 ] || fail "QE target info not written"
"$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$C/$S1" --at 2025-07-01T00:00:00Z \
    --report-data "$rd1" "$work/sdk.json" 2>/dev/null | grep '"tee": "sgx"' >/dev/null ||
    fail "SGX evidence from the DCAP library verifies"
set +e
"$U" collect --root "$root" --report-data "$rd" -O dcap-ql="$QL" -O enclave-report="$work/report.bin" \
    >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 2 ] && grep -q 'other report data' "$work/err" || fail "report data mismatch: $code $(cat "$work/err")"
set +e
"$U" collect --root "$root" --report-data "$rd1" -O dcap-ql="$work/none.so" -O enclave-report="$work/report.bin" \
    >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'interface gramine: no .*; interface dcap-ql: cannot load' "$work/err" ||
    fail "no library: $code $(cat "$work/err")"
echo "ok - sgx (DCAP quote library): detected, QE target info written, quote for the enclave report verified"

# nothing at all: no TEE
mkdir -p "$work/empty"
set +e
"$U" collect --root "$work/empty" --report-data "$rd" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'PLATFORM_NO_TEE' "$work/err" || fail "empty root: $(cat "$work/err")"
echo "ok - no device: PLATFORM_NO_TEE"
