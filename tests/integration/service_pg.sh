#!/usr/bin/env bash
# Two uattestd replicas sharing one PostgreSQL database behind HAProxy (DESIGN.md §7,
# docs/service.md "Replicas"), all on loopback, started and stopped here:
#  1. a nonce issued by one replica is accepted once by the other, then refused on both
#     (VERIFY_NONCE, nonce.used);
#  2. the full sim flow through HAProxy: reference values stored through one replica apply on the
#     other at once; challenge -> attest -> token verified against /v1/jwks (uattest and jose) ->
#     resource fetched as a JWE and opened with the workload's key, from each replica;
#  3. kill -9 of one replica during a bounded load of admin writes and attestations through
#     HAProxy: after its restart every write acknowledged (before or after the kill) reads back
#     through both replicas, every acknowledged attestation's nonce stays spent, and the restarted
#     replica appraises with the reference values written during the load.
set -euo pipefail
UATTESTD=${1:?usage: service_pg.sh path/to/uattestd path/to/uattest}
UATTEST=${2:?usage: service_pg.sh path/to/uattestd path/to/uattest}
here=$(dirname "$0")
# shellcheck source=service_lib.sh
. "$here/service_lib.sh"
# shellcheck source=service_pgctl.sh
. "$here/service_pgctl.sh"
command -v haproxy >/dev/null || fail "haproxy is not installed: run scripts/install-deps.sh"

pg_down() { pgctl_stop "${PG_DIR:-}"; }
cleanup_hooks+=(pg_down)
pgctl_start $$ || fail "cannot start PostgreSQL (tests/integration/service_pgctl.sh)"
psql -q "$PG_URI" -c 'CREATE DATABASE uattest' || fail "CREATE DATABASE"
STORE="${PG_URI%/postgres}/uattest"
echo "ok - PostgreSQL on ${PG_URI#*@}"

# ---- the deployment: one admin token in the shared store, the same secrets on both replicas
workload_key
"$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data 00 -o "$work/first.json"
ADMIN=$("$UATTESTD" --data-dir "$work/a" --store "$STORE" --init-admin 2>>"$work/a.log")
[[ "$ADMIN" == uata_* ]] || fail "--init-admin printed no token"
cp -a "$work/a" "$work/b" # deployment.key and token-keys/: what every replica must share
AUTH=(-H "Authorization: Bearer $ADMIN")
PA=$(free_port)
PB=$(free_port)
replica() { start "$1" --listen "127.0.0.1:$2" --data-dir "$work/$1" --store "$STORE" --trust "$work/sim/trust"; }
replica a "$PA"
replica b "$PB"
A=http://127.0.0.1:$PA
B=http://127.0.0.1:$PB
for s in "$A" "$B"; do
    expect "$(req GET "$s/readyz")" 200 "" "readyz $s"
    grep -q '"store":"postgresql"' "$work/body" || fail "readyz: $(cat "$work/body")"
done
echo "ok - two replicas on one database ($A, $B)"

HP=$(free_port)
cat >"$work/haproxy.cfg" <<EOF
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend api
    bind 127.0.0.1:$HP
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2
    http-response set-header X-Replica %s
    server a 127.0.0.1:$PA check
    server b 127.0.0.1:$PB check
EOF
haproxy -c -f "$work/haproxy.cfg" >"$work/haproxy-check.log" 2>&1 || fail "haproxy config: $(cat "$work/haproxy-check.log")"
haproxy -db -f "$work/haproxy.cfg" >>"$work/haproxy.log" 2>&1 &
pids+=($!)
H=http://127.0.0.1:$HP
for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$H/healthz")" = 200 ] && break
    sleep 0.05
done
seen=$(for _ in 1 2 3 4; do curl -s -D - -o /dev/null "$H/healthz" | tr -d '\r' | sed -n 's/^x-replica: //Ip'; done | sort -u | tr '\n' ' ')
[ "$seen" = "a b " ] || fail "HAProxy does not spread requests over both replicas: '$seen'"
echo "ok - HAProxy on $H sends requests to both replicas"

# ---- 1. a nonce of one replica, used through the other
challenge x "$A"
collect "$work/x.nonce" "$work/evx.json" -O measure=svc-pg
attest_body "$work/attx.json" "$work/x.nonce" "$work/evx.json"
expect "$(req POST "$B/v1/attest" --data-binary @"$work/attx.json")" 200 "" "A's nonce through B"
expect "$(req POST "$B/v1/attest" --data-binary @"$work/attx.json")" 403 VERIFY_NONCE "replay through B"
grep -q '"check":"nonce.used"' "$work/body" || fail "replay through B: $(cat "$work/body")"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/attx.json")" 403 VERIFY_NONCE "replay through A"
grep -q '"check":"nonce.used"' "$work/body" || fail "replay through A: $(cat "$work/body")"
expect "$(req POST "$H/v1/attest" --data-binary @"$work/attx.json")" 403 VERIFY_NONCE "replay through HAProxy"
echo "ok - a nonce issued by A is accepted once by B, then refused by B, A and HAProxy (VERIFY_NONCE)"

# ---- 2. the full flow through HAProxy
MEAS=$(printf svc-pg | sha384sum | cut -d' ' -f1)
printf '{"tee":"sim","values":{"measurement":["%s"]}}' "$MEAS" >"$work/rv.json"
expect "$(req PUT "$H/v1/reference-values/svc-pg" "${AUTH[@]}" --data-binary @"$work/rv.json")" \
    201 "" "PUT reference values through HAProxy"
SECRET="shared by two replicas: correct horse battery staple"
printf '{"secret":"%s","policy":{"status":["affirming"],"tee":["sim"],"measurement":["%s"]}}' \
    "$(printf %s "$SECRET" | b64u)" "$MEAS" >"$work/res.json"
expect "$(req PUT "$H/v1/resources/apps/pg/db" "${AUTH[@]}" --data-binary @"$work/res.json")" \
    201 "" "PUT resource through HAProxy"
curl -s "$H/v1/jwks" >"$work/jwks.json"
replicas_seen=""
for i in 1 2 3 4; do
    challenge "f$i" "$H"
    collect "$work/f$i.nonce" "$work/evf$i.json" --runtime-data "$work/runtime.json" -O measure=svc-pg
    attest_body "$work/attf$i.json" "$work/f$i.nonce" "$work/evf$i.json" "$work/runtime.json"
    code=$(curl -s -D "$work/hdr" -o "$work/body" -w '%{http_code}' -X POST \
        --data-binary @"$work/attf$i.json" "$H/v1/attest")
    expect "$code" 200 "" "attest $i through HAProxy"
    replicas_seen+=$(tr -d '\r' <"$work/hdr" | sed -n 's/^x-replica: //Ip')
    [ "$(jget "$work/body" status)" = affirming ] ||
        fail "attest $i: $(jget "$work/body" status): a replica did not see the reference values"
    jget "$work/body" token | tr -d '\n' >"$work/t$i.jwt"
    "$UATTEST" token verify --jwks "$work/jwks.json" "$work/t$i.jwt" >"$work/claims$i.json" ||
        fail "uattest token verify $i"
    jose jws ver -i "$work/t$i.jwt" -k "$work/jwks.json" || fail "jose jws ver $i"
    expect "$(req GET "$H/v1/resources/apps/pg/db" -H "Authorization: Bearer $(cat "$work/t$i.jwt")")" \
        200 "" "GET resource $i through HAProxy"
    [ "$(jose jwe dec -i "$work/body" -k "$work/wl.jwk")" = "$SECRET" ] || fail "JWE $i does not decrypt"
done
case "$replicas_seen" in *a*b* | *b*a*) ;; *) fail "the attestations all went to one replica: $replicas_seen" ;; esac
echo "ok - challenge -> attest (affirming) -> token (uattest, jose) -> JWE resource through HAProxy, on both replicas"

# ---- 3. kill -9 of replica A under load through HAProxy
attest_prepare "$H" 12
load_tag=pg
victim=${svc_pid[a]}
kill_during_load "$H" 80 2000 # writes are fast on PostgreSQL: 400 could all be done before the kill
total=$(acked_count)
[ "$total" -gt "$killed_at" ] || fail "no write was acknowledged after the kill ($total)"
replica a "$PA"
n=$(check_acked "$B" "through B")
m=$(check_acked "$A" "through the restarted A")
r=$(check_replays "$H" "after the kill")
echo "ok - kill -9 of A after $killed_at acknowledged writes: all $n acknowledged writes read back through B and the restarted A ($m), $r acknowledged attestations stay spent"

# the restarted replica appraises with the reference values written during the load
read -r path mm _ <<<"$(grep '^reference-values/' "$work"/acked.* | head -n 1 | cut -d: -f2-)"
[ -n "$path" ] || fail "no reference value was acknowledged"
i=$((10#${path##*-}))
challenge k "$A"
collect "$work/k.nonce" "$work/evk.json" -O "measure=$(printf 'load-pg-%05d' "$i")"
attest_body "$work/attk.json" "$work/k.nonce" "$work/evk.json"
expect "$(req POST "$A/v1/attest" --data-binary @"$work/attk.json")" 200 "" "attest on the restarted A"
[ "$(jget "$work/body" status)" = affirming ] || fail "restarted A: $(cat "$work/body")"
echo "ok - the restarted replica appraises with the reference values written under load ($path)"

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for name in a b; do
    wait "${svc_pid[$name]}" || fail "replica $name exited with $? on SIGTERM"
done
pids=()
echo "ok - SIGTERM stops the replicas cleanly"
