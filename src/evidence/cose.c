/* COSE_Sign1 parsing, Sig_structure and verification (see cose.h). */
#include "evidence/cose.h"

#include <string.h>

#include "core/limits.h"

#define HDR_ALG 1
#define HDR_CRIT 2
#define HDR_KID 4

/* spec: RFC 9053 §2.1, RFC 8230 §2 */
static const struct {
    int64_t alg;
    enum uat_sig_alg sig;
    const char *name;
} algs[] = {
    {UAT_COSE_ALG_ES256, UAT_SIG_ES256, "ES256"},
    {UAT_COSE_ALG_ES384, UAT_SIG_ES384, "ES384"},
    {UAT_COSE_ALG_ES512, UAT_SIG_ES512, "ES512"},
    {UAT_COSE_ALG_PS256, UAT_SIG_PS256, "PS256"},
};

uat_err uat_cose_rd_peek(const uat_reader *r, const char *field, unsigned *major)
{
    int m = uat_cbor_peek(r);
    if (m < 0) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, r->check, field, uat_rd_pos(r),
                         "the input ends where a CBOR item is expected");
    }
    *major = (unsigned)m;
    return UAT_OK;
}

uat_err uat_cose_rd_int(uat_reader *r, const char *field, int64_t *out)
{
    unsigned major = 0;
    uint64_t arg = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_peek(r, field, &major));
    UAT_TRY(uat_cbor_expect(r, major == UAT_CBOR_NEGINT ? UAT_CBOR_NEGINT : UAT_CBOR_UINT, field,
                            &arg));
    if (arg > (uint64_t)INT64_MAX) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, field, at,
                         "the integer does not fit 64 signed bits");
    }
    /* spec: RFC 8949 §3.1: major type 1 encodes -1 - argument */
    *out = major == UAT_CBOR_NEGINT ? -1 - (int64_t)arg : (int64_t)arg;
    return UAT_OK;
}

uat_err uat_cose_rd_count(uat_reader *r, enum uat_cbor_major major, const char *field, size_t *n)
{
    uint64_t count = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cbor_expect(r, major, field, &count));
    /* every element takes at least one byte: no count the input cannot hold */
    uint64_t per = major == UAT_CBOR_MAP ? 2 : 1;
    if (count > uat_rd_left(r) / per) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, r->check, field, at,
                         "%llu elements announced, %zu bytes left", (unsigned long long)count,
                         uat_rd_left(r));
    }
    *n = (size_t)count;
    return UAT_OK;
}

uat_err uat_cose_rd_bstr(uat_reader *r, const char *field, uat_span *out)
{
    return uat_cbor_string(r, UAT_CBOR_BSTR, UAT_MAX_EVIDENCE_BYTES, field, out);
}

uat_err uat_cose_rd_tstr(uat_reader *r, const char *field, uat_span *out)
{
    return uat_cbor_string(r, UAT_CBOR_TSTR, UAT_MAX_EVIDENCE_BYTES, field, out);
}

uat_err uat_cose_rd_bstr_sub(uat_reader *r, const char *field, uat_reader *sub)
{
    uat_span s;
    UAT_TRY(uat_cose_rd_bstr(r, field, &s));
    sub->p = s.p;
    sub->len = s.len;
    sub->off = 0;
    sub->base = uat_rd_pos(r) - (int64_t)s.len;
    sub->check = r->check;
    return UAT_OK;
}

static uat_err put_bstr(uat_buf *out, uat_span s)
{
    return uat_cbor_put_string(out, UAT_CBOR_BSTR, s.p, s.len);
}

static uat_err cose_put_int(uat_buf *out, int64_t v)
{
    return v >= 0 ? uat_cbor_put_head(out, UAT_CBOR_UINT, (uint64_t)v)
                  : uat_cbor_put_head(out, UAT_CBOR_NEGINT, (uint64_t)(-1 - v));
}

const char *uat_cose_alg_name(int64_t alg)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (algs[i].alg == alg) {
            return algs[i].name;
        }
    }
    return "unknown";
}

/* A header label: an integer or a text string (RFC 9052 §3: label = int / tstr). */
typedef struct label {
    int is_text;
    int64_t num;
    uat_span text;
} label;

typedef struct labels {
    label l[2 * UAT_COSE_MAX_HEADERS];
    size_t n;
} labels;

static int same_label(const label *a, const label *b)
{
    if (a->is_text != b->is_text) {
        return 0;
    }
    return a->is_text ? a->text.len == b->text.len && memcmp(a->text.p, b->text.p, a->text.len) == 0
                      : a->num == b->num;
}

static uat_err read_label(uat_reader *r, labels *seen, label *out)
{
    int64_t at = uat_rd_pos(r);
    unsigned major = 0;
    memset(out, 0, sizeof(*out));
    UAT_TRY(uat_cose_rd_peek(r, "header label", &major));
    if (major == UAT_CBOR_TSTR) {
        out->is_text = 1;
        UAT_TRY(uat_cose_rd_tstr(r, "header label", &out->text));
    } else {
        UAT_TRY(uat_cose_rd_int(r, "header label", &out->num));
    }
    /* spec: RFC 9052 §3: a label appears at most once, in either bucket */
    for (size_t i = 0; i < seen->n; i++) {
        if (same_label(&seen->l[i], out)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, "header label", at,
                             "a COSE header parameter appears twice");
        }
    }
    seen->l[seen->n++] = *out;
    return UAT_OK;
}

static uat_err read_alg(uat_reader *r, uat_cose_sign1 *m)
{
    int64_t at = uat_rd_pos(r);
    unsigned major = 0;
    UAT_TRY(uat_cose_rd_peek(r, "alg", &major));
    if (major == UAT_CBOR_TSTR) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, r->check, "alg", at,
                         "text algorithm names are not supported: ES256, ES384, ES512, PS256 are");
    }
    UAT_TRY(uat_cose_rd_int(r, "alg", &m->alg));
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (algs[i].alg == m->alg) {
            m->sig_alg = algs[i].sig;
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, r->check, "alg", at,
                     "COSE algorithm %lld is not supported: ES256, ES384, ES512, PS256 are",
                     (long long)m->alg);
}

/* One header map; prot: the protected bucket. */
static uat_err read_header(uat_reader *r, int prot, labels *seen, uat_cose_sign1 *m, int *has_alg)
{
    size_t n = 0;
    int64_t at = uat_rd_pos(r);
    const char *what = prot ? "protected header" : "unprotected header";
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_MAP, what, &n));
    if (n > UAT_COSE_MAX_HEADERS) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, r->check, what, at,
                         "%zu header parameters, at most %u", n, UAT_COSE_MAX_HEADERS);
    }
    for (size_t i = 0; i < n; i++) {
        label l;
        int64_t lat = uat_rd_pos(r);
        UAT_TRY(read_label(r, seen, &l));
        if (!l.is_text && l.num == HDR_CRIT) {
            return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, r->check, "crit", lat,
                             "the message marks header parameters critical; none is understood");
        }
        if (!l.is_text && l.num == HDR_ALG) {
            /* spec: RFC 9052 §3.1: alg is protected, so the signature covers its choice */
            if (!prot) {
                return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "alg", lat,
                                 "alg is in the unprotected header");
            }
            UAT_TRY(read_alg(r, m));
            *has_alg = 1;
        } else if (!l.is_text && l.num == HDR_KID) {
            UAT_TRY(uat_cose_rd_bstr(r, "kid", &m->kid));
        } else {
            UAT_TRY(uat_cbor_skip(r, 0, "header value"));
        }
    }
    return UAT_OK;
}

static uat_err read_protected(uat_reader *r, labels *seen, uat_cose_sign1 *m, int *has_alg)
{
    uat_reader ph;
    UAT_TRY(uat_cose_rd_bstr_sub(r, "protected", &ph));
    m->protected_hdr = uat_span_of(ph.p, ph.len);
    if (ph.len > 0) { /* spec: RFC 9052 §3: an empty map may be a zero-length bstr */
        UAT_TRY(read_header(&ph, 1, seen, m, has_alg));
        UAT_TRY(uat_rd_end(&ph));
    }
    return UAT_OK;
}

static uat_err read_tag(uat_reader *r)
{
    int64_t at = uat_rd_pos(r);
    unsigned major = 0;
    uint64_t tag = 0;
    UAT_TRY(uat_cose_rd_peek(r, "tag", &major));
    if (major != UAT_CBOR_TAG) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, "tag", at,
                         "a COSE_Sign1 must carry its tag 18");
    }
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_TAG, "tag", &tag));
    if (tag != UAT_COSE_SIGN1_TAG) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "tag", at,
                         "CBOR tag %llu where COSE_Sign1 (tag 18) is expected",
                         (unsigned long long)tag);
    }
    return UAT_OK;
}

uat_err uat_cose_sign1_read(uat_reader *r, uat_cose_sign1 *out)
{
    uat_cose_sign1 m;
    labels seen;
    size_t n = 0;
    unsigned major = 0;
    memset(&m, 0, sizeof(m));
    seen.n = 0;
    UAT_TRY(read_tag(r));
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_ARRAY, "COSE_Sign1", &n));
    if (n != 4) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, "COSE_Sign1", at,
                         "a COSE_Sign1 is an array of 4 items, not %zu", n);
    }
    int has_alg = 0;
    int64_t prot_at = uat_rd_pos(r);
    UAT_TRY(read_protected(r, &seen, &m, &has_alg));
    UAT_TRY(read_header(r, 0, &seen, &m, &has_alg));
    if (!has_alg) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "alg", prot_at,
                         "the protected header has no algorithm (label 1)");
    }
    at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_peek(r, "payload", &major));
    if (major == UAT_CBOR_SIMPLE) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, r->check, "payload", at,
                         "detached payloads are not supported: the payload must be attached");
    }
    UAT_TRY(uat_cose_rd_bstr(r, "payload", &m.payload));
    m.payload_off = uat_rd_pos(r) - (int64_t)m.payload.len;
    UAT_TRY(uat_cose_rd_bstr(r, "signature", &m.signature));
    m.signature_off = uat_rd_pos(r) - (int64_t)m.signature.len;
    *out = m;
    return UAT_OK;
}

uat_err uat_cose_sign1_parse(uat_span in, const char *check, uat_cose_sign1 *out)
{
    uat_reader r;
    uat_rd_init(&r, in, check);
    UAT_TRY(uat_cose_sign1_read(&r, out));
    return uat_rd_end(&r);
}

uat_err uat_cose_sig_structure(const uat_cose_sign1 *m, uat_span external_aad, uat_buf *out)
{
    static const char context[] = "Signature1";
    /* spec: RFC 9052 §4.4: Sig_structure = [context, body_protected, external_aad, payload] */
    UAT_TRY(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 4));
    UAT_TRY(uat_cbor_put_string(out, UAT_CBOR_TSTR, context, sizeof(context) - 1));
    UAT_TRY(put_bstr(out, m->protected_hdr));
    UAT_TRY(put_bstr(out, external_aad));
    return put_bstr(out, m->payload);
}

uat_err uat_cose_sign1_verify(const uat_cose_sign1 *m, const uat_key *k, uat_span external_aad,
                              const char *check)
{
    uat_buf tbs;
    uat_buf_init(&tbs, UAT_MAX_EVIDENCE_BYTES + 64u);
    uat_err rc = uat_cose_sig_structure(m, external_aad, &tbs);
    if (rc == UAT_OK) {
        rc = uat_sig_verify(k, m->sig_alg, uat_buf_span(&tbs), m->signature, check);
    }
    uat_buf_free(&tbs);
    if (rc == UAT_ERR_VERIFY_SIGNATURE) {
        return UAT_FAILF(rc, check, "signature", m->signature_off,
                         "the %s signature (%zu bytes) does not verify with the expected key",
                         uat_cose_alg_name(m->alg), m->signature.len);
    }
    if (rc == UAT_ERR_CRYPTO_BAD_KEY) {
        return UAT_FAILF(rc, check, "alg", -1, "the key cannot verify %s signatures",
                         uat_cose_alg_name(m->alg));
    }
    return rc;
}

uat_err uat_cose_alg_for_key(const uat_key *k, int64_t *alg)
{
    switch (uat_key_kind_of(k)) {
    case UAT_KEY_EC_P256: *alg = UAT_COSE_ALG_ES256; return UAT_OK;
    case UAT_KEY_EC_P384: *alg = UAT_COSE_ALG_ES384; return UAT_OK;
    case UAT_KEY_EC_P521: *alg = UAT_COSE_ALG_ES512; return UAT_OK;
    case UAT_KEY_RSA: *alg = UAT_COSE_ALG_PS256; return UAT_OK;
    default:
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, "cose.sign", "key", -1,
                         "no COSE algorithm of ES256, ES384, ES512, PS256 for this key");
    }
}

uat_err uat_cose_sign1_sign(const uat_key *k, int64_t alg, uat_span payload, uat_buf *out)
{
    uat_cose_sign1 m;
    uat_buf ph, tbs, sig;
    memset(&m, 0, sizeof(m));
    uat_buf_init(&ph, 16);
    uat_buf_init(&tbs, UAT_MAX_EVIDENCE_BYTES + 64u);
    uat_buf_init(&sig, 1024);
    uat_err rc;
    size_t i = 0;
    while (i < sizeof(algs) / sizeof(algs[0]) && algs[i].alg != alg) {
        i++;
    }
    UAT_ENSURE_GOTO(rc, i < sizeof(algs) / sizeof(algs[0]), UAT_ERR_UNSUPPORTED_ALGORITHM,
                    "cose.sign", "alg", -1, out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(&ph, UAT_CBOR_MAP, 1), out);
    UAT_TRY_GOTO(rc, cose_put_int(&ph, HDR_ALG), out);
    UAT_TRY_GOTO(rc, cose_put_int(&ph, alg), out);
    m.protected_hdr = uat_buf_span(&ph);
    m.payload = payload;
    UAT_TRY_GOTO(rc, uat_cose_sig_structure(&m, uat_span_of(NULL, 0), &tbs), out);
    UAT_TRY_GOTO(rc, uat_sig_sign(k, algs[i].sig, uat_buf_span(&tbs), &sig), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(out, UAT_CBOR_TAG, UAT_COSE_SIGN1_TAG), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(out, UAT_CBOR_ARRAY, 4), out);
    UAT_TRY_GOTO(rc, put_bstr(out, m.protected_hdr), out);
    UAT_TRY_GOTO(rc, uat_cbor_put_head(out, UAT_CBOR_MAP, 0), out);
    UAT_TRY_GOTO(rc, put_bstr(out, payload), out);
    rc = put_bstr(out, uat_buf_span(&sig));
out:
    uat_buf_free(&ph);
    uat_buf_free(&tbs);
    uat_buf_free(&sig);
    return rc;
}
