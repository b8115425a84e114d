#!/usr/bin/env bash
# The SEV-SNP attester on a fake device tree (--root): /dev/sev-guest for detection and a
# configfs-tsm report entry (provider sev_guest) the "kernel" has answered with a corpus report and
# a certificate table (auxblob). Checks what is written (inblob, privlevel), that the VCEK/VLEK of
# the table travels with the report, and that the evidence verifies with no collateral directory.
set -euo pipefail
U=${1:?usage: attest_snp_fake_tree.sh uattest corpus}
C=${2:?}/amd-sev-snp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

N1=$C/n1-gosevguest-milan-vcek
N3=$C/n3-trustee-milan-vlek-aws
# the report data of n1: 01 02 03 04 05, then zeros
rd=0102030405$(printf '0%.0s' $(seq 1 118))

# table GUID... -> auxblob: the certificate table format of the GHCB extended guest request
table() { # out (guid file)...
    python3 - "$@" <<'EOF'
import struct, sys
guids = {"vcek": "63da758de6644564adc5f4b93be8accd", "vlek": "a8074bc2a25a483eaae639c045a0b8a1",
         "ask": "4ab7b379bbac4fe4a02f05aef327c782", "ark": "c0b406a4a803495297433fb6014cd0ae"}
out, args = sys.argv[1], sys.argv[2:]
entries = [(bytes.fromhex(guids[args[i]]), open(args[i + 1], "rb").read()) for i in range(0, len(args), 2)]
off, head, data = 24 * (len(entries) + 1), b"", b""
for g, d in entries:
    head += g + struct.pack("<II", off, len(d))
    off += len(d)
    data += d
blob = head + bytes(24) + data
open(out, "wb").write(blob + bytes(-len(blob) % 4096))  # the kernel hands back whole pages
EOF
}

new_tree() { # root report auxblob
    entry="$1/sys/kernel/config/tsm/report/uattest-test"
    rm -rf "$1"
    mkdir -p "$1/dev" "$entry"
    : >"$1/dev/sev-guest"
    echo sev_guest >"$entry/provider"
    echo 3 >"$entry/generation"
    cp "$2" "$entry/outblob"
    cp "$3" "$entry/auxblob"
}

collect() { # root out [options...]
    local root=$1 out=$2
    shift 2
    set +e
    "$U" collect --root "$root" --report-data "$rd" -O tsm-entry=uattest-test "$@" -o "$out" \
        2>"$work/err"
    code=$?
    set -e
}

# 1. VCEK in the auxblob (with ASK and ARK, which the verifier does not need from the evidence)
table "$work/aux1" vcek "$N1/vcek.der" ask "$C/trust/ask_ark_milan.pem" ark "$C/trust/ask_ark_milan.pem"
root="$work/snp"
new_tree "$root" "$N1/report.bin" "$work/aux1"
"$U" tees "$root" | grep -E '^snp +.* detected' >/dev/null || fail "snp not detected under $root"
collect "$root" "$work/ev.json" -O vmpl=0
[ "$code" -eq 0 ] || fail "collect: exit $code $(cat "$work/err")"
[ "$(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')" = "$rd" ] || fail "inblob is not the report data"
[ "$(cat "$entry/privlevel")" = 0 ] || fail "privlevel is not the vmpl option"
grep -q '"application/vnd.amd.sev.snp.report"' "$work/ev.json" || fail "media type"
"$U" inspect "$work/ev.json" >"$work/insp"
grep -q '"role": "vcek"' "$work/insp" || fail "the VCEK did not travel with the report"
grep -q '"role": "ask"' "$work/insp" && fail "only the VCEK/VLEK is passed along"
"$U" verify --trust "$C/trust" --at 2022-09-24T01:00:00Z --report-data "$rd" "$work/ev.json" \
    2>"$work/err" | grep '"status": "UpToDate"' >/dev/null ||
    fail "collected evidence does not verify without collateral: $(cat "$work/err")"
echo "ok - snp: detected, inblob and privlevel written, report and VCEK collected and verified"

# 2. the VLEK of n3 (requested at VMPL 1, as the report says)
table "$work/aux3" vlek "$N3/vlek.der"
new_tree "$root" "$N3/report.bin" "$work/aux3"
rd3=$(od -An -tx1 -v -j80 -N64 "$N3/report.bin" | tr -d ' \n')
rd_save=$rd
rd=$rd3
collect "$root" "$work/ev3.cbor" -O vmpl=1 --format cbor
[ "$code" -eq 0 ] || fail "collect n3: exit $code $(cat "$work/err")"
"$U" verify --trust "$C/trust" --at 2025-06-01T00:00:00Z --report-data "$rd" "$work/ev3.cbor" \
    2>"$work/err" | grep '"signing_key": "VLEK"' >/dev/null || fail "VLEK evidence: $(cat "$work/err")"
echo "ok - snp: VLEK collected with the report and verified"
# the report answers another VMPL than asked: a device error
collect "$root" "$work/x.json" -O vmpl=0
[ "$code" -eq 5 ] && grep -q 'PLATFORM_DEVICE' "$work/err" || fail "vmpl mismatch: $code $(cat "$work/err")"
collect "$root" "$work/x.json" -O vmpl=4
[ "$code" -eq 2 ] && grep -q 'USAGE_INVALID_ARGUMENT' "$work/err" || fail "vmpl 4: $code $(cat "$work/err")"
rd=$rd_save
echo "ok - snp: VMPL checked (option 0-3, report matches)"

# 3. a report for other report data, a malformed certificate table, another provider
new_tree "$root" "$N3/report.bin" "$work/aux3"
collect "$root" "$work/x.json"
[ "$code" -eq 5 ] && grep -q 'report_data' "$work/err" || fail "report data: $code $(cat "$work/err")"
printf 'not a table at all, not zero padding either' >"$work/badaux"
new_tree "$root" "$N1/report.bin" "$work/badaux"
collect "$root" "$work/x.json"
[ "$code" -eq 5 ] && grep -q 'certificate table is malformed' "$work/err" ||
    fail "bad auxblob: $code $(cat "$work/err")"
new_tree "$root" "$N1/report.bin" "$work/aux1"
echo tdx_guest >"$entry/provider"
collect "$root" "$work/x.json"
[ "$code" -eq 5 ] && grep -q 'PLATFORM_DEVICE' "$work/err" || fail "provider: $code $(cat "$work/err")"
echo "ok - snp: other report data, a malformed table and another provider are device errors"

# 4. no certificates from the host: the report alone; the verifier then needs its collateral
: >"$work/empty"
new_tree "$root" "$N1/report.bin" "$work/empty"
collect "$root" "$work/plain.json"
[ "$code" -eq 0 ] || fail "collect without certificates: $(cat "$work/err")"
set +e
"$U" verify --trust "$C/trust" --at 2022-09-24T01:00:00Z "$work/plain.json" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 4 ] && grep -q VERIFY_COLLATERAL "$work/err" || fail "no VCEK: $code $(cat "$work/err")"
"$U" verify --trust "$C/trust" --collateral "$N1" --at 2022-09-24T01:00:00Z "$work/plain.json" \
    2>/dev/null | grep '"tee": "snp"' >/dev/null || fail "report with collateral VCEK"
echo "ok - snp: without host certificates the VCEK comes from the collateral"

# 5. no configfs-tsm: a named platform error
rm -rf "$root/sys"
set +e
"$U" collect --root "$root" --report-data "$rd" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'configfs-tsm' "$work/err" || fail "no configfs: $(cat "$work/err")"
echo "ok - snp without configfs-tsm: PLATFORM_DEVICE naming configfs-tsm"
