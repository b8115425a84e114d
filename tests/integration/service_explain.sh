#!/usr/bin/env bash
# uattestd's readable verdicts (docs/service.md, docs/explain.md): POST /v1/attest?explain=1 puts
# the explanation (every check, docs/explain.schema.json) into the result when the evidence
# verifies, into the problem document when it does not, and next to the refusal when the policy
# contraindicates verified evidence. Every error answer is RFC 9457 problem+json whose type, title
# and status are the error table's (`uattest errors`), with a detail and the request path as
# instance: checked for a malformed body (400), a replayed nonce (403), a policy refusal (403), an
# admin call without credentials (401) and a bad explain value (400).
set -euo pipefail
UATTESTD=${1:?usage: service_explain.sh uattestd uattest schema}
UATTEST=${2:?}
SCHEMA=${3:?}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

"$UATTEST" errors >"$work/errors.txt"
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
AUTH=(-H "Authorization: Bearer $ADMIN")
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)

# problem STATUS NAME PATH: the last answer (headers in $work/headers) is problem+json with the
# error table's type, title and status for NAME, a detail, and PATH as instance
problem() {
    grep -qi '^content-type: application/problem+json' "$work/headers" ||
        fail "$2: content type $(grep -i '^content-type' "$work/headers")"
    "$PY" - "$work/errors.txt" "$work/body" "$1" "$2" "$3" <<'PY' || fail "$2: problem document"
import json, sys
table, body, status, name, path = sys.argv[1:]
rows = {}
for line in open(table).read().splitlines()[1:]:
    f = line.split(None, 4)
    rows[f[0]] = (int(f[3]), f[4])
doc = json.load(open(body))
want_status, title = rows[name]
assert int(status) == want_status, ("the table says", want_status)
assert doc["type"] == "https://uattest.dev/errors/" + name, doc["type"]
assert doc["title"] == title, (doc["title"], title)
assert doc["status"] == want_status, doc["status"]
assert isinstance(doc["detail"], str) and doc["detail"], doc.get("detail")
assert doc["instance"] == path, doc["instance"]
assert doc["error"] == name, doc["error"]
PY
}
# preq METHOD PATH [curl args]: req with the response headers kept
preq() {
    local m=$1 p=$2
    shift 2
    req "$m" "$A$p" -D "$work/headers" "$@"
}
# schema FILE MEMBER RESULT [LAST_CHECK]: FILE's MEMBER is a valid explanation with that result
schema() {
    "$PY" - "$SCHEMA" "$@" <<'PY' || fail "explanation in $1"
import json, sys
import jsonschema
schema, path, member, result = sys.argv[1:5]
doc = json.load(open(path))[member]
jsonschema.validate(doc, json.load(open(schema)), cls=jsonschema.Draft202012Validator)
assert doc["tee"] == "sim", doc["tee"]
assert doc["result"] == result, doc["result"]
names = [c["check"] for c in doc["checks"]]
assert "sim.key" in names and "binding" in names, names
if len(sys.argv) > 5:
    last = doc["checks"][-1]
    assert last["check"] == sys.argv[5] and last["result"] == "fail" and last["remedy"], last
    assert doc["error"]["check"] == sys.argv[5], doc["error"]
PY
}

# ---- 1. explain=1: passing evidence, the explanation next to the token
challenge n1 "$A"
collect "$work/n1.nonce" "$work/ev1.json" -O measure=svc-demo
attest_body "$work/att1.json" "$work/n1.nonce" "$work/ev1.json"
expect "$(preq POST "/v1/attest?explain=1" --data-binary @"$work/att1.json")" 200 "" "attest explain"
grep -q '"token":"' "$work/body" || fail "no token with explain=1"
schema "$work/body" explanation pass
challenge n2 "$A"
collect "$work/n2.nonce" "$work/ev2.json" -O measure=svc-demo
attest_body "$work/att2.json" "$work/n2.nonce" "$work/ev2.json"
expect "$(preq POST "/v1/attest" --data-binary @"$work/att2.json")" 200 "" "attest"
grep -q '"explanation"' "$work/body" && fail "an explanation nobody asked for"
echo "ok - explain=1 adds a schema-valid explanation to the result; without it there is none"

# ---- 2. explain=1: evidence bound to another nonce fails at the binding check
challenge n3 "$A"
challenge n4 "$A"
collect "$work/n4.nonce" "$work/ev4.json"
attest_body "$work/att3.json" "$work/n3.nonce" "$work/ev4.json"
expect "$(preq POST "/v1/attest?explain=true" --data-binary @"$work/att3.json")" 403 \
    VERIFY_BINDING "attest explain, other nonce"
problem 403 VERIFY_BINDING /v1/attest
schema "$work/body" explanation fail binding
echo "ok - a failing verification: problem+json with the explanation ending at the failed check"

# ---- 3. problem+json for the error table's errors
expect "$(preq POST /v1/attest --data-binary '{"evidence": [')" 400 PARSE_BAD_JSON "malformed body"
problem 400 PARSE_BAD_JSON /v1/attest
expect "$(preq POST /v1/attest --data-binary @"$work/att1.json")" 403 VERIFY_NONCE "replayed nonce"
problem 403 VERIFY_NONCE /v1/attest
expect "$(preq PUT /v1/policies/p1 --data-binary '{"trustworthiness":{}}')" 401 \
    USAGE_UNAUTHENTICATED "admin call without a token"
problem 401 USAGE_UNAUTHENTICATED /v1/policies/p1
grep -qi '^www-authenticate: Bearer' "$work/headers" || fail "401 without WWW-Authenticate"
expect "$(preq POST "/v1/attest?explain=yes" --data-binary @"$work/att2.json")" 400 \
    USAGE_INVALID_ARGUMENT "explain=yes"
problem 400 USAGE_INVALID_ARGUMENT /v1/attest
echo "ok - malformed body 400, replay 403, no credentials 401 (WWW-Authenticate), bad explain 400: RFC 9457 members from the error table"

# ---- 4. a policy refusal: verified evidence, contraindicated appraisal
MEAS=$(printf svc-demo | sha384sum | cut -d' ' -f1)
expect "$(preq PUT /v1/reference-values/sim-demo "${AUTH[@]}" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" "PUT refvals"
expect "$(preq PUT /v1/policies/strict "${AUTH[@]}" --data-binary \
    '{"id":"strict","trustworthiness":{"executables":[{"reference":["measurement"],"match":2,"mismatch":96,"absent":96}]}}')" \
    201 "" "PUT policy"
challenge n5 "$A"
collect "$work/n5.nonce" "$work/ev5.json" -O measure=other-workload
printf '{"evidence":%s,"nonce":"%s","policy_id":"strict"}' "$(cat "$work/ev5.json")" \
    "$(cat "$work/n5.nonce")" >"$work/att5.json"
expect "$(preq POST "/v1/attest?explain=1" --data-binary @"$work/att5.json")" 403 VERIFY_POLICY \
    "policy refusal"
problem 403 VERIFY_POLICY /v1/attest
grep -q '"check":"appraisal"' "$work/body" || fail "policy refusal: check"
grep -q '"token"' "$work/body" && fail "a refused attestation got a token"
schema "$work/body" explanation pass
echo "ok - a policy refusal: 403 VERIFY_POLICY problem+json, no token, the explanation of the verification that passed"
