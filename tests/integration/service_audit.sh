#!/usr/bin/env bash
# The audit log of uattestd (docs/operations.md): a few attestations on the sim TEE (one of them
# contraindicated by a policy), then GET /v1/audit as an admin and `uattest audit verify` over
# HTTP and from an export; an edited, a deleted and a renumbered record in an export are each
# reported as the first broken record (VERIFY_AUDIT).
set -euo pipefail
UATTESTD=${1:?usage: service_audit.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: service_audit.sh path/to/uattestd path/to/uattest}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
AUTH=(-H "Authorization: Bearer $ADMIN")

for i in 1 2 3; do
    challenge "n$i" "$A"
    collect "$work/n$i.nonce" "$work/ev$i.json" -O "measure=audit-$i"
    attest_body "$work/att$i.json" "$work/n$i.nonce" "$work/ev$i.json"
    expect "$(req POST "$A/v1/attest" --data-binary @"$work/att$i.json")" 200 "" "attest $i"
    jget "$work/body" token | tr -d '\n' >"$work/t$i.jwt"
done
# a refused attestation is logged too: a policy that contraindicates everything
printf '{"id":"deny","trustworthiness":{"executables":[{"when_tee":["sim"],"value":96}]}}' \
    >"$work/deny.json"
code=$(req PUT "$A/v1/policies/deny" "${AUTH[@]}" --data-binary @"$work/deny.json")
[ "$code" = 200 ] || [ "$code" = 201 ] || fail "PUT policy: HTTP $code $(cat "$work/body")"
challenge n4 "$A"
collect "$work/n4.nonce" "$work/ev4.json"
printf '{"evidence":%s,"nonce":"%s","policy_id":"deny"}' "$(cat "$work/ev4.json")" \
    "$(cat "$work/n4.nonce")" >"$work/att4.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/att4.json")" 403 VERIFY_POLICY \
    "attest under the deny policy"
echo "ok - 3 tokens issued, 1 attestation contraindicated"

expect "$(req GET "$A/v1/audit")" 401 USAGE_UNAUTHENTICATED "audit without a token"
expect "$(req GET "$A/v1/audit?after=0" "${AUTH[@]}")" 200 "" "audit list"
cp "$work/body" "$work/export.json"
n=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["records"]))' "$work/export.json")
[ "$n" -eq 4 ] || fail "expected 4 audit records, got $n"
# the records name the evidence and the token issued
tok1=$(sha256sum <"$work/t1.jwt" | cut -d' ' -f1)
grep -q "\"token_id\":\"$tok1\"" "$work/export.json" || fail "the first token's id is not logged"
"$PY" - "$work/export.json" <<'PY' || fail "record fields"
import json, sys
r = json.load(open(sys.argv[1]))["records"]
assert [x["id"] for x in r] == list(range(1, len(r) + 1)), r
assert r[0]["prev_hash"] == "0" * 64
for a, b in zip(r, r[1:]):
    assert b["prev_hash"] == a["record_hash"]
assert all(len(x["evidence_sha256"]) == 64 and x["status"] for x in r)
assert len({x["evidence_sha256"] for x in r}) == len(r)
assert r[3]["status"] == "contraindicated" and r[3]["token_id"] == "", r[3]
assert r[3]["policy_id"] == "deny" and r[0]["policy_id"] == ""
assert all(len(x["token_id"]) == 64 for x in r[:3])
PY
expect "$(req GET "$A/v1/audit?after=2" "${AUTH[@]}")" 200 "" "audit list after=2"
grep -q '"id":1,' "$work/body" && fail "after=2 listed record 1"
expect "$(req GET "$A/v1/audit?after=x" "${AUTH[@]}")" 400 USAGE_INVALID_ARGUMENT "audit after=x"
echo "ok - GET /v1/audit lists $n chained records (admin only)"

"$UATTEST" audit verify --url "$A" --admin-token "$ADMIN" >"$work/out" 2>&1 ||
    fail "audit verify --url: $(cat "$work/out")"
grep -q "audit chain intact: $n records" "$work/out" || fail "audit verify: $(cat "$work/out")"
"$UATTEST" audit verify --file "$work/export.json" >/dev/null || fail "audit verify --file"
set +e
"$UATTEST" audit verify --url "$A" --admin-token uata_wrong >/dev/null 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || fail "audit verify with a wrong admin token succeeded"
echo "ok - uattest audit verify: the chain is intact (HTTP and export)"

# tamper TEXT PYTHON: the export edited by PYTHON (r: the records) is refused at record TEXT
tamper() {
    "$PY" - "$work/export.json" "$work/bad.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["records"]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
    set +e
    "$UATTEST" audit verify --file "$work/bad.json" >/dev/null 2>"$work/err"
    code=$?
    set -e
    [ "$code" -ne 0 ] || fail "$3: accepted"
    grep -q "\[VERIFY_AUDIT\]" "$work/err" || fail "$3: no VERIFY_AUDIT: $(cat "$work/err")"
    grep -q "chain breaks at record $1\$" "$work/err" || fail "$3: not record $1: $(cat "$work/err")"
    echo "ok - $3: broken at record $1"
}
tamper 2 'r[1]["status"] = "affirming" if r[1]["status"] != "affirming" else "warning"' "a status edited"
tamper 2 'del r[1]' "a record deleted"
tamper 1 'del r[0]' "the first record deleted"
tamper 2 'del r[1]; r[1]["id"] = 2' "a deletion renumbered"
tamper 3 'r[2]["evidence_sha256"] = "0" * 64' "an evidence hash replaced"
# replay: each evidence re-verified at its record's time and appraised as the service did gives
# the recorded status; under another policy the difference is named (VERIFY_AUDIT)
for i in 1 2 3; do
    "$UATTEST" audit replay --file "$work/export.json" --trust "$work/sim/trust" "$work/ev$i.json" \
        >"$work/out" 2>&1 || fail "replay of ev$i: $(cat "$work/out")"
    "$PY" - "$work/out" <<'PY' || fail "replay report of ev$i: $(cat "$work/out")"
import json, sys
line = open(sys.argv[1]).read().strip()
rows = json.loads(line.split(": ", 1)[1])
assert len(rows) == 1 and rows[0]["recorded"] == rows[0]["replayed"], rows
PY
done
"$UATTEST" audit replay --file "$work/export.json" --trust "$work/sim/trust" --policy "$work/deny.json" \
    "$work/ev4.json" >"$work/out" 2>&1 || fail "replay of ev4 under deny: $(cat "$work/out")"
grep -q '"recorded":"contraindicated","replayed":"contraindicated"' "$work/out" || fail "ev4: $(cat "$work/out")"
set +e
"$UATTEST" audit replay --file "$work/export.json" --trust "$work/sim/trust" "$work/ev4.json" \
    >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -eq 4 ] && grep -q '\[VERIFY_AUDIT\]' "$work/err" && grep -q 'record 4' "$work/err" \
    || fail "ev4 under the default policy: $code $(cat "$work/out" "$work/err")"
set +e
"$UATTEST" audit replay --file "$work/bad.json" --trust "$work/sim/trust" "$work/ev1.json" \
    >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -eq 4 ] && grep -q '\[VERIFY_AUDIT\]' "$work/err" || fail "replay of a broken export: $(cat "$work/err")"
set +e
"$UATTEST" audit replay --file "$work/export.json" --trust "$work/sim/trust" "$work/first.json" \
    >/dev/null 2>"$work/err"
code=$?
set -e
grep -q '\[USAGE_NOT_FOUND\]' "$work/err" || fail "replay of unaudited evidence: $(cat "$work/err")"
echo "ok - audit replay reproduces the recorded statuses; another policy's difference, a broken chain and unaudited evidence are named"
echo "all service audit tests passed"
