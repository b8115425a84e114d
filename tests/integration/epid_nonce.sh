#!/usr/bin/env bash
# The IAS report's nonce: with --evidence-nonce the report must echo exactly that nonce. No public
# IAS report carries one, so a test IAS (its own root and report signing key, made here with
# openssl) signs the corpus report body with a nonce added; the chain and signature rules are the
# same as for Intel's.
set -euo pipefail
U=${1:?usage: epid_nonce.sh uattest corpus}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

openssl req -x509 -newkey rsa:3072 -nodes -keyout root.key -out root.pem -days 3650 \
    -subj "/CN=Test IAS Report Signing CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr \
    -subj "/CN=Test IAS Report Signing" 2>/dev/null
openssl x509 -req -in sign.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 \
    -out sign.pem 2>/dev/null
mkdir -p trust/sgx-epid
cp root.pem trust/sgx-epid/

# the corpus report body with "nonce" as IAS puts it (after "timestamp")
sed 's/"version":3,/"version":3,"nonce":"uattest-nonce-0123456789",/' \
    "$C/intel-sgx-epid-ias/e1-integritee-test4-debug/report.json" | tr -d '\n' >report.json
grep -q '"nonce":"uattest-nonce-0123456789"' report.json || fail "nonce not inserted"
make_evidence() { # report-file -> evidence.json
    openssl dgst -sha256 -sign sign.key -out sig.bin "$1"
    printf '{"report":"%s","signature":"%s","certificates":"%s"}' "$(base64 -w0 "$1")" \
        "$(base64 -w0 sig.bin)" "$(awk '{printf "%s\\n", $0}' sign.pem)" >evidence.json
}
make_evidence report.json
v() { "$U" verify --trust "$work/trust" "$@" evidence.json 2>err >out; }

v || fail "the test IAS report does not verify: $(cat err)"
grep -q '"nonce"' out || fail "no nonce claim"
v --evidence-nonce uattest-nonce-0123456789 || fail "the right nonce is refused: $(cat err)"
echo "ok - the report's nonce matches --evidence-nonce"

set +e
v --evidence-nonce uattest-nonce-0123456788; code=$?
set -e
[ "$code" -ne 0 ] || fail "a wrong nonce is accepted"
grep -q 'VERIFY_BINDING' err && grep -q 'field nonce' err || fail "wrong nonce error: $(cat err)"
echo "ok - another nonce is refused ($(grep -o '\[[A-Z_]*\]' err))"

# a report without a nonce, when one is expected
tr -d '\n' <"$C/intel-sgx-epid-ias/e1-integritee-test4-debug/report.json" >plain.json
make_evidence plain.json
set +e
v --evidence-nonce uattest-nonce-0123456789; code=$?
set -e
[ "$code" -ne 0 ] || fail "a report without a nonce is accepted when one is expected"
grep -q 'carries no nonce' err || fail "missing nonce error: $(cat err)"
v || fail "without --evidence-nonce the report verifies: $(cat err)"
echo "ok - a report without a nonce is refused only when one is expected"
