#!/usr/bin/env bash
# The Arm CCA attester on a fake device tree (--root): the RSI platform device for detection and a
# configfs-tsm report entry (provider arm_cca_guest) the "kernel" answers with a corpus token whose
# realm challenge is 0xAB x 64. Checks the inblob written, the token collected and verified, and
# the device errors (another challenge, another provider, no configfs-tsm).
set -euo pipefail
U=${1:?usage: attest_cca_fake_tree.sh uattest corpus}
C=${2:?}/arm-cca
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

C1=$C/c1-tfrmm-ccatoken-tag399
rd=$(printf 'ab%.0s' $(seq 1 64))
root="$work/realm"
entry="$root/sys/kernel/config/tsm/report/uattest-test"

new_tree() { # token provider
    rm -rf "$root"
    mkdir -p "$root/sys/bus/platform/devices/arm-cca-dev" "$entry"
    echo "$2" >"$entry/provider"
    echo 1 >"$entry/generation"
    cp "$1" "$entry/outblob"
}

collect() { # out [args...]
    local out=$1
    shift
    set +e
    "$U" collect --root "$root" -O tsm-entry=uattest-test "$@" -o "$out" 2>"$work/err"
    code=$?
    set -e
}

new_tree "$C1/cca_token.cbor" arm_cca_guest
"$U" tees "$root" | grep -E '^cca +.* detected' >/dev/null || fail "cca not detected under $root"
collect "$work/ev.json" --report-data "$rd"
[ "$code" -eq 0 ] || fail "collect: exit $code $(cat "$work/err")"
[ "$(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')" = "$rd" ] || fail "inblob is not the challenge"
grep -q 'application/eat-collection' "$work/ev.json" || fail "media type"
"$U" verify --trust "$C1" --report-data "$rd" "$work/ev.json" 2>"$work/err" |
    grep '"tee": "cca"' >/dev/null || fail "collected token does not verify: $(cat "$work/err")"
echo "ok - cca: detected, challenge written, token collected and verified"

new_tree "$C/c3-ccatoken-cmw-tag907/cca_token.cbor" arm_cca_guest
collect "$work/ev3.cbor" --report-data "$rd" --format cbor
[ "$code" -eq 0 ] || fail "collect c3: exit $code $(cat "$work/err")"
"$U" verify --trust "$C1" --report-data "$rd" "$work/ev3.cbor" >/dev/null 2>"$work/err" ||
    fail "CMW-collection token: $(cat "$work/err")"
echo "ok - cca: a CMW-collection (tag 907) token collected as CBOR and verified"

collect "$work/x.json" --report-data "cd${rd:2}"
[ "$code" -eq 5 ] && grep -q 'cca-realm-challenge' "$work/err" || fail "challenge: $code $(cat "$work/err")"
new_tree "$C1/cca_token.cbor" tdx_guest
collect "$work/x.json" --report-data "$rd"
[ "$code" -eq 5 ] && grep -q PLATFORM_DEVICE "$work/err" || fail "provider: $code $(cat "$work/err")"
printf 'not a token' >"$work/junk"
new_tree "$work/junk" arm_cca_guest
collect "$work/x.json" --report-data "$rd"
[ "$code" -eq 5 ] && grep -q 'not a CCA token' "$work/err" || fail "junk: $code $(cat "$work/err")"
echo "ok - cca: a token for another challenge, another provider and junk are device errors"

rm -rf "$root/sys/kernel"
set +e
"$U" collect --root "$root" --tee cca --report-data "$rd" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 5 ] && grep -q 'configfs-tsm' "$work/err" || fail "no configfs: $(cat "$work/err")"
echo "ok - cca without configfs-tsm: PLATFORM_DEVICE naming configfs-tsm"
