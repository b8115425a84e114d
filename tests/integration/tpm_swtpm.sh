#!/usr/bin/env bash
# TPM 2.0 end to end against swtpm (issue 5): our attester quotes through tpm2-tss (`uattest
# collect --tee tpm -O tcti=swtpm:...`), our verifier appraises the quote (`uattest verify`, the AK
# pinned by its Name in reference values or by its PEM public key in <trust>/tpm/), and the SAME
# quote goes to tpm2_checkquote (tpm2-tools) with the parts `uattest inspect` shows. Both must
# agree on every case: valid, wrong nonce, PCR extended after the quote, tampered signature (every
# byte), tampered attest (every byte), AK not trusted; plus an RSA AK over two banks and 34 PCRs.
# swtpm runs on free loopback ports with its state in a temp dir and is stopped on exit.
# usage: tpm_swtpm.sh UATTEST
set -uo pipefail
UAT=${1:?usage: tpm_swtpm.sh UATTEST}
HERE=$(cd "$(dirname "$0")" && pwd)
TOOL="$HERE/tpm_tool.py"
. "$HERE/tpm_lib.sh"
tpm_setup

RD=5ca1ab1e00112233445566778899aabbccddeeff00112233445566778899aabb
RD_OTHER=5ca1ab1e00112233445566778899aabbccddeeff00112233445566778899aabc
PASS=0

collect() { "$UAT" collect --tee tpm --root "$T/root" -O tcti="$TCTI" "$@"; }

# Our verdict: the exit code of uattest verify (0 accepts; the error goes to $T/ours.err).
ours() { # EVIDENCE REPORT_DATA [verify options...]
    local ev=$1 rd=$2
    shift 2
    "$UAT" verify --report-data "$rd" "$@" "$ev" >"$T/ours.out" 2>"$T/ours.err"
    echo $?
}
ours_pinned() { ours "$1" "$2" --trust "$T/trust" --reference-values "$T/rv.json"; }

# tpm2_checkquote's verdict on the parts of a directory (tpm_tool.py parts).
theirs() { # DIR REPORT_DATA [AK public file]
    local ak=${3:-$1/ak.tss}
    tpm2_checkquote -u "$ak" -m "$1/attest.bin" -s "$1/signature.bin" -f "$1/pcrs.bin" \
        -g sha256 -q "$2" >"$T/theirs.out" 2>&1
    echo $?
}

verdict() { [ "$1" -eq 0 ] && echo accept || echo reject; }

# Both verdicts must be the expected one; a rejection of ours must be a PARSE or VERIFY error
# (exit 3 or 4), never a usage or internal failure.
agree() { # CASE EXPECT OURS_RC THEIRS_RC
    local o t
    o=$(verdict "$3")
    t=$(verdict "$4")
    printf '%-44s uattest %-7s tpm2_checkquote %-7s' "$1" "$o" "$t"
    [ "$o" = reject ] && printf '  (%s)' "$(grep -o '\[[A-Z_]*\]' "$T/ours.err" | head -1)"
    echo
    if [ "$o" != "$2" ] || [ "$t" != "$2" ]; then
        cat "$T/ours.err" "$T/theirs.out" >&2
        fail "$1: expected both to $2"
    fi
    if [ "$o" = reject ] && [ "$3" -ne 3 ] && [ "$3" -ne 4 ]; then
        cat "$T/ours.err" >&2
        fail "$1: uattest rejected with exit $3, not a PARSE or VERIFY error"
    fi
    PASS=$((PASS + 1))
}

echo "== collect (ECC P-256 AK at 0x81010002, sha256:0-7) on $TCTI"
collect --report-data "$RD" -o "$T/ev.json" || fail "uattest collect"
"$UAT" inspect "$T/ev.json" >"$T/inspect.json" || fail "uattest inspect"
python3 "$TOOL" parts-inspect "$T/inspect.json" "$T/ev.json" "$T/q" || fail "evidence parts"
AK_NAME=$(cat "$T/q/ak_name.hex")
mkdir -p "$T/trust/tpm" "$T/trust-pem/tpm" "$T/empty/tpm"
printf '{"id": "swtpm-ak", "tee": "tpm", "values": {"signer": ["%s"]}}\n' "$AK_NAME" >"$T/rv.json"
printf '{"id": "other-ak", "tee": "tpm", "values": {"signer": ["000b%064d"]}}\n' 0 \
    >"$T/rv-other.json"
tpm2_readpublic -c 0x81010002 -f pem -o "$T/trust-pem/tpm/ak.pem" >/dev/null ||
    fail "tpm2_readpublic of the AK"

echo "== verdicts"
agree "valid (AK Name pinned in reference values)" accept "$(ours_pinned "$T/ev.json" "$RD")" \
    "$(theirs "$T/q" "$RD")"
agree "valid (AK PEM key in <trust>/tpm/)" accept \
    "$(ours "$T/ev.json" "$RD" --trust "$T/trust-pem")" \
    "$(theirs "$T/q" "$RD" "$T/trust-pem/tpm/ak.pem")"
agree "wrong nonce" reject "$(ours_pinned "$T/ev.json" "$RD_OTHER")" "$(theirs "$T/q" "$RD_OTHER")"

# The quote was made before the extension: verified against today's PCR values it must fail.
tpm2_pcrextend 0:sha256=$(printf 'uattest' | sha256sum | cut -c1-64) || fail "tpm2_pcrextend"
tpm2_pcrread sha256:0 -o "$T/pcr0.bin" >/dev/null || fail "tpm2_pcrread"
mkdir -p "$T/ext"
python3 "$TOOL" set-pcr "$T/ev.json" "$T/ext/ev.json" sha256 0 "$(xxd -p -c 64 "$T/pcr0.bin")" ||
    fail "set-pcr"
agree "PCR 0 extended after the quote" reject "$(ours_pinned "$T/ext/ev.json" "$RD")" \
    "$(theirs "$T/ext" "$RD")"
collect --report-data "$RD" -o "$T/ev2.json" || fail "uattest collect after the extension"
python3 "$TOOL" parts "$T/ev2.json" "$T/q2" || fail "evidence parts"
agree "a new quote after the extension" accept "$(ours_pinned "$T/ev2.json" "$RD")" \
    "$(theirs "$T/q2" "$RD")"

# tpm2_checkquote trusts the key it is given: "not trusted" is another P-256 key.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.key" 2>/dev/null &&
    openssl ec -in "$T/other.key" -pubout -out "$T/other.pem" 2>/dev/null || fail "openssl ecparam"
agree "AK not trusted (no pin, no CA)" reject "$(ours "$T/ev.json" "$RD" --trust "$T/empty")" \
    "$(theirs "$T/q" "$RD" "$T/other.pem")"
agree "AK not trusted (another AK Name pinned)" reject \
    "$(ours "$T/ev.json" "$RD" --trust "$T/trust" --reference-values "$T/rv-other.json")" \
    "$(theirs "$T/q" "$RD" "$T/other.pem")"

# Every byte of the signature and of the attest, flipped one at a time.
for field in signature attest; do
    n=$(python3 "$TOOL" flip-all "$T/ev.json" "$T/flip-$field" "$field") || fail "flip-all $field"
    ours_rej=0 their_rej=0
    for ((i = 0; i < n; i++)); do
        d="$T/flip-$field/$i"
        o=$(ours_pinned "$d/ev.json" "$RD")
        t=$(theirs "$d" "$RD")
        if [ "$o" -ne 0 ]; then
            ours_rej=$((ours_rej + 1))
            if [ "$o" -ne 3 ] && [ "$o" -ne 4 ]; then
                cat "$T/ours.err" >&2
                fail "$field byte $i: uattest rejected with exit $o, not a PARSE or VERIFY error"
            fi
        fi
        [ "$t" -ne 0 ] && their_rej=$((their_rej + 1))
        if [ "$o" -eq 0 ] || [ "$t" -eq 0 ]; then
            echo "  $field byte $i: uattest $(verdict "$o"), tpm2_checkquote $(verdict "$t")" >&2
        fi
    done
    printf '%-44s uattest rejects %d/%d  tpm2_checkquote rejects %d/%d\n' \
        "every $field byte flipped" "$ours_rej" "$n" "$their_rej" "$n"
    [ "$ours_rej" -eq "$n" ] || fail "uattest accepted a tampered $field"
    [ "$their_rej" -eq "$ours_rej" ] || fail "tpm2_checkquote and uattest disagree on the $field"
    PASS=$((PASS + 1))
done

echo "== RSA-2048 AK at 0x81010003 over sha1:0-9 and sha256:0-23 (34 PCRs, PCR_Read gives 8 a time)"
collect --report-data "$RD" -O ak-alg=rsa -O ak-handle=0x81010003 \
    -O pcrs=sha1:0-9+sha256:0-23 -o "$T/ev-rsa.json" || fail "uattest collect (RSA)"
"$UAT" inspect "$T/ev-rsa.json" >"$T/inspect-rsa.json" || fail "uattest inspect (RSA)"
python3 "$TOOL" parts-inspect "$T/inspect-rsa.json" "$T/ev-rsa.json" "$T/qr" || fail "RSA parts"
printf '{"id": "swtpm-rsa-ak", "tee": "tpm", "values": {"signer": ["%s"]}}\n' \
    "$(cat "$T/qr/ak_name.hex")" >"$T/rv-rsa.json"
agree "valid RSA AK, two banks" accept \
    "$(ours "$T/ev-rsa.json" "$RD" --trust "$T/trust" --reference-values "$T/rv-rsa.json")" \
    "$(theirs "$T/qr" "$RD")"
agree "RSA AK quote, wrong nonce" reject \
    "$(ours "$T/ev-rsa.json" "$RD_OTHER" --trust "$T/trust" --reference-values "$T/rv-rsa.json")" \
    "$(theirs "$T/qr" "$RD_OTHER")"

echo "== attester errors name the failed TPM command (exit code, error, check)"
collect_error() { # WHAT EXIT PATTERN collect-options...
    local what=$1 want=$2 pattern=$3 rc
    shift 3
    "$UAT" collect --tee tpm --root "$T/root" --report-data "$RD" -o "$T/x.json" "$@" \
        2>"$T/err.txt"
    rc=$?
    if [ "$rc" -ne "$want" ] || ! grep -q "$pattern" "$T/err.txt"; then
        cat "$T/err.txt" >&2
        fail "$what: expected exit $want and '$pattern' (exit $rc)"
    fi
    printf '%-44s %s\n' "$what" "$(grep -o '\[[A-Z_]*\] (check [^,]*' "$T/err.txt")"
    PASS=$((PASS + 1))
}
collect_error "a quote over an unallocated bank" 5 '\[PLATFORM_DEVICE\] (check tpm.PCR_Read' \
    -O tcti="$TCTI" -O pcrs=sha384:0
collect_error "an ECC AK asked for as RSA" 2 'field ak-handle' -O tcti="$TCTI" -O ak-alg=rsa
collect_error "a malformed PCR selection" 2 'field pcrs' -O tcti="$TCTI" -O pcrs=sha256:0-24
collect_error "no TPM behind the TCTI" 5 '\[PLATFORM_DEVICE\] (check tpm.tcti' \
    -O tcti=swtpm:host=127.0.0.1,port=1

echo "PASS: $PASS checks, uattest and tpm2_checkquote agree on every case"
