/* The SGX/TDX endorsement format (RA-TLS endorsements extension) on real quotes and collateral:
 * endorsements written from a collateral directory verify the quote on their own, as the
 * directory does; nothing in them is trusted (changed bytes, other tags, versions and shapes are
 * refused), and what one call brought never stays in the verifier's cache. */
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
#define T_2025_07_01 1751328000

#include "../unit/uat_assert.h"

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

typedef struct sample {
    const char *dir, *trust;
    uint8_t *quote;
    size_t n;
    uint8_t *end; /* endorsements */
    size_t elen;
    char *claims; /* the claims JSON when verified with the collateral directory */
} sample;

static uat_verifier *verifier(const sample *s, int with_collateral)
{
    char path[512];
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    snprintf(path, sizeof(path), "%s/%s", C, s->trust);
    assert_ok(uat_verifier_set_trust_dir(v, path));
    if (with_collateral) {
        snprintf(path, sizeof(path), "%s/%s", C, s->dir);
        assert_ok(uat_verifier_set_collateral_dir(v, path));
    }
    uat_verifier_set_time(v, T_2025_07_01);
    return v;
}

static void load(sample *s)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/quote.bin", C, s->dir);
    s->quote = read_all(path, &s->n);
    uat_verifier *v = verifier(s, 1);
    uat_claims *claims = NULL;
    assert_ok(uat_verify(v, s->quote, s->n, NULL, &claims));
    assert_ok(uat_claims_to_json(claims, 0, &s->claims));
    uat_claims_free(claims);
    assert_ok(uat_verifier_endorsements(v, s->quote, s->n, &s->end, &s->elen));
    uat_verifier_free(v);
}

static void unload(sample *s)
{
    free(s->quote);
    free(s->end);
    free(s->claims);
}

static uat_err verify_inband(const sample *s, const uint8_t *e, size_t elen, uat_claims **out)
{
    uat_verifier *v = verifier(s, 0);
    uat_err rc = uat_verify_with_collateral(v, s->quote, s->n, e, elen, NULL, out);
    uat_verifier_free(v);
    return rc;
}

static void round_trip(const char *dir, const char *trust)
{
    sample s = {dir, trust, NULL, 0, NULL, 0, NULL};
    load(&s);
    /* spec: tag 60000 (d9 ea60), 8 entries, VERSION as a 32-bit integer (1a 00000003) */
    static const uint8_t head[] = {0xd9, 0xea, 0x60, 0x88, 0x1a, 0, 0, 0, 3};
    assert_true(s.elen > sizeof(head));
    assert_memory_equal(s.end, head, sizeof(head));
    uat_claims *claims = NULL;
    assert_ok(verify_inband(&s, s.end, s.elen, &claims));
    char *json = NULL;
    assert_ok(uat_claims_to_json(claims, 0, &json));
    assert_string_equal(json, s.claims); /* the same verdict, TCB status and expiry included */
    free(json);
    uat_claims_free(claims);
    /* without them the same verifier has no collateral, and the in-band call left none behind */
    uat_verifier *v = verifier(&s, 0);
    assert_err(uat_verify(v, s.quote, s.n, NULL, &claims), UAT_ERR_VERIFY_COLLATERAL);
    assert_ok(uat_verify_with_collateral(v, s.quote, s.n, s.end, s.elen, NULL, &claims));
    uat_claims_free(claims);
    assert_err(uat_verify(v, s.quote, s.n, NULL, &claims), UAT_ERR_VERIFY_COLLATERAL);
    uat_verifier_free(v);
    unload(&s);
}

static void test_sgx_round_trip(void **state)
{
    (void)state;
    round_trip("intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", "intel-sgx-dcap/trust");
}

static void test_tdx_round_trip(void **state)
{
    (void)state;
    round_trip("intel-tdx/t1-dcapqvl-tdx-v4-uptodate", "intel-tdx/trust");
}

/* Other encodings a peer may send: VERSION in one byte, a CREATION_DATETIME entry. */
static void test_accepted_variants(void **state)
{
    (void)state;
    sample s = {"intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", "intel-sgx-dcap/trust",
                NULL, 0, NULL, 0, NULL};
    load(&s);
    uint8_t *e = malloc(s.elen + 32);
    assert_non_null(e);
    /* 1-byte VERSION: d9ea60 88 03 ... */
    memcpy(e, s.end, 4);
    e[4] = 0x03;
    memcpy(e + 5, s.end + 9, s.elen - 9);
    uat_claims *claims = NULL;
    assert_ok(verify_inband(&s, e, s.elen - 4, &claims));
    uat_claims_free(claims);
    /* nine entries: a CREATION_DATETIME byte string at the end */
    memcpy(e, s.end, s.elen);
    e[3] = 0x89;
    static const char when[] = "2025-07-01T00:00:00Z";
    e[s.elen] = (uint8_t)(0x40 + sizeof(when) - 1);
    memcpy(e + s.elen + 1, when, sizeof(when) - 1);
    assert_ok(verify_inband(&s, e, s.elen + sizeof(when), &claims));
    uat_claims_free(claims);
    free(e);
    unload(&s);
}

static void test_refused_shapes(void **state)
{
    (void)state;
    sample s = {"intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", "intel-sgx-dcap/trust",
                NULL, 0, NULL, 0, NULL};
    load(&s);
    uint8_t *e = malloc(s.elen + 8);
    assert_non_null(e);
    uat_claims *claims = NULL;
    /* another tag (60001: Intel TEE report) */
    memcpy(e, s.end, s.elen);
    e[2] = 0x61;
    assert_err(verify_inband(&s, e, s.elen, &claims), UAT_ERR_PARSE_BAD_VALUE);
    /* an unknown VERSION */
    memcpy(e, s.end, s.elen);
    e[8] = 9;
    assert_err(verify_inband(&s, e, s.elen, &claims), UAT_ERR_PARSE_BAD_VERSION);
    /* seven entries */
    memcpy(e, s.end, s.elen);
    e[3] = 0x87;
    assert_err(verify_inband(&s, e, s.elen, &claims), UAT_ERR_PARSE_BAD_LENGTH);
    /* a byte after the item */
    memcpy(e, s.end, s.elen);
    e[s.elen] = 0;
    assert_err(verify_inband(&s, e, s.elen + 1, &claims), UAT_ERR_PARSE_TRAILING_BYTES);
    /* truncated anywhere */
    for (size_t n = 0; n < s.elen; n += 97) {
        assert_true(verify_inband(&s, s.end, n, &claims) != UAT_OK);
    }
    free(e);
    unload(&s);
}

/* Every signed byte of the TCB info and QE identity that travel in-band is checked. */
static void test_changed_collateral_refused(void **state)
{
    (void)state;
    sample s = {"intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", "intel-sgx-dcap/trust",
                NULL, 0, NULL, 0, NULL};
    load(&s);
    const char *const members[] = {"\"tcbInfo\":", "\"enclaveIdentity\":"};
    size_t tested = 0;
    for (size_t m = 0; m < 2; m++) {
        uint8_t *at = memmem(s.end, s.elen, members[m], strlen(members[m]));
        assert_non_null(at);
        uint8_t *body = at + strlen(members[m]);
        uint8_t *sig = memmem(body, s.elen - (size_t)(body - s.end), ",\"signature\"", 12);
        assert_non_null(sig);
        /* every 13th byte of the signed member: each change must fail some check */
        for (uint8_t *p = body; p < sig; p += 13) {
            uint8_t orig = *p;
            *p = (uint8_t)(orig == '1' ? '2' : orig == '"' ? '\'' : '1');
            uat_claims *claims = NULL;
            uat_err rc = verify_inband(&s, s.end, s.elen, &claims);
            if (rc == UAT_OK) {
                uat_claims_free(claims);
                fail_msg("%s byte %zu changed still verifies", members[m], (size_t)(p - body));
            }
            *p = orig;
            tested++;
        }
    }
    printf("%zu changed collateral bytes, each refused\n", tested);
    assert_true(tested > 100);
    unload(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgx_round_trip),
        cmocka_unit_test(test_tdx_round_trip),
        cmocka_unit_test(test_accepted_variants),
        cmocka_unit_test(test_refused_shapes),
        cmocka_unit_test(test_changed_collateral_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
