#!/usr/bin/env bash
# Hygon CSV corpus conformance through the CLI. The one public sample (trustee csv_evidence.json)
# lacks the HSK and CEK of its chip (PROVENANCE.md): the verifier checks the HRK of the trust
# directory and the report's signature with the PEK the evidence carries, then fails closed with
# VERIFY_COLLATERAL naming the missing HSK/CEK and the chip. Edited copies fail with their names.
set -euo pipefail
U=${1:?usage: csv.sh uattest corpus_dir}
C=${2:?}/hygon-csv
EV=$C/v1-trustee-csv/csv_evidence.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# verify ARGS... -> claims on $work/out, error on $work/err, exit code in $code
verify() {
    set +e
    "$U" verify --compact "$@" >"$work/out" 2>"$work/err"
    code=$?
    set -e
}

expect_err() { # label ERROR_NAME exit_code verify-args...
    local label=$1 name=$2 want=$3
    shift 3
    verify "$@"
    [ "$code" -ne 0 ] || fail "$label verified; expected $name"
    grep -q "\[$name\]" "$work/err" || fail "$label: expected $name, got: $(cat "$work/err")"
    [ "$code" -eq "$want" ] || fail "$label: exit $code for $name"
    echo "ok - $label: $name"
}

# the sample: HRK and report signature hold, the chain cannot be completed
expect_err "corpus sample" VERIFY_COLLATERAL 4 --trust "$C/trust" "$EV"
grep -q 'missing chain element' "$work/err" || fail "message: $(cat "$work/err")"
grep -q 'HSK and CEK certificates of chip KPA64911240507' "$work/err" ||
    fail "message does not name HSK/CEK and the chip: $(cat "$work/err")"
# with a collateral directory that lacks the chip: the message names where it looked
mkdir -p "$work/coll/csv"
expect_err "corpus sample, empty collateral" VERIFY_COLLATERAL 4 --trust "$C/trust" \
    --collateral "$work/coll" "$EV"
grep -q 'csv/KPA64911240507/hsk_cek.cert' "$work/err" || fail "path: $(cat "$work/err")"

# the same evidence in a CMW record of its media type
b64=$(base64 -w0 "$EV" | tr '+/' '-_' | tr -d '=')
printf '["application/vnd.hygon.csv.evidence+json","%s"]' "$b64" >"$work/cmw.json"
expect_err "corpus sample in a CMW" VERIFY_COLLATERAL 4 --trust "$C/trust" "$work/cmw.json"

# the first report byte (user_pubkey_digest, signed) changed: the PEK's signature fails first
sed 's/"data":\[38,215,/"data":[39,215,/' "$EV" >"$work/edited.json"
cmp -s "$EV" "$work/edited.json" && fail "the edit did not apply"
expect_err "report byte 0 edited" VERIFY_SIGNATURE 4 --trust "$C/trust" "$work/edited.json"

# an HRK whose signed body changed (kid and sid alike): not self-signed any more
mkdir -p "$work/bad-hrk"
cp "$C/trust/hrk.cert" "$work/bad-hrk/hrk.cert"
chmod u+w "$work/bad-hrk/hrk.cert"
printf '\x00' | dd of="$work/bad-hrk/hrk.cert" bs=1 seek=4 conv=notrunc status=none
printf '\x00' | dd of="$work/bad-hrk/hrk.cert" bs=1 seek=20 conv=notrunc status=none
expect_err "HRK edited" VERIFY_CHAIN 4 --trust "$work/bad-hrk" "$EV"

# no HRK at all
mkdir -p "$work/no-trust"
expect_err "no trust anchor" USAGE_NO_TRUST_ANCHOR 2 --trust "$work/no-trust" "$EV"

# trailing garbage after the JSON: not evidence
cp "$EV" "$work/trailing.json" && printf 'x' >>"$work/trailing.json"
verify --trust "$C/trust" "$work/trailing.json"
[ "$code" -eq 3 ] || fail "trailing byte: exit $code $(cat "$work/err")"
echo "ok - trailing byte: $(grep -o '\[[A-Z_]*\]' "$work/err")"

# inspect needs no trust: the report's fields under trustee's names, the chip ID, the PEK
"$U" inspect "$EV" >"$work/out"
grep -q '"media_type": "application/vnd.hygon.csv.evidence+json"' "$work/out" || fail "media type"
grep -q '"serial_number": "KPA64911240507"' "$work/out" || fail "inspect chip id"
grep -q '"measure": "ae2a2cf1f41a485fa37bf9ae92f678783c59fbc79de7b5d237743d58f5538034"' \
    "$work/out" || fail "inspect measure"
grep -q '"user_id": "HYGON-SSD-PEK"' "$work/out" || fail "inspect PEK"
echo "ok - inspect"
