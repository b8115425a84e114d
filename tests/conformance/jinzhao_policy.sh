#!/usr/bin/env bash
# jinzhao UnifiedAttestationPolicy JSON imported as reference values (`uattest refvals import
# --format jinzhao`, docs/compat.md) and appraised against corpus evidence in jinzhao report JSON:
# a policy the evidence meets is affirmed, one it does not meet is contraindicated, and policy
# fields that are not reference values give named errors.
set -euo pipefail
U=${1:?usage: jinzhao_policy.sh uattest corpus}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {
    local o=$1
    shift
    set +e
    "$U" "$@" >"$o" 2>"$work/err"
    code=$?
    set -e
}
S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
wrap() {
    python3 - "$@" <<'PY'
import base64, json, sys
platform, ev, out = sys.argv[1:4]
rep = {"str_report_version": "1.0", "str_report_type": "Passport", "str_tee_platform": platform,
       "json_report": json.dumps({"b64_quote": base64.b64encode(open(ev, "rb").read()).decode()},
                                 separators=(",", ":"))}
open(out, "w").write(json.dumps(rep, separators=(",", ":")))
PY
}
wrap SGX_DCAP "$S1/quote.bin" "$work/s1.json"
wrap TDX "$T1/quote.bin" "$work/t1.json"
SGX=(--trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-01T00:00:00Z)
TDX=(--trust "$C/intel-tdx/trust" --collateral "$T1" --at 2025-07-01T00:00:00Z)
MRE=33D8736DB756ED4997E04BA358D27833188F1932FF7B1D156904D3F560452FBB
MRS=815F42F11CF64430C30BAB7816BA596A1DA0130C3B028B673133A66CF9A3E0E6

# appraise LABEL STATUS POLICY_JSON EVIDENCE VERIFY_ARGS...
appraise() {
    local label=$1 want=$2 policy=$3 ev=$4
    shift 4
    printf '%s' "$policy" >"$work/policy.json"
    run "$work/rv.json" refvals import --format jinzhao "$work/policy.json"
    [ "$code" -eq 0 ] || fail "$label: import: $(cat "$work/err")"
    run "$work/ear" verify "$@" --reference-values "$work/rv.json" --ear "$ev"
    grep -q "\"ear.status\": \"$want\"" "$work/ear" || fail "$label: want $want: $(grep ear.status "$work/ear")"
    echo "ok - $label: $want"
}
sgx_entry="\"str_tee_platform\":\"SGX_DCAP\",\"hex_ta_measurement\":\"$MRE\",\"hex_signer\":\"$MRS\",\"hex_prod_id\":\"0\",\"bool_debug_disabled\":\"true\""
appraise "SGX_DCAP policy the enclave meets" affirming \
    "{\"main_attributes\":[{$sgx_entry,\"str_min_isvsvn\":\"0\"}]}" "$work/s1.json" "${SGX[@]}"
python3 - "$work/rv.json" <<'PY' || fail "imported SGX document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["tee"] == "sgx" and d[0]["values"]["product_id"] == [0] and d[0]["values"]["svn"] == {"min": 0}
PY
appraise "SGX_DCAP policy with a higher minimum ISV SVN" contraindicated \
    "{\"main_attributes\":[{$sgx_entry,\"str_min_isvsvn\":\"1\"}]}" "$work/s1.json" "${SGX[@]}"
appraise "SGX_DCAP policy for another enclave" contraindicated \
    "{\"main_attributes\":[{\"str_tee_platform\":\"SGX_DCAP\",\"hex_ta_measurement\":\"00$MRE\"}]}" "$work/s1.json" "${SGX[@]}"
appraise "SGX_DCAP policy with two entries, the second met (OR)" affirming \
    "{\"main_attributes\":[{\"str_tee_platform\":\"SGX_DCAP\",\"hex_signer\":\"${MRS/8/9}\"},{$sgx_entry}]}" "$work/s1.json" "${SGX[@]}"
appraise "SGX_DCAP policy that wants a debug enclave" contraindicated \
    "{\"main_attributes\":[{\"str_tee_platform\":\"SGX_DCAP\",\"bool_debug_disabled\":\"false\"}]}" "$work/s1.json" "${SGX[@]}"

# TDX: jinzhao's concatenated measurements become the TD registers
read -r PM BM TM < <(python3 - "$U" "$T1" "$C/intel-tdx/trust" <<'PY'
import json, subprocess, sys
u, t1, trust = sys.argv[1:4]
c = json.loads(subprocess.run([u, "verify", "--trust", trust, "--collateral", t1, "--at", "2025-07-01T00:00:00Z",
                               t1 + "/quote.bin"], capture_output=True, check=True).stdout)["tee_claims"]
pm = "".join(c[k] for k in ["mr_seam", "mr_signer_seam", "mr_td", "mr_config_id", "mr_owner", "mr_owner_config"])
print(pm.upper(), (c["rtmr0"] + c["rtmr1"]).upper(), (c["rtmr2"] + c["rtmr3"]).upper())
PY
)
tdx_entry="\"str_tee_platform\":\"TDX\",\"hex_platform_measurement\":\"$PM\",\"hex_boot_measurement\":\"$BM\""
appraise "TDX policy the TD meets" affirming \
    "{\"main_attributes\":[{$tdx_entry,\"hex_ta_measurement\":\"$TM\"}]}" "$work/t1.json" "${TDX[@]}"
appraise "TDX policy with another RTMR2/3" contraindicated \
    "{\"main_attributes\":[{$tdx_entry,\"hex_ta_measurement\":\"${TM/0/1}\"}]}" "$work/t1.json" "${TDX[@]}"

# named errors
bad() {
    printf '%s' "$3" >"$work/policy.json"
    run "$work/rv.json" refvals import --format jinzhao "$work/policy.json"
    [ "$code" -ne 0 ] && grep -q "\[$2\]" "$work/err" || fail "$1: want $2, got $code $(cat "$work/err")"
    [ ! -s "$work/rv.json" ] || fail "$1: output written"
    echo "ok - $1: $2"
}
bad "hex_user_data (a binding, not a reference value)" UNSUPPORTED_FEATURE \
    '{"main_attributes":[{"str_tee_platform":"SGX_DCAP","hex_user_data":"00"}]}'
bad "pem_public_key" UNSUPPORTED_FEATURE \
    '{"pem_public_key":"-----BEGIN PUBLIC KEY-----\n","main_attributes":[{"str_tee_platform":"SGX_DCAP"}]}'
bad "nested policies" UNSUPPORTED_FEATURE \
    '{"main_attributes":[{"str_tee_platform":"SGX_DCAP"}],"nested_policies":{"str_group_name":"g"}}'
bad "an entry without a platform" PARSE_BAD_VALUE '{"main_attributes":[{"hex_signer":"00"}]}'
bad "an unknown platform" UNSUPPORTED_TEE '{"main_attributes":[{"str_tee_platform":"SEV"}]}'
bad "an unknown attribute" PARSE_BAD_JSON '{"main_attributes":[{"str_tee_platform":"SGX_DCAP","hex_mrenclave":"00"}]}'
bad "an unknown policy member" PARSE_BAD_JSON '{"main_attributes":[{"str_tee_platform":"SGX_DCAP"}],"rules":1}'
bad "no entry" PARSE_BAD_VALUE '{"main_attributes":[]}'
bad "TDX platform measurement of the wrong length" PARSE_BAD_VALUE \
    '{"main_attributes":[{"str_tee_platform":"TDX","hex_platform_measurement":"00"}]}'
bad "non-decimal min ISV SVN" PARSE_BAD_VALUE \
    '{"main_attributes":[{"str_tee_platform":"SGX_DCAP","str_min_isvsvn":"x1"}]}'
bad "hex that is not hex" PARSE_BAD_ENCODING \
    '{"main_attributes":[{"str_tee_platform":"SGX_DCAP","hex_signer":"zz"}]}'
