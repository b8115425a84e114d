/* X.509 certificate chains and CRLs, verified at a given time against given anchors. */
#include "crypto/ossl.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>

#include "core/der.h"
#include "core/limits.h"

void uat_der_list_free(uat_der_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        uat_buf_free(&l->items[i]);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
    l->cap = 0;
}

uat_err uat_der_list_add(uat_der_list *l, uat_span der)
{
    UAT_ENSURE(l->n < UAT_MAX_TRUST_FILES, UAT_ERR_RESOURCE_LIMIT, "x509.list", "", -1);
    if (l->n == l->cap) {
        size_t ncap = l->cap ? 2 * l->cap : 4;
        uat_buf *ni = realloc(l->items, ncap * sizeof(*ni));
        if (ni == NULL) {
            return UAT_NOMEM("x509.list");
        }
        l->items = ni;
        l->cap = ncap;
    }
    uat_buf *b = &l->items[l->n];
    uat_buf_init(b, UAT_MAX_FILE_BYTES);
    UAT_TRY(uat_buf_append(b, der.p, der.len));
    l->n++;
    return UAT_OK;
}

uat_err uat_pem_decode_all(uat_span text, const char *label, uat_der_list *out)
{
    UAT_ENSURE(text.len <= UAT_MAX_FILE_BYTES, UAT_ERR_RESOURCE_LIMIT, "pem", "", -1);
    BIO *bio = BIO_new_mem_buf(text.p, (int)text.len);
    if (bio == NULL) {
        return UAT_NOMEM("pem");
    }
    uat_err rc = UAT_OK;
    size_t found = 0;
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long len = 0;
        if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error(); /* end of input */
            } else {
                rc = UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "pem");
            }
            break;
        }
        if (strcmp(name, label) == 0) {
            rc = uat_der_list_add(out, uat_span_of(data, (size_t)len));
            found++;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (rc != UAT_OK) {
            break;
        }
    }
    BIO_free(bio);
    if (rc == UAT_OK && found == 0) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, "pem", label, -1, "no %s block found", label);
    }
    return rc;
}

static int looks_like_pem(uat_span s)
{
    static const char tag[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof(tag) - 1 <= s.len; i++) {
        if (memcmp(s.p + i, tag, sizeof(tag) - 1) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Skips the next element when it has the tag; 1 when it did. */
static int skip_if(uat_reader *r, uint8_t tag)
{
    uat_reader inner;
    return uat_der_peek_tag(r) == tag && uat_der_element(r, tag, "", &inner) == UAT_OK;
}

/* spec: RFC 5280 §4.1: TBSCertificate = [0] version?, serial INTEGER, signature AlgorithmIdentifier,
 * issuer Name, validity SEQUENCE, ... — a CRL (§5.1) has a time where a certificate has validity.
 * A shallow walk: the certificate is decoded (once) where it is used. */
static int looks_like_cert(uat_span der)
{
    uat_reader r, cert, tbs;
    uat_rd_init(&r, der, "x509.cert");
    int ok = uat_der_element(&r, UAT_DER_SEQUENCE, "", &cert) == UAT_OK &&
             uat_der_element(&cert, UAT_DER_SEQUENCE, "", &tbs) == UAT_OK;
    if (ok) {
        (void)skip_if(&tbs, 0xa0);
        ok = skip_if(&tbs, UAT_DER_INTEGER) && skip_if(&tbs, UAT_DER_SEQUENCE) &&
             skip_if(&tbs, UAT_DER_SEQUENCE) && uat_der_peek_tag(&tbs) == UAT_DER_SEQUENCE;
    }
    uat_error_clear();
    return ok;
}

static uat_err der_time(uat_reader *r, uat_time *out);

/* spec: RFC 5280 §5.1: CertificateList = SEQUENCE { tbsCertList SEQUENCE { version INTEGER
 * OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 * ... }, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }, exactly.
 * A shallow walk: the CRL is decoded once, where it is used (the trust store). */
uat_err uat_crl_peek(uat_span der, uat_time *this_update, uat_time *next_update)
{
    uat_reader r, crl, tbs, skip;
    uat_rd_init(&r, der, "x509.crl");
    UAT_TRY(uat_der_element(&r, UAT_DER_SEQUENCE, "certificateList", &crl));
    UAT_ENSURE(uat_rd_left(&r) == 0, UAT_ERR_PARSE_TRAILING_BYTES, "x509.crl", "",
               uat_rd_pos(&r));
    UAT_TRY(uat_der_element(&crl, UAT_DER_SEQUENCE, "tbsCertList", &tbs));
    UAT_TRY(uat_der_element(&crl, UAT_DER_SEQUENCE, "signatureAlgorithm", &skip));
    UAT_TRY(uat_der_element(&crl, 0x03, "signatureValue", &skip));
    UAT_ENSURE(uat_rd_left(&crl) == 0, UAT_ERR_PARSE_TRAILING_BYTES, "x509.crl", "",
               uat_rd_pos(&crl));
    (void)skip_if(&tbs, UAT_DER_INTEGER);
    UAT_ENSURE(skip_if(&tbs, UAT_DER_SEQUENCE) && skip_if(&tbs, UAT_DER_SEQUENCE),
               UAT_ERR_PARSE_BAD_CERT, "x509.crl", "tbsCertList", -1);
    UAT_TRY(der_time(&tbs, this_update));
    uint8_t tag = uat_der_peek_tag(&tbs);
    *next_update = 0;
    if (tag == 0x17 || tag == 0x18) {
        UAT_TRY(der_time(&tbs, next_update));
    }
    return UAT_OK;
}

static uat_err load_any(uat_span bytes, const char *label, int is_crl, uat_der_list *out)
{
    if (looks_like_pem(bytes)) {
        return uat_pem_decode_all(bytes, label, out);
    }
    if (!is_crl) {
        /* a certificate is decoded where it is used (uat_cert_parse: once, it is slow in OpenSSL
         * 3.0); here only its outer DER SEQUENCE must span the bytes exactly */
        uat_reader r, body;
        uat_rd_init(&r, bytes, "x509.cert");
        if (!looks_like_cert(bytes) ||
            uat_der_element(&r, UAT_DER_SEQUENCE, "certificate", &body) != UAT_OK) {
            return UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert", "certificate", 0);
        }
        UAT_ENSURE(uat_rd_left(&r) == 0, UAT_ERR_PARSE_TRAILING_BYTES, "x509.cert", "",
                   uat_rd_pos(&r));
        return uat_der_list_add(out, bytes);
    }
    /* like a certificate, a CRL is decoded where it is used (OpenSSL takes 70 us for Intel's PCK
     * CRL): here its shape and times only */
    uat_time tu = 0, nu = 0;
    UAT_TRY(uat_crl_peek(bytes, &tu, &nu));
    return uat_der_list_add(out, bytes);
}

uat_err uat_der_list_load_certs(uat_span file_bytes, uat_der_list *out)
{
    return load_any(file_bytes, "CERTIFICATE", 0, out);
}

uat_err uat_der_list_load_crls(uat_span file_bytes, uat_der_list *out)
{
    return load_any(file_bytes, "X509 CRL", 1, out);
}

X509 *uat_ossl_d2i_cert(uat_span der)
{
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (x != NULL && (size_t)(p - der.p) != der.len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static void free_certs(uat_cert **certs, size_t n)
{
    for (size_t i = 0; certs != NULL && i < n; i++) {
        uat_cert_free(certs[i]);
    }
    free(certs);
}

static uat_err parse_certs(const uat_der_list *l, uat_cert ***out, size_t *n)
{
    size_t count = l != NULL ? l->n : 0;
    uat_cert **certs = calloc(count + 1, sizeof(*certs));
    if (certs == NULL) {
        return UAT_NOMEM("x509.chain");
    }
    for (size_t i = 0; i < count; i++) {
        uat_err rc = uat_cert_parse(uat_buf_span(&l->items[i]), &certs[i]);
        if (rc != UAT_OK) {
            free_certs(certs, i);
            return rc;
        }
    }
    *out = certs;
    *n = count;
    return UAT_OK;
}

uat_err uat_x509_verify_chain(const uat_chain_args *a)
{
    const char *check = a->check ? a->check : "x509.chain";
    UAT_ENSURE(a->anchors != NULL && a->anchors->n > 0, UAT_ERR_USAGE_NO_TRUST_ANCHOR, check, "",
               -1);
    UAT_ENSURE(a->intermediates == NULL || a->intermediates->n <= UAT_MAX_CERT_CHAIN,
               UAT_ERR_RESOURCE_LIMIT, check, "intermediates", -1);
    uat_cert *leaf = NULL, **anchors = NULL, **inter = NULL;
    size_t na = 0, ni = 0;
    uat_x509_store *store = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_cert_parse(a->leaf, &leaf), out);
    UAT_TRY_GOTO(rc, parse_certs(a->anchors, &anchors, &na), out);
    UAT_TRY_GOTO(rc, parse_certs(a->intermediates, &inter, &ni), out);
    UAT_TRY_GOTO(rc, uat_x509_store_new(anchors, na, a->crls, &store), out);
    rc = uat_x509_store_verify(store, leaf, inter, ni, a->require_crls, 0, a->at, check);
out:
    if (rc != UAT_OK && strcmp(uat_last_error()->check, check) != 0) {
        /* name the chain that failed, keep the cause */
        char detail[256];
        snprintf(detail, sizeof(detail), "%s", uat_last_error()->message);
        rc = UAT_FAILF(rc, check, "certificate", -1, "%s", detail);
    }
    uat_x509_store_free(store);
    free_certs(anchors, na);
    free_certs(inter, ni);
    uat_cert_free(leaf);
    return rc;
}

uat_err uat_x509_public_key(uat_span cert_der, uat_key **out)
{
    X509 *x = uat_ossl_d2i_cert(cert_der);
    if (x == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    }
    EVP_PKEY *pkey = X509_get_pubkey(x);
    X509_free(x);
    if (pkey == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    }
    return uat_key_wrap(pkey, out);
}

uat_err uat_ossl_asn1_time(const ASN1_TIME *t, uat_time *out)
{
    struct tm tm;
    if (ASN1_TIME_to_tm(t, &tm) != 1) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.validity");
    }
    int64_t days = uat_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                       (unsigned)tm.tm_mday);
    *out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return UAT_OK;
}

uat_err uat_x509_validity(uat_span cert_der, uat_time *not_before, uat_time *not_after)
{
    X509 *x = uat_ossl_d2i_cert(cert_der);
    if (x == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.cert");
    }
    uat_err rc = uat_ossl_asn1_time(X509_get0_notBefore(x), not_before);
    if (rc == UAT_OK) {
        rc = uat_ossl_asn1_time(X509_get0_notAfter(x), not_after);
    }
    X509_free(x);
    return rc;
}

uat_err uat_x509_extension(uat_span cert_der, const char *oid, uat_buf *out)
{
    X509 *x = uat_ossl_d2i_cert(cert_der);
    if (x == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.extension");
    }
    uat_err rc = uat_ossl_extension(x, oid, out);
    X509_free(x);
    return rc;
}

uat_err uat_ossl_extension(X509 *x, const char *oid, uat_buf *out)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    uat_err rc = UAT_OK;
    int idx = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
    if (idx < 0 || X509_get_ext_by_OBJ(x, obj, idx) >= 0) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, "x509.extension", oid, -1,
                       idx < 0 ? "the certificate has no extension %s"
                               : "the certificate has extension %s twice",
                       oid);
    } else {
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, idx));
        rc = uat_buf_append(out, ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
    }
    ASN1_OBJECT_free(obj);
    ERR_clear_error();
    return rc;
}

uat_err uat_ossl_name_cn(const X509_NAME *name, char *out, size_t cap, const char *check)
{
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    UAT_ENSURE(idx >= 0 && cap > 0, UAT_ERR_PARSE_BAD_CERT, check, "commonName", -1);
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    int n = ASN1_STRING_length(s);
    UAT_ENSURE(n >= 0 && (size_t)n < cap, UAT_ERR_PARSE_BAD_CERT, check, "commonName", -1);
    memcpy(out, ASN1_STRING_get0_data(s), (size_t)n);
    out[n] = '\0';
    return UAT_OK;
}

uat_err uat_x509_subject_cn(uat_span cert_der, char *out, size_t cap)
{
    X509 *x = uat_ossl_d2i_cert(cert_der);
    if (x == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.subject");
    }
    uat_err rc = uat_ossl_name_cn(X509_get_subject_name(x), out, cap, "x509.subject");
    X509_free(x);
    return rc;
}

static X509_CRL *d2i_crl_exact(uat_span der)
{
    const unsigned char *p = der.p;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)der.len);
    if (c != NULL && (size_t)(p - der.p) != der.len) {
        X509_CRL_free(c);
        return NULL;
    }
    return c;
}

uat_err uat_crl_info(uat_span crl_der, char *issuer_cn, size_t cap, uat_time *this_update,
                     uat_time *next_update)
{
    X509_CRL *c = d2i_crl_exact(crl_der);
    if (c == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "x509.crl");
    }
    uat_err rc = uat_ossl_name_cn(X509_CRL_get_issuer(c), issuer_cn, cap, "x509.crl");
    if (rc == UAT_OK) {
        rc = uat_ossl_asn1_time(X509_CRL_get0_lastUpdate(c), this_update);
    }
    *next_update = 0;
    if (rc == UAT_OK && X509_CRL_get0_nextUpdate(c) != NULL) {
        rc = uat_ossl_asn1_time(X509_CRL_get0_nextUpdate(c), next_update);
    }
    X509_CRL_free(c);
    return rc;
}

int uat_crl_signed_by(uat_span crl_der, uat_span issuer_cert_der)
{
    X509_CRL *c = d2i_crl_exact(crl_der);
    X509 *x = uat_ossl_d2i_cert(issuer_cert_der);
    int ok = c != NULL && x != NULL &&
             X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(x)) == 0;
    if (ok) {
        EVP_PKEY *k = X509_get0_pubkey(x);
        ok = k != NULL && X509_CRL_verify(c, k) == 1;
    }
    X509_CRL_free(c);
    X509_free(x);
    ERR_clear_error();
    return ok;
}

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* The line at *i (without its \n or \r\n); advances past the line break. */
static int next_line(uat_span t, size_t *i, uat_span *line)
{
    if (*i >= t.len) {
        return 0;
    }
    size_t start = *i;
    while (*i < t.len && t.p[*i] != '\n') {
        (*i)++;
    }
    size_t end = *i;
    if (*i < t.len) {
        (*i)++; /* the \n */
    }
    if (end > start && t.p[end - 1] == '\r') {
        end--;
    }
    *line = uat_span_of(t.p + start, end - start);
    return 1;
}

static int line_is(uat_span line, const char *s)
{
    return line.len == strlen(s) && memcmp(line.p, s, line.len) == 0;
}

static int uat_buf_len_ok(const uat_buf *b)
{
    return b->len > 0;
}

/* "-----END CERTIFICATE----------BEGIN CERTIFICATE-----": rats-tls quotes join blocks so */
static int line_joins(uat_span line)
{
    size_t e = strlen(PEM_END), b = strlen(PEM_BEGIN);
    return line.len == e + b && memcmp(line.p, PEM_END, e) == 0 &&
           memcmp(line.p + e, PEM_BEGIN, b) == 0;
}

static uat_err strict_block(uat_span t, size_t *i, uat_der_list *out, int *joined)
{
    uat_span line;
    uat_buf b64, der;
    uat_buf_init(&b64, UAT_MAX_FILE_BYTES);
    uat_buf_init(&der, UAT_MAX_FILE_BYTES);
    uat_err rc = UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "pem", "END", (int64_t)*i);
    *joined = 0;
    while (next_line(t, i, &line)) {
        if (line_is(line, PEM_END) || (*joined = line_joins(line)) != 0) {
            rc = uat_b64_decode((const char *)b64.p, b64.len, UAT_B64_STD, &der);
            break;
        }
        rc = uat_buf_append(&b64, line.p, line.len);
        if (rc != UAT_OK) {
            break;
        }
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "pem", "END", (int64_t)*i);
    }
    if (rc == UAT_OK) {
        /* decoding the certificate is the consumer's job (uat_cert_parse): decode once */
        rc = uat_buf_len_ok(&der) ? uat_der_list_add(out, uat_buf_span(&der))
                                  : UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "pem", "base64", (int64_t)*i);
    } else if (rc == UAT_ERR_PARSE_BAD_ENCODING) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_CERT, "pem", "base64", (int64_t)*i);
    }
    uat_buf_free(&b64);
    uat_buf_free(&der);
    return rc;
}

uat_err uat_pem_certs_strict(uat_span t, uat_der_list *out)
{
    size_t i = 0, blocks = 0;
    for (;;) {
        while (i < t.len && (t.p[i] == '\n' || t.p[i] == '\r' || t.p[i] == ' ' || t.p[i] == '\t')) {
            i++;
        }
        size_t rest = i;
        while (rest < t.len && t.p[rest] == 0) {
            rest++;
        }
        if (rest == t.len) {
            break;
        }
        uat_span line;
        size_t at = i;
        int joined = 0;
        UAT_ENSURE(next_line(t, &i, &line) && line_is(line, PEM_BEGIN), UAT_ERR_PARSE_BAD_CERT, "pem",
                   "BEGIN", (int64_t)at);
        do {
            UAT_TRY(strict_block(t, &i, out, &joined));
            blocks++;
        } while (joined);
    }
    UAT_ENSURE(blocks > 0, UAT_ERR_PARSE_BAD_CERT, "pem", "BEGIN", 0);
    return UAT_OK;
}

/* UTCTime YYMMDDHHMMSSZ (years 1950-2049) or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5). */
static uat_err der_time(uat_reader *r, uat_time *out)
{
    uint8_t tag = uat_der_peek_tag(r);
    uat_reader t;
    UAT_ENSURE(tag == 0x17 || tag == 0x18, UAT_ERR_PARSE_BAD_CERT, "x509.peek", "validity", -1);
    UAT_TRY(uat_der_element(r, tag, "validity", &t));
    size_t n = uat_rd_left(&t), yl = tag == 0x17 ? 2 : 4;
    UAT_ENSURE(n == yl + 11 && t.p[n - 1] == 'Z', UAT_ERR_PARSE_BAD_CERT, "x509.peek", "validity",
               -1);
    unsigned v[7] = {0};
    size_t at = 0;
    for (size_t f = 0; f < 6; f++) {
        size_t w = f == 0 ? yl : 2;
        for (size_t k = 0; k < w; k++, at++) {
            UAT_ENSURE(t.p[at] >= '0' && t.p[at] <= '9', UAT_ERR_PARSE_BAD_CERT, "x509.peek",
                       "validity", -1);
            v[f] = v[f] * 10 + (unsigned)(t.p[at] - '0');
        }
    }
    int64_t year = tag == 0x17 ? (v[0] >= 50 ? 1900 + v[0] : 2000 + v[0]) : v[0];
    UAT_ENSURE(v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= 31 && v[3] < 24 && v[4] < 60 &&
                   v[5] < 61,
               UAT_ERR_PARSE_BAD_CERT, "x509.peek", "validity", -1);
    *out = uat_days_from_civil(year, v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
    return UAT_OK;
}

uat_err uat_x509_peek(uat_span der, uat_span *issuer, uat_span *subject, uat_time *not_before,
                      uat_time *not_after)
{
    uat_reader r, cert, tbs, val;
    uat_rd_init(&r, der, "x509.peek");
    UAT_TRY(uat_der_element(&r, UAT_DER_SEQUENCE, "certificate", &cert));
    UAT_TRY(uat_der_element(&cert, UAT_DER_SEQUENCE, "tbsCertificate", &tbs));
    (void)skip_if(&tbs, 0xa0);
    UAT_ENSURE(skip_if(&tbs, UAT_DER_INTEGER) && skip_if(&tbs, UAT_DER_SEQUENCE),
               UAT_ERR_PARSE_BAD_CERT, "x509.peek", "tbsCertificate", -1);
    uat_reader name;
    int64_t is = uat_rd_pos(&tbs);
    UAT_TRY(uat_der_element(&tbs, UAT_DER_SEQUENCE, "issuer", &name));
    *issuer = uat_span_of(der.p + is, (size_t)(uat_rd_pos(&tbs) - is));
    UAT_TRY(uat_der_element(&tbs, UAT_DER_SEQUENCE, "validity", &val));
    UAT_TRY(der_time(&val, not_before));
    UAT_TRY(der_time(&val, not_after));
    int64_t ss = uat_rd_pos(&tbs);
    UAT_TRY(uat_der_element(&tbs, UAT_DER_SEQUENCE, "subject", &name));
    *subject = uat_span_of(der.p + ss, (size_t)(uat_rd_pos(&tbs) - ss));
    return UAT_OK;
}
