#!/usr/bin/env bash
# Signed offline collateral bundles (docs/operations.md): the corpus Intel SGX collateral is signed
# with an operator key, verified, and used by `uattest verify --bundle-jwks` at its pinned time;
# then one changed byte, an added file, a removed file and a JWS by another key are each refused
# with a named error before the collateral is used.
set -euo pipefail
U=${1:?usage: collateral_bundle.sh uattest corpus_dir}
C=${2:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
TRUST=$C/intel-sgx-dcap/trust
AT=2025-07-01T00:00:00Z
B=$work/bundle
mkdir -p "$B"
for f in "$S1"/*; do
    [ "$(basename "$f")" = quote.bin ] || cp "$f" "$B/"
done

# the operator key (a token key directory: one private ES256 JWK) and its JWKS; another key
"$U" token jwks --keys "$work/op" >"$work/op.jwks"
"$U" token jwks --keys "$work/other" >"$work/other.jwks"
KEY=$(ls "$work"/op/*.jwk)
OTHER=$(ls "$work"/other/*.jwk)

"$U" collateral bundle sign "$B" --key "$KEY" >/dev/null
[ -s "$B/manifest.json" ] && [ -s "$B/manifest.jws" ] || fail "sign wrote no manifest"
grep -q '"path": "tcb_info.json"' "$B/manifest.json" || fail "tcb_info.json is not in the manifest"
grep -q '"sha256": "'"$(sha256sum "$B/tcb_info.json" | cut -d' ' -f1)"'"' "$B/manifest.json" \
    || fail "the manifest does not carry the sha256 of tcb_info.json"
grep -q '"kind": "json:tcbInfo"' "$B/manifest.json" || fail "tcb_info.json has no kind"
echo "ok - signed: $(grep -c '"path"' "$B/manifest.json") files"

"$U" collateral bundle verify "$B" --jwks "$work/op.jwks" >"$work/out" || fail "verify: $(cat "$work/out")"
echo "ok - bundle verify"

verify_evidence() {
    set +e
    "$U" verify --trust "$TRUST" --collateral "$1" --bundle-jwks "$work/op.jwks" --at "$AT" \
        --compact "$S1/quote.bin" >"$work/out" 2>"$work/err"
    code=$?
    set -e
}
verify_evidence "$B"
[ "$code" -eq 0 ] || fail "verify with the bundle: exit $code: $(cat "$work/err")"
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' "$work/out" || fail "status: $(cat "$work/out")"
echo "ok - uattest verify uses the signed bundle at $AT"

# expect_refused DIR ERROR TEXT: both `bundle verify` and `verify --bundle-jwks` refuse with ERROR
expect_refused() {
    set +e
    "$U" collateral bundle verify "$1" --jwks "$work/op.jwks" >/dev/null 2>"$work/err"
    code=$?
    set -e
    [ "$code" -ne 0 ] || fail "$3: bundle verify accepted it"
    grep -q "\[$2\]" "$work/err" || fail "$3: expected $2, got: $(cat "$work/err")"
    grep -q "collateral.bundle" "$work/err" || fail "$3: the error does not name the bundle check"
    verify_evidence "$1"
    [ "$code" -ne 0 ] || fail "$3: uattest verify accepted the bundle"
    grep -q "\[$2\]" "$work/err" || fail "$3: verify: expected $2, got: $(cat "$work/err")"
    echo "ok - $3: $2"
}

fresh() { rm -rf "$work/t"; cp -r "$B" "$work/t"; }

fresh # one byte of one file changed
printf 'X' | dd of="$work/t/tcb_info.json" bs=1 seek=10 conv=notrunc status=none
expect_refused "$work/t" VERIFY_COLLATERAL "one byte of tcb_info.json changed"

fresh # a byte changed in a binary file
printf '\001' | dd of="$work/t/pck_crl.der" bs=1 seek=40 conv=notrunc status=none
expect_refused "$work/t" VERIFY_COLLATERAL "one byte of pck_crl.der changed"

fresh # a file added
echo '{}' >"$work/t/extra.json"
expect_refused "$work/t" VERIFY_COLLATERAL "a file added"

fresh # a file added in a subfolder
mkdir "$work/t/intel" && cp "$B/tcb_info.json" "$work/t/intel/"
expect_refused "$work/t" VERIFY_COLLATERAL "a file added in a subfolder"

fresh # a file removed
rm "$work/t/qe_identity.json"
expect_refused "$work/t" VERIFY_COLLATERAL "a file removed"

fresh # manifest.json edited to match a changed file, the JWS left as it was
printf 'X' | dd of="$work/t/tcb_info.json" bs=1 seek=10 conv=notrunc status=none
sed -i "s/$(sha256sum "$B/tcb_info.json" | cut -d' ' -f1)/$(sha256sum "$work/t/tcb_info.json" | cut -d' ' -f1)/" \
    "$work/t/manifest.json"
expect_refused "$work/t" VERIFY_SIGNATURE "manifest.json rewritten without re-signing"

fresh # signed by another key
"$U" collateral bundle sign "$work/t" --key "$OTHER" >/dev/null
expect_refused "$work/t" VERIFY_UNTRUSTED_KEY "a JWS by another key"

fresh # the JWS signature bytes altered
jws=$(cat "$work/t/manifest.jws")
last=${jws: -2:1}
[ "$last" = A ] && rep=B || rep=A
printf '%s' "${jws:0:${#jws}-2}$rep${jws: -1}" >"$work/t/manifest.jws"
expect_refused "$work/t" VERIFY_SIGNATURE "a JWS with a changed signature"

fresh # no signature at all
rm "$work/t/manifest.jws"
expect_refused "$work/t" VERIFY_COLLATERAL "manifest.jws missing"

echo "all collateral bundle tests passed"
