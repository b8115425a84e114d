#!/usr/bin/env bash
# `uattest verify --explain`: for a passing and a failing corpus sample of each TEE family with a
# complete one (sgx, tdx, snp, cca, itrustee; csv: failing only, its corpus sample lacks HSK/CEK;
# sim: made here), the JSON validates against docs/explain.schema.json, a pass lists only passing
# or skipped checks, and a failure ends with the expected named check, its error and its remedy.
# Also: --explain=text, and JSON when stdout is not a terminal.
set -euo pipefail
U=${1:?usage: explain.sh uattest corpus schema}
C=${2:?}
SCHEMA=${3:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check LABEL RESULT ERROR CHECK MIN_CHECKS verify-args...: RESULT pass|fail; ERROR/CHECK - for pass
check() {
    local label=$1 result=$2 err=$3 chk=$4 min=$5
    shift 5
    set +e
    "$U" verify --explain "$@" >"$work/out.json" 2>"$work/err"
    local code=$?
    set -e
    if [ "$result" = pass ]; then
        [ "$code" -eq 0 ] || fail "$label: exit $code $(cat "$work/err")"
    else
        [ "$code" -ne 0 ] || fail "$label: verified; expected $err"
        grep -q "\[$err\]" "$work/err" || fail "$label: stderr $(cat "$work/err")"
    fi
    python3 - "$SCHEMA" "$work/out.json" "$label" "$result" "$err" "$chk" "$min" <<'PY' || exit 1
import json, sys
import jsonschema
schema_path, out_path, label, result, err, chk, minimum = sys.argv[1:]
schema = json.load(open(schema_path))
doc = json.load(open(out_path))
jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
def die(msg):
    print("FAIL: %s: %s" % (label, msg), file=sys.stderr)
    sys.exit(1)
if doc["result"] != result:
    die("result %s" % doc["result"])
checks = doc["checks"]
passed = [c for c in checks if c["result"] == "pass"]
if len(passed) < int(minimum):
    die("only %d passing checks: %s" % (len(passed), [c["check"] for c in checks]))
if result == "pass":
    if doc["error"] is not None or any(c["result"] == "fail" for c in checks):
        die("a passing verification lists a failure")
else:
    last = checks[-1]
    if doc["error"]["error"] != err or doc["error"]["check"] != chk:
        die("error %s at %s" % (doc["error"]["error"], doc["error"]["check"]))
    if last["result"] != "fail" or last["check"] != chk or not last["remedy"]:
        die("last check %s" % last)
    if any(c["result"] == "fail" for c in checks[:-1]):
        die("a failure before the last check")
print("ok - %s: %s%s, %d checks, %d certificates, %d collateral" % (
    label, result, "" if result == "pass" else " at " + chk, len(checks),
    len(doc["certificates"]), len(doc["collateral"])))
PY
}

S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
check "sgx s1" pass - - 6 --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --at 2025-07-01T00:00:00Z "$S1/quote.bin"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
roles = [c["role"] for c in d["certificates"]]
kinds = [c["kind"] for c in d["collateral"]]
assert "leaf" in roles and "root" in roles and "crl" in roles, roles
assert "tcb_info" in kinds and "qe_identity" in kinds and "crl" in kinds, kinds
root = [c for c in d["certificates"] if c["role"] == "root"][0]
assert root["source"] == "trust dir" and "Intel SGX Root CA" in root["subject"], root
names = [c["check"] for c in d["checks"]]
for n in ("intel.pck_chain", "intel.qe_report_signature", "intel.qe_binding",
          "intel.quote_signature", "intel.collateral", "intel.tcb"):
    assert n in names, (n, names)
' "$work/out.json" || fail "sgx s1: certificates, collateral or checks missing"
check "sgx s1 expired QE identity" fail VERIFY_EXPIRED intel.collateral 4 \
    --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-19T10:01:19Z "$S1/quote.bin"
grep -q '"remedy": "Fetch fresh collateral' "$work/out.json" || fail "sgx: remedy"

T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
T2=$C/intel-tdx/t2-dcapqvl-tdx-v5-no-tcb-level
check "tdx t1" pass - - 6 --trust "$C/intel-tdx/trust" --collateral "$T1" \
    --at 2025-07-01T00:00:00Z "$T1/quote.bin"
check "tdx t2 no TCB level" fail VERIFY_TCB intel.tcb 6 --trust "$C/intel-tdx/trust" \
    --collateral "$T2" --at 2026-03-01T00:00:00Z "$T2/quote.bin"

N1=$C/amd-sev-snp/n1-gosevguest-milan-vcek
check "snp n1" pass - - 5 --trust "$C/amd-sev-snp/trust" --collateral "$N1" \
    --at 2022-09-24T01:00:00Z "$N1/report.bin"
check "snp n1 VCEK expired" fail VERIFY_EXPIRED snp.chain 0 --trust "$C/amd-sev-snp/trust" \
    --collateral "$N1" --at 2029-09-24T00:55:29Z "$N1/report.bin"

check "csv v1 without HSK/CEK" fail VERIFY_COLLATERAL csv.hsk_cek 2 \
    --trust "$C/hygon-csv/trust" "$C/hygon-csv/v1-trustee-csv/csv_evidence.json"

CA=$C/arm-cca/c1-tfrmm-ccatoken-tag399
AB=$(printf 'ab%.0s' $(seq 1 64))
check "cca c1" pass - - 4 --trust "$CA" --report-data "$AB" "$CA/cca_token.cbor"
check "cca c1 other challenge" fail VERIFY_BINDING binding 4 --trust "$CA" \
    --report-data "ac${AB:2}" "$CA/cca_token.cbor"

K1=$C/huawei-itrustee/k1-kunpengsecl-noas/report.bin
check "itrustee k1" pass - - 3 --trust "$C/huawei-itrustee/trust" --at 2026-06-01T00:00:00Z "$K1"
check "itrustee k1 DRK expired" fail VERIFY_EXPIRED itrustee.drk_chain 0 \
    --trust "$C/huawei-itrustee/trust" --at 2038-01-01T00:00:00Z "$K1"

rd=$(printf '5a%.0s' $(seq 1 64))
"$U" collect --tee sim --state-dir "$work/sim" --report-data "$rd" >"$work/sim.cmw"
check "sim" pass - - 4 --trust "$work/sim/trust" --report-data "$rd" "$work/sim.cmw"
check "sim other report data" fail VERIFY_BINDING binding 3 --trust "$work/sim/trust" \
    --report-data "5b${rd:2}" "$work/sim.cmw"

# text on request; JSON when stdout is a pipe (above) — and --explain takes only json or text
"$U" verify --explain=text --trust "$work/sim/trust" --report-data "5b${rd:2}" "$work/sim.cmw" \
    >"$work/out.txt" 2>/dev/null && fail "text: verified"
grep -q '^sim evidence: NOT VERIFIED' "$work/out.txt" || fail "text: $(cat "$work/out.txt")"
grep -q '^  FAIL  binding' "$work/out.txt" || fail "text: no failing binding"
grep -q 'remedy    Make the attester bind' "$work/out.txt" || fail "text: no remedy"
set +e
"$U" verify --explain=yaml "$work/sim.cmw" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "--explain=yaml: exit $code"
echo "ok - --explain=text for people; --explain=yaml refused"
