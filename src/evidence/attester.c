/* The public attester: pick a TEE (named or detected), pass it options, wrap its evidence in a CMW. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/file.h"
#include "evidence/composite.h"
#include "evidence/registry.h"
#include "uattest/attester.h"

struct uat_attester {
    const uat_tee_ops *ops;
    char *root;
    char *state_dir;
    size_t nopts;
    char *keys[UAT_MAX_OPTIONS];
    char *values[UAT_MAX_OPTIONS];
    void *cache; /* the TEE's (ops->attest_cache_free), valid for the current options */
    uat_composite_att *composite; /* a composite attester ("a+b"): ops is NULL */
};

static void drop_cache(uat_attester *a)
{
    if (a->cache != NULL && a->ops->attest_cache_free != NULL) {
        a->ops->attest_cache_free(a->cache);
    }
    a->cache = NULL;
}

static int detected(const uat_tee_ops *ops, const char *root)
{
    for (size_t i = 0; ops->detect_paths != NULL && ops->detect_paths[i] != NULL; i++) {
        char *p = uat_path_join(root, ops->detect_paths[i]);
        int ok = p != NULL && access(p, F_OK) == 0;
        free(p);
        if (ok) {
            return 1;
        }
    }
    return 0;
}

size_t uat_detect_tees(const char *root, const char **names, size_t cap)
{
    size_t n = 0;
    root = root ? root : "/";
    for (size_t i = 0; i < uat_registry_count(); i++) {
        const uat_tee_ops *ops = uat_registry_at(i);
        if (ops->collect != NULL && detected(ops, root)) {
            if (n < cap && names != NULL) {
                names[n] = ops->name;
            }
            n++;
        }
    }
    return n;
}

const char *uat_tee_name(size_t i)
{
    const uat_tee_ops *ops = uat_registry_at(i);
    return ops ? ops->name : NULL;
}

const char *uat_tee_media_type(size_t i)
{
    const uat_tee_ops *ops = uat_registry_at(i);
    return ops ? ops->media_type : NULL;
}

static uat_err pick(const char *tee, const char *root, const uat_tee_ops **out)
{
    if (tee != NULL && strcmp(tee, "auto") != 0) {
        const uat_tee_ops *ops = uat_registry_by_name(tee);
        if (ops == NULL || ops->collect == NULL) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_TEE, "attester.tee", "tee", -1,
                             "this build has no attester for TEE \"%s\"", tee);
        }
        *out = ops;
        return UAT_OK;
    }
    const char *names[1];
    if (uat_detect_tees(root, names, 1) == 0) {
        return UAT_FAILF(UAT_ERR_PLATFORM_NO_TEE, "attester.detect", "", -1,
                         "no TEE device found under %s; name one with --tee", root);
    }
    *out = uat_registry_by_name(names[0]);
    return UAT_OK;
}

uat_err uat_attester_new(const char *tee, const char *root, uat_attester **out)
{
    UAT_ENSURE(out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.new", "", -1);
    root = root ? root : "/";
    const uat_tee_ops *ops = NULL;
    uat_composite_att *comp = NULL;
    UAT_TRY(uat_composite_spec(tee) ? uat_composite_att_new(tee, root, &comp)
                                    : pick(tee, root, &ops));
    uat_attester *a = calloc(1, sizeof(*a));
    if (a == NULL || (a->root = strdup(root)) == NULL) {
        free(a);
        uat_composite_att_free(comp);
        return UAT_NOMEM("attester.new");
    }
    a->ops = ops;
    a->composite = comp;
    *out = a;
    return UAT_OK;
}

void uat_attester_free(uat_attester *a)
{
    if (a == NULL) {
        return;
    }
    drop_cache(a);
    uat_composite_att_free(a->composite);
    for (size_t i = 0; i < a->nopts; i++) {
        free(a->keys[i]);
        free(a->values[i]);
    }
    free(a->root);
    free(a->state_dir);
    free(a);
}

const char *uat_attester_tee(const uat_attester *a)
{
    return a->composite != NULL ? uat_composite_att_name(a->composite) : a->ops->name;
}

const uat_tee_ops *uat_attester_ops(const uat_attester *a)
{
    return a->ops;
}

int uat_attester_knows_option(const uat_attester *a, const char *key)
{
    for (size_t i = 0; a->ops->options != NULL && a->ops->options[i] != NULL; i++) {
        if (strcmp(a->ops->options[i], key) == 0) {
            return 1;
        }
    }
    return 0;
}

uat_err uat_attester_set_option(uat_attester *a, const char *key, const char *value)
{
    UAT_ENSURE(a != NULL && key != NULL && value != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "attester.option", "", -1);
    if (a->composite != NULL) {
        return uat_composite_att_set_option(a->composite, key, value);
    }
    drop_cache(a); /* what the TEE cached may depend on any option */
    if (strcmp(key, "state-dir") == 0) {
        char *copy = strdup(value);
        if (copy == NULL) {
            return UAT_NOMEM("attester.option");
        }
        free(a->state_dir);
        a->state_dir = copy;
        return UAT_OK;
    }
    if (!uat_attester_knows_option(a, key)) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.option", "key", -1,
                         "the %s attester has no option \"%s\"", a->ops->name, key);
    }
    for (size_t i = 0; i < a->nopts; i++) {
        if (strcmp(a->keys[i], key) == 0) {
            char *copy = strdup(value);
            if (copy == NULL) {
                return UAT_NOMEM("attester.option");
            }
            free(a->values[i]);
            a->values[i] = copy;
            return UAT_OK;
        }
    }
    UAT_ENSURE(a->nopts < UAT_MAX_OPTIONS, UAT_ERR_RESOURCE_LIMIT, "attester.option", "", -1);
    a->keys[a->nopts] = strdup(key);
    a->values[a->nopts] = strdup(value);
    if (a->keys[a->nopts] == NULL || a->values[a->nopts] == NULL) {
        free(a->keys[a->nopts]);
        free(a->values[a->nopts]);
        return UAT_NOMEM("attester.option");
    }
    a->nopts++;
    return UAT_OK;
}

uat_err uat_attester_collect(uat_attester *a, const uint8_t *report_data, uat_cmw **out)
{
    UAT_ENSURE(a != NULL && report_data != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "attester.collect", "", -1);
    uat_error_clear();
    if (a->composite != NULL) {
        return uat_composite_att_collect(a->composite, report_data, out);
    }
    uat_attest_ctx ctx = {a->root, a->state_dir, a->nopts, (const char *const *)a->keys,
                          (const char *const *)a->values, &a->cache};
    uat_buf ev;
    uat_buf_init(&ev, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = a->ops->collect(&ctx, report_data, &ev);
    if (rc == UAT_OK) {
        rc = uat_cmw_record_new(a->ops->media_type, ev.p, ev.len, UAT_CMW_IND_EVIDENCE, out);
    }
    uat_buf_free(&ev);
    return rc;
}

uat_err uat_attester_enrol_respond(uat_attester *a, const uint8_t *challenge, size_t n,
                                   uint8_t **secret, size_t *secret_len)
{
    UAT_ENSURE(a != NULL && challenge != NULL && secret != NULL && secret_len != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.enrol", "", -1);
    uat_error_clear();
    if (a->composite != NULL || a->ops->enrol_respond == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "attester.enrol", "tee", -1,
                         "the %s attester has no enrolment by credential activation",
                         uat_attester_tee(a));
    }
    uat_attest_ctx ctx = {a->root, a->state_dir, a->nopts, (const char *const *)a->keys,
                          (const char *const *)a->values, &a->cache};
    uat_buf sec;
    uat_buf_init(&sec, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = a->ops->enrol_respond(&ctx, uat_span_of(challenge, n), &sec);
    if (rc == UAT_OK) {
        uat_buf_take(&sec, secret, secret_len);
    }
    uat_buf_free(&sec);
    return rc;
}

/* ---- bound key agreement (registry.h; the channel's bare mode) ----------------------------- */

int uat_attester_has_kx(const uat_attester *a)
{
    return a != NULL && a->composite == NULL && a->ops->kx_create != NULL &&
           a->ops->kx_prove != NULL && a->ops->kx_agree != NULL && a->ops->kx_free != NULL;
}

#define KX_CTX(a)                                                                                  \
    {(a)->root, (a)->state_dir, (a)->nopts, (const char *const *)(a)->keys,                         \
     (const char *const *)(a)->values, &(a)->cache}

uat_err uat_attester_kx_create(uat_attester *a, int use, void **key,
                               uint8_t pub[UAT_KX_POINT_LEN])
{
    UAT_ENSURE(a != NULL && key != NULL && pub != NULL && (use == UAT_KX_ECDH || use == UAT_KX_SIGN),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.kx", "", -1);
    if (use == UAT_KX_SIGN && !uat_attester_has_kx_sign(a)) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "attester.kx", "tee", -1,
                         "the %s attester holds no signing keys", uat_attester_tee(a));
    }
    if (!uat_attester_has_kx(a)) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "attester.kx", "tee", -1,
                         "the %s attester holds no bound keys", uat_attester_tee(a));
    }
    uat_attest_ctx ctx = KX_CTX(a);
    *key = NULL;
    return a->ops->kx_create(&ctx, use, key, pub);
}

uat_err uat_attester_seal_key(uat_attester *a, const char *label, uint8_t key[32])
{
    UAT_ENSURE(a != NULL && label != NULL && key != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "attester.seal", "", -1);
    if (a->composite != NULL || a->ops->seal_key == NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, "attester.seal", "tee", -1,
                         "the %s attester offers no sealing key", uat_attester_tee(a));
    }
    uat_attest_ctx ctx = KX_CTX(a);
    return a->ops->seal_key(&ctx, label, key);
}

uat_err uat_attester_kx_prove(uat_attester *a, void *key, const uint8_t *report_data,
                              uat_cmw **evidence, uat_buf *proof)
{
    UAT_ENSURE(uat_attester_has_kx(a) && key != NULL && report_data != NULL && evidence != NULL &&
                   proof != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.kx", "", -1);
    uat_attest_ctx ctx = KX_CTX(a);
    uat_buf ev;
    uat_buf_init(&ev, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = a->ops->kx_prove(&ctx, key, report_data, &ev, proof);
    if (rc == UAT_OK) {
        rc = uat_cmw_record_new(a->ops->media_type, ev.p, ev.len, UAT_CMW_IND_EVIDENCE, evidence);
    }
    uat_buf_free(&ev);
    return rc;
}

uat_err uat_attester_kx_agree(uat_attester *a, void *key, const uint8_t peer[UAT_KX_POINT_LEN],
                              uint8_t z[32])
{
    UAT_ENSURE(uat_attester_has_kx(a) && key != NULL && peer != NULL && z != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.kx", "", -1);
    return a->ops->kx_agree(key, peer, z);
}

void uat_attester_kx_free(uat_attester *a, void *key)
{
    if (key != NULL && uat_attester_has_kx(a)) {
        a->ops->kx_free(key);
    }
}

int uat_attester_has_kx_sign(const uat_attester *a)
{
    return uat_attester_has_kx(a) && a->ops->kx_signing_key != NULL;
}

uat_err uat_attester_kx_signing_key(uat_attester *a, void *key, struct uat_key **out)
{
    UAT_ENSURE(uat_attester_has_kx_sign(a) && key != NULL && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.kx", "", -1);
    uat_attest_ctx ctx = KX_CTX(a);
    return a->ops->kx_signing_key(&ctx, key, out);
}

int uat_tee_has_kx(const char *tee)
{
    const uat_tee_ops *ops = tee != NULL ? uat_registry_by_name(tee) : NULL;
    return ops != NULL && ops->kx_verify != NULL;
}
