#!/usr/bin/env bash
# Enrolment by credential activation against swtpm (issue 5, docs/tpm.md "Attester and
# enrolment"): the verifier (`uattest enrol challenge`) checks the EK certificate of the evidence
# against swtpm's own local CA (swtpm_setup --create-ek-cert with swtpm_localca, state in the
# temp dir) and makes a credential for the AK in software; the attester (`uattest enrol respond`)
# opens it with TPM2_ActivateCredential. The secrets must match for the RSA-2048 EK (template L-1),
# the ECC P-384 EK (H-3) and an ECC P-256 EK (L-2, certificate issued here by the same CA); a
# challenge made for another AK, a tampered challenge, an EK certificate of another CA and evidence
# without an EK certificate are refused with named errors.
# usage: tpm_enrol.sh UATTEST
set -uo pipefail
UAT=${1:?usage: tpm_enrol.sh UATTEST}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tpm_lib.sh"
tpm_setup

RD=e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
PASS=0
mkdir -p "$T/trust/tpm" "$T/trust-other/tpm" "$T/trust-none/tpm"
cp "$SWTPM_CA"/*.pem "$T/trust/tpm/"

collect() { "$UAT" collect --tee tpm --root "$T/root" -O tcti="$TCTI" --report-data "$RD" "$@"; }
challenge() { # EVIDENCE NAME [trust dir]
    "$UAT" enrol challenge --trust "${3:-$T/trust}" --secret-out "$T/$2.secret" \
        -o "$T/$2.challenge" "$1" 2>"$T/err.txt"
}
respond() { # NAME [options...]
    local name=$1
    shift
    "$UAT" enrol respond --tee tpm --root "$T/root" -O tcti="$TCTI" "$@" -o "$T/$name.answer" \
        "$T/$name.challenge" 2>"$T/err.txt"
}
# The exit code of each error category (docs/cli.md): a crash or a sanitizer report is none of them.
declare -A EXIT_OF=([USAGE]=2 [PARSE]=3 [VERIFY]=4 [PLATFORM]=5)
expect_error() { # WHAT EXIT NAME CHECK (the exit code, error name and check uattest printed)
    local rc=$2
    if [ "$rc" -ne "${EXIT_OF[${3%%_*}]}" ] || ! grep -q "\[$3\]" "$T/err.txt" ||
        ! grep -q "check $4" "$T/err.txt"; then
        cat "$T/err.txt" >&2
        fail "$1: expected $3 from check $4 (exit $rc)"
    fi
    printf '%-52s refused: %s (check %s)\n' "$1" "$3" "$4"
    PASS=$((PASS + 1))
}
enrol_ok() { # WHAT NAME EVIDENCE [respond options...]
    local what=$1 name=$2 ev=$3
    shift 3
    challenge "$ev" "$name" || { cat "$T/err.txt" >&2; fail "$what: enrol challenge"; }
    respond "$name" "$@" || { cat "$T/err.txt" >&2; fail "$what: enrol respond"; }
    cmp -s "$T/$name.secret" "$T/$name.answer" || fail "$what: the TPM's answer is not the secret"
    [ "$(stat -c %a "$T/$name.secret")" = 600 ] ||
        fail "$what: the secret file is readable by others"
    printf '%-52s secret matches (%s bytes, EK template %s)\n' "$what" \
        "$(stat -c %s "$T/$name.secret")" "$(grep -ao 'rsa-2048\|ecc-nist-p[0-9]*' \
        "$T/$name.challenge" | head -1)"
    PASS=$((PASS + 1))
}

echo "== enrolment on $TCTI"
collect -o "$T/ev-rsa-ek.json" || fail "collect (RSA EK certificate)"
enrol_ok "RSA-2048 EK (NV 0x01C00002), ECC AK" rsa "$T/ev-rsa-ek.json"
collect -O ek-nv=0x01C00016 -o "$T/ev-p384-ek.json" || fail "collect (P-384 EK certificate)"
enrol_ok "ECC P-384 EK (NV 0x01C00016), ECC AK" p384 "$T/ev-p384-ek.json"

# An ECC P-256 EK (template L-2, as tpm2_createek -G ecc makes it) certified by the swtpm local
# CA's issuer, its certificate written to NV 0x01C0000A where the attester reads it.
tpm2_createek -G ecc -c "$T/ek256.ctx" -u "$T/ek256.pub" >/dev/null || fail "tpm2_createek"
tpm2_readpublic -c "$T/ek256.ctx" -f pem -o "$T/ek256.pem" >/dev/null || fail "tpm2_readpublic"
# no resource manager: the tools leave their objects loaded
tpm2_flushcontext -t >/dev/null || fail "tpm2_flushcontext"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/csr.key" 2>/dev/null &&
    openssl req -new -key "$T/csr.key" -subj "/CN=uattest test EK" -out "$T/ek256.csr" &&
    openssl x509 -req -in "$T/ek256.csr" -CA "$T/ca/issuercert.pem" -CAkey "$T/ca/signkey.pem" \
        -force_pubkey "$T/ek256.pem" -set_serial 4242 -days 3650 -outform DER \
        -out "$T/ek256.der" 2>/dev/null || fail "issuing the P-256 EK certificate"
tpm2_nvdefine 0x01C0000A -C o -s "$(stat -c %s "$T/ek256.der")" \
    -a "ownerwrite|ownerread|authread|no_da" >/dev/null &&
    tpm2_nvwrite 0x01C0000A -C o -i "$T/ek256.der" || fail "writing the P-256 EK certificate to NV"
collect -O ek-nv=0x01C0000A -o "$T/ev-p256-ek.json" || fail "collect (P-256 EK certificate)"
enrol_ok "ECC P-256 EK (NV 0x01C0000A), ECC AK" p256 "$T/ev-p256-ek.json"

collect -O ak-alg=rsa -O ak-handle=0x81010003 -o "$T/ev-rsa-ak.json" || fail "collect (RSA AK)"
enrol_ok "RSA-2048 EK, RSA AK" rsaak "$T/ev-rsa-ak.json" -O ak-alg=rsa -O ak-handle=0x81010003

echo "== refusals"
# The challenge binds the RSA AK's Name; the ECC AK at 0x81010002 cannot open it.
challenge "$T/ev-rsa-ak.json" other || fail "challenge for the RSA AK"
respond other
expect_error "a challenge made for another AK Name (the TPM)" $? PLATFORM_DEVICE \
    tpm.ActivateCredential
[ -s "$T/other.answer" ] && fail "an answer was written for another AK's challenge"

# One byte of the credential blob (the integrity HMAC) changed.
python3 - "$T/rsa.challenge" "$T/tampered.challenge" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"id_object") + len("id_object") + 2 + 2 + 5  # bstr head, TPM2B size, into the HMAC
b[i] ^= 0x01
open(sys.argv[2], "wb").write(b)
EOF
respond tampered
expect_error "a tampered credential blob (the TPM)" $? PLATFORM_DEVICE tpm.ActivateCredential

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/o.key" \
    -subj "/CN=another TPM manufacturer" -days 30 -out "$T/trust-other/tpm/ca.pem" 2>/dev/null ||
    fail "openssl req"
challenge "$T/ev-rsa-ek.json" x "$T/trust-other"
expect_error "an EK certificate of another CA" $? VERIFY_CHAIN tpm.ek_chain
challenge "$T/ev-rsa-ek.json" x "$T/trust-none"
expect_error "no manufacturer CA configured" $? USAGE_NO_TRUST_ANCHOR tpm.ek_chain
collect -O ek-nv=none -o "$T/ev-no-ek.json" || fail "collect without the EK certificate"
challenge "$T/ev-no-ek.json" x
expect_error "evidence without an EK certificate" $? VERIFY_UNTRUSTED_KEY tpm.enrol_challenge
printf 'not cbor' >"$T/junk.challenge"
respond junk
expect_error "a challenge that is not CBOR" $? PARSE_BAD_CBOR tpm.enrol_respond

echo "PASS: $PASS checks"
