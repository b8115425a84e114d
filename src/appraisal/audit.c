/* The audit log's hash chain: the canonical form of a record, its hash, and the check of a
 * chain read back from the service or an export (include/uattest/audit.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/fetch.h"
#include "core/check.h"
#include "core/codec.h"
#include "crypto/crypto.h"
#include "uattest/appraisal.h"
#include "uattest/audit.h"
#include "uattest/verifier.h"

#define CHECK "audit.chain"
#define AUDIT_MAX_PAGE (64u * 1024u * 1024u) /* one page of records to check */

static const char genesis[UAT_AUDIT_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Every field but the hashes: what record_hash covers. */
static json_t *record_fields(const uat_audit_record *r)
{
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s}", "id", (json_int_t)r->id, "time",
                          (json_int_t)r->time, "evidence_sha256", r->evidence_sha256, "policy_id",
                          r->policy_id, "refvals_generation", (json_int_t)r->refvals_generation,
                          "status", r->status, "token_id", r->token_id);
    /* "tee" only when known: records of logs written before it existed keep their hashes */
    if (o != NULL && r->tee != NULL && r->tee[0] != '\0' &&
        json_object_set_new(o, "tee", json_string(r->tee)) != 0) {
        json_decref(o);
        return NULL;
    }
    /* "collateral" likewise only when the verification used some */
    if (o != NULL && r->collateral != NULL && r->collateral[0] != '\0' &&
        json_object_set_new(o, "collateral", json_string(r->collateral)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static uat_err record_hash(const uat_audit_record *r, const char *prev,
                           char out[UAT_AUDIT_HASH_HEX + 1])
{
    UAT_ENSURE(r->evidence_sha256 != NULL && r->policy_id != NULL && r->status != NULL &&
                   r->token_id != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "record", -1);
    json_t *o = record_fields(r);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uint8_t md[32];
    uat_span parts[2] = {uat_span_of(prev, strlen(prev)), uat_span_of(text, strlen(text))};
    uat_err rc = uat_hash(UAT_HASH_SHA256, parts, 2, md);
    free(text);
    UAT_TRY(rc);
    uat_hex_encode(md, sizeof(md), out);
    return UAT_OK;
}

uat_err uat_audit_seal(uat_audit_record *r, const char *prev)
{
    UAT_ENSURE(r != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "record", -1);
    prev = prev != NULL && prev[0] != '\0' ? prev : genesis;
    UAT_ENSURE(strlen(prev) == UAT_AUDIT_HASH_HEX, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "prev_hash", -1);
    UAT_TRY(record_hash(r, prev, r->record_hash));
    memcpy(r->prev_hash, prev, UAT_AUDIT_HASH_HEX + 1);
    return UAT_OK;
}

uat_err uat_audit_record_json(const uat_audit_record *r, char **json)
{
    UAT_ENSURE(r != NULL && json != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "record", -1);
    json_t *o = record_fields(r);
    if (o == NULL || json_object_set_new(o, "prev_hash", json_string(r->prev_hash)) != 0 ||
        json_object_set_new(o, "record_hash", json_string(r->record_hash)) != 0 ||
        (*json = json_dumps(o, JSON_COMPACT)) == NULL) {
        json_decref(o);
        return UAT_NOMEM(CHECK);
    }
    json_decref(o);
    return UAT_OK;
}

/* ---- checking a chain ---- */

static int get_int(const json_t *o, const char *name, int64_t *v)
{
    json_t *x = json_object_get(o, name);
    *v = json_is_integer(x) ? (int64_t)json_integer_value(x) : 0;
    return json_is_integer(x);
}

static uat_err broken(int64_t id, int64_t *broken_id, const char *why)
{
    *broken_id = id;
    char field[32];
    snprintf(field, sizeof(field), "record %lld", (long long)id);
    return UAT_FAILF(UAT_ERR_VERIFY_AUDIT, CHECK, field, -1, "audit record %lld: %s",
                     (long long)id, why);
}

/* One record against the chain so far. */
static uat_err check_one(const json_t *o, uat_audit_cursor *cur, int64_t *broken_id)
{
    uat_audit_record r;
    memset(&r, 0, sizeof(r));
    int ok = get_int(o, "id", &r.id) & get_int(o, "time", &r.time) &
             get_int(o, "refvals_generation", &r.refvals_generation);
    r.evidence_sha256 = json_string_value(json_object_get(o, "evidence_sha256"));
    r.policy_id = json_string_value(json_object_get(o, "policy_id"));
    r.status = json_string_value(json_object_get(o, "status"));
    r.token_id = json_string_value(json_object_get(o, "token_id"));
    json_t *tee = json_object_get(o, "tee");
    r.tee = json_string_value(tee);
    ok &= tee == NULL || (json_is_string(tee) && r.tee[0] != '\0');
    json_t *coll = json_object_get(o, "collateral");
    r.collateral = json_string_value(coll);
    ok &= coll == NULL || (json_is_string(coll) && r.collateral[0] != '\0');
    const char *prev = json_string_value(json_object_get(o, "prev_hash"));
    const char *hash = json_string_value(json_object_get(o, "record_hash"));
    if (!ok || !r.evidence_sha256 || !r.policy_id || !r.status || !r.token_id || !prev || !hash) {
        return broken(cur->last_id + 1, broken_id, "a field is missing or of the wrong type");
    }
    /* the chain starts at record 1 with the genesis hash: a removed first record shows too */
    const char *want_prev = cur->last_hash[0] ? cur->last_hash : genesis;
    if (r.id != cur->last_id + 1) {
        return broken(cur->last_id + 1, broken_id, "missing: the next record has another id");
    }
    if (strcmp(prev, want_prev) != 0) {
        return broken(r.id, broken_id, "prev_hash is not the hash of the record before");
    }
    char got[UAT_AUDIT_HASH_HEX + 1];
    UAT_TRY(record_hash(&r, prev, got));
    if (strcmp(got, hash) != 0) {
        return broken(r.id, broken_id, "record_hash does not match the record's contents");
    }
    cur->last_id = r.id;
    memcpy(cur->last_hash, got, sizeof(got));
    cur->checked++;
    return UAT_OK;
}

uat_err uat_audit_chain_check(const char *json, size_t n, uat_audit_cursor *cur,
                              int64_t *broken_id)
{
    UAT_ENSURE(json != NULL && cur != NULL && broken_id != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "", -1);
    UAT_ENSURE(n <= AUDIT_MAX_PAGE, UAT_ERR_RESOURCE_LIMIT, CHECK, "records", -1);
    *broken_id = 0;
    json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, NULL);
    json_t *recs = json_is_array(doc) ? doc : json_object_get(doc, "records");
    uat_err rc = json_is_array(recs) ? UAT_OK
                                     : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "records", -1);
    size_t i;
    json_t *o;
    json_array_foreach(recs, i, o) {
        if (rc != UAT_OK || (rc = check_one(o, cur, broken_id)) != UAT_OK) {
            break;
        }
    }
    json_decref(doc);
    return rc;
}

#define AUDIT_MAX_PAGE (64u * 1024u * 1024u)

static int has_text(const uint8_t *p, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; p != NULL && m <= n && i <= n - m; i++) {
        if (memcmp(p + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

uat_err uat_audit_verify_url(const char *url, const char *admin_token,
                                     uat_audit_cursor *cur, int64_t *broken_id)
{
    for (;;) {
        char full[2048];
        int64_t before = cur->last_id;
        int w = snprintf(full, sizeof(full), "%s/v1/audit?after=%lld", url, (long long)before);
        UAT_ENSURE(w > 0 && (size_t)w < sizeof(full), UAT_ERR_USAGE_INVALID_ARGUMENT, "audit.url",
                   "url", -1);
        uat_http_response r;
        uat_err rc = uat_http_get_auth(full, admin_token, AUDIT_MAX_PAGE, &r);
        if (rc == UAT_OK) {
            rc = uat_audit_chain_check((const char *)r.body.p, r.body.len, cur, broken_id);
        }
        /* a page that moved the chain on may have more after it */
        int more = rc == UAT_OK && cur->last_id > before &&
                   !has_text(r.body.p, r.body.len, "\"next_after\":null");
        uat_http_response_free(&r);
        if (rc != UAT_OK || !more) {
            return rc;
        }
    }
}

/* ---- replay ---- */

static uat_err sha256_hex(const uint8_t *p, size_t n, char hex[65])
{
    uint8_t md[32];
    uat_span part = {p, n};
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, md));
    uat_hex_encode(md, sizeof(md), hex);
    return UAT_OK;
}

/* The status a replay gives: the appraisal's, or "error" with the verification's error name. */
/* The collateral of the replay against the record's: "same", or both lists; 1 when they differ. */
static int compare_collateral(const char *recorded, const char *replayed, json_t *row)
{
    recorded = recorded != NULL ? recorded : "";
    replayed = replayed != NULL ? replayed : "";
    if (strcmp(recorded, replayed) == 0) {
        json_object_set_new(row, "collateral", json_string("same"));
        return 0;
    }
    json_object_set_new(row, "collateral", json_string("differs"));
    json_object_set_new(row, "recorded_collateral", json_string(recorded));
    json_object_set_new(row, "replayed_collateral", json_string(replayed));
    return 1;
}

static uat_err replay_one(const uint8_t *ev, size_t n, int64_t at, uat_verifier *v,
                          const uat_policy *p, const uat_refvals *rv, json_t *row,
                          const char *recorded_collateral, int *coll_differs)
{
    uat_claims *claims = NULL;
    uat_ear *ear = NULL;
    uat_verifier_set_time(v, at);
    uat_verifier_set_record_collateral(v, 1); /* to know the collateral it uses */
    uat_err ve = uat_verify(v, ev, n, NULL, &claims);
    const char *used = uat_verifier_collateral(v);
    char *coll = ve == UAT_OK ? strdup(used != NULL ? used : "") : NULL;
    uat_verifier_set_record_collateral(v, 0);
    if (ve == UAT_OK && coll == NULL) {
        uat_claims_free(claims);
        return UAT_NOMEM("audit.replay");
    }
    if (ve != UAT_OK) {
        json_object_set_new(row, "replayed", json_string("error"));
        json_object_set_new(row, "error", json_string(uat_err_name(ve)));
        uat_error_clear();
        return UAT_OK;
    }
    uat_appraisal_ctx ctx = {at, NULL, 0, NULL};
    uat_err rc = uat_appraise(p, rv, claims, &ctx, &ear);
    if (rc == UAT_OK) {
        json_object_set_new(row, "replayed", json_string(uat_ear_status(ear)));
        *coll_differs = compare_collateral(recorded_collateral, coll, row);
    }
    free(coll);
    uat_ear_free(ear);
    uat_claims_free(claims);
    return rc;
}

uat_err uat_audit_replay(const char *records_json, size_t n, const uint8_t *evidence,
                         size_t evidence_len, uat_verifier *v, const uat_policy *p,
                         const uat_refvals *rv, char **report)
{
    UAT_ENSURE(records_json != NULL && evidence != NULL && v != NULL && report != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "audit.replay", "", -1);
    *report = NULL;
    uat_audit_cursor cur;
    memset(&cur, 0, sizeof(cur));
    int64_t broken = 0;
    UAT_TRY(uat_audit_chain_check(records_json, n, &cur, &broken));
    /* the service hashes evidence sent inline as JSON in its compact form (members in order):
     * a record matches the evidence's bytes or that form */
    char hex[65], hexc[65] = "";
    UAT_TRY(sha256_hex(evidence, evidence_len, hex));
    json_t *inl = evidence_len > 0 && (evidence[0] == '[' || evidence[0] == '{')
                      ? json_loadb((const char *)evidence, evidence_len, 0, NULL)
                      : NULL;
    char *compact = inl != NULL ? json_dumps(inl, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(inl);
    uat_err hc = compact != NULL ? sha256_hex((const uint8_t *)compact, strlen(compact), hexc)
                                 : UAT_OK;
    free(compact);
    UAT_TRY(hc);
    uat_policy *def = NULL;
    if (p == NULL) {
        UAT_TRY(uat_policy_default(&def));
        p = def;
    }
    json_t *doc = json_loadb(records_json, n, JSON_REJECT_DUPLICATES, NULL);
    json_t *recs = json_is_array(doc) ? doc : json_object_get(doc, "records");
    json_t *out = json_array();
    uat_err rc = out != NULL ? UAT_OK : UAT_NOMEM("audit.replay");
    int64_t differs = 0;
    size_t i;
    json_t *o;
    json_array_foreach(recs, i, o) {
        const char *ev = json_string_value(json_object_get(o, "evidence_sha256"));
        if (rc != UAT_OK || ev == NULL || (strcmp(ev, hex) != 0 && strcmp(ev, hexc) != 0)) {
            continue;
        }
        int64_t id = 0, t = 0;
        get_int(o, "id", &id);
        get_int(o, "time", &t);
        const char *recorded = json_string_value(json_object_get(o, "status"));
        json_t *row = json_pack("{s:I,s:I,s:O,s:s}", "id", (json_int_t)id, "time", (json_int_t)t,
                                "policy_id", json_object_get(o, "policy_id"), "recorded",
                                recorded != NULL ? recorded : "");
        if (row == NULL || json_array_append_new(out, row) != 0) {
            rc = UAT_NOMEM("audit.replay");
            break;
        }
        int coll_differs = 0;
        rc = replay_one(evidence, evidence_len, t, v, p, rv, row,
                        json_string_value(json_object_get(o, "collateral")), &coll_differs);
        const char *replayed = json_string_value(json_object_get(row, "replayed"));
        if (rc == UAT_OK && differs == 0 &&
            (recorded == NULL || replayed == NULL || strcmp(recorded, replayed) != 0 ||
             coll_differs)) {
            differs = id;
        }
    }
    json_decref(doc);
    uat_policy_free(def);
    if (rc == UAT_OK) {
        *report = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = *report != NULL ? UAT_OK : UAT_NOMEM("audit.replay");
    }
    size_t found = json_array_size(out);
    json_decref(out);
    if (rc == UAT_OK && found == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NOT_FOUND, "audit.replay", "evidence_sha256", -1,
                       "no audit record is of evidence %s", hex);
    } else if (rc == UAT_OK && differs != 0) {
        char field[32];
        snprintf(field, sizeof(field), "%lld", (long long)differs);
        rc = UAT_FAILF(UAT_ERR_VERIFY_AUDIT, "audit.replay", field, -1,
                       "record %lld: the replay's status or collateral differs from the "
                       "recorded one",
                       (long long)differs);
    }
    return rc;
}
