/* Shared by the RA-TLS unit tests (test_ratls.c, test_ratls_corpus.c): corpus paths and pinned
 * times, certificate helpers, and a fixture with two sim state directories and an SGX verifier. */
#ifndef UAT_TESTS_RATLS_TEST_H
#define UAT_TESTS_RATLS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "core/file.h"
#include "crypto/crypto.h"
#include "ratls/ratls.h"
#include "uattest/uattest.h"
#include "uattest/ratls.h"

#include "uat_assert.h"

#define RATLS UAT_CORPUS_DIR "/ra-tls"
#define SGX_TRUST UAT_CORPUS_DIR "/intel-sgx-dcap/trust"
#define S3 UAT_CORPUS_DIR "/intel-sgx-dcap/s3-occlum-v3-platform"
/* inside the s3 collateral window 2025-08-15T05:41:26Z .. 2025-09-14T04:36:46Z */
#define T_COLLATERAL 1756684800 /* 2025-09-01T00:00:00Z */
#define T_R3_CERT 1685577600    /* 2023-06-01T00:00:00Z, inside r3's 2023-02-22 .. 2024-02-22 */
#define MR_R1 "0866e7ca11b9f4efe4bf39b2607f4e1299f111920d96d95719080f01b62b7585"
#define MR_R3 "38e1b40b8c68186f359c97ecb6a89965d9d8638f2df06fbe18e84d79a266c041"
#define MR_R4 "d74f2eb87fa3c64c40d16e35a6f8d3259e3dd931a0bcce0637e33ada67df0b52"
#define MR_R5 "144e81488fc3d59ddbe69b03bd939a3b938d85b6a7c9897e2b09808ade956574"
#define QUOTE_REPORT_DATA 368 /* quote v3: 48-byte header, report body offset 320 */

#define UNUSED __attribute__((unused))
static UNUSED char g_dir[256];
static UNUSED char g_a[300], g_b[300];             /* sim state directories: a trusted, b not */
static UNUSED char g_trust_a[320], g_trust_b[320];
static UNUSED uat_verifier *g_sgx;                 /* SGX trust + s3 collateral at T_COLLATERAL */

/* ---- helpers ---- */

static inline void load_cert(const char *name, uat_buf *der)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", RATLS, name);
    uat_buf pem;
    uat_buf_init(&pem, 1 << 20);
    assert_ok(uat_file_read(path, 1 << 20, &pem));
    uat_der_list l = {NULL, 0, 0};
    assert_ok(uat_pem_decode_all(uat_buf_span(&pem), "CERTIFICATE", &l));
    assert_int_equal(l.n, 1);
    uat_buf_init(der, 1 << 20);
    assert_ok(uat_buf_append(der, l.items[0].p, l.items[0].len));
    uat_der_list_free(&l);
    uat_buf_free(&pem);
}

/* Offset and length of an extension's value inside a certificate's DER. */
static inline void ext_at(const uat_buf *der, const char *oid, size_t *off, size_t *len)
{
    uat_cert *c = NULL;
    assert_ok(uat_cert_parse(uat_buf_span(der), &c));
    uat_span v;
    size_t n = 0;
    assert_ok(uat_cert_ext_find(c, oid, &v, &n));
    assert_int_equal(n, 1);
    *off = (size_t)(v.p - uat_cert_der(c).p);
    *len = v.len;
    uat_cert_free(c);
}

static inline uat_ratls_opts sgx_opts(int64_t cert_time, int legacy)
{
    uat_ratls_opts o;
    memset(&o, 0, sizeof(o));
    o.verifier = g_sgx;
    o.cert_time = cert_time;
    o.legacy = legacy;
    return o;
}

static inline uat_err verify_buf(const uat_buf *der, const uat_ratls_opts *o, uat_claims **claims)
{
    uat_claims *c = NULL;
    uat_err rc = uat_ratls_verify_cert(der->p, der->len, o, &c, NULL);
    if (rc != UAT_OK) {
        assert_null(c);
    }
    if (claims != NULL) {
        *claims = c;
    } else {
        uat_claims_free(c);
    }
    return rc;
}

static inline void expect_sgx(uat_claims *c, const char *mr_enclave)
{
    assert_non_null(c);
    assert_string_equal(uat_claims_tee(c), "sgx");
    assert_string_equal(uat_claims_tee_field(c, "mr_enclave"), mr_enclave);
    char *json = NULL;
    assert_ok(uat_claims_to_json(c, 0, &json));
    json_t *doc = json_loads(json, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "tcb"), "status")),
                        "OutOfDate");
    json_decref(doc);
    free(json);
    uat_claims_free(c);
}

static inline uat_attester *sim_attester(const char *state)
{
    uat_attester *a = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "state-dir", state));
    assert_ok(uat_attester_set_option(a, "measure", "uattest ratls unit test"));
    return a;
}

static inline uat_verifier *sim_verifier(const char *trust)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, trust));
    return v;
}

/* A certificate for a fresh P-256 key carrying ext (or nothing) under OID oid. */
static inline void cert_with(uat_key **key, const char *oid, uat_span ext, uat_buf *der)
{
    if (*key == NULL) {
        assert_ok(uat_key_generate(UAT_KEY_EC_P256, key));
    }
    uat_x509_ext_spec spec = {oid, 0, ext};
    uat_buf_init(der, 1 << 20);
    assert_ok(uat_x509_self_signed(*key, "test", T_COLLATERAL - 3600, T_COLLATERAL + 3600, &spec,
                                   oid != NULL ? 1 : 0, der));
}

static inline void spki_of(const uat_key *k, uat_buf *out)
{
    uat_buf_init(out, 4096);
    assert_ok(uat_key_spki_der(k, out));
}

/* ---- setup ---- */

static inline int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline int ratls_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-ratls-XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_a, sizeof(g_a), "%s/a", g_dir);
    snprintf(g_b, sizeof(g_b), "%s/b", g_dir);
    snprintf(g_trust_a, sizeof(g_trust_a), "%s/trust", g_a);
    snprintf(g_trust_b, sizeof(g_trust_b), "%s/trust", g_b);
    /* collecting once creates each state dir's sim key and trust anchor */
    const char *dirs[2] = {g_a, g_b};
    for (int i = 0; i < 2; i++) {
        uat_attester *a = NULL;
        uat_cmw *c = NULL;
        uint8_t rd[64] = {0};
        if (uat_attester_new("sim", NULL, &a) != UAT_OK ||
            uat_attester_set_option(a, "state-dir", dirs[i]) != UAT_OK ||
            uat_attester_set_option(a, "measure", "x") != UAT_OK ||
            uat_attester_collect(a, rd, &c) != UAT_OK) {
            return -1;
        }
        uat_cmw_free(c);
        uat_attester_free(a);
    }
    if (uat_verifier_new(&g_sgx) != UAT_OK ||
        uat_verifier_set_trust_dir(g_sgx, SGX_TRUST) != UAT_OK ||
        uat_verifier_set_collateral_dir(g_sgx, S3) != UAT_OK) {
        return -1;
    }
    uat_verifier_set_time(g_sgx, T_COLLATERAL);
    return 0;
}

static inline int ratls_teardown(void **state)
{
    (void)state;
    uat_verifier_free(g_sgx);
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

#endif
