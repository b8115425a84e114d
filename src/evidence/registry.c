/* The TEE registry. Adding a TEE: one folder under src/tee/ and one line below. */
#include "evidence/registry.h"

#include <string.h>

#include "appraisal/appraisal_int.h"
#include "tee/azsnpvtpm/azsnpvtpm.h"
#include "tee/cca/cca.h"
#include "tee/csv/csv.h"
#include "tee/hyperenclave/hyperenclave.h"
#include "tee/intel/intel.h"
#include "tee/intel/epid.h"
#include "tee/itrustee/itrustee.h"
#include "tee/nvgpu/nvgpu.h"
#include "tee/sim/sim.h"
#include "tee/snp/snp.h"
#include "tee/virtcca/virtcca.h"
#include "tee/tpm/tpm.h"

static const uat_tee_ops *const registry[] = {
    &uat_tee_sim,
    &uat_tee_sgx,
    &uat_tee_tdx,
    &uat_tee_sgx_epid,
    &uat_tee_snp,
    &uat_tee_csv,
    &uat_tee_tpm,
    &uat_tee_cca,
    &uat_tee_virtcca,
    &uat_tee_azsnpvtpm,
    &uat_tee_hyperenclave,
    &uat_tee_itrustee,
    &uat_tee_nvgpu,
};

size_t uat_registry_count(void)
{
    return sizeof(registry) / sizeof(registry[0]);
}

const uat_tee_ops *uat_registry_at(size_t i)
{
    return i < uat_registry_count() ? registry[i] : NULL;
}

const uat_tee_ops *uat_registry_by_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < uat_registry_count(); i++) {
        if (strcmp(registry[i]->name, name) == 0) {
            return registry[i];
        }
    }
    return NULL;
}

/* Compares the type/subtype part only: parameters do not select a verifier. */
static int same_media_type(const char *a, const char *b)
{
    size_t la = strcspn(a, "; ");
    size_t lb = strcspn(b, "; ");
    return la == lb && strncasecmp(a, b, la) == 0;
}

const uat_tee_ops *uat_registry_by_media_type(const char *media_type)
{
    for (size_t i = 0; media_type != NULL && i < uat_registry_count(); i++) {
        if (same_media_type(registry[i]->media_type, media_type)) {
            return registry[i];
        }
    }
    return NULL;
}

const uat_tee_ops *uat_registry_by_tag(uint64_t tag)
{
    for (size_t i = 0; tag != 0 && i < uat_registry_count(); i++) {
        if (registry[i]->cbor_tag == tag) {
            return registry[i];
        }
    }
    return NULL;
}

const uat_tee_ops *uat_registry_by_tag_value(uint64_t tag, uat_span value)
{
    /* several TEEs may share a tag (60000: SGX and TDX quotes): the value tells them apart */
    const uat_tee_ops *first = NULL;
    for (size_t i = 0; tag != 0 && i < uat_registry_count(); i++) {
        if (registry[i]->cbor_tag != tag) {
            continue;
        }
        if (registry[i]->sniff != NULL && registry[i]->sniff(value)) {
            return registry[i];
        }
        first = first ? first : registry[i];
    }
    return first;
}

const uat_tee_ops *uat_registry_sniff(uat_span ev)
{
    for (size_t i = 0; i < uat_registry_count(); i++) {
        if (registry[i]->sniff != NULL && registry[i]->sniff(ev)) {
            return registry[i];
        }
    }
    return NULL;
}

const char *uat_attest_opt(const uat_attest_ctx *ctx, const char *key)
{
    for (size_t i = 0; i < ctx->nopts; i++) {
        if (strcmp(ctx->keys[i], key) == 0) {
            return ctx->values[i];
        }
    }
    return NULL;
}

int uat_verify_signer_pinned(const uat_verify_ctx *ctx, const char *tee, const char *signer_hex)
{
    return ctx->refvals != NULL && uat_refvals_pins(ctx->refvals, tee, "signer", signer_hex);
}

const char *uat_verify_fetch_url(const uat_verify_ctx *ctx, const char *vendor)
{
    for (size_t i = 0; i < ctx->nfetch; i++) {
        if (strcmp(ctx->fetch_names[i], vendor) == 0) {
            return ctx->fetch_urls[i];
        }
    }
    return NULL;
}
