#!/usr/bin/env bash
# Huawei iTrustee corpus evidence through the CLI (`uattest verify` / `inspect` / `refvals
# import`), with the outcomes of ../shared/corpus/huawei-itrustee/PROVENANCE.md at the pinned time:
# exit codes, error names and the claims that matter.
set -euo pipefail
U=${1:?usage: itrustee.sh uattest corpus}
C=${2:?}/huawei-itrustee
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

run() { # out args...: sets code
    local out=$1
    shift
    set +e
    "$U" "$@" >"$out" 2>"$work/err"
    code=$?
    set -e
}

AT=2026-06-01T00:00:00Z
K1=$C/k1-kunpengsecl-noas/report.bin
J1=$C/j1-kunpengsecl-json-qta-e08f7eca/report.json
CH=$(printf challenge | od -An -tx1 | tr -d ' \n')
J1N=$(python3 -c 'print(bytes(range(0x41,0x81)).hex())')

# 1. both formats verify at the pinned time; the nonce binds
run "$work/out" verify --trust "$C/trust" --at $AT --report-data "$CH" "$K1"
[ "$code" -eq 0 ] || fail "k1: exit $code $(cat "$work/err")"
grep -q '"device_serial": "026PPV10KA005139T"' "$work/out" || fail "k1: device serial"
grep -q '"uuid": "f68fd704-6eb1-4d14-b218-722850eb3ef0"' "$work/out" || fail "k1: uuid"
run "$work/out" verify --trust "$C/trust" --at $AT --report-data "$J1N" "$J1"
[ "$code" -eq 0 ] || fail "j1: exit $code $(cat "$work/err")"
grep -q '"measurement": "15a38f450be38bcc8d62fa352bc5c33035d72b6964c227a0a6bbabf1d8de2a07"' \
    "$work/out" || fail "j1: measurement"
run "$work/out" verify --trust "$C/trust" --at $AT --evidence-nonce challengf "$K1"
[ "$code" -eq 4 ] && grep -q VERIFY_BINDING "$work/err" || fail "k1: wrong nonce: $code"
echo "ok - itrustee: k1 (binary) and j1 (JSON) verify; the nonce binds"

# 2. DAA refused by name; expiry; an unrelated anchor
for f in "$C/k4-kunpengsecl-daa/report.bin" "$C/j1-kunpengsecl-json-qta-e08f7eca/report_sce_as_with_daa.json"; do
    run "$work/out" verify --trust "$C/trust" --at $AT "$f"
    grep -q UNSUPPORTED_FEATURE "$work/err" || fail "$f: not refused as DAA: $(cat "$work/err")"
done
run "$work/out" verify --trust "$C/trust" --at 2038-01-01T00:00:00Z "$K1"
grep -q VERIFY_EXPIRED "$work/err" || fail "k1 in 2038: $(cat "$work/err")"
mkdir -p "$work/other/itrustee"
cp "$C/../arm-cca/virtcca-trust/Huawei_ECC_Attestation_Root_CA_1.pem" "$work/other/itrustee/"
run "$work/out" verify --trust "$work/other" --at $AT "$K1"
grep -q VERIFY_CHAIN "$work/err" || fail "k1 under another root: $(cat "$work/err")"
echo "ok - itrustee: DAA is UNSUPPORTED_FEATURE; expired and foreign chains fail"

# 3. kunpengsecl baselines imported and appraised
run "$work/rv.json" refvals import --format kunpengsecl "$C/refvalues/basevalue.txt"
[ "$code" -eq 0 ] || fail "import: $(cat "$work/err")"
run "$work/out" verify --trust "$C/trust" --at $AT --reference-values "$work/rv.json" --ear "$K1"
grep -q '"ear.status": "affirming"' "$work/out" || fail "k1 + basevalue.txt not affirming"
run "$work/rv2.json" refvals import --format kunpengsecl "$C/refvalues/basevalue2.txt"
run "$work/out" verify --trust "$C/trust" --at $AT --reference-values "$work/rv2.json" --ear "$K1"
grep -q '"ear.status": "contraindicated"' "$work/out" || fail "k1 + basevalue2.txt accepted"
run "$work/rv3.json" refvals import --format kunpengsecl "$C/refvalues/attester_demo_basevalue.txt"
run "$work/out" verify --trust "$C/trust" --at $AT --reference-values "$work/rv3.json" --ear "$J1"
grep -q '"ear.status": "affirming"' "$work/out" || fail "j1 + attester_demo_basevalue.txt"
run "$work/out" inspect "$K1"
[ "$code" -eq 0 ] && grep -q '"scenario": "sce_no_as"' "$work/out" || fail "inspect k1"
echo "ok - itrustee: kunpengsecl baselines match k1 and j1, not basevalue2.txt"
