# Shared by the uattest-agent tests (agent_sim.sh, agent_compat.sh): sourced after service_lib.sh,
# with AGENT set to the uattest-agent binary and $sock to the socket path.
#   areq METHOD PATH [curl args]   a request over the agent's socket; body in $work/body,
#                                  the HTTP status printed
#   attest_count [ROUTE]           the service a's 200 answers on ROUTE (default attest)
#   start_agent [CONFIG]           the agent with CONFIG (default $work/agent.json) in the
#                                  background, logging to $work/agent.log; pid in $agent_pid
areq() {
    local m=$1 p=$2
    shift 2
    curl -s --unix-socket "$sock" -o "$work/body" -w '%{http_code}' -X "$m" "$@" "http://agent$p"
}
attest_count() {
    curl -s "$(url http a)/metrics" |
        awk -v r="${1:-attest}" '$1 == "uattest_requests_total{route=\"" r "\",code=\"200\"}" {print $2}' |
        grep . || echo 0
}
agent_pid=""
start_agent() {
    rm -f "$work/agent.ready"
    "$AGENT" --config "${1:-$work/agent.json}" --ready-file "$work/agent.ready" 2>>"$work/agent.log" &
    agent_pid=$!
    pids+=("$agent_pid")
    for _ in $(seq 400); do
        [ -s "$work/agent.ready" ] && return 0
        kill -0 "$agent_pid" 2>/dev/null || break
        sleep 0.05
    done
    fail "the agent did not start"
}

