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
bad "nested reports" UNSUPPORTED_FEATURE \
    '{"str_report_type":"Passport","str_tee_platform":"SGX_DCAP","json_report":"{\"b64_quote\":\"AAAA\"}","json_nested_reports":"{}"}'
bad "CSV (not accepted yet)" UNSUPPORTED_FEATURE \
    '{"str_report_type":"Passport","str_tee_platform":"CSV","json_report":"{\"b64_quote\":\"AAAA\",\"str_chip_id\":\"X\"}"}'
bad "int64_version not a number" PARSE_BAD_JSON \
    '{"str_report_type":"Passport","str_tee_platform":"Kunpeng","json_report":"{\"b64_quote\":\"AAAA\",\"int64_version\":\"v2\"}"}'
