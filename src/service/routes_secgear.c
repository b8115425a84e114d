/* openEuler secGear attestation service routes (../shared/COMPAT.md part C §1, docs/compat.md):
 * GET /challenge -> POST /attestation -> a JWT, with the same verifiers, appraisal, token keys and
 * used-nonce table as /v1.
 *
 * The challenge is base64url-nopad(32 random bytes || user_data); the evidence must carry its
 * decoded bytes as report data, zero-padded to 64 bytes (what secGear's verifiers compare). Unlike
 * secGear, every challenge is checked (with or without the as-challenge header and the cookie) and
 * spent: the session is keyed by a hash of the challenge, and that key is also the cookie. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "service/routes.h"
#include "service/session.h"

#define CHECK "secgear"
#define KIND "secgear"
#define SG_COOKIE "oeas-session-id"
#define SG_RANDOM 32u    /* spec: SG restapi/mod.rs: 32 random bytes */
#define SG_USER_DATA 32u /* spec: SG restapi/mod.rs: user_data <= 32 bytes */

/* secGear `tee` names (TeeType::from_str, lower-cased) -> registry TEEs, and where the TEE's
 * evidence sits in secGear's per-TEE evidence string (SG attestation-types/src/lib.rs). Any other
 * name is taken as a registry TEE name whose evidence string is a CMW (JSON text) or the base64
 * of raw evidence: how `sim` and every TEE without a secGear attester travel. */
enum sg_shape {
    SG_REPORT_TEXT, /* {"report": "<report JSON text>", "ima_log": null} */
    SG_UNSUPPORTED, /* a secGear format this front-end does not take (docs/compat.md) */
};
static const struct {
    const char *sg;
    const char *tee;
    enum sg_shape shape;
} sg_tees[] = {
    {"itrustee", "itrustee", SG_REPORT_TEXT}, {"virtcca", "virtcca", SG_UNSUPPORTED},
    {"vcca", "virtcca", SG_UNSUPPORTED},      {"cca", "cca", SG_UNSUPPORTED},
    {"rustcca", "cca", SG_UNSUPPORTED},
};

/* The registry TEE named tee (case-insensitive, as secGear lower-cases names): *tee becomes the
 * registry's spelling; NULL when this build has no such TEE. */
static const char *media_type_of(const char **tee)
{
    for (size_t k = 0; uat_tee_name(k) != NULL; k++) {
        if (strcasecmp(uat_tee_name(k), *tee) == 0) {
            *tee = uat_tee_name(k);
            return uat_tee_media_type(k);
        }
    }
    return NULL;
}

const char *uat_sg_registry_tee(const char *name)
{
    const char *tee = name;
    for (size_t i = 0; i < sizeof(sg_tees) / sizeof(sg_tees[0]); i++) {
        if (strcasecmp(name, sg_tees[i].sg) == 0) {
            tee = sg_tees[i].tee;
        }
    }
    return media_type_of(&tee) != NULL ? tee : NULL;
}

/* The session key of a challenge: hex(SHA-256(challenge text))[0:32]. */
static uat_err session_key(const char *challenge, size_t n, char id[UAT_SESSION_ID_LEN + 1])
{
    uint8_t h[64];
    uat_span part = uat_span_of((const uint8_t *)challenge, n);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, h));
    for (size_t i = 0; i < UAT_SESSION_ID_LEN / 2; i++) {
        snprintf(id + 2 * i, 3, "%02x", h[i]);
    }
    return UAT_OK;
}

/* ---- GET /challenge ---- */

/* optional {"user_data": [u8, ...]} (<= 32 numbers 0..255); GET carries a body in secGear */
static uat_err user_data(const uat_http_req *rq, uint8_t *out, size_t *n)
{
    static const char *const names[] = {"user_data", NULL};
    *n = 0;
    if (rq->body_len == 0 || (rq->body_len == 4 && memcmp(rq->body, "null", 4) == 0)) {
        return UAT_OK;
    }
    json_t *body = NULL;
    UAT_TRY(uat_http_body_object(rq, &body));
    uat_err rc = uat_json_only_members(body, names, "http.body", "");
    const json_t *ud = json_object_get(body, "user_data");
    if (rc == UAT_OK && ud != NULL && !json_is_null(ud)) {
        rc = json_is_array(ud) && json_array_size(ud) <= SG_USER_DATA
                 ? UAT_OK
                 : UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "user_data", -1,
                             "user_data is an array of at most %u byte values", SG_USER_DATA);
        size_t i;
        json_t *v;
        json_array_foreach(ud, i, v)
        {
            json_int_t b = json_integer_value(v);
            if (rc == UAT_OK && (!json_is_integer(v) || b < 0 || b > 255)) {
                rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "user_data", -1,
                               "user_data[%zu] is not a byte value", i);
            }
            if (rc == UAT_OK) {
                out[(*n)++] = (uint8_t)b;
            }
        }
    }
    json_decref(body);
    return rc;
}

static uat_err challenge(uat_svc *s, const uat_http_req *rq, uat_buf *text,
                         char id[UAT_SESSION_ID_LEN + 1])
{
    uint8_t raw[SG_RANDOM + SG_USER_DATA];
    size_t n = 0;
    UAT_TRY(user_data(rq, raw + SG_RANDOM, &n));
    UAT_TRY(uat_random(raw, SG_RANDOM));
    UAT_TRY(uat_b64_encode(raw, SG_RANDOM + n, UAT_B64_URL, text));
    UAT_TRY(session_key((const char *)text->p, text->len, id));
    int64_t now = uat_time_now();
    json_t *state = json_pack("{s:s%}", "challenge", (const char *)text->p, text->len);
    uat_err rc = state != NULL
                     ? uat_sessions_put(s->sessions, KIND, id, state, now + s->cfg->nonce_ttl, now)
                     : UAT_NOMEM(CHECK);
    json_decref(state);
    return rc;
}

void uat_route_sg_challenge(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    uat_buf text;
    uat_buf_init(&text, 2 * (SG_RANDOM + SG_USER_DATA));
    char sid[UAT_SESSION_ID_LEN + 1];
    uat_err rc = challenge(s, rq, &text, sid);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
    } else {
        /* the body is a JSON string (actix web::Json), as secGear's agent parses it; base64url
         * needs no escaping */
        char quoted[2 * (SG_RANDOM + SG_USER_DATA) + 3];
        int qn = snprintf(quoted, sizeof(quoted), "\"%.*s\"", (int)text.len, (const char *)text.p);
        uat_http_text(rs, 200, "application/json", quoted, (size_t)qn);
        snprintf(rs->set_cookie, sizeof(rs->set_cookie), SG_COOKIE "=%s; Path=/; Max-Age=%ld", sid,
                 (long)s->cfg->nonce_ttl);
    }
    uat_buf_free(&text);
}

/* ---- POST /attestation ---- */

typedef struct sg_job {
    json_t *body, *envelope, *state;
    char sid[UAT_SESSION_ID_LEN + 1];
    const char *tee; /* the registry TEE the envelope names */
    int secgear;     /* the envelope uses a secGear TEE name (and its evidence shape) */
    int64_t expires_at, now;
    uat_buf chal, env, evidence;
    uat_claims *claims;
    uat_ear *ear;
    char *jwt;
} sg_job;

/* {"challenge": s, "evidence": b64url(JSON envelope), "policy_id": [s] | null} */
static uat_err parse_request(const uat_http_req *rq, sg_job *j)
{
    static const char *const names[] = {"challenge", "evidence", "policy_id", NULL};
    UAT_TRY(uat_http_body_object(rq, &j->body));
    UAT_TRY(uat_json_only_members(j->body, names, "http.body", ""));
    const json_t *c = json_object_get(j->body, "challenge");
    const json_t *e = json_object_get(j->body, "evidence");
    const json_t *p = json_object_get(j->body, "policy_id");
    UAT_ENSURE(json_is_string(c), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "challenge", -1);
    UAT_ENSURE(json_is_string(e), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "evidence", -1);
    UAT_ENSURE(p == NULL || json_is_null(p) || json_is_array(p), UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "policy_id", -1);
    if (json_array_size(p) > 1 ||
        (json_array_size(p) == 1 && !json_is_string(json_array_get(p, 0)))) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "policy_id", -1,
                         "policy_id names at most one stored appraisal policy");
    }
    return UAT_OK;
}

/* The challenge must be one this service issued and has not spent; a cookie, when sent, must be
 * the challenge's own session. */
static uat_err check_challenge(uat_svc *s, const uat_http_req *rq, sg_job *j,
                               uint8_t bind[UAT_REPORT_DATA_SIZE])
{
    const json_t *c = json_object_get(j->body, "challenge");
    UAT_TRY(session_key(json_string_value(c), json_string_length(c), j->sid));
    uat_err rc = uat_sessions_get(s->sessions, KIND, j->sid, j->now, &j->state, &j->expires_at);
    UAT_ENSURE(rc == UAT_OK, UAT_ERR_VERIFY_NONCE, CHECK, "challenge", -1);
    const json_t *want = json_object_get(j->state, "challenge");
    UAT_ENSURE(json_equal(c, want), UAT_ERR_VERIFY_NONCE, CHECK, "challenge", -1);
    char cookie[UAT_SESSION_ID_LEN + 2];
    if (uat_http_cookie(rq, SG_COOKIE, cookie, sizeof(cookie)) != NULL) {
        UAT_ENSURE(strlen(cookie) == UAT_SESSION_ID_LEN &&
                       uat_ct_equal(cookie, j->sid, UAT_SESSION_ID_LEN),
                   UAT_ERR_VERIFY_NONCE, CHECK, "Cookie " SG_COOKIE, -1);
    }
    UAT_TRY(uat_b64_decode(json_string_value(c), json_string_length(c), UAT_B64_URL, &j->chal));
    UAT_ENSURE(j->chal.len <= UAT_REPORT_DATA_SIZE, UAT_ERR_VERIFY_NONCE, CHECK, "challenge", -1);
    memset(bind, 0, UAT_REPORT_DATA_SIZE);
    memcpy(bind, j->chal.p, j->chal.len);
    return UAT_OK;
}

/* {"tee": s, "evidence": s} (SG attestation-types/src/lib.rs) -> the registry TEE and a CMW. */
static uat_err unwrap_envelope(sg_job *j)
{
    static const char *const names[] = {"tee", "evidence", NULL};
    const json_t *e = json_object_get(j->body, "evidence");
    uat_err rc = uat_b64_decode(json_string_value(e), json_string_length(e), UAT_B64_URL, &j->env);
    UAT_ENSURE(rc == UAT_OK, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "evidence", -1);
    j->envelope = json_loadb((const char *)j->env.p, j->env.len, JSON_REJECT_DUPLICATES, NULL);
    UAT_ENSURE(json_is_object(j->envelope), UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence", -1);
    UAT_TRY(uat_json_only_members(j->envelope, names, "secgear.evidence", ""));
    const char *tee = json_string_value(json_object_get(j->envelope, "tee"));
    const json_t *inner = json_object_get(j->envelope, "evidence");
    UAT_ENSURE(tee != NULL, UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence.tee", -1);
    UAT_ENSURE(json_is_string(inner), UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence.evidence", -1);
    for (size_t i = 0; i < sizeof(sg_tees) / sizeof(sg_tees[0]); i++) {
        if (strcasecmp(tee, sg_tees[i].sg) == 0) {
            j->tee = sg_tees[i].tee;
            j->secgear = 1;
            if (sg_tees[i].shape == SG_UNSUPPORTED) {
                return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "evidence.tee", -1,
                                 "secGear %s evidence is not accepted: send a CMW with tee \"%s\"",
                                 sg_tees[i].sg, sg_tees[i].tee);
            }
            return UAT_OK;
        }
    }
    j->tee = tee;
    return UAT_OK;
}

/* The evidence bytes handed to the shared attest path. */
static uat_err evidence_of(sg_job *j)
{
    const char *media = media_type_of(&j->tee);
    if (media == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, CHECK, "evidence.tee", -1,
                         "this verifier has no TEE named %.64s", j->tee);
    }
    const json_t *inner = json_object_get(j->envelope, "evidence");
    const char *text = json_string_value(inner);
    size_t n = json_string_length(inner);
    if (j->secgear) { /* SG_REPORT_TEXT: {"report": "<JSON text>", "ima_log": null} */
        static const char *const names[] = {"report", "ima_log", NULL};
        json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
        const json_t *report = json_object_get(doc, "report");
        const json_t *ima = json_object_get(doc, "ima_log");
        uat_err rc = json_is_object(doc) && json_is_string(report)
                         ? uat_json_only_members(doc, names, "secgear.evidence.evidence", "")
                         : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "evidence.evidence.report", -1);
        if (rc == UAT_OK && ima != NULL && !json_is_null(ima)) {
            rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "evidence.evidence.ima_log", -1,
                           "an IMA log in secGear evidence is not accepted");
        }
        rc = rc == UAT_OK ? uat_buf_append(&j->evidence, (const uint8_t *)json_string_value(report),
                                           json_string_length(report))
                          : rc;
        json_decref(doc);
        return rc;
    }
    /* a registry TEE: a CMW in JSON, or base64 (either alphabet) of raw evidence */
    size_t i = 0;
    while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) {
        i++;
    }
    if (i < n && (text[i] == '[' || text[i] == '{')) {
        return uat_buf_append(&j->evidence, (const uint8_t *)text, n);
    }
    uat_buf raw;
    uat_buf_init(&raw, UAT_SVC_MAX_BODY);
    uat_err rc = strpbrk(text, "+/=") != NULL ? uat_b64_decode(text, n, UAT_B64_STD, &raw)
                                              : uat_b64_decode(text, n, UAT_B64_URL, &raw);
    if (rc != UAT_OK) {
        uat_buf_free(&raw);
        return UAT_FAIL(UAT_ERR_PARSE_BAD_ENCODING, CHECK, "evidence.evidence", -1);
    }
    json_t *rec = json_array();
    uat_buf b64;
    uat_buf_init(&b64, 2 * UAT_SVC_MAX_BODY);
    rc = uat_b64_encode(raw.p, raw.len, UAT_B64_URL, &b64);
    uat_buf_free(&raw);
    char *cmw = NULL;
    if (rc == UAT_OK && rec != NULL) {
        json_array_append_new(rec, json_string(media));
        json_array_append_new(rec, json_stringn((const char *)b64.p, b64.len));
        cmw = json_dumps(rec, JSON_COMPACT);
    }
    rc = rc != UAT_OK ? rc : cmw != NULL ? uat_buf_append_str(&j->evidence, cmw) : UAT_NOMEM(CHECK);
    free(cmw);
    json_decref(rec);
    uat_buf_free(&b64);
    return rc;
}

static uat_err attest(uat_svc *s, const uat_http_req *rq, sg_job *j)
{
    uint8_t bind[UAT_REPORT_DATA_SIZE];
    j->now = uat_time_now();
    UAT_TRY(parse_request(rq, j));
    UAT_TRY(check_challenge(s, rq, j, bind));
    UAT_TRY(unwrap_envelope(j));
    UAT_TRY(evidence_of(j));
    const char *policy =
        json_string_value(json_array_get(json_object_get(j->body, "policy_id"), 0));
    char spend[64];
    snprintf(spend, sizeof(spend), "secgear:%s", j->sid);
    /* eat_nonce = base64url(challenge bytes) = the challenge text */
    uat_attest_in in = {j->evidence.p, j->evidence.len, bind,  j->chal.p,     j->chal.len,
                        NULL,          policy,          spend, j->expires_at, j->now, NULL};
    uat_err rc = uat_attest_evidence(s, &in, &j->claims, &j->ear);
    if (rc == UAT_OK || rc == UAT_ERR_VERIFY_POLICY) { /* verified: the challenge is spent */
        uat_err gone = uat_sessions_del(s->sessions, KIND, j->sid);
        (void)gone; /* another request may have ended it; the store refuses a second use anyway */
    }
    UAT_TRY(rc);
    if (strcmp(uat_claims_tee(j->claims), j->tee) != 0) {
        UAT_TRY(uat_attest_spend(s, &in));
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK, "evidence.tee", -1,
                         "the evidence is %s, the envelope names %s", uat_claims_tee(j->claims),
                         j->tee);
    }
    return uat_attest_sign(s, &in, j->ear, NULL, j->now, &j->jwt);
}

void uat_route_sg_attestation(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    sg_job j;
    memset(&j, 0, sizeof(j));
    uat_buf_init(&j.chal, UAT_REPORT_DATA_SIZE * 2);
    uat_buf_init(&j.env, UAT_SVC_MAX_BODY);
    uat_buf_init(&j.evidence, 2 * UAT_SVC_MAX_BODY);
    uat_err rc = attest(s, rq, &j);
    if (j.claims != NULL) {
        snprintf(rs->tee, sizeof(rs->tee), "%s", uat_claims_tee(j.claims));
    }
    if (rc != UAT_OK) {
        uat_attest_error(rs, rc, j.ear);
    } else {
        /* the body is the JWT text (SG restapi/mod.rs attestation) */
        uat_http_text(rs, 200, "text/plain", j.jwt, strlen(j.jwt));
        snprintf(rs->set_cookie, sizeof(rs->set_cookie), SG_COOKIE "=%s; Path=/; Max-Age=0", j.sid);
    }
    free(j.jwt);
    uat_ear_free(j.ear);
    uat_claims_free(j.claims);
    uat_buf_free(&j.evidence);
    uat_buf_free(&j.env);
    uat_buf_free(&j.chal);
    json_decref(j.state);
    json_decref(j.envelope);
    json_decref(j.body);
}
