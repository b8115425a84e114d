#!/usr/bin/env bash
# uattestd's jinzhao_lax_insecure configuration key (docs/compat.md "--jinzhao-lax-insecure"): two
# services on loopback verify the same jinzhao report of the corpus SGX s1 quote after its
# collateral expired (POST /v1/verify with an evaluation time): the default one refuses it with
# VERIFY_EXPIRED, the one configured with jinzhao_lax_insecure: 1 accepts it with the claim
# jinzhao_lax naming the waived check, and logs the switch at start; native evidence stays strict.
set -euo pipefail
UATTESTD=${1:?usage: jinzhao_service.sh uattestd corpus_dir}
C=${2:?}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/service_lib.sh"
S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor

"$PY" - "$S1/quote.bin" "$work/s1.json" "$work/native.json" <<'PY'
import base64, json, sys
q = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
rep = {"str_report_version": "1.0", "str_report_type": "BackgroundCheck", "str_tee_platform": "SGX_DCAP",
       "json_report": json.dumps({"b64_quote": q}, separators=(",", ":"))}
at = "2026-12-01T00:00:00Z"
open(sys.argv[2], "w").write(json.dumps({"evidence": rep, "at": at}))
open(sys.argv[3], "w").write(json.dumps({"evidence": q, "at": at}))
PY
printf '{"jinzhao_lax_insecure": 1}' >"$work/lax.conf"
start strict --data-dir "$work/a" --trust "$C/intel-sgx-dcap/trust" --collateral "$S1"
start lax --data-dir "$work/b" --trust "$C/intel-sgx-dcap/trust" --collateral "$S1" \
    --config "$work/lax.conf"
grep -q '"jinzhao_lax_insecure"' "$work/lax.log" || fail "the switch is not logged at start"
grep -q '"jinzhao_lax_insecure"' "$work/strict.log" && fail "the default service logs the switch"
echo "ok - uattestd logs jinzhao_lax_insecure at start"

expect "$(req POST "$(url http strict)/v1/verify" --data-binary @"$work/s1.json")" 200 "" "strict verify"
grep -q 'VERIFY_EXPIRED' "$work/body" || fail "strict: not VERIFY_EXPIRED: $(head -c 600 "$work/body")"
grep -q 'jinzhao_lax' "$work/body" && fail "strict: jinzhao_lax claimed"
echo "ok - default service: the expired jinzhao report is VERIFY_EXPIRED"

expect "$(req POST "$(url http lax)/v1/verify" --data-binary @"$work/s1.json")" 200 "" "lax verify"
[ "$(jget "$work/body" error)" = null ] || fail "lax: $(head -c 600 "$work/body")"
"$PY" - "$work/body" <<'PY' || fail "lax: no jinzhao_lax claim: $(head -c 600 "$work/body")"
import json, sys
d = json.load(open(sys.argv[1]))
lax = d["claims"]["jinzhao_lax"]
assert lax["waived"] == ["VERIFY_EXPIRED"], lax
assert "[VERIFY_EXPIRED]" in lax["strict_error"], lax
PY
echo "ok - jinzhao_lax_insecure service: accepted with jinzhao_lax {waived: [VERIFY_EXPIRED]}"

expect "$(req POST "$(url http lax)/v1/verify" --data-binary @"$work/native.json")" 200 "" "lax native"
grep -q 'VERIFY_EXPIRED' "$work/body" || fail "lax native: $(head -c 600 "$work/body")"
echo "ok - jinzhao_lax_insecure service: native evidence is still VERIFY_EXPIRED"
