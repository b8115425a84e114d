# Shared by every swtpm integration test: fresh swtpm instances with EK certificates from their
# own local CA, on free loopback ports, state in temp dirs, stopped on exit (with every background
# process a test added to the pids array).
# Sourced. `tpm_setup [N]` starts N instances (default 1) and sets, for instance i (1..N),
# TPM_DIRS[i] (its temp dir, with an empty filesystem root root/), TPM_TCTIS[i], TPM_PIDS[i] and
# TPM_CAS[i] (the CA folder: root + issuer); T, TCTI, SWTPM_PID, SWTPM_CA and TPM2TOOLS_TCTI are
# instance 1's. `tpm_pin_ak DIR [TCTI]` writes the AK (0x81010002) read from the TPM itself as
# DIR/tpm/ak.pem and sets AK_NAME.

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
TPM_DIRS=()
TPM_TCTIS=()
TPM_PIDS=()
TPM_CAS=()
pids=()
tpm_cleanup() {
    local p d
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${TPM_PIDS[@]}" "$SWTPM_PID"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    for d in "${TPM_DIRS[@]}" "${T:-}"; do
        [ -n "$d" ] && rm -rf "$d"
    done
    return 0
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
    local n=${1:-1} i
    require_tools swtpm swtpm_setup swtpm_localca tpm2_pcrread tpm2_checkquote python3 openssl
    trap tpm_cleanup EXIT
    trap 'exit 1' INT TERM HUP # so that the EXIT trap stops swtpm
    for i in $(seq "$n" -1 1); do # instance 1 last: T, TCTI, ... end up as its
        T=$(mktemp -d "${TMPDIR:-/tmp}/uattest-tpm.XXXXXX")
        TPM_DIRS[i]=$T
        mkdir -p "$T/root" # an empty filesystem root: no host event log or IMA log
        tpm_manufacture
        tpm_start
        TPM_TCTIS[i]=$TCTI
        TPM_PIDS[i]=$SWTPM_PID
        TPM_CAS[i]=$SWTPM_CA
    done
}

tpm_pin_ak() { # DIR [TCTI]
    local dir=$1 tcti=${2:-$TCTI}
    mkdir -p "$dir/tpm"
    TPM2TOOLS_TCTI=$tcti tpm2_readpublic -c 0x81010002 -f pem -o "$dir/tpm/ak.pem" >/dev/null ||
        fail "tpm2_readpublic 0x81010002 (the AK) on $tcti"
    AK_NAME=$(TPM2TOOLS_TCTI=$tcti tpm2_readpublic -c 0x81010002 | sed -n 's/^name: //p')
    [ -n "$AK_NAME" ] || fail "no AK name on $tcti"
}
