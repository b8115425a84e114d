#!/usr/bin/env bash
# uattestd as a PCCS / KDS cache (docs/operations.md): loopback vendor servers (pcs_server.py,
# kds_server.py, serving corpus files and logging every request) behind uattestd; requests as
# Intel's quote provider library issues them are answered from the cache with the PCS headers;
# `uattest verify --fetch` through uattestd reproduces the corpus outcomes; 100 concurrent requests
# for a missing item cause one upstream request; upstream gone -> the cached copy, marked stale.
set -euo pipefail
UATTESTD=${1:?usage: service_pccs.sh uattestd uattest corpus}
UATTEST=${2:?}
C=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/service_lib.sh"

S1=$C/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor
T1=$C/intel-tdx/t1-dcapqvl-tdx-v4-uptodate
N1=$C/amd-sev-snp/n1-gosevguest-milan-vcek
declare -A up_pid=()

# upstream NAME SCRIPT ARGS...: a vendor look-alike answering after SERVER_DELAY seconds
upstream() {
    local name=$1 script=$2
    shift 2
    SERVER_DELAY=0.5 "$PY" "$here/$script" "$@" "$work/$name.up.port" "$work/$name.up.log" &
    pids+=($!)
    up_pid[$name]=$!
    for _ in $(seq 200); do [ -s "$work/$name.up.port" ] && break; sleep 0.05; done
    [ -s "$work/$name.up.port" ] || fail "$name upstream did not start"
    touch "$work/$name.up.log"
}
upurl() { echo "http://127.0.0.1:$(cat "$work/$1.up.port")"; }
count() { grep -c -- "$2" "$work/$1.up.log" || true; }
# get URL NAME: body to $work/NAME, headers to $work/NAME.h, status printed
get() { curl -s -o "$work/$2" -D "$work/$2.h" -w '%{http_code}' "$1"; }
header() { grep -i "^$2:" "$work/$1.h" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
unquote() { "$PY" -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.unquote(sys.argv[1]))' "$1"; }
same_chain() { # NAME HEADER PEM
    [ "$(unquote "$(header "$1" "$2")")" = "$(cat "$3")" ] || fail "$1: $2 is not the issuer chain"
}

mkdir -p "$work/amdtrust"
cp "$C/amd-sev-snp/trust/"*.pem "$work/amdtrust/"
upstream s1 pcs_server.py "$S1" processor
upstream n1 kds_server.py "$N1/vcek.der" "$C/amd-sev-snp/trust/ask_ark_milan.pem"
start pccs --data-dir "$work/d1" --threads 16 --collateral-upstream "intel=$(upurl s1)" \
    --collateral-upstream "amd=$(upurl n1)"
P=$(url http pccs)

# ---- single flight: 100 concurrent requests for a missing item, one upstream request ----
tcb="/sgx/certification/v4/tcb?fmspc=00A067110000"
seq 100 | xargs -P 100 -I{} curl -s -o "$work/sf.{}" -w '%{http_code}\n' "$P$tcb" >"$work/sf.codes"
[ "$(grep -c '^200$' "$work/sf.codes")" -eq 100 ] || fail "single flight: $(sort "$work/sf.codes" | uniq -c)"
for i in $(seq 100); do cmp -s "$work/sf.$i" "$S1/tcb_info.json" || fail "single flight: body $i"; done
[ "$(count s1 'tcb?fmspc=')" -eq 1 ] || fail "single flight: $(count s1 'tcb?fmspc=') upstream requests"
echo "ok - 100 concurrent requests for a missing TCB info: 100 answers, 1 upstream request"

# ---- the PCCS routes as Intel's quote provider library asks them (sgx_default_qcnl) ----
qpl() { curl -s -o "$work/$2" -D "$work/$2.h" -w '%{http_code}' -H 'Accept: */*' "$P$1"; }
[ "$(qpl "/sgx/certification/v4/pckcrl?ca=processor&encoding=der" crl)" = 200 ] || fail "pckcrl"
cmp -s "$work/crl" "$S1/pck_crl.der" || fail "pckcrl body"
same_chain crl SGX-PCK-CRL-Issuer-Chain "$S1/pck_crl_issuer_chain.pem"
[ "$(qpl "$tcb" tcb)" = 200 ] && cmp -s "$work/tcb" "$S1/tcb_info.json" || fail "tcb"
same_chain tcb TCB-Info-Issuer-Chain "$S1/tcb_info_issuer_chain.pem"
[ "$(qpl /sgx/certification/v4/qe/identity qe)" = 200 ] || fail "qe/identity"
cmp -s "$work/qe" "$S1/qe_identity.json" || fail "qe/identity body"
same_chain qe SGX-Enclave-Identity-Issuer-Chain "$S1/qe_identity_issuer_chain.pem"
[ "$(qpl /sgx/certification/v4/rootcacrl root)" = 200 ] || fail "rootcacrl"
[ "$(xxd -r -p "$work/root" | sha256sum)" = "$(sha256sum <"$S1/root_ca_crl.der")" ] || fail "rootcacrl body"
before=$(wc -l <"$work/s1.up.log")
for r in "/sgx/certification/v4/pckcrl?ca=processor&encoding=der" "$tcb" \
    /sgx/certification/v4/qe/identity /sgx/certification/v4/rootcacrl; do
    [ "$(qpl "$r" again)" = 200 ] || fail "again $r"
    ! grep -qi '^Warning:' "$work/again.h" || fail "a fresh answer marked stale: $r"
done
[ "$(wc -l <"$work/s1.up.log")" -eq "$before" ] || fail "cached items asked upstream again"
echo "ok - PCCS v4 routes with the PCS issuer-chain headers, answered from the cache the second time"

# ---- uattest verify --fetch intel=<uattestd> gives the corpus outcome ----
out=$("$UATTEST" verify --trust "$C/intel-sgx-dcap/trust" --fetch "intel=$P" \
    --at 2025-07-01T00:00:00Z --compact "$S1/quote.bin" 2>"$work/verify.err") ||
    fail "s1 through uattestd: $(cat "$work/verify.err")"
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' <<<"$out" || fail "s1 status: $out"
grep -q '"collateral_stale"' <<<"$out" && fail "fresh copies claimed stale: $out"
# verify asks for both PCK CRLs; s1's upstream has only the processor one, and a 404 is not cached
[ "$(grep -vc 'ca=platform' "$work/s1.up.log")" -eq "$before" ] || fail "verify through the cache asked upstream"
echo "ok - uattest verify --fetch intel=uattestd: s1 ConfigurationAndSWHardeningNeeded from the cache"

upstream t1 pcs_server.py "$T1" platform
start pccs_t1 --data-dir "$work/d2" --collateral-upstream "intel=$(upurl t1)"
out=$("$UATTEST" verify --trust "$C/intel-tdx/trust" --fetch "intel=$(url http pccs_t1)" \
    --at 2025-07-01T00:00:00Z --compact "$T1/quote.bin" 2>"$work/verify.err") ||
    fail "t1 through uattestd: $(cat "$work/verify.err")"
grep -q '"status":"UpToDate"' <<<"$out" || fail "t1 status: $out"
grep -q '/tdx/certification/v4/tcb?fmspc=B0C06F000000' "$work/t1.up.log" || fail "TDX TCB path"
echo "ok - uattest verify --fetch intel=uattestd: t1 UpToDate (TDX routes)"

# ---- AMD KDS routes ----
out=$("$UATTEST" verify --trust "$work/amdtrust" --fetch "amd=$P" --at 2022-09-24T01:00:00Z \
    --compact "$N1/report.bin" 2>"$work/verify.err") || fail "n1 through uattestd: $(cat "$work/verify.err")"
grep -q '"tee":"snp"' <<<"$out" || fail "n1 claims: $out"
grep -q '/vcek/v1/Milan/[0-9a-f]\{128\}?blSPL=' "$work/n1.up.log" || fail "VCEK not asked upstream"
vcek=$(grep -o '/vcek/v1/Milan/[0-9a-f]\{128\}?[^ ]*' "$work/n1.up.log" | head -n1)
before=$(grep -vc '/crl$' "$work/n1.up.log") # this KDS has no CRL: its 404 is not cached
"$UATTEST" verify --trust "$work/amdtrust" --fetch "amd=$P" --at 2022-09-24T01:00:00Z \
    "$N1/report.bin" >/dev/null 2>&1 || fail "n1 the second time"
[ "$(grep -vc '/crl$' "$work/n1.up.log")" -eq "$before" ] || fail "the VCEK was asked upstream again"
[ "$(get "$P$vcek" vcek)" = 200 ] && cmp -s "$work/vcek" "$N1/vcek.der" || fail "VCEK body"
[ "$(get "$P/vcek/v1/Milan/cert_chain" chain)" = 200 ] || fail "cert_chain"
cmp -s "$work/chain" "$C/amd-sev-snp/trust/ask_ark_milan.pem" || fail "cert_chain body"
echo "ok - KDS routes: n1 verifies through uattestd; VCEK and cert_chain from the cache"

# ---- bad requests and items upstream does not have ----
expect "$(req GET "$P/sgx/certification/v4/tcb?fmspc=zz")" 400 USAGE_INVALID_ARGUMENT "bad fmspc"
expect "$(req GET "$P/sgx/certification/v4/pckcrl?ca=nobody")" 400 USAGE_INVALID_ARGUMENT "bad ca"
expect "$(req GET "$P/vcek/v1/Milan/xyz")" 400 USAGE_INVALID_ARGUMENT "bad hwid"
expect "$(req GET "$P/vcek/v1/Milan/$(printf 'ab%.0s' $(seq 64))?blSPL=3&teeSPL=0&snpSPL=999&ucodeSPL=1")" \
    400 USAGE_INVALID_ARGUMENT "bad SPL"
expect "$(req GET "$P/sgx/certification/v4/tcb?fmspc=000000000000")" 404 USAGE_NOT_FOUND "unknown fmspc"
expect "$(req POST "$P$tcb")" 405 USAGE_METHOD "POST to a PCCS route"
pck="/sgx/certification/v4/pckcert?qeid=$(printf '0%.0s' $(seq 32))&cpusvn=$(printf '1%.0s' $(seq 32))"
expect "$(req GET "$P$pck&pcesvn=000d&pceid=0000")" 404 USAGE_NOT_FOUND "a PCK cert upstream lacks"
grep -q '^/sgx/certification/v4/pckcert?cpusvn=1\{32\}&pcesvn=000d&pceid=0000&qeid=0\{32\}$' \
    "$work/s1.up.log" || fail "pckcert query not passed upstream in PCCS order"
expect "$(req GET "$P$pck&pcesvn=13&pceid=0000")" 400 USAGE_INVALID_ARGUMENT "bad pcesvn"
echo "ok - bad queries: USAGE_INVALID_ARGUMENT; what upstream lacks: USAGE_NOT_FOUND"

# ---- metrics ----
expect "$(req GET "$P/metrics")" 200 "" metrics
next=$(jget "$S1/tcb_info.json" tcbInfo nextUpdate)
secs=$(grep '^uattest_collateral_expiry_seconds{kind="sgx_tcb"}' "$work/body" | cut -d' ' -f2)
want=$(($(date -d "$next" +%s) - $(date +%s)))
[ -n "$secs" ] && [ $((secs - want)) -le 5 ] && [ $((want - secs)) -le 5 ] ||
    fail "sgx_tcb expiry: got '$secs', about $want expected"
for k in pck_crl root_ca_crl sgx_qe_identity amd_vcek amd_cert_chain; do
    grep -q "^uattest_collateral_expiry_seconds{kind=\"$k\"} -\?[0-9]" "$work/body" || fail "no $k expiry"
done
grep -q '^uattest_collateral_upstream_requests_total{upstream="intel",outcome="ok"} [1-9]' \
    "$work/body" || fail "no upstream counter"
grep -q '^uattest_collateral_upstream_requests_total{upstream="intel",outcome="not_found"} [1-9]' \
    "$work/body" || fail "no not_found counter"
echo "ok - /metrics: seconds to the earliest expiry per kind (sgx_tcb $secs), upstream counters"

# ---- stale while error: upstream gone; a replica sharing the store retries at once ----
kill "${up_pid[s1]}" "${up_pid[n1]}"
wait "${up_pid[s1]}" "${up_pid[n1]}" 2>/dev/null || true
printf '{"collateral.upstream.intel": "%s", "collateral.upstream.amd": "%s",
  "collateral.retry_after": 0, "collateral.refresh_before": 3600}\n' "$(upurl s1)" "$(upurl n1)" \
    >"$work/replica.json"
start replica --data-dir "$work/d1" --config "$work/replica.json"
R=$(url http replica)
[ "$(get "$R$tcb" stale)" = 200 ] && cmp -s "$work/stale" "$S1/tcb_info.json" || fail "stale tcb"
[ "$(header stale Warning)" = '110 - "Response is Stale"' ] || fail "no Warning 110: $(cat "$work/stale.h")"
[ "$(header stale X-Uattest-Collateral-Stale)" = "$next" ] || fail "stale header: $(cat "$work/stale.h")"
same_chain stale TCB-Info-Issuer-Chain "$S1/tcb_info_issuer_chain.pem"
# the VCEK is valid for years: fresh, so served without asking the (gone) upstream, unmarked
[ "$(get "$R$vcek" vcek2)" = 200 ] && cmp -s "$work/vcek2" "$N1/vcek.der" || fail "cached VCEK"
[ -z "$(header vcek2 Warning)" ] || fail "a VCEK within its validity marked stale"
expect "$(req GET "$R${vcek/blSPL=/blSPL=1}")" 502 IO_NETWORK "missing VCEK, upstream gone"
# the stale mark is in the shared store: the first instance (not due to ask yet) shows it too
[ "$(get "$P$tcb" stale2)" = 200 ] && [ -n "$(header stale2 X-Uattest-Collateral-Stale)" ] ||
    fail "the stale mark is not shared"
expect "$(req GET "$R/sgx/certification/v4/pckcrl?ca=platform")" 502 IO_NETWORK "missing item, upstream gone"
out=$("$UATTEST" verify --trust "$C/intel-sgx-dcap/trust" --fetch "intel=$R" \
    --at 2025-07-01T00:00:00Z --compact "$S1/quote.bin" 2>"$work/verify.err") ||
    fail "s1 through the stale cache: $(cat "$work/verify.err")"
grep -q '"status":"ConfigurationAndSWHardeningNeeded"' <<<"$out" || fail "s1 stale status: $out"
grep -q '"collateral_stale":true' <<<"$out" || fail "s1 through a stale copy: no collateral_stale claim: $out"
expect "$(req GET "$R/metrics")" 200 "" "replica metrics"
grep -q '^uattest_collateral_upstream_requests_total{upstream="intel",outcome="error"} [1-9]' \
    "$work/body" || fail "no upstream error counter"
echo "ok - upstream gone: the cached copy with Warning: 110 and X-Uattest-Collateral-Stale: $next; a verdict made with it claims collateral_stale"

# ---- configuration refused ----
echo '{"collateral.retry_after": -1}' >"$work/bad.json"
set +e
"$UATTESTD" --data-dir "$work/d3" --config "$work/bad.json" 2>"$work/bad.err"; code=$?
"$UATTESTD" --data-dir "$work/d3" --collateral-upstream nvidia=http://x 2>>"$work/bad.err"; code2=$?
set -e
[ "$code" -ne 0 ] && grep -q 'collateral.retry_after' "$work/bad.err" || fail "bad retry_after: $code"
[ "$code2" -ne 0 ] && grep -q 'intel=URL or amd=URL' "$work/bad.err" || fail "bad upstream: $code2"
echo "ok - a negative collateral.retry_after and an unknown upstream vendor are refused at start"

# ---- clean stop: in the sanitizer build a leak or UB report would be in the service logs ----
for n in pccs pccs_t1 replica; do
    kill -TERM "${svc_pid[$n]}"
    wait "${svc_pid[$n]}" || fail "$n did not stop cleanly"
done
! grep -E 'Sanitizer|runtime error' "$work"/pccs*.log "$work"/replica.log || fail "sanitizer report"
echo "ok - every uattestd stopped cleanly, no sanitizer report"
