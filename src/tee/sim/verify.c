/* sim report verification: the signature first (over the raw signed bytes), then strict parsing. */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "crypto/crypto.h"
#include "tee/sim/sim.h"

uat_err uat_sim_key_id(const uat_key *k, uint8_t id[32])
{
    uat_buf spki;
    uat_buf_init(&spki, 4096);
    uat_err rc = uat_key_spki_der(k, &spki);
    if (rc == UAT_OK) {
        uat_span part = uat_buf_span(&spki);
        rc = uat_hash(UAT_HASH_SHA256, &part, 1, id);
    }
    uat_buf_free(&spki);
    return rc;
}

/* The sim keys of the trust directory and their key ids, loaded once per verifier. */
typedef struct sim_anchors {
    uat_key_list keys;
    uint8_t (*ids)[32];
} sim_anchors;

void uat_sim_cache_free(void *p)
{
    sim_anchors *a = p;
    if (a != NULL) {
        uat_key_list_free(&a->keys);
        free(a->ids);
        free(a);
    }
}

static uat_err load_anchors(const uat_verify_ctx *ctx, sim_anchors **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    sim_anchors *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return UAT_NOMEM("sim.key");
    }
    uat_err rc = uat_trust_load_keys(ctx->trust_dir, "sim", &a->keys);
    if (rc == UAT_OK && (a->ids = calloc(a->keys.n, sizeof(*a->ids))) == NULL) {
        rc = UAT_NOMEM("sim.key");
    }
    for (size_t i = 0; rc == UAT_OK && i < a->keys.n; i++) {
        rc = uat_sim_key_id(a->keys.keys[i], a->ids[i]);
    }
    if (rc != UAT_OK || ctx->cache == NULL) {
        if (rc == UAT_OK) {
            *out = a; /* no cache slot: the caller frees it */
            return UAT_OK;
        }
        uat_sim_cache_free(a);
        return rc;
    }
    *ctx->cache = a;
    *out = a;
    return UAT_OK;
}

/* The configured sim key whose SPKI hash equals key_id. */
static uat_err find_anchor(const sim_anchors *anchors, const uint8_t *key_id, const uat_key **out)
{
    for (size_t i = 0; i < anchors->keys.n; i++) {
        if (uat_ct_equal(anchors->ids[i], key_id, 32)) {
            *out = anchors->keys.keys[i];
            uat_step_src("sim.key", "key_id matches a configured sim key", "a key of the trust "
                         "directory", "trust dir");
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, "sim.key", "key_id", 176,
                     "the report's signing key is not among the %zu configured sim keys",
                     anchors->keys.n);
}

static uat_err fill_claims(const uat_sim_report *r, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->measurement, sizeof(r->measurement)));
    UAT_TRY(uat_json_set_hex(doc, "signer", r->signer, sizeof(r->signer)));
    UAT_TRY(uat_json_set_int(doc, "svn", r->svn));
    UAT_TRY(uat_json_set_bool(doc, "debug", (r->flags & UAT_SIM_FLAG_DEBUG) != 0));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->report_data, sizeof(r->report_data)));
    return uat_sim_describe(r, uat_claims_tee_obj(claims));
}

uat_err uat_sim_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                       uat_verify_out *out)
{
    sim_anchors *anchors = NULL;
    uat_err rc;
    /* authenticate before interpreting: the length is the only thing read unsigned */
    UAT_ENSURE(in.len == UAT_SIM_REPORT_SIZE,
               in.len < UAT_SIM_REPORT_SIZE ? UAT_ERR_PARSE_TRUNCATED : UAT_ERR_PARSE_TRAILING_BYTES,
               "sim.report", "", (int64_t)in.len);
    UAT_TRY(load_anchors(ctx, &anchors));
    const uat_key *key = NULL;
    UAT_TRY_GOTO(rc, find_anchor(anchors, in.p + 176, &key), out);
    rc = uat_sig_verify(key, UAT_SIG_ES256, uat_span_of(in.p, UAT_SIM_SIGNED_SIZE),
                        uat_span_of(in.p + UAT_SIM_SIGNED_SIZE, UAT_SIM_SIG_SIZE), "sim.signature");
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        rc = UAT_FAIL(rc, "sim.signature", "signature", UAT_SIM_SIGNED_SIZE);
    }
    if (rc != UAT_OK) {
        goto out;
    }
    uat_sim_report r;
    UAT_TRY_GOTO(rc, uat_sim_parse(in, &r), out);
    uat_stepf("sim.report", "every field of the sim report format with its allowed values",
              "version %u, svn %u, %s", (unsigned)r.version, (unsigned)r.svn,
              (r.flags & UAT_SIM_FLAG_DEBUG) ? "debug" : "production");
    UAT_TRY_GOTO(rc, fill_claims(&r, claims), out);
    memcpy(out->report_data, r.report_data, sizeof(r.report_data));
    out->report_data_len = sizeof(r.report_data);
    out->valid_until = 0;
out:
    if (ctx->cache == NULL) {
        uat_sim_cache_free(anchors);
    }
    return rc;
}
