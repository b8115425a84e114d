/* TPM 2.0 attester on tpm2-tss ESAPI: a quote over a PCR selection with qualifyingData = the
 * binding, the PCR values, the AK public area, the EK certificate from NV and the event logs, as
 * the evidence map of tpm.h. Options (docs/tpm.md "Attester and enrolment"):
 *   tcti       TCTI loader string (default device:<root>/dev/tpmrm0; swtpm:host=H,port=P,
 *              mssim:host=H,port=P, ...)
 *   ak-handle  persistent handle of the AK (default 0x81010002)
 *   ak-alg     ecc (P-256, ECDSA-SHA256; default) or rsa (2048, RSASSA-SHA256)
 *   pcrs       BANK:LIST[+BANK:LIST...], LIST = i or i-j joined by commas; banks sha1, sha256,
 *              sha384, sha512 (default sha256:0-7)
 *   event-log  TCG PC Client binary event log (default <root>/sys/kernel/security/tpm0/
 *              binary_bios_measurements when present; none = leave out)
 *   ima-log    IMA binary measurement list (default <root>/sys/kernel/security/ima/
 *              binary_runtime_measurements when present; none = leave out)
 *   ek-nv      NV index of the EK certificate (default: the first present of 0x01C00002,
 *              0x01C0000A, 0x01C00012, 0x01C00014, 0x01C00016; none = leave out)
 * The TCTI and the AK: esys.c.
 * spec: TPM 2.0 Library Part 3 rev 1.59 §18.4 TPM2_Quote, §22.4 TPM2_PCR_Read, §31.13
 *       TPM2_NV_Read; TCG EK Credential Profile 2.5 §2.2.1.5 (EK certificate NV indices). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "core/file.h"
#include "core/limits.h"
#include "tee/tpm/esys.h"

#define CHECK "tpm.attest"
#define QUOTE_TRIES 4 /* PCRs extended between the quote and the read: quote again */

const char *const uat_tpm_attest_options[] = {
    "tcti", "ak-handle", "ak-alg", "pcrs", "event-log", "ima-log", "ek-nv",
    "kx-ak-handle", "kx-ak-alg", "kx-fixed-tpm", NULL,
};

/* ---- options ---------------------------------------------------------------------------- */

typedef struct bank_info {
    const char *name;
    uint16_t alg;
    enum uat_hash_alg hash;
} bank_info;

static const bank_info banks[] = {
    {"sha1", TPM2_ALG_SHA1, UAT_HASH_SHA1},
    {"sha256", TPM2_ALG_SHA256, UAT_HASH_SHA256},
    {"sha384", TPM2_ALG_SHA384, UAT_HASH_SHA384},
    {"sha512", TPM2_ALG_SHA512, UAT_HASH_SHA512},
};

static const bank_info *bank_by_alg(uint16_t alg)
{
    for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
        if (banks[i].alg == alg) {
            return &banks[i];
        }
    }
    return NULL;
}

typedef struct pcr_sel {
    size_t n;
    uat_tpm_pcr_select b[UAT_TPM_MAX_BANKS];
} pcr_sel;

/* "0-7,10" into a mask of PCRs 0-23. */
static int parse_pcr_list(const char *s, size_t len, uint32_t *mask)
{
    *mask = 0;
    size_t i = 0;
    while (i < len) {
        unsigned lo = 0, hi = 0, *cur = &lo;
        int digits = 0, range = 0;
        for (; i < len && s[i] != ','; i++) {
            if (s[i] >= '0' && s[i] <= '9' && *cur < 100) {
                *cur = *cur * 10 + (unsigned)(s[i] - '0');
                digits++;
            } else if (s[i] == '-' && !range && digits > 0) {
                range = 1;
                cur = &hi;
                digits = 0;
            } else {
                return -1;
            }
        }
        hi = range ? hi : lo;
        if (digits == 0 || lo > hi || hi >= UAT_TPM_NUM_PCRS) {
            return -1;
        }
        for (unsigned p = lo; p <= hi; p++) {
            *mask |= 1u << p;
        }
        i++; /* the comma */
        if (i == len && s[len - 1] == ',') {
            return -1;
        }
    }
    return *mask != 0 ? 0 : -1;
}

/* One BANK:LIST part of the pcrs option. */
static int parse_bank(const char *s, size_t len, pcr_sel *out)
{
    const char *colon = memchr(s, ':', len);
    if (colon == NULL || out->n == UAT_TPM_MAX_BANKS) {
        return -1;
    }
    size_t nl = (size_t)(colon - s);
    const bank_info *bi = NULL;
    for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++) {
        if (strlen(banks[i].name) == nl && memcmp(banks[i].name, s, nl) == 0) {
            bi = &banks[i];
        }
    }
    for (size_t k = 0; bi != NULL && k < out->n; k++) {
        if (out->b[k].hash == bi->alg) {
            return -1; /* a bank named twice */
        }
    }
    uint32_t mask = 0;
    if (bi == NULL || parse_pcr_list(colon + 1, len - nl - 1, &mask) != 0) {
        return -1;
    }
    out->b[out->n].hash = bi->alg;
    out->b[out->n].mask = mask;
    out->n++;
    return 0;
}

static uat_err opt_pcrs(const uat_attest_ctx *ctx, pcr_sel *out)
{
    const char *v = uat_attest_opt(ctx, "pcrs");
    const char *s = v != NULL ? v : "sha256:0-7";
    memset(out, 0, sizeof(*out));
    for (;;) {
        const char *plus = strchr(s, '+');
        size_t len = plus ? (size_t)(plus - s) : strlen(s);
        if (parse_bank(s, len, out) != 0) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "pcrs", -1,
                             "option pcrs is BANK:LIST[+BANK:LIST] with banks sha1, sha256, "
                             "sha384, sha512 and PCRs 0-23 (e.g. sha256:0-7,10+sha1:0), not \"%s\"",
                             v);
        }
        if (plus == NULL) {
            return UAT_OK;
        }
        s = plus + 1;
    }
}

static TPML_PCR_SELECTION to_tpml(const pcr_sel *s)
{
    TPML_PCR_SELECTION t;
    memset(&t, 0, sizeof(t));
    for (size_t i = 0; i < s->n; i++) {
        if (s->b[i].mask == 0) {
            continue;
        }
        TPMS_PCR_SELECTION *p = &t.pcrSelections[t.count++];
        p->hash = s->b[i].hash;
        p->sizeofSelect = 3; /* spec: Part 2 §10.6.2: PCRs 0-23, the PC Client minimum */
        for (unsigned k = 0; k < 3; k++) {
            p->pcrSelect[k] = (uint8_t)(s->b[i].mask >> (8 * k));
        }
    }
    return t;
}

/* ---- EK certificate --------------------------------------------------------------------- */

/* A certificate NV index may be larger than its DER (padding): keep the outer SEQUENCE only. */
static size_t der_length(const uint8_t *p, size_t n)
{
    if (n < 2 || p[0] != 0x30) {
        return n;
    }
    if (p[1] < 0x80) {
        return 2u + p[1] <= n ? 2u + p[1] : n;
    }
    size_t nl = p[1] & 0x7fu, len = 0;
    if (nl == 0 || nl > 3 || 2 + nl > n) {
        return n;
    }
    for (size_t i = 0; i < nl; i++) {
        len = (len << 8) | p[2 + i];
    }
    return len <= n - 2 - nl ? 2 + nl + len : n;
}

static uat_err nv_chunk_max(uat_tpm_dev *d, uint16_t *out)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TPMI_YES_NO more = 0;
    TSS2_RC rc = Esys_GetCapability(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more, &cap);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.GetCapability", "ek-nv");
    }
    *out = 512; /* spec: PC Client PTP: NV buffers of at least 512 bytes */
    const TPML_TAGGED_TPM_PROPERTY *t = &cap->data.tpmProperties;
    if (t->count > 0 && t->tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
        t->tpmProperty[0].value >= 64 && t->tpmProperty[0].value <= 4096) {
        *out = (uint16_t)t->tpmProperty[0].value;
    }
    Esys_Free(cap);
    return UAT_OK;
}

/* spec: Part 3 §31.13 NV_Read; authorised by the index itself (AUTHREAD) or the owner (OWNERREAD),
 * both with their (empty) auth values */
static uat_err nv_read_all(uat_tpm_dev *d, ESYS_TR nv, uat_buf *out)
{
    TPM2B_NV_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL;
    TSS2_RC rc =
        Esys_NV_ReadPublic(d->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
    Esys_Free(name);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.NV_ReadPublic", "ek-nv");
    }
    uint16_t size = pub->nvPublic.dataSize;
    TPMA_NV attrs = pub->nvPublic.attributes;
    Esys_Free(pub);
    ESYS_TR auth = (attrs & TPMA_NV_AUTHREAD)    ? nv
                   : (attrs & TPMA_NV_OWNERREAD) ? ESYS_TR_RH_OWNER
                                                 : ESYS_TR_NONE;
    UAT_ENSURE(auth != ESYS_TR_NONE, UAT_ERR_PLATFORM_DEVICE, "tpm.NV_Read", "ek-nv", -1);
    uint16_t chunk = 0;
    UAT_TRY(nv_chunk_max(d, &chunk));
    for (uint16_t off = 0; off < size;) {
        uint16_t n = (uint16_t)(size - off < chunk ? size - off : chunk);
        TPM2B_MAX_NV_BUFFER *data = NULL;
        rc = Esys_NV_Read(d->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n, off,
                          &data);
        if (rc != TSS2_RC_SUCCESS) {
            return UAT_TSS_FAIL(rc, "tpm.NV_Read", "ek-nv");
        }
        uat_err e = data->size == n
                        ? uat_buf_append(out, data->buffer, n)
                        : UAT_FAIL(UAT_ERR_PLATFORM_DEVICE, "tpm.NV_Read", "ek-nv", off);
        Esys_Free(data);
        UAT_TRY(e);
        off = (uint16_t)(off + n);
    }
    out->len = der_length(out->p, out->len);
    return UAT_OK;
}

/* spec: TCG EK Credential Profile 2.5 §2.2.1.5.1 (low range) and §2.2.1.5.2 (high range) */
static const uint32_t ek_cert_indices[] = {0x01C00002u, 0x01C0000Au, 0x01C00012u, 0x01C00014u,
                                           0x01C00016u};

static uat_err read_ek_cert(uat_tpm_dev *d, const uat_attest_ctx *ctx, uat_buf *out)
{
    const char *v = uat_attest_opt(ctx, "ek-nv");
    if (v != NULL && strcmp(v, "none") == 0) {
        return UAT_OK;
    }
    uint32_t idx = 0;
    int present = 0;
    if (v != NULL) {
        UAT_TRY(uat_tpm_opt_u32(ctx, "ek-nv", 0, &idx));
        UAT_ENSURE(idx >= 0x01000000u && idx <= 0x01FFFFFFu, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
                   "ek-nv", -1);
        UAT_TRY(uat_tpm_handle_present(d, idx, &present));
        if (!present) {
            return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.NV_Read", "ek-nv", -1,
                             "the TPM has no NV index 0x%x", idx);
        }
    }
    for (size_t i = 0; !present && i < sizeof(ek_cert_indices) / sizeof(ek_cert_indices[0]); i++) {
        idx = ek_cert_indices[i];
        UAT_TRY(uat_tpm_handle_present(d, idx, &present));
    }
    if (!present) {
        return UAT_OK; /* no EK certificate provisioned: the evidence goes without */
    }
    ESYS_TR nv = ESYS_TR_NONE;
    TSS2_RC rc = Esys_TR_FromTPMPublic(d->esys, idx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.NV_ReadPublic", "ek-nv");
    }
    uat_err e = nv_read_all(d, nv, out);
    Esys_TR_Close(d->esys, &nv);
    return e;
}

/* ---- PCRs and the quote ----------------------------------------------------------------- */

typedef struct pcr_vals {
    uint8_t v[UAT_TPM_MAX_BANKS][UAT_TPM_NUM_PCRS][UAT_HASH_MAX];
    size_t len[UAT_TPM_MAX_BANKS];
} pcr_vals;

static int sel_index(const pcr_sel *s, uint16_t alg)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->b[i].hash == alg) {
            return (int)i;
        }
    }
    return -1;
}

/* Files the digests of one PCR_Read answer; clears what it got from left. */
static uat_err take_pcrs(const TPML_PCR_SELECTION *got, const TPML_DIGEST *vals, pcr_sel *left,
                         pcr_vals *out, size_t *taken)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < got->count && i < TPM2_NUM_PCR_BANKS; i++) {
        const TPMS_PCR_SELECTION *p = &got->pcrSelections[i];
        int b = sel_index(left, p->hash);
        const bank_info *bi = bank_by_alg(p->hash);
        for (unsigned pcr = 0; pcr < 8u * p->sizeofSelect && pcr < 8u * TPM2_PCR_SELECT_MAX;
             pcr++) {
            if (!(p->pcrSelect[pcr / 8] & (1u << (pcr % 8)))) {
                continue;
            }
            if (b < 0 || bi == NULL || pcr >= UAT_TPM_NUM_PCRS ||
                !(left->b[b].mask & (1u << pcr)) || k >= vals->count ||
                vals->digests[k].size != uat_hash_len(bi->hash)) {
                return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.PCR_Read", "pcrs", -1,
                                 "the TPM returned PCR %u of bank 0x%04x that was not asked for "
                                 "or with a wrong size",
                                 pcr, p->hash);
            }
            memcpy(out->v[b][pcr], vals->digests[k].buffer, vals->digests[k].size);
            out->len[b] = vals->digests[k].size;
            left->b[b].mask &= ~(1u << pcr);
            k++;
        }
    }
    UAT_ENSURE(k == vals->count, UAT_ERR_PLATFORM_DEVICE, "tpm.PCR_Read", "pcrs", -1);
    *taken = k;
    return UAT_OK;
}

static int sel_empty(const pcr_sel *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->b[i].mask != 0) {
            return 0;
        }
    }
    return 1;
}

/* spec: Part 3 §22.4 PCR_Read: at most 8 digests per answer (TPML_DIGEST); ask again for the rest.
 * A selected PCR the TPM never returns is in a bank that is not allocated. */
static uat_err read_pcrs(uat_tpm_dev *d, const pcr_sel *want, pcr_vals *out)
{
    pcr_sel left = *want;
    while (!sel_empty(&left)) {
        TPML_PCR_SELECTION in = to_tpml(&left);
        TPML_PCR_SELECTION *got = NULL;
        TPML_DIGEST *vals = NULL;
        UINT32 counter = 0;
        TSS2_RC rc = Esys_PCR_Read(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in, &counter,
                                   &got, &vals);
        if (rc != TSS2_RC_SUCCESS) {
            return UAT_TSS_FAIL(rc, "tpm.PCR_Read", "pcrs");
        }
        size_t taken = 0;
        uat_err e = take_pcrs(got, vals, &left, out, &taken);
        Esys_Free(got);
        Esys_Free(vals);
        UAT_TRY(e);
        for (size_t b = 0; taken == 0 && b < left.n; b++) {
            if (left.b[b].mask != 0) {
                const bank_info *bi = bank_by_alg(left.b[b].hash);
                return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.PCR_Read", "pcrs", -1,
                                 "the TPM has no %s PCR bank allocated (PCRs 0x%06x not read)",
                                 bi ? bi->name : "?", left.b[b].mask);
            }
        }
    }
    return UAT_OK;
}

/* spec: Part 3 §18.4: pcrDigest = H_sign(PCR values in selection order) */
static uat_err pcr_digest(const pcr_sel *s, const pcr_vals *v, enum uat_hash_alg h, uint8_t *out)
{
    uat_span parts[UAT_TPM_MAX_BANKS * UAT_TPM_NUM_PCRS];
    size_t n = 0;
    for (size_t b = 0; b < s->n; b++) {
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (s->b[b].mask & (1u << i)) {
                parts[n++] = uat_span_of(v->v[b][i], v->len[b]);
            }
        }
    }
    return uat_hash(h, parts, n, out);
}

typedef struct quote {
    TPM2B_ATTEST *attest;
    TPMT_SIGNATURE *sig;
} quote;

static void quote_free(quote *q)
{
    Esys_Free(q->attest);
    Esys_Free(q->sig);
    q->attest = NULL;
    q->sig = NULL;
}

/* The TPM's own statement must be the quote asked for: magic, type, our qualifyingData, our
 * selection; *fresh is false when the PCRs read do not give the quoted pcrDigest. */
static uat_err check_quote(const quote *q, const TPM2B_DATA *qd, const pcr_sel *s,
                           const pcr_vals *v, int *fresh)
{
    TPMS_ATTEST a;
    size_t off = 0;
    TSS2_RC rc =
        Tss2_MU_TPMS_ATTEST_Unmarshal(q->attest->attestationData, q->attest->size, &off, &a);
    if (rc != TSS2_RC_SUCCESS || off != q->attest->size) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.Quote", "attest", -1,
                         "the TPM's TPMS_ATTEST does not unmarshal (%s)", Tss2_RC_Decode(rc));
    }
    TPML_PCR_SELECTION want = to_tpml(s);
    const TPML_PCR_SELECTION *got = &a.attested.quote.pcrSelect;
    int same = got->count == want.count;
    for (uint32_t i = 0; same && i < want.count; i++) {
        same = got->pcrSelections[i].hash == want.pcrSelections[i].hash &&
               got->pcrSelections[i].sizeofSelect == 3 &&
               memcmp(got->pcrSelections[i].pcrSelect, want.pcrSelections[i].pcrSelect, 3) == 0;
    }
    if (a.magic != TPM2_GENERATED_VALUE || a.type != TPM2_ST_ATTEST_QUOTE ||
        a.extraData.size != qd->size || memcmp(a.extraData.buffer, qd->buffer, qd->size) != 0 ||
        !same) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.Quote", "attest", -1,
                         "the TPM's quote is not for the requested qualifyingData and PCR "
                         "selection (a bank not allocated?)");
    }
    uint8_t dig[UAT_HASH_MAX];
    UAT_TRY(pcr_digest(s, v, UAT_HASH_SHA256, dig)); /* the AK schemes sign with SHA-256 */
    const TPM2B_DIGEST *qdig = &a.attested.quote.pcrDigest;
    *fresh = qdig->size == 32 && memcmp(qdig->buffer, dig, 32) == 0;
    return UAT_OK;
}

/* Quote, then read the PCRs; when a PCR moved in between, quote again. */
static uat_err quote_pcrs(uat_tpm_dev *d, ESYS_TR ak, const uint8_t *rd, const pcr_sel *s, quote *q,
                          pcr_vals *v)
{
    /* spec: DESIGN.md §4: the binding is 32 bytes when report_data[32..63] is zero, else 64 */
    TPM2B_DATA qd;
    qd.size = uat_is_zero(rd + 32, 32) ? 32 : 64;
    memcpy(qd.buffer, rd, qd.size);
    TPMT_SIG_SCHEME scheme;
    memset(&scheme, 0, sizeof(scheme));
    scheme.scheme = TPM2_ALG_NULL; /* the key's own scheme */
    TPML_PCR_SELECTION sel = to_tpml(s);
    for (int t = 0; t < QUOTE_TRIES; t++) {
        quote_free(q);
        TSS2_RC rc = Esys_Quote(d->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qd,
                                &scheme, &sel, &q->attest, &q->sig);
        if (rc != TSS2_RC_SUCCESS) {
            q->attest = NULL;
            q->sig = NULL;
            return UAT_TSS_FAIL(rc, "tpm.Quote", "");
        }
        UAT_TRY(read_pcrs(d, s, v));
        int fresh = 0;
        UAT_TRY(check_quote(q, &qd, s, v, &fresh));
        if (fresh) {
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, "tpm.Quote", "pcrs", -1,
                     "the selected PCRs changed between each of %d quotes and their reading",
                     QUOTE_TRIES);
}

/* ---- logs and the evidence -------------------------------------------------------------- */

static uat_err read_log(const uat_attest_ctx *ctx, const char *opt, const char *def, uat_buf *out)
{
    const char *v = uat_attest_opt(ctx, opt);
    if (v != NULL) {
        return strcmp(v, "none") == 0 ? UAT_OK : uat_file_read(v, UAT_MAX_EVIDENCE_BYTES, out);
    }
    char *p = uat_path_join(ctx->root != NULL ? ctx->root : "/", def);
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err e = access(p, R_OK) == 0 ? uat_file_read(p, UAT_MAX_EVIDENCE_BYTES, out) : UAT_OK;
    free(p);
    return e;
}

typedef struct collect_state {
    uat_tpm_dev dev;
    ESYS_TR ak;
    TPM2B_PUBLIC *ak_pub;
    quote q;
    pcr_sel sel;
    pcr_vals vals;
    uat_buf ek_cert, event_log, ima_log;
    uint8_t sig[sizeof(TPMT_SIGNATURE)];
    uint8_t pub[sizeof(TPMT_PUBLIC)];
    size_t sig_len, pub_len;
} collect_state;

static uat_err encode(collect_state *c, uat_buf *out)
{
    TSS2_RC rc = Tss2_MU_TPMT_SIGNATURE_Marshal(c->q.sig, c->sig, sizeof(c->sig), &c->sig_len);
    if (rc == TSS2_RC_SUCCESS) {
        rc = Tss2_MU_TPMT_PUBLIC_Marshal(&c->ak_pub->publicArea, c->pub, sizeof(c->pub),
                                         &c->pub_len);
    }
    if (rc != TSS2_RC_SUCCESS) {
        return UAT_TSS_FAIL(rc, "tpm.marshal", "");
    }
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.attest = uat_span_of(c->q.attest->attestationData, c->q.attest->size);
    ev.signature = uat_span_of(c->sig, c->sig_len);
    ev.ak_pub = uat_span_of(c->pub, c->pub_len);
    ev.nbanks = c->sel.n;
    for (size_t b = 0; b < c->sel.n; b++) {
        ev.bank_alg[b] = c->sel.b[b].hash;
        ev.present[b] = c->sel.b[b].mask;
        for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
            if (c->sel.b[b].mask & (1u << i)) {
                ev.pcr[b][i] = uat_span_of(c->vals.v[b][i], c->vals.len[b]);
            }
        }
    }
    ev.event_log = uat_buf_span(&c->event_log);
    ev.ima_log = uat_buf_span(&c->ima_log);
    ev.ek_cert = uat_buf_span(&c->ek_cert);
    return uat_tpm_evidence_encode(&ev, out);
}

static uat_err collect_run(collect_state *c, const uat_attest_ctx *ctx, uat_tpm_dev *dev,
                           const uint8_t *rd, uat_buf *out)
{
    UAT_TRY(opt_pcrs(ctx, &c->sel));
    UAT_TRY(read_log(ctx, "event-log", "sys/kernel/security/tpm0/binary_bios_measurements",
                     &c->event_log));
    UAT_TRY(read_log(ctx, "ima-log", "sys/kernel/security/ima/binary_runtime_measurements",
                     &c->ima_log));
    if (dev != NULL) {
        c->dev = *dev; /* borrowed: not closed here */
    } else {
        UAT_TRY(uat_tpm_dev_open(ctx, &c->dev));
    }
    UAT_TRY(uat_tpm_ak_load(&c->dev, ctx, &c->ak, &c->ak_pub));
    UAT_TRY(read_ek_cert(&c->dev, ctx, &c->ek_cert));
    UAT_TRY(quote_pcrs(&c->dev, c->ak, rd, &c->sel, &c->q, &c->vals));
    return encode(c, out);
}

uat_err uat_tpm_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    return uat_tpm_collect_dev(ctx, NULL, report_data, out);
}

uat_err uat_tpm_collect_dev(const uat_attest_ctx *ctx, uat_tpm_dev *dev,
                            const uint8_t *report_data, uat_buf *out)
{
    collect_state *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM(CHECK);
    }
    c->ak = ESYS_TR_NONE;
    uat_buf_init(&c->ek_cert, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&c->event_log, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&c->ima_log, UAT_MAX_EVIDENCE_BYTES);
    uat_err e = collect_run(c, ctx, dev, report_data, out);
    quote_free(&c->q);
    Esys_Free(c->ak_pub);
    if (c->ak != ESYS_TR_NONE) {
        Esys_TR_Close(c->dev.esys, &c->ak);
    }
    if (dev == NULL) {
        uat_tpm_dev_close(&c->dev);
    }
    uat_buf_free(&c->ek_cert);
    uat_buf_free(&c->event_log);
    uat_buf_free(&c->ima_log);
    free(c);
    return e;
}
