#!/usr/bin/env bash
# Fetching Intel collateral from a loopback PCS v4 look-alike (tests/integration/pcs_server.py):
# with an empty collateral directory, verify fetches exactly what the quote needs, verifies it like
# local collateral and reproduces the corpus outcome; without --fetch nothing is fetched.
set -euo pipefail
U=${1:?usage: intel_fetch.sh uattest corpus}
C=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

serve() { # sample pck_ca name -> sets $url
    python3 "$here/pcs_server.py" "$C/$1" "$2" "$work/$3.port" "$work/$3.log" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/$3.port" ] && break; sleep 0.05; done
    [ -s "$work/$3.port" ] || fail "PCS server did not start"
    url="http://127.0.0.1:$(cat "$work/$3.port")"
}

S1=intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
serve $S1 processor s1
mkdir -p "$work/empty"
out=$("$U" verify --trust "$C/intel-sgx-dcap/trust" --fetch "intel=$url" --at 2025-07-01T00:00:00Z \
    --compact "$C/$S1/quote.bin" 2>/dev/null) || fail "s1 with fetched collateral"
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' <<<"$out" || fail "s1 status: $out"
grep -q 'tcb?fmspc=00A067110000' "$work/s1.log" || fail "TCB info not fetched by FMSPC"
grep -q '/sgx/certification/v4/qe/identity' "$work/s1.log" || fail "QE identity not fetched"
grep -q 'rootcacrl' "$work/s1.log" || fail "root CA CRL not fetched"
echo "ok - sgx s1: collateral fetched from PCS ($(wc -l <"$work/s1.log") requests), ConfigurationAndSWHardeningNeeded"

# fetched collateral is checked like local collateral: expired at the end of its window
set +e
"$U" verify --trust "$C/intel-sgx-dcap/trust" --fetch "intel=$url" --at 2025-07-19T10:01:19Z \
    "$C/$S1/quote.bin" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 4 ] && grep -q VERIFY_EXPIRED "$work/err" || fail "expired fetched collateral: $(cat "$work/err")"
echo "ok - fetched collateral past its nextUpdate: VERIFY_EXPIRED"

# without --fetch: nothing is fetched
: >"$work/s1.log"
set +e
"$U" verify --trust "$C/intel-sgx-dcap/trust" --collateral "$work/empty" --at 2025-07-01T00:00:00Z \
    "$C/$S1/quote.bin" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 4 ] && grep -q VERIFY_COLLATERAL "$work/err" || fail "no fetch: $(cat "$work/err")"
[ ! -s "$work/s1.log" ] || fail "fetched without --fetch"
echo "ok - without --fetch nothing is fetched: VERIFY_COLLATERAL"

T1=intel-tdx/t1-dcapqvl-tdx-v4-uptodate
serve $T1 platform t1
out=$("$U" verify --trust "$C/intel-tdx/trust" --fetch "intel=$url" --at 2025-07-01T00:00:00Z \
    --compact "$C/$T1/quote.bin" 2>/dev/null) || fail "t1 with fetched collateral"
grep -q '"status":"UpToDate"' <<<"$out" || fail "t1 status"
grep -q '/tdx/certification/v4/tcb?fmspc=B0C06F000000' "$work/t1.log" || fail "TDX TCB info path"
echo "ok - tdx t1: collateral fetched from PCS, UpToDate"

# a server that is gone: a named network error
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
set +e
"$U" verify --trust "$C/intel-sgx-dcap/trust" --fetch "intel=http://127.0.0.1:$(cat "$work/s1.port")" \
    --at 2025-07-01T00:00:00Z "$C/$S1/quote.bin" >/dev/null 2>"$work/err"; code=$?
set -e
[ "$code" -eq 6 ] && grep -q IO_NETWORK "$work/err" || fail "server gone: exit $code $(cat "$work/err")"
echo "ok - unreachable service: IO_NETWORK"
