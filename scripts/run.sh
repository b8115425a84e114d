#!/usr/bin/env bash
# `make run`: until the attestation service exists, a full collect -> verify round trip with the sim TEE.
set -euo pipefail
BUILD=${1:-build}
U="$BUILD/uattest"
state=${UATTEST_STATE_DIR:-$PWD/$BUILD/run-state}
nonce="make-run-$(date +%s)"

echo "== uattest $("$U" --version | cut -d' ' -f2): TEEs in this build"
"$U" tees
echo
echo "== collect: sim evidence bound to SHA-256(nonce) (nonce \"$nonce\"; sim keys in $state)"
"$U" collect --tee sim --state-dir "$state" --nonce "$nonce" -O measure=make-run-demo -o "$BUILD/evidence.json"
head -c 160 "$BUILD/evidence.json"; echo " ..."
echo
echo "== verify against the sim trust anchor $state/trust/sim/, expecting the same nonce"
"$U" verify --trust "$state/trust" --nonce "$nonce" "$BUILD/evidence.json"
