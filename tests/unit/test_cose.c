/* Unit tests for COSE_Sign1 (src/evidence/cose.c): negative cases first (each malformed message
 * gives its named error), then the RFC 9052 Appendix C.2.1 example (an external vector: its key,
 * message and signature are the RFC's), then sign/verify round trips for ES256, ES384, ES512 and
 * PS256 with generated keys, the exact Sig_structure bytes, truncation at every offset and a
 * change of every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "evidence/cose.h"

#include "uat_assert.h"

/* spec: RFC 9052 C.2.1 "Single ECDSA Signature": key "11" (P-256), ES256, kid '11' unprotected */
static const char rfc_msg_hex[] =
    "d28443a10126a10442313154546869732069732074686520636f6e74656e742e"
    "58408eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e2af9a291aa32e14ab834dc56"
    "ed2a223444547e01f11d3b0916e5a4c345cacb36";
static const char rfc_x[] = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff";
static const char rfc_y[] = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    uat_buf b;
    uat_buf_init(&b, cap);
    assert_ok(uat_hex_decode(hex, strlen(hex), &b));
    memcpy(out, b.p, b.len);
    size_t n = b.len;
    uat_buf_free(&b);
    return n;
}

static uat_err parse_hex(const char *hex)
{
    uint8_t m[512];
    size_t n = unhex(hex, m, sizeof(m));
    uat_cose_sign1 s;
    return uat_cose_sign1_parse(uat_span_of(m, n), "test.cose", &s);
}

static uat_key *rfc_key(void)
{
    uint8_t x[32], y[32];
    unhex(rfc_x, x, 32);
    unhex(rfc_y, y, 32);
    uat_key *k = NULL;
    assert_ok(uat_key_from_ec_point(UAT_KEY_EC_P256, uat_span_of(x, 32), uat_span_of(y, 32), &k));
    return k;
}

/* ---- negative: structure ---- */

static void untagged_and_wrong_tag(void **state)
{
    (void)state;
    /* the RFC message without its tag 18, and with tag 17 (COSE_Mac0) */
    assert_err(parse_hex("8443a10126a0440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d18443a10126a0440102030440"), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "tag");
    /* tag 18 around a map, and around an array of 3 */
    assert_err(parse_hex("d2a0"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28343a10126a04401020304"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28543a10126a044010203044040"), UAT_ERR_PARSE_BAD_CBOR);
}

static void header_errors(void **state)
{
    (void)state;
    /* protected header a map instead of a byte string */
    assert_err(parse_hex("d284a10126a0440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    /* an empty protected header: no algorithm */
    assert_err(parse_hex("d28440a0440102030440"), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "alg");
    /* protected {4: h'31'}: no algorithm */
    assert_err(parse_hex("d28444a1044131a0440102030440"), UAT_ERR_PARSE_BAD_VALUE);
    /* EdDSA (-8) and a text algorithm ("ES256") are not supported */
    assert_err(parse_hex("d28443a10127a0440102030440"), UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_err(parse_hex("d28447a101654553323536a0440102030440"), UAT_ERR_UNSUPPORTED_ALGORITHM);
    /* crit (2) in the protected header: {1: -7, 2: [13]} */
    assert_err(parse_hex("d28446a2012602810da0440102030440"), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_string_equal(uat_last_error()->field, "crit");
    /* alg only in the unprotected header */
    assert_err(parse_hex("d28440a10126440102030440"), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "alg");
    /* alg in both buckets, kid in both, kid twice in one */
    assert_err(parse_hex("d28443a10126a10126440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28446a20126044131a1044132440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28449a30126044131044132a0440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    /* the protected map followed by another byte inside its byte string */
    assert_err(parse_hex("d28444a1012600a0440102030440"), UAT_ERR_PARSE_TRAILING_BYTES);
    /* a header label that is neither an integer nor text */
    assert_err(parse_hex("d28443a10126a1410100440102030440"), UAT_ERR_PARSE_BAD_CBOR);
}

static void payload_and_signature_errors(void **state)
{
    (void)state;
    /* a detached payload (nil) */
    assert_err(parse_hex("d28443a10126a0f640"), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_string_equal(uat_last_error()->field, "payload");
    /* payload and signature must be byte strings */
    assert_err(parse_hex("d28443a10126a0616140"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28443a10126a04001"), UAT_ERR_PARSE_BAD_CBOR);
    /* indefinite-length array, non-shortest head, trailing byte, truncated signature */
    assert_err(parse_hex("d29f43a10126a0440102030440ff"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d2980443a10126a0440102030440"), UAT_ERR_PARSE_BAD_CBOR);
    assert_err(parse_hex("d28443a10126a044010203044000"), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_err(parse_hex("d28443a10126a04401020304420a"), UAT_ERR_PARSE_TRUNCATED);
    assert_int_equal(uat_last_error()->offset, 13);
}

static void too_many_headers(void **state)
{
    (void)state;
    /* an unprotected map of 17 entries (labels 10..26, values 0) */
    char hex[512] = "d28443a10126b1";
    for (int label = 10; label < 27; label++) {
        char e[8];
        snprintf(e, sizeof(e), label < 24 ? "%02x00" : "18%02x00", label);
        strcat(hex, e);
    }
    strcat(hex, "440102030440");
    assert_err(parse_hex(hex), UAT_ERR_RESOURCE_LIMIT);
}

/* ---- the RFC example ---- */

static void rfc9052_c21(void **state)
{
    (void)state;
    uint8_t m[256];
    size_t n = unhex(rfc_msg_hex, m, sizeof(m));
    uat_cose_sign1 s;
    assert_ok(uat_cose_sign1_parse(uat_span_of(m, n), "test.cose", &s));
    assert_int_equal(s.alg, UAT_COSE_ALG_ES256);
    assert_string_equal(uat_cose_alg_name(s.alg), "ES256");
    assert_int_equal(s.kid.len, 2);
    assert_memory_equal(s.kid.p, "11", 2);
    assert_int_equal(s.payload.len, 20);
    assert_memory_equal(s.payload.p, "This is the content.", 20);
    assert_int_equal(s.payload_off, 12);
    assert_int_equal(s.signature_off, 34);
    uat_key *k = rfc_key();
    assert_ok(uat_cose_sign1_verify(&s, k, uat_span_of(NULL, 0), "test.cose"));
    /* external_aad is part of what is signed */
    assert_err(uat_cose_sign1_verify(&s, k, uat_span_of("x", 1), "test.cose"),
               UAT_ERR_VERIFY_SIGNATURE);
    uat_key_free(k);
}

static void sig_structure_bytes(void **state)
{
    (void)state;
    uint8_t m[256];
    size_t n = unhex(rfc_msg_hex, m, sizeof(m));
    uat_cose_sign1 s;
    assert_ok(uat_cose_sign1_parse(uat_span_of(m, n), "test.cose", &s));
    uat_buf b;
    uat_buf_init(&b, 1024);
    assert_ok(uat_cose_sig_structure(&s, uat_span_of(NULL, 0), &b));
    /* spec: RFC 9052 §4.4: ["Signature1", h'A10126', h'', h'546869...'] */
    uint8_t want[128];
    size_t wn = unhex("846a5369676e61747572653143a101264054546869732069732074686520636f6e74656e742e",
                      want, sizeof(want));
    assert_int_equal(b.len, wn);
    assert_memory_equal(b.p, want, wn);
    uat_buf_free(&b);
}

static void truncation_and_mutation(void **state)
{
    (void)state;
    uint8_t m[256], c[256];
    size_t n = unhex(rfc_msg_hex, m, sizeof(m));
    uat_key *k = rfc_key();
    uat_cose_sign1 s;
    for (size_t i = 0; i < n; i++) {
        uat_err e = uat_cose_sign1_parse(uat_span_of(m, i), "test.cose", &s);
        assert_int_not_equal(e, UAT_OK);
        assert_int_equal(uat_err_category(e), UAT_CAT_PARSE);
    }
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, m, n);
            c[i] ^= (uint8_t)(1u << bit);
            uat_err e = uat_cose_sign1_parse(uat_span_of(c, n), "test.cose", &s);
            if (e == UAT_OK) {
                e = uat_cose_sign1_verify(&s, k, uat_span_of(NULL, 0), "test.cose");
            }
            /* the unprotected header (bytes 6-10: {4: '11'}) is not signed by design: a change
             * there may parse; every other change is rejected */
            if (i >= 6 && i <= 10) {
                continue;
            }
            if (e == UAT_OK) {
                fail_msg("byte %zu bit %d: accepted", i, bit);
            }
        }
    }
    uat_key_free(k);
}

/* ---- round trips ---- */

static void round_trip(enum uat_key_kind kind, int64_t alg)
{
    uat_key *k = NULL, *other = NULL, *wrong_kind = NULL;
    assert_ok(uat_key_generate(kind, &k));
    assert_ok(uat_key_generate(kind, &other));
    assert_ok(uat_key_generate(kind == UAT_KEY_EC_P256 ? UAT_KEY_EC_P384 : UAT_KEY_EC_P256,
                               &wrong_kind));
    int64_t a = 0;
    assert_ok(uat_cose_alg_for_key(k, &a));
    assert_int_equal(a, alg);
    static const char payload[] = "a payload of some bytes";
    uat_buf msg;
    uat_buf_init(&msg, 4096);
    assert_ok(uat_cose_sign1_sign(k, alg, uat_span_of(payload, sizeof(payload)), &msg));
    uat_cose_sign1 s;
    assert_ok(uat_cose_sign1_parse(uat_buf_span(&msg), "test.cose", &s));
    assert_int_equal(s.alg, alg);
    assert_int_equal(s.payload.len, sizeof(payload));
    assert_ok(uat_cose_sign1_verify(&s, k, uat_span_of(NULL, 0), "test.cose"));
    assert_err(uat_cose_sign1_verify(&s, other, uat_span_of(NULL, 0), "test.cose"),
               UAT_ERR_VERIFY_SIGNATURE);
    assert_string_equal(uat_last_error()->check, "test.cose");
    assert_string_equal(uat_last_error()->field, "signature");
    assert_err(uat_cose_sign1_verify(&s, wrong_kind, uat_span_of(NULL, 0), "test.cose"),
               UAT_ERR_CRYPTO_BAD_KEY);
    /* a signature one byte short */
    s.signature.len--;
    assert_err(uat_cose_sign1_verify(&s, k, uat_span_of(NULL, 0), "test.cose"),
               UAT_ERR_VERIFY_SIGNATURE);
    uat_buf_free(&msg);
    uat_key_free(k);
    uat_key_free(other);
    uat_key_free(wrong_kind);
}

static void es256(void **state)
{
    (void)state;
    round_trip(UAT_KEY_EC_P256, UAT_COSE_ALG_ES256);
}

static void es384(void **state)
{
    (void)state;
    round_trip(UAT_KEY_EC_P384, UAT_COSE_ALG_ES384);
}

static void es512(void **state)
{
    (void)state;
    round_trip(UAT_KEY_EC_P521, UAT_COSE_ALG_ES512);
}

static void ps256(void **state)
{
    (void)state;
    round_trip(UAT_KEY_RSA, UAT_COSE_ALG_PS256);
}

static void sign_rejects(void **state)
{
    (void)state;
    uat_key *k = NULL;
    assert_ok(uat_key_generate(UAT_KEY_ED25519, &k));
    int64_t a = 0;
    assert_err(uat_cose_alg_for_key(k, &a), UAT_ERR_CRYPTO_BAD_KEY);
    uat_buf msg;
    uat_buf_init(&msg, 4096);
    assert_err(uat_cose_sign1_sign(k, -8, uat_span_of("x", 1), &msg),
               UAT_ERR_UNSUPPORTED_ALGORITHM);
    assert_int_equal(msg.len, 0);
    uat_buf_free(&msg);
    uat_key_free(k);
    assert_string_equal(uat_cose_alg_name(-999), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(untagged_and_wrong_tag),
        cmocka_unit_test(header_errors),
        cmocka_unit_test(payload_and_signature_errors),
        cmocka_unit_test(too_many_headers),
        cmocka_unit_test(truncation_and_mutation),
        cmocka_unit_test(rfc9052_c21),
        cmocka_unit_test(sig_structure_bytes),
        cmocka_unit_test(es256),
        cmocka_unit_test(es384),
        cmocka_unit_test(es512),
        cmocka_unit_test(ps256),
        cmocka_unit_test(sign_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
