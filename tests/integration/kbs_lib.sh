# Shared by the KBS front-end tests (compat_kbs.sh, compat_tpm.sh): sourced after service_lib.sh;
# the KBS base URL is $K, the workload's tee-pubkey (JWK text) $TEEPUB, curl's JSON header ${JSON[@]}.
#   kbs_expect STATUS PROBLEM WHAT  the last req answered STATUS with Trustee's ErrorInformation
#   auth NAME [TEE]                 a session: cookie jar $work/NAME.jar, nonce $work/NAME.nonce
#   report_data NONCE_FILE          hex of SHA-384(JCS(runtime data)) || 16 zero bytes
#   attest_doc OUT NONCE EVIDENCE_JSON [TEEPUB]   an Attestation body
# kbs_expect STATUS PROBLEM WHAT: the last req answered STATUS with Trustee's ErrorInformation
kbs_expect() {
    [ "$1" = "$2" ] || fail "$4: HTTP $1, expected $2: $(head -c 600 "$work/body")"
    grep -q "\"type\":\"https://github.com/confidential-containers/kbs/errors/$3\"" "$work/body" ||
        fail "$4: no $3 in $(cat "$work/body")"
    grep -q '"detail":"' "$work/body" || fail "$4: no detail"
}
# auth NAME [tee]: a session; cookie jar $work/NAME.jar, nonce $work/NAME.nonce
auth() {
    local tee=${2:-sample}
    expect "$(req POST "$K/auth" "${JSON[@]}" -c "$work/$1.jar" -D "$work/$1.hdr" --data-binary \
        "{\"version\":\"0.4.0\",\"tee\":\"$tee\",\"extra-params\":{\"supported-hash-algorithms\":[\"sha256\",\"sha384\",\"sm3\"]}}")" \
        200 "" "auth $1"
    jget "$work/body" nonce >"$work/$1.nonce"
    [ "$(jget "$work/body" extra-params selected-hash-algorithm)" = sha384 ] || fail "hash choice"
}
# report_data NONCE_FILE: hex of SHA-384(JCS(runtime data)) || 16 zero bytes
report_data() {
    "$PY" - "$(cat "$1")" "$TEEPUB" <<'PY'
import hashlib, json, sys
rd = {"additional-evidence": "", "nonce": sys.argv[1], "tee-pubkey": json.loads(sys.argv[2])}
# RFC 8785 for an object of strings: sorted members, no whitespace, UTF-8
jcs = json.dumps(rd, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print((hashlib.sha384(jcs.encode()).digest() + bytes(16)).hex())
PY
}
# attest_doc OUT NONCE EVIDENCE_JSON [TEEPUB]: an Attestation body
attest_doc() {
    printf '{"runtime-data":{"nonce":"%s","tee-pubkey":%s},"tee-evidence":{"primary_evidence":%s,"additional_evidence":""}}' \
        "$2" "${4:-$TEEPUB}" "$3" >"$1"
}

