#!/usr/bin/env bash
# `uattest channel listen|connect` between a sim endpoint and a TPM endpoint (our tpm2-tss attester
# on a swtpm the test starts on free loopback ports, tpm_lib.sh). The sim side trusts the TPM's AK
# by pinning it (its PEM public key in <trust>/tpm/, or its Name as a `signer` reference value,
# docs/tpm.md "How to pin an AK"); the TPM side trusts the sim key.
#  1. TPM listens, sim connects: mutual attestation, both print the mechanisms, echo;
#  2. sim listens, TPM connects (the TPM endpoint also offers sim: -O TEE:KEY=VALUE routes each
#     option to its attester; a prefix naming no --attest is a usage error);
#  3. the sim side does not trust the AK: VERIFY_UNTRUSTED_KEY there, IO_PEER_ALERT naming it on
#     the TPM side;
#  4. a PCR reference value: accepted while PCR 7 holds it, VERIFY_POLICY once tpm2_pcrextend
#     changed PCR 7.
# usage: channel_tpm.sh UATTEST
set -uo pipefail
U=${1:?usage: channel_tpm.sh UATTEST}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tpm_lib.sh"
tpm_setup
require_tools tpm2_readpublic tpm2_pcrextend xxd

W=$T/chan
mkdir -p "$W"
fail() {
    echo "FAIL: $*" >&2
    for f in "$W"/*.out "$W"/*.err; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
    exit 1
}

wait_port() { # FILE -> the port the listener wrote there
    for _ in $(seq 300); do
        [ -s "$1" ] && { tr -d '\n' <"$1"; return 0; }
        kill -0 "$lpid" 2>/dev/null || fail "the listener exited before listening"
        sleep 0.05
    done
    fail "no port in $1"
}
finish() { wait "$1"; code=$?; }

# The two endpoints' options. The TPM endpoint's root is an empty folder: no host event log.
SIM=(--attest sim --state-dir "$W/S" -O measure=channel-tpm-test)
TPM=(--attest tpm --root "$T/root" --state-dir "$W/P" -O "tpm:tcti=$TCTI")
# listen NAME [ARGS...]: a background listener; sets $lpid and $port
listen() {
    local name=$1
    shift
    rm -f "$W/$name.port"
    "$U" channel listen --port-file "$W/$name.port" "$@" </dev/null >"$W/$name.out" \
        2>"$W/$name.err" &
    lpid=$!
    pids+=("$lpid")
    port=$(wait_port "$W/$name.port")
}
connect() { # NAME ARGS...: sets $ccode
    local name=$1
    shift
    "$U" channel connect 127.0.0.1 "$port" "$@" >"$W/$name.out" 2>"$W/$name.err"
    ccode=$?
}
expect_ok() { # LISTENER CONNECTOR LISTENER_MECH CONNECTOR_MECH
    finish "$lpid"
    [ "$code" -eq 0 ] || fail "$1: listen exit $code"
    [ "$ccode" -eq 0 ] || fail "$2: connect exit $ccode"
    grep -qx hello-tpm "$W/$2.out" || fail "$2: no echo"
    grep -q "this side attested with $3, the peer with $4" "$W/$1.err" || fail "$1: mechanisms"
    grep -q "this side attested with $4, the peer with $3" "$W/$2.err" || fail "$2: mechanisms"
    grep -q "\"tee\": \"$4\"" "$W/$1.err" || fail "$1: peer claims"
    grep -q "\"tee\": \"$3\"" "$W/$2.err" || fail "$2: peer claims"
}

# The sim key of the sim endpoint (and its trust anchor), the AK of the TPM endpoint.
"$U" collect --tee sim --state-dir "$W/S" --report-data 00 >/dev/null || fail "collect sim"
"$U" collect --tee tpm --root "$T/root" -O tcti="$TCTI" --report-data 00 >"$W/ak-ev.json" ||
    fail "collect tpm (makes the AK)"
mkdir -p "$W/pin/tpm" "$W/nopin/tpm"
# the AK read from the TPM itself (a channel the test trusts), never from the evidence it verifies
tpm_pin_ak "$W/pin"
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout \
    -out "$W/nopin/tpm/other.pem" 2>/dev/null || fail "another P-256 key"

# 1. TPM listener, sim connector
listen l1 "${TPM[@]}" --trust "$W/S/trust" --echo
connect c1 "${SIM[@]}" --trust "$W/pin" --message hello-tpm
expect_ok l1 c1 tpm sim
grep -q '"ak_trust": "pinned-key"' "$W/c1.err" || fail "c1: the AK is not trusted by its pin"
echo "ok - TPM listens, sim connects: attested both ways, AK pinned, echo"

# 2. sim listener, TPM connector that offers tpm then sim, each with its own -O
listen l2 "${SIM[@]}" --trust "$W/pin" --echo
connect c2 "${TPM[@]}" --attest sim -O sim:measure=tpm-host-sim --trust "$W/S/trust" \
    --message hello-tpm
expect_ok l2 c2 sim tpm
echo "ok - sim listens, TPM connects (-O TEE:KEY=VALUE per attester)"
"$U" channel connect 127.0.0.1 1 "${TPM[@]}" -O sgx:foo=bar --trust "$W/S/trust" \
    >"$W/c2x.out" 2>"$W/c2x.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "names sgx, which no --attest is" "$W/c2x.err" ||
    fail "-O with a prefix no --attest names: exit $rc"
echo "ok - -O TEE:KEY=VALUE naming no --attest is a usage error"

# 3. the sim listener does not trust this AK (another key pinned)
listen l3 "${SIM[@]}" --trust "$W/nopin" --echo
connect c3 "${TPM[@]}" --trust "$W/S/trust" --message hello-tpm
finish "$lpid"
[ "$code" -eq 4 ] && grep -q VERIFY_UNTRUSTED_KEY "$W/l3.err" || fail "untrusted AK: listen exit $code"
[ "$ccode" -eq 6 ] && grep -q IO_PEER_ALERT "$W/c3.err" && grep -q VERIFY_UNTRUSTED_KEY "$W/c3.err" ||
    fail "untrusted AK: connect exit $ccode"
echo "ok - an AK the sim side has not pinned: VERIFY_UNTRUSTED_KEY / IO_PEER_ALERT"

# 4. PCR 7 as a reference value (the AK pinned by its Name in the same document)
tpm2_pcrread sha256:7 -o "$W/pcr7.bin" >/dev/null || fail "tpm2_pcrread"
PCR7=$(xxd -p -c 64 "$W/pcr7.bin")
printf '{"id": "swtpm", "tee": "tpm", "values": {"signer": ["%s"], "tee_claims.pcr07": ["%s"]}}\n' \
    "$AK_NAME" "$PCR7" >"$W/rv.json"
listen l4 "${SIM[@]}" --trust "$W/nopin" --reference-values "$W/rv.json" --echo
connect c4 "${TPM[@]}" --trust "$W/S/trust" --message hello-tpm
expect_ok l4 c4 sim tpm
grep -q 'appraisal=affirming' "$W/l4.err" || fail "l4: appraisal not affirming"
echo "ok - PCR 7 matches its reference value (AK pinned by Name): affirming"
tpm2_pcrextend 7:sha256="$(printf 'uattest-channel' | sha256sum | cut -c1-64)" ||
    fail "tpm2_pcrextend"
listen l5 "${SIM[@]}" --trust "$W/nopin" --reference-values "$W/rv.json" --echo
connect c5 "${TPM[@]}" --trust "$W/S/trust" --message hello-tpm
finish "$lpid"
[ "$code" -eq 4 ] && grep -q VERIFY_POLICY "$W/l5.err" || fail "PCR mismatch: listen exit $code"
[ "$ccode" -eq 6 ] && grep -q VERIFY_POLICY "$W/c5.err" || fail "PCR mismatch: connect exit $ccode"
echo "ok - PCR 7 extended after its reference value was set: VERIFY_POLICY"
