/* service.kind "secgear": the openEuler secGear attestation service routes as secGear's agent
 * calls them (../shared/COMPAT.md part C 2): GET /challenge -> a JSON string (base64url of the
 * challenge bytes) and the oeas-session-id cookie -> evidence carrying the challenge bytes as
 * report data, zero-padded to 64 bytes -> POST /attestation {"challenge", "evidence":
 * base64url({"tee", "evidence"}), "policy_id"?} with the cookie -> the JWT as text. secGear binds
 * no key of the agent's, so no resource can be released to it: GET /resource is
 * UNSUPPORTED_FEATURE with this kind. */
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "core/codec.h"

#define CHECK "agent.secgear"
#define SG_COOKIE "oeas-session-id"

static uat_err challenge(uat_agent *a, char cookie[UAT_AGENT_MAX_COOKIE], char **chal,
                         uint8_t rd[UAT_REPORT_DATA_LEN])
{
    uat_http_response r;
    UAT_TRY(uat_agent_call(a, "GET", "/challenge", NULL, NULL, NULL, &r));
    uat_err rc = uat_agent_cookie(&r, SG_COOKIE, cookie);
    json_t *j =
        rc == UAT_OK ? json_loadb((const char *)r.body.p, r.body.len, JSON_DECODE_ANY, NULL) : NULL;
    uat_http_response_free(&r);
    UAT_TRY(rc);
    uat_buf raw;
    uat_buf_init(&raw, UAT_REPORT_DATA_LEN);
    rc = json_is_string(j)
             ? uat_b64_decode(json_string_value(j), json_string_length(j), UAT_B64_URL, &raw)
             : UAT_ERR_PARSE_BAD_JSON;
    if (rc != UAT_OK) {
        rc = UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "challenge", -1,
                       "the challenge is not a JSON string of at most 64 base64url bytes");
    } else {
        memset(rd, 0, UAT_REPORT_DATA_LEN);
        memcpy(rd, raw.p, raw.len);
        *chal = strdup(json_string_value(j));
        rc = *chal != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    }
    uat_buf_free(&raw);
    json_decref(j);
    return rc;
}

/* base64url({"tee": <name>, "evidence": "<CMW JSON text>"}) (SG attestation-types/src/lib.rs) */
static uat_err envelope(uat_agent *a, const uint8_t rd[UAT_REPORT_DATA_LEN], uat_buf *out)
{
    uint8_t *cmw = NULL;
    size_t n = 0;
    UAT_TRY(uat_agent_collect(a, rd, &cmw, &n));
    const char *tee = a->cfg->kbs_tee ? a->cfg->kbs_tee : uat_attester_tee(a->attester);
    json_t *env = json_pack("{s:s,s:s%}", "tee", tee, "evidence", (const char *)cmw, n);
    free(cmw);
    char *text = env != NULL ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    uat_err rc = text != NULL
                     ? uat_b64_encode((const uint8_t *)text, strlen(text), UAT_B64_URL, out)
                     : UAT_NOMEM(CHECK);
    free(text);
    return rc;
}

static uat_err attest(uat_agent *a, uat_agent_issued *out)
{
    char cookie[UAT_AGENT_MAX_COOKIE], *chal = NULL;
    uint8_t rd[UAT_REPORT_DATA_LEN];
    UAT_TRY(challenge(a, cookie, &chal, rd));
    uat_buf env;
    uat_buf_init(&env, 2u * UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = envelope(a, rd, &env);
    json_t *body = rc == UAT_OK
                       ? json_pack("{s:s,s:s}", "challenge", chal, "evidence", (const char *)env.p)
                       : NULL;
    if (body != NULL && a->cfg->policy_id != NULL) {
        json_object_set_new(body, "policy_id", json_pack("[s]", a->cfg->policy_id));
    }
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    uat_buf_free(&env);
    free(chal);
    rc = rc == UAT_OK && text == NULL ? UAT_NOMEM(CHECK) : rc;
    uat_http_response r;
    rc = rc == UAT_OK ? uat_agent_call(a, "POST", "/attestation", NULL, cookie, text, &r) : rc;
    free(text);
    UAT_TRY(rc);
    size_t n = r.body.len;
    while (n > 0 && (r.body.p[n - 1] == '\n' || r.body.p[n - 1] == '\r')) {
        n--;
    }
    memset(out, 0, sizeof(*out));
    out->token = uat_strndup((const char *)r.body.p, n);
    uat_http_response_free(&r);
    return out->token != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err resource(uat_agent *a, const char *token, const char *path, uat_buf *jwe)
{
    (void)a;
    (void)token;
    (void)jwe;
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "path", -1,
                     "service.kind secgear binds no key of the agent's: resource %s cannot be "
                     "released to it (use service.kind uattestd)",
                     path);
}

const uat_agent_proto uat_agent_proto_secgear = {"secgear", attest, resource};
