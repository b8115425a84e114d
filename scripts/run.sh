#!/usr/bin/env bash
# `make run`: a quick collect -> verify self-check with the sim TEE, then the attestation service
# uattestd in the foreground on 127.0.0.1:8080 (docs/service.md) with the web console under /ui/
# (docs/console.md), trusting the sim key of its data directory. Environment: UATTEST_DATA_DIR
# (default <build>/run-data), UATTEST_LISTEN (default 127.0.0.1:8080). Ctrl-C stops the service.
set -euo pipefail
BUILD=${1:-build}
U="$BUILD/uattest"
D="$BUILD/uattestd"
data=${UATTEST_DATA_DIR:-$PWD/$BUILD/run-data}
listen=${UATTEST_LISTEN:-127.0.0.1:8080}
sim="$data/sim"          # the sim attester's key; its trust anchor is $sim/trust/sim/
nonce="make-run-$(date +%s)"

echo "== uattest $("$U" --version | cut -d' ' -f2): TEEs in this build"
"$U" tees
echo
echo "== self-check: sim evidence bound to SHA-256(nonce), verified against the sim trust anchor"
"$U" collect --tee sim --state-dir "$sim" --nonce "$nonce" -O measure=make-run-demo \
    -o "$BUILD/evidence.json"
"$U" verify --trust "$sim/trust" --nonce "$nonce" --compact "$BUILD/evidence.json" |
    sed -E 's/^(.{150}).*/\1 .../'
echo

first_start=0
[ -f "$data/uattest.db" ] || first_start=1
if [ "$first_start" -eq 1 ]; then
    admin=$("$D" --data-dir "$data" --init-admin 2>/dev/null)
    echo "== first start: an admin token for $data (printed once; only its SHA-256 is stored):"
    echo "   $admin"
    echo
fi

url="http://$listen"
cat <<EOF
== attest the sim TEE against the service (copy and paste into another shell):
N=\$(curl -s -X POST $url/v1/challenge | sed -E 's/.*"nonce":"([^"]+)".*/\1/')
$U collect --tee sim --state-dir $sim --nonce "\$N" -O measure=make-run-demo -o /tmp/uattest-ev.json
curl -s -X POST $url/v1/attest -d "{\"evidence\": \$(cat /tmp/uattest-ev.json), \"nonce\": \"\$N\"}"; echo

== web console: $url/ui/  (explorer; operations at $url/ui/ops.html with the admin token)

== uattestd on $url (data: $data; Ctrl-C stops it; JSON-lines log below)
EOF
exec "$D" --listen "$listen" --data-dir "$data" --trust "$sim/trust"
