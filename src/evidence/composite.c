/* Composite evidence verified as one (docs/composite.md): a CMW collection whose members are
 * each verified by their TEE's verifier and bound to one session by the rule each TEE states for
 * itself in the registry (uat_tee_ops.binding), never by its name:
 *   report-data    the member's report data is the session binding (DESIGN.md section 4);
 *   derived-nonce  the member's report data is uat_composite_nonce(session binding, label),
 *                  zero-padded: a device (GPU) whose nonce the attester derived and passed on;
 *   caller-nonce   the caller named the member's nonce (uat_verifier_set_member_nonce).
 * The session binding is the caller's expected report data, or, when the caller passes none, the
 * report data of the first report-data member, which every other member must then agree with.
 */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "evidence/composite.h"
#include "evidence/resolve.h"

#define CHECK "composite"
#define CHECK_BIND "composite.binding"

/* spec: docs/composite.md "Binding": the NUL ends the domain separator */
static const char nonce_domain[] = "uattest composite nonce v1";

typedef struct member_nonce {
    char label[UAT_MAX_LABEL_LEN + 1];
    uint8_t nonce[UAT_REPORT_DATA_LEN];
    size_t len;
} member_nonce;

struct uat_member_nonces {
    size_t n;
    member_nonce e[UAT_MAX_CMW_ENTRIES];
};

uat_err uat_composite_nonce(const uint8_t binding[64], const char *label,
                            uint8_t out[UAT_COMPOSITE_NONCE_SIZE])
{
    UAT_ENSURE(binding != NULL && label != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    size_t ln = strlen(label);
    UAT_ENSURE(ln > 0 && ln <= UAT_MAX_LABEL_LEN, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "label",
               -1);
    uat_span parts[3] = {uat_span_of(nonce_domain, sizeof(nonce_domain)),
                         uat_span_of(binding, UAT_REPORT_DATA_LEN), uat_span_of(label, ln)};
    return uat_hash(UAT_HASH_SHA256, parts, 3, out);
}

void uat_member_nonces_free(uat_member_nonces *m)
{
    free(m);
}

uat_err uat_member_nonces_set(uat_member_nonces **m, const char *label, const uint8_t *nonce,
                              size_t n)
{
    UAT_ENSURE(label != NULL && label[0] != '\0' && strlen(label) <= UAT_MAX_LABEL_LEN &&
                   (nonce != NULL || n == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.member_nonce", "label", -1);
    UAT_ENSURE(n <= UAT_REPORT_DATA_LEN, UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.member_nonce",
               "nonce", -1);
    if (*m == NULL && n == 0) {
        return UAT_OK;
    }
    if (*m == NULL && (*m = calloc(1, sizeof(**m))) == NULL) {
        return UAT_NOMEM("verifier.member_nonce");
    }
    uat_member_nonces *s = *m;
    size_t i = 0;
    while (i < s->n && strcmp(s->e[i].label, label) != 0) {
        i++;
    }
    if (n == 0) {
        if (i < s->n) {
            s->e[i] = s->e[--s->n];
        }
        return UAT_OK;
    }
    UAT_ENSURE(i < UAT_MAX_CMW_ENTRIES, UAT_ERR_RESOURCE_LIMIT, "verifier.member_nonce", "", -1);
    memset(&s->e[i], 0, sizeof(s->e[i]));
    strcpy(s->e[i].label, label);
    memcpy(s->e[i].nonce, nonce, n);
    s->e[i].len = n;
    s->n = i == s->n ? s->n + 1 : s->n;
    return UAT_OK;
}

static const member_nonce *member_nonce_of(const uat_member_nonces *m, const char *label)
{
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        if (strcmp(m->e[i].label, label) == 0) {
            return &m->e[i];
        }
    }
    return NULL;
}

typedef struct member {
    const char *label;
    const uat_cmw *item;
    const uat_tee_ops *ops;
    const char *rule; /* "report-data", "derived-nonce" or "caller-nonce" */
    uat_claims *claims;
    uat_verify_out vo;
} member;

typedef struct session {
    uint8_t binding[UAT_REPORT_DATA_LEN];
    int have;
} session;

/* What each member is and which rule binds it; nothing is verified yet. */
static uat_err members_resolve(uat_verifier *v, const uat_cmw *c, member *m, size_t n)
{
    const char *ct = uat_cmw_collection_type(c);
    if (ct != NULL && strcmp(ct, UAT_COMPOSITE_CMWC_TYPE) != 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "__cmwc_t", -1,
                         "a collection of type \"%.100s\" is not composite evidence (%s)", ct,
                         UAT_COMPOSITE_CMWC_TYPE);
    }
    for (size_t i = 0; i < n; i++) {
        m[i].label = uat_cmw_label(c, i);
        m[i].item = uat_cmw_item(c, i);
        if (uat_cmw_kind(m[i].item) == UAT_CMW_COLLECTION) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, m[i].label, -1,
                             "member \"%.100s\" is itself a collection: composite evidence is "
                             "one level of members",
                             m[i].label);
        }
        uat_span value;
        UAT_TRY(uat_resolve_record(m[i].item, &m[i].ops, &value));
        m[i].rule = member_nonce_of(uat_verifier_member_nonces(v), m[i].label) != NULL
                        ? "caller-nonce"
                    : m[i].ops->binding == UAT_BIND_DERIVED_NONCE ? "derived-nonce"
                                                                   : "report-data";
    }
    return UAT_OK;
}

/* The report data member m must carry. */
static uat_err expected_of(uat_verifier *v, const member *m, const session *s,
                           uint8_t out[UAT_REPORT_DATA_LEN])
{
    memset(out, 0, UAT_REPORT_DATA_LEN);
    const member_nonce *mn = member_nonce_of(uat_verifier_member_nonces(v), m->label);
    if (mn != NULL) {
        memcpy(out, mn->nonce, mn->len);
        return UAT_OK;
    }
    if (!s->have) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_BIND, m->label, -1,
                         "no session binding: composite evidence without a member that carries "
                         "report data needs the expected report data");
    }
    if (strcmp(m->rule, "derived-nonce") == 0) {
        return uat_composite_nonce(s->binding, m->label, out);
    }
    memcpy(out, s->binding, UAT_REPORT_DATA_LEN);
    return UAT_OK;
}

/* The generic binding comparison, with the member and its rule named when it fails. */
static uat_err check_member(const member *m, const uint8_t expected[UAT_REPORT_DATA_LEN])
{
    if (uat_binding_matches(&m->vo, expected)) {
        return UAT_OK;
    }
    const char *why = strcmp(m->rule, "derived-nonce") == 0
                          ? "a nonce that is not the one derived from the session binding and "
                            "its label"
                      : strcmp(m->rule, "caller-nonce") == 0
                          ? "other report data than the nonce the caller set for it"
                          : "other report data than the session binding";
    return UAT_FAILF(UAT_ERR_VERIFY_BINDING, CHECK_BIND, m->label, -1,
                     "composite member \"%.100s\" (%s) carries %s", m->label, m->ops->name, why);
}

static uat_err member_verify(uat_verifier *v, member *m, session *s)
{
    uat_span none = {NULL, 0};
    const uat_tee_ops *ops = NULL;
    UAT_TRY(uat_verify_member(v, m->item, none, &m->claims, &m->vo, &ops));
    uint8_t want[UAT_REPORT_DATA_LEN];
    if (!s->have && strcmp(m->rule, "report-data") == 0) {
        /* no expected binding: the first report-data member gives the session's */
        UAT_ENSURE(m->vo.report_data_len > 0 && m->vo.report_data_len <= UAT_REPORT_DATA_LEN,
                   UAT_ERR_VERIFY_BINDING, CHECK_BIND, m->label, -1);
        memset(s->binding, 0, sizeof(s->binding));
        memcpy(s->binding, m->vo.report_data, m->vo.report_data_len);
        s->have = 1;
    }
    UAT_TRY(expected_of(v, m, s, want));
    UAT_TRY(check_member(m, want));
    return uat_json_set_str(uat_claims_doc(m->claims), "binding", m->rule);
}

/* Report-data members first (they may give the session binding), then the others. */
static uat_err members_verify(uat_verifier *v, member *m, size_t n, session *s)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            if ((strcmp(m[i].rule, "report-data") == 0) == (pass == 0)) {
                UAT_TRY(member_verify(v, &m[i], s));
            }
        }
    }
    return UAT_OK;
}

static uat_err claims_build(const uat_cmw *c, const member *m, size_t n, const session *s,
                            uat_claims *out)
{
    json_t *doc = uat_claims_doc(out), *t = uat_claims_tee_obj(out);
    json_t *members = json_object(), *bindings = json_object();
    UAT_TRY(uat_json_set(doc, "members", members));
    UAT_TRY(uat_json_set(t, "bindings", bindings));
    if (uat_cmw_collection_type(c) != NULL) {
        UAT_TRY(uat_json_set_str(t, "collection_type", uat_cmw_collection_type(c)));
    }
    if (s->have) {
        UAT_TRY(uat_json_set_hex(doc, "report_data", s->binding, sizeof(s->binding)));
    }
    uat_time until = 0;
    for (size_t i = 0; i < n; i++) {
        UAT_TRY(uat_json_set(members, m[i].label, json_incref(uat_claims_doc(m[i].claims))));
        UAT_TRY(uat_json_set_str(bindings, m[i].label, m[i].rule));
        uat_time u = m[i].vo.valid_until;
        until = u != 0 && (until == 0 || u < until) ? u : until;
    }
    json_t *at = json_object_get(uat_claims_doc(m[0].claims), "verified_at");
    UAT_TRY(uat_json_set(doc, "verified_at", json_incref(at)));
    return until != 0 ? uat_json_set_time(doc, "valid_until", until) : UAT_OK;
}

uat_err uat_composite_verify(uat_verifier *v, const uat_cmw *c, const uint8_t *expected,
                             uat_claims **out)
{
    size_t n = uat_cmw_count(c);
    UAT_ENSURE(n > 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, "collection", -1);
    UAT_ENSURE(n <= UAT_MAX_CMW_ENTRIES, UAT_ERR_RESOURCE_LIMIT, CHECK, "collection", -1);
    member *m = calloc(n, sizeof(*m));
    if (m == NULL) {
        return UAT_NOMEM(CHECK);
    }
    session s = {{0}, expected != NULL};
    if (expected != NULL) {
        memcpy(s.binding, expected, sizeof(s.binding));
    }
    uat_claims *claims = NULL;
    uat_err rc = members_resolve(v, c, m, n);
    rc = rc == UAT_OK ? members_verify(v, m, n, &s) : rc;
    rc = rc == UAT_OK ? uat_claims_new("composite", &claims) : rc;
    rc = rc == UAT_OK ? claims_build(c, m, n, &s, claims) : rc;
    for (size_t i = 0; i < n; i++) {
        uat_claims_free(m[i].claims);
    }
    free(m);
    if (rc != UAT_OK) {
        uat_claims_free(claims);
        return rc;
    }
    *out = claims;
    return UAT_OK;
}
