#!/usr/bin/env bash
# uattest-agent latency (docs/agent.md), as ratios measured in the same run: a workload's requests
# over the agent's Unix socket (one keep-alive connection, Python's http.client), each route's
# median against the median of GET /token served from the cache (the agent's floor: one local
# HTTP round trip). The first GET /token after a start is the whole flow (challenge, sim evidence,
# attest, JWKS check), measured on fresh agents; GET /resource is one service round trip with the
# cached token plus the JWE opening; POST /evidence is one sim collect; POST /seal uses the
# sealing key fetched once.
#
#   bench/agent_latency.sh [BUILD_DIR]   (environment: UAT_BENCH_REQUESTS=300, UAT_BENCH_STARTS=8)
set -euo pipefail
BUILD=${1:-build}
UATTESTD=$BUILD/uattestd
UATTEST=$BUILD/uattest
AGENT=$BUILD/uattest-agent
N=${UAT_BENCH_REQUESTS:-300}
STARTS=${UAT_BENCH_STARTS:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/integration/service_lib.sh
. "$root/tests/integration/service_lib.sh"
for b in "$UATTESTD" "$UATTEST" "$AGENT"; do [ -x "$b" ] || fail "$b is not built"; done

"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --init-admin 2>>"$work/a.log")
start a --data-dir "$work/a" --trust "$work/sim/trust"
A=$(url http a)
AUTH=(-H "Authorization: Bearer $ADMIN")
MEAS=$(printf bench | sha384sum | cut -d' ' -f1)
expect "$(req PUT "$A/v1/reference-values/bench" "${AUTH[@]}" \
    --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$MEAS\"]}}")" 201 "" refvals
printf '{"secret":"%s","policy":{"status":["affirming"]}}' "$(head -c 32 /dev/urandom | b64u)" \
    >"$work/res.json"
expect "$(req PUT "$A/v1/resources/bench/key" "${AUTH[@]}" --data-binary @"$work/res.json")" 201 "" res
sock="$work/agent.sock"
cat >"$work/agent.json" <<EOF
{"socket": {"path": "$sock"}, "service": {"url": "$A"},
 "attester": {"tee": "sim", "state_dir": "$work/sim", "options": {"measure": "bench"}},
 "seal": {"resource": "bench/key"}}
EOF
agent_up() {
    rm -f "$work/agent.ready"
    "$AGENT" --config "$work/agent.json" --ready-file "$work/agent.ready" 2>>"$work/agent.log" &
    agent_pid=$!
    pids+=("$agent_pid")
    for _ in $(seq 400); do
        [ -s "$work/agent.ready" ] && return 0
        sleep 0.02
    done
    fail "the agent did not start"
}
agent_down() {
    kill "$agent_pid"
    wait "$agent_pid" 2>/dev/null || true
}

# the first token of each fresh agent: the whole flow
for _ in $(seq "$STARTS"); do
    agent_up
    "$PY" - "$sock" >>"$work/first.ms" <<'PY'
import http.client, socket, sys, time
c = http.client.HTTPConnection("agent")
c.sock = socket.socket(socket.AF_UNIX); c.sock.connect(sys.argv[1])
t = time.perf_counter(); c.request("GET", "/token"); r = c.getresponse(); r.read()
assert r.status == 200, r.status
print((time.perf_counter() - t) * 1e3)
PY
    agent_down
done

agent_up
"$PY" - "$sock" "$N" "$work/first.ms" <<'PY'
import base64, http.client, json, socket, statistics, sys, time
sock, n, first = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("agent")
c.sock = socket.socket(socket.AF_UNIX); c.sock.connect(sock)
def call(method, path, body=None):
    t = time.perf_counter()
    c.request(method, path, body)
    r = c.getresponse(); r.read()
    if r.status != 200:
        sys.exit("%s %s: HTTP %d" % (method, path, r.status))
    return (time.perf_counter() - t) * 1e3
call("GET", "/token"); call("POST", "/seal", '{"data":"AA"}')  # warm: token and sealing key
ev = json.dumps({"nonce": "bench-nonce", "runtime_data": base64.urlsafe_b64encode(b"{}").decode().rstrip("=")})
data = base64.urlsafe_b64encode(b"x" * 1024).decode().rstrip("=")
routes = [("GET /token (cached)", "GET", "/token", None),
          ("POST /evidence (sim)", "POST", "/evidence", ev),
          ("GET /resource", "GET", "/resource/bench/key", None),
          ("POST /seal (1 KiB)", "POST", "/seal", json.dumps({"data": data}))]
med = {}
for name, m, p, b in routes:
    med[name] = statistics.median(call(m, p, b) for _ in range(n))
firsts = [float(x) for x in open(first)]
med["GET /token (first: whole flow)"] = statistics.median(firsts)
base = med["GET /token (cached)"]
print("uattest-agent latency, median of %d requests (%d fresh agents for the first token)" % (n, len(firsts)))
for name, v in med.items():
    print("  %-32s %8.3f ms  %7.1fx the cached token" % (name, v, v / base))
PY
agent_down
