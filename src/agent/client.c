/* The agent's calls to the attestation service, over the one HTTP client (collateral/fetch.c),
 * and what it reads from the tokens it gets. */
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "core/codec.h"

#define CHECK "agent.service"
#define KBS_ERR "https://github.com/confidential-containers/kbs/errors/"

/* A KBS ErrorInformation type (COMPAT.md A 3.7) as our error, when its detail does not start with
 * one of our names (uattestd's KBS front-end puts it there). */
static uat_err kbs_problem(const char *type, const char *detail)
{
    char name[64];
    size_t n = detail != NULL ? strcspn(detail, ":") : 0;
    if (n > 0 && n < sizeof(name)) {
        memcpy(name, detail, n);
        name[n] = '\0';
        uat_err e = uat_err_from_name(name);
        if (e != UAT_ERR_INTERNAL || strcmp(name, "INTERNAL") == 0) {
            return e;
        }
    }
    static const struct {
        const char *type;
        uat_err e;
    } map[] = {
        {"TokenNotFound", UAT_ERR_USAGE_UNAUTHENTICATED},
        {"PolicyDeny", UAT_ERR_VERIFY_POLICY},
        {"InvalidRequestPath", UAT_ERR_USAGE_NOT_FOUND},
        {"PluginNotFound", UAT_ERR_USAGE_NOT_FOUND},
        {"SerdeError", UAT_ERR_PARSE_BAD_JSON},
        {"TokenVerifierError", UAT_ERR_VERIFY_SIGNATURE},
        {"AttestationError", UAT_ERR_VERIFY_POLICY},
    };
    size_t pl = strlen(KBS_ERR);
    for (size_t i = 0; type != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(type, KBS_ERR, pl) == 0 && strcmp(type + pl, map[i].type) == 0) {
            return map[i].e;
        }
    }
    return UAT_ERR_USAGE_FORBIDDEN;
}

/* The service's refusal as our error (the one table): uattestd's problem JSON {"error",
 * "message","detail"} or a KBS ErrorInformation {"type","detail"}. An answer that is neither (a
 * proxy's page) or a 5xx is IO_NETWORK, which is retried. */
static uat_err refused(const char *route, const uat_http_response *r)
{
    json_t *j = json_loadb((const char *)r->body.p, r->body.len, 0, NULL);
    const char *name = json_string_value(json_object_get(j, "error"));
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    uat_err e = name != NULL   ? uat_err_from_name(name)
                : type != NULL ? kbs_problem(type, detail)
                               : UAT_ERR_IO_NETWORK;
    if (r->status >= 500 || e == UAT_ERR_INTERNAL || e == UAT_OK) {
        e = UAT_ERR_IO_NETWORK;
    }
    const char *why = detail ? detail : msg ? msg : "";
    uat_err rc =
        UAT_FAILF(e, CHECK, route, -1, "the service answered %s with HTTP %ld%s%s%s%s", route,
                  r->status, name ? " " : "", name ? name : "", why[0] ? ": " : "", why);
    json_decref(j);
    return rc;
}

uat_err uat_agent_call(const uat_agent *a, const char *method, const char *route,
                       const char *bearer, const char *cookie, const char *body,
                       uat_http_response *out)
{
    char url[UAT_MAX_PATH_LEN];
    int w = snprintf(url, sizeof(url), "%s%s", a->cfg->service_url, route);
    UAT_ENSURE(w > 0 && (size_t)w < sizeof(url), UAT_ERR_RESOURCE_LIMIT, CHECK, "url", -1);
    char cookie_line[512];
    const char *headers[3] = {NULL, NULL, NULL};
    size_t nh = 0;
    if (body != NULL) {
        headers[nh++] = "Content-Type: application/json";
    }
    if (cookie != NULL) {
        w = snprintf(cookie_line, sizeof(cookie_line), "Cookie: %s", cookie);
        UAT_ENSURE(w > 0 && (size_t)w < sizeof(cookie_line), UAT_ERR_RESOURCE_LIMIT, CHECK,
                   "cookie", -1);
        headers[nh++] = cookie_line;
    }
    size_t n = body != NULL ? strlen(body) : 0;
    uat_err rc = uat_http_request(method, url, bearer, headers, (const uint8_t *)body, n,
                                  UAT_AGENT_MAX_SVC_RESPONSE, out);
    if (rc == UAT_ERR_IO_NETWORK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", uat_last_error()->message);
        return UAT_FAILF(rc, CHECK, route, -1, "the attestation service cannot be reached (%s)",
                         why);
    }
    UAT_TRY(rc);
    rc = out->status == 200 ? uat_buf_terminate(&out->body) : refused(route, out);
    if (rc != UAT_OK) {
        uat_http_response_free(out);
    }
    return rc;
}

uat_err uat_agent_call_json(const uat_agent *a, const char *method, const char *route,
                            const char *cookie, const char *body, json_t **out)
{
    uat_http_response r;
    UAT_TRY(uat_agent_call(a, method, route, NULL, cookie, body, &r));
    *out = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
    uat_http_response_free(&r);
    if (!json_is_object(*out)) {
        json_decref(*out);
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, route, -1,
                         "the service's answer to %s is not a JSON object", route);
    }
    return UAT_OK;
}

uat_err uat_agent_cookie(const uat_http_response *r, const char *name,
                         char out[UAT_AGENT_MAX_COOKIE])
{
    uat_buf h;
    uat_buf_init(&h, UAT_AGENT_MAX_COOKIE);
    uat_err rc = uat_http_header(r, "Set-Cookie", 0, &h);
    const uint8_t *semi = rc == UAT_OK ? memchr(h.p, ';', h.len) : NULL;
    size_t n = rc != UAT_OK ? 0 : semi != NULL ? (size_t)(semi - h.p) : h.len;
    size_t nl = strlen(name);
    int ok = rc == UAT_OK && n > nl + 1 && n < UAT_AGENT_MAX_COOKIE && memcmp(h.p, name, nl) == 0 &&
             h.p[nl] == '=';
    if (ok) {
        memcpy(out, h.p, n);
        out[n] = '\0';
    }
    uat_buf_free(&h);
    return ok ? UAT_OK
              : UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "Set-Cookie", -1,
                          "the service answered without a %s cookie", name);
}

/* ---- tokens ---- */

/* spec: RFC 7519 §7.2: the claims are the base64url JSON between the first and second dot. */
static uat_err unverified_claims(const char *token, char **out)
{
    const char *p = strchr(token, '.');
    const char *q = p != NULL ? strchr(p + 1, '.') : NULL;
    UAT_ENSURE(q != NULL, UAT_ERR_PARSE_BAD_VALUE, CHECK, "token", -1);
    uat_buf b;
    uat_buf_init(&b, UAT_AGENT_MAX_TOKEN);
    uat_err rc = uat_b64_decode(p + 1, (size_t)(q - p - 1), UAT_B64_URL, &b);
    rc = rc == UAT_OK ? uat_buf_terminate(&b) : rc;
    if (rc == UAT_OK) {
        size_t n = 0;
        uat_buf_take(&b, (uint8_t **)out, &n);
    }
    uat_buf_free(&b);
    return rc != UAT_OK ? UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "token", -1,
                                    "the token's claims are not base64url")
                        : UAT_OK;
}

static uat_err claims_of(const uat_agent *a, const char *token, char **out)
{
    if (a->cfg->jwks_url == NULL) {
        return unverified_claims(token, out);
    }
    uat_http_response r;
    UAT_TRY(uat_http_get(a->cfg->jwks_url, UAT_AGENT_MAX_SVC_RESPONSE, &r));
    uat_err rc = uat_buf_terminate(&r.body);
    rc = rc == UAT_OK ? uat_token_verify(token, (const char *)r.body.p, uat_time_now(), out) : rc;
    uat_http_response_free(&r);
    return rc;
}

/* The first submodule's ear.status (draft-ietf-rats-ear §3): what the token says of the TEE. */
static const char *ear_status(json_t *claims)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(claims, "submods"), k, v)
    {
        const char *s = json_string_value(json_object_get(v, "ear.status"));
        if (s != NULL) {
            return s;
        }
    }
    return "";
}

uat_err uat_agent_token_read(const uat_agent *a, uat_agent_issued *out)
{
    UAT_ENSURE(out->token != NULL && strlen(out->token) <= UAT_AGENT_MAX_TOKEN,
               UAT_ERR_RESOURCE_LIMIT, CHECK, "token", -1);
    char *text = NULL;
    UAT_TRY(claims_of(a, out->token, &text));
    json_t *c = json_loads(text, 0, NULL);
    free(text);
    json_t *e = json_object_get(c, "exp"), *i = json_object_get(c, "iat");
    int ok = json_is_integer(e) && json_is_integer(i);
    out->exp = ok ? (int64_t)json_integer_value(e) : 0;
    out->iat = ok ? (int64_t)json_integer_value(i) : 0;
    if (out->status[0] == '\0') {
        snprintf(out->status, sizeof(out->status), "%s", ear_status(c));
    }
    json_decref(c);
    if (!ok || out->exp <= out->iat) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "exp", -1,
                         "the token has no iat and exp (exp after iat): it cannot be cached");
    }
    return UAT_OK;
}
