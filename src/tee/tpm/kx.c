/* The TPM's bound keys for the channel (registry.h kx_*, docs/channel.md): a P-256 key created
 * inside the TPM under a transient storage primary, with fixedTPM, fixedParent,
 * sensitiveDataOrigin, userWithAuth and either decrypt (ECDH, bare mode) or sign (ECDSA SHA-256:
 * the TLS key of TLS mode), so its private part never leaves the TPM; a quote and a
 * certification of the key by the attestation key, both with the report data as qualifying
 * data; Z computed by the TPM (ECDH), or TLS signatures made by the TPM through the tpm2-openssl
 * provider (sign: the key is moved to a persistent handle, where the provider reads it, and removed when
 * freed). The ECDH key stays loaded on its ESAPI connection from creation to agreement.
 * Test knobs (options): kx-fixed-tpm=no creates the key without fixedTPM / fixedParent;
 * kx-ak-handle / kx-ak-alg certify with another AK than the one that quotes.
 * spec: TPM 2.0 Library Part 3 rev 1.59 §24.1 TPM2_CreatePrimary, §12.1 TPM2_Create, §12.2
 *       TPM2_Load, §18.2 TPM2_Certify, §14.5 TPM2_ECDH_ZGen, §28.4 TPM2_FlushContext; Part 2
 *       §8.3 TPMA_OBJECT; §28.5 TPM2_EvictControl. */
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/tpm/esys.h"

#define CHECK "tpm.kx"

typedef struct tpm_kx {
    uat_tpm_dev dev;
    ESYS_TR key; /* the ECDH key (loaded), or the signing key at its persistent handle */
    int use;     /* UAT_KX_* */
    uint8_t pub[sizeof(TPMT_PUBLIC)]; /* the key's TPMT_PUBLIC as marshalled */
    size_t pub_len;
    TPM2_HANDLE persistent; /* the signing key's persistent handle (0: none) */
} tpm_kx;

void uat_tpm_kx_free(void *key)
{
    tpm_kx *k = key;
    if (k == NULL) {
        return;
    }
    if (k->persistent != 0) {
        /* spec: Part 3 §28.5: EvictControl of a persistent object removes it */
        ESYS_TR gone = ESYS_TR_NONE;
        (void)Esys_EvictControl(k->dev.esys, ESYS_TR_RH_OWNER, k->key, ESYS_TR_PASSWORD,
                                ESYS_TR_NONE, ESYS_TR_NONE, k->persistent, &gone);
    } else if (k->key != ESYS_TR_NONE) {
        (void)Esys_FlushContext(k->dev.esys, k->key); /* a TPM without RM keeps it otherwise */
    }
    uat_tpm_dev_close(&k->dev);
    free(k);
}

static TPM2B_PUBLIC storage_template(void)
{
    TPM2B_PUBLIC t;
    memset(&t, 0, sizeof(t));
    t.publicArea.type = TPM2_ALG_ECC;
    t.publicArea.nameAlg = TPM2_ALG_SHA256;
    t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                    TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
                                    TPMA_OBJECT_DECRYPT;
    TPMS_ECC_PARMS *e = &t.publicArea.parameters.eccDetail;
    e->symmetric.algorithm = TPM2_ALG_AES;
    e->symmetric.keyBits.aes = 128;
    e->symmetric.mode.aes = TPM2_ALG_CFB;
    e->scheme.scheme = TPM2_ALG_NULL;
    e->curveID = TPM2_ECC_NIST_P256;
    e->kdf.scheme = TPM2_ALG_NULL;
    return t;
}

static uat_err key_template(const uat_attest_ctx *ctx, int use, TPM2B_PUBLIC *t)
{
    const char *fixed = uat_attest_opt(ctx, "kx-fixed-tpm");
    UAT_ENSURE(fixed == NULL || strcmp(fixed, "yes") == 0 || strcmp(fixed, "no") == 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "kx-fixed-tpm", -1);
    memset(t, 0, sizeof(*t));
    t->publicArea.type = TPM2_ALG_ECC;
    t->publicArea.nameAlg = TPM2_ALG_SHA256;
    t->publicArea.objectAttributes = TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                     TPMA_OBJECT_NODA |
                                     (use == UAT_KX_SIGN ? TPMA_OBJECT_SIGN_ENCRYPT
                                                         : TPMA_OBJECT_DECRYPT);
    if (fixed == NULL || strcmp(fixed, "yes") == 0) {
        t->publicArea.objectAttributes |= TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT;
    }
    TPMS_ECC_PARMS *e = &t->publicArea.parameters.eccDetail;
    e->symmetric.algorithm = TPM2_ALG_NULL;
    /* the TLS key signs TLS 1.3's ecdsa_secp256r1_sha256 only (RFC 8446 §4.2.3) */
    e->scheme.scheme = use == UAT_KX_SIGN ? TPM2_ALG_ECDSA : TPM2_ALG_ECDH;
    e->scheme.details.ecdh.hashAlg = TPM2_ALG_SHA256; /* (the same field for ecdsa) */
    e->curveID = TPM2_ECC_NIST_P256;
    e->kdf.scheme = TPM2_ALG_NULL;
    return UAT_OK;
}

static uat_err persist(tpm_kx *k);

/* TPM2_Create under a transient primary, TPM2_Load, then the primary is flushed. */
static uat_err create_key(tpm_kx *k, const uat_attest_ctx *ctx, TPM2B_PUBLIC **out_pub)
{
    TPM2B_SENSITIVE_CREATE sens;
    memset(&sens, 0, sizeof(sens));
    TPM2B_DATA outside;
    memset(&outside, 0, sizeof(outside));
    TPML_PCR_SELECTION pcrs;
    memset(&pcrs, 0, sizeof(pcrs));
    TPM2B_PUBLIC srk = storage_template(), tmpl;
    UAT_TRY(key_template(ctx, k->use, &tmpl));
    ESYS_TR parent = ESYS_TR_NONE;
    TSS2_RC rc = Esys_CreatePrimary(k->dev.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sens, &srk, &outside, &pcrs, &parent, NULL,
                                    NULL, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.CreatePrimary", "storage");
    }
    TPM2B_PRIVATE *priv = NULL;
    rc = Esys_Create(k->dev.esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
                     &tmpl, &outside, &pcrs, &priv, out_pub, NULL, NULL, NULL);
    uat_err e = UAT_OK;
    if (rc != TSS2_RC_SUCCESS) {
        e = UAT_TSS_FAIL(rc, "tpm.Create", "kx");
    } else {
        rc = Esys_Load(k->dev.esys, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv,
                       *out_pub, &k->key);
        if (rc != TSS2_RC_SUCCESS) {
            k->key = ESYS_TR_NONE;
            e = UAT_TSS_FAIL(rc, "tpm.Load", "kx");
        } else if (k->use == UAT_KX_SIGN) {
            e = persist(k);
        }
    }
    uat_wipe(priv, sizeof(*priv));
    Esys_Free(priv);
    (void)Esys_FlushContext(k->dev.esys, parent);
    return e;
}

#define KX_PERSISTENT_FIRST 0x81000100u /* owner storage range, TCG handle registry */
#define KX_PERSISTENT_COUNT 16u

/* The signing key moves to the first free persistent handle of a small range: the provider then
 * reads it there (handle:0x...) without loading a copy, and neither side keeps a transient
 * object slot (a TPM without a resource manager has three; the provider's signatures and
 * verifications take up to three: a loaded external key, a hash sequence and its copy). Another
 * process may take a handle between the check and the move: the next one is tried. */
static uat_err persist(tpm_kx *k)
{
    for (uint32_t i = 0; i < KX_PERSISTENT_COUNT; i++) {
        TPM2_HANDLE h = KX_PERSISTENT_FIRST + i;
        int present = 1;
        UAT_TRY(uat_tpm_handle_present(&k->dev, h, &present));
        if (present) {
            continue;
        }
        ESYS_TR p = ESYS_TR_NONE;
        TSS2_RC rc = Esys_EvictControl(k->dev.esys, ESYS_TR_RH_OWNER, k->key, ESYS_TR_PASSWORD,
                                       ESYS_TR_NONE, ESYS_TR_NONE, h, &p);
        if ((rc & 0xFFFu) == TPM2_RC_NV_DEFINED) {
            continue;
        }
        if (rc != TSS2_RC_SUCCESS) {
            return UAT_TSS_FAIL(rc, "tpm.EvictControl", "kx");
        }
        (void)Esys_FlushContext(k->dev.esys, k->key);
        k->key = p;
        k->persistent = h;
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "persistent", -1,
                     "persistent handles 0x%08x..0x%08x are all taken", KX_PERSISTENT_FIRST,
                     KX_PERSISTENT_FIRST + KX_PERSISTENT_COUNT - 1);
}

static uat_err create_run(tpm_kx *k, const uat_attest_ctx *ctx, uint8_t pub[65])
{
    UAT_TRY(uat_tpm_dev_open(ctx, &k->dev));
    TPM2B_PUBLIC *p = NULL;
    UAT_TRY(create_key(k, ctx, &p));
    const TPMS_ECC_POINT *q = &p->publicArea.unique.ecc;
    uat_err e = UAT_OK;
    if (q->x.size > 32 || q->y.size > 32) {
        e = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.Create", "unique", -1,
                      "the TPM returned a point with coordinates over 32 bytes");
    } else {
        memset(pub, 0, 65);
        pub[0] = 0x04;
        memcpy(pub + 1 + 32 - q->x.size, q->x.buffer, q->x.size);
        memcpy(pub + 33 + 32 - q->y.size, q->y.buffer, q->y.size);
        TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Marshal(&p->publicArea, k->pub, sizeof(k->pub),
                                                 &k->pub_len);
        if (rc != TSS2_RC_SUCCESS) {
            e = UAT_TSS_FAIL(rc, "tpm.marshal", "kx");
        }
    }
    Esys_Free(p);
    return e;
}

uat_err uat_tpm_kx_create(const uat_attest_ctx *ctx, int use, void **key, uint8_t pub[65])
{
    UAT_ENSURE(use == UAT_KX_ECDH || use == UAT_KX_SIGN, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "use", -1);
    tpm_kx *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return UAT_NOMEM(CHECK);
    }
    k->key = ESYS_TR_NONE;
    k->use = use;
    uat_err e = create_run(k, ctx, pub);
    if (e != UAT_OK) {
        uat_tpm_kx_free(k);
        return e;
    }
    *key = k;
    return UAT_OK;
}

/* The options with the certifying AK's (kx-ak-handle / kx-ak-alg) in place of ak-handle / ak-alg. */
typedef struct certifier_opts {
    const char *keys[UAT_MAX_OPTIONS + 2];
    const char *values[UAT_MAX_OPTIONS + 2];
    uat_attest_ctx ctx;
} certifier_opts;

static uat_err certifier_ctx(const uat_attest_ctx *ctx, certifier_opts *o)
{
    UAT_ENSURE(ctx->nopts <= UAT_MAX_OPTIONS, UAT_ERR_RESOURCE_LIMIT, CHECK, "options", -1);
    size_t n = 0;
    static const char *const map[2][2] = {{"kx-ak-handle", "ak-handle"}, {"kx-ak-alg", "ak-alg"}};
    for (size_t m = 0; m < 2; m++) {
        const char *v = uat_attest_opt(ctx, map[m][0]);
        if (v != NULL) {
            o->keys[n] = map[m][1];
            o->values[n++] = v; /* first: uat_attest_opt takes the first of a name */
        }
    }
    for (size_t i = 0; i < ctx->nopts; i++) {
        o->keys[n] = ctx->keys[i];
        o->values[n++] = ctx->values[i];
    }
    o->ctx = *ctx;
    o->ctx.nopts = n;
    o->ctx.keys = o->keys;
    o->ctx.values = o->values;
    return UAT_OK;
}

/* TPM2_Certify of the key by the AK with report_data as qualifying data, as TPM evidence. */
static uat_err certify(tpm_kx *k, const uat_attest_ctx *ctx, const uint8_t *rd, uat_buf *out)
{
    certifier_opts o;
    UAT_TRY(certifier_ctx(ctx, &o));
    ESYS_TR ak = ESYS_TR_NONE;
    TPM2B_PUBLIC *ak_pub = NULL;
    UAT_TRY(uat_tpm_ak_load(&k->dev, &o.ctx, &ak, &ak_pub));
    /* spec: DESIGN.md §4: the binding is 32 bytes when report_data[32..63] is zero, else 64 */
    TPM2B_DATA qd;
    qd.size = uat_is_zero(rd + 32, 32) ? 32 : 64;
    memcpy(qd.buffer, rd, qd.size);
    TPMT_SIG_SCHEME scheme;
    memset(&scheme, 0, sizeof(scheme));
    scheme.scheme = TPM2_ALG_NULL;
    TPM2B_ATTEST *att = NULL;
    TPMT_SIGNATURE *sig = NULL;
    uat_err e = UAT_OK;
    TSS2_RC rc = Esys_Certify(k->dev.esys, k->key, ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD,
                              ESYS_TR_NONE, &qd, &scheme, &att, &sig);
    uint8_t sigb[sizeof(TPMT_SIGNATURE)], akb[sizeof(TPMT_PUBLIC)];
    size_t sig_len = 0, ak_len = 0;
    if (rc != TSS2_RC_SUCCESS) {
        e = UAT_TSS_FAIL(rc, "tpm.Certify", "kx");
    } else {
        rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigb, sizeof(sigb), &sig_len);
        rc = rc != TSS2_RC_SUCCESS
                 ? rc
                 : Tss2_MU_TPMT_PUBLIC_Marshal(&ak_pub->publicArea, akb, sizeof(akb), &ak_len);
        e = rc != TSS2_RC_SUCCESS ? UAT_TSS_FAIL(rc, "tpm.marshal", "kx") : UAT_OK;
    }
    if (e == UAT_OK) {
        uat_tpm_evidence ev;
        memset(&ev, 0, sizeof(ev));
        ev.attest = uat_span_of(att->attestationData, att->size);
        ev.signature = uat_span_of(sigb, sig_len);
        ev.ak_pub = uat_span_of(akb, ak_len);
        ev.certified_pub = uat_span_of(k->pub, k->pub_len);
        e = uat_tpm_evidence_encode(&ev, out);
    }
    Esys_Free(att);
    Esys_Free(sig);
    Esys_Free(ak_pub);
    Esys_TR_Close(k->dev.esys, &ak);
    return e;
}

uat_err uat_tpm_kx_prove(const uat_attest_ctx *ctx, void *key, const uint8_t *report_data,
                         uat_buf *evidence, uat_buf *proof)
{
    tpm_kx *k = key;
    UAT_TRY(uat_tpm_collect_dev(ctx, &k->dev, report_data, evidence));
    return certify(k, ctx, report_data, proof);
}

uat_err uat_tpm_kx_signing_key(const uat_attest_ctx *ctx, void *key, uat_key **out)
{
    tpm_kx *k = key;
    UAT_ENSURE(k != NULL && k->use == UAT_KX_SIGN, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "use",
               -1);
    UAT_ENSURE(k->persistent != 0, UAT_ERR_INTERNAL, CHECK, "persistent", -1);
    char def[UAT_MAX_PATH_LEN + 32], uri[32];
    snprintf(uri, sizeof(uri), "handle:0x%08x", (unsigned)k->persistent);
    /* signatures through the provider, everything else (digests, ciphers, randomness) in
     * software: the TPM's own digests and ciphers would send every TLS record through it */
    /* tpm2-openssl 1.1.1 ignores its "tcti" configuration parameter (it hands the core a NULL
     * address to write it to) and reads TPM2OPENSSL_TCTI instead: both are given */
    uat_provider_key_spec spec = {"tpm2",
                                  "tcti",
                                  uat_tpm_tcti_conf(ctx, def, sizeof(def)),
                                  "TPM2OPENSSL_TCTI",
                                  "?tpm2.signature,tpm2.digest=no,tpm2.cipher=no"};
    return uat_key_from_provider(&spec, uri, out);
}

uat_err uat_tpm_kx_agree(void *key, const uint8_t peer[65], uint8_t z[32])
{
    tpm_kx *k = key;
    UAT_ENSURE(peer[0] == 0x04, UAT_ERR_CRYPTO_BAD_KEY, CHECK, "peer", -1);
    TPM2B_ECC_POINT in;
    memset(&in, 0, sizeof(in));
    in.point.x.size = 32;
    in.point.y.size = 32;
    memcpy(in.point.x.buffer, peer + 1, 32);
    memcpy(in.point.y.buffer, peer + 33, 32);
    TPM2B_ECC_POINT *out = NULL;
    TSS2_RC rc = Esys_ECDH_ZGen(k->dev.esys, k->key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                &in, &out);
    if (rc != TSS2_RC_SUCCESS) {
        /* a point off the curve is refused here by the TPM */
        return UAT_TSS_FAIL(rc, "tpm.ECDH_ZGen", "peer");
    }
    uat_err e = UAT_OK;
    if (out->point.x.size > 32) {
        e = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.ECDH_ZGen", "outPoint", -1,
                      "Z is %u bytes", out->point.x.size);
    } else {
        memset(z, 0, 32);
        memcpy(z + 32 - out->point.x.size, out->point.x.buffer, out->point.x.size);
    }
    uat_wipe(out, sizeof(*out));
    Esys_Free(out);
    return e;
}
