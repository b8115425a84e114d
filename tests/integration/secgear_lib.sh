# Shared by the secGear front-end tests (compat_secgear.sh, compat_secgear_admin.sh,
# compat_tpm.sh): sourced after service_lib.sh; the server's base URL is $A.
#   hex_of CHALLENGE               the challenge's bytes (base64url, no padding) as hex
#   envelope TEE EVIDENCE_STRING   base64url of secGear's evidence envelope {"tee","evidence"}
#   body CHALLENGE ENVELOPE [IDS]  a POST /attestation body (policy_id: IDS as JSON, else null)
#   get_challenge JAR [BODY]       GET /challenge (BODY: a JSON body on GET); the text on stdout
#   sim_cmw CHALLENGE OUT [ARGS]   sim evidence (CMW JSON, state in $work/sim) whose report data
#                                  is the challenge (ARGS: more `uattest collect` arguments)
hex_of() { printf %s "$1" | unb64u | od -An -v -tx1 | tr -d ' \n'; }
envelope() {
    "$PY" -c 'import json,sys; print(json.dumps({"tee":sys.argv[1],"evidence":sys.argv[2]}))' \
        "$1" "$2" | tr -d '\n' | b64u
}
body() { printf '{"challenge":"%s","evidence":"%s","policy_id":%s}' "$1" "$2" "${3:-null}"; }
get_challenge() {
    local st
    if [ -n "${2:-}" ]; then
        st=$(req GET "$A/challenge" -c "$1" -H 'Content-Type: application/json' --data-binary "$2")
    else
        st=$(req GET "$A/challenge" -c "$1")
    fi
    [ "$st" = 200 ] || fail "GET /challenge: HTTP $st $(cat "$work/body")"
    "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert isinstance(v,str); print(v)' \
        "$work/body" || fail "the challenge is not a JSON string: $(cat "$work/body")"
}
sim_cmw() {
    local c=$1 o=$2
    shift 2
    "$UATTEST" collect --tee sim --state-dir "$work/sim" --report-data "$(hex_of "$c")" -o "$o" "$@"
}
