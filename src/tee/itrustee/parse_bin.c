/* The binary iTrustee report_response and its scenario-0 ak_cert ([tverlib] teeverifier.h,
 * PROVENANCE.md "Format 1"). Little-endian, packed; ra_params blob offsets are relative to the
 * structure holding the table. Pure.
 *
 * Beyond what [tverlib] checks (it checks almost nothing), every blob must lie after the param
 * table, the blobs must tile the rest of the structure without gap, overlap or trailing byte, each
 * tag may occur once, and every blob but the signature and the certificate must sit before the
 * signature's offset: the signature covers [0, offset(signature)), so whatever the verdict rests
 * on is signed. */
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "tee/itrustee/itrustee.h"

#define CHECK "itrustee.report"
#define CHECK_AK "itrustee.ak_cert"

typedef struct itr_param {
    uint32_t tag;
    uint32_t value;     /* integer params */
    uint32_t len, off;  /* blob params */
    int64_t pos;        /* absolute input offset of the entry */
} itr_param;

typedef struct itr_table {
    itr_param p[UAT_MAX_ITRUSTEE_PARAMS];
    size_t n;
    size_t end; /* offset of the first byte after the table */
} itr_table;

static int is_blob(uint32_t tag)
{
    return (tag >> 28) == 2u;
}

/* spec: [tverlib] struct ra_params: tags u32, then a union {u32 integer; {u32 data_len, u32
 * data_offset} blob}; integers leave the union's second word zero. */
static uat_err read_table(uat_reader *r, itr_table *t)
{
    uint32_t count = 0;
    UAT_TRY(uat_rd_u32le(r, "param_count", &count));
    if (count == 0 || count > UAT_MAX_ITRUSTEE_PARAMS) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, "param_count", uat_rd_pos(r) - 4,
                         "param_count %u is not in 1..%u", count, UAT_MAX_ITRUSTEE_PARAMS);
    }
    for (size_t i = 0; i < count; i++) {
        itr_param *p = &t->p[i];
        p->pos = uat_rd_pos(r);
        UAT_TRY(uat_rd_u32le(r, "params.tags", &p->tag));
        if (is_blob(p->tag)) {
            UAT_TRY(uat_rd_u32le(r, "params.data_len", &p->len));
            UAT_TRY(uat_rd_u32le(r, "params.data_offset", &p->off));
        } else if ((p->tag >> 28) == 1u) {
            UAT_TRY(uat_rd_u32le(r, "params.integer", &p->value));
            UAT_TRY(uat_rd_zeros(r, 4, "params.integer"));
        } else {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "params.tags", p->pos,
                             "param tag 0x%08x is neither an integer nor a blob", p->tag);
        }
        for (size_t j = 0; j < i; j++) {
            if (t->p[j].tag == p->tag) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "params.tags", p->pos,
                                 "param tag 0x%08x occurs twice", p->tag);
            }
        }
    }
    t->n = count;
    t->end = r->off;
    return UAT_OK;
}

/* The blobs, in offset order, tile [t->end, total) exactly: no gap, no overlap, no trailing byte. */
static uat_err check_tiling(const itr_table *t, size_t total, const char *check)
{
    int used[UAT_MAX_ITRUSTEE_PARAMS] = {0};
    size_t at = t->end;
    for (;;) {
        size_t k = t->n;
        for (size_t i = 0; i < t->n; i++) {
            if (is_blob(t->p[i].tag) && !used[i] && t->p[i].off == at && t->p[i].len > 0) {
                k = i;
            }
        }
        if (k == t->n) {
            break;
        }
        const itr_param *p = &t->p[k];
        if (p->len > total - at) {
            return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, check, "params.data_len", p->pos,
                             "blob 0x%08x (%u bytes at %u) runs past the end (%zu bytes)",
                             p->tag, p->len, p->off, total);
        }
        used[k] = 1;
        at += p->len;
    }
    for (size_t i = 0; i < t->n; i++) {
        const itr_param *p = &t->p[i];
        if (is_blob(p->tag) && !used[i]) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, check, "params.data_offset", p->pos,
                             "blob 0x%08x (%u bytes at %u) is empty, overlaps the header or "
                             "another blob, or leaves a gap",
                             p->tag, p->len, p->off);
        }
    }
    if (at != total) {
        return UAT_FAILF(UAT_ERR_PARSE_TRAILING_BYTES, check, "params", (int64_t)at,
                         "the blobs end at %zu but the structure has %zu bytes", at, total);
    }
    return UAT_OK;
}

static const itr_param *find(const itr_table *t, uint32_t tag)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->p[i].tag == tag) {
            return &t->p[i];
        }
    }
    return NULL;
}

static uat_err need(const itr_table *t, uint32_t tag, const char *field, const char *check,
                    const itr_param **out)
{
    *out = find(t, tag);
    if (*out == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, check, field, -1,
                         "the %s param (tag 0x%08x) is missing", field, tag);
    }
    return UAT_OK;
}

/* Only known tags; every blob but sig and cert ends at or before the signature's offset. */
static uat_err check_tags(const itr_table *t, const uint32_t *known, size_t nknown, uint32_t sig,
                          uint32_t cert, const char *check)
{
    const itr_param *s = find(t, sig);
    for (size_t i = 0; i < t->n; i++) {
        const itr_param *p = &t->p[i];
        size_t k = 0;
        while (k < nknown && known[k] != p->tag) {
            k++;
        }
        if (k == nknown) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "params.tags", p->pos,
                             "unknown param tag 0x%08x", p->tag);
        }
        if (s != NULL && is_blob(p->tag) && p->tag != sig && p->tag != cert &&
            (uint64_t)p->off + p->len > s->off) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "params.data_offset", p->pos,
                             "blob 0x%08x lies after the signature: it would not be signed",
                             p->tag);
        }
    }
    return UAT_OK;
}

static uat_err copy_blob(uat_span whole, const itr_param *p, uat_buf *out)
{
    return uat_buf_append(out, whole.p + p->off, p->len);
}

static uat_err hash_blob(uat_span whole, const itr_param *p, const char *field, uint8_t *out,
                         const char *check)
{
    if (p->len != UAT_ITR_HASH_LEN) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, check, field, p->pos,
                         "%s is %u bytes, not %u (SHA-256)", field, p->len, UAT_ITR_HASH_LEN);
    }
    memcpy(out, whole.p + p->off, UAT_ITR_HASH_LEN);
    return UAT_OK;
}

/* CERT_DRK: the DER certificate as base64 text without armour, maybe NUL-padded. */
static uat_err drk_cert(uat_span b64, uat_buf *out)
{
    size_t n = b64.len;
    while (n > 0 && b64.p[n - 1] == 0) {
        n--;
    }
    uat_err rc = uat_b64_decode((const char *)b64.p, n, UAT_B64_STD, out);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, CHECK_AK, "cert_drk", -1,
                         "the DRK certificate is not base64 text of a DER certificate");
    }
    return UAT_OK;
}

static uat_err fields_hex(json_t *f, const char *name, const uint8_t *p, size_t n)
{
    return f != NULL ? uat_json_set_hex(f, name, p, n) : UAT_OK;
}

/* spec: PROVENANCE.md Format 1, ak_cert: version u32 | ts u64 | purpose[32] | param_count | params */
static uat_err parse_ak_cert(uat_span in, int64_t base, uat_itr_report *out)
{
    static const uint32_t known[] = {UAT_ITR_TAG_SIGN_TYPE,    UAT_ITR_TAG_HASH_TYPE,
                                     UAT_ITR_TAG_QTA_IMG_HASH, UAT_ITR_TAG_QTA_MEM_HASH,
                                     UAT_ITR_TAG_RESERVED,     UAT_ITR_TAG_AK_PUB,
                                     UAT_ITR_TAG_SIGN_DRK,     UAT_ITR_TAG_CERT_DRK};
    uat_reader r;
    uat_rd_init(&r, in, CHECK_AK);
    r.base = base;
    uint32_t version = 0;
    uint64_t ts = 0;
    uint8_t purpose[33] = {0};
    itr_table t;
    memset(&t, 0, sizeof(t));
    UAT_TRY(uat_rd_u32le(&r, "version", &version));
    UAT_ENSURE(version == 1, UAT_ERR_PARSE_BAD_VERSION, CHECK_AK, "version", base);
    UAT_TRY(uat_rd_u64le(&r, "ts", &ts));
    UAT_TRY(uat_rd_copy(&r, purpose, 32, "purpose"));
    UAT_TRY(read_table(&r, &t));
    UAT_TRY(check_tiling(&t, in.len, CHECK_AK));
    UAT_TRY(check_tags(&t, known, sizeof(known) / sizeof(known[0]), UAT_ITR_TAG_SIGN_DRK,
                       UAT_ITR_TAG_CERT_DRK, CHECK_AK));
    const itr_param *img, *mem, *pub, *sig, *cert;
    UAT_TRY(need(&t, UAT_ITR_TAG_QTA_IMG_HASH, "qta_img_hash", CHECK_AK, &img));
    UAT_TRY(need(&t, UAT_ITR_TAG_QTA_MEM_HASH, "qta_mem_hash", CHECK_AK, &mem));
    UAT_TRY(need(&t, UAT_ITR_TAG_AK_PUB, "ak_pub", CHECK_AK, &pub));
    UAT_TRY(need(&t, UAT_ITR_TAG_SIGN_DRK, "sign_drk", CHECK_AK, &sig));
    UAT_TRY(need(&t, UAT_ITR_TAG_CERT_DRK, "cert_drk", CHECK_AK, &cert));
    UAT_TRY(hash_blob(in, img, "qta_img_hash", out->qta_img, CHECK_AK));
    UAT_TRY(hash_blob(in, mem, "qta_mem_hash", out->qta_mem, CHECK_AK));
    out->has_qta = 1;
    static const uint8_t e65537[3] = {0x01, 0x00, 0x01}; /* implied by [tverlib] */
    UAT_TRY(copy_blob(in, pub, &out->ak_n));
    UAT_TRY(uat_buf_append(&out->ak_e, e65537, sizeof(e65537)));
    UAT_TRY(uat_buf_append(&out->signed_drk, in.p, sig->off));
    UAT_TRY(copy_blob(in, sig, &out->sign_drk));
    UAT_TRY(drk_cert(uat_span_of(in.p + cert->off, cert->len), &out->drk_der));
    purpose[32] = 0;
    size_t plen = strnlen((const char *)purpose, 32);
    UAT_ENSURE(uat_is_zero(purpose + plen, 32 - plen), UAT_ERR_PARSE_BAD_VALUE, CHECK_AK,
               "purpose", base + 12);
    json_t *ak = json_object();
    UAT_TRY(uat_json_set(out->fields, "ak_cert", ak));
    UAT_TRY(uat_json_set_int(ak, "version", version));
    UAT_TRY(uat_json_set_int(ak, "ts", (int64_t)(ts & INT64_MAX)));
    return uat_json_set(ak, "purpose", json_stringn((const char *)purpose, plen));
}

static uat_err uuid_read(uat_reader *r, uint8_t *uuid)
{
    /* TEE_UUID: timeLow u32, timeMid u16, timeHiAndVersion u16 little-endian, clockSeqAndNode[8] */
    uint32_t lo = 0;
    uint16_t mid = 0, hi = 0;
    UAT_TRY(uat_rd_u32le(r, "uuid.timeLow", &lo));
    UAT_TRY(uat_rd_u16le(r, "uuid.timeMid", &mid));
    UAT_TRY(uat_rd_u16le(r, "uuid.timeHiAndVersion", &hi));
    uuid[0] = (uint8_t)(lo >> 24);
    uuid[1] = (uint8_t)(lo >> 16);
    uuid[2] = (uint8_t)(lo >> 8);
    uuid[3] = (uint8_t)lo;
    uuid[4] = (uint8_t)(mid >> 8);
    uuid[5] = (uint8_t)mid;
    uuid[6] = (uint8_t)(hi >> 8);
    uuid[7] = (uint8_t)hi;
    return uat_rd_copy(r, uuid + 8, 8, "uuid.clockSeqAndNode");
}

static uat_err report_body(uat_span in, const itr_table *t, uat_itr_report *out)
{
    const itr_param *img, *mem, *sig, *cert, *st, *ht;
    UAT_TRY(need(t, UAT_ITR_TAG_TA_IMG_HASH, "ta_img_hash", CHECK, &img));
    UAT_TRY(need(t, UAT_ITR_TAG_TA_MEM_HASH, "ta_mem_hash", CHECK, &mem));
    UAT_TRY(need(t, UAT_ITR_TAG_SIGN_AK, "sign_ak", CHECK, &sig));
    UAT_TRY(need(t, UAT_ITR_TAG_CERT_AK, "cert_ak", CHECK, &cert));
    UAT_TRY(need(t, UAT_ITR_TAG_SIGN_TYPE, "sign_type", CHECK, &st));
    UAT_TRY(need(t, UAT_ITR_TAG_HASH_TYPE, "hash_type", CHECK, &ht));
    out->sign_type = st->value;
    out->hash_type = ht->value;
    UAT_TRY(hash_blob(in, img, "ta_img_hash", out->ta_img, CHECK));
    UAT_TRY(hash_blob(in, mem, "ta_mem_hash", out->ta_mem, CHECK));
    UAT_TRY(uat_buf_append(&out->signed_ak, in.p, sig->off));
    UAT_TRY(copy_blob(in, sig, &out->sign_ak));
    UAT_TRY(uat_json_set_int(out->fields, "sign_type", st->value));
    UAT_TRY(uat_json_set_int(out->fields, "hash_type", ht->value));
    const itr_param *res = find(t, UAT_ITR_TAG_RESERVED);
    if (res != NULL) {
        UAT_TRY(fields_hex(out->fields, "reserved", in.p + res->off, res->len));
    }
    if (out->scenario == UAT_ITR_SCE_NO_AS) {
        return parse_ak_cert(uat_span_of(in.p + cert->off, cert->len), cert->off, out);
    }
    return copy_blob(in, cert, &out->ak_cert);
}

/* spec: PROVENANCE.md Format 1 table: version | ts | nonce[64] | uuid | scenario | param_count */
static uat_err parse_report(uat_span in, uat_itr_report *out)
{
    static const uint32_t known[] = {UAT_ITR_TAG_SIGN_TYPE,   UAT_ITR_TAG_HASH_TYPE,
                                     UAT_ITR_TAG_TA_IMG_HASH, UAT_ITR_TAG_TA_MEM_HASH,
                                     UAT_ITR_TAG_RESERVED,    UAT_ITR_TAG_SIGN_AK,
                                     UAT_ITR_TAG_CERT_AK};
    uat_reader r;
    uat_rd_init(&r, in, CHECK);
    uint32_t version = 0;
    uint64_t ts = 0;
    itr_table t;
    memset(&t, 0, sizeof(t));
    UAT_TRY(uat_rd_u32le(&r, "version", &version));
    UAT_ENSURE(version == 1, UAT_ERR_PARSE_BAD_VERSION, CHECK, "version", 0);
    UAT_TRY(uat_rd_u64le(&r, "ts", &ts));
    UAT_TRY(uat_rd_copy(&r, out->nonce, UAT_ITR_NONCE_LEN, "nonce"));
    UAT_TRY(uuid_read(&r, out->uuid));
    UAT_TRY(uat_rd_u32le(&r, "scenario", &out->scenario));
    if (out->scenario > UAT_ITR_SCE_AS_WITH_DAA) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "scenario", 92,
                         "scenario %u is not 0 (no AS), 1 (AS, no DAA) or 2 (AS with DAA)",
                         out->scenario);
    }
    UAT_TRY(read_table(&r, &t));
    UAT_TRY(check_tiling(&t, in.len, CHECK));
    UAT_TRY(check_tags(&t, known, sizeof(known) / sizeof(known[0]), UAT_ITR_TAG_SIGN_AK,
                       UAT_ITR_TAG_CERT_AK, CHECK));
    UAT_TRY(uat_json_set_int(out->fields, "version", version));
    UAT_TRY(uat_json_set_int(out->fields, "ts", (int64_t)(ts & INT64_MAX)));
    return report_body(in, &t, out);
}

static void report_init(uat_itr_report *r)
{
    memset(r, 0, sizeof(*r));
    uat_buf_init(&r->signed_ak, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->sign_ak, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->ak_cert, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->signed_drk, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->sign_drk, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->drk_der, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->ak_n, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&r->ak_e, UAT_MAX_EVIDENCE_BYTES);
}

void uat_itr_report_free(uat_itr_report *r)
{
    if (r == NULL) {
        return;
    }
    uat_buf_free(&r->signed_ak);
    uat_buf_free(&r->sign_ak);
    uat_buf_free(&r->ak_cert);
    uat_buf_free(&r->signed_drk);
    uat_buf_free(&r->sign_drk);
    uat_buf_free(&r->drk_der);
    uat_buf_free(&r->ak_n);
    uat_buf_free(&r->ak_e);
    json_decref(r->fields);
    r->fields = NULL;
}

/* The parsers share one shape: init, fill, free everything on failure. */
uat_err uat_itr_parse_with(uat_span in, uat_itr_report *out,
                           uat_err (*fill)(uat_span, uat_itr_report *))
{
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    uat_itr_report r;
    report_init(&r);
    r.fields = json_object();
    uat_err rc = r.fields != NULL ? fill(in, &r) : UAT_NOMEM(CHECK);
    if (rc != UAT_OK) {
        uat_itr_report_free(&r);
        return rc;
    }
    *out = r;
    return UAT_OK;
}

uat_err uat_itr_parse_bin(uat_span in, uat_itr_report *out)
{
    return uat_itr_parse_with(in, out, parse_report);
}

uat_err uat_itr_parse(uat_span in, uat_itr_report *out)
{
    size_t i = 0;
    while (i < in.len && (in.p[i] == ' ' || in.p[i] == '\t' || in.p[i] == '\n' || in.p[i] == '\r')) {
        i++;
    }
    if (i < in.len && in.p[i] == '{') {
        return uat_itr_parse_json(in, out);
    }
    return uat_itr_parse_bin(in, out);
}
