/* Helpers shared by the Hygon CSV unit tests (test_csv.c, test_csv_chain.c): corpus paths, error
 * assertions, and a Hygon-format SM2 hierarchy (HRK -> HSK -> CEK -> PEK) and attestation reports
 * made at run time with fresh OpenSSL SM2 keys. The builders write the layouts of csv.h byte by
 * byte, independently of the parsers under test. */
#ifndef UAT_TESTS_CSV_TEST_H
#define UAT_TESTS_CSV_TEST_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "core/file.h"
#include "tee/csv/csv.h"
#include "uattest/uattest.h"

#define CSV_DIR UAT_CORPUS_DIR "/hygon-csv"
#define CSV_EVIDENCE CSV_DIR "/v1-trustee-csv/csv_evidence.json"
#define CSV_TRUST CSV_DIR "/trust"
#define CSV_HRK CSV_TRUST "/hrk.cert"
#define CSV_CHIP "KPA64911240507"

#include "uat_assert.h"

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* A 72-byte little-endian field from a 32-byte big-endian value. */
static inline void put_ecc(uint8_t *field, const uint8_t be[32])
{
    memset(field, 0, 72);
    for (int i = 0; i < 32; i++) {
        field[i] = be[31 - i];
    }
}

static inline EVP_PKEY *sm2_new(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_non_null(k);
    return k;
}

static inline void sm2_xy(EVP_PKEY *k, uint8_t *xfield, uint8_t *yfield)
{
    BIGNUM *x = NULL, *y = NULL;
    uint8_t be[32];
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
    assert_int_equal(BN_bn2binpad(x, be, 32), 32);
    put_ecc(xfield, be);
    assert_int_equal(BN_bn2binpad(y, be, 32), 32);
    put_ecc(yfield, be);
    BN_free(x);
    BN_free(y);
}

/* SM2 with SM3 and distinguishing ID uid; r and s written as 72-byte little-endian fields. */
static inline void sm2_sign(EVP_PKEY *k, const char *uid, const uint8_t *msg, size_t n,
                            uint8_t *rfield, uint8_t *sfield)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *p = EVP_PKEY_CTX_new(k, NULL);
    assert_true(m != NULL && p != NULL);
    assert_true(EVP_PKEY_CTX_set1_id(p, uid, (int)strlen(uid)) > 0);
    EVP_MD_CTX_set_pkey_ctx(m, p);
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sm3(), NULL, k), 1);
    uint8_t der[160];
    size_t dl = sizeof(der);
    assert_int_equal(EVP_DigestSign(m, der, &dl, msg, n), 1);
    const uint8_t *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dl);
    assert_non_null(es);
    uint8_t be[32];
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), be, 32), 32);
    put_ecc(rfield, be);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), be, 32), 32);
    put_ecc(sfield, be);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(m);
    EVP_PKEY_CTX_free(p);
}

/* ca certificate (HRK/HSK) body, unsigned */
static inline void ca_body(uint8_t c[832], uint32_t usage, const uint8_t kid[16],
                           const uint8_t sid[16], EVP_PKEY *k, const char *uid)
{
    memset(c, 0, 832);
    put32(c, 1);
    memcpy(c + 4, kid, 16);
    memcpy(c + 20, sid, 16);
    put32(c + 36, usage);
    put32(c + 64, 3);
    sm2_xy(k, c + 68, c + 140);
    put16(c + 212, (uint16_t)strlen(uid));
    memcpy(c + 214, uid, strlen(uid));
}

static inline void ca_sign(uint8_t c[832], EVP_PKEY *issuer, const char *issuer_uid)
{
    sm2_sign(issuer, issuer_uid, c, 576, c + 576, c + 648);
}

/* csv certificate (CEK/PEK) body with two empty signature slots */
static inline void csv_body(uint8_t c[2084], uint32_t usage, EVP_PKEY *k, const char *uid)
{
    memset(c, 0, 2084);
    put32(c, 1);
    c[4] = 1; /* api 1.3, as the corpus PEK */
    c[5] = 3;
    put32(c + 8, usage);
    put32(c + 12, 4);
    put32(c + 16, 3);
    sm2_xy(k, c + 20, c + 92);
    put16(c + 164, (uint16_t)strlen(uid));
    memcpy(c + 166, uid, strlen(uid));
    put32(c + 1044, 0x1000);
    put32(c + 1564, 0x1000);
}

static inline void csv_sign(uint8_t c[2084], int slot, uint32_t issuer_usage, EVP_PKEY *issuer,
                            const char *issuer_uid)
{
    uint8_t *s = c + 1044 + 520 * slot;
    put32(s, issuer_usage);
    put32(s + 4, 4);
    sm2_sign(issuer, issuer_uid, c, 1044, s + 8, s + 80);
}

#define UID_HRK "HYGON-SSD-HRK"
#define UID_HSK "HYGON-SSD-HSK"
#define UID_CEK "HYGON-SSD-CEK"
#define UID_PEK "HYGON-SSD-PEK"
#define UID_OCA "HYGON-SSD-OCA"
#define SYN_CHIP "TST00000000001"

typedef struct csv_hier {
    EVP_PKEY *hrk, *hsk, *cek, *pek, *oca;
    uint8_t hrk_cert[832], hsk_cert[832], cek_cert[2084], pek_cert[2084];
    uint8_t hsk_cek[832 + 2084];
    uint8_t sn[64];
} csv_hier;

static inline void hier_make(csv_hier *h)
{
    static const uint8_t kid_hrk[16] = {0x11, 0x22, 0x33, 1}, kid_hsk[16] = {0x44, 0x55, 0x66, 2};
    h->hrk = sm2_new();
    h->hsk = sm2_new();
    h->cek = sm2_new();
    h->pek = sm2_new();
    h->oca = sm2_new();
    ca_body(h->hrk_cert, 0, kid_hrk, kid_hrk, h->hrk, UID_HRK);
    ca_sign(h->hrk_cert, h->hrk, UID_HRK);
    ca_body(h->hsk_cert, 0x13, kid_hsk, kid_hrk, h->hsk, UID_HSK);
    ca_sign(h->hsk_cert, h->hrk, UID_HRK);
    csv_body(h->cek_cert, 0x1004, h->cek, UID_CEK);
    csv_sign(h->cek_cert, 0, 0x13, h->hsk, UID_HSK);
    csv_body(h->pek_cert, 0x1002, h->pek, UID_PEK);
    csv_sign(h->pek_cert, 0, 0x1004, h->cek, UID_CEK);
    csv_sign(h->pek_cert, 1, 0x1001, h->oca, UID_OCA); /* the owner's slot, never checked */
    memcpy(h->hsk_cek, h->hsk_cert, 832);
    memcpy(h->hsk_cek + 832, h->cek_cert, 2084);
    memset(h->sn, 0, sizeof(h->sn));
    memcpy(h->sn, SYN_CHIP, strlen(SYN_CHIP));
}

static inline void hier_free(csv_hier *h)
{
    EVP_PKEY_free(h->hrk);
    EVP_PKEY_free(h->hsk);
    EVP_PKEY_free(h->cek);
    EVP_PKEY_free(h->pek);
    EVP_PKEY_free(h->oca);
    memset(h, 0, sizeof(*h));
}

typedef struct rep_params {
    int version;         /* 1 or 2 */
    uint8_t report_data[64];
    uint8_t mnonce[16];
    uint8_t measure[32];
    uint32_t policy;
    uint32_t anonce;     /* v1 */
    int raw_signer;      /* pek_cert and sn XORed with anonce, reserved set, mac valid (firmware) */
} rep_params;

static inline void xor_anonce(uint8_t *p, size_t n, uint32_t a)
{
    for (size_t i = 0; i < n; i++) {
        p[i] ^= (uint8_t)(a >> (8 * (i % 4)));
    }
}

/* A report page signed by pek (uid "HYGON-SSD-PEK") carrying pek_cert and sn in its signer. */
static inline void make_report(uint8_t page[4096], const rep_params *p, EVP_PKEY *pek,
                               const uint8_t pek_cert[2084], const uint8_t sn[64])
{
    memset(page, 0, 4096);
    memset(page, 0xd1, 32);         /* user_pubkey_digest */
    memset(page + 32, 0x1d, 16);    /* vm_id */
    memset(page + 48, 0x2e, 16);    /* vm_version */
    memcpy(page + 64, p->report_data, 64);
    memcpy(page + 128, p->mnonce, 16);
    memcpy(page + 144, p->measure, 32);
    put32(page + 176, p->policy);
    put32(page + 180, 0x1002);
    put32(page + 184, 4);
    size_t tee = p->version == 1 ? 0x150 : 0x490, sig = tee - 144;
    if (p->version == 1) {
        xor_anonce(page, 188, p->anonce);
        put32(page + 188, p->anonce);
    } else {
        put32(page + 188, 2337);     /* build */
        put16(page + 192, 1);        /* rtmr_version */
        for (int i = 0; i < 5; i++) {
            memset(page + 208 + 32 * i, 0xa0 + i, 32);
        }
    }
    sm2_sign(pek, UID_PEK, page, p->version == 1 ? 0xb4 : 0x400, page + sig, page + sig + 72);
    uint8_t *signer = page + tee;
    memcpy(signer, pek_cert, 2084);
    memcpy(signer + 2084, sn, 64);
    if (p->raw_signer) {
        xor_anonce(signer, 2084 + 64, p->version == 1 ? p->anonce : 0);
        memset(signer + 2084 + 64, 0x5a, 32); /* reserved: the attester zeroes it */
        uint8_t real_mnonce[16];
        memcpy(real_mnonce, p->mnonce, 16);
        size_t n = 0;
        assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, real_mnonce, 16, signer,
                                  2084 + 64 + 32, signer + 2084 + 64 + 32, 32, &n));
        assert_int_equal(n, 32);
    }
}

static inline void rep_default(rep_params *p, int version)
{
    memset(p, 0, sizeof(*p));
    p->version = version;
    for (int i = 0; i < 64; i++) {
        p->report_data[i] = (uint8_t)(i * 7 + 1);
    }
    memset(p->mnonce, 0x3c, 16);
    for (int i = 0; i < 32; i++) {
        p->measure[i] = (uint8_t)(0xf0 - i);
    }
    p->policy = 0x45; /* nodbg, es, csv3: as the corpus sample */
    p->anonce = version == 1 ? 0x5dc7d726u : 0;
}

/* Evidence JSON (trustee shape) for a report page; hsk_cek may be NULL. */
static inline void write_evidence(const uint8_t page[4096], int version, const uint8_t *pek_cert,
                                  const uint8_t *hsk_cek, const uint8_t sn[64], uat_buf *out)
{
    static const uint8_t zero[16] = {0};
    static const uint8_t ext[16] = "ATTESTATION_EXT";
    uat_csv_evidence_in in = {
        version == 1 ? zero : ext,
        version == 1 ? 0u : 1u,
        uat_span_of(page, 4096),
        uat_span_of(pek_cert, 2084),
        uat_span_of(hsk_cek, hsk_cek ? 832 + 2084 : 0),
        uat_span_of(sn, 64),
    };
    uat_buf_init(out, 1u << 20);
    assert_ok(uat_csv_evidence_write(&in, out));
}

static inline int csv_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_ok(uat_mkdirs(dir, 0755));
    assert_ok(uat_file_write_atomic(path, p, n, 0644));
}

static inline uint8_t *read_all(const char *path, size_t *n)
{
    uat_buf b;
    uat_buf_init(&b, 1u << 24);
    assert_ok(uat_file_read(path, 1u << 24, &b));
    uint8_t *p = NULL;
    uat_buf_take(&b, &p, n);
    return p;
}

#endif
