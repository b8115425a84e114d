#!/usr/bin/env bash
# Bare mode of `uattest channel` (docs/channel.md "Bare mode", the paper's Figure 1) between
# processes on loopback, with two swtpm instances (one per TPM endpoint, tpm_lib.sh):
#  1. sim <-> sim: mutual attestation, echo through AES-256-GCM records;
#  2. sim connects (A), TPM listens (B): B's ECDH key is made by TPM2_Create, certified and quoted
#     by its AK, Z by TPM2_ECDH_ZGen; and the other direction;
#  3. TPM <-> TPM (two swtpm), bare mode and TLS mode;
#  4. rejections by name: the TPM key certified by another AK (VERIFY_BINDING tpm.kx ak_pub), a
#     key without fixedTPM (VERIFY_POLICY tpm.kx fixedTPM), PCRs missing the reference values
#     (VERIFY_POLICY), a TLS-mode peer (no common framing: refused, never accepted);
#  5. evidence replayed from an earlier run, and a relay proxy that splices two sessions
#     (channel_relay.py): VERIFY_BINDING channel.binding.
#  6. real SGX and TDX quotes from the corpus presented as fresh evidence (a proxy rewrites the
#     connecting side's offer and evidence): VERIFY_BINDING channel.binding.
#  7. TLS mode with TPM-resident TLS keys: the key TLS presents is the TPM's persistent object,
#     no private key on disk; TPM <-> TPM; a TLS key certified by another AK (VERIFY_BINDING
#     tpm.kx) or without fixedTPM (VERIFY_POLICY tpm.kx).
#  8. TLS mode through a relay that terminates TLS on both sides (channel_relay.py tls):
#     VERIFY_BINDING channel.binding.
# usage: channel_bare.sh UATTEST CORPUS_DIR
set -uo pipefail
U=${1:?usage: channel_bare.sh UATTEST CORPUS_DIR}
C=${2:?usage: channel_bare.sh UATTEST CORPUS_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tpm_lib.sh"
tpm_setup 2
T1=${TPM_DIRS[1]} TCTI1=${TPM_TCTIS[1]}
T2=${TPM_DIRS[2]} TCTI2=${TPM_TCTIS[2]}
require_tools tpm2_readpublic tpm2_pcrread python3
W=$T1/chan
mkdir -p "$W"
fail() {
    echo "FAIL: $*" >&2
    for f in "$W"/*.out "$W"/*.err; do [ -e "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
    exit 1
}
wait_port() {
    for _ in $(seq 300); do
        [ -s "$1" ] && { tr -d '\n' <"$1"; return 0; }
        kill -0 "$lpid" 2>/dev/null || fail "the listener exited before listening"
        sleep 0.05
    done
    fail "no port in $1"
}
finish() { wait "$1"; code=$?; }
listen() { # NAME ARGS...: background listener in bare mode unless ARGS say otherwise
    local name=$1
    shift
    rm -f "$W/$name.port"
    "$U" channel listen --port-file "$W/$name.port" "$@" </dev/null >"$W/$name.out" \
        2>"$W/$name.err" &
    lpid=$!
    pids+=("$lpid")
    port=$(wait_port "$W/$name.port")
}
connect() { # NAME ARGS...
    local name=$1
    shift
    "$U" channel connect 127.0.0.1 "${CPORT:-$port}" "$@" >"$W/$name.out" 2>"$W/$name.err"
    ccode=$?
}
expect_ok() { # LISTENER CONNECTOR LISTENER_MECH CONNECTOR_MECH
    finish "$lpid"
    [ "$code" -eq 0 ] || fail "$1: listen exit $code"
    [ "$ccode" -eq 0 ] || fail "$2: connect exit $ccode"
    grep -qx hello-bare "$W/$2.out" || fail "$2: no echo"
    grep -q "this side attested with $3, the peer with $4" "$W/$1.err" || fail "$1: mechanisms"
    grep -q "this side attested with $4, the peer with $3" "$W/$2.err" || fail "$2: mechanisms"
}
expect_refused() { # LISTENER CONNECTOR ERROR CHECK: the listener refuses, the connector is told
    finish "$lpid"
    [ "$code" -ne 0 ] && grep -q "$3" "$W/$1.err" && grep -q "$4" "$W/$1.err" ||
        fail "$1: expected $3 in $4 (exit $code)"
    [ "$ccode" -ne 0 ] && grep -q IO_PEER_ALERT "$W/$2.err" && grep -q "$4" "$W/$2.err" ||
        fail "$2: expected IO_PEER_ALERT naming $4 (exit $ccode)"
}

B=(--mode bare)
SIM=(--attest sim --state-dir "$W/S" -O measure=channel-bare-test)
SIM2=(--attest sim --state-dir "$W/S2" -O measure=channel-bare-test)
TPM1=(--attest tpm --root "$T1/root" --state-dir "$W/P1" -O "tpm:tcti=$TCTI1")
TPM2=(--attest tpm --root "$T2/root" --state-dir "$W/P2" -O "tpm:tcti=$TCTI2")
for s in S S2; do
    "$U" collect --tee sim --state-dir "$W/$s" --report-data 00 >/dev/null || fail "collect $s"
done
# each TPM's AK (made by a first collect), pinned by the peers from the TPM itself
for i in 1 2; do
    tc=TCTI$i
    tr=T$i
    "$U" collect --tee tpm --root "${!tr}/root" -O tcti="${!tc}" --report-data 00 >/dev/null ||
        fail "collect tpm $i"
    tpm_pin_ak "$W/pin$i" "${!tc}"
    cp -r "$W/S/trust/." "$W/pin$i/" # the sim key is trusted alongside the AK
done

# 1. sim <-> sim
listen l1 "${B[@]}" "${SIM2[@]}" --trust "$W/S/trust" --echo
connect c1 "${B[@]}" "${SIM[@]}" --trust "$W/S2/trust" --message hello-bare
expect_ok l1 c1 sim sim
echo "ok - bare mode sim <-> sim: attested both ways, echo through GCM records"

# 2. sim (A) connects, TPM (B) listens; then the other direction
listen l2 "${B[@]}" "${TPM1[@]}" --trust "$W/S/trust" --echo
connect c2 "${B[@]}" "${SIM[@]}" --trust "$W/pin1" --message hello-bare
expect_ok l2 c2 tpm sim
grep -q '"ak_trust": "pinned-key"' "$W/c2.err" || fail "c2: the AK is not trusted by its pin"
echo "ok - bare mode sim -> TPM: TPM2_Create / Certify / Quote / ECDH_ZGen on B"
listen l3 "${B[@]}" "${SIM[@]}" --trust "$W/pin1" --echo
connect c3 "${B[@]}" "${TPM1[@]}" --trust "$W/S/trust" --message hello-bare
expect_ok l3 c3 sim tpm
echo "ok - bare mode TPM -> sim"

# 3. TPM <-> TPM, bare and TLS
listen l4 "${B[@]}" "${TPM1[@]}" --trust "$W/pin2" --echo
connect c4 "${B[@]}" "${TPM2[@]}" --trust "$W/pin1" --message hello-bare
expect_ok l4 c4 tpm tpm
echo "ok - bare mode TPM <-> TPM (two swtpm)"
listen l5 "${TPM1[@]}" --trust "$W/pin2" --echo
connect c5 "${TPM2[@]}" --trust "$W/pin1" --message hello-bare
expect_ok l5 c5 tpm tpm
echo "ok - TLS mode TPM <-> TPM (two swtpm)"

# 4. rejections. A second AK (RSA, 0x81010003) on TPM 1, pinned beside the first: a key certified
#    by it is certified by a trusted AK, but not by the one that quoted
"$U" collect --tee tpm --root "$T1/root" -O tcti="$TCTI1" -O ak-handle=0x81010003 -O ak-alg=rsa \
    --report-data 00 >/dev/null || fail "collect with a second AK"
cp -r "$W/pin1" "$W/pin1b"
TPM2TOOLS_TCTI=$TCTI1 tpm2_readpublic -c 0x81010003 -f pem -o "$W/pin1b/tpm/ak2.pem" >/dev/null ||
    fail "tpm2_readpublic 0x81010003"
listen l6 "${B[@]}" "${SIM[@]}" --trust "$W/pin1b" --echo
connect c6 "${B[@]}" "${TPM1[@]}" -O tpm:kx-ak-handle=0x81010003 -O tpm:kx-ak-alg=rsa \
    --trust "$W/S/trust" --message hello-bare
expect_refused l6 c6 VERIFY_BINDING tpm.kx
grep -q "another attestation key" "$W/l6.err" || fail "l6: not the certifier check"
echo "ok - a TPM key certified by another AK: VERIFY_BINDING (tpm.kx, ak_pub)"

listen l7 "${B[@]}" "${SIM[@]}" --trust "$W/pin1" --echo
connect c7 "${B[@]}" "${TPM1[@]}" -O tpm:kx-fixed-tpm=no --trust "$W/S/trust" --message hello-bare
expect_refused l7 c7 VERIFY_POLICY tpm.kx
grep -q "lacks fixedTPM" "$W/l7.err" || fail "l7: not the fixedTPM check"
echo "ok - a TPM key without fixedTPM: VERIFY_POLICY (tpm.kx, fixedTPM)"

tpm_pin_ak "$W/pin1" "$TCTI1" # (sets AK_NAME)
printf '{"id": "swtpm", "tee": "tpm", "values": {"signer": ["%s"], "tee_claims.pcr07": ["%s"]}}\n' \
    "$AK_NAME" "$(printf 'ab%.0s' $(seq 32))" >"$W/rv.json"
listen l8 "${B[@]}" "${SIM[@]}" --trust "$W/pin1" --reference-values "$W/rv.json" --echo
connect c8 "${B[@]}" "${TPM1[@]}" --trust "$W/S/trust" --message hello-bare
expect_refused l8 c8 VERIFY_POLICY channel.appraisal
echo "ok - PCRs missing the reference values: VERIFY_POLICY"

listen l9 "${B[@]}" "${SIM2[@]}" --trust "$W/S/trust" --echo
connect c9 "${SIM[@]}" --trust "$W/S2/trust" --message hello-bare
finish "$lpid"
[ "$code" -ne 0 ] && [ "$ccode" -ne 0 ] || fail "bare listener and TLS connector: $code / $ccode"
echo "ok - a TLS-mode peer never completes a bare-mode run"

# 5. replay and relay through a proxy (channel_relay.py): a faithful relay first (it records the
#    connecting side's evidence, and the run succeeds: the proxy learns no key), then that evidence
#    replayed into a new run, then two sessions spliced
for attack in record replay relay; do
    listen "r$attack" "${B[@]}" "${SIM2[@]}" --trust "$W/S/trust" --echo
    rm -f "$W/relay.port"
    python3 "$HERE/channel_relay.py" "$attack" "$port" "$W/relay.port" "$W/capture.bin" \
        >"$W/proxy-$attack.out" 2>&1 &
    ppid=$!
    pids+=("$ppid")
    for _ in $(seq 100); do [ -s "$W/relay.port" ] && break; sleep 0.05; done
    CPORT=$(cat "$W/relay.port") connect "c$attack" "${B[@]}" "${SIM[@]}" --trust "$W/S2/trust" \
        --message hello-bare
    wait "$ppid"
    if [ "$attack" = record ]; then
        expect_ok rrecord crecord sim sim
        [ -s "$W/capture.bin" ] || fail "the proxy captured no evidence"
        echo "ok - a faithful relay changes nothing (the proxy learns no key)"
        continue
    fi
    expect_refused "r$attack" "c$attack" VERIFY_BINDING channel.binding
    echo "ok - $attack: VERIFY_BINDING (channel.binding) on the listener, IO_PEER_ALERT on the peer"
done

# 6. real SGX and TDX quotes (../shared/corpus, verified at their pinned time with their collateral)
#    presented as fresh evidence: they verify, but their report data is not this run's
for q in "sgx intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor intel-sgx-dcap/trust 2025-07-01T00:00:00Z" \
    "tdx intel-tdx/t1-dcapqvl-tdx-v4-uptodate intel-tdx/trust 2025-07-01T00:00:00Z"; do
    read -r mech dir trust at <<<"$q"
    listen "q$mech" "${B[@]}" "${SIM2[@]}" --trust "$C/$trust" --collateral "$C/$dir" --at "$at" --echo
    rm -f "$W/relay.port"
    python3 "$HERE/channel_relay.py" quote "$port" "$W/relay.port" "$C/$dir/quote.bin" "$mech" \
        >"$W/proxy-q$mech.out" 2>&1 &
    ppid=$!
    pids+=("$ppid")
    for _ in $(seq 100); do [ -s "$W/relay.port" ] && break; sleep 0.05; done
    CPORT=$(cat "$W/relay.port") connect "cq$mech" "${B[@]}" "${SIM[@]}" --trust "$W/S2/trust" \
        --message hello-bare
    wait "$ppid"
    expect_refused "q$mech" "cq$mech" VERIFY_BINDING channel.binding
    echo "ok - a real $mech quote presented as fresh evidence: VERIFY_BINDING (channel.binding)"
done

# 7. TLS mode with the TPM endpoints' TLS keys made inside their TPMs (docs/channel.md
#    "TPM-resident TLS key"): the key the listener's TLS presents is the TPM object the channel
#    moved to a persistent handle (sign, fixedTPM, fixedParent, sensitiveDataOrigin), no private
#    key is written anywhere, and the handle is gone once the channel ends.
require_tools openssl tpm2_getcap
listen t1 "${TPM1[@]}" --trust "$W/pin2" --echo
TPM2TOOLS_TCTI=$TCTI1 tpm2_readpublic -c 0x81000100 -f pem -o "$W/tpmtls.pem" >"$W/tpmtls.txt" ||
    fail "no TLS key at 0x81000100 on TPM 1 while its endpoint listens"
for a in fixedtpm fixedparent sensitivedataorigin sign; do
    grep -q "$a" "$W/tpmtls.txt" || fail "the TPM's TLS key lacks $a"
done
# what a TLS client sees of the listener (a throwaway client key; the run then ends: no offer)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=probe -days 1 \
    -keyout "$W/probe.key" -out "$W/probe.crt" 2>/dev/null || fail "openssl req"
openssl s_client -connect "127.0.0.1:$port" -tls1_3 -cert "$W/probe.crt" -key "$W/probe.key" \
    </dev/null 2>/dev/null |
    openssl x509 -pubkey -noout >"$W/seen.pem" || fail "s_client: no server certificate"
cmp -s <(openssl pkey -pubin -in "$W/seen.pem" -outform DER) \
    <(openssl pkey -pubin -in "$W/tpmtls.pem" -outform DER) ||
    fail "the listener's TLS key is not the TPM's object at 0x81000100"
finish "$lpid"
[ "$code" -ne 0 ] || fail "t1: a TLS client that sent no offer was accepted"
if grep -rl "PRIVATE KEY" "$W/P1" "$W/P2" 2>/dev/null; then fail "a private key was written"; fi
TPM2TOOLS_TCTI=$TCTI1 tpm2_getcap handles-persistent | grep -qi 0x81000100 &&
    fail "the TLS key's persistent handle outlived the channel"
echo "ok - TLS mode: the listener's TLS key is the TPM object (sign, fixedTPM, fixedParent," \
    "sensitiveDataOrigin), no private key on disk, removed at the end"
listen t2 "${TPM1[@]}" --trust "$W/pin2" --echo
connect t2c "${TPM2[@]}" --trust "$W/pin1" --message hello-bare
expect_ok t2 t2c tpm tpm
grep -q '"ak_trust": "pinned-key"' "$W/t2c.err" || fail "t2c: the AK is not trusted by its pin"
echo "ok - TLS mode TPM <-> TPM with TPM-resident TLS keys certified by each AK"
listen t3 "${SIM[@]}" --trust "$W/pin1b" --echo
connect t3c "${TPM1[@]}" -O tpm:kx-ak-handle=0x81010003 -O tpm:kx-ak-alg=rsa \
    --trust "$W/S/trust" --message hello-bare
expect_refused t3 t3c VERIFY_BINDING tpm.kx
grep -q "another attestation key" "$W/t3.err" || fail "t3: not the certifier check"
echo "ok - TLS mode: a TLS key certified by another AK: VERIFY_BINDING (tpm.kx, ak_pub)"
listen t4 "${TPM2[@]}" --trust "$W/pin1" --echo
connect t4c "${TPM1[@]}" -O tpm:kx-fixed-tpm=no --trust "$W/pin2" --message hello-bare
expect_refused t4 t4c VERIFY_POLICY tpm.kx
grep -q "lacks fixedTPM" "$W/t4.err" || fail "t4: not the fixedTPM check"
echo "ok - TLS mode: a TLS key without fixedTPM: VERIFY_POLICY (tpm.kx, fixedTPM)"

# 8. TLS mode through a man in the middle that terminates TLS on both sides with its own key and
#    forwards the channel's messages unchanged (channel_relay.py tls): the connecting side's
#    evidence is bound to its session with the proxy, not to the listener's.
listen tr "${SIM2[@]}" --trust "$W/S/trust" --echo
rm -f "$W/relay.port"
python3 "$HERE/channel_relay.py" tls "$port" "$W/relay.port" "$W/probe.crt" "$W/probe.key" \
    >"$W/proxy-tls.out" 2>&1 &
ppid=$!
pids+=("$ppid")
for _ in $(seq 100); do [ -s "$W/relay.port" ] && break; sleep 0.05; done
CPORT=$(cat "$W/relay.port") connect trc "${SIM[@]}" --trust "$W/S2/trust" --message hello-bare
wait "$ppid"
expect_refused tr trc VERIFY_BINDING channel.binding
echo "ok - TLS mode through a TLS-terminating relay: VERIFY_BINDING (channel.binding), IO_PEER_ALERT"
