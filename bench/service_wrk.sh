#!/usr/bin/env bash
# uattestd attestation throughput (issue 7, docs/service.md "Speed"): wrk with keep-alive on
# loopback against POST /v1/attest with sim evidence, on the default SQLite store in a temp dir
# on disk (synchronous=FULL: every used nonce is durable before its answer).
#
# Honest load: a nonce is accepted once, so every request carries its own nonce and its own
# evidence bound to it. uattestd_bench (bench/service_bench.c) makes them beforehand with the
# deployment key, exactly as /v1/challenge would (issuing a nonce is one HMAC; it is not part of
# what is measured), and wrk (bench/service_wrk.lua) sends each body once. Each request is the
# whole attestation: nonce MAC and expiry, CMW parse, sim signature and binding, appraisal with a
# stored reference value (affirming), the used-nonce write, the ES256 EAR token. A run in which any
# answer is not 200 (e.g. wrk ran out of fresh bodies) is reported VOID.
#
# Printed: requests/s, p50, p99, uattestd's RSS (at the end and its peak), the service's CPU time
# per attestation, and the ratio to the in-process verify + appraise + sign cost measured by
# uattestd_bench in the same run on one core.
#
#   bench/service_wrk.sh [BUILD_DIR]   (environment: UAT_BENCH_SECONDS=5, UAT_BENCH_CONNECTIONS=128,
#                                       UAT_BENCH_SERVER_THREADS=64 (uattestd's default on 2 cores),
#                                       UAT_BENCH_WRK_THREADS=1)
set -euo pipefail
BUILD=${1:-build}
UATTESTD=$BUILD/uattestd
UATTEST=$BUILD/uattest
GEN=$BUILD/uattestd_bench
SECS=${UAT_BENCH_SECONDS:-5}
CONNS=${UAT_BENCH_CONNECTIONS:-128}
SERVER_THREADS=${UAT_BENCH_SERVER_THREADS:-64}
WRK_THREADS=${UAT_BENCH_WRK_THREADS:-1}
N=${UAT_BENCH_REQUESTS:-$((SECS * 10000))}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/service_lib.sh
. "$root/tests/integration/service_lib.sh"
command -v wrk >/dev/null || fail "wrk is not installed: run scripts/install-deps.sh"
for b in "$UATTESTD" "$UATTEST" "$GEN"; do [ -x "$b" ] || fail "$b is not built"; done

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>>"$work/a.log")
start a --data-dir "$work/a" --trust "$work/sim/trust" --threads "$SERVER_THREADS"
A=$(url http a)
pid=${svc_pid[a]}
MEAS=$(printf uattest-bench | sha384sum | cut -d' ' -f1)
expect "$(req PUT "$A/v1/reference-values/bench" -H "Authorization: Bearer $ADMIN" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" "reference values"

inproc_us=$("$GEN" "$work/a" "$work/sim" 3000 "$work/warm.txt" | sed -n 's/^inproc_us //p')
"$GEN" "$work/a" "$work/sim" "$N" "$work/req.txt" 0
# warm-up: every worker thread makes its verifier, the caches fill
wrk -t"$WRK_THREADS" -c"$CONNS" -d1s -s "$root/bench/service_wrk.lua" "$A" -- "$work/warm.txt" \
    "$WRK_THREADS" >"$work/warm.out" 2>&1 || fail "wrk warm-up: $(cat "$work/warm.out")"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(cpu_ticks)
# wrk's own CPU time (user + system) too: what of the two cores the load generator takes
python3 - "$work/wrk.cpu" wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" -s "$root/bench/service_wrk.lua" \
    "$A" -- "$work/req.txt" "$WRK_THREADS" >"$work/wrk.out" 2>&1 <<'PY' || fail "wrk: $(cat "$work/wrk.out")"
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.6f\n" % (r.ru_utime + r.ru_stime))
sys.exit(rc)
PY
t1=$(cpu_ticks)
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm_kib=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
v() { sed -n "s/^$1 //p" "$work/wrk.out"; }
rps=$(v wrk_rps)
reqs=$(v wrk_requests)
hz=$(getconf CLK_TCK)
python3 - "$rps" "$(v wrk_p50_ms)" "$(v wrk_p99_ms)" "$rss_kib" "$hwm_kib" "$inproc_us" \
    "$(( t1 - t0 ))" "$hz" "$reqs" "$(v wrk_non2xx)" "$(v wrk_exhausted)" "$(v wrk_socket_errors)" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$CONNS" "$SERVER_THREADS" "$WRK_THREADS" \
    "$(cat "$work/wrk.cpu")" <<'PY'
import sys
(rps, p50, p99, rss, hwm, inproc, ticks, hz, reqs, non2xx, exhausted, sockerr, cores, load,
 conns, sthreads, wthreads, wrk_cpu) = sys.argv[1:]
rps, p50, p99, inproc = float(rps), float(p50), float(p99), float(inproc)
rss, hwm, ticks, hz, reqs = int(rss) / 1024, int(hwm) / 1024, int(ticks), int(hz), int(reqs)
cpu_us = ticks / hz * 1e6 / reqs if reqs else 0.0
wrk_us = float(wrk_cpu) * 1e6 / reqs if reqs else 0.0
inproc_rate = 1e6 / inproc
void = int(non2xx) or int(exhausted)
print("service_wrk  POST /v1/attest, sim evidence, SQLite (synchronous=FULL), %s cores, load %s" % (cores, load))
print("service_wrk  wrk -t%s -c%s (keep-alive), uattestd --threads %s" % (wthreads, conns, sthreads))
print("service_wrk  %9.0f attest/s | p50 %6.2f ms | p99 %6.2f ms | %d requests, %s non-200, %s socket errors%s"
      % (rps, p50, p99, reqs, non2xx, sockerr, "  VOID" if void else ""))
print("service_wrk  RSS %5.1f MiB (peak %5.1f MiB) | service CPU %6.1f us/attest | wrk CPU %5.1f us/request"
      % (rss, hwm, cpu_us, wrk_us))
print("service_wrk  in-process verify+appraise+sign %6.1f us = %6.0f/s on one core | service/in-process = %.2fx"
      % (inproc, inproc_rate, rps / inproc_rate))
print("service_wrk  goal >= 5000 attest/s: %s | RSS < 64 MiB: %s"
      % ("met" if rps >= 5000 and not void else "NOT met", "met" if hwm < 64 else "NOT met"))
sys.exit(1 if void else 0)
PY
