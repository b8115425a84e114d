/* The TPM device shared by the attester and credential activation (esys.h): the TCTI connection,
 * TSS errors as uat_err, numeric options, and the attestation key at its persistent handle.
 * spec: TPM 2.0 Library Part 3 rev 1.59 §24.1 TPM2_CreatePrimary, §28.5 TPM2_EvictControl,
 *       §12.4 TPM2_ReadPublic, §30.2 TPM2_GetCapability. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "core/limits.h"
#include "tee/tpm/esys.h"

#define CHECK "tpm.attest"
#define DEFAULT_AK_HANDLE 0x81010002u

uat_err uat_tpm_tss_fail(TSS2_RC rc, const char *check, const char *field, const char *file,
                         int line)
{
    return uat_fail_fmt(UAT_ERR_PLATFORM_DEVICE, check, field, -1, file, line, "%s (0x%x)",
                        Tss2_RC_Decode(rc), (unsigned)rc);
}

const char *uat_tpm_tcti_conf(const uat_attest_ctx *ctx, char *def, size_t cap)
{
    const char *conf = uat_attest_opt(ctx, "tcti");
    if (conf == NULL) {
        int rooted = ctx->root != NULL && strcmp(ctx->root, "/") != 0;
        snprintf(def, cap, "device:%s/dev/tpmrm0", rooted ? ctx->root : "");
        conf = def;
    }
    return conf;
}

uat_err uat_tpm_dev_open(const uat_attest_ctx *ctx, uat_tpm_dev *dev)
{
    char def[UAT_MAX_PATH_LEN + 32];
    const char *conf = uat_tpm_tcti_conf(ctx, def, sizeof(def));
    memset(dev, 0, sizeof(*dev));
    TSS2_RC rc = Tss2_TctiLdr_Initialize(conf, &dev->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        dev->tcti = NULL;
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.tcti", "tcti", -1,
                         "cannot open TCTI \"%s\": %s", conf, Tss2_RC_Decode(rc));
    }
    rc = Esys_Initialize(&dev->esys, dev->tcti, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        dev->esys = NULL;
        uat_tpm_dev_close(dev);
        return UAT_TSS_FAIL(rc, "tpm.Esys_Initialize", "tcti");
    }
    return UAT_OK;
}

void uat_tpm_dev_close(uat_tpm_dev *dev)
{
    if (dev->esys != NULL) {
        Esys_Finalize(&dev->esys);
    }
    if (dev->tcti != NULL) {
        Tss2_TctiLdr_Finalize(&dev->tcti);
    }
}

uat_err uat_tpm_handle_present(uat_tpm_dev *dev, TPM2_HANDLE h, int *present)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more = 0;
    TSS2_RC rc = Esys_GetCapability(dev->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_HANDLES, h, 1, &more, &cap);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.GetCapability", "handles");
    }
    *present = cap->data.handles.count > 0 && cap->data.handles.handle[0] == h;
    Esys_Free(cap);
    return UAT_OK;
}

/* ---- options ---------------------------------------------------------------------------- */

uat_err uat_tpm_opt_u32(const uat_attest_ctx *ctx, const char *key, uint32_t def, uint32_t *out)
{
    const char *v = uat_attest_opt(ctx, key);
    if (v == NULL) {
        *out = def;
        return UAT_OK;
    }
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 0);
    if (v[0] == '\0' || v[0] == '-' || *end != '\0' || n > UINT32_MAX) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, key, -1,
                         "option %s takes a number such as 0x81010002, not \"%s\"", key, v);
    }
    *out = (uint32_t)n;
    return UAT_OK;
}

/* ---- attestation key -------------------------------------------------------------------- */

static uat_err opt_ak(const uat_attest_ctx *ctx, uint32_t *handle, int *rsa)
{
    UAT_TRY(uat_tpm_opt_u32(ctx, "ak-handle", DEFAULT_AK_HANDLE, handle));
    /* spec: Part 2 §7.3 TPM_HT_PERSISTENT; owner-created objects: 0x81000000-0x817FFFFF */
    if (*handle < 0x81000000u || *handle > 0x817FFFFFu) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "ak-handle", -1,
                         "option ak-handle is a persistent handle 0x81000000-0x817fffff, not 0x%x",
                         *handle);
    }
    const char *alg = uat_attest_opt(ctx, "ak-alg");
    if (alg != NULL && strcmp(alg, "ecc") != 0 && strcmp(alg, "rsa") != 0) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "ak-alg", -1,
                         "option ak-alg is ecc or rsa, not \"%s\"", alg);
    }
    *rsa = alg != NULL && strcmp(alg, "rsa") == 0;
    return UAT_OK;
}

#define AK_ATTRS                                                                                   \
    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |            \
     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

/* The AK template (as tpm2_createak makes them): restricted signing, SHA-256 Names. */
static TPM2B_PUBLIC ak_template(int rsa)
{
    TPM2B_PUBLIC t;
    memset(&t, 0, sizeof(t));
    TPMT_PUBLIC *p = &t.publicArea;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = AK_ATTRS;
    if (rsa) {
        p->type = TPM2_ALG_RSA;
        p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
        p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
        p->parameters.rsaDetail.keyBits = 2048;
        p->parameters.rsaDetail.exponent = 0;
    } else {
        p->type = TPM2_ALG_ECC;
        p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
        p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
        p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    }
    return t;
}

/* A key found at the handle must be what ak-alg asks for: a restricted signing key that cannot
 * decrypt, fixed to this TPM, with the scheme quotes are verified with. */
static uat_err check_ak(const TPMT_PUBLIC *p, int rsa, uint32_t handle)
{
    TPMA_OBJECT need = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED |
                       TPMA_OBJECT_SIGN_ENCRYPT;
    int ok =
        (p->objectAttributes & need) == need && (p->objectAttributes & TPMA_OBJECT_DECRYPT) == 0;
    if (rsa) {
        const TPMS_RSA_PARMS *r = &p->parameters.rsaDetail;
        ok = ok && p->type == TPM2_ALG_RSA && r->scheme.scheme == TPM2_ALG_RSASSA &&
             r->scheme.details.rsassa.hashAlg == TPM2_ALG_SHA256 && r->keyBits == 2048;
    } else {
        const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
        ok = ok && p->type == TPM2_ALG_ECC && e->scheme.scheme == TPM2_ALG_ECDSA &&
             e->scheme.details.ecdsa.hashAlg == TPM2_ALG_SHA256 && e->curveID == TPM2_ECC_NIST_P256;
    }
    if (!ok) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "ak-handle", -1,
                         "the key at persistent handle 0x%x is not a restricted %s signing key; "
                         "choose another ak-handle or evict it (tpm2_evictcontrol -c 0x%x)",
                         handle, rsa ? "RSA-2048 RSASSA-SHA256" : "ECC P-256 ECDSA-SHA256", handle);
    }
    return UAT_OK;
}

static uat_err read_public(uat_tpm_dev *d, ESYS_TR obj, TPM2B_PUBLIC **pub)
{
    TPM2B_NAME *name = NULL, *qname = NULL;
    TSS2_RC rc =
        Esys_ReadPublic(d->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pub, &name, &qname);
    Esys_Free(name);
    Esys_Free(qname);
    return rc == TSS2_RC_SUCCESS ? UAT_OK : UAT_TSS_FAIL(rc, "tpm.ReadPublic", "ak-handle");
}

/* spec: Part 3 §24.1 CreatePrimary (endorsement hierarchy, empty endorsement auth), §28.5
 * EvictControl (owner auth, empty) */
static uat_err create_ak(uat_tpm_dev *d, int rsa, uint32_t handle, ESYS_TR *ak)
{
    TPM2B_SENSITIVE_CREATE sens;
    memset(&sens, 0, sizeof(sens));
    TPM2B_PUBLIC tmpl = ak_template(rsa);
    TPM2B_DATA outside = {0, {0}};
    TPML_PCR_SELECTION none = {0, {{0, 0, {0}}}};
    ESYS_TR obj = ESYS_TR_NONE;
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_CREATION_DATA *cdata = NULL;
    TPM2B_DIGEST *chash = NULL;
    TPMT_TK_CREATION *ticket = NULL;
    TSS2_RC rc = Esys_CreatePrimary(d->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sens, &tmpl, &outside, &none, &obj, &pub, &cdata,
                                    &chash, &ticket);
    Esys_Free(pub);
    Esys_Free(cdata);
    Esys_Free(chash);
    Esys_Free(ticket);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.CreatePrimary", "ak-handle");
    }
    rc = Esys_EvictControl(d->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, handle, ak);
    TSS2_RC frc = Esys_FlushContext(d->esys, obj);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.EvictControl", "ak-handle");
    }
    return frc == TSS2_RC_SUCCESS ? UAT_OK : UAT_TSS_FAIL(frc, "tpm.FlushContext", "");
}

uat_err uat_tpm_ak_load(uat_tpm_dev *d, const uat_attest_ctx *ctx, ESYS_TR *ak, TPM2B_PUBLIC **pub)
{
    uint32_t handle = 0;
    int rsa = 0, present = 0;
    UAT_TRY(opt_ak(ctx, &handle, &rsa));
    UAT_TRY(uat_tpm_handle_present(d, handle, &present));
    ESYS_TR obj = ESYS_TR_NONE;
    if (present) {
        TSS2_RC rc =
            Esys_TR_FromTPMPublic(d->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &obj);
        if (rc != TSS2_RC_SUCCESS) {
            return UAT_TSS_FAIL(rc, "tpm.ReadPublic", "ak-handle");
        }
    } else if (create_ak(d, rsa, handle, &obj) != UAT_OK) {
        /* another process may have persisted an AK at the handle meanwhile: use that one */
        uat_err e = uat_last_error()->err;
        UAT_TRY(uat_tpm_handle_present(d, handle, &present));
        if (!present || Esys_TR_FromTPMPublic(d->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                              ESYS_TR_NONE, &obj) != TSS2_RC_SUCCESS) {
            return e; /* create_ak's error is still the recorded one */
        }
    }
    TPM2B_PUBLIC *p = NULL;
    uat_err e = read_public(d, obj, &p);
    if (e == UAT_OK) {
        e = check_ak(&p->publicArea, rsa, handle);
    }
    if (e != UAT_OK) {
        Esys_Free(p);
        Esys_TR_Close(d->esys, &obj);
        return e;
    }
    *ak = obj;
    *pub = p;
    return UAT_OK;
}
