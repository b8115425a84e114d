# Shared by the uattestd tests (service_sim.sh, service_pg.sh, service_kill_sqlite.sh) and
# bench/service_wrk.sh: sourced after UATTESTD (and, where evidence is collected, UATTEST) are set.
# It makes $work, kills every process started through it at exit (then runs the functions listed
# in cleanup_hooks, e.g. stopping PostgreSQL), and provides:
#   fail MSG                      print MSG and the tail of every $work/*.log, exit 1
#   start NAME ARGS...            uattestd in the background (127.0.0.1, free port unless ARGS give
#                                 --listen); waits until it listens; its pid is ${svc_pid[NAME]}
#   url SCHEME NAME               its base URL
#   req METHOD URL [curl args]    the body goes to $work/body, the HTTP status is printed
#   expect STATUS WANT NAME WHAT  checks the last req's status and (non-empty NAME) error name
#   challenge NAME URL [args]     a nonce into $work/NAME.nonce
#   collect NONCE_FILE OUT [args] sim evidence bound to the nonce (uattest collect)
#   attest_body OUT NONCE_FILE EVIDENCE_FILE [RUNTIME_FILE]
#   workload_key                  $work/wl.pem, wl.jwk (private) and runtime.json (the bound key)
#   write_load URL N WORKERS TAG  admin PUTs of N reference values / resources; every
#                                 acknowledged one is appended to $work/acked.* (see there)
#   check_acked URL WHAT          every acknowledged write is readable and intact through URL
#   attest_prepare URL N          N attest bodies (challenge through URL, sim evidence)
#   attest_load URL               posts them in the background; each answered 200 goes to
#                                 $work/attested
#   check_replays URL WHAT        every attested body is now refused: VERIFY_NONCE, nonce.used
set -euo pipefail
# the distribution's python3 when there is one: a version manager's shim can take a second to start
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
work=$(mktemp -d)
pids=()
cleanup_hooks=()
declare -A svc_pid=()
cleanup() {
    local p h
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    for h in "${cleanup_hooks[@]}"; do "$h" || true; done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 15 "$f"; }; done >&2
    exit 1
}
b64u() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unb64u() {
    local s
    s=$(tr '_-' '/+')
    printf '%s%s' "$s" "$(printf '%*s' $(((4 - ${#s} % 4) % 4)) '' | tr ' ' '=')" | base64 -d
}
jget() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v=v[k]
print(v if isinstance(v,str) else json.dumps(v))' "$@"; }

# start NAME ARGS...: a server on a free port (or the --listen in ARGS); its port goes to
# $work/NAME.port, its log (appended across restarts) to $work/NAME.log
start() {
    local name=$1
    shift
    rm -f "$work/$name.port"
    "$UATTESTD" --listen 127.0.0.1:0 --ready-file "$work/$name.port" --threads 2 "$@" \
        2>>"$work/$name.log" &
    pids+=($!)
    svc_pid[$name]=$!
    for _ in $(seq 400); do
        [ -s "$work/$name.port" ] && return 0
        kill -0 "${svc_pid[$name]}" 2>/dev/null || break
        sleep 0.05
    done
    fail "$name did not start"
}
url() { echo "$1://127.0.0.1:$(cat "$work/$2.port")"; }
free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# req METHOD URL [curl args]: the body lands in $work/body, the status is printed
req() {
    local m=$1 u=$2
    shift 2
    curl -s -o "$work/body" -w '%{http_code}' -X "$m" "$@" "$u"
}
# expect STATUS WANT [ERROR_NAME] WHAT: checks the last req
expect() {
    local got=$1 want=$2 name=$3 what=$4
    [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want: $(head -c 600 "$work/body")"
    if [ -n "$name" ]; then
        grep -q "\"error\":\"$name\"" "$work/body" || fail "$what: no $name in $(cat "$work/body")"
        grep -q '"message":"' "$work/body" || fail "$what: problem JSON without a message"
    fi
}

# challenge NAME SERVER [curl args]: the nonce into $work/NAME.nonce
challenge() {
    local n=$1 s=$2
    shift 2
    expect "$(req POST "$s/v1/challenge" "$@")" 200 "" challenge
    jget "$work/body" nonce >"$work/$n.nonce"
    grep -Eq '"expires_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' "$work/body" || fail "expires_at"
}
# attest_body OUT NONCE_FILE EVIDENCE_FILE [RUNTIME_FILE]
attest_body() {
    local rd=""
    [ -z "${4:-}" ] || rd=$(printf ',"runtime_data":"%s"' "$(b64u <"$4")")
    printf '{"evidence":%s,"nonce":"%s"%s}' "$(cat "$3")" "$(cat "$2")" "$rd" >"$1"
}
collect() { # NONCE_FILE OUT [collect args]
    local n=$1 o=$2
    shift 2
    "$UATTEST" collect --tee sim --state-dir "$work/sim" --nonce "$(cat "$n")" -o "$o" "$@"
}

# The workload's key: P-256 made with openssl, as a private JWK and a runtime_data document.
workload_key() {
    local d x y
    openssl ecparam -name prime256v1 -genkey -noout -out "$work/wl.pem" 2>/dev/null
    openssl ec -in "$work/wl.pem" -outform DER -out "$work/wl.der" 2>/dev/null
    [ "$(stat -c %s "$work/wl.der")" -eq 121 ] || fail "unexpected ECPrivateKey DER size"
    d=$(dd if="$work/wl.der" bs=1 skip=7 count=32 status=none | b64u)
    x=$(dd if="$work/wl.der" bs=1 skip=57 count=32 status=none | b64u)
    y=$(dd if="$work/wl.der" bs=1 skip=89 count=32 status=none | b64u)
    printf '{"kty":"EC","crv":"P-256","x":"%s","y":"%s","d":"%s"}' "$x" "$y" "$d" >"$work/wl.jwk"
    printf '{"jwk":{"kty":"EC","crv":"P-256","x":"%s","y":"%s"}}' "$x" "$y" >"$work/runtime.json"
}

# ---- durability under load: admin writes acknowledged before a kill -9 must all be there after

# write_load URL N WORKERS TAG: WORKERS threads PUT items 0..N-1 (worker w takes i = w mod
# WORKERS) with the admin token $ADMIN: item I is a sim reference value (even I) or a resource
# (odd I) whose measurement is SHA-384("load-TAG-I"), so a read proves that very write is there.
# Each item acknowledged (200/201) is appended at once to $work/acked.W as "path measurement".
# Runs in the background (one Python process; pid in load_pids).
write_load() {
    "$PY" - "$1" "$2" "$3" "$4" "$work" "$ADMIN" <<'PYLOAD' &
import hashlib, http.client, sys, threading, urllib.parse
url, n, workers, tag, work, admin = sys.argv[1:]
n, workers = int(n), int(workers)
u = urllib.parse.urlsplit(url)

def item(i):
    m = hashlib.sha384(("load-%s-%05d" % (tag, i)).encode()).hexdigest()
    if i % 2 == 0:
        return "reference-values/load-%05d" % i, m, '{"tee":"sim","values":{"measurement":["%s"]}}' % m
    return ("resources/load/%05d" % i, m,
            '{"secret":"c2VjcmV0","policy":{"status":["affirming"],"measurement":["%s"]}}' % m)

def worker(w):
    with open("%s/acked.%d" % (work, w), "a") as out:
        for i in range(w, n, workers):
            path, m, doc = item(i)
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                c.request("PUT", "/v1/" + path, doc, {"Authorization": "Bearer " + admin})
                status = c.getresponse().status
                c.close()
            except OSError:
                continue  # refused or cut: not acknowledged
            if status in (200, 201):
                out.write("%s %s\n" % (path, m))
                out.flush()

ts = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
for t in ts:
    t.start()
for t in ts:
    t.join()
PYLOAD
    load_pids=($!)
}
acked_count() { cat "$work"/acked.* 2>/dev/null | wc -l; }

# check_acked URL WHAT: every acknowledged item reads back through URL with its own measurement;
# prints how many were checked
check_acked() {
    "$PY" - "$1" "$2" "$work" "$ADMIN" <<'PYCHECK' || fail "$2: an acknowledged write is missing"
import glob, http.client, sys, urllib.parse
url, what, work, admin = sys.argv[1:]
u = urllib.parse.urlsplit(url)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
n = 0
for f in sorted(glob.glob(work + "/acked.*")):
    for line in open(f):
        path, m = line.split()
        c.request("GET", "/v1/" + path, headers={"Authorization": "Bearer " + admin})
        r = c.getresponse()
        body = r.read().decode()
        if r.status != 200 or m not in body:
            sys.stderr.write("FAIL: %s: acknowledged %s: HTTP %d %s\n" % (what, path, r.status, body[:300]))
            sys.exit(1)
        n += 1
print(n)
PYCHECK
}

# attest_prepare URL N: $work/load_att.I.json for I in 0..N-1, each with its own nonce, and a
# reference value that makes them affirming whatever else the load stores
attest_prepare() {
    local u=$1 n=$2 i
    expect "$(req PUT "$u/v1/reference-values/svc-load" -H "Authorization: Bearer $ADMIN" \
        --data-binary "{\"tee\":\"sim\",\"values\":{\"measurement\":[\"$(printf svc-load | sha384sum | cut -d' ' -f1)\"]}}")" \
        201 "" "reference values of the attestation load"
    for ((i = 0; i < n; i++)); do
        challenge "load_att.$i" "$u"
        collect "$work/load_att.$i.nonce" "$work/load_att.$i.ev" -O measure=svc-load
        attest_body "$work/load_att.$i.json" "$work/load_att.$i.nonce" "$work/load_att.$i.ev"
    done
}

# attest_load URL: posts every prepared body once, in the background (pid in attest_pid)
attest_load() {
    local u=$1
    (
        set +e
        for f in "$work"/load_att.*.json; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST --data-binary @"$f" \
                "$u/v1/attest")
            [ "$code" != 200 ] || echo "$f" >>"$work/attested"
            sleep 0.02
        done
    ) &
    attest_pid=$!
}
attested_count() { cat "$work/attested" 2>/dev/null | wc -l; }

# check_replays URL WHAT: an attestation answered 200 spent its nonce for good
check_replays() {
    local u=$1 what=$2 f n=0
    while read -r f; do
        expect "$(req POST "$u/v1/attest" --data-binary @"$f")" 403 VERIFY_NONCE "$what: replay of $f"
        grep -q '"check":"nonce.used"' "$work/body" || fail "$what: replay of $f: $(cat "$work/body")"
        n=$((n + 1))
    done <"$work/attested"
    echo "$n"
}

# kill_during_load URL N [TOTAL]: TOTAL writes (default 400) and attestations through URL; SIGKILL
# to the pid in $victim once at least N writes and 3 attestations were acknowledged; then waits for
# the load to end. TOTAL must leave writes for after the kill even when attestations are slow.
kill_during_load() {
    local u=$1 n=$2 total=${3:-400}
    write_load "$u" "$total" 4 "$load_tag"
    attest_load "$u"
    for _ in $(seq 600); do
        [ "$(acked_count)" -ge "$n" ] && [ "$(attested_count)" -ge 3 ] && break
        sleep 0.05
    done
    [ "$(acked_count)" -ge "$n" ] || fail "the load did not get going: $(acked_count) writes acknowledged"
    kill -9 "$victim"
    killed_at=$(acked_count)
    wait "${load_pids[@]}" "$attest_pid" 2>/dev/null || true
}
