/* Unit tests for the service's self-verifying nonces (src/service/nonce.h) and the HMAC under
 * them (src/crypto/mac.c): the byte layout, every rejection with the check it names, and the
 * RFC 4231 HMAC-SHA256 vectors. Negative cases first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "service/nonce.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

static uint8_t key[UAT_NONCE_KEY_LEN];
static uint8_t other_key[UAT_NONCE_KEY_LEN];
static const uint8_t rnd[UAT_NONCE_RANDOM_LEN] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                                  0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)i;
        other_key[i] = (uint8_t)(i + 1);
    }
    return 0;
}

static void expect_refused(const char *text, size_t n, int64_t now, const char *check)
{
    int64_t exp = -7;
    assert_int_equal(uat_nonce_check(key, text, n, now, &exp), UAT_ERR_VERIFY_NONCE);
    assert_string_equal(uat_last_error()->check, check);
    assert_int_equal(exp, -7); /* untouched on failure */
}

static void make(int64_t expiry, char out[UAT_NONCE_TEXT_LEN + 1])
{
    assert_int_equal(uat_nonce_make(key, rnd, expiry, out), UAT_OK);
}

/* ---- negative cases ---- */

static void test_reject_format(void **state)
{
    (void)state;
    char good[UAT_NONCE_TEXT_LEN + 1];
    make(NOW + 60, good);
    expect_refused("", 0, NOW, "nonce.format");
    expect_refused(good, UAT_NONCE_TEXT_LEN - 1, NOW, "nonce.format");
    char longer[UAT_NONCE_TEXT_LEN + 2];
    snprintf(longer, sizeof(longer), "%sA", good);
    expect_refused(longer, strlen(longer), NOW, "nonce.format");
    char bad[UAT_NONCE_TEXT_LEN + 1];
    memcpy(bad, good, sizeof(bad));
    bad[10] = '+'; /* base64, not base64url */
    expect_refused(bad, UAT_NONCE_TEXT_LEN, NOW, "nonce.format");
    memcpy(bad, good, sizeof(bad));
    bad[UAT_NONCE_TEXT_LEN - 1] = 'B'; /* non-zero trailing bits: not canonical */
    expect_refused(bad, UAT_NONCE_TEXT_LEN, NOW, "nonce.format");
    assert_int_equal(uat_nonce_check(key, NULL, 5, NOW, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
}

static void test_reject_other_key(void **state)
{
    (void)state;
    char n[UAT_NONCE_TEXT_LEN + 1];
    assert_int_equal(uat_nonce_make(other_key, rnd, NOW + 60, n), UAT_OK);
    expect_refused(n, UAT_NONCE_TEXT_LEN, NOW, "nonce.mac");
}

/* Every bit of the 40 bytes is covered: random and expiry by the MAC, the MAC by itself. */
static void test_reject_every_flipped_bit(void **state)
{
    (void)state;
    char n[UAT_NONCE_TEXT_LEN + 1];
    make(NOW + 60, n);
    uat_buf raw;
    uat_buf_init(&raw, 64);
    assert_int_equal(uat_b64_decode(n, UAT_NONCE_TEXT_LEN, UAT_B64_URL, &raw), UAT_OK);
    assert_int_equal(raw.len, UAT_NONCE_RAW_LEN);
    for (size_t bit = 0; bit < UAT_NONCE_RAW_LEN * 8; bit++) {
        raw.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        uat_buf t;
        uat_buf_init(&t, 128);
        assert_int_equal(uat_b64_encode(raw.p, raw.len, UAT_B64_URL, &t), UAT_OK);
        expect_refused((const char *)t.p, t.len, NOW, "nonce.mac");
        uat_buf_free(&t);
        raw.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    uat_buf_free(&raw);
}

static void test_reject_expired(void **state)
{
    (void)state;
    char n[UAT_NONCE_TEXT_LEN + 1];
    make(NOW, n);
    expect_refused(n, UAT_NONCE_TEXT_LEN, NOW, "nonce.expired"); /* expiry is exclusive */
    expect_refused(n, UAT_NONCE_TEXT_LEN, NOW + 1000, "nonce.expired");
    int64_t exp = 0;
    assert_int_equal(uat_nonce_check(key, n, UAT_NONCE_TEXT_LEN, NOW - 1, &exp), UAT_OK);
    assert_int_equal(exp, NOW);
}

static void test_reject_bad_ttl(void **state)
{
    (void)state;
    char n[UAT_NONCE_TEXT_LEN + 1];
    int64_t exp = 0;
    assert_int_equal(uat_nonce_issue(key, NOW, 0, n, &exp), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_nonce_issue(key, NOW, -5, n, &exp), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_nonce_issue(key, INT64_MAX - 1, 10, n, &exp),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_nonce_make(key, rnd, -1, n), UAT_ERR_USAGE_INVALID_ARGUMENT);
}

/* ---- the format ---- */

/* random[16] || expiry[8, big-endian] || HMAC-SHA256(key, random || expiry)[0:16], base64url. */
static void test_layout(void **state)
{
    (void)state;
    char n[UAT_NONCE_TEXT_LEN + 1];
    make(0x0102030405060708LL, n);
    assert_int_equal(strlen(n), UAT_NONCE_TEXT_LEN);
    uat_buf raw;
    uat_buf_init(&raw, 64);
    assert_int_equal(uat_b64_decode(n, UAT_NONCE_TEXT_LEN, UAT_B64_URL, &raw), UAT_OK);
    assert_memory_equal(raw.p, rnd, 16);
    static const uint8_t be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(raw.p + 16, be, 8);
    uint8_t mac[32];
    uat_span part = uat_span_of(raw.p, 24);
    assert_int_equal(uat_hmac(UAT_HASH_SHA256, uat_span_of(key, sizeof(key)), &part, 1, mac),
                     UAT_OK);
    assert_memory_equal(raw.p + 24, mac, 16);
    uat_buf_free(&raw);
}

static void test_issue_and_check(void **state)
{
    (void)state;
    char a[UAT_NONCE_TEXT_LEN + 1], b[UAT_NONCE_TEXT_LEN + 1];
    int64_t ea = 0, eb = 0, checked = 0;
    assert_int_equal(uat_nonce_issue(key, NOW, 300, a, &ea), UAT_OK);
    assert_int_equal(uat_nonce_issue(key, NOW, 300, b, &eb), UAT_OK);
    assert_int_equal(ea, NOW + 300);
    assert_string_not_equal(a, b); /* fresh random bytes each time */
    assert_int_equal(uat_nonce_check(key, a, strlen(a), NOW + 299, &checked), UAT_OK);
    assert_int_equal(checked, NOW + 300);
    /* any holder of the key accepts it: a copy of the key is another replica */
    uint8_t replica[UAT_NONCE_KEY_LEN];
    memcpy(replica, key, sizeof(replica));
    assert_int_equal(uat_nonce_check(replica, b, strlen(b), NOW, NULL), UAT_OK);
    for (size_t i = 0; i < UAT_NONCE_TEXT_LEN; i++) {
        char c = a[i];
        assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_');
    }
}

/* ---- HMAC ---- */

static void hmac_case(const char *key_hex, const char *data_hex, const char *want_hex)
{
    uat_buf k, d;
    uat_buf_init(&k, 256);
    uat_buf_init(&d, 256);
    assert_int_equal(uat_hex_decode(key_hex, strlen(key_hex), &k), UAT_OK);
    assert_int_equal(uat_hex_decode(data_hex, strlen(data_hex), &d), UAT_OK);
    uat_span part = uat_buf_span(&d);
    uint8_t mac[32];
    char hex[65];
    assert_int_equal(uat_hmac(UAT_HASH_SHA256, uat_buf_span(&k), &part, 1, mac), UAT_OK);
    uat_hex_encode(mac, 32, hex);
    assert_string_equal(hex, want_hex);
    uat_buf_free(&k);
    uat_buf_free(&d);
}

/* RFC 4231 §4.2, §4.3 and §4.7 (a key longer than the block size). */
static void test_hmac_rfc4231(void **state)
{
    (void)state;
    hmac_case("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    hmac_case("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    char big_key[131 * 2 + 1];
    for (int i = 0; i < 131; i++) {
        memcpy(big_key + 2 * i, "aa", 2);
    }
    big_key[262] = '\0';
    hmac_case(big_key,
              "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048"
              "617368204b6579204669727374",
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    uint8_t mac[32];
    assert_int_equal(uat_hmac(UAT_HASH_SHA256, uat_span_of(NULL, 0), NULL, 0, mac),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject_format),
        cmocka_unit_test(test_reject_other_key),
        cmocka_unit_test(test_reject_every_flipped_bit),
        cmocka_unit_test(test_reject_expired),
        cmocka_unit_test(test_reject_bad_ttl),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_issue_and_check),
        cmocka_unit_test(test_hmac_rfc4231),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
