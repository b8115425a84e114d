#!/usr/bin/env bash
# Composite evidence through the CLI and the service (docs/composite.md):
#  1. `uattest collect --tee sim+sim` -> `uattest verify` (claims per member, one EAR submod each);
#  2. `uattest collect --tee sim+nvidia-gpu` with the fake NVML (tests/unit/fake_nvml.c): the GPU
#     is asked for SHA-256("uattest composite nonce v1" 0x00 || binding || label), recomputed here
#     with Python's hashlib; the fake answers with corpus g1, whose nonce is not that, so verify
#     fails with VERIFY_BINDING naming the GPU member;
#  3. uattestd accepts composites on POST /v1/attest unchanged: the token has one submod per
#     member, a stored policy and reference values appraise each member, a failing member makes
#     the attestation VERIFY_POLICY, the GPU composite is VERIFY_BINDING.
set -euo pipefail
UATTEST=${1:?usage: composite.sh uattest uattestd corpus fake-nvml.so}
UATTESTD=${2:?}
CORPUS=${3:?}
FAKE=${4:?}
# shellcheck source=service_lib.sh
. "$(dirname "$0")/service_lib.sh"

# ---- 1. sim+sim through the CLI
"$UATTEST" collect --tee sim+sim --state-dir "$work/sim" --nonce n-cli -O measure=comp-demo \
    -o "$work/ss.json"
mkdir -p "$work/trust"
cp -r "$work/sim/trust/sim" "$work/trust/sim"
ln -s "$CORPUS/nvidia-gpu/trust" "$work/trust/nvidia-gpu"
"$UATTEST" inspect "$work/ss.json" >"$work/inspect.json"
[ "$(jget "$work/inspect.json" collection_type)" = "tag:github.com,2025:uattest/composite" ] ||
    fail "collection type"
"$UATTEST" verify --trust "$work/trust" --nonce n-cli "$work/ss.json" >"$work/claims.json" \
    2>"$work/verify.log"
[ "$(jget "$work/claims.json" tee)" = composite ] || fail "composite claims"
[ "$(jget "$work/claims.json" members sim-1 tee)" = sim ] || fail "member sim-1"
[ "$(jget "$work/claims.json" tee_claims bindings sim-0)" = report-data ] || fail "binding rule"
"$UATTEST" verify --trust "$work/trust" --nonce n-cli --ear "$work/ss.json" >"$work/ear.json"
[ "$(jget "$work/ear.json" submods sim-0 ear.status)" = warning ] || fail "submod sim-0"
[ "$(jget "$work/ear.json" submods sim-1 ear.status)" = warning ] || fail "submod sim-1"
set +e
"$UATTEST" verify --trust "$work/trust" --nonce other "$work/ss.json" >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -ne 0 ] && grep -q 'VERIFY_BINDING.*sim-0' "$work/err" || fail "other nonce: $(cat "$work/err")"
echo "ok - cli: sim+sim collected, verified with a submod per member, another nonce refused"

# ---- 2. sim+nvidia-gpu with the fake NVML
mkdir -p "$work/nv"
FAKE_NVML_NONCE_DIR="$work/nv" "$UATTEST" collect --tee sim+nvidia-gpu --state-dir "$work/sim" \
    --nonce n-gpu -O nvml="$FAKE" -o "$work/sg.json"
want=$("$PY" -c 'import hashlib,sys
b=hashlib.sha256(sys.argv[1].encode()).digest()+bytes(32)
print(hashlib.sha256(b"uattest composite nonce v1\0"+b+b"nvidia-gpu").hexdigest())' n-gpu)
[ "$(cat "$work/nv/nonce-0")" = "$want" ] || fail "NVML was asked for $(cat "$work/nv/nonce-0"), not $want"
set +e
"$UATTEST" verify --trust "$work/trust" --at 2026-01-08T00:00:00Z --nonce n-gpu "$work/sg.json" \
    >/dev/null 2>"$work/err"
code=$?
set -e
[ "$code" -ne 0 ] && grep -q 'VERIFY_BINDING.*field nvidia-gpu.*not the one derived' "$work/err" ||
    fail "gpu composite: exit $code $(cat "$work/err")"
echo "ok - cli: sim+nvidia-gpu asks NVML for the derived nonce; g1's fixed nonce is VERIFY_BINDING"

# eight GPUs: device k is asked for the nonce of label nvidia-gpu-k
mkdir -p "$work/nv8"
FAKE_NVML_NONCE_DIR="$work/nv8" "$UATTEST" collect --tee sim+nvidia-gpu*8 --state-dir "$work/sim" \
    --nonce n-8 -O nvml="$FAKE" --format cbor -o "$work/s8.cbor"
for k in 0 1 2 3 4 5 6 7; do
    want=$("$PY" -c 'import hashlib,sys
b=hashlib.sha256(sys.argv[1].encode()).digest()+bytes(32)
print(hashlib.sha256(b"uattest composite nonce v1\0"+b+sys.argv[2].encode()).hexdigest())' n-8 \
        "nvidia-gpu-$k")
    [ "$(cat "$work/nv8/nonce-$k")" = "$want" ] || fail "GPU $k was asked for another nonce"
done
"$UATTEST" inspect "$work/s8.cbor" >"$work/s8.json"
[ "$(jget "$work/s8.json" collection nvidia-gpu-7 tee)" = nvidia-gpu ] || fail "member nvidia-gpu-7"
echo "ok - cli: sim+nvidia-gpu*8 asks each of eight GPUs for its own derived nonce"

# ---- 3. the service
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>/dev/null)
AUTH=(-H "Authorization: Bearer $ADMIN")
start a --data-dir "$work/a" --trust "$work/trust"
A=$(url http a)
printf '{"id":"strict","trustworthiness":{"executables":[{"reference":["measurement"],"match":2,"mismatch":96,"absent":96}]}}' \
    >"$work/policy.json"
expect "$(req PUT "$A/v1/policies/strict" "${AUTH[@]}" --data-binary @"$work/policy.json")" 201 "" \
    "PUT policy"
MEAS=$(printf comp-demo | sha384sum | cut -d' ' -f1)
printf '{"tee":"sim","values":{"measurement":["%s"]}}' "$MEAS" >"$work/rv.json"
expect "$(req PUT "$A/v1/reference-values/comp" "${AUTH[@]}" --data-binary @"$work/rv.json")" 201 "" \
    "PUT reference values"
# (the composite attester passes -O measure to every member that knows it)
attest() { # NAME TEE POLICY [collect args]
    local n=$1 tee=$2 pol=$3
    shift 3
    challenge "$n" "$A"
    "$UATTEST" collect --tee "$tee" --state-dir "$work/sim" --nonce "$(cat "$work/$n.nonce")" \
        -o "$work/$n.ev" "$@"
    printf '{"evidence":%s,"nonce":"%s","policy_id":"%s"}' "$(cat "$work/$n.ev")" \
        "$(cat "$work/$n.nonce")" "$pol" >"$work/$n.body"
    req POST "$A/v1/attest" --data-binary @"$work/$n.body"
}
expect "$(attest c1 sim+sim strict -O measure=comp-demo)" 200 "" "composite attest"
[ "$(jget "$work/body" status)" = affirming ] || fail "composite status $(cat "$work/body")"
jget "$work/body" token | tr -d '\n' >"$work/c1.jwt"
"$UATTEST" token verify --jwks <(curl -s "$A/v1/jwks") "$work/c1.jwt" >"$work/c1.claims"
[ "$(jget "$work/c1.claims" submods sim-0 ear.status)" = affirming ] || fail "token submod sim-0"
[ "$(jget "$work/c1.claims" submods sim-1 ear.status)" = affirming ] || fail "token submod sim-1"
[ "$(jget "$work/c1.claims" submods sim-1 ear.veraison.annotated-evidence binding)" = report-data ] ||
    fail "token member binding"
echo "ok - service: a sim+sim composite attests, the token has one affirming submod per member"

expect "$(attest c2 sim+sim strict -O measure=other)" 403 VERIFY_POLICY "composite, members refused"
grep -q 'sim-0: executables' "$work/body" || fail "the reason names the member: $(cat "$work/body")"
expect "$(attest c3 sim+nvidia-gpu strict -O measure=comp-demo -O nvml="$FAKE")" 403 VERIFY_BINDING \
    "gpu composite through the service"
grep -q 'nvidia-gpu' "$work/body" || fail "the binding error names the member: $(cat "$work/body")"
echo "ok - service: a refused member is VERIFY_POLICY naming it; the GPU composite is VERIFY_BINDING"

# ---- 4. resource release to a composite: every member must satisfy the resource's policy
workload_key
challenge c4 "$A"
"$UATTEST" collect --tee sim+sim --state-dir "$work/sim" --nonce "$(cat "$work/c4.nonce")" \
    --runtime-data "$work/runtime.json" -O measure=comp-demo -o "$work/c4.ev"
printf '{"evidence":%s,"nonce":"%s","policy_id":"strict","runtime_data":"%s"}' "$(cat "$work/c4.ev")" \
    "$(cat "$work/c4.nonce")" "$(b64u <"$work/runtime.json")" >"$work/c4.body"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/c4.body")" 200 "" "composite attest, bound key"
jget "$work/body" token | tr -d '\n' >"$work/c4.jwt"
SECRET="released to a composite"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["sim"],"measurement":["%s"]}}' \
    "$(printf %s "$SECRET" | b64u)" "$MEAS" >"$work/res.json"
expect "$(req PUT "$A/v1/resources/apps/comp/key" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource"
expect "$(req GET "$A/v1/resources/apps/comp/key" -H "Authorization: Bearer $(cat "$work/c4.jwt")")" \
    200 "" "GET resource with the composite token"
[ "$(jose jwe dec -i "$work/body" -k "$work/wl.jwk")" = "$SECRET" ] || fail "JWE does not decrypt"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["tdx"]}}' \
    "$(printf %s "$SECRET" | b64u)" >"$work/res2.json"
expect "$(req PUT "$A/v1/resources/apps/comp/tdx" "${AUTH[@]}" --data-binary @"$work/res2.json")" \
    201 "" "PUT resource (tdx only)"
expect "$(req GET "$A/v1/resources/apps/comp/tdx" -H "Authorization: Bearer $(cat "$work/c4.jwt")")" \
    403 VERIFY_POLICY "a member outside the resource's TEEs"
echo "ok - service: a resource is released to a composite whose every member satisfies its policy"
