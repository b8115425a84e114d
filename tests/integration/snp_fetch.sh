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

# A CRL from the KDS takes part in the chain check: one that names the ARK as issuer but is not
# signed by it (a forged "ARK-Milan" key) must fail the verification, not be ignored.
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
rm -f "$work/port"
mkdir -p "$work/forge"
(
    cd "$work/forge"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj "/CN=ARK-Milan" \
        -days 3650 2>/dev/null
    touch index.txt
    echo 01 >crlnumber
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha384\n' >ca.cnf
    openssl ca -gencrl -config ca.cnf -keyfile k.pem -cert c.pem -crl_lastupdate 20220901000000Z \
        -crl_nextupdate 20221001000000Z -out crl.pem 2>/dev/null
    openssl crl -in crl.pem -outform DER -out crl.der
) || fail "cannot make the forged CRL"
: >"$work/log"
python3 "$here/kds_server.py" "$N1/vcek.der" "$C/amd-sev-snp/trust/ask_ark_milan.pem" \
    "$work/port" "$work/log" "$work/forge/crl.der" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || fail "KDS server did not restart"
url="http://127.0.0.1:$(cat "$work/port")"
set +e
"$U" verify --trust "$work/trust" --fetch "amd=$url" --at 2022-09-24T01:00:00Z \
    "$N1/report.bin" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -ne 0 ] || fail "verified with a CRL the ARK did not sign"
grep -q '/vcek/v1/Milan/crl' "$work/log" || fail "CRL not fetched"
grep -q "snp.fetch" "$work/err" || fail "not a fetch error: $(cat "$work/err")"
echo "ok - a fetched CRL not signed by the ARK is refused ($(grep -o '\[[A-Z_]*\]' "$work/err"))"
