#!/usr/bin/env bash
# Arm CCA and Huawei virtCCA corpus evidence through the CLI (`uattest verify` / `inspect`), with
# the outcomes of ../shared/corpus/arm-cca/PROVENANCE.md at its pinned times: exit codes, error
# names and the claims that matter.
set -euo pipefail
U=${1:?usage: cca.sh uattest corpus}
C=${2:?}/arm-cca
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

C1=$C/c1-tfrmm-ccatoken-tag399
AB=$(printf 'ab%.0s' $(seq 1 64))

# 1. both Arm token forms verify with the published test CPAK; the realm challenge binds
for t in "$C1/cca_token.cbor" "$C/c3-ccatoken-cmw-tag907/cca_token.cbor"; do
    run "$work/out" verify --trust "$C1" --report-data "$AB" "$t"
    [ "$code" -eq 0 ] || fail "$t: exit $code $(cat "$work/err")"
    grep -q '"tee": "cca"' "$work/out" || fail "$t: tee"
    grep -q '"lifecycle_state": "secured"' "$work/out" || fail "$t: lifecycle"
    grep -q '"cca-platform-challenge": "b5973cb68baa9fc55558786b7ec67f69e40df5ba5aa921cd0c27f40587a011ea"' \
        "$work/out" || fail "$t: platform challenge"
    run "$work/out" verify --trust "$C1" --report-data "ac${AB:2}" "$t"
    [ "$code" -eq 4 ] && grep -q VERIFY_BINDING "$work/err" || fail "$t: wrong challenge: $code"
done
echo "ok - cca: tag 399 and CMW tag 907 tokens verify with the test CPAK; the challenge binds"

# 2. in a CMW record under the CCA media type; inspect without verifying
python3 - "$C1/cca_token.cbor" "$work/cmw.json" <<'PY'
import base64, json, sys
tok = open(sys.argv[1], "rb").read()
mt = 'application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"'
json.dump([mt, base64.urlsafe_b64encode(tok).decode().rstrip("=")], open(sys.argv[2], "w"))
PY
run "$work/out" verify --trust "$C1" --report-data "$AB" "$work/cmw.json"
[ "$code" -eq 0 ] || fail "CMW record: exit $code $(cat "$work/err")"
run "$work/out" inspect "$C1/cca_token.cbor"
[ "$code" -eq 0 ] && grep -q '"cca-platform-lifecycle": "0x3003"' "$work/out" || fail "inspect"
echo "ok - cca: CMW record form verifies; inspect shows the claims"

# 3. another CPAK (the virtCCA roots are no CPAK), a truncated token
run "$work/out" verify --trust "$C/virtcca-trust" "$C1/cca_token.cbor"
[ "$code" -eq 4 ] && grep -q VERIFY_UNTRUSTED_KEY "$work/err" || fail "no CPAK: $code"
head -c 600 "$C1/cca_token.cbor" >"$work/short.cbor"
run "$work/out" verify --trust "$C1" "$work/short.cbor"
[ "$code" -eq 3 ] && grep -q PARSE_TRUNCATED "$work/err" || fail "truncated: $code $(cat "$work/err")"
echo "ok - cca: an untrusted platform key and a truncated token are named errors"

# 4. virtCCA: the sample's IMA log does not reproduce REM3
V=$C/v2-gta-virtcca-legacy
T=$C/virtcca-trust
run "$work/out" verify --trust "$T" --at 2026-06-01T00:00:00Z "$V/evidence.json"
[ "$code" -eq 4 ] && grep -q 'VERIFY_MEASUREMENT.*virtcca.ima, field rem3' "$work/err" &&
    grep -q 'entry 2' "$work/err" || fail "virtcca IMA: $code $(cat "$work/err")"
echo "ok - virtcca: the IMA log does not reproduce REM3 (VERIFY_MEASUREMENT, entry 2)"

# 5. without the IMA log: chain, PS256, RAK = device key, CCEL = REM0..REM2, GTA's 32-byte nonce
python3 - "$V/evidence.json" "$work/noima.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["evidence"]["logs"] = [l for l in d["evidence"]["logs"] if l["log_type"] == "CCEL"]
json.dump(d, open(sys.argv[2], "w"))
PY
N=a0efa5f5c64ad1c8509eb8e8d1e44472da1c368b87c05423c89d6ed4d6dcf756
run "$work/out" verify --trust "$T" --at 2026-06-01T00:00:00Z --report-data "$N" "$work/noima.json"
[ "$code" -eq 0 ] || fail "virtcca: exit $code $(cat "$work/err")"
grep -q '"rak_binding": "device-certificate"' "$work/out" || fail "virtcca: RAK binding"
grep -q '"status": "replay_success"' "$work/out" || fail "virtcca: CCEL"
run "$work/out" verify --trust "$T" --at 2026-06-01T00:00:00Z --report-data "b0${N:2}" "$work/noima.json"
[ "$code" -eq 4 ] && grep -q VERIFY_BINDING "$work/err" || fail "virtcca nonce: $code"
run "$work/out" verify --trust "$T" --at 2025-01-01T00:00:00Z "$work/noima.json"
[ "$code" -eq 4 ] && grep -q VERIFY_EXPIRED "$work/err" || fail "virtcca early: $code"
run "$work/out" verify --trust "$C1" --at 2026-06-01T00:00:00Z "$work/noima.json"
[ "$code" -ne 0 ] || fail "virtcca with the CCA trust folder verified"
echo "ok - virtcca: token, chain and CCEL verify at 2026-06-01; wrong nonce, early time, wrong root fail"
