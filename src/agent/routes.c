/* The agent's routes (docs/agent.md): evidence, token, resource, seal, unseal, health. */
#include <stdlib.h>
#include <string.h>

#include "agent/routes.h"
#include "core/codec.h"

#define CHECK "agent.request"

/* ---- responses ---- */

static void text(uat_agent_resp *r, int status, const char *type, const void *p, size_t n)
{
    r->status = status;
    r->content_type = type;
    r->body.len = 0;
    if (uat_buf_append(&r->body, p, n) != UAT_OK) {
        static const char nomem[] = "{\"error\":\"RESOURCE_NO_MEMORY\"}";
        r->status = 500;
        r->content_type = "application/problem+json";
        r->body.len = 0;
        if (uat_buf_append(&r->body, nomem, sizeof(nomem) - 1) != UAT_OK) {
            r->body.len = 0; /* an empty 500 */
        }
    }
}

static void json(uat_agent_resp *r, int status, json_t *doc)
{
    char *t = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (t == NULL) {
        uat_agent_error_detail(r, UAT_ERR_RESOURCE_NO_MEMORY, NULL, NULL);
        return;
    }
    text(r, status, "application/json", t, strlen(t));
    uat_wipe(t, strlen(t)); /* may hold a token or unsealed data */
    free(t);
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

void uat_agent_error_detail(uat_agent_resp *r, uat_err e, const char *check, const char *detail)
{
    json_t *doc =
        json_pack("{s:s,s:s,s:o,s:o}", "error", uat_err_name(e), "message", uat_err_message(e),
                  "check", str_or_null(check), "detail", str_or_null(detail));
    char *t = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    text(r, uat_err_http_status(e), "application/problem+json", t ? t : "{}", t ? strlen(t) : 2);
    free(t);
    snprintf(r->error, sizeof(r->error), "%s", uat_err_name(e));
}

void uat_agent_error(uat_agent_resp *r, uat_err e)
{
    const uat_error_detail *d = uat_last_error();
    if (d->err != e) {
        uat_agent_error_detail(r, e, NULL, NULL);
        return;
    }
    char detail[300] = "";
    if (d->message[0] != '\0') {
        snprintf(detail, sizeof(detail), "%s", d->message);
    } else if (d->field != NULL && d->field[0] != '\0') {
        snprintf(detail, sizeof(detail), "field %s", d->field);
    }
    uat_agent_error_detail(r, e, d->check, detail);
}

/* ---- request bodies ---- */

/* The body as a JSON object with only the given members. */
static uat_err body_object(const uat_agent_req *rq, const char *const *allowed, json_t **out)
{
    json_error_t je;
    json_t *j = rq->body_len > 0
                    ? json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je)
                    : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1, "the body must be a JSON object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], k) != 0) {
            i++;
        }
        if (allowed[i] == NULL) {
            json_decref(j);
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1, "unknown member in the body");
        }
    }
    (void)v;
    *out = j;
    return UAT_OK;
}

/* A string member decoded from base64url into out (absent: required ? error : empty). */
static uat_err b64_member(json_t *o, const char *name, int required, uat_buf *out)
{
    json_t *v = json_object_get(o, name);
    if (v == NULL && !required) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, CHECK, name, -1);
    if (uat_b64_decode(json_string_value(v), json_string_length(v), UAT_B64_URL, out) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, CHECK, name, -1,
                         "%s is not base64url or is too long", name);
    }
    return UAT_OK;
}

/* ---- POST /evidence {"nonce": text, "runtime_data"?: base64url} ---- */

static uat_err evidence(uat_agent *a, const uat_agent_req *rq, uat_agent_resp *rs)
{
    static const char *const allowed[] = {"nonce", "runtime_data", NULL};
    json_t *j = NULL;
    UAT_TRY(body_object(rq, allowed, &j));
    json_t *nonce = json_object_get(j, "nonce");
    size_t nl = json_string_length(nonce);
    uat_buf rd;
    uat_buf_init(&rd, UAT_AGENT_MAX_RUNTIME);
    uat_err rc = json_is_string(nonce) && nl > 0 && nl <= UAT_AGENT_MAX_NONCE
                     ? b64_member(j, "runtime_data", 0, &rd)
                     : UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonce", -1,
                                 "nonce is a string of 1 to %u characters", UAT_AGENT_MAX_NONCE);
    uint8_t *cmw = NULL;
    size_t n = 0;
    if (rc == UAT_OK) {
        rc = uat_agent_evidence(a, (const uint8_t *)json_string_value(nonce), nl, rd.p, rd.len,
                                &cmw, &n);
    }
    if (rc == UAT_OK) {
        text(rs, 200, "application/cmw+json", cmw, n);
    }
    free(cmw);
    uat_buf_free(&rd);
    json_decref(j);
    return rc;
}

/* ---- GET /token ---- */

static uat_err token(uat_agent *a, uat_agent_resp *rs)
{
    char *tok = NULL, *status = NULL, when[32] = "";
    int64_t exp = 0;
    UAT_TRY(uat_agent_token(a, &tok, &status, &exp));
    uat_err rc = uat_time_format(exp, when);
    if (rc == UAT_OK) {
        json(rs, 200,
             json_pack("{s:s,s:s,s:s}", "token", tok, "status", status, "expires_at", when));
    }
    uat_wipe(tok, strlen(tok));
    free(tok);
    free(status);
    return rc;
}

/* ---- GET /resource/{path} ---- */

static uat_err resource(uat_agent *a, const char *path, uat_agent_resp *rs)
{
    uat_buf pt;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    uat_err rc = uat_agent_resource(a, path, &pt);
    if (rc == UAT_OK) {
        text(rs, 200, "application/octet-stream", pt.p, pt.len);
    }
    uat_buf_free(&pt);
    return rc;
}

/* ---- POST /seal {"data": base64url} -> {"sealed": JWE}; POST /unseal the other way ---- */

static uat_err seal(uat_agent *a, const uat_agent_req *rq, uat_agent_resp *rs)
{
    static const char *const allowed[] = {"data", NULL};
    json_t *j = NULL;
    UAT_TRY(body_object(rq, allowed, &j));
    uat_buf pt;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    char *jwe = NULL;
    uat_err rc = b64_member(j, "data", 1, &pt);
    rc = rc == UAT_OK ? uat_agent_seal(a, pt.p, pt.len, &jwe) : rc;
    if (rc == UAT_OK) {
        json(rs, 200, json_pack("{s:s}", "sealed", jwe));
    }
    free(jwe);
    uat_buf_free(&pt);
    json_decref(j);
    return rc;
}

static uat_err unseal(uat_agent *a, const uat_agent_req *rq, uat_agent_resp *rs)
{
    static const char *const allowed[] = {"sealed", NULL};
    json_t *j = NULL;
    UAT_TRY(body_object(rq, allowed, &j));
    json_t *s = json_object_get(j, "sealed");
    uat_buf pt, b64;
    uat_buf_init(&pt, UAT_JWE_MAX_PLAINTEXT);
    uat_buf_init(&b64, 2 * UAT_JWE_MAX_PLAINTEXT);
    uat_err rc = json_is_string(s)
                     ? uat_agent_unseal(a, json_string_value(s), json_string_length(s), &pt)
                     : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "sealed", -1);
    rc = rc == UAT_OK ? uat_b64_encode(pt.p, pt.len, UAT_B64_URL, &b64) : rc;
    if (rc == UAT_OK) {
        json(rs, 200, json_pack("{s:s}", "data", (const char *)b64.p));
    }
    uat_buf_free(&b64);
    uat_buf_free(&pt);
    json_decref(j);
    return rc;
}

static uat_err healthz(uat_agent *a, uat_agent_resp *rs)
{
    json(rs, 200, json_pack("{s:s,s:s}", "status", "ok", "tee", uat_attester_tee(a->attester)));
    return UAT_OK;
}

/* ---- dispatch ---- */

const char *uat_agent_route(uat_agent *a, const uat_agent_req *rq, uat_agent_resp *rs)
{
    static const char res_prefix[] = "/resource/";
    const char *p = rq->path;
    int get = strcmp(rq->method, "GET") == 0, post = strcmp(rq->method, "POST") == 0;
    const char *name = NULL;
    int method_ok = 0;
    uat_err rc = UAT_OK;
    if (strcmp(p, "/evidence") == 0) {
        name = "evidence", method_ok = post;
        rc = post ? evidence(a, rq, rs) : rc;
    } else if (strcmp(p, "/token") == 0) {
        name = "token", method_ok = get;
        rc = get ? token(a, rs) : rc;
    } else if (strncmp(p, res_prefix, sizeof(res_prefix) - 1) == 0) {
        name = "resource", method_ok = get;
        rc = get ? resource(a, p + sizeof(res_prefix) - 1, rs) : rc;
    } else if (strcmp(p, "/seal") == 0) {
        name = "seal", method_ok = post;
        rc = post ? seal(a, rq, rs) : rc;
    } else if (strcmp(p, "/unseal") == 0) {
        name = "unseal", method_ok = post;
        rc = post ? unseal(a, rq, rs) : rc;
    } else if (strcmp(p, "/healthz") == 0) {
        name = "healthz", method_ok = get;
        rc = get ? healthz(a, rs) : rc;
    } else {
        uat_agent_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, CHECK, "no such route");
        return "unknown";
    }
    if (!method_ok) {
        uat_agent_error_detail(rs, UAT_ERR_USAGE_METHOD, CHECK, NULL);
    } else if (rc != UAT_OK) {
        uat_agent_error(rs, rc);
    }
    return name;
}
