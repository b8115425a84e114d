/* Mutation conformance: for one real SGX quote (v3) and one real TDX quote (v4), every byte of the
 * header, body and signature data (signatures, attestation key, QE report, QE authentication data
 * and the PCK chain's base64 text) is changed in turn, and each changed quote must be rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "uattest/uattest.h"

#define C UAT_CORPUS_DIR

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 16);
    assert_non_null(b);
    *n = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static int b64_value(uint8_t c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(a, c) : NULL;
    return p ? (int)(p - a) : -1;
}

/* A different byte that still changes what the quote says: inside the PEM chain, another base64
 * character whose top sextet bit differs (so the DER changes), elsewhere any other byte. */
static uint8_t mutate(uint8_t c, int in_pem)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (in_pem) {
        int v = b64_value(c);
        return v < 0 ? c : (uint8_t)a[v ^ 0x20];
    }
    return (uint8_t)(c ^ 0x5a);
}

/* Offset of the PEM chain ("-----BEGIN") and of the end of the signature data. */
static void pem_range(const uint8_t *q, size_t n, size_t *start, size_t *end)
{
    *start = n;
    *end = n;
    for (size_t i = 0; i + 10 < n; i++) {
        if (memcmp(q + i, "-----BEGIN", 10) == 0) {
            *start = i;
            break;
        }
    }
    for (size_t i = n; i > *start; i--) {
        if (q[i - 1] != 0) {
            *end = i;
            break;
        }
    }
}

static void run(const char *sample, const char *trust, int64_t at)
{
    char path[512], coll[512], tr[512];
    snprintf(path, sizeof(path), "%s/%s/quote.bin", C, sample);
    snprintf(coll, sizeof(coll), "%s/%s", C, sample);
    snprintf(tr, sizeof(tr), "%s/%s", C, trust);
    size_t n = 0;
    uint8_t *q = read_all(path, &n);
    uat_verifier *v = NULL;
    assert_int_equal(uat_verifier_new(&v), UAT_OK);
    assert_int_equal(uat_verifier_set_trust_dir(v, tr), UAT_OK);
    assert_int_equal(uat_verifier_set_collateral_dir(v, coll), UAT_OK);
    uat_verifier_set_time(v, at);
    uat_claims *claims = NULL;
    assert_int_equal(uat_verify(v, q, n, NULL, &claims), UAT_OK);
    uat_claims_free(claims);
    size_t pem_start, end;
    pem_range(q, n, &pem_start, &end);
    size_t tested = 0;
    for (size_t i = 0; i < end; i++) {
        int in_pem = i >= pem_start;
        uint8_t orig = q[i];
        uint8_t m = mutate(orig, in_pem);
        if (m == orig) {
            continue; /* PEM armour and line breaks: not data */
        }
        q[i] = m;
        claims = NULL;
        uat_err e = uat_verify(v, q, n, NULL, &claims);
        if (e == UAT_OK) {
            uat_claims_free(claims);
            fail_msg("%s: byte %zu changed from 0x%02x to 0x%02x still verifies", sample, i, orig, m);
        }
        q[i] = orig;
        tested++;
    }
    printf("%s: %zu of %zu bytes changed, each rejected\n", sample, tested, end);
    assert_true(tested > end / 2);
    uat_verifier_free(v);
    free(q);
}

static void test_sgx_v3_every_byte(void **state)
{
    (void)state;
    run("intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", "intel-sgx-dcap/trust", 1751328000); /* 2025-07-01 */
}

static void test_tdx_v4_every_byte(void **state)
{
    (void)state;
    run("intel-tdx/t1-dcapqvl-tdx-v4-uptodate", "intel-tdx/trust", 1751328000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_v3_every_byte),
        cmocka_unit_test(test_tdx_v4_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
