#!/usr/bin/env bash
# Attesters on a fake device tree (--root): TDX through configfs-tsm and SGX through Gramine's
# /dev/attestation, filled from corpus quotes. Checks detection, what is written to the device
# (the report data) and that the evidence comes back as a verifiable CMW record.
set -euo pipefail
U=${1:?usage: attest_fake_tree.sh uattest corpus}
C=${2:?}
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
[ "$code" -eq 5 ] && grep -q 'configfs-tsm' "$work/err" || fail "no configfs: $(cat "$work/err")"
echo "ok - tdx without configfs-tsm: PLATFORM_DEVICE naming configfs-tsm"

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

# nothing at all: no TEE
mkdir -p "$work/empty"
set +e
"$U" collect --root "$work/empty" --report-data "$rd" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'PLATFORM_NO_TEE' "$work/err" || fail "empty root: $(cat "$work/err")"
echo "ok - no device: PLATFORM_NO_TEE"
