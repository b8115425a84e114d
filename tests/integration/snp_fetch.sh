#!/usr/bin/env bash
# Fetching the VCEK of an SEV-SNP report from a loopback AMD KDS look-alike: with no collateral,
# verify asks for exactly this chip's VCEK at the report's TCB, verifies it like local collateral
# (the ARK must be a configured anchor) and reproduces the corpus outcome; without --fetch it does not.
set -euo pipefail
U=${1:?usage: snp_fetch.sh uattest corpus}
C=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

N1="$C/amd-sev-snp/n1-gosevguest-milan-vcek"
python3 "$here/kds_server.py" "$N1/vcek.der" "$C/amd-sev-snp/trust/ask_ark_milan.pem" \
    "$work/port" "$work/log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || fail "KDS server did not start"
url="http://127.0.0.1:$(cat "$work/port")"
mkdir -p "$work/trust" "$work/empty"
cp "$C/amd-sev-snp/trust/"*.pem "$work/trust/"

out=$("$U" verify --trust "$work/trust" --fetch "amd=$url" --at 2022-09-24T01:00:00Z --compact \
    "$N1/report.bin" 2>/dev/null) || fail "n1 with a fetched VCEK"
grep -q '"tee":"snp"' <<<"$out" || fail "claims: $out"
grep -q '/vcek/v1/Milan/[0-9a-f]\{128\}?blSPL=' "$work/log" || fail "VCEK not asked by hwID and SPLs"
grep -q '/vcek/v1/Milan/cert_chain' "$work/log" || fail "cert_chain not fetched"
echo "ok - snp n1: VCEK fetched from a KDS by chip id and TCB ($(wc -l <"$work/log") requests)"

: >"$work/log"
set +e
"$U" verify --trust "$work/trust" --collateral "$work/empty" --at 2022-09-24T01:00:00Z \
    "$N1/report.bin" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -ne 0 ] || fail "verified without any VCEK"
[ ! -s "$work/log" ] || fail "fetched without --fetch"
echo "ok - without --fetch nothing is fetched ($(grep -o '\[[A-Z_]*\]' "$work/err"))"
