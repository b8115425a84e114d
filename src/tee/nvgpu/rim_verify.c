/* NVIDIA RIM verification and appraisal (rim.h, docs/nvgpu.md "RIMs"):
 *   1. the signer chain: the KeyInfo certificates, signer first, to a RIM root of
 *      <trust>/nvidia-gpu/ at the evaluation time (through the crypto layer's X.509 store);
 *   2. the enveloped XML signature with the signer's key (xmlsec1, src/crypto/xmldsig.c);
 *   3. appraisal of a verified report: the RIM's colloquialVersion is the report's driver or
 *      VBIOS version, and every active golden index matches one of its alternatives in SPDM
 *      measurement block index+1.
 * spec: NVIDIA nvtrust local GPU verifier, verifier.py (index i ↔ block i+1; index 35 skipped
 *       when NVDEC0_STATUS is 0x55; versions compared case-insensitively).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collateral/trust.h"
#include "crypto/xmldsig.h"
#include "core/file.h"
#include "tee/nvgpu/rim.h"

#define CHECK_CHAIN "nvidia-gpu.rim.chain"
#define CHECK_APPRAISE "nvidia-gpu.rim.appraise"
#define CHECK_LOAD "nvidia-gpu.rim.load"
#define NVDEC0_INDEX 35u
#define NVDEC0_DISABLED 0x55u

static void free_certs(uat_cert **c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uat_cert_free(c[i]);
    }
}

/* Certificates of <trust>/nvidia-gpu/ whose subject CN names a RIM root ("NVIDIA CoRIM signing
 * Root CA"); the Device Identity CA there anchors devices only. */
static uat_err load_rim_anchors(const char *trust_dir, uat_cert **out, size_t *n)
{
    uat_der_list l = {NULL, 0, 0};
    UAT_TRY(uat_trust_load_certs(trust_dir, UAT_NVGPU_NAME, &l));
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < l.n && *n < UAT_MAX_CERT_CHAIN; i++) {
        uat_cert *c = NULL;
        rc = uat_cert_parse(uat_buf_span(&l.items[i]), &c);
        if (rc == UAT_OK && strstr(uat_cert_cn(c), "RIM") == NULL) {
            uat_cert_free(c);
        } else if (rc == UAT_OK) {
            out[(*n)++] = c;
        }
    }
    uat_der_list_free(&l);
    if (rc == UAT_OK && *n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, CHECK_CHAIN, UAT_NVGPU_NAME, -1,
                       "no NVIDIA RIM root is configured");
    }
    return rc;
}

static uat_err verify_chain(uat_cert *const *certs, size_t n, const char *trust_dir, uat_time at)
{
    uat_cert *anchors[UAT_MAX_CERT_CHAIN];
    size_t nanchors = 0;
    uat_x509_store *xs = NULL;
    uat_err rc = load_rim_anchors(trust_dir, anchors, &nanchors);
    if (rc == UAT_OK) {
        rc = uat_x509_store_new(anchors, nanchors, NULL, &xs);
    }
    /* no CRL: NVIDIA publishes RIM certificate revocation by OCSP only; nothing is fetched */
    if (rc == UAT_OK) {
        rc = uat_x509_store_verify(xs, certs[0], certs + 1, n - 1, 0, 0, at, CHECK_CHAIN);
    }
    uat_x509_store_free(xs);
    free_certs(anchors, nanchors);
    return rc;
}

uat_err uat_nvgpu_rim_verify(const uat_nvgpu_rim *r, const char *trust_dir, uat_time at,
                             char signer_cn[128])
{
    uat_cert *certs[UAT_MAX_CERT_CHAIN];
    size_t n = 0;
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < r->certs.n && i < UAT_MAX_CERT_CHAIN; i++) {
        rc = uat_cert_parse(uat_buf_span(&r->certs.items[i]), &certs[i]);
        n += rc == UAT_OK;
    }
    if (rc == UAT_OK && n == 0) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, CHECK_CHAIN, "X509Data", -1);
    }
    if (rc == UAT_OK) {
        rc = verify_chain(certs, n, trust_dir, at);
    }
    if (rc == UAT_OK) {
        rc = uat_xmldsig_verify(r->doc, uat_cert_key(certs[0]));
    }
    if (rc == UAT_OK) {
        snprintf(signer_cn, 128, "%s", uat_cert_cn(certs[0]));
    }
    free_certs(certs, n);
    return rc;
}

uat_err uat_nvgpu_report_version(const uat_nvgpu_report *rep, enum uat_nvgpu_rim_kind kind,
                                 char out[64])
{
    uint16_t type = kind == UAT_NVGPU_RIM_DRIVER ? UAT_NV_OPAQUE_DRIVER_VERSION
                                                 : UAT_NV_OPAQUE_VBIOS_VERSION;
    const uat_nvgpu_tlv *t = uat_nvgpu_opaque_find(&rep->opaque, type);
    if (t == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_APPRAISE,
                         kind == UAT_NVGPU_RIM_DRIVER ? "driver_version" : "vbios_version", -1,
                         "the report's opaque data has no version to select a RIM by");
    }
    if (kind == UAT_NVGPU_RIM_VBIOS) {
        char v[32];
        UAT_TRY(uat_nvgpu_vbios_string(t, v));
        snprintf(out, 64, "%s", v);
        return UAT_OK;
    }
    size_t n = t->data.len; /* NUL-padded text */
    while (n > 0 && t->data.p[n - 1] == 0) {
        n--;
    }
    n = n < 63 ? n : 63;
    memcpy(out, t->data.p, n);
    out[n] = '\0';
    return UAT_OK;
}

static const uat_spdm_block *block_at(const uat_nvgpu_report *rep, unsigned index)
{
    for (unsigned i = 0; i < rep->rsp.nblocks; i++) {
        if (rep->rsp.blocks[i].index == index) {
            return &rep->rsp.blocks[i];
        }
    }
    return NULL;
}

static int nvdec0_disabled(const uat_nvgpu_report *rep)
{
    const uat_nvgpu_tlv *t = uat_nvgpu_opaque_find(&rep->opaque, UAT_NV_OPAQUE_NVDEC0_STATUS);
    return t != NULL && t->data.len == 1 && t->data.p[0] == NVDEC0_DISABLED;
}

/* The alternative block index+1 equals, or -1 (constant time per alternative). */
static int match_of(const uat_nvgpu_rim_meas *m, const uat_spdm_block *b)
{
    int found = -1;
    for (unsigned a = 0; b != NULL && b->value.len == UAT_NVGPU_RIM_HASH_LEN && a < m->nalt; a++) {
        if (uat_ct_equal(b->value.p, m->alt[a], UAT_NVGPU_RIM_HASH_LEN) && found < 0) {
            found = (int)a;
        }
    }
    return found;
}

static uat_err appraise_index(const uat_nvgpu_rim_meas *m, const uat_nvgpu_report *rep,
                              const char *kind, json_t *matched)
{
    const uat_spdm_block *b = block_at(rep, m->index + 1);
    int alt = match_of(m, b);
    if (alt < 0) {
        char field[48];
        snprintf(field, sizeof(field), "rim.%s.index.%u", kind, m->index);
        return UAT_FAILF(UAT_ERR_VERIFY_MEASUREMENT, CHECK_APPRAISE, field, -1,
                         "%s RIM golden index %u: measurement block %u %s", kind, m->index,
                         m->index + 1,
                         b == NULL ? "is absent from the report"
                                   : "matches none of the RIM's alternatives");
    }
    char k[8];
    snprintf(k, sizeof(k), "%u", m->index);
    return uat_json_set_int(matched, k, alt);
}

uat_err uat_nvgpu_rim_appraise(const uat_nvgpu_rim *r, const uat_nvgpu_report *rep,
                               enum uat_nvgpu_rim_kind kind, json_t *o)
{
    const char *name = kind == UAT_NVGPU_RIM_DRIVER ? "driver" : "vbios";
    char version[64];
    UAT_TRY(uat_nvgpu_report_version(rep, kind, version));
    if (strcasecmp(version, r->version) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK_APPRAISE, name, -1,
                         "the %s RIM is for version %s, the report has %s", name, r->version,
                         version);
    }
    json_t *matched = json_object(), *skipped = json_array();
    UAT_TRY(uat_json_set(o, "matched", matched));
    UAT_TRY(uat_json_set(o, "skipped", skipped));
    int skip35 = nvdec0_disabled(rep);
    for (size_t i = 0; i < r->nmeas; i++) {
        const uat_nvgpu_rim_meas *m = &r->meas[i];
        if (!m->active) {
            continue;
        }
        if (m->index == NVDEC0_INDEX && skip35) {
            /* the NVDEC0 engine is off (0x55): its measurement is not appraised (nvtrust) */
            if (json_array_append_new(skipped, json_integer(m->index)) != 0) {
                return UAT_NOMEM(CHECK_APPRAISE);
            }
            continue;
        }
        UAT_TRY(appraise_index(m, rep, name, matched));
    }
    return UAT_OK;
}
