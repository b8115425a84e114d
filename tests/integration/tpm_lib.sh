# Shared by the swtpm integration tests (tpm_swtpm.sh, tpm_enrol.sh): a fresh swtpm with EK
# certificates from its own local CA, on free loopback ports, state in a temp dir, stopped on exit.
# Sourced; sets T (temp dir), TCTI, TPM2TOOLS_TCTI, SWTPM_CA (the CA folder: root + issuer).

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 ||
            fail "$t is not installed (scripts/install-deps.sh installs swtpm, swtpm-tools," \
                "tpm2-tools)"
    done
}

SWTPM_PID=
tpm_cleanup() {
    if [ -n "$SWTPM_PID" ]; then
        kill "$SWTPM_PID" 2>/dev/null || true
        wait "$SWTPM_PID" 2>/dev/null || true
    fi
    [ -n "${T:-}" ] && rm -rf "$T"
}

# A port P with P and P+1 free on 127.0.0.1 (server and control channel).
free_port_pair() {
    python3 - <<'EOF'
import random, socket
for _ in range(500):
    p = random.randint(20000, 60000)
    ok = True
    for q in (p, p + 1):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p)
        break
EOF
}

# swtpm_setup with a private configuration: the local CA's state (root CA, issuer certificate,
# signing key) goes to $T/ca instead of /var/lib/swtpm-localca. EKs: RSA-2048 (NV 0x01C00002)
# and ECC P-384 (NV 0x01C00016); PCR banks sha1 and sha256.
tpm_manufacture() {
    mkdir -p "$T/state" "$T/ca"
    cat >"$T/localca.conf" <<EOF
statedir = $T/ca
signingkey = $T/ca/signkey.pem
issuercert = $T/ca/issuercert.pem
certserial = $T/ca/certserial
EOF
    printf -- '--platform-manufacturer uattest\n--platform-version 2.1\n--platform-model swtpm\n' \
        >"$T/localca.options"
    cat >"$T/swtpm_setup.conf" <<EOF
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $T/localca.conf
create_certs_tool_options = $T/localca.options
active_pcr_banks = sha256
EOF
    swtpm_setup --tpm2 --tpmstate "$T/state" --create-ek-cert --config "$T/swtpm_setup.conf" \
        --pcr-banks sha1,sha256 --logfile "$T/swtpm_setup.log" >/dev/null 2>&1 ||
        { cat "$T/swtpm_setup.log" >&2; fail "swtpm_setup"; }
    SWTPM_CA="$T/ca-certs"
    mkdir -p "$SWTPM_CA"
    cp "$T/ca/swtpm-localca-rootca-cert.pem" "$T/ca/issuercert.pem" "$SWTPM_CA/"
}

tpm_start() {
    local try port
    for try in 1 2 3 4 5; do
        port=$(free_port_pair)
        [ -n "$port" ] || fail "no free port pair"
        swtpm socket --tpm2 --server type=tcp,port="$port",bindaddr=127.0.0.1 \
            --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
            --tpmstate dir="$T/state" --flags startup-clear --log file="$T/swtpm.log" &
        SWTPM_PID=$!
        TCTI="swtpm:host=127.0.0.1,port=$port"
        export TPM2TOOLS_TCTI="$TCTI"
        local i
        for i in $(seq 1 50); do
            if ! kill -0 "$SWTPM_PID" 2>/dev/null; then
                break # lost the port to someone else: try another
            fi
            if tpm2_pcrread sha256:0 >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.1
        done
        kill "$SWTPM_PID" 2>/dev/null || true
        wait "$SWTPM_PID" 2>/dev/null || true
        SWTPM_PID=
    done
    fail "swtpm did not start"
}

tpm_setup() {
    require_tools swtpm swtpm_setup swtpm_localca tpm2_pcrread tpm2_checkquote python3 openssl
    T=$(mktemp -d "${TMPDIR:-/tmp}/uattest-tpm.XXXXXX")
    trap tpm_cleanup EXIT
    trap 'exit 1' INT TERM HUP # so that the EXIT trap stops swtpm
    mkdir -p "$T/root" # an empty filesystem root: no host event log or IMA log
    tpm_manufacture
    tpm_start
}
