#!/usr/bin/env bash
# libuattest-jinzhao through a program written against jinzhao's C API (jinzhao_capi.c):
# generation on a fake TDX device tree (what lands in the device's report data follows jinzhao's
# layout), verification of corpus evidence at a pinned time with jinzhao policies, attributes,
# jinzhao's error codes and buffer rules.
set -euo pipefail
P=${1:?usage: jinzhao_capi.sh jinzhao_capi corpus}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect LABEL RC_HEX OUTPUT_FILE
expect() { grep -q "^rc=$2\$" "$3" || fail "$1: want rc=$2, got $(cat "$3")"; echo "ok - $1: rc=$2"; }

T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
root="$work/tdx"
entry="$root/sys/kernel/config/tsm/report/jz"
mkdir -p "$root/dev" "$entry"
: >"$root/dev/tdx_guest"
echo tdx_guest >"$entry/provider"
echo 1 >"$entry/generation"
cp "$T1/quote.bin" "$entry/outblob"
export UATTEST_JINZHAO_ROOT="$root" UATTEST_JINZHAO_OPTS=tsm-entry=jz UATTEST_JINZHAO_STATE_DIR="$work/state"

# ---- generation
nonce=000102030405060708090a0b0c0d0e0f
"$P" gen BackgroundCheck "$nonce" '' "$work/r.json" >"$work/o"
expect "GenerateReport" 0x00000000 "$work/o"
[ "$(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')" = "${nonce}$(printf '%0128d' 0 | cut -c1-96)" ] ||
    fail "report data: nonce, zero-padded, no key: $(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')"
python3 - "$work/r.json" "$T1/quote.bin" <<'PY' || fail "generated report is not jinzhao's"
import base64, json, sys
want = {"str_report_version": "1.0", "str_report_type": "BackgroundCheck", "str_tee_platform": "TDX",
        "json_report": json.dumps({"b64_quote": base64.b64encode(open(sys.argv[2], "rb").read()).decode()},
                                  separators=(",", ":"))}
assert open(sys.argv[1]).read() == json.dumps(want, separators=(",", ":"))
PY
echo "ok - the generated report is byte for byte what jinzhao writes"
pem=$'-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n'
params=$(python3 -c 'import json,sys; print(json.dumps({"hex_user_data":"AABB","pem_public_key":sys.argv[1]}))' "$pem")
"$P" genauth BackgroundCheck '' "$params" "$work/a.json" >"$work/o"
expect "GenerateAuthReport with hex_user_data and a key" 0x00000000 "$work/o"
h=$(printf '%s' "$pem" | sha256sum | cut -c1-64)
[ "$(od -An -tx1 -v "$entry/inblob" | tr -d ' \n')" = "aabb$(printf '%060d' 0)$h" ] ||
    fail "auth report data: user data, then SHA-256 of the PEM"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["pem_public_key"]==sys.argv[2] and list(d)==["report","pem_public_key"]' \
    "$work/a.json" "$pem" || fail "auth report: key"
echo "ok - report data [32,64) = SHA-256 of the PEM, carried in the AuthReport"
"$P" gen BackgroundCheck "$nonce" '{"hex_user_data":"01"}' "$work/x" >"$work/o"
expect "nonce and hex_user_data" 0x10140000 "$work/o"
"$P" gen BackgroundCheck "$(printf '%066d' 0)" '' "$work/x" >"$work/o"
expect "a nonce longer than 32 bytes" 0x10150000 "$work/o"
"$P" gen BackgroundCheck "$nonce" '{"hex_spid":"","uattest":1}' "$work/x" >"$work/o"
expect "unknown params member" 0x02060000 "$work/o"
"$P" gen Selfie "$nonce" '' "$work/x" >"$work/o"
expect "unknown report type" 0x10110000 "$work/o"
len=$(wc -c <"$work/r.json")
"$P" gen BackgroundCheck "$nonce" '' "$work/x" "$len" >"$work/o"
expect "a buffer exactly the JSON's size (jinzhao wants one byte more)" 0x100f0000 "$work/o"
"$P" gen BackgroundCheck "$nonce" '' "$work/x" "$((len + 1))" >"$work/o"
expect "a buffer one byte larger" 0x00000000 "$work/o"
UATTEST_JINZHAO_TEE=sim UATTEST_JINZHAO_OPTS= "$P" gen BackgroundCheck "$nonce" '' "$work/x" >"$work/o"
expect "sim (no jinzhao platform)" 0x0e030000 "$work/o"

# ---- verification at a pinned time, with jinzhao policies
export UATTEST_JINZHAO_TRUST="$C/intel-tdx/trust" UATTEST_JINZHAO_COLLATERAL="$T1" UATTEST_JINZHAO_AT=2025-07-01T00:00:00Z
"$P" attr "$work/r.json" >"$work/attr"
expect "GetReportAttr" 0x00000000 "$work/attr"
head -1 "$work/attr" >"$work/attr.json"
python3 - "$work/attr.json" <<'PY' || fail "TDX attributes: $(cat "$work/attr.json")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["str_tee_platform"] == "TDX"
assert a["hex_platform_measurement"][192:288].startswith("91EB2B44"), a   # MRTD, upper case
assert len(a["hex_platform_measurement"]) == 576 and len(a["hex_boot_measurement"]) == 192
assert a["bool_debug_disabled"] == "true" and len(a["hex_user_data"]) == 64
assert list(a)[0] == "str_tee_platform"
PY
echo "ok - TDX attributes as jinzhao fills them (6 measurements, RTMR0-1, upper-case hex)"
"$P" attr "$work/r.json" 100 >"$work/o"
expect "GetReportAttr into a small buffer" 0x114d0000 "$work/o"
boot=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hex_boot_measurement"].lower())' "$work/attr.json")
"$P" verify "$work/r.json" "{\"main_attributes\":[{\"str_tee_platform\":\"TDX\",\"hex_boot_measurement\":\"$boot\",\"bool_debug_disabled\":\"true\"}]}" >"$work/o"
expect "VerifyReport, policy matches (lower-case hex)" 0x00000000 "$work/o"
"$P" verify "$work/r.json" "{\"main_attributes\":[{\"hex_boot_measurement\":\"00\"},{\"str_tee_platform\":\"TDX\"}]}" >"$work/o"
expect "VerifyReport, the second entry matches (OR)" 0x00000000 "$work/o"
"$P" verify "$work/r.json" "{\"main_attributes\":[{\"str_tee_platform\":\"TDX\",\"hex_boot_measurement\":\"00\"}]}" >"$work/o"
expect "VerifyReport, wrong boot measurement" 0x11250000 "$work/o"
"$P" verify "$work/r.json" '{"main_attributes":[]}' >"$work/o"
expect "VerifyReport, no policy entry" 0x114c0000 "$work/o"
"$P" verify "$work/r.json" '{"main_attributes":[{"str_tee_platform":"TDX","hex_mrenclave":"00"}]}' >"$work/o"
expect "VerifyReport, unknown attribute in the policy" 0x02060000 "$work/o"
UATTEST_JINZHAO_AT=2026-01-01T00:00:00Z "$P" verify "$work/r.json" '{"main_attributes":[{"str_tee_platform":"TDX"}]}' >"$work/o"
expect "VerifyReport after the collateral expired (jinzhao would not check)" 0x11100000 "$work/o"
UATTEST_JINZHAO_LAX_INSECURE=1 UATTEST_JINZHAO_AT=2026-01-01T00:00:00Z "$P" verify "$work/r.json" \
    '{"main_attributes":[{"str_tee_platform":"TDX"}]}' >"$work/o" 2>"$work/lax.err"
expect "VerifyReport after the collateral expired, UATTEST_JINZHAO_LAX_INSECURE=1 (jinzhao's verdict)" 0x00000000 "$work/o"
grep -q 'LAX_INSECURE=1' "$work/lax.err" || fail "the lax switch is not logged: $(cat "$work/lax.err")"
UATTEST_JINZHAO_LAX_INSECURE=1 UATTEST_JINZHAO_AT=2026-01-01T00:00:00Z "$P" verify "$work/r.json" \
    '{"main_attributes":[{"str_tee_platform":"TDX","hex_boot_measurement":"00"}]}' >"$work/o" 2>/dev/null
expect "VerifyReport, lax: the policy still applies" 0x11250000 "$work/o"
"$P" verifyauth "$work/a.json" "{\"main_attributes\":[{\"str_tee_platform\":\"TDX\"}]}" >"$work/o"
expect "VerifyAuthReport: the corpus quote does not bind our key" 0x11190000 "$work/o"

# a corpus SGX quote wrapped as jinzhao writes it
python3 - "$S1/quote.bin" "$work/s1.json" <<'PY'
import base64, json, sys
rep = {"str_report_version": "1.0", "str_report_type": "Passport", "str_tee_platform": "SGX_DCAP",
       "json_report": json.dumps({"b64_quote": base64.b64encode(open(sys.argv[1], "rb").read()).decode()},
                                 separators=(",", ":"))}
open(sys.argv[2], "w").write(json.dumps({"report": rep}, separators=(",", ":")))
PY
export UATTEST_JINZHAO_TRUST="$C/intel-sgx-dcap/trust" UATTEST_JINZHAO_COLLATERAL="$S1"
mre=33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb
mrs=815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6
"$P" attrauth "$work/s1.json" >"$work/attr"
expect "GetAuthReportAttr (SGX_DCAP)" 0x00000000 "$work/attr"
grep -q "\"hex_ta_measurement\":\"${mre^^}\",\"hex_signer\":\"${mrs^^}\",\"hex_prod_id\":\"0\",\"str_min_isvsvn\":\"0\",\"bool_debug_disabled\":\"true\",\"hex_user_data\":\"48656C6C6F2C20776F726C6421" "$work/attr" ||
    fail "SGX attributes: $(cat "$work/attr")"
echo "ok - SGX attributes in jinzhao's order and forms (decimal prod id, \"true\")"
pol="{\"main_attributes\":[{\"hex_ta_measurement\":\"$mre\",\"hex_signer\":\"$mrs\",\"hex_prod_id\":\"0\",\"str_min_isvsvn\":\"0\",\"bool_debug_disabled\":\"1\",\"hex_user_data\":\"48656c6c6f\"}]}"
"$P" verifyauth "$work/s1.json" "$pol" >"$work/o"
expect "VerifyAuthReport (SGX_DCAP), full policy" 0x00000000 "$work/o"
"$P" verifyauth "$work/s1.json" "${pol/\"str_min_isvsvn\":\"0\"/\"str_min_isvsvn\":\"1\"}" >"$work/o"
expect "VerifyAuthReport, ISV SVN below the minimum" 0x111e0000 "$work/o"
"$P" verifyauth "$work/s1.json" "${pol/\"bool_debug_disabled\":\"1\"/\"bool_debug_disabled\":\"false\"}" >"$work/o"
expect "VerifyAuthReport, debug flag" 0x11210000 "$work/o"
"$P" verifyauth "$work/s1.json" "${pol/$mrs/00$mrs}" >"$work/o"
expect "VerifyAuthReport, another signer" 0x111b0000 "$work/o"
"$P" verifyauth "$work/s1.json" "${pol/48656c6c6f/48656c6c6e}" >"$work/o"
expect "VerifyAuthReport, user data prefix" 0x111c0000 "$work/o"
