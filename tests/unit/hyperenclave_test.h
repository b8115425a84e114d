/* SYNTHETIC HyperEnclave evidence for the unit tests: no real HyperEnclave quote is public
 * (../shared/corpus/hyperenclave/PROVENANCE.md), so a test CA hierarchy of fresh OpenSSL SM2 keys
 * (root CA -> platform certificate with the PCR list extension 1.2.86.1) and quotes written byte by
 * byte to the layout of src/tee/hyperenclave/hyperenclave.h are made at run time. */
#ifndef UAT_TEST_HYPERENCLAVE_H
#define UAT_TEST_HYPERENCLAVE_H

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HE_T 1767225600 /* 2026-01-01T00:00:00Z: the pinned evaluation time */
#define HE_DAY 86400

static const uint8_t he_uid[14] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

typedef struct he_opts {
    int wrong_root;     /* platform certificate issued by a root that is not configured */
    int expired;        /* platform certificate expired before HE_T */
    int bad_extra;      /* TPM quote's extraData not SM3(report_data) */
    int bad_pcr_digest; /* TPM quote's pcrDigest not the certificate's */
    int bad_pcr13;      /* certificate's PCR 13 for another hypervisor key */
    int no_ext;         /* certificate without the PCR list extension */
} he_opts;

typedef struct he_fix {
    EVP_PKEY *root, *other_root, *platform, *hv, *hv2;
    X509 *root_cert, *other_root_cert;
    uint8_t report_data[64];
    char dir[64];     /* trust root: <dir>/hyperenclave/root.pem */
    uint8_t *quote;
    size_t len;
} he_fix;

static inline void he_sm3(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t out[32])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_true(m != NULL && EVP_DigestInit_ex(m, EVP_sm3(), NULL) == 1);
    assert_int_equal(EVP_DigestUpdate(m, a, an), 1);
    if (b != NULL) {
        assert_int_equal(EVP_DigestUpdate(m, b, bn), 1);
    }
    assert_int_equal(EVP_DigestFinal_ex(m, out, NULL), 1);
    EVP_MD_CTX_free(m);
}

static inline void he_xy(EVP_PKEY *k, uint8_t out[64])
{
    BIGNUM *x = NULL, *y = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(k, "qx", &x), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(k, "qy", &y), 1);
    assert_int_equal(BN_bn2binpad(x, out, 32), 32);
    assert_int_equal(BN_bn2binpad(y, out + 32, 32), 32);
    BN_free(x);
    BN_free(y);
}

static inline void he_der_sig(const uint8_t *der, size_t dl, uint8_t out[64])
{
    const uint8_t *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dl);
    assert_non_null(es);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), out, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), out + 32, 32), 32);
    ECDSA_SIG_free(es);
}

/* SM2 with SM3 over Z_A || msg, ID 01..0E (the enclave signature) */
static inline void he_sign_z(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t out[64])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(k, NULL);
    assert_true(m != NULL && p != NULL);
    assert_true(EVP_PKEY_CTX_set1_id(p, he_uid, sizeof(he_uid)) > 0);
    EVP_MD_CTX_set_pkey_ctx(m, p);
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sm3(), NULL, k), 1);
    uint8_t der[160];
    size_t dl = sizeof(der);
    assert_int_equal(EVP_DigestSign(m, der, &dl, msg, n), 1);
    he_der_sig(der, dl, out);
    EVP_MD_CTX_free(m);
    EVP_PKEY_CTX_free(p);
}

/* SM2 over e = SM3(msg) without Z_A, as the TPM signs its quote */
static inline void he_sign_digest(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t out[64])
{
    uint8_t d[32], der[160];
    size_t dl = sizeof(der);
    he_sm3(msg, n, NULL, 0, d);
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(k, NULL);
    assert_true(p != NULL && EVP_PKEY_sign_init(p) == 1);
    assert_int_equal(EVP_PKEY_sign(p, der, &dl, d, sizeof(d)), 1);
    he_der_sig(der, dl, out);
    EVP_PKEY_CTX_free(p);
}

/* The PCR list extension: a UTF8String of base64(pcr_digest || pcr13) */
static inline void he_add_pcr_ext(X509 *x, const uint8_t digest[32], const uint8_t pcr13[32])
{
    uint8_t raw[64];
    unsigned char b64[128];
    memcpy(raw, digest, 32);
    memcpy(raw + 32, pcr13, 32);
    int bl = EVP_EncodeBlock(b64, raw, sizeof(raw));
    uint8_t der[2 + 128];
    der[0] = 0x0c;
    der[1] = (uint8_t)bl;
    memcpy(der + 2, b64, (size_t)bl);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.86.1", 1);
    assert_true(os != NULL && obj != NULL && ASN1_OCTET_STRING_set(os, der, bl + 2) == 1);
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
}

/* A certificate for key, issued by issuer (self-signed when issuer_cert is NULL), SM2 with SM3 */
static inline X509 *he_cert(EVP_PKEY *issuer, X509 *issuer_cert, EVP_PKEY *key, const char *cn,
                            int ca, long nb, long na, const uint8_t *digest, const uint8_t *pcr13)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0x7fffffff) + 1);
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer_cert ? X509_get_subject_name(issuer_cert) : n);
    X509_NAME_free(n);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer_cert ? issuer_cert : x, x, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    assert_non_null(bc);
    X509_add_ext(x, bc, -1);
    X509_EXTENSION_free(bc);
    if (digest != NULL) {
        he_add_pcr_ext(x, digest, pcr13);
    }
    assert_true(X509_sign(x, issuer, EVP_sm3()) > 0);
    return x;
}

static inline EVP_PKEY *he_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(k);
    return k;
}

static inline void he_write_pem(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

static inline void he_fix_init(he_fix *f)
{
    memset(f, 0, sizeof(*f));
    f->root = he_key();
    f->other_root = he_key();
    f->platform = he_key();
    f->hv = he_key();
    f->hv2 = he_key();
    f->root_cert = he_cert(f->root, NULL, f->root, "Synthetic HyperEnclave Test Root", 1,
                           HE_T - 365L * HE_DAY, HE_T + 3650L * HE_DAY, NULL, NULL);
    f->other_root_cert = he_cert(f->other_root, NULL, f->other_root, "Synthetic Other Root", 1,
                                 HE_T - 365L * HE_DAY, HE_T + 3650L * HE_DAY, NULL, NULL);
    for (int i = 0; i < 64; i++) {
        f->report_data[i] = (uint8_t)(0xa0 + i);
    }
    strcpy(f->dir, "/tmp/uat_he_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/hyperenclave", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/hyperenclave/root.pem", f->dir);
    he_write_pem(path, f->root_cert);
}

static inline void he_fix_free(he_fix *f)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/hyperenclave/root.pem", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/hyperenclave", f->dir);
    rmdir(path);
    rmdir(f->dir);
    X509_free(f->root_cert);
    X509_free(f->other_root_cert);
    EVP_PKEY_free(f->root);
    EVP_PKEY_free(f->other_root);
    EVP_PKEY_free(f->platform);
    EVP_PKEY_free(f->hv);
    EVP_PKEY_free(f->hv2);
    free(f->quote);
}

static inline void he_put16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* TPMS_ATTEST of 147 bytes: the TPM quote of PCRs 0-9, 12, 13 (SM3-256) */
static inline void he_attest(uint8_t a[147], const uint8_t extra[32], const uint8_t digest[32])
{
    static const uint8_t head[6] = {0xff, 0x54, 0x43, 0x47, 0x80, 0x18};
    uint8_t *p = a;
    memcpy(p, head, 6), p += 6;
    he_put16be(p, 34), he_put16be(p + 2, 0x0012), p += 4;
    he_sm3((const uint8_t *)"synthetic TPM AK", 16, NULL, 0, p), p += 32; /* the AK's Name */
    he_put16be(p, 34), he_put16be(p + 2, 0x0012), p += 4;
    memcpy(p, extra, 32), p += 32;
    static const uint8_t clock[17] = {0, 0, 0, 0, 0, 1, 0x86, 0xa0, 0, 0, 0, 3, 0, 0, 0, 1, 1};
    memcpy(p, clock, 17), p += 17;
    static const uint8_t fw[8] = {0, 0x02, 0, 0x01, 0, 0, 0, 0};
    memcpy(p, fw, 8), p += 8;
    static const uint8_t sel[10] = {0, 0, 0, 1, 0x00, 0x12, 3, 0xff, 0x33, 0x00};
    memcpy(p, sel, 10), p += 10;
    he_put16be(p, 32), p += 2;
    memcpy(p, digest, 32), p += 32;
    assert_int_equal(p - a, 147);
}

/* Builds f->quote for f->report_data with the options' defects. */
static inline void he_build(he_fix *f, const he_opts *o)
{
    uint8_t hv[64], hv_hash[32], zero[32] = {0}, pcr13[32], digest[32], extra[32];
    he_xy(o->bad_pcr13 ? f->hv2 : f->hv, hv);
    he_sm3(hv, 64, NULL, 0, hv_hash);
    he_sm3(zero, 32, hv_hash, 32, pcr13);
    he_xy(f->hv, hv);
    he_sm3((const uint8_t *)"synthetic PCRs 0-9,12,13", 24, NULL, 0, digest);
    X509 *pc = he_cert(o->wrong_root ? f->other_root : f->root,
                       o->wrong_root ? f->other_root_cert : f->root_cert, f->platform,
                       "Synthetic HyperEnclave Platform", 0,
                       o->expired ? HE_T - 730L * HE_DAY : HE_T - 30L * HE_DAY,
                       o->expired ? HE_T - 365L * HE_DAY : HE_T + 365L * HE_DAY,
                       o->no_ext ? NULL : digest, pcr13);
    unsigned char *cder = NULL;
    int cl = i2d_X509(pc, &cder);
    assert_true(cl > 0);
    X509_free(pc);

    free(f->quote);
    f->len = 436 + 339 + (size_t)cl;
    f->quote = calloc(1, f->len);
    uint8_t *q = f->quote;
    q[0] = 3;  /* version */
    q[2] = 1;  /* sign_type */
    uint8_t *b = q + 48; /* report body */
    for (int i = 0; i < 16; i++) {
        b[i] = (uint8_t)(i + 1); /* cpu_svn */
    }
    b[48] = 0x05; /* attributes.flags: INIT | MODE64BIT */
    b[56] = 0x03; /* xfrm */
    for (int i = 0; i < 32; i++) {
        b[64 + i] = (uint8_t)(0x10 + i);  /* mr_enclave */
        b[128 + i] = (uint8_t)(0x40 + i); /* mr_signer */
    }
    b[256] = 7;  /* isv_prod_id */
    b[258] = 2;  /* isv_svn */
    memcpy(b + 320, f->report_data, 64);
    uint32_t sl = (uint32_t)(339 + cl);
    for (int i = 0; i < 4; i++) {
        q[432 + i] = (uint8_t)(sl >> (8 * i));
    }
    he_sign_z(f->hv, b, 384, q + 436);
    memcpy(q + 500, hv, 64);
    he_sm3(f->report_data, 64, NULL, 0, extra);
    if (o->bad_extra) {
        extra[0] ^= 1;
    }
    if (o->bad_pcr_digest) {
        digest[31] ^= 1;
    }
    he_attest(q + 564, extra, digest);
    he_sign_digest(f->platform, q + 564, 147, q + 711);
    memcpy(q + 775, cder, (size_t)cl);
    OPENSSL_free(cder);
}

#endif
