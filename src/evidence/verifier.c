/* The public verifier: CMW or raw evidence → TEE verifier → claims, with the generic binding check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/fetch.h"
#include "core/limits.h"
#include "evidence/composite.h"
#include "evidence/explain.h"
#include "evidence/jinzhao.h"
#include "evidence/resolve.h"
#include "uattest/verifier.h"

#define MAX_TEES 32
#define MAX_FETCH 8

struct uat_verifier {
    void *caches[MAX_TEES]; /* per registry index: what each TEE verified and may reuse */
    char *trust_dir;
    char *collateral_dir;
    size_t nfetch;
    char *fetch_names[MAX_FETCH];
    char *fetch_urls[MAX_FETCH];
    int has_time;
    uat_time at;
    const uat_refvals *refvals; /* borrowed: pins evidence keys that have no vendor chain */
    uint8_t nonce[UAT_MAX_EVIDENCE_NONCE];
    size_t nonce_len;
    uat_member_nonces *member_nonces; /* composite members' explicit nonces (composite.c) */
    int64_t warn_window; /* uat_verifier_set_expiry_warning; 0 = off */
    int jinzhao_lax;   /* uat_verifier_set_jinzhao_lax_insecure */
    int unchecked;     /* this call's retry without validity periods (jinzhao_lax) */
    int explain;       /* record the checks of each call (uat_verifier_set_explain) */
    int record_coll;   /* record the collateral of each call (uat_verifier_set_record_collateral) */
    char *explanation; /* the last call's, JSON */
    char *collateral;  /* the last explained call's collateral digests (uat_verifier_collateral) */
    uat_trace *trace;  /* the last explained call's checks, rendered when asked for */
    int trace_full;    /* it holds every check, not only the collateral */
    uat_err trace_rc;
    int64_t trace_at;
};

uat_err uat_verifier_new(uat_verifier **out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.new", "", -1);
    uat_verifier *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return UAT_NOMEM("verifier.new");
    }
    *out = v;
    return UAT_OK;
}

/* Cached verifications depend on the trust and collateral directories: drop them on change. */
static void drop_caches(uat_verifier *v)
{
    for (size_t i = 0; i < MAX_TEES && i < uat_registry_count(); i++) {
        const uat_tee_ops *ops = uat_registry_at(i);
        if (v->caches[i] != NULL && ops->cache_free != NULL) {
            ops->cache_free(v->caches[i]);
        }
        v->caches[i] = NULL;
    }
}

void uat_verifier_free(uat_verifier *v)
{
    if (v != NULL) {
        drop_caches(v);
        for (size_t i = 0; i < v->nfetch; i++) {
            free(v->fetch_names[i]);
            free(v->fetch_urls[i]);
        }
        free(v->trust_dir);
        free(v->collateral_dir);
        uat_member_nonces_free(v->member_nonces);
        free(v->collateral);
        free(v->explanation);
        uat_trace_free(v->trace);
        free(v);
    }
}

static uat_err set_path(char **slot, const char *dir)
{
    UAT_ENSURE(dir != NULL && dir[0] != '\0' && strlen(dir) < UAT_MAX_PATH_LEN,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.config", "dir", -1);
    char *copy = strdup(dir);
    if (copy == NULL) {
        return UAT_NOMEM("verifier.config");
    }
    free(*slot);
    *slot = copy;
    return UAT_OK;
}

uat_err uat_verifier_set_trust_dir(uat_verifier *v, const char *dir)
{
    drop_caches(v);
    return set_path(&v->trust_dir, dir);
}

uat_err uat_verifier_set_collateral_dir(uat_verifier *v, const char *dir)
{
    drop_caches(v);
    return set_path(&v->collateral_dir, dir);
}

uat_err uat_verifier_set_fetch(uat_verifier *v, const char *vendor, const char *base_url)
{
    UAT_ENSURE(v != NULL && vendor != NULL && base_url != NULL &&
                   (strncmp(base_url, "http://", 7) == 0 || strncmp(base_url, "https://", 8) == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.fetch", "url", -1);
    size_t i = 0;
    while (i < v->nfetch && strcmp(v->fetch_names[i], vendor) != 0) {
        i++;
    }
    UAT_ENSURE(i < MAX_FETCH, UAT_ERR_RESOURCE_LIMIT, "verifier.fetch", "", -1);
    char *name = strdup(vendor), *url = strdup(base_url);
    if (name == NULL || url == NULL) {
        free(name);
        free(url);
        return UAT_NOMEM("verifier.fetch");
    }
    if (i < v->nfetch) {
        free(v->fetch_names[i]);
        free(v->fetch_urls[i]);
    } else {
        v->nfetch++;
    }
    /* a base URL without its trailing slash, so paths join cleanly */
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') {
        url[--n] = '\0';
    }
    v->fetch_names[i] = name;
    v->fetch_urls[i] = url;
    drop_caches(v);
    return UAT_OK;
}

uat_err uat_verifier_set_evidence_nonce(uat_verifier *v, const uint8_t *nonce, size_t n)
{
    UAT_ENSURE(v != NULL && (nonce != NULL || n == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               "verifier.nonce", "", -1);
    UAT_ENSURE(n <= sizeof(v->nonce), UAT_ERR_RESOURCE_LIMIT, "verifier.nonce", "nonce", -1);
    if (n > 0) {
        memcpy(v->nonce, nonce, n);
    }
    v->nonce_len = n;
    return UAT_OK;
}

uat_err uat_verifier_set_member_nonce(uat_verifier *v, const char *label, const uint8_t *nonce,
                                      size_t n)
{
    UAT_ENSURE(v != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "verifier.member_nonce", "", -1);
    return uat_member_nonces_set(&v->member_nonces, label, nonce, n);
}

const uat_member_nonces *uat_verifier_member_nonces(const uat_verifier *v)
{
    return v->member_nonces;
}

void uat_verifier_set_reference_values(uat_verifier *v, const uat_refvals *rv)
{
    v->refvals = rv;
}

void uat_verifier_set_time(uat_verifier *v, int64_t unix_seconds)
{
    v->has_time = 1;
    v->at = unix_seconds;
}

void uat_verifier_set_expiry_warning(uat_verifier *v, int64_t seconds)
{
    v->warn_window = seconds > 0 ? seconds : 0;
}

void uat_verifier_set_jinzhao_lax_insecure(uat_verifier *v, int on)
{
    v->jinzhao_lax = on != 0;
}

/* What the last call recorded, forgotten: a new call, or recording turned off. */
static void forget_trace(uat_verifier *v)
{
    free(v->explanation);
    v->explanation = NULL;
    free(v->collateral);
    v->collateral = NULL;
    uat_trace_free(v->trace);
    v->trace = NULL;
}

void uat_verifier_set_explain(uat_verifier *v, int on)
{
    v->explain = on != 0;
    if (!v->explain) {
        forget_trace(v);
    }
}

void uat_verifier_set_record_collateral(uat_verifier *v, int on)
{
    v->record_coll = on != 0;
    if (!v->record_coll && !v->explain) {
        forget_trace(v);
    }
}

const char *uat_verifier_collateral(const uat_verifier *v)
{
    return v != NULL && (v->explain || v->record_coll) ? v->collateral : NULL;
}

const char *uat_verifier_explanation(const uat_verifier *v)
{
    if (v == NULL || !v->explain) {
        return NULL;
    }
    uat_verifier *m = (uat_verifier *)(uintptr_t)v; /* rendered once, on first use */
    if (m->explanation == NULL && m->trace != NULL && m->trace_full) {
        m->explanation = uat_explain_render(m->trace, m->trace_rc, m->trace_at);
    }
    return m->explanation;
}

/* spec: DESIGN.md §4: a binding field shorter than 64 bytes carries the prefix; the rest is zero */
int uat_binding_matches(const uat_verify_out *vo, const uint8_t *expected)
{
    size_t n = vo->report_data_len;
    return n > 0 && n <= UAT_REPORT_DATA_LEN && uat_ct_equal(vo->report_data, expected, n) &&
           uat_is_zero(expected + n, UAT_REPORT_DATA_LEN - n);
}

static uat_err check_binding(const uat_verify_out *vo, const uint8_t *expected, const char *tee)
{
    if (!uat_binding_matches(vo, expected)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, "binding", "report_data", -1,
                         "the %s evidence carries other report data than expected", tee);
    }
    uat_step_hex("binding", vo->report_data, vo->report_data_len, expected, UAT_REPORT_DATA_LEN);
    return UAT_OK;
}

static void **cache_slot(uat_verifier *v, const uat_tee_ops *ops)
{
    for (size_t i = 0; i < MAX_TEES && i < uat_registry_count(); i++) {
        if (uat_registry_at(i) == ops) {
            return &v->caches[i];
        }
    }
    return NULL;
}

void *uat_verifier_cache_peek(const uat_verifier *v, const char *tee)
{
    const uat_tee_ops *ops = uat_registry_by_name(tee);
    void **slot = ops != NULL ? cache_slot((uat_verifier *)(uintptr_t)v, ops) : NULL;
    return slot != NULL ? *slot : NULL;
}

/* What a TEE verifier sees of this verifier; in-band collateral bypasses the cache, so what one
 * peer sent never stays for the next. An explained verification bypasses it too (it shows every
 * check run, not the ones an earlier call saved) unless the TEE's cache saves no check; one that
 * records the collateral bypasses it unless its hits record the collateral they reuse. */
static uat_verify_ctx make_ctx(uat_verifier *v, const uat_tee_ops *ops, uat_span inband)
{
    int bypass = inband.len > 0 || v->unchecked || (v->explain && !ops->cache_traced) ||
                 (v->record_coll && !ops->cache_traced && !ops->cache_records_collateral);
    uat_verify_ctx ctx = {v->trust_dir,
                          v->collateral_dir,
                          v->unchecked ? UAT_TIME_UNCHECKED : v->has_time ? v->at : uat_time_now(),
                          bypass ? NULL : cache_slot(v, ops),
                          v->nfetch,
                          (const char *const *)v->fetch_names,
                          (const char *const *)v->fetch_urls,
                          v->refvals,
                          inband,
                          uat_span_of(v->nonce, v->nonce_len)};
    return ctx;
}

static uat_err verify_record(uat_verifier *v, const uat_cmw *c, uat_span inband,
                             const uint8_t *expected, uat_claims **out)
{
    uat_verify_out vo;
    uat_claims *claims = NULL;
    const uat_tee_ops *ops = NULL;
    UAT_TRY(uat_verify_member(v, c, inband, &claims, &vo, &ops));
    uat_err rc = UAT_OK;
    if (expected != NULL) {
        rc = check_binding(&vo, expected, ops->name);
    } else {
        uat_step_skip("binding", "no expected report data given: the caller checks the "
                                 "report_data claim itself");
    }
    if (rc != UAT_OK) {
        uat_claims_free(claims);
        return rc;
    }
    *out = claims;
    return UAT_OK;
}

uat_err uat_verify_member(uat_verifier *v, const uat_cmw *c, uat_span inband, uat_claims **out,
                          uat_verify_out *vo, const uat_tee_ops **ops_out)
{
    const uat_tee_ops *ops = NULL;
    uat_span value = {NULL, 0};
    UAT_TRY(uat_resolve_record(c, &ops, &value));
    if (UAT_TRACING()) {
        snprintf(uat_trace_cur->tee, sizeof(uat_trace_cur->tee), "%s", ops->name);
        uat_trace_coll_source(inband.len > 0 ? "evidence" : "collateral dir");
    }
    UAT_ENSURE(inband.len == 0 || ops->endorse != NULL, UAT_ERR_UNSUPPORTED_FEATURE,
               "verify.collateral", ops->name, -1);
    uat_verify_ctx ctx = make_ctx(v, ops, inband);
    memset(vo, 0, sizeof(*vo));
    uat_claims *claims = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_claims_new(ops->name, &claims), fail);
    uat_fetch_stale_reset();
    UAT_TRY_GOTO(rc, ops->verify(value, &ctx, claims, vo), fail);
    if (uat_fetch_stale_seen()) { /* fetched from a cache serving a copy past its next update */
        UAT_TRY_GOTO(rc, uat_json_set(uat_claims_doc(claims), "collateral_stale", json_true()),
                     fail);
    }
    uat_time at = v->has_time ? v->at : uat_time_now(); /* ctx.at may be UAT_TIME_UNCHECKED */
    UAT_TRY_GOTO(rc, uat_json_set_time(uat_claims_doc(claims), "verified_at", at), fail);
    if (vo->valid_until != 0) {
        UAT_TRY_GOTO(rc, uat_json_set_time(uat_claims_doc(claims), "valid_until", vo->valid_until),
                     fail);
    }
    if (v->warn_window > 0 && vo->valid_until != 0 && vo->valid_until - at < v->warn_window) {
        UAT_TRY_GOTO(rc, uat_json_set(uat_claims_doc(claims), "collateral_expiring", json_true()),
                     fail);
    }
    *out = claims;
    *ops_out = ops;
    return UAT_OK;
fail:
    uat_claims_free(claims);
    return rc;
}

static uat_err verify_any(uat_verifier *v, const uint8_t *evidence, size_t n,
                         const uint8_t *collateral, size_t collateral_len,
                         const uint8_t *expected_report_data, uat_claims **out)
{
    UAT_ENSURE(collateral_len <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT,
               "verify.collateral", "collateral", -1);
    uat_cmw *c = NULL;
    UAT_TRY(uat_resolve_input(evidence, n, &c));
    uat_err rc = uat_cmw_kind(c) != UAT_CMW_COLLECTION
                     ? verify_record(v, c, uat_span_of(collateral, collateral_len),
                                     expected_report_data, out)
                 : collateral_len > 0
                     ? UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "verify.collateral", "", -1,
                                 "composite evidence takes no in-band collateral")
                     : uat_composite_verify(v, c, expected_report_data, out);
    uat_cmw_free(c);
    int jinzhao = uat_jinzhao_sniff(uat_span_of(evidence, n));
    if (rc == UAT_ERR_VERIFY_EXPIRED && jinzhao && v->jinzhao_lax && !v->unchecked) {
        /* jinzhao checks no validity period: its verdict is this one without them (docs/compat.md) */
        char strict[512];
        uat_error_format(uat_last_error(), strict, sizeof(strict));
        v->unchecked = 1;
        rc = verify_any(v, evidence, n, collateral, collateral_len, expected_report_data, out);
        v->unchecked = 0;
        json_t *lax = rc == UAT_OK ? json_pack("{s:[s],s:s}", "waived", "VERIFY_EXPIRED",
                                               "strict_error", strict)
                                   : NULL;
        if (rc == UAT_OK && (lax == NULL ||
                             json_object_set_new(uat_claims_doc(*out), "jinzhao_lax", lax) != 0)) {
            uat_claims_free(*out);
            *out = NULL;
            rc = UAT_NOMEM("verify.jinzhao_lax");
        }
        return rc;
    }
    if (rc == UAT_OK && jinzhao) {
        /* a jinzhao AuthReport's key and nested results are part of what the evidence claims */
        rc = uat_jinzhao_check_binding(uat_span_of(evidence, n), *out);
        if (rc != UAT_OK) {
            uat_claims_free(*out);
            *out = NULL;
        }
    }
    return rc;
}

uat_err uat_verify_with_collateral(uat_verifier *v, const uint8_t *evidence, size_t n,
                                   const uint8_t *collateral, size_t collateral_len,
                                   const uint8_t *expected_report_data, uat_claims **out)
{
    UAT_ENSURE(v != NULL && out != NULL && (collateral != NULL || collateral_len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verify", "", -1);
    uat_error_clear();
    forget_trace(v);
    if (!v->explain && !v->record_coll) {
        return verify_any(v, evidence, n, collateral, collateral_len, expected_report_data, out);
    }
    uat_trace *t = uat_trace_new();
    if (t == NULL) {
        return UAT_NOMEM("verify.explain");
    }
    /* the trace is this thread's for the call; a verification nested in it (composite evidence)
     * with explain off records into it too */
    uat_trace_saved prev = uat_trace_enter(t, v->explain);
    uat_err rc = verify_any(v, evidence, n, collateral, collateral_len, expected_report_data, out);
    uat_trace_leave(prev);
    uat_trace_finish(t, rc);
    v->trace_full = v->explain;
    /* the explanation is rendered when asked for (uattestd traces every call for the audit
     * record's collateral and renders only for ?explain=1) */
    v->trace = t;
    v->trace_rc = rc;
    v->trace_at = v->has_time ? v->at : uat_time_now();
    v->collateral = uat_trace_collateral_digests(t);
    if (v->collateral == NULL && rc == UAT_OK) {
        uat_claims_free(*out);
        *out = NULL;
        rc = UAT_NOMEM("verify.explain");
    }
    return rc;
}

uat_err uat_verify(uat_verifier *v, const uint8_t *evidence, size_t n,
                   const uint8_t *expected_report_data, uat_claims **out)
{
    return uat_verify_with_collateral(v, evidence, n, NULL, 0, expected_report_data, out);
}

uat_err uat_verifier_endorsements(uat_verifier *v, const uint8_t *evidence, size_t n,
                                  uint8_t **out, size_t *out_len)
{
    UAT_ENSURE(v != NULL && out != NULL && out_len != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "endorsements", "", -1);
    uat_error_clear();
    uat_cmw *c = NULL;
    const uat_tee_ops *ops = NULL;
    uat_span value = {NULL, 0};
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    UAT_TRY(uat_resolve_input(evidence, n, &c));
    uat_err rc = uat_resolve_record(c, &ops, &value);
    if (rc == UAT_OK && ops->endorse == NULL) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "endorsements", "tee", -1,
                       "%s evidence has no endorsement format", ops->name);
    }
    if (rc == UAT_OK) {
        uat_verify_ctx ctx = make_ctx(v, ops, uat_span_of(NULL, 0));
        rc = ops->endorse(value, &ctx, &b);
    }
    uat_cmw_free(c);
    if (rc == UAT_OK) {
        uat_buf_take(&b, out, out_len);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err inspect_cmw(const uat_cmw *c, unsigned depth, json_t *out)
{
    UAT_ENSURE(depth <= UAT_MAX_CMW_DEPTH, UAT_ERR_PARSE_TOO_DEEP, "inspect", "", -1);
    if (uat_cmw_kind(c) == UAT_CMW_COLLECTION) {
        json_t *entries = json_object();
        UAT_TRY(uat_json_set(out, "collection", entries));
        if (uat_cmw_collection_type(c) != NULL) {
            UAT_TRY(uat_json_set_str(out, "collection_type", uat_cmw_collection_type(c)));
        }
        for (size_t i = 0; i < uat_cmw_count(c); i++) {
            json_t *e = json_object();
            UAT_TRY(uat_json_set(entries, uat_cmw_label(c, i), e));
            UAT_TRY(inspect_cmw(uat_cmw_item(c, i), depth + 1, e));
        }
        return UAT_OK;
    }
    const uat_tee_ops *ops = NULL;
    uat_span value = {NULL, 0};
    UAT_TRY(uat_resolve_record(c, &ops, &value));
    UAT_TRY(uat_json_set_str(out, "tee", ops->name));
    UAT_TRY(uat_json_set_str(out, "media_type", ops->media_type));
    UAT_TRY(uat_json_set_int(out, "size", (int64_t)value.len));
    json_t *fields = json_object();
    UAT_TRY(uat_json_set(out, "fields", fields));
    return ops->inspect(value, fields);
}

uat_err uat_inspect(const uint8_t *evidence, size_t n, char **json_out)
{
    UAT_ENSURE(json_out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "inspect", "", -1);
    uat_error_clear();
    uat_cmw *c = NULL;
    UAT_TRY(uat_resolve_input(evidence, n, &c));
    json_t *doc = json_object();
    uat_err rc = doc ? inspect_cmw(c, 0, doc) : UAT_NOMEM("inspect");
    if (rc == UAT_OK) {
        *json_out = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = *json_out ? UAT_OK : UAT_NOMEM("inspect");
    }
    json_decref(doc);
    uat_cmw_free(c);
    return rc;
}

/* Enrolment by credential activation: generic, the TEE's ops do the work (TPM: MakeCredential). */
uat_err uat_verifier_enrol_challenge(uat_verifier *v, const uint8_t *evidence, size_t n,
                                     uint8_t **challenge, size_t *challenge_len, uint8_t **secret,
                                     size_t *secret_len)
{
    UAT_ENSURE(v != NULL && challenge != NULL && challenge_len != NULL && secret != NULL &&
                   secret_len != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "enrol.challenge", "", -1);
    uat_error_clear();
    uat_cmw *c = NULL;
    const uat_tee_ops *ops = NULL;
    uat_span value = {NULL, 0};
    uat_buf ch, sec;
    uat_buf_init(&ch, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&sec, UAT_MAX_EVIDENCE_BYTES);
    UAT_TRY(uat_resolve_input(evidence, n, &c));
    uat_err rc = uat_resolve_record(c, &ops, &value);
    if (rc == UAT_OK && ops->enrol_challenge == NULL) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "enrol.challenge", "tee", -1,
                       "%s evidence has no enrolment by credential activation", ops->name);
    }
    if (rc == UAT_OK) {
        uat_verify_ctx ctx = make_ctx(v, ops, uat_span_of(NULL, 0));
        rc = ops->enrol_challenge(value, &ctx, &ch, &sec);
    }
    uat_cmw_free(c);
    if (rc == UAT_OK) {
        uat_buf_take(&ch, challenge, challenge_len);
        uat_buf_take(&sec, secret, secret_len);
    }
    uat_buf_free(&ch);
    uat_buf_free(&sec);
    return rc;
}

uat_err uat_verifier_kx_verify(uat_verifier *v, const char *tee, const uint8_t *evidence, size_t n,
                               uat_span proof, int use, const uint8_t *report_data,
                               const uint8_t pub[UAT_KX_POINT_LEN])
{
    UAT_ENSURE(v != NULL && tee != NULL && evidence != NULL && report_data != NULL && pub != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "verify.kx", "", -1);
    uat_cmw *c = NULL;
    UAT_TRY(uat_resolve_input(evidence, n, &c));
    const uat_tee_ops *ops = NULL;
    uat_span value = {NULL, 0};
    uat_err rc = uat_cmw_kind(c) == UAT_CMW_COLLECTION
                     ? UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "verify.kx", "evidence", -1,
                                 "composite evidence proves no bound key")
                     : uat_resolve_record(c, &ops, &value);
    if (rc == UAT_OK && (strcmp(ops->name, tee) != 0 || ops->kx_verify == NULL)) {
        rc = UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "verify.kx", "tee", -1,
                       "%s evidence proves no bound key of %s", ops->name, tee);
    }
    if (rc == UAT_OK) {
        uat_verify_ctx ctx = make_ctx(v, ops, uat_span_of(NULL, 0));
        rc = ops->kx_verify(value, proof, &ctx, use, report_data, pub);
    }
    uat_cmw_free(c);
    return rc;
}
