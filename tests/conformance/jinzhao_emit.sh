#!/usr/bin/env bash
# jinzhao-attest report JSON written by uattest (docs/compat.md): reports built from corpus
# evidence exactly as jinzhao's protobuf JSON mapping writes them come back byte-identical from
# parse -> write; `uattest collect --format jinzhao` on fake device trees (TDX configfs-tsm, SGX
# Gramine) writes the same bytes and `uattest verify` gives the native verdict; sim is refused.
set -euo pipefail
U=${1:?usage: jinzhao_emit.sh uattest corpus jz_rewrite}
C=${2:?}
RW=${3:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# wrap PLATFORM TYPE EVIDENCE_FILE OUT [auth|authkey] [extra json_report members as JSON]
wrap() {
    python3 - "$@" <<'PY'
import base64, json, sys
platform, rtype, ev, out = sys.argv[1:5]
auth = sys.argv[5] if len(sys.argv) > 5 else ""
extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
payload = {"b64_quote": base64.b64encode(open(ev, "rb").read()).decode()}
payload.update(extra)
rep = {"str_report_version": "1.0", "str_report_type": rtype, "str_tee_platform": platform,
       "json_report": json.dumps(payload, separators=(",", ":"))}
pem = "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAu/+x\n-----END RSA PUBLIC KEY-----\n"
doc = {"report": rep, "pem_public_key": pem} if auth == "authkey" else {"report": rep} if auth else rep
open(out, "w").write(json.dumps(doc, separators=(",", ":")))
PY
}
# same_bytes LABEL IN EXPECTED: jz_rewrite IN is byte-identical to EXPECTED
same_bytes() {
    "$RW" "$2" >"$work/rw.out" || fail "$1: rewrite failed"
    cmp -s "$work/rw.out" "$3" || fail "$1: rewrite differs: $(head -c 300 "$work/rw.out")"
    echo "ok - $1"
}

S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
K1=$C/huawei-itrustee/k1-kunpengsecl-noas/report.bin

# ---- 1. parse -> write is byte-identical for reports as jinzhao writes them
wrap SGX_DCAP BackgroundCheck "$S1/quote.bin" "$work/s1.json"
same_bytes "SGX_DCAP BackgroundCheck report" "$work/s1.json" "$work/s1.json"
wrap SGX_DCAP Passport "$S1/quote.bin" "$work/s1p.json" authkey '{"json_collateral":"{\"version\":\"3\",\"tcb_info\":\"{\\\"a\\\":1}\"}"}'
same_bytes "SGX_DCAP Passport AuthReport with collateral and a PEM key" "$work/s1p.json" "$work/s1p.json"
wrap TDX BackgroundCheck "$T1/quote.bin" "$work/t1.json" auth
same_bytes "TDX AuthReport without a key" "$work/t1.json" "$work/t1.json"
wrap Kunpeng BackgroundCheck "$K1" "$work/k1.json" auth '{"int64_version":"2"}'
same_bytes "Kunpeng AuthReport (int64 as a string)" "$work/k1.json" "$work/k1.json"
# CSV: str_chip_id with jinzhao's trailing NULs (\u0000), json_cert_chain; SGX_EPID Passport:
# json_report = base64 of the IasReport JSON (COMPAT.md D §2.4)
python3 - "$C" "$work" <<'PY'
import base64, json, sys
C, w = sys.argv[1:3]
compact = lambda o: json.dumps(o, separators=(",", ":"))
d = json.load(open(C + "/hygon-csv/v1-trustee-csv/csv_evidence.json"))
page = bytes(d["attestation_report"]["data"])
hc = open(C + "/hygon-csv/trust/hrk.cert", "rb").read() + page[0x150:0x150 + 2084]
msg = {"b64_quote": base64.b64encode(page).decode(), "str_chip_id": "KPA64911240507" + "\0" * 51,
       "json_cert_chain": compact({"b64_hsk_cert": base64.b64encode(hc[:832]).decode(),
                                   "b64_cek_cert": base64.b64encode(hc[832:]).decode()})}
open(w + "/csv.json", "w").write(compact({"str_report_version": "1.0", "str_report_type": "Passport",
                                          "str_tee_platform": "CSV", "json_report": compact(msg)}))
e = C + "/intel-sgx-epid-ias/e1-integritee-test4-debug/"
ias = {"b64_signature": open(e + "x-iasreport-signature.b64").read().strip(),
       "str_signing_cert": open(e + "ias_signing_cert.pem").read(),
       "str_advisory_url": "https://security-center.intel.com",
       "json_response_body": open(e + "report.json").read()}
for name, jr in (("epid.json", base64.b64encode(compact(ias).encode()).decode()), ("epidp.json", compact(ias))):
    open(w + "/" + name, "w").write(compact({"report": {"str_report_version": "1.0", "str_report_type": "Passport",
                                                        "str_tee_platform": "SGX_EPID", "json_report": jr}}))
PY
grep -q 'u0000' "$work/csv.json" || fail "csv: no NUL escapes"
same_bytes "CSV Passport with str_chip_id NULs and json_cert_chain" "$work/csv.json" "$work/csv.json"
same_bytes "SGX_EPID Passport AuthReport (base64-wrapped IasReport)" "$work/epid.json" "$work/epid.json"
same_bytes "SGX_EPID Passport AuthReport (plain IasReport)" "$work/epidp.json" "$work/epidp.json"
# nested results: json_nested_reports -> json_nested_results (JSON text) -> results (objects)
python3 - "$work/t1.json" "$work/t1n.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = lambda o: json.dumps(o, separators=(",", ":"))
res = c({"str_group_name": "g", "str_group_id": "7", "results": [{"result": {"str_tee_platform": "SGX_DCAP", "str_tee_name": "n1", "hex_ta_measurement": "AB"}}, {"result": {}}]})
d["report"]["json_nested_reports"] = c({"json_nested_results": res, "b64_nested_signature": "AAAA"})
open(sys.argv[2], "w").write(c(d))
PY
same_bytes "TDX AuthReport with nested results" "$work/t1n.json" "$work/t1n.json"
# what protobuf normalises: a zero int64 and an empty string are omitted, an int64 number is
# written as a string, fields come in field-number order, no whitespace
wrap SGX_DCAP Passport "$S1/quote.bin" "$work/s1z.json" auth '{"json_collateral":"{\"version\":\"3\",\"tee_type\":\"0\"}"}'
wrap SGX_DCAP Passport "$S1/quote.bin" "$work/s1z.want" auth '{"json_collateral":"{\"version\":\"3\"}"}'
same_bytes "zero int64 (tee_type 0) omitted" "$work/s1z.json" "$work/s1z.want"
wrap Kunpeng BackgroundCheck "$K1" "$work/k1n.json" auth '{"int64_version":2}'
same_bytes "int64 number written as a string" "$work/k1n.json" "$work/k1.json"
python3 - "$work/s1.json" "$work/s1r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = {"json_report": d["json_report"], "str_tee_platform": d["str_tee_platform"],
     "str_report_type": d["str_report_type"], "str_report_version": "1.0"}
r["json_report"] = json.dumps(json.loads(r["json_report"]), indent=1)
open(sys.argv[2], "w").write(json.dumps(r, indent=2))
PY
same_bytes "reordered, indented members back in field order" "$work/s1r.json" "$work/s1.json"
python3 - "$work/s1.json" "$work/s1e.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d = {"report": d, "pem_public_key": ""}
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
python3 - "$work/s1.json" "$work/s1e.want" <<'PY'
import json, sys
open(sys.argv[2], "w").write('{"report":' + open(sys.argv[1]).read() + '}')
PY
same_bytes "empty pem_public_key omitted" "$work/s1e.json" "$work/s1e.want"
# malformed input is refused with the name uattest verify gives it
printf '%s' '{"str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"AAAA\",\"json_collateral\":\"{\\\"tcb\\\":1}\"}"}' >"$work/bad.json"
set +e
"$RW" "$work/bad.json" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 1 ] && grep -q '\[PARSE_BAD_JSON\]' "$work/err" || fail "unknown collateral member: $code $(cat "$work/err")"
echo "ok - an unknown json_collateral member is PARSE_BAD_JSON"

# ---- 2. collect --format jinzhao on fake device trees, then verify
rd=$(printf '%02x' $(seq 101 164) | tr -d '\n')
root="$work/tdx"
entry="$root/sys/kernel/config/tsm/report/uattest-test"
mkdir -p "$root/dev" "$entry"
: >"$root/dev/tdx_guest"
echo tdx_guest >"$entry/provider"
echo 7 >"$entry/generation"
cp "$T1/quote.bin" "$entry/outblob"
"$U" collect --root "$root" --report-data "$rd" -O tsm-entry=uattest-test --format jinzhao -o "$work/tdx.jz"
wrap TDX BackgroundCheck "$T1/quote.bin" "$work/tdx.want"
cmp -s "$work/tdx.jz" "$work/tdx.want" || fail "collect --format jinzhao (TDX): $(head -c 200 "$work/tdx.jz")"
"$U" collect --root "$root" --report-data "$rd" -O tsm-entry=uattest-test -o "$work/tdx.cmw"
same_verdict() {
    local label=$1 native=$2 jz=$3
    shift 3
    "$U" verify --compact "$@" "$native" | sed -E 's/"verified_at": ?"[^"]*"//' >"$work/n.out"
    "$U" verify --compact "$@" "$jz" | sed -E 's/"verified_at": ?"[^"]*"//' >"$work/j.out"
    cmp -s "$work/n.out" "$work/j.out" || fail "$label: claims differ"
    echo "ok - $label"
}
same_verdict "collect --format jinzhao (TDX): jinzhao's bytes, the native verdict" "$work/tdx.cmw" "$work/tdx.jz" \
    --trust "$C/intel-tdx/trust" --collateral "$T1" --at 2025-07-01T00:00:00Z
grep -q '"status":"UpToDate"' "$work/j.out" || fail "tdx: status"

root="$work/sgx"
mkdir -p "$root/dev/attestation"
cp "$S1/quote.bin" "$root/dev/attestation/quote"
: >"$root/dev/attestation/user_report_data"
"$U" collect --root "$root" --report-data "$rd" --format jinzhao -o "$work/sgx.jz"
cmp -s "$work/sgx.jz" "$work/s1.json" || fail "collect --format jinzhao (SGX): $(head -c 200 "$work/sgx.jz")"
"$U" collect --root "$root" --report-data "$rd" -o "$work/sgx.cmw"
same_verdict "collect --format jinzhao (SGX): jinzhao's bytes, the native verdict" "$work/sgx.cmw" "$work/sgx.jz" \
    --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-01T00:00:00Z
# and after the collateral expired, the same named error both ways
set +e
"$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-19T10:01:19Z "$work/sgx.jz" \
    >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -ne 0 ] && grep -q VERIFY_EXPIRED "$work/err" || fail "sgx.jz expired: $code $(cat "$work/err")"
echo "ok - a collected jinzhao report fails as the native evidence does (VERIFY_EXPIRED)"

# sim has no jinzhao platform: refused by name, nothing written
set +e
"$U" collect --tee sim --state-dir "$work/state" --report-data "$rd" --format jinzhao -o "$work/sim.jz" \
    2>"$work/err"; code=$?
set -e
[ "$code" -ne 0 ] && grep -q 'UNSUPPORTED_TEE' "$work/err" && grep -q 'no platform for sim' "$work/err" ||
    fail "sim: $code $(cat "$work/err")"
[ ! -e "$work/sim.jz" ] || fail "sim: output written"
echo "ok - sim: UNSUPPORTED_TEE (jinzhao defines no platform for sim), nothing written"
