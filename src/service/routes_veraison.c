/* Veraison challenge-response v1 (../shared/COMPAT.md part B, docs/compat.md): newSession ->
 * evidence POST by media type -> EAR JWT, with the same verifiers, appraisal and token keys as /v1.
 * The session nonce is the evidence's report data, zero-padded to 64 bytes (what Trustee's
 * relying-party mode expects of a Veraison verifier). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "service/routes.h"
#include "service/session.h"

#define CHECK "veraison"
#define KIND "veraison"
#define VRS_PREFIX "/challenge-response/v1/session/"
#define VRS_TYPE "application/vnd.veraison.challenge-response-session+json"
#define VRS_MIN_NONCE 8u  /* spec: veraison/docs challenge-response.yaml nonceSize 8..64 */
#define VRS_MAX_NONCE 64u

static uat_err nonce_from_query(const uat_http_req *rq, uat_buf *nonce)
{
    const char *given = uat_http_query(rq, "nonce");
    const char *size = uat_http_query(rq, "nonceSize");
    UAT_ENSURE(given == NULL || size == NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "nonce, nonceSize", -1);
    if (given != NULL) {
        size_t n = strlen(given);
        uat_err rc = strpbrk(given, "+/=") != NULL ? uat_b64_decode(given, n, UAT_B64_STD, nonce)
                                                   : uat_b64_decode(given, n, UAT_B64_URL, nonce);
        UAT_ENSURE(rc == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "nonce", -1);
    } else {
        char *end = NULL;
        long n = size != NULL ? strtol(size, &end, 10) : 32;
        UAT_ENSURE(size == NULL || (end != size && *end == '\0'), UAT_ERR_USAGE_INVALID_ARGUMENT,
                   CHECK, "nonceSize", -1);
        UAT_ENSURE(n >= (long)VRS_MIN_NONCE && n <= (long)VRS_MAX_NONCE,
                   UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonceSize", -1);
        uint8_t r[VRS_MAX_NONCE];
        UAT_TRY(uat_random(r, (size_t)n));
        UAT_TRY(uat_buf_append(nonce, r, (size_t)n));
    }
    if (nonce->len < VRS_MIN_NONCE || nonce->len > VRS_MAX_NONCE) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonce", -1,
                         "a nonce has %u to %u bytes", VRS_MIN_NONCE, VRS_MAX_NONCE);
    }
    return UAT_OK;
}

/* The media types of every TEE in the registry: the evidence types a session accepts. */
static json_t *accepted(void)
{
    json_t *a = json_array();
    for (size_t k = 0; a != NULL && uat_tee_name(k) != NULL; k++) {
        json_array_append_new(a, json_string(uat_tee_media_type(k)));
    }
    return a;
}

static void session_reply(uat_http_resp *rs, int status, json_t *state)
{
    uat_http_json(rs, status, json_incref(state));
    rs->content_type = VRS_TYPE;
}

/* ---- POST /challenge-response/v1/newSession ---- */

static uat_err new_session(uat_svc *s, const uat_http_req *rq, char id[UAT_SESSION_ID_LEN + 1],
                           json_t **state)
{
    uat_buf nonce, b64;
    uat_buf_init(&nonce, VRS_MAX_NONCE);
    uat_buf_init(&b64, 2 * VRS_MAX_NONCE);
    int64_t now = uat_time_now(), expires = now + s->cfg->nonce_ttl;
    char when[32];
    uat_err rc = nonce_from_query(rq, &nonce);
    rc = rc == UAT_OK ? uat_b64_encode(nonce.p, nonce.len, UAT_B64_STD, &b64) : rc;
    rc = rc == UAT_OK ? uat_time_format(expires, when) : rc;
    rc = rc == UAT_OK ? uat_session_id(id) : rc;
    if (rc == UAT_OK) {
        *state = json_pack("{s:s%,s:s,s:o,s:s}", "nonce", (const char *)b64.p, b64.len, "expiry",
                           when, "accept", accepted(), "status", "waiting");
        rc = *state != NULL ? uat_sessions_put(s->sessions, KIND, id, *state, expires, now)
                            : UAT_NOMEM(CHECK);
    }
    uat_buf_free(&nonce);
    uat_buf_free(&b64);
    return rc;
}

void uat_route_vrs_new(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    char sid[UAT_SESSION_ID_LEN + 1];
    json_t *state = NULL;
    uat_err rc = new_session(s, rq, sid, &state);
    if (rc != UAT_OK) {
        json_decref(state);
        uat_http_error(rs, rc);
        return;
    }
    session_reply(rs, 201, state);
    json_decref(state);
    snprintf(rs->location, sizeof(rs->location), VRS_PREFIX "%s", sid);
}

/* ---- POST /challenge-response/v1/session/{id} ---- */

/* The Content-Type without parameters, when it is one a session accepts. */
static uat_err media_type(const uat_http_req *rq, const json_t *accept, char *out, size_t cap)
{
    const char *ct = rq->content_type;
    size_t n = ct != NULL ? strcspn(ct, "; ") : 0;
    UAT_ENSURE(n > 0 && n < cap, UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "Content-Type", -1);
    memcpy(out, ct, n);
    out[n] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(accept, i, v)
    {
        if (strcasecmp(json_string_value(v), out) == 0) {
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "Content-Type", -1,
                     "evidence of type %.100s is not accepted (see the session's \"accept\")", out);
}

typedef struct vrs_job {
    json_t *state;
    int64_t expires_at, now;
    char type[128];
    uat_buf nonce, evidence, value;
    uat_claims *claims;
    uat_ear *ear;
    char *jwt;
} vrs_job;

static uat_err submit(uat_svc *s, const uat_http_req *rq, const char *id, vrs_job *j)
{
    uint8_t bind[UAT_REPORT_DATA_SIZE] = {0};
    j->now = uat_time_now();
    UAT_TRY(uat_sessions_get(s->sessions, KIND, id, j->now, &j->state, &j->expires_at));
    UAT_ENSURE(strcmp(json_string_value(json_object_get(j->state, "status")), "waiting") == 0,
               UAT_ERR_USAGE_BAD_STATE, CHECK, "status", -1);
    UAT_TRY(media_type(rq, json_object_get(j->state, "accept"), j->type, sizeof(j->type)));
    UAT_ENSURE(rq->body_len > 0, UAT_ERR_PARSE_TRUNCATED, CHECK, "evidence", 0);
    const json_t *n = json_object_get(j->state, "nonce");
    UAT_TRY(uat_b64_decode(json_string_value(n), json_string_length(n), UAT_B64_STD, &j->nonce));
    memcpy(bind, j->nonce.p, j->nonce.len); /* at most 64 bytes (nonce_from_query) */
    /* the body is the evidence of that media type: a CMW record names it for the registry */
    UAT_TRY(uat_b64_encode(rq->body, rq->body_len, UAT_B64_URL, &j->value));
    json_t *rec = json_pack("[ss%]", j->type, (const char *)j->value.p, j->value.len);
    char *text = rec != NULL ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    uat_err rc = text != NULL ? uat_buf_append_str(&j->evidence, text) : UAT_NOMEM(CHECK);
    free(text);
    UAT_TRY(rc);
    char spend[64];
    snprintf(spend, sizeof(spend), "veraison:%s", id);
    uat_attest_in in = {j->evidence.p, j->evidence.len, bind,     j->nonce.p, j->nonce.len,
                        NULL,          NULL,            spend,    j->expires_at, j->now, NULL};
    UAT_TRY(uat_attest_evidence(s, &in, &j->claims, &j->ear));
    return uat_attest_sign(s, &in, j->ear, NULL, j->now, &j->jwt);
}

void uat_route_vrs_post(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    vrs_job j;
    memset(&j, 0, sizeof(j));
    uat_buf_init(&j.nonce, VRS_MAX_NONCE);
    uat_buf_init(&j.evidence, 2 * UAT_SVC_MAX_BODY);
    uat_buf_init(&j.value, 2 * UAT_SVC_MAX_BODY);
    uat_err rc = submit(s, rq, id, &j);
    if (j.claims != NULL) {
        snprintf(rs->tee, sizeof(rs->tee), "%s", uat_claims_tee(j.claims));
    }
    int waited = j.state != NULL && rc != UAT_ERR_USAGE_BAD_STATE &&
                 uat_err_category(rc) != UAT_CAT_USAGE && rc != UAT_ERR_UNSUPPORTED_FEATURE;
    if (rc == UAT_OK || waited) { /* the evidence was processed: the session is over */
        json_object_set_new(j.state, "status", json_string(rc == UAT_OK ? "complete" : "failed"));
        json_object_set_new(j.state, "evidence",
                            json_pack("{s:s,s:s%}", "type", j.type, "value",
                                      (const char *)j.value.p, j.value.len));
        if (rc == UAT_OK) {
            json_object_set_new(j.state, "result", json_string(j.jwt));
        } else {
            json_object_set_new(j.state, "error", json_string(uat_err_name(rc)));
        }
        uat_err put = uat_sessions_put(s->sessions, KIND, id, j.state, j.expires_at, j.now);
        rc = rc == UAT_OK ? put : rc;
    }
    if (rc == UAT_OK) {
        session_reply(rs, 200, j.state);
    } else {
        uat_attest_error(rs, rc, j.ear);
    }
    free(j.jwt);
    uat_ear_free(j.ear);
    uat_claims_free(j.claims);
    uat_buf_free(&j.value);
    uat_buf_free(&j.evidence);
    uat_buf_free(&j.nonce);
    json_decref(j.state);
}

/* ---- GET and DELETE /challenge-response/v1/session/{id} ---- */

void uat_route_vrs_get(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    json_t *state = NULL;
    int64_t exp = 0;
    uat_err rc = uat_sessions_get(s->sessions, KIND, id, uat_time_now(), &state, &exp);
    if (rc != UAT_OK) {
        uat_http_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, CHECK, "no such session (or expired)");
        return;
    }
    session_reply(rs, 200, state);
    json_decref(state);
}

void uat_route_vrs_del(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)rq;
    uat_err rc = uat_sessions_del(s->sessions, KIND, id);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    uat_http_text(rs, 204, "application/json", "", 0);
}
