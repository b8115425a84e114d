/* service.kind "kbs": the Confidential Containers KBS protocol v0.4.0 as a Trustee client speaks
 * it (../shared/COMPAT.md part A 3): POST /kbs/v0/auth (session cookie, nonce, hash choice) ->
 * evidence whose report data is HASH(JCS({"additional-evidence": "", "nonce", "tee-pubkey"}))
 * zero-padded to 64 bytes (3.4) -> POST /kbs/v0/attest -> token; GET /kbs/v0/resource/<repository>/
 * <type>/<tag> with the token -> Trustee's flattened JWE (3.6), turned into the compact form. The
 * primary evidence is the CMW of this machine's attester (docs/agent.md says which KBS takes it).
 */
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "core/jcs.h"
#include "crypto/crypto.h"

#define CHECK "agent.kbs"
#define KBS_VERSION                                                                                \
    "0.4.0" /* spec: trustee kbs/src/attestation/backend.rs VERSION_REQ "=0.4.0"                   \
             */
#define KBS_COOKIE "kbs-session-id"
#define MAX_JCS (64u * 1024u)

typedef struct session {
    char cookie[UAT_AGENT_MAX_COOKIE]; /* "kbs-session-id=<id>" */
    json_t *challenge;                 /* {"nonce", "extra-params"} */
} session;

static uat_err auth(uat_agent *a, session *s)
{
    const char *tee = a->cfg->kbs_tee ? a->cfg->kbs_tee : uat_attester_tee(a->attester);
    json_t *req =
        json_pack("{s:s,s:s,s:{s:[s,s,s]}}", "version", KBS_VERSION, "tee", tee, "extra-params",
                  "supported-hash-algorithms", "sha384", "sha512", "sha256");
    char *body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_http_response r;
    uat_err rc = uat_agent_call(a, "POST", "/kbs/v0/auth", NULL, NULL, body, &r);
    free(body);
    UAT_TRY(rc);
    rc = uat_agent_cookie(&r, KBS_COOKIE, s->cookie);
    s->challenge = rc == UAT_OK ? json_loadb((const char *)r.body.p, r.body.len, 0, NULL) : NULL;
    uat_http_response_free(&r);
    UAT_TRY(rc);
    UAT_ENSURE(json_is_string(json_object_get(s->challenge, "nonce")), UAT_ERR_IO_NETWORK, CHECK,
               "nonce", -1);
    return UAT_OK;
}

/* spec: COMPAT.md A 3.2: the hash the KBS selected, SHA-384 when it selected none */
static uat_err hash_choice(const json_t *challenge, enum uat_hash_alg *out)
{
    const json_t *extra = json_object_get(challenge, "extra-params");
    const char *h = json_string_value(json_object_get(extra, "selected-hash-algorithm"));
    *out = h == NULL || strcmp(h, "sha384") == 0 ? UAT_HASH_SHA384
           : strcmp(h, "sha512") == 0            ? UAT_HASH_SHA512
           : strcmp(h, "sha256") == 0            ? UAT_HASH_SHA256
                                                 : (enum uat_hash_alg) - 1;
    if (*out == (enum uat_hash_alg) - 1) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "selected-hash-algorithm", -1,
                         "the KBS selected a hash this agent did not offer");
    }
    return UAT_OK;
}

/* The tee-pubkey: the agent's public JWK with "alg" (kbs-types TeePubKey, COMPAT.md A 3.3). */
static uat_err tee_pubkey(const uat_agent *a, json_t **out)
{
    char *pub = NULL;
    UAT_TRY(uat_jwe_key_public(a->key, &pub));
    *out = json_loads(pub, 0, NULL);
    free(pub);
    if (*out == NULL || json_object_set_new(*out, "alg", json_string("ECDH-ES+A256KW")) != 0) {
        json_decref(*out);
        return UAT_NOMEM(CHECK);
    }
    return UAT_OK;
}

/* spec: COMPAT.md A 3.4: report_data = HASH(JCS(runtime data)) || zeros */
static uat_err binding(const json_t *runtime, enum uat_hash_alg h, uint8_t rd[64])
{
    uat_buf text;
    uat_buf_init(&text, MAX_JCS);
    uat_err rc = uat_jcs(runtime, &text);
    memset(rd, 0, UAT_REPORT_DATA_LEN);
    uat_span part = uat_buf_span(&text);
    rc = rc == UAT_OK ? uat_hash(h, &part, 1, rd) : rc;
    uat_buf_free(&text);
    return rc;
}

static uat_err attest_body(uat_agent *a, const session *s, char **out)
{
    const json_t *nonce = json_object_get(s->challenge, "nonce");
    enum uat_hash_alg h;
    UAT_TRY(hash_choice(s->challenge, &h));
    json_t *key = NULL;
    UAT_TRY(tee_pubkey(a, &key));
    json_t *runtime =
        json_pack("{s:s,s:O,s:O}", "additional-evidence", "", "nonce", nonce, "tee-pubkey", key);
    uint8_t rd[UAT_REPORT_DATA_LEN];
    uat_err rc = runtime != NULL ? binding(runtime, h, rd) : UAT_NOMEM(CHECK);
    json_decref(runtime);
    uint8_t *cmw = NULL;
    size_t n = 0;
    rc = rc == UAT_OK ? uat_agent_collect(a, rd, &cmw, &n) : rc;
    json_t *ev = rc == UAT_OK ? json_loadb((const char *)cmw, n, 0, NULL) : NULL;
    free(cmw);
    json_t *body = ev != NULL ? json_pack("{s:{s:O,s:O},s:{s:o,s:s}}", "runtime-data", "nonce",
                                          nonce, "tee-pubkey", key, "tee-evidence",
                                          "primary_evidence", ev, "additional_evidence", "")
                              : NULL;
    json_decref(key);
    *out = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return rc != UAT_OK ? rc : *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err attest(uat_agent *a, uat_agent_issued *out)
{
    session s = {"", NULL};
    uat_err rc = auth(a, &s);
    char *body = NULL;
    rc = rc == UAT_OK ? attest_body(a, &s, &body) : rc;
    json_t *res = NULL;
    rc = rc == UAT_OK ? uat_agent_call_json(a, "POST", "/kbs/v0/attest", s.cookie, body, &res) : rc;
    free(body);
    json_decref(s.challenge);
    UAT_TRY(rc);
    const char *tok = json_string_value(json_object_get(res, "token"));
    memset(out, 0, sizeof(*out));
    out->token = tok != NULL ? strdup(tok) : NULL;
    json_decref(res);
    UAT_ENSURE(out->token != NULL, UAT_ERR_IO_NETWORK, CHECK, "token", -1);
    return UAT_OK;
}

/* spec: COMPAT.md A 3.6: {protected, encrypted_key, iv, ciphertext, tag} -> RFC 7516 §7.1 */
static uat_err compact(const json_t *j, uat_buf *out)
{
    static const char *const parts[5] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
    for (size_t i = 0; i < 5; i++) {
        const char *v = json_string_value(json_object_get(j, parts[i]));
        if (v == NULL || strchr(v, '.') != NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, parts[i], -1,
                             "the KBS resource is not a flattened JWE (%s)", parts[i]);
        }
        UAT_TRY(uat_buf_append_str(out, i > 0 ? "." : ""));
        UAT_TRY(uat_buf_append_str(out, v));
    }
    return uat_buf_terminate(out);
}

static uat_err resource(uat_agent *a, const char *token, const char *path, uat_buf *jwe)
{
    const char *p1 = strchr(path, '/');
    const char *p2 = p1 != NULL ? strchr(p1 + 1, '/') : NULL;
    if (p1 == NULL || p2 == NULL || p1 == path || p2 == p1 + 1 || p2[1] == '\0' ||
        strchr(p2 + 1, '/') != NULL) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "path", -1,
                         "a KBS resource path is <repository>/<type>/<tag>");
    }
    char route[UAT_AGENT_MAX_RESOURCE_PATH + 32];
    snprintf(route, sizeof(route), "/kbs/v0/resource/%s", path);
    uat_http_response r;
    UAT_TRY(uat_agent_call(a, "GET", route, token, NULL, NULL, &r));
    json_t *j = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    uat_http_response_free(&r);
    uat_err rc = compact(j, jwe);
    json_decref(j);
    return rc;
}

const uat_agent_proto uat_agent_proto_kbs = {"kbs", attest, resource};
