/* A synthetic Intel SGX DCAP world, built at test run time with the OpenSSL 3 API: a test
 * "Intel SGX Root CA", a "Intel SGX PCK Platform CA", a PCK leaf carrying the SGX extensions
 * (DER written here, field by field, after the structure of PCK Certificate and CRL Profile 1.5
 * §1.3.5 that src/tee/intel/pckext.c parses), "Intel SGX TCB Signing" certificates, both CRLs, a
 * PCS TCB info v3 and QE identity v2 signed over their exact member text, and an SGX quote
 * (DCAP Quote Library API Appendix A) signed by a fresh attestation key whose QE report the PCK
 * key signs. Everything lands in a mkdtemp directory: <dir>/trust (root) and <dir>/coll.
 *
 * Knobs (synth_opts) change one thing each, so that a test states only what differs from the
 * good quote. Include after <cmocka.h>: failures inside the builder are cmocka assertions.
 */
#ifndef UAT_TEST_INTEL_SYNTH_H
#define UAT_TEST_INTEL_SYNTH_H

#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Times (seconds since the epoch). Every default certificate, CRL and collateral item holds at
 * SY_T_EVAL. */
#define SY_T_EVAL 1718409600      /* 2024-06-15T00:00:00Z */
#define SY_T_AFTER_TCB 1719273600 /* 2024-06-25T00:00:00Z: after tcb_next_update "early" */
#define SY_TCB_NEXT_EARLY "2024-06-20T00:00:00Z"
#define SY_T_ROOT_NB 1526860800     /* 2018-05-21T00:00:00Z (as Intel's root and PCK CAs) */
#define SY_T_ROOT_NA 2524607999     /* 2049-12-31T23:59:59Z */
#define SY_T_CA_NA 2000246400       /* 2033-05-21T00:00:00Z */
#define SY_T_PCK_NB 1672531200      /* 2023-01-01T00:00:00Z */
#define SY_T_PCK_NA 1893456000      /* 2030-01-01T00:00:00Z */
#define SY_T_SIGN_NB 1682899200     /* 2023-05-01T00:00:00Z: the re-issued TCB signing cert */
#define SY_T_SIGN_NA 1966982400     /* 2032-05-01T00:00:00Z */
#define SY_T_OLD_SIGN_NA 1716249600 /* 2024-05-21T00:00:00Z: the first one, expired at T_EVAL */
#define SY_T_COLL_ISSUE 1717200000  /* 2024-06-01T00:00:00Z: PCK CRL thisUpdate */
#define SY_T_COLL_NEXT 1719792000   /* 2024-07-01T00:00:00Z: PCK CRL nextUpdate */
#define SY_T_ROOT_CRL_TU 1711929600 /* 2024-04-01T00:00:00Z */
#define SY_T_ROOT_CRL_NU 1743465600 /* 2025-04-01T00:00:00Z */
#define SY_COLL_ISSUE "2024-06-01T00:00:00Z"
#define SY_COLL_NEXT "2024-07-01T00:00:00Z"
#define SY_COLL_NEXT_NEXT "2024-08-01T00:00:00Z"

#define SY_SGX_OID "1.2.840.113741.1.13.1"
#define SY_MEDIA_SGX "application/vnd.intel.sgx.quote"

/* spec: DCAP Quote Library API Table 3: QE Vendor ID of the Intel QE */
static const uint8_t sy_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                         0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
static const uint8_t sy_fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
static const uint8_t sy_pceid[2] = {0x00, 0x00};
/* the PCK reaches exactly the first TCB level; the second level asks 4 for components 1 and 2 */
static const uint8_t sy_comp_top[16] = {5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t sy_comp_low[16] = {4, 4, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
#define SY_PCESVN 13
#define SY_QE_ISVSVN 8

enum synth_signing {
    SY_SIGNING_ONE,      /* one TCB signing cert, valid at T_EVAL */
    SY_SIGNING_REISSUED, /* the expired first cert and the re-issued one, same key, old one first */
    SY_SIGNING_OLD_ONLY, /* only the expired one */
};

typedef struct synth_opts {
    uint16_t version;            /* 3, 4, 5 build that layout; others are written into a v3 one */
    uint16_t att_key_type;       /* 2 = ECDSA-256-with-P-256 */
    int debug;                   /* SGX attributes.flags bit 1 (DEBUG) */
    int revoked;                 /* the PCK CA CRL lists the PCK leaf's serial */
    int wrong_root;              /* the trust dir holds an unrelated root of the same name */
    int no_root_crl;             /* the collateral lacks the root CA CRL */
    int bad_binding;             /* QE report_data is not SHA-256(att key || QE auth data) */
    int tcb_foreign_signer;      /* the TCB info signature is made by an unrelated key */
    int qe_mrsigner_differs;     /* the QE identity names another MRSIGNER than the QE's */
    uint16_t qe_isvsvn;          /* the QE's ISVSVN (8: the identity's UpToDate level) */
    int qe_debug;                /* the QE report has DEBUG set, which the identity's mask checks */
    int att_key_off_curve;       /* the attestation key x || y is no P-256 point (QE binds it) */
    int signing_revoked;         /* the root CA CRL lists the TCB signing cert */
    int future_tcb_info;         /* a newer TCB info (eval 18), not yet valid, sorts first */
    int future_qe_identity;      /* a newer QE identity (eval 18), not yet valid, sorts first */
    size_t tcb_ncomp;            /* sgxtcbcomponents per TCB level (16) */
    const char *top_status;      /* tcbStatus of the first TCB level ("UpToDate") */
    const char *tcb_next_update; /* tcbInfo nextUpdate (SY_COLL_NEXT) */
    enum synth_signing signing;
    uint8_t pck_comp[16]; /* the PCK's TCB component SVNs (and CPUSVN) */
    uint16_t pcesvn;
} synth_opts;

typedef struct synth {
    char dir[64]; /* the mkdtemp directory, "" when none */
    char trust[96];
    char coll[96];
    uint8_t *quote;
    size_t quote_len;
    uint8_t mr_enclave[32];
    uint8_t report_data[64];
    uint8_t ppid[16];
} synth;

static synth_opts synth_defaults(void)
{
    synth_opts o;
    memset(&o, 0, sizeof(o));
    o.version = 3;
    o.att_key_type = 2;
    o.tcb_ncomp = 16;
    o.top_status = "UpToDate";
    o.tcb_next_update = SY_COLL_NEXT;
    o.signing = SY_SIGNING_ONE;
    memcpy(o.pck_comp, sy_comp_top, 16);
    o.pcesvn = SY_PCESVN;
    o.qe_isvsvn = SY_QE_ISVSVN;
    return o;
}

/* ---- bytes ---- */

typedef struct sy_buf {
    uint8_t *p;
    size_t len, cap;
} sy_buf;

static void sy_free(sy_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Appends; the content stays NUL-terminated so that text can be used as a C string. */
static void sy_put(sy_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = 2 * (b->len + n + 1);
        uint8_t *np = realloc(b->p, ncap);
        assert_non_null(np);
        b->p = np;
        b->cap = ncap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, p, n);
    }
    b->len += n;
    b->p[b->len] = 0;
}

static void sy_u8(sy_buf *b, uint8_t v)
{
    sy_put(b, &v, 1);
}

static void sy_u16(sy_buf *b, uint16_t v)
{
    uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    sy_put(b, le, 2);
}

static void sy_u32(sy_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sy_put(b, le, 4);
}

static void sy_zeros(sy_buf *b, size_t n)
{
    static const uint8_t z[64];
    for (; n > 0; n -= n > 64 ? 64 : n) {
        sy_put(b, z, n > 64 ? 64 : n);
    }
}

__attribute__((format(printf, 2, 3))) static void sy_printf(sy_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *tmp = malloc((size_t)n + 1);
    assert_non_null(tmp);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sy_put(b, tmp, (size_t)n);
    free(tmp);
}

static void sy_hex(const uint8_t *p, size_t n, int upper, char *out)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- DER of the SGX extension (spec: PCK Certificate and CRL Profile 1.5 §1.3.5) ---- */

static void der_tlv(sy_buf *out, uint8_t tag, const void *p, size_t n)
{
    sy_u8(out, tag);
    if (n < 0x80) {
        sy_u8(out, (uint8_t)n);
    } else if (n < 0x100) {
        sy_u8(out, 0x81);
        sy_u8(out, (uint8_t)n);
    } else {
        assert_true(n < 0x10000);
        sy_u8(out, 0x82);
        sy_u8(out, (uint8_t)(n >> 8));
        sy_u8(out, (uint8_t)n);
    }
    sy_put(out, p, n);
}

/* Appends TLV(tag, content) and releases content. */
static void der_wrap(sy_buf *out, uint8_t tag, sy_buf *content)
{
    der_tlv(out, tag, content->p, content->len);
    sy_free(content);
}

/* INTEGER or ENUMERATED, minimal two's complement of a non-negative value */
static void der_uint(sy_buf *out, uint8_t tag, unsigned v)
{
    uint8_t be[5];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(v >> shift);
        if (n > 0 || byte != 0 || shift == 0) {
            if (n == 0 && (byte & 0x80) != 0) {
                be[n++] = 0;
            }
            be[n++] = byte;
        }
    }
    der_tlv(out, tag, be, n);
}

/* OID 1.2.840.113741.1.13.1.a1[.a2] (arcs below 128) */
static void der_sgx_oid(sy_buf *out, unsigned a1, unsigned a2)
{
    uint8_t enc[11] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
    size_t n = 9;
    enc[n++] = (uint8_t)a1;
    if (a2 != 0) {
        enc[n++] = (uint8_t)a2;
    }
    der_tlv(out, 0x06, enc, n);
}

/* Appends SEQUENCE { OID, value } to seq and releases value. */
static void der_item(sy_buf *seq, unsigned a1, unsigned a2, sy_buf *value)
{
    sy_buf it = {0};
    der_sgx_oid(&it, a1, a2);
    sy_put(&it, value->p, value->len);
    sy_free(value);
    der_wrap(seq, 0x30, &it);
}

static void sy_pck_ext(const synth_opts *o, const uint8_t ppid[16], sy_buf *out)
{
    static const uint8_t instance_id[16] = {0x7a, 0x3a, 0x69, 0x41, 0x06, 0x5c, 0xd5, 0x06,
                                            0x0b, 0xd9, 0x3d, 0x3d, 0xb2, 0xcf, 0xc0, 0xc8};
    sy_buf seq = {0}, v = {0}, tcb = {0}, conf = {0};
    der_tlv(&v, 0x04, ppid, 16);
    der_item(&seq, 1, 0, &v);
    /* TCB: components 1-16 (INTEGER), 17 PCESVN (INTEGER), 18 CPUSVN (OCTET STRING) */
    for (unsigned i = 1; i <= 16; i++) {
        der_uint(&v, 0x02, o->pck_comp[i - 1]);
        der_item(&tcb, 2, i, &v);
    }
    der_uint(&v, 0x02, o->pcesvn);
    der_item(&tcb, 2, 17, &v);
    der_tlv(&v, 0x04, o->pck_comp, 16);
    der_item(&tcb, 2, 18, &v);
    der_wrap(&v, 0x30, &tcb);
    der_item(&seq, 2, 0, &v);
    der_tlv(&v, 0x04, sy_pceid, 2);
    der_item(&seq, 3, 0, &v);
    der_tlv(&v, 0x04, sy_fmspc, 6);
    der_item(&seq, 4, 0, &v);
    der_uint(&v, 0x0a, 1); /* SGX Type: Scalable */
    der_item(&seq, 5, 0, &v);
    /* a Platform CA PCK also carries the platform instance id and the configuration */
    der_tlv(&v, 0x04, instance_id, 16);
    der_item(&seq, 6, 0, &v);
    static const uint8_t bool_false[1] = {0x00}, bool_true[1] = {0xff};
    for (unsigned i = 1; i <= 3; i++) {
        der_tlv(&v, 0x01, i == 1 ? bool_false : bool_true, 1);
        der_item(&conf, 7, i, &v);
    }
    der_wrap(&v, 0x30, &conf);
    der_item(&seq, 7, 0, &v);
    der_wrap(out, 0x30, &seq);
}

/* ---- keys, certificates, CRLs ---- */

static EVP_PKEY *sy_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

/* ES256 with the raw r||s encoding of quotes and PCS JSON */
static void sy_sign_raw(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t out[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t dl = sizeof(der);
    assert_non_null(md);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, der, &dl, msg, n), 1);
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    assert_non_null(s);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(s), out, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(s), out + 32, 32), 32);
    ECDSA_SIG_free(s);
}

/* x || y of a P-256 public key */
static void sy_point(EVP_PKEY *k, uint8_t out[64])
{
    uint8_t pt[65];
    size_t n = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n), 1);
    assert_int_equal(n, 65);
    assert_int_equal(pt[0], 0x04);
    memcpy(out, pt + 1, 64);
}

static void sy_sha256(const sy_buf *parts, size_t nparts, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    for (size_t i = 0; i < nparts; i++) {
        assert_int_equal(EVP_DigestUpdate(md, parts[i].p, parts[i].len), 1);
    }
    assert_int_equal(EVP_DigestFinal_ex(md, out, NULL), 1);
    EVP_MD_CTX_free(md);
}

static void sy_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

typedef struct sy_cert_spec {
    const char *cn;
    long serial;
    int64_t not_before, not_after;
    int ca;                /* 0: end entity; n > 0: a CA with pathLenConstraint n - 1 */
    const sy_buf *sgx_ext; /* DER of the SGX extension, or NULL */
} sy_cert_spec;

/* Issued by issuer (NULL: self-signed) with issuer_key. */
static X509 *sy_cert(const sy_cert_spec *c, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    assert_true(x != NULL && name != NULL);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), c->serial), 1);
    const char *rdn[][2] = {
        {"CN", c->cn}, {"O", "Intel Corporation"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
    for (size_t i = 0; i < sizeof(rdn) / sizeof(rdn[0]); i++) {
        assert_int_equal(X509_NAME_add_entry_by_txt(name, rdn[i][0], MBSTRING_ASC,
                                                    (const unsigned char *)rdn[i][1], -1, -1, 0),
                         1);
    }
    assert_int_equal(X509_set_subject_name(x, name), 1);
    assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
    X509_NAME_free(name);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)c->not_before));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)c->not_after));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    sy_add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    sy_add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    sy_add_ext(x, &ctx, NID_basic_constraints,
               c->ca == 0   ? "critical,CA:FALSE"
               : c->ca == 1 ? "critical,CA:TRUE,pathlen:0"
                            : "critical,CA:TRUE,pathlen:1");
    sy_add_ext(x, &ctx, NID_key_usage,
               c->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
    if (c->sgx_ext != NULL) {
        ASN1_OBJECT *oid = OBJ_txt2obj(SY_SGX_OID, 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        assert_true(oid != NULL && os != NULL);
        assert_int_equal(ASN1_OCTET_STRING_set(os, c->sgx_ext->p, (int)c->sgx_ext->len), 1);
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
        assert_non_null(e);
        assert_int_equal(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(oid);
    }
    assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

static X509_CRL *sy_crl(X509 *issuer, EVP_PKEY *key, int64_t this_update, int64_t next_update,
                        X509 *revoked)
{
    X509_CRL *c = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    assert_true(c != NULL && t != NULL);
    assert_int_equal(X509_CRL_set_version(c, X509_CRL_VERSION_2), 1);
    assert_int_equal(X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer)), 1);
    assert_non_null(ASN1_TIME_set(t, (time_t)this_update));
    assert_int_equal(X509_CRL_set1_lastUpdate(c, t), 1);
    if (revoked != NULL) {
        X509_REVOKED *r = X509_REVOKED_new();
        assert_non_null(r);
        assert_int_equal(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)), 1);
        assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
        assert_int_equal(X509_CRL_add0_revoked(c, r), 1);
    }
    assert_non_null(ASN1_TIME_set(t, (time_t)next_update));
    assert_int_equal(X509_CRL_set1_nextUpdate(c, t), 1);
    ASN1_TIME_free(t);
    assert_int_equal(X509_CRL_sort(c), 1);
    assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
    return c;
}

static void sy_cert_pem(X509 *x, sy_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    assert_true(n > 0);
    sy_put(out, p, (size_t)n);
    BIO_free(b);
}

static void sy_crl_der(X509_CRL *c, sy_buf *out)
{
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(c, &der);
    assert_true(n > 0);
    sy_put(out, der, (size_t)n);
    OPENSSL_free(der);
}

typedef struct sy_pki {
    EVP_PKEY *root_key, *ca_key, *pck_key, *sign_key, *other_key;
    X509 *root, *ca, *pck, *sign, *sign_old, *other_root;
    X509_CRL *root_crl, *pck_crl;
} sy_pki;

static void sy_pki_make(const synth_opts *o, const uint8_t ppid[16], sy_pki *k)
{
    memset(k, 0, sizeof(*k));
    k->root_key = sy_key();
    k->ca_key = sy_key();
    k->pck_key = sy_key();
    k->sign_key = sy_key();
    k->other_key = sy_key();
    sy_cert_spec root = {"Intel SGX Root CA", 1, SY_T_ROOT_NB, SY_T_ROOT_NA, 2, NULL};
    sy_cert_spec ca = {"Intel SGX PCK Platform CA", 2, SY_T_ROOT_NB, SY_T_CA_NA, 1, NULL};
    sy_buf ext = {0};
    sy_pck_ext(o, ppid, &ext);
    sy_cert_spec pck = {"Intel SGX PCK Certificate", 0x1234567, SY_T_PCK_NB, SY_T_PCK_NA, 0, &ext};
    sy_cert_spec sign = {"Intel SGX TCB Signing", 3, SY_T_SIGN_NB, SY_T_SIGN_NA, 0, NULL};
    sy_cert_spec old = {"Intel SGX TCB Signing", 4, SY_T_ROOT_NB, SY_T_OLD_SIGN_NA, 0, NULL};
    k->root = sy_cert(&root, k->root_key, NULL, NULL);
    k->ca = sy_cert(&ca, k->ca_key, k->root, k->root_key);
    k->pck = sy_cert(&pck, k->pck_key, k->ca, k->ca_key);
    k->sign = sy_cert(&sign, k->sign_key, k->root, k->root_key);
    k->sign_old = sy_cert(&old, k->sign_key, k->root, k->root_key);
    k->other_root = sy_cert(&root, k->other_key, NULL, NULL);
    sy_free(&ext);
    k->root_crl = sy_crl(k->root, k->root_key, SY_T_ROOT_CRL_TU, SY_T_ROOT_CRL_NU,
                         o->signing_revoked ? k->sign : NULL);
    k->pck_crl =
        sy_crl(k->ca, k->ca_key, SY_T_COLL_ISSUE, SY_T_COLL_NEXT, o->revoked ? k->pck : NULL);
}

static void sy_pki_free(sy_pki *k)
{
    EVP_PKEY *keys[] = {k->root_key, k->ca_key, k->pck_key, k->sign_key, k->other_key};
    X509 *certs[] = {k->root, k->ca, k->pck, k->sign, k->sign_old, k->other_root};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        EVP_PKEY_free(keys[i]);
    }
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
        X509_free(certs[i]);
    }
    X509_CRL_free(k->root_crl);
    X509_CRL_free(k->pck_crl);
    memset(k, 0, sizeof(*k));
}

/* ---- PCS collateral JSON (spec: Intel PCS API v4, TCB Info V3 and Enclave Identity V2) ---- */

static const uint8_t sy_qe_mrsigner[32] = {
    0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f, 0x77, 0xc6, 0x8a, 0x82, 0x9a,
    0x00, 0x56, 0xac, 0x8d, 0xed, 0x70, 0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff};

static void sy_level(sy_buf *j, const uint8_t comp[16], size_t ncomp, const char *date,
                     const char *status, const char *advisories)
{
    sy_printf(j, "{\"tcb\":{\"sgxtcbcomponents\":[");
    for (size_t i = 0; i < ncomp; i++) {
        sy_printf(j, "%s{\"svn\":%u}", i ? "," : "", comp[i % 16]);
    }
    sy_printf(j, "],\"pcesvn\":%u},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\",\"advisoryIDs\":[%s]}",
              SY_PCESVN, date, status, advisories);
}

/* {"<member>":<body>,"signature":"<hex r||s over the exact body text>"} */
static void sy_signed_json(const char *member, const sy_buf *body, EVP_PKEY *key, sy_buf *out)
{
    uint8_t sig[64];
    char hex[129];
    sy_sign_raw(key, body->p, body->len, sig);
    sy_hex(sig, 64, 0, hex);
    sy_printf(out, "{\"%s\":%s,\"signature\":\"%s\"}", member, (const char *)body->p, hex);
}

/* The issue date, next update and evaluation data number of a collateral item */
typedef struct sy_dates {
    const char *issue, *next;
    unsigned eval;
} sy_dates;

static void sy_tcb_info(const synth_opts *o, const sy_pki *k, const sy_dates *d, sy_buf *out)
{
    char fmspc[13];
    sy_buf j = {0};
    sy_hex(sy_fmspc, 6, 1, fmspc);
    sy_printf(&j,
              "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
              "\"fmspc\":\"%s\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":%u,"
              "\"tcbLevels\":[",
              d->issue, d->next, fmspc, d->eval);
    sy_level(&j, sy_comp_top, o->tcb_ncomp, "2024-03-13T00:00:00Z", o->top_status, "");
    sy_printf(&j, ",");
    sy_level(&j, sy_comp_low, o->tcb_ncomp, "2023-02-15T00:00:00Z", "OutOfDate",
             "\"INTEL-SA-00828\",\"INTEL-SA-00615\"");
    sy_printf(&j, "]}");
    sy_signed_json("tcbInfo", &j, o->tcb_foreign_signer ? k->other_key : k->sign_key, out);
    sy_free(&j);
}

static void sy_qe_identity(const synth_opts *o, const sy_pki *k, const sy_dates *d, sy_buf *out)
{
    uint8_t signer[32];
    char hex[65];
    sy_buf j = {0};
    memcpy(signer, sy_qe_mrsigner, 32);
    signer[31] ^= o->qe_mrsigner_differs ? 1 : 0;
    sy_hex(signer, 32, 1, hex);
    sy_printf(&j,
              "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
              "\"tcbEvaluationDataNumber\":%u,\"miscselect\":\"00000000\","
              "\"miscselectMask\":\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\","
              "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
              "\"isvprodid\":1,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":"
              "\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":6},"
              "\"tcbDate\":\"2021-11-10T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
              "\"advisoryIDs\":[\"INTEL-SA-00615\"]}]}",
              d->issue, d->next, d->eval, hex, SY_QE_ISVSVN);
    sy_signed_json("enclaveIdentity", &j, k->sign_key, out);
    sy_free(&j);
}

/* ---- the quote (spec: DCAP Quote Library API Appendix A; TDX DCAP QVL for v4/v5) ---- */

typedef struct sy_report {
    uint8_t cpu_svn[16];
    uint32_t misc_select;
    uint8_t attributes[16];
    uint8_t mr_enclave[32];
    uint8_t mr_signer[32];
    uint16_t isv_prod_id, isv_svn;
    uint8_t report_data[64];
} sy_report;

/* spec: DCAP Quote Library API Table 5: SGX report body, 384 bytes */
static void sy_put_report(sy_buf *q, const sy_report *r)
{
    size_t start = q->len;
    sy_put(q, r->cpu_svn, 16);
    sy_u32(q, r->misc_select);
    sy_zeros(q, 12 + 16); /* reserved1, isv_ext_prod_id */
    sy_put(q, r->attributes, 16);
    sy_put(q, r->mr_enclave, 32);
    sy_zeros(q, 32);
    sy_put(q, r->mr_signer, 32);
    sy_zeros(q, 32 + 64); /* reserved3, config_id */
    sy_u16(q, r->isv_prod_id);
    sy_u16(q, r->isv_svn);
    sy_zeros(q, 2 + 42 + 16); /* config_svn, reserved4, isv_family_id */
    sy_put(q, r->report_data, 64);
    assert_int_equal(q->len - start, 384);
}

/* QE report, its signature by the PCK key, QE auth data, certification data type 5 */
static void sy_qe_part(const synth_opts *o, const sy_pki *k, const uint8_t att_pub[64], sy_buf *out)
{
    sy_buf auth = {0}, pub = {0}, rep = {0}, pem = {0};
    for (uint8_t i = 0; i < 32; i++) {
        sy_u8(&auth, i);
    }
    sy_put(&pub, att_pub, 64);
    sy_report qe;
    memset(&qe, 0, sizeof(qe));
    memcpy(qe.cpu_svn, o->pck_comp, 16);
    qe.attributes[0] = (uint8_t)(0x11 | (o->qe_debug ? 0x02 : 0x00));
    memcpy(qe.mr_enclave, sy_qe_mrsigner, 32);
    qe.mr_enclave[0] ^= 0xff;
    memcpy(qe.mr_signer, sy_qe_mrsigner, 32);
    qe.isv_prod_id = 1;
    qe.isv_svn = o->qe_isvsvn;
    /* spec: report_data = SHA-256(attestation key || QE authentication data) || 0^32 */
    sy_buf parts[2] = {pub, auth};
    sy_sha256(parts, 2, qe.report_data);
    qe.report_data[0] ^= o->bad_binding ? 0x01 : 0x00;
    sy_put_report(&rep, &qe);
    uint8_t sig[64];
    sy_sign_raw(k->pck_key, rep.p, rep.len, sig);
    sy_put(out, rep.p, rep.len);
    sy_put(out, sig, 64);
    sy_u16(out, (uint16_t)auth.len);
    sy_put(out, auth.p, auth.len);
    sy_cert_pem(k->pck, &pem);
    sy_cert_pem(k->ca, &pem);
    sy_cert_pem(k->root, &pem);
    sy_u16(out, 5);
    sy_u32(out, (uint32_t)pem.len);
    sy_put(out, pem.p, pem.len);
    sy_free(&auth);
    sy_free(&pub);
    sy_free(&rep);
    sy_free(&pem);
}

static void sy_quote(const synth_opts *o, const sy_pki *k, synth *s)
{
    EVP_PKEY *att = sy_key();
    uint8_t att_pub[64], sig[64];
    sy_point(att, att_pub);
    if (o->att_key_off_curve) {
        att_pub[63] ^= 0x01; /* y + 1 or y - 1: not on the curve with x */
    }
    sy_buf q = {0}, sd = {0}, qe = {0};
    /* header (48 bytes) */
    sy_u16(&q, o->version);
    sy_u16(&q, o->att_key_type);
    sy_u32(&q, 0); /* tee_type SGX */
    sy_u16(&q, o->qe_isvsvn);
    sy_u16(&q, o->pcesvn);
    sy_put(&q, sy_qe_vendor, 16);
    sy_zeros(&q, 20);
    if (o->version == 5) {
        sy_u16(&q, 1); /* body_type SGX */
        sy_u32(&q, 384);
    }
    sy_report body;
    memset(&body, 0, sizeof(body));
    memcpy(body.cpu_svn, o->pck_comp, 16);
    body.attributes[0] = (uint8_t)(0x05 | (o->debug ? 0x02 : 0x00)); /* INIT, MODE64BIT */
    body.attributes[8] = 0xe7;                                       /* XFRM */
    memcpy(body.mr_enclave, s->mr_enclave, 32);
    for (size_t i = 0; i < 32; i++) {
        body.mr_signer[i] = (uint8_t)(0xa0 + i);
    }
    body.isv_prod_id = 7;
    body.isv_svn = 3;
    memcpy(body.report_data, s->report_data, 64);
    sy_put_report(&q, &body);
    sy_sign_raw(att, q.p, q.len, sig);
    EVP_PKEY_free(att);
    /* signature data */
    sy_put(&sd, sig, 64);
    sy_put(&sd, att_pub, 64);
    sy_qe_part(o, k, att_pub, &qe);
    if (o->version == 4 || o->version == 5) {
        sy_u16(&sd, 6); /* QE report certification data */
        sy_u32(&sd, (uint32_t)qe.len);
    }
    sy_put(&sd, qe.p, qe.len);
    sy_u32(&q, (uint32_t)sd.len);
    sy_put(&q, sd.p, sd.len);
    sy_free(&sd);
    sy_free(&qe);
    s->quote = q.p; /* ownership moves to s */
    s->quote_len = q.len;
}

/* ---- the directories ---- */

/* Writes b to <dir>/<name> and releases it. */
static void sy_write(const char *dir, const char *name, sy_buf *b)
{
    char path[160];
    assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
    sy_free(b);
}

static void sy_write_pem(const char *dir, const char *name, X509 *x)
{
    sy_buf b = {0};
    sy_cert_pem(x, &b);
    sy_write(dir, name, &b);
}

static void sy_write_crl(const char *dir, const char *name, X509_CRL *c)
{
    sy_buf b = {0};
    sy_crl_der(c, &b);
    sy_write(dir, name, &b);
}

static void sy_write_dirs(const synth_opts *o, const sy_pki *k, const synth *s)
{
    const sy_dates tcb = {SY_COLL_ISSUE, o->tcb_next_update, 17};
    const sy_dates qe = {SY_COLL_ISSUE, SY_COLL_NEXT, 17};
    const sy_dates next = {SY_COLL_NEXT, SY_COLL_NEXT_NEXT, 18};
    sy_buf b = {0};
    assert_int_equal(mkdir(s->trust, 0700), 0);
    assert_int_equal(mkdir(s->coll, 0700), 0);
    sy_write_pem(s->trust, "Intel_SGX_Root_CA.pem", o->wrong_root ? k->other_root : k->root);
    sy_tcb_info(o, k, &tcb, &b);
    sy_write(s->coll, "tcb_info.json", &b);
    sy_qe_identity(o, k, &qe, &b);
    sy_write(s->coll, "qe_identity.json", &b);
    /* "0_..." sorts before the current items: the store meets the newer one first */
    if (o->future_tcb_info) {
        sy_tcb_info(o, k, &next, &b);
        sy_write(s->coll, "0_next_tcb_info.json", &b);
    }
    if (o->future_qe_identity) {
        sy_qe_identity(o, k, &next, &b);
        sy_write(s->coll, "0_next_qe_identity.json", &b);
    }
    if (!o->no_root_crl) {
        sy_write_crl(s->coll, "root_ca_crl.der", k->root_crl);
    }
    sy_write_crl(s->coll, "pck_crl.der", k->pck_crl);
    /* names sort the expired first cert before the re-issued one: the store must skip it */
    if (o->signing != SY_SIGNING_ONE) {
        sy_write_pem(s->coll, "tcb_signing_1_2018.pem", k->sign_old);
    }
    if (o->signing != SY_SIGNING_OLD_ONLY) {
        sy_write_pem(s->coll, "tcb_signing_2_2023.pem", k->sign);
    }
}

/* Builds the whole world of o into s (release with synth_free). */
static void synth_build(const synth_opts *o, synth *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < 32; i++) {
        s->mr_enclave[i] = (uint8_t)(0x30 + 7 * i);
    }
    memcpy(s->report_data, "synthetic report data", 21);
    for (size_t i = 0; i < 16; i++) {
        s->ppid[i] = (uint8_t)(0xc0 + i);
    }
    strcpy(s->dir, "/tmp/uat-intel-synth-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->trust, sizeof(s->trust), "%s/trust", s->dir);
    snprintf(s->coll, sizeof(s->coll), "%s/coll", s->dir);
    sy_pki k;
    sy_pki_make(o, s->ppid, &k);
    sy_write_dirs(o, &k, s);
    sy_quote(o, &k, s);
    sy_pki_free(&k);
}

static int sy_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void synth_free(synth *s)
{
    if (s->dir[0] != '\0') {
        (void)nftw(s->dir, sy_rm, 8, FTW_DEPTH | FTW_PHYS);
    }
    free(s->quote);
    memset(s, 0, sizeof(*s));
}

#endif
