/* service.kind "uattestd": the /v1 flow of docs/service.md. POST /v1/challenge -> evidence bound
 * to SHA-256(nonce || runtime data) (DESIGN.md §4), the runtime data being {"jwk": <the agent's
 * public key>} -> POST /v1/attest -> EAR token; GET /v1/resources/{path} with it -> compact JWE. */
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "core/codec.h"

#define CHECK "agent.service"

static uat_err attest_body(uat_agent *a, const char *nonce, char **out)
{
    uint8_t *cmw = NULL;
    size_t n = 0;
    const char *rd = a->runtime_data;
    UAT_TRY(uat_agent_evidence(a, (const uint8_t *)nonce, strlen(nonce), (const uint8_t *)rd,
                               strlen(rd), &cmw, &n));
    json_t *ev = json_loadb((const char *)cmw, n, 0, NULL);
    free(cmw);
    uat_buf b64;
    uat_buf_init(&b64, 2 * UAT_AGENT_MAX_RUNTIME);
    uat_err rc = ev != NULL ? uat_b64_encode((const uint8_t *)rd, strlen(rd), UAT_B64_URL, &b64)
                            : UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "evidence", -1);
    json_t *body = rc == UAT_OK ? json_pack("{s:o,s:s,s:s}", "evidence", ev, "nonce", nonce,
                                            "runtime_data", (const char *)b64.p)
                                : NULL;
    ev = rc == UAT_OK ? NULL : ev; /* "o" took it */
    json_decref(ev);
    uat_buf_free(&b64);
    if (rc == UAT_OK && body != NULL && a->cfg->policy_id != NULL) {
        json_object_set_new(body, "policy_id", json_string(a->cfg->policy_id));
    }
    *out = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return rc != UAT_OK ? rc : *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err attest(uat_agent *a, uat_agent_issued *out)
{
    json_t *ch = NULL;
    UAT_TRY(uat_agent_call_json(a, "POST", "/v1/challenge", NULL, NULL, &ch));
    const char *nonce = json_string_value(json_object_get(ch, "nonce"));
    char *body = NULL;
    uat_err rc = nonce != NULL ? attest_body(a, nonce, &body)
                               : UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "nonce", -1,
                                           "the service's challenge has no nonce");
    json_decref(ch);
    UAT_TRY(rc);
    json_t *res = NULL;
    rc = uat_agent_call_json(a, "POST", "/v1/attest", NULL, body, &res);
    free(body);
    UAT_TRY(rc);
    const char *tok = json_string_value(json_object_get(res, "token"));
    const char *status = json_string_value(json_object_get(res, "status"));
    memset(out, 0, sizeof(*out));
    snprintf(out->status, sizeof(out->status), "%s", status ? status : "");
    out->token = tok != NULL ? strdup(tok) : NULL;
    json_decref(res);
    UAT_ENSURE(out->token != NULL, UAT_ERR_IO_NETWORK, CHECK, "token", -1);
    return UAT_OK;
}

static uat_err resource(uat_agent *a, const char *token, const char *path, uat_buf *jwe)
{
    char route[UAT_AGENT_MAX_RESOURCE_PATH + 32];
    snprintf(route, sizeof(route), "/v1/resources/%s", path);
    uat_http_response r;
    UAT_TRY(uat_agent_call(a, "GET", route, token, NULL, NULL, &r));
    size_t n = r.body.len;
    while (n > 0 && (r.body.p[n - 1] == '\n' || r.body.p[n - 1] == '\r')) {
        n--;
    }
    uat_err rc = uat_buf_append(jwe, r.body.p, n);
    rc = rc == UAT_OK ? uat_buf_terminate(jwe) : rc;
    uat_http_response_free(&r);
    return rc;
}

const uat_agent_proto uat_agent_proto_uattestd = {"uattestd", attest, resource};
