#!/usr/bin/env bash
# RA-TLS with a TPM peer (issue 8, docs/ratls.md "TPM peers"): our tpm2-tss attester on a swtpm the
# test starts on free loopback ports (tpm_lib.sh), the AK pinned by its PEM public key in
# <trust>/tpm/ (docs/tpm.md).
#  1. `uattest ratls cert --tee tpm` makes a certificate whose evidence extension is the CMW form
#     (tpm has no RA-TLS CBOR tag: the record names the TEE by media type); `uattest ratls verify`
#     accepts it with the AK pinned and refuses it with VERIFY_UNTRUSTED_KEY without;
#  2. mutual RA-TLS over TLS 1.3 between a sim peer and a TPM peer, both directions;
#  3. a TPM client whose PCR 7 misses the sim server's reference value is refused (VERIFY_POLICY).
# usage: ratls_tpm.sh UATTEST
set -uo pipefail
U=${1:?usage: ratls_tpm.sh UATTEST}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tpm_lib.sh"
tpm_setup
require_tools tpm2_readpublic tpm2_pcrread xxd

W=$T/ratls
mkdir -p "$W"
fail() {
    echo "FAIL: $*" >&2
    for f in "$W"/*.out; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
    exit 1
}
wait_port() { # FILE -> the port the server wrote there
    for _ in $(seq 300); do
        [ -s "$1" ] && { tr -d '\n' <"$1"; return 0; }
        kill -0 "$spid" 2>/dev/null || fail "the server exited before listening"
        sleep 0.05
    done
    fail "no port in $1"
}
finish() { wait "$1"; code=$?; }

# The two peers. The TPM peer leaves the host's event logs out (there are none on swtpm).
SIM=(--tee sim --state-dir "$W/S" -O measure=ratls-tpm-test)
TPM=(--tee tpm --state-dir "$W/P" -O "tcti=$TCTI" -O event-log=none -O ima-log=none)
server() { # NAME ARGS...: a background `uattest ratls server`; sets $spid and $port
    local name=$1
    shift
    rm -f "$W/$name.port"
    "$U" ratls server --port-file "$W/$name.port" "$@" </dev/null >"$W/$name.out" 2>&1 &
    spid=$!
    pids+=("$spid")
    port=$(wait_port "$W/$name.port")
}
client() { # NAME ARGS...: sets $ccode
    local name=$1
    shift
    timeout 60 "$U" ratls client 127.0.0.1 "$port" "$@" >"$W/$name.out" 2>&1
    ccode=$?
}

# 1. a TPM RA-TLS certificate (its first quote also makes the AK)
"$U" ratls cert "${TPM[@]}" --out "$W/tpm.der" --key-out "$W/tpm.key" >"$W/cert.out" 2>&1 ||
    fail "ratls cert --tee tpm"
mkdir -p "$W/pin/tpm" "$W/nopin/tpm"
# the AK read from the TPM itself (a channel the test trusts), never from the certificate
tpm_pin_ak "$W/pin"
grep -aq 'application/vnd.uattest.tpm+cbor' "$W/tpm.der" ||
    fail "the evidence extension is not a CMW record naming the tpm media type"
"$U" ratls verify --trust "$W/pin" "$W/tpm.der" >"$W/verify.out" 2>&1 || fail "ratls verify (AK pinned)"
grep -q '"tee": "tpm"' "$W/verify.out" || fail "ratls verify: no tpm claims"
grep -q '"ak_trust": "pinned-key"' "$W/verify.out" || fail "ratls verify: AK not trusted by its pin"
"$U" ratls verify --trust "$W/nopin" "$W/tpm.der" >"$W/verify-nopin.out" 2>&1
rc=$?
[ "$rc" -eq 4 ] && grep -q VERIFY_UNTRUSTED_KEY "$W/verify-nopin.out" ||
    fail "ratls verify without the AK pinned: exit $rc"
echo "ok - ratls cert --tee tpm: CMW-form extension, verified with the AK pinned, refused without"

# 2. mutual RA-TLS: sim server, TPM client; then TPM server, sim client
"$U" collect "${SIM[@]}" --report-data 00 >/dev/null || fail "collect sim (its key)"
server s1 "${SIM[@]}" --trust "$W/pin"
client c1 "${TPM[@]}" --trust "$W/S/trust" --message "hello from the tpm"
finish "$spid"
[ "$code" -eq 0 ] || fail "s1: sim server exit $code"
[ "$ccode" -eq 0 ] || fail "c1: TPM client exit $ccode"
grep -q "client: echo ok" "$W/c1.out" || fail "c1: no echo"
grep -q "verified: tee=tpm" "$W/s1.out" || fail "s1: the sim server did not verify the TPM client"
grep -q "verified: tee=sim" "$W/c1.out" || fail "c1: the TPM client did not verify the sim server"
echo "ok - mutual RA-TLS: sim server, TPM client"
server s2 "${TPM[@]}" --trust "$W/S/trust"
client c2 "${SIM[@]}" --trust "$W/pin" --message "hello from sim"
finish "$spid"
[ "$code" -eq 0 ] || fail "s2: TPM server exit $code"
[ "$ccode" -eq 0 ] || fail "c2: sim client exit $ccode"
grep -q "client: echo ok" "$W/c2.out" || fail "c2: no echo"
grep -q "verified: tee=sim" "$W/s2.out" || fail "s2: the TPM server did not verify the sim client"
grep -q "verified: tee=tpm" "$W/c2.out" || fail "c2: the sim client did not verify the TPM server"
echo "ok - mutual RA-TLS: TPM server, sim client"

# 3. reference values: PCR 7 as it is (accepted), then a value the TPM does not hold (refused)
tpm2_pcrread sha256:7 -o "$W/pcr7.bin" >/dev/null || fail "tpm2_pcrread"
rv() { printf '{"id": "swtpm", "tee": "tpm", "values": {"signer": ["%s"], "tee_claims.pcr07": ["%s"]}}\n' \
    "$AK_NAME" "$1"; }
rv "$(xxd -p -c 64 "$W/pcr7.bin")" >"$W/rv-ok.json"
rv "$(printf '%064d' 7)" >"$W/rv-bad.json"
server s3 "${SIM[@]}" --trust "$W/nopin" --reference-values "$W/rv-ok.json"
client c3 "${TPM[@]}" --trust "$W/S/trust" --message "appraised"
finish "$spid"
[ "$code" -eq 0 ] && [ "$ccode" -eq 0 ] || fail "appraised TPM client: server $code, client $ccode"
echo "ok - a TPM client whose PCR 7 matches the server's reference value (AK pinned by Name)"
server s4 "${SIM[@]}" --trust "$W/nopin" --reference-values "$W/rv-bad.json"
client c4 "${TPM[@]}" --trust "$W/S/trust" --message "appraised"
finish "$spid"
[ "$code" -eq 4 ] && grep -q VERIFY_POLICY "$W/s4.out" || fail "PCR mismatch: server exit $code"
[ "$ccode" -ne 0 ] || fail "PCR mismatch: the client completed an exchange the server refused"
echo "ok - a TPM client whose PCR 7 misses the server's reference value: VERIFY_POLICY"
