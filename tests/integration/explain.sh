#!/usr/bin/env bash
# `uattest verify --explain`: for a passing and a failing corpus sample of each TEE family with a
# complete one (sgx, tdx, snp, cca, itrustee, nvidia-gpu, tpm, az-snp-vtpm, virtcca, sgx-epid;
# csv: failing only, its corpus sample lacks HSK/CEK; sim: made here; hyperenclave has no public
# quote), the JSON validates against docs/explain.schema.json, a pass lists only passing
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
python3 - "$work/out.json" "$N1/vcek.der" <<'PY' || fail "snp n1: the VCEK chain is not listed as collateral"
import hashlib, json, sys
coll = {c["kind"]: c for c in json.load(open(sys.argv[1]))["collateral"]}
assert sorted(coll) == ["ark", "ask", "vcek"], sorted(coll)
assert coll["vcek"]["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert coll["vcek"]["source"] == "collateral dir" and coll["vcek"]["issuer"] == "SEV-Milan", coll
assert coll["ask"]["source"] == coll["ark"]["source"] == "trust dir", coll
assert coll["vcek"]["next_update"] == "2029-09-24T00:55:28Z", coll["vcek"]
PY
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

# The evidence files the CLI takes, made from the corpus parts (PROVENANCE.md of each folder):
# trustee's NVIDIA evidence JSON for g1, the TPM evidence map (docs/tpm.md) for p1 with its AK
# pinned by Name, virtCCA v2 without its IMA log, and the IAS evidence JSON for e1.
python3 - "$C" "$work" "$(dirname "$0")" <<'PY'
import base64, json, sys
C, W, here = sys.argv[1:]
sys.path.insert(0, here)
from tpm_tool import cbor_encode
g = C + "/nvidia-gpu/g1-nvtrust-hopper-sample"
dev = {"arch": "HOPPER", "uuid": "GPU-g1",
       "evidence": open(g + "/attestation_report.hex").read().strip(),
       "certificate": base64.b64encode(open(g + "/cert_chain.pem", "rb").read()).decode()}
json.dump({"device_evidence_list": [dev]}, open(W + "/g1.json", "w"))
p = C + "/tpm2/p1-goattestation-gcp-shielded-vm"
pcrs = json.load(open(p + "/pcrs_sha1.json"))
ev = {"attest": open(p + "/quote.tpms_attest", "rb").read(),
      "signature": open(p + "/quote.tpmt_signature", "rb").read(),
      "ak_pub": open(p + "/ak_public.tpmt", "rb").read(),
      "pcrs": {0x0004: {int(k): bytes.fromhex(v)
                        for k, v in sorted(pcrs.items(), key=lambda x: int(x[0]))}},
      "event_log": open(p + "/eventlog.bin", "rb").read()}
open(W + "/p1.cbor", "wb").write(cbor_encode(ev))
json.dump({"id": "p1-ak", "tee": "tpm", "values": {"signer": [
    "000b4ce9b151f75089d74c15dabe9d520cffafbcafd5d43be0aad2e2d88d54717e2e"]}},
    open(W + "/p1-ak.json", "w"))
v = json.load(open(C + "/arm-cca/v2-gta-virtcca-legacy/evidence.json"))
v["evidence"]["logs"] = [l for l in v["evidence"]["logs"] if l["log_type"] == "CCEL"]
json.dump(v, open(W + "/virtcca-noima.json", "w"))
e = C + "/intel-sgx-epid-ias/e1-integritee-test4-debug"
json.dump({"report": base64.b64encode(open(e + "/report.json", "rb").read()).decode(),
           "signature": open(e + "/x-iasreport-signature.b64").read().strip(),
           "certificates": open(e + "/ias_signing_cert.pem").read()}, open(W + "/e1.json", "w"))
PY

# explain_has CHECK...: each named check passed in the last output
explain_has() {
    python3 - "$work/out.json" "$@" <<'PY' || fail "checks missing: $*"
import json, sys
d = json.load(open(sys.argv[1]))
got = {(c["check"], c["result"]) for c in d["checks"]}
missing = [n for n in sys.argv[2:] if (n, "pass") not in got]
assert not missing, (missing, sorted(got))
PY
}

NV=$C/nvidia-gpu
mkdir -p "$work/rims/nvidia-gpu"
cp "$NV/rim/NV_GPU_DRIVER_GH100_550.90.07.xml" "$NV/rim/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml" \
    "$work/rims/nvidia-gpu/"
G1N=931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb
check "nvidia-gpu g1 + RIMs" pass - - 8 --trust "$NV/trust" --collateral "$work/rims" \
    --at 2026-02-01T00:00:00Z --report-data "$G1N" "$work/g1.json"
explain_has nvidia-gpu.chain nvidia-gpu.fwid nvidia-gpu.signature nvidia-gpu.rim.chain \
    xmldsig.verify nvidia-gpu.rim.appraise binding
python3 -c '
import json, sys
kinds = sorted(c["kind"] for c in json.load(open(sys.argv[1]))["collateral"])
assert kinds == ["rim_driver", "rim_vbios"], kinds
' "$work/out.json" || fail "nvidia-gpu: the RIMs are not listed as collateral"
check "nvidia-gpu g1 driver RIM expired" fail VERIFY_EXPIRED nvidia-gpu.rim.load 3 \
    --trust "$NV/trust" --collateral "$work/rims" --at 2026-07-01T00:00:00Z --report-data "$G1N" \
    "$work/g1.json"

check "tpm p1 AK pinned" pass - - 4 --trust "$work" --reference-values "$work/p1-ak.json" \
    "$work/p1.cbor"
explain_has tpm.ak tpm.signature tpm.pcr_digest tpm.event_log
check "tpm p1 AK not trusted" fail VERIFY_UNTRUSTED_KEY tpm.ak 3 --trust "$work" "$work/p1.cbor"

P2=$C/tpm2/p2-trustee-azure-snp-vtpm/evidence-v2.json
P2N=982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef
check "az-snp-vtpm p2" pass - - 10 --trust "$C/amd-sev-snp/trust" --at 2026-07-16T00:00:00Z \
    --report-data "$P2N" "$P2"
explain_has snp.chain snp.signature az-snp-vtpm.binding az-snp-vtpm.ak tpm.signature tpm.pcr_digest
python3 -c '
import json, sys
coll = {c["kind"]: c["source"] for c in json.load(open(sys.argv[1]))["collateral"]}
assert coll == {"vcek": "evidence", "ask": "trust dir", "ark": "trust dir"}, coll
' "$work/out.json" || fail "az-snp-vtpm p2: the VCEK chain is not listed as collateral"
check "az-snp-vtpm p2 other nonce" fail VERIFY_BINDING binding 11 \
    --trust "$C/amd-sev-snp/trust" --at 2026-07-16T00:00:00Z --report-data "a0${P2N:2}" "$P2"

VT=$C/arm-cca/virtcca-trust
VN=a0efa5f5c64ad1c8509eb8e8d1e44472da1c368b87c05423c89d6ed4d6dcf756
check "virtcca v2 without IMA log" pass - - 5 --trust "$VT" --at 2026-06-01T00:00:00Z \
    --report-data "$VN" "$work/virtcca-noima.json"
explain_has virtcca.chain virtcca.cvm virtcca.binding virtcca.ccel binding
check "virtcca v2 IMA log vs REM3" fail VERIFY_MEASUREMENT virtcca.ima 4 --trust "$VT" \
    --at 2026-06-01T00:00:00Z "$C/arm-cca/v2-gta-virtcca-legacy/evidence.json"

ET=$C/intel-sgx-epid-ias/trust
check "sgx-epid e1" pass - - 4 --trust "$ET" --at 2020-04-26T11:16:25Z "$work/e1.json"
explain_has sgx-epid.chain sgx-epid.signature sgx-epid.report sgx-epid.status
check "sgx-epid e1 signing certificate expired" fail VERIFY_EXPIRED sgx-epid.chain 0 --trust "$ET" \
    --at 2026-11-21T00:00:00Z "$work/e1.json"
# (hyperenclave: no public quote exists; its explanation is tested on synthetic evidence in
# tests/unit/test_hyperenclave.c, test_synthetic_explain)

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
