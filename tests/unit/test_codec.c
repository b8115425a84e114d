/* Unit tests for the text codecs and owned buffers (src/core/hex.c, base64.c, time.c, buf.c).
 *
 * Every decoder here reads untrusted text, so each is strict and each rejection is pinned:
 * hex (even length, no prefix, no spaces), base64 per RFC 4648 §4 and §5 (padding rules,
 * canonical trailing bits, no whitespace, no letters of the other alphabet), RFC 3339 date-times
 * (real calendar dates, leap seconds, numeric offsets). A rejected input appends nothing.
 * Known answers: RFC 4648 §10, RFC 3339 §5.8, and epoch values checked with Python's
 * calendar.timegm. Negative cases first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/codec.h"

#include "uat_assert.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A buffer already holding "XY", so a failed decode can be seen to append nothing. */
static void prefilled(uat_buf *b, size_t max)
{
    uat_buf_init(b, max);
    assert_ok(uat_buf_append_str(b, "XY"));
}

static void assert_untouched(const uat_buf *b)
{
    assert_int_equal(b->len, 2);
    assert_memory_equal(b->p, "XY", 2);
}

static void assert_last(uat_err err, const char *check, int64_t offset)
{
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(uat_err_name(d->err), uat_err_name(err));
    assert_string_equal(d->check, check);
    assert_int_equal(d->offset, offset);
}

/* ---- hex ---------------------------------------------------------------------------------- */

static void test_hex_odd_length(void **state)
{
    (void)state;
    static const char *const odd[] = {"0", "abc", "0x1", "00112", "0123456789abcdef0"};
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(odd); i++) {
        assert_err(uat_hex_decode(odd[i], strlen(odd[i]), &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_last(UAT_ERR_PARSE_BAD_ENCODING, "hex", (int64_t)strlen(odd[i]));
        assert_untouched(&b);
    }
    uat_buf_free(&b);
}

static void test_hex_not_a_digit(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        int64_t at;
    } bad[] = {
        {"0g", 2, 1},         {"g0", 2, 0},       {"gg", 2, 0},     {"0G", 2, 1},
        {"0 ", 2, 1},         {" 0", 2, 0},       {"00 11", 5, 5}, /* odd first */
        {"00 1", 4, 2},       {"0x12", 4, 1},     {"0X12", 4, 1},   {"zz", 2, 0},
        {"abcdefgh", 8, 6},   {"+1", 2, 0},       {"1-", 2, 1},     {"0\0", 2, 1},
        {"\xc3\xa9", 2, 0},   {"00\n", 3, 3},     {"00\r\n", 4, 2}, {"ff:ff", 5, 5},
        {"0123456789abcdeF:0", 18, 16},
    };
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(uat_hex_decode(bad[i].s, bad[i].len, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_last(UAT_ERR_PARSE_BAD_ENCODING, "hex", bad[i].at);
        assert_untouched(&b);
    }
    uat_buf_free(&b);
}

static void test_hex_cap(void **state)
{
    (void)state;
    uat_buf b;
    prefilled(&b, 4);
    assert_err(uat_hex_decode("000000", 6, &b), UAT_ERR_RESOURCE_LIMIT);
    assert_untouched(&b);
    assert_ok(uat_hex_decode("0102", 4, &b));
    assert_int_equal(b.len, 4);
    uat_buf_free(&b);

    static const uint8_t raw[3] = {1, 2, 3};
    uat_buf_init(&b, 5);
    assert_err(uat_hex_encode_buf(raw, 3, &b), UAT_ERR_RESOURCE_LIMIT);
    assert_int_equal(b.len, 0);
    uat_buf_free(&b);
}

static void test_hex_fixed_wrong_length(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 6, 7, 9, 10, 16};
    const char *s = "00112233445566778899";
    uint8_t out[4] = {0xee, 0xee, 0xee, 0xee};
    for (size_t i = 0; i < NELEM(lens); i++) {
        assert_err(uat_hex_decode_fixed(s, lens[i], out, sizeof(out)), UAT_ERR_PARSE_BAD_ENCODING);
        for (size_t k = 0; k < sizeof(out); k++) {
            assert_int_equal(out[k], 0xee);
        }
    }
    assert_err(uat_hex_decode_fixed("0011223g", 8, out, sizeof(out)), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "hex", 7);
    assert_err(uat_hex_decode_fixed("0x112233", 8, out, sizeof(out)), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "hex", 1);

    assert_ok(uat_hex_decode_fixed("DeadBeef", 8, out, sizeof(out)));
    static const uint8_t want[4] = {0xde, 0xad, 0xbe, 0xef};
    assert_memory_equal(out, want, 4);
    assert_ok(uat_hex_decode_fixed("", 0, out, 0));
}

static void test_hex_case_and_values(void **state)
{
    (void)state;
    uat_buf lo, up;
    uat_buf_init(&lo, 64);
    uat_buf_init(&up, 64);
    assert_ok(uat_hex_decode("00ff7aa90123456789abcdef", 24, &lo));
    assert_ok(uat_hex_decode("00FF7AA90123456789ABCDEF", 24, &up));
    static const uint8_t want[12] = {0x00, 0xff, 0x7a, 0xa9, 0x01, 0x23,
                                     0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    assert_int_equal(lo.len, 12);
    assert_memory_equal(lo.p, want, 12);
    assert_int_equal(up.len, 12);
    assert_memory_equal(up.p, want, 12);
    uat_buf_free(&lo);
    uat_buf_free(&up);

    /* only slen characters are read */
    uat_buf b;
    prefilled(&b, 64);
    assert_ok(uat_hex_decode("00ffzz", 4, &b));
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.p, "XY\x00\xff", 4);
    uat_buf_free(&b);
}

static void test_hex_empty(void **state)
{
    (void)state;
    uat_buf b;
    prefilled(&b, 64);
    assert_ok(uat_hex_decode("", 0, &b));
    assert_untouched(&b);
    uat_buf_free(&b);
    char out[1] = {'x'};
    uat_hex_encode(NULL, 0, out);
    assert_int_equal(out[0], '\0');
}

/* Every byte value: encoding is lower-case and decodes back. */
static void test_hex_round_trip(void **state)
{
    (void)state;
    uint8_t all[256];
    for (size_t i = 0; i < sizeof(all); i++) {
        all[i] = (uint8_t)i;
    }
    char text[2 * sizeof(all) + 1];
    uat_hex_encode(all, sizeof(all), text);
    assert_int_equal(strlen(text), 512);
    assert_memory_equal(text, "000102", 6);
    assert_string_equal(text + 500, "fafbfcfdfeff");
    assert_null(strpbrk(text, "ABCDEF"));

    uat_buf b;
    prefilled(&b, 1024);
    assert_ok(uat_hex_encode_buf(all + 250, 6, &b));
    assert_int_equal(b.len, 14);
    assert_string_equal((const char *)b.p, "XYfafbfcfdfeff");
    uat_buf_free(&b);

    uat_buf_init(&b, 256);
    assert_ok(uat_hex_decode(text, strlen(text), &b));
    assert_int_equal(b.len, 256);
    assert_memory_equal(b.p, all, 256);
    uat_buf_free(&b);
}

/* ---- base64 --------------------------------------------------------------------------------- */

static uat_err b64_dec(const char *s, enum uat_b64 v, uat_buf *b)
{
    return uat_b64_decode(s, strlen(s), v, b);
}

/* RFC 4648 §10. */
static const struct {
    const char *raw;
    const char *std;
    const char *url;
} rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void test_b64_std_requires_padding(void **state)
{
    (void)state;
    static const char *const bad[] = {"Zg", "Zm8", "Zm9vYg", "Zm9vYmE", "Zg=", "Zm9vYg="};
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(b64_dec(bad[i], UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_untouched(&b);
    }
    uat_buf_free(&b);
}

/* base64url: padding may be left out, but if present it must be exactly right. */
static void test_b64_url_bad_padding(void **state)
{
    (void)state;
    static const char *const bad[] = {"Zg=",   "Zg===",    "Zm8==",   "Zm9v=",   "Zm9v==",
                                      "=",     "==",       "===",     "Zm9vYg=", "Zm9vYmE==",
                                      "Zg=\n", "Zm9vYmFy="};
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(b64_dec(bad[i], UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_untouched(&b);
    }
    uat_buf_free(&b);
}

static void test_b64_pad_in_middle(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        enum uat_b64 v;
    } bad[] = {
        {"Zg==Zg==", UAT_B64_STD}, {"Zg==Zm8=", UAT_B64_STD}, {"Z=g=", UAT_B64_STD},
        {"Zm=v", UAT_B64_STD},     {"====", UAT_B64_STD},     {"=Zm9", UAT_B64_STD},
        {"Zg==Zg", UAT_B64_URL},   {"Zg==Zm8", UAT_B64_URL},  {"Z=g", UAT_B64_URL},
        {"Zm9v=Zm9", UAT_B64_URL}, {"====", UAT_B64_URL},     {"Zm9vYg===", UAT_B64_STD},
    };
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(b64_dec(bad[i].s, bad[i].v, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_untouched(&b);
    }
    assert_err(b64_dec("Zg==Zm8=", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "base64", 2);
    uat_buf_free(&b);
}

/* One character left over encodes 6 bits: never a whole byte. */
static void test_b64_one_leftover(void **state)
{
    (void)state;
    uat_buf b;
    prefilled(&b, 64);
    assert_err(b64_dec("Z", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zm9vY", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "base64", 5);
    assert_err(b64_dec("Zm9vYmFyZ", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Z===", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zm9vY===", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Z===", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Z", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_untouched(&b);
    uat_buf_free(&b);
}

/* The unused low bits of the last character must be zero, so each byte string has exactly one
 * encoding ("Zg==" is "f"; "Zh==" would also decode to "f" if the bits were ignored). */
static void test_b64_noncanonical_bits(void **state)
{
    (void)state;
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uat_buf b;
    prefilled(&b, 64);
    assert_err(b64_dec("Zh==", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zh", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zh==", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zm9=", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zm9", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(b64_dec("Zm9vYmF=", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_untouched(&b);
    uat_buf_free(&b);

    /* exhaustively: the last character of "Z?==" must have 4 zero low bits, of "Zm?=" 2 */
    for (unsigned v = 0; v < 64; v++) {
        char one[5] = {'Z', alpha[v], '=', '=', '\0'};
        char two[5] = {'Z', 'm', alpha[v], '=', '\0'};
        uat_buf_init(&b, 64);
        assert_err(b64_dec(one, UAT_B64_STD, &b),
                   v % 16 == 0 ? UAT_OK : UAT_ERR_PARSE_BAD_ENCODING);
        assert_int_equal(b.len, v % 16 == 0 ? 1 : 0);
        assert_err(b64_dec(two, UAT_B64_STD, &b), v % 4 == 0 ? UAT_OK : UAT_ERR_PARSE_BAD_ENCODING);
        uat_buf_free(&b);
    }

    uat_buf_init(&b, 64);
    assert_ok(b64_dec("Zg==", UAT_B64_STD, &b));
    assert_ok(b64_dec("Zm8=", UAT_B64_STD, &b));
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.p, "ffo", 3);
    uat_buf_free(&b);
}

static void test_b64_whitespace(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zm9v YmFy", "Zm9v\nYmFy", "Zm9vYmFy\n", "Zm9vYmFy\r\n", " Zm9vYmFy", "\tZm9vYmFy",
        "Zm9v\n",    "Zm9v\r\nYmFy", "Zm9vYmE=\n", "Zm9v\vYmE", "Zm9v\fYmE", "Zm9vYmE =",
    };
    uat_buf b;
    prefilled(&b, 64);
    for (size_t i = 0; i < NELEM(bad); i++) {
        assert_err(b64_dec(bad[i], UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_err(b64_dec(bad[i], UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_untouched(&b);
    }
    /* with a valid length, the space itself is what is rejected, at its offset */
    assert_err(b64_dec("Zm9v YmF", UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "base64", 4);
    uat_buf_free(&b);
}

static void test_b64_other_alphabet(void **state)
{
    (void)state;
    uat_buf b;
    prefilled(&b, 64);
    static const char *const url_only[] = {"-_8=", "Zm9-", "Zm9_", "ab-_", "____"};
    for (size_t i = 0; i < NELEM(url_only); i++) {
        assert_err(b64_dec(url_only[i], UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    }
    static const char *const std_only[] = {"+/8", "+/8=", "Zm9+", "Zm9/", "////"};
    for (size_t i = 0; i < NELEM(std_only); i++) {
        assert_err(b64_dec(std_only[i], UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    }
    assert_err(b64_dec("Zm9/", UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "base64", 3);
    /* not in either alphabet */
    static const char *const neither[] = {"Zm9.", "Zm9*", "Zm9\x80", "Zm9\xff", "Zm9~", "Zm9,"};
    for (size_t i = 0; i < NELEM(neither); i++) {
        assert_err(b64_dec(neither[i], UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
        assert_err(b64_dec(neither[i], UAT_B64_URL, &b), UAT_ERR_PARSE_BAD_ENCODING);
    }
    assert_err(uat_b64_decode("Zm\0v", 4, UAT_B64_STD, &b), UAT_ERR_PARSE_BAD_ENCODING);
    assert_untouched(&b);
    uat_buf_free(&b);

    /* the two characters that differ, both ways */
    static const uint8_t raw[3] = {0xfb, 0xff, 0xbf};
    uat_buf_init(&b, 64);
    assert_ok(uat_b64_encode(raw, 3, UAT_B64_STD, &b));
    assert_string_equal((const char *)b.p, "+/+/");
    uat_buf_free(&b);
    uat_buf_init(&b, 64);
    assert_ok(uat_b64_encode(raw, 3, UAT_B64_URL, &b));
    assert_string_equal((const char *)b.p, "-_-_");
    assert_ok(b64_dec("-_-_", UAT_B64_URL, &b));
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.p + 4, raw, 3);
    uat_buf_free(&b);
}

static void test_b64_cap(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 7);
    assert_err(uat_b64_encode((const uint8_t *)"foobar", 6, UAT_B64_STD, &b),
               UAT_ERR_RESOURCE_LIMIT);
    assert_int_equal(b.len, 0);
    assert_ok(uat_b64_encode((const uint8_t *)"foo", 3, UAT_B64_STD, &b));
    assert_string_equal((const char *)b.p, "Zm9v");
    uat_buf_free(&b);

    prefilled(&b, 4);
    assert_err(b64_dec("Zm9vYmFy", UAT_B64_STD, &b), UAT_ERR_RESOURCE_LIMIT);
    assert_string_equal(uat_last_error()->check, "buffer.cap");
    assert_untouched(&b);
    uat_buf_free(&b);
}

static void test_b64_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(rfc4648); i++) {
        const char *raw = rfc4648[i].raw;
        const size_t n = strlen(raw);
        uat_buf b;

        uat_buf_init(&b, 64);
        assert_ok(uat_b64_encode((const uint8_t *)raw, n, UAT_B64_STD, &b));
        assert_int_equal(b.len, strlen(rfc4648[i].std));
        assert_string_equal((const char *)b.p, rfc4648[i].std);
        uat_buf_free(&b);

        uat_buf_init(&b, 64);
        assert_ok(uat_b64_encode((const uint8_t *)raw, n, UAT_B64_URL, &b));
        assert_int_equal(b.len, strlen(rfc4648[i].url));
        assert_string_equal((const char *)b.p, rfc4648[i].url);
        uat_buf_free(&b);

        /* std decodes the padded form; url decodes both */
        const char *forms[3] = {rfc4648[i].std, rfc4648[i].url, rfc4648[i].std};
        const enum uat_b64 vs[3] = {UAT_B64_STD, UAT_B64_URL, UAT_B64_URL};
        for (size_t k = 0; k < 3; k++) {
            uat_buf_init(&b, 64);
            assert_ok(b64_dec(forms[k], vs[k], &b));
            assert_int_equal(b.len, n);
            if (n > 0) {
                assert_memory_equal(b.p, raw, n);
            }
            uat_buf_free(&b);
        }
    }
}

/* Every length 0..80 both ways, appended after existing content. */
static void test_b64_round_trip(void **state)
{
    (void)state;
    uint8_t raw[80];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof(raw); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        raw[i] = (uint8_t)x;
    }
    for (int v = 0; v < 2; v++) {
        const enum uat_b64 var = v ? UAT_B64_URL : UAT_B64_STD;
        for (size_t n = 0; n <= sizeof(raw); n++) {
            uat_buf text, back;
            prefilled(&text, 256);
            assert_ok(uat_b64_encode(raw, n, var, &text));
            size_t want = var == UAT_B64_STD ? (n + 2) / 3 * 4 : (4 * n + 2) / 3;
            assert_int_equal(text.len, 2 + want);
            assert_int_equal(text.p[text.len], '\0');
            assert_null(memchr(text.p, var == UAT_B64_STD ? '-' : '+', text.len));
            prefilled(&back, 256);
            assert_ok(uat_b64_decode((const char *)text.p + 2, want, var, &back));
            assert_int_equal(back.len, 2 + n);
            assert_memory_equal(back.p, "XY", 2);
            if (n > 0) {
                assert_memory_equal(back.p + 2, raw, n);
            }
            uat_buf_free(&text);
            uat_buf_free(&back);
        }
    }
}

/* ---- RFC 3339 time -------------------------------------------------------------------------- */

static uat_err tparse(const char *s, uat_time *t)
{
    return uat_time_parse(s, strlen(s), t);
}

static void test_time_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* dates that do not exist: 1900 is not a leap year (divisible by 100, not by 400) */
        "1900-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z",
        "2023-00-01T00:00:00Z", "2023-01-00T00:00:00Z", "2023-01-32T00:00:00Z",
        "2023-04-31T00:00:00Z",
        /* times that do not exist */
        "2023-01-01T24:00:00Z", "2023-01-01T23:60:00Z", "2023-01-01T23:59:61Z",
        "2023-01-01T99:00:00Z",
        /* no zone, or a zone that is not Z / +HH:MM / -HH:MM */
        "", "1970-01-01", "1970-01-01T00:00:00", "1970-01-01T00:00:00.5",
        "2023-01-01T00:00:00+24:00", "2023-01-01T00:00:00+05:60", "2023-01-01T00:00:00+0530",
        "2023-01-01T00:00:00+05", "2023-01-01T00:00:00+5:30", "2023-01-01T00:00:00 Z",
        "2023-01-01T00:00:00UTC", "2023-01-01T00:00:00GMT",
        /* trailing garbage */
        "2023-01-01T00:00:00Zx", "2023-01-01T00:00:00Z ", "2023-01-01T00:00:00ZZ",
        "2023-01-01T00:00:00+05:30x", "2023-01-01T00:00:00+05:30:00", "2023-01-01T00:00:00Z\n",
        "1970-01-01T00:00:00-00:00Z",
        /* malformed fields */
        "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00,5Z", "2023-1-01T00:00:00Z",
        "2023-01-1T00:00:00Z", "23-01-01T00:00:00Z", "+2023-01-01T00:00:00Z",
        "-2023-01-01T00:00:00Z", "12023-01-01T00:00:00Z", "2023/01/01T00:00:00Z",
        "2023-01-01X00:00:00Z", "2023-01-01T00:00Z", "2023-01-01T0:00:00Z", "2023-01-01T00:00:0Z",
        " 2023-01-01T00:00:00Z", "2023-01-01T00:00:00\n", "2023-0a-01T00:00:00Z",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        uat_time t = 12345;
        uat_err e = tparse(bad[i], &t);
        if (e != UAT_ERR_PARSE_BAD_ENCODING) {
            fail_msg("\"%s\": got %s", bad[i], uat_err_name(e));
        }
        assert_string_equal(uat_last_error()->check, "rfc3339");
        assert_int_equal(t, 12345);
    }
    /* only slen characters are read: without the "Z" there is no zone */
    uat_time t = 12345;
    assert_err(uat_time_parse("2023-01-01T00:00:00Z", 19, &t), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_time_parse("2023-01-01T00:00:00Z\0", 21, &t), UAT_ERR_PARSE_BAD_ENCODING);
    assert_err(uat_time_parse(NULL, 0, &t), UAT_ERR_PARSE_BAD_ENCODING);
    assert_int_equal(t, 12345);
    /* the recorded offset points at the bad character */
    assert_err(tparse("2023-01-01T00:00:00Zx", &t), UAT_ERR_PARSE_BAD_ENCODING);
    assert_last(UAT_ERR_PARSE_BAD_ENCODING, "rfc3339", 20);
    assert_ok(uat_time_parse("2023-01-01T00:00:00Zjunk", 20, &t));
    assert_int_equal(t, 1672531200);
}

static void test_time_parse_values(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t t;
    } ok[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2000-02-29T00:00:00Z", 951782400},
        {"2000-03-01T00:00:00Z", 951868800},
        {"2024-02-29T12:00:00Z", 1709208000},
        {"2049-12-31T23:59:59Z", 2524607999},
        {"9999-12-31T23:59:59Z", 253402300799},
        /* leap second: the next second */
        {"2016-12-31T23:59:60Z", 1483228800},
        /* RFC 3339 §5.8 */
        {"1985-04-12T23:20:50.52Z", 482196050},
        {"1996-12-19T16:39:57-08:00", 851042397},
        {"1990-12-31T23:59:60Z", 662688000},
        {"1990-12-31T15:59:60-08:00", 662688000},
        /* offsets are subtracted to give UTC */
        {"2023-06-01T12:00:00+05:30", 1685601000},
        {"2023-06-01T12:00:00-08:00", 1685649600},
        {"2023-01-01T02:00:00+05:30", 1672518600},
        {"1969-12-31T16:00:00-08:00", 0},
        {"1970-01-01T00:00:00-00:00", 0},
        {"1970-01-01T00:00:00+23:59", -86340},
        /* lower case separators; fractions are truncated, never rounded */
        {"2023-06-01t12:00:00z", 1685620800},
        {"2023-06-01T12:00:00.999999999Z", 1685620800},
        {"2023-06-01T12:00:00.5+05:30", 1685601000},
        {"2023-06-01T12:00:00.000Z", 1685620800},
        /* before 1970 */
        {"1969-12-31T23:59:59Z", -1},
        {"1969-07-20T20:17:40Z", -14182940},
        {"1900-01-01T00:00:00Z", -2208988800},
        {"1600-03-01T00:00:00Z", -11670912000},
        {"0000-01-01T00:00:00Z", -62167219200},
    };
    for (size_t i = 0; i < NELEM(ok); i++) {
        uat_time t = 12345;
        uat_err e = tparse(ok[i].s, &t);
        if (e != UAT_OK || t != ok[i].t) {
            fail_msg("\"%s\": got %s, %lld; want %lld", ok[i].s, uat_err_name(e), (long long)t,
                     (long long)ok[i].t);
        }
    }
}

static void test_time_format_out_of_range(void **state)
{
    (void)state;
    static const int64_t bad[] = {253402300800, -62167219201, INT64_MAX, INT64_MIN / 2};
    for (size_t i = 0; i < NELEM(bad); i++) {
        char out[32];
        assert_err(uat_time_format(bad[i], out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    }
}

static void test_time_format_values(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *s;
    } vals[] = {
        {0, "1970-01-01T00:00:00Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {1709208000, "2024-02-29T12:00:00Z"},
        {2524607999, "2049-12-31T23:59:59Z"},
        {4102444800, "2100-01-01T00:00:00Z"},
        {253402300799, "9999-12-31T23:59:59Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {-86400, "1969-12-31T00:00:00Z"},
        {-86401, "1969-12-30T23:59:59Z"},
        {-14182940, "1969-07-20T20:17:40Z"},
        {-2208988800, "1900-01-01T00:00:00Z"},
        {-11670912000, "1600-03-01T00:00:00Z"},
        {-62167219200, "0000-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < NELEM(vals); i++) {
        char out[32];
        memset(out, 'x', sizeof(out));
        assert_ok(uat_time_format(vals[i].t, out));
        assert_string_equal(out, vals[i].s);
        uat_time back = 0;
        assert_ok(tparse(out, &back));
        assert_int_equal(back, vals[i].t);
    }
    /* a leap second formats as the second after it */
    uat_time t;
    char out[32];
    assert_ok(tparse("2016-12-31T23:59:60Z", &t));
    assert_ok(uat_time_format(t, out));
    assert_string_equal(out, "2017-01-01T00:00:00Z");
}

/* Format and parse agree on every 97th day from year 0 to 9999, at varying times of day. */
static void test_time_round_trip_sweep(void **state)
{
    (void)state;
    const int64_t first = uat_days_from_civil(0, 1, 1);
    const int64_t last = uat_days_from_civil(9999, 12, 31);
    assert_int_equal(first, -719528);
    assert_int_equal(last, 2932896);
    assert_int_equal(uat_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(uat_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(uat_days_from_civil(2000, 3, 1), 11017);
    for (int64_t day = first, k = 0; day <= last; day += 97, k++) {
        uat_time t = day * 86400 + (k * 7919) % 86400;
        char out[32];
        assert_ok(uat_time_format(t, out));
        assert_int_equal(strlen(out), 20);
        uat_time back = 0;
        assert_ok(tparse(out, &back));
        assert_int_equal(back, t);
    }
}

/* ---- buffers -------------------------------------------------------------------------------- */

static void test_buf_cap(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 8);
    assert_err(uat_buf_append(&b, "123456789", 9), UAT_ERR_RESOURCE_LIMIT);
    assert_last(UAT_ERR_RESOURCE_LIMIT, "buffer.cap", 0);
    assert_int_equal(b.len, 0);
    assert_ok(uat_buf_append(&b, "12345", 5));
    assert_err(uat_buf_put_u32le(&b, 0xffffffffu), UAT_ERR_RESOURCE_LIMIT);
    assert_last(UAT_ERR_RESOURCE_LIMIT, "buffer.cap", 5);
    assert_err(uat_buf_put_u64be(&b, 1), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_buf_put_zeros(&b, 4), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_buf_append_str(&b, "abcd"), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_buf_append(&b, "x", SIZE_MAX), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_buf_reserve(&b, SIZE_MAX - 2), UAT_ERR_RESOURCE_LIMIT);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.p, "12345", 5);
    assert_ok(uat_buf_put_u16be(&b, 0x3637));
    assert_ok(uat_buf_put_u8(&b, '8'));
    assert_int_equal(b.len, 8);
    assert_err(uat_buf_put_u8(&b, '9'), UAT_ERR_RESOURCE_LIMIT);
    assert_ok(uat_buf_append(&b, "", 0));
    /* a full buffer can still be NUL-terminated */
    assert_ok(uat_buf_terminate(&b));
    assert_string_equal((const char *)b.p, "12345678");
    assert_true(b.cap <= b.max + 1);
    uat_buf_free(&b);

    uat_buf_init(&b, 0);
    assert_err(uat_buf_put_u8(&b, 0), UAT_ERR_RESOURCE_LIMIT);
    assert_ok(uat_buf_terminate(&b));
    assert_int_equal(b.len, 0);
    assert_int_equal(b.p[0], '\0');
    uat_buf_free(&b);
}

/* Growth past the first allocation keeps the contents. */
static void test_buf_grow(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 1000);
    for (unsigned i = 0; i < 1000; i++) {
        assert_ok(uat_buf_put_u8(&b, (uint8_t)(i * 7)));
    }
    assert_int_equal(b.len, 1000);
    assert_true(b.cap <= 1001);
    for (unsigned i = 0; i < 1000; i++) {
        assert_int_equal(b.p[i], (uint8_t)(i * 7));
    }
    assert_err(uat_buf_put_u8(&b, 0), UAT_ERR_RESOURCE_LIMIT);
    uat_buf_free(&b);
}

static void test_buf_byte_order(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 64);
    assert_ok(uat_buf_put_u8(&b, 0x01));
    assert_ok(uat_buf_put_u16le(&b, 0x0203));
    assert_ok(uat_buf_put_u16be(&b, 0x0203));
    assert_ok(uat_buf_put_u32le(&b, 0x04050607u));
    assert_ok(uat_buf_put_u32be(&b, 0x04050607u));
    assert_ok(uat_buf_put_u64le(&b, UINT64_C(0x08090a0b0c0d0e0f)));
    assert_ok(uat_buf_put_u64be(&b, UINT64_C(0x08090a0b0c0d0e0f)));
    assert_ok(uat_buf_put_zeros(&b, 2));
    assert_ok(uat_buf_put_u32be(&b, 0x80000001u));
    static const uint8_t want[] = {
        0x01, 0x03, 0x02, 0x02, 0x03, 0x07, 0x06, 0x05, 0x04, 0x04, 0x05, 0x06, 0x07,
        0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
        0x0d, 0x0e, 0x0f, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01,
    };
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));
    uat_buf_free(&b);
}

static void test_buf_take(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 16);
    static uint8_t dummy[1];
    uint8_t *p = dummy;
    size_t n = 99;
    uat_buf_take(&b, &p, &n); /* empty */
    assert_null(p);
    assert_int_equal(n, 0);

    assert_ok(uat_buf_append_str(&b, "hello"));
    uat_buf_take(&b, &p, &n);
    assert_non_null(p);
    assert_int_equal(n, 5);
    assert_memory_equal(p, "hello", 5);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 16);
    /* the emptied buffer is usable and freeing it does not touch the taken bytes */
    assert_ok(uat_buf_append_str(&b, "world"));
    uat_buf_free(&b);
    assert_memory_equal(p, "hello", 5);
    free(p);
}

static void test_buf_free_twice(void **state)
{
    (void)state;
    uat_buf b;
    uat_buf_init(&b, 16);
    uat_buf_free(&b); /* never allocated */
    assert_ok(uat_buf_append_str(&b, "secret"));
    uat_buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    uat_buf_free(&b);
    assert_null(b.p);
    uat_buf_free(NULL);
    uat_buf zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    uat_buf_free(&zeroed);
    assert_null(zeroed.p);
}

static void test_ct_equal_and_is_zero(void **state)
{
    (void)state;
    uint8_t a[32], c[32];
    for (size_t i = 0; i < sizeof(a); i++) {
        a[i] = (uint8_t)(0x40 + i);
    }
    memcpy(c, a, sizeof(a));
    assert_true(uat_ct_equal(a, c, sizeof(a)));
    assert_true(uat_ct_equal(a, c, 0));
    for (size_t i = 0; i < sizeof(a); i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            c[i] ^= (uint8_t)(1u << bit);
            assert_false(uat_ct_equal(a, c, sizeof(a)));
            assert_true(uat_ct_equal(a, c, i)); /* the prefix before the difference */
            c[i] ^= (uint8_t)(1u << bit);
        }
    }
    assert_true(uat_ct_equal(a, c, sizeof(a)));

    uint8_t z[32] = {0};
    assert_true(uat_is_zero(z, sizeof(z)));
    assert_true(uat_is_zero(z, 0));
    assert_true(uat_is_zero(a, 0));
    for (size_t i = 0; i < sizeof(z); i++) {
        z[i] = 0x80;
        assert_false(uat_is_zero(z, sizeof(z)));
        z[i] = 0x01;
        assert_false(uat_is_zero(z, sizeof(z)));
        z[i] = 0;
    }
    assert_true(uat_is_zero(z, sizeof(z)));
}

static void test_strndup(void **state)
{
    (void)state;
    char *s = uat_strndup("abcdef", 3);
    assert_non_null(s);
    assert_string_equal(s, "abc");
    free(s);
    s = uat_strndup("a\0b", 3);
    assert_non_null(s);
    assert_memory_equal(s, "a\0b\0", 4);
    free(s);
    s = uat_strndup(NULL, 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_odd_length),
        cmocka_unit_test(test_hex_not_a_digit),
        cmocka_unit_test(test_hex_cap),
        cmocka_unit_test(test_hex_fixed_wrong_length),
        cmocka_unit_test(test_hex_case_and_values),
        cmocka_unit_test(test_hex_empty),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_b64_std_requires_padding),
        cmocka_unit_test(test_b64_url_bad_padding),
        cmocka_unit_test(test_b64_pad_in_middle),
        cmocka_unit_test(test_b64_one_leftover),
        cmocka_unit_test(test_b64_noncanonical_bits),
        cmocka_unit_test(test_b64_whitespace),
        cmocka_unit_test(test_b64_other_alphabet),
        cmocka_unit_test(test_b64_cap),
        cmocka_unit_test(test_b64_rfc4648_vectors),
        cmocka_unit_test(test_b64_round_trip),
        cmocka_unit_test(test_time_invalid),
        cmocka_unit_test(test_time_parse_values),
        cmocka_unit_test(test_time_format_out_of_range),
        cmocka_unit_test(test_time_format_values),
        cmocka_unit_test(test_time_round_trip_sweep),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_grow),
        cmocka_unit_test(test_buf_byte_order),
        cmocka_unit_test(test_buf_take),
        cmocka_unit_test(test_buf_free_twice),
        cmocka_unit_test(test_ct_equal_and_is_zero),
        cmocka_unit_test(test_strndup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
