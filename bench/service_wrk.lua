-- wrk script of bench/service_wrk.sh: every request is POST /v1/attest with the next unused body
-- of the file named by the first script argument (one request body per line, each with its own
-- nonce: a nonce is accepted once). Thread t of n (second argument) takes lines t, t+n, t+2n, ...
-- A thread that runs out sends a used body again: the service refuses it (403), so the run is
-- reported as void (non2xx > 0, exhausted > 0) rather than measuring refusals.
local count = 0
local threads = {}

function setup(thread)
    thread:set("id", count)
    count = count + 1
    table.insert(threads, thread)
end

-- The requests are formatted here, before the run: during it the load generator only sends them,
-- so it takes as little as it can of the CPU the service shares with it.
function init(args)
    local n = tonumber(args[2])
    local headers = { ["Content-Type"] = "application/json" }
    reqs = {}
    local i = 0
    for line in io.lines(args[1]) do
        if i % n == id then
            reqs[#reqs + 1] = wrk.format("POST", "/v1/attest", headers, line)
        end
        i = i + 1
    end
    nexti = 1
    exhausted = 0
end

function request()
    local r = reqs[nexti]
    if r == nil then
        exhausted = exhausted + 1
        return reqs[1]
    end
    nexti = nexti + 1
    return r
end

function done(summary, latency, requests)
    local ex = 0
    for _, t in ipairs(threads) do
        ex = ex + (t:get("exhausted") or 0)
    end
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format("wrk_requests %d\n", summary.requests))
    io.write(string.format("wrk_seconds %.3f\n", secs))
    io.write(string.format("wrk_rps %.1f\n", summary.requests / secs))
    io.write(string.format("wrk_p50_ms %.3f\n", latency:percentile(50) / 1000))
    io.write(string.format("wrk_p99_ms %.3f\n", latency:percentile(99) / 1000))
    io.write(string.format("wrk_non2xx %d\n", e.status))
    io.write(string.format("wrk_socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
    io.write(string.format("wrk_exhausted %d\n", ex))
end
