#!/usr/bin/env bash
# jinzhao-attest report JSON through the CLI (docs/compat.md): real corpus evidence wrapped as
# UnifiedAttestationReport and UnifiedAttestationAuthReport JSON (as jinzhao's protobuf JSON
# mapping writes it: json_report as JSON text in a string, padded standard base64) verifies with
# the same verdict and claims as the native path, and a failing native case fails the same way;
# malformed jinzhao JSON gives named errors.
set -euo pipefail
U=${1:?usage: jinzhao.sh uattest corpus_dir}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# wrap PLATFORM TYPE EVIDENCE_FILE OUT [auth] [extra json_report members as JSON]: a jinzhao report
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
# "auth": an AuthReport without a key (proto3 omits the empty pem_public_key); "authkey": with one
pem = "-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n"
doc = {"report": rep, "pem_public_key": pem} if auth == "authkey" else {"report": rep} if auth else rep
open(out, "w").write(json.dumps(doc, separators=(",", ":")))
PY
}
# run OUT ARGS...: uattest verify, claims on OUT, error on $work/err, exit code in $code
run() {
    local o=$1
    shift
    set +e
    "$U" verify "$@" >"$o" 2>"$work/err"
    code=$?
    set -e
}
# same LABEL VERIFY_ARGS... -- NATIVE JINZHAO: identical exit code and output (claims or error)
same() {
    local label=$1 native jz args=()
    shift
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    native=$2
    jz=$3
    run "$work/n.out" "${args[@]}" "$native"
    local ncode=$code
    grep -o '\[[A-Z_]*\]' "$work/err" >"$work/n.err" || true
    run "$work/j.out" "${args[@]}" "$jz"
    [ "$code" -eq "$ncode" ] || fail "$label: exit $code, native $ncode: $(cat "$work/err")"
    grep -o '\[[A-Z_]*\]' "$work/err" >"$work/j.err" || true
    cmp -s "$work/n.err" "$work/j.err" || fail "$label: errors differ: $(cat "$work/n.err") / $(cat "$work/j.err")"
    # verified_at and the evidence hash (if any) aside, the claims must be the same
    sed -E 's/"verified_at": ?"[^"]*"//' "$work/n.out" >"$work/n.cmp"
    sed -E 's/"verified_at": ?"[^"]*"//' "$work/j.out" >"$work/j.cmp"
    cmp -s "$work/n.cmp" "$work/j.cmp" || fail "$label: claims differ"
    echo "ok - $label: exit $ncode $(tr '\n' ' ' <"$work/n.err")"
}

S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
K1=$C/huawei-itrustee/k1-kunpengsecl-noas/report.bin
CH=$(printf challenge | od -An -tx1 | tr -d ' \n')

# ---- 1. the same verdicts as the native path
wrap SGX_DCAP BackgroundCheck "$S1/quote.bin" "$work/s1.json"
wrap SGX_DCAP Passport "$S1/quote.bin" "$work/s1p.json" auth '{"json_collateral":"{\"version\":\"3\",\"tee_type\":\"0\"}"}'
same "SGX_DCAP s1 (BackgroundCheck)" --compact --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --at 2025-07-01T00:00:00Z -- "$S1/quote.bin" "$work/s1.json"
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' "$work/j.out" || fail "s1: status"
same "SGX_DCAP s1 (Passport AuthReport)" --compact --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --at 2025-07-01T00:00:00Z -- "$S1/quote.bin" "$work/s1p.json"
same "SGX_DCAP s1 after its collateral expired" --compact --trust "$C/intel-sgx-dcap/trust" \
    --collateral "$S1" --at 2025-07-19T10:01:19Z -- "$S1/quote.bin" "$work/s1.json"
grep -q VERIFY_EXPIRED "$work/j.err" || fail "s1 expired: not VERIFY_EXPIRED"
wrap TDX BackgroundCheck "$T1/quote.bin" "$work/t1.json" auth
same "TDX t1" --compact --trust "$C/intel-tdx/trust" --collateral "$T1" --at 2025-07-01T00:00:00Z \
    -- "$T1/quote.bin" "$work/t1.json"
grep -q '"status":"UpToDate"' "$work/j.out" || fail "t1: status"
wrap Kunpeng BackgroundCheck "$K1" "$work/k1.json" auth '{"int64_version":"2"}'
same "Kunpeng k1" --compact --trust "$C/huawei-itrustee/trust" --at 2026-06-01T00:00:00Z \
    --report-data "$CH" -- "$K1" "$work/k1.json"
same "Kunpeng k1, wrong report data" --compact --trust "$C/huawei-itrustee/trust" \
    --at 2026-06-01T00:00:00Z --report-data 00 -- "$K1" "$work/k1.json"
grep -q VERIFY_BINDING "$work/j.err" || fail "k1 wrong nonce: not VERIFY_BINDING"
# an AuthReport's key must be the one the evidence binds (report data [32,64) = SHA-256(PEM))
wrap SGX_DCAP Passport "$S1/quote.bin" "$work/s1k.json" authkey
run "$work/o" --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-01T00:00:00Z "$work/s1k.json"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_BINDING\]' "$work/err" || fail "s1 with an unbound key: $code $(cat "$work/err")"
wrap Kunpeng BackgroundCheck "$K1" "$work/k1k.json" authkey
run "$work/o" --trust "$C/huawei-itrustee/trust" --at 2026-06-01T00:00:00Z --report-data "$CH" "$work/k1k.json"
[ "$code" -ne 0 ] && grep -q 'does not bind a public key' "$work/err" || fail "k1 with a key: $code $(cat "$work/err")"
echo "ok - an AuthReport key the evidence does not bind is VERIFY_BINDING"
# a Kunpeng payload that is really an SGX quote goes to the itrustee verifier and fails there
wrap Kunpeng BackgroundCheck "$S1/quote.bin" "$work/k_sgx.json"
run "$work/o" --trust "$C/huawei-itrustee/trust" --at 2026-06-01T00:00:00Z "$work/k_sgx.json"
[ "$code" -ne 0 ] || fail "an SGX quote labelled Kunpeng verified"
echo "ok - the platform, not the payload, picks the verifier"

# ---- 1b. CSV and SGX_EPID payloads, converted to the native evidence by their TEE
# jz KIND OUT [OPTIONS...]: a CSV or SGX_EPID report built from the corpus as jinzhao writes it
#   csv [masked] [hskcek=FILE]: HygonCsvReport {b64_quote: the report page, str_chip_id with
#       jinzhao's trailing NULs (65 bytes), json_cert_chain from FILE = HSK (832) || CEK (2084)};
#       masked: the signer's PEK and chip ID XORed with anonce as the firmware returns them
#       (jinzhao), else restored as trustee's csv-rs leaves them (the corpus sample)
#   epid [plain] [bg] [tamper]: Passport json_report = base64(IasReport JSON) (jinzhao's
#       generator), plain: the JSON text itself (jinzhao's converter); bg: a BackgroundCheck
#       EpidReport of the quote body; tamper: one byte of the signed IAS body changed
jz() {
    python3 - "$C" "$@" <<'PY'
import base64, json, struct, sys
C, kind, out = sys.argv[1:4]
opts = sys.argv[4:]
compact = lambda o: json.dumps(o, separators=(",", ":"))
if kind == "csv":
    d = json.load(open(C + "/hygon-csv/v1-trustee-csv/csv_evidence.json"))
    page = bytearray(d["attestation_report"]["data"])
    if "masked" in opts:
        key = page[188:192]
        for i in range(0x150, 0x150 + 2084 + 64):
            page[i] ^= key[(i - 0x150) % 4]
    sn = bytes(d["serial_number"]).rstrip(b"\0").decode()
    msg = {"b64_quote": base64.b64encode(bytes(page)).decode(), "str_chip_id": sn + "\0" * (65 - len(sn))}
    for o in opts:
        if o.startswith("hskcek="):
            hc = open(o[7:], "rb").read()
            msg["json_cert_chain"] = compact({"b64_hsk_cert": base64.b64encode(hc[:832]).decode(),
                                              "b64_cek_cert": base64.b64encode(hc[832:]).decode()})
    rep = {"str_report_version": "1.0", "str_report_type": "Passport", "str_tee_platform": "CSV",
           "json_report": compact(msg)}
else:
    e = C + "/intel-sgx-epid-ias/e1-integritee-test4-debug/"
    body = open(e + "report.json").read()
    if "tamper" in opts:
        body = body.replace('"isvEnclaveQuoteStatus":"CONFIGURATION_NEEDED"', '"isvEnclaveQuoteStatus":"OK"')
    ias = {"b64_signature": open(e + "x-iasreport-signature.b64").read().strip(),
           "str_signing_cert": open(e + "ias_signing_cert.pem").read(), "json_response_body": body}
    if "bg" in opts:
        q = json.loads(body)["isvEnclaveQuoteBody"]
        rep = {"str_report_version": "1.0", "str_report_type": "BackgroundCheck",
               "str_tee_platform": "SGX_EPID", "json_report": compact({"b64_quote": q})}
    else:
        jr = compact(ias) if "plain" in opts else base64.b64encode(compact(ias).encode()).decode()
        rep = {"str_report_version": "1.0", "str_report_type": "Passport",
               "str_tee_platform": "SGX_EPID", "json_report": jr}
open(out, "w").write(compact(rep))
PY
}
CSV=$C/hygon-csv/v1-trustee-csv/csv_evidence.json
jz csv "$work/csv.json"
jz csv "$work/csvm.json" masked
same "CSV trustee sample (restored signer)" --compact --trust "$C/hygon-csv/trust" -- "$CSV" "$work/csv.json"
grep -q 'HSK and CEK certificates of chip KPA64911240507' "$work/err" || fail "csv: $(cat "$work/err")"
same "CSV trustee sample (signer masked as the firmware returns it)" --compact \
    --trust "$C/hygon-csv/trust" -- "$CSV" "$work/csvm.json"
# HSK/CEK in json_cert_chain vs the same bytes in the collateral directory (the corpus has no real
# HSK/CEK: the HRK and the PEK stand in, and the chain fails by the same name both ways)
mkdir -p "$work/coll/csv/KPA64911240507"
cat "$C/hygon-csv/trust/hrk.cert" >"$work/coll/csv/KPA64911240507/hsk_cek.cert"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.stdout.buffer.write(bytes(d["attestation_report"]["data"][0x150:0x150+2084]))' \
    "$CSV" >>"$work/coll/csv/KPA64911240507/hsk_cek.cert"
jz csv "$work/csvc.json" masked "hskcek=$work/coll/csv/KPA64911240507/hsk_cek.cert"
same "CSV with json_cert_chain (stand-in HSK/CEK)" --compact --trust "$C/hygon-csv/trust" \
    --collateral "$work/coll" -- "$CSV" "$work/csvc.json"
run "$work/o" --trust "$C/hygon-csv/trust" "$work/csvc.json"
grep -q 'VERIFY_COLLATERAL' "$work/err" && fail "csv: json_cert_chain not used: $(cat "$work/err")"
echo "ok - CSV json_cert_chain is the HSK/CEK: $(grep -o '\[[A-Z_]*\]' "$work/err")"

E1=$C/intel-sgx-epid-ias/e1-integritee-test4-debug
python3 - "$E1" "$work/epid_native.json" <<'PY'
import base64, json, sys
e, out = sys.argv[1] + "/", sys.argv[2]
open(out, "w").write(json.dumps({"report": base64.b64encode(open(e + "report.json", "rb").read()).decode(),
    "signature": open(e + "x-iasreport-signature.b64").read().strip(),
    "certificates": open(e + "ias_signing_cert.pem").read()}))
PY
jz epid "$work/epid.json"
jz epid "$work/epidp.json" plain
same "SGX_EPID Passport (base64 IasReport)" --compact --trust "$C/intel-sgx-epid-ias/trust" \
    --at 2020-04-27T00:00:00Z -- "$work/epid_native.json" "$work/epid.json"
grep -q '"status":"ConfigurationNeeded"' "$work/j.out" || fail "epid: status"
same "SGX_EPID Passport (plain IasReport, jinzhao's converter)" --compact \
    --trust "$C/intel-sgx-epid-ias/trust" --at 2020-04-27T00:00:00Z -- "$work/epid_native.json" "$work/epidp.json"
same "SGX_EPID after the IAS signing certificate expired" --compact \
    --trust "$C/intel-sgx-epid-ias/trust" --at 2026-11-21T00:00:00Z -- "$work/epid_native.json" "$work/epid.json"
grep -q VERIFY_EXPIRED "$work/j.err" || fail "epid expired: $(cat "$work/j.err")"
jz epid "$work/epidt.json" tamper
run "$work/o" --trust "$C/intel-sgx-epid-ias/trust" --at 2020-04-27T00:00:00Z "$work/epidt.json"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_SIGNATURE\]' "$work/err" || fail "epid tampered: $code $(cat "$work/err")"
echo "ok - SGX_EPID with an edited IAS body: VERIFY_SIGNATURE"
jz epid "$work/epidbg.json" bg
run "$work/o" --trust "$C/intel-sgx-epid-ias/trust" --at 2020-04-27T00:00:00Z "$work/epidbg.json"
[ "$code" -ne 0 ] && grep -q '\[UNSUPPORTED_FEATURE\]' "$work/err" && grep -q 'IAS' "$work/err" ||
    fail "epid BackgroundCheck: $code $(cat "$work/err")"
echo "ok - SGX_EPID BackgroundCheck (a bare quote only IAS could verify): UNSUPPORTED_FEATURE"

# nested (group) results on a verified quote: signed by the main attester's key, so a bare
# report (no key) is refused after the quote verifies (tests/unit/test_jinzhao.c: good case)
python3 - "$work/s1.json" "$work/s1n.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
res = json.dumps({"str_group_name": "g", "results": [{"result": {"str_tee_platform": "TDX"}}]}, separators=(",", ":"))
d["json_nested_reports"] = json.dumps({"json_nested_results": res, "b64_nested_signature": "AAAA"}, separators=(",", ":"))
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
run "$work/o" --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-01T00:00:00Z "$work/s1n.json"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_BINDING\]' "$work/err" && grep -q 'json_nested_reports' "$work/err" ||
    fail "nested results without a key: $code $(cat "$work/err")"
echo "ok - nested results in a report without the attester's key: VERIFY_BINDING"

# ---- 1c. --jinzhao-lax-insecure: jinzhao checks no validity period. Refused strictly by name,
# accepted under the switch with the claim jinzhao_lax naming the waived check; nothing else waived
# lax LABEL JINZHAO_FILE VERIFY_ARGS...
lax() {
    local label=$1 f=$2
    shift 2
    run "$work/o" --compact "$@" "$f"
    [ "$code" -ne 0 ] && grep -q '\[VERIFY_EXPIRED\]' "$work/err" || fail "$label strict: $code $(cat "$work/err")"
    run "$work/o" --compact --jinzhao-lax-insecure "$@" "$f"
    [ "$code" -eq 0 ] || fail "$label lax: $code $(cat "$work/err")"
    grep -q '"jinzhao_lax":{"strict_error":"[^"]*\[VERIFY_EXPIRED\][^"]*","waived":\["VERIFY_EXPIRED"\]}' "$work/o" ||
        fail "$label lax: no jinzhao_lax claim: $(cat "$work/o")"
    grep -q 'warning: --jinzhao-lax-insecure' "$work/err" || fail "$label lax: the switch is not logged"
    echo "ok - $label: VERIFY_EXPIRED strictly, accepted with jinzhao_lax under --jinzhao-lax-insecure"
}
lax "SGX_DCAP s1 after its collateral expired" "$work/s1.json" --trust "$C/intel-sgx-dcap/trust" \
    --collateral "$S1" --at 2026-12-01T00:00:00Z
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' "$work/o" || fail "lax s1: TCB status not claimed"
lax "TDX t1 after its collateral expired" "$work/t1.json" --trust "$C/intel-tdx/trust" \
    --collateral "$T1" --at 2026-12-01T00:00:00Z
lax "SGX_EPID e1 after the IAS signing certificate expired" "$work/epid.json" \
    --trust "$C/intel-sgx-epid-ias/trust" --at 2026-12-01T00:00:00Z
# what the switch does not waive: the binding, signatures, and non-jinzhao evidence
run "$work/o" --jinzhao-lax-insecure --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --at 2026-12-01T00:00:00Z --report-data 00 "$work/s1.json"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_BINDING\]' "$work/err" || fail "lax binding: $code $(cat "$work/err")"
run "$work/o" --jinzhao-lax-insecure --trust "$C/intel-sgx-epid-ias/trust" --at 2026-12-01T00:00:00Z "$work/epidt.json"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_SIGNATURE\]' "$work/err" || fail "lax signature: $code $(cat "$work/err")"
run "$work/o" --jinzhao-lax-insecure --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --at 2026-12-01T00:00:00Z "$S1/quote.bin"
[ "$code" -ne 0 ] && grep -q '\[VERIFY_EXPIRED\]' "$work/err" || fail "lax native: $code $(cat "$work/err")"
echo "ok - --jinzhao-lax-insecure waives neither bindings nor signatures, nor anything for native evidence"

# ---- 2. malformed jinzhao JSON: named errors
# bad LABEL ERROR_NAME JSON_TEXT
bad() {
    printf '%s' "$3" >"$work/bad.json"
    run "$work/o" --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" --at 2025-07-01T00:00:00Z \
        "$work/bad.json"
    [ "$code" -ne 0 ] && grep -q "\[$2\]" "$work/err" || fail "$1: expected $2, got $code $(cat "$work/err")"
    echo "ok - $1: $2"
}
Q=$(base64 -w0 "$S1/quote.bin")
bad "unknown report member" PARSE_BAD_JSON \
    '{"str_report_version":"1.0","str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{}","uattest":1}'
bad "unknown json_report member" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$Q\\\",\\\"tcb\\\":1}\"}"
bad "unknown AuthReport member" PARSE_BAD_JSON \
    "{\"report\":{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":\"{}\"},\"pem_public_key\":\"\",\"token\":\"x\"}"
bad "json_report as an object, not JSON text" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":{\"b64_quote\":\"$Q\"}}"
bad "report as JSON text, not an object" PARSE_BAD_JSON \
    "{\"report\":\"{\\\"str_tee_platform\\\":\\\"SGX_DCAP\\\"}\",\"pem_public_key\":\"\"}"
bad "json_collateral not JSON text" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$Q\\\",\\\"json_collateral\\\":\\\"[1\\\"}\"}"
bad "b64_quote in base64url" PARSE_BAD_ENCODING \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_DCAP\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$(printf %s "$Q" | tr '+/' '-_' | tr -d =)\\\"}\"}"
bad "b64_quote not base64" PARSE_BAD_ENCODING \
    '{"str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"!!!!\"}"}'
bad "unknown platform" UNSUPPORTED_TEE \
    '{"str_report_type":"Passport","str_tee_platform":"SEV","json_report":"{\"b64_quote\":\"AAAA\"}"}'
bad "unknown report type" PARSE_BAD_VALUE \
    '{"str_report_type":"Selfie","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"AAAA\"}"}'
bad "report version" PARSE_BAD_VALUE \
    '{"str_report_version":"2.0","str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"AAAA\"}"}'
bad "nested reports without results or signature" PARSE_BAD_JSON \
    '{"str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"AAAA\"}","json_nested_reports":"{}"}'
bad "CSV report page not 4096 bytes" PARSE_BAD_LENGTH \
    '{"str_report_type":"Passport","str_tee_platform":"CSV","json_report":"{\"b64_quote\":\"AAAA\",\"str_chip_id\":\"X\"}"}'
CQ=$(python3 -c 'import json,sys; print(json.loads(json.load(open(sys.argv[1]))["json_report"])["b64_quote"])' "$work/csv.json")
bad "CSV without str_chip_id" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\"}\"}"
bad "CSV str_chip_id empty but for NULs" PARSE_BAD_VALUE \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\",\\\"str_chip_id\\\":\\\"\\\\u0000\\\"}\"}"
bad "CSV HSK without CEK" PARSE_BAD_VALUE \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\",\\\"str_chip_id\\\":\\\"KPA64911240507\\\",\\\"json_cert_chain\\\":\\\"{\\\\\\\"b64_hsk_cert\\\\\\\":\\\\\\\"AAAA\\\\\\\"}\\\"}\"}"
bad "CSV json_cert_chain unknown member" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\",\\\"str_chip_id\\\":\\\"KPA64911240507\\\",\\\"json_cert_chain\\\":\\\"{\\\\\\\"b64_pek_cert\\\\\\\":\\\\\\\"AAAA\\\\\\\"}\\\"}\"}"
bad "CSV HSK not base64" PARSE_BAD_ENCODING \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\",\\\"str_chip_id\\\":\\\"KPA64911240507\\\",\\\"json_cert_chain\\\":\\\"{\\\\\\\"b64_hsk_cert\\\\\\\":\\\\\\\"!!\\\\\\\",\\\\\\\"b64_cek_cert\\\\\\\":\\\\\\\"AAAA\\\\\\\"}\\\"}\"}"
bad "CSV HSK of the wrong size" PARSE_BAD_LENGTH \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"CSV\",\"json_report\":\"{\\\"b64_quote\\\":\\\"$CQ\\\",\\\"str_chip_id\\\":\\\"KPA64911240507\\\",\\\"json_cert_chain\\\":\\\"{\\\\\\\"b64_hsk_cert\\\\\\\":\\\\\\\"AAAA\\\\\\\",\\\\\\\"b64_cek_cert\\\\\\\":\\\\\\\"AAAA\\\\\\\"}\\\"}\"}"
bad "SGX_EPID Passport json_report neither base64 nor JSON" PARSE_BAD_ENCODING \
    '{"str_report_type":"Passport","str_tee_platform":"SGX_EPID","json_report":"!not base64!"}'
bad "SGX_EPID Passport base64 of something else than an object" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_EPID\",\"json_report\":\"$(printf '[1,2]' | base64 -w0)\"}"
bad "SGX_EPID IasReport unknown member" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_EPID\",\"json_report\":\"$(printf '{"b64_signature":"AA==","str_signing_cert":"x","json_response_body":"{}","tcb":"1"}' | base64 -w0)\"}"
bad "SGX_EPID IasReport without json_response_body" PARSE_BAD_JSON \
    "{\"str_report_type\":\"Passport\",\"str_tee_platform\":\"SGX_EPID\",\"json_report\":\"$(printf '{"b64_signature":"AA==","str_signing_cert":"x"}' | base64 -w0)\"}"
bad "int64_version not a number" PARSE_BAD_JSON \
    '{"str_report_type":"Passport","str_tee_platform":"Kunpeng","json_report":"{\"b64_quote\":\"AAAA\",\"int64_version\":\"v2\"}"}'
