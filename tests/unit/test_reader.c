/* Unit tests for the bounded reader (src/core/reader.c).
 *
 * The reader is the only thing between untrusted bytes and every parser, so each bound is pinned
 * here: a failing read returns the exact error, records the check, field and *absolute* input
 * offset for uat_last_error(), and leaves the reader (and the out-parameter) untouched; only a
 * successful read advances. Negative cases first in each group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/reader.h"

#define CHECK "t.reader"

#include "uat_assert.h"

/* The last recorded error is exactly (err, CHECK, field, offset). */
static void assert_last(uat_err err, const char *field, int64_t offset)
{
    const uat_error_detail *d = uat_last_error();
    assert_string_equal(uat_err_name(d->err), uat_err_name(err));
    assert_string_equal(d->check, CHECK);
    assert_string_equal(d->field, field);
    assert_int_equal(d->offset, offset);
}

/* 0x01 0x02 ... 0x20 */
static const uint8_t seq[32] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};

#define SENTINEL UINT64_C(0xa5a5a5a5a5a5a5a5)

/* Reads one integer of the given width through the matching uat_rd_* function. The out-parameter
 * starts as SENTINEL (truncated to the width) so a failed read can be seen to leave it alone. */
static uat_err read_int(uat_reader *r, unsigned width, int be, const char *field, uint64_t *out)
{
    uat_err e = UAT_ERR_INTERNAL;
    switch (width) {
    case 1: {
        uint8_t v = (uint8_t)SENTINEL;
        e = uat_rd_u8(r, field, &v);
        *out = v;
        break;
    }
    case 2: {
        uint16_t v = (uint16_t)SENTINEL;
        e = be ? uat_rd_u16be(r, field, &v) : uat_rd_u16le(r, field, &v);
        *out = v;
        break;
    }
    case 4: {
        uint32_t v = (uint32_t)SENTINEL;
        e = be ? uat_rd_u32be(r, field, &v) : uat_rd_u32le(r, field, &v);
        *out = v;
        break;
    }
    case 8: {
        uint64_t v = SENTINEL;
        e = be ? uat_rd_u64be(r, field, &v) : uat_rd_u64le(r, field, &v);
        *out = v;
        break;
    }
    default:
        fail_msg("bad width %u", width);
    }
    return e;
}

static uint64_t sentinel_of(unsigned width)
{
    return width == 8 ? SENTINEL : SENTINEL & ((UINT64_C(1) << (8 * width)) - 1);
}

/* Every short length 0..width-1 after a 3-byte prefix: PARSE_TRUNCATED at absolute offset 3,
 * nothing consumed, nothing written; then exactly width bytes succeed. */
static void check_truncated(unsigned width, int be)
{
    for (size_t have = 0; have < width; have++) {
        uat_reader r;
        uat_rd_init(&r, uat_span_of(seq, 3 + have), CHECK);
        assert_ok(uat_rd_skip(&r, 3, "prefix"));
        uat_error_clear();
        uint64_t v = 0;
        assert_err(read_int(&r, width, be, "value", &v), UAT_ERR_PARSE_TRUNCATED);
        assert_last(UAT_ERR_PARSE_TRUNCATED, "value", 3);
        assert_int_equal(r.off, 3);
        assert_int_equal(uat_rd_left(&r), have);
        assert_int_equal(v, sentinel_of(width));
        assert_non_null(strstr(uat_last_error()->message, "left"));
    }
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 3 + width), CHECK);
    assert_ok(uat_rd_skip(&r, 3, "prefix"));
    uint64_t v = 0;
    assert_ok(read_int(&r, width, be, "value", &v));
    assert_int_equal(r.off, 3 + width);
    assert_ok(uat_rd_end(&r));
}

static void test_u8_truncated(void **state)
{
    (void)state;
    check_truncated(1, 0);
}

static void test_u16le_truncated(void **state)
{
    (void)state;
    check_truncated(2, 0);
}

static void test_u16be_truncated(void **state)
{
    (void)state;
    check_truncated(2, 1);
}

static void test_u32le_truncated(void **state)
{
    (void)state;
    check_truncated(4, 0);
}

static void test_u32be_truncated(void **state)
{
    (void)state;
    check_truncated(4, 1);
}

static void test_u64le_truncated(void **state)
{
    (void)state;
    check_truncated(8, 0);
}

static void test_u64be_truncated(void **state)
{
    (void)state;
    check_truncated(8, 1);
}

/* An empty (non-NULL) window: every read of one or more bytes fails at offset 0, zero-length
 * reads succeed, and the window is already consumed exactly. */
static void test_empty_input(void **state)
{
    (void)state;
    static const unsigned widths[] = {1, 2, 4, 8};
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 0), CHECK);
    assert_int_equal(uat_rd_left(&r), 0);
    assert_int_equal(uat_rd_pos(&r), 0);
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        for (int be = 0; be <= 1; be++) {
            uint64_t v;
            assert_err(read_int(&r, widths[i], be, "n", &v), UAT_ERR_PARSE_TRUNCATED);
            assert_last(UAT_ERR_PARSE_TRUNCATED, "n", 0);
            assert_int_equal(v, sentinel_of(widths[i]));
        }
    }
    uat_span s = {NULL, 99};
    assert_err(uat_rd_span(&r, 1, "s", &s), UAT_ERR_PARSE_TRUNCATED);
    assert_null(s.p);
    assert_int_equal(s.len, 99);
    assert_err(uat_rd_skip(&r, 1, "k"), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_rd_zeros(&r, 1, "z"), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "z", 0);
    uat_reader sub;
    assert_err(uat_rd_sub(&r, 1, 16, "sub", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_int_equal(r.off, 0);

    assert_ok(uat_rd_span(&r, 0, "s", &s));
    assert_int_equal(s.len, 0);
    assert_ok(uat_rd_skip(&r, 0, "k"));
    assert_ok(uat_rd_zeros(&r, 0, "z"));
    assert_ok(uat_rd_end(&r));
}

/* A NULL pointer is an empty window, whatever length comes with it. */
static void test_null_input(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(NULL, 0), CHECK);
    assert_int_equal(uat_rd_left(&r), 0);
    assert_ok(uat_rd_end(&r));
    uint8_t b = 0x5a;
    assert_err(uat_rd_u8(&r, "b", &b), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "b", 0);
    assert_int_equal(b, 0x5a);
    uint8_t dst[4] = {9, 9, 9, 9};
    assert_err(uat_rd_copy(&r, dst, sizeof(dst), "dst"), UAT_ERR_PARSE_TRUNCATED);
    assert_int_equal(dst[0], 9);
    uat_reader sub;
    assert_err(uat_rd_sub(&r, 1, 8, "sub", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_ok(uat_rd_end(&r));

    /* a NULL pointer with a non-zero length must not become a readable window */
    uat_rd_init(&r, uat_span_of(NULL, 16), CHECK);
    assert_int_equal(uat_rd_left(&r), 0);
    assert_err(uat_rd_u32le(&r, "x", &(uint32_t){0}), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_rd_skip(&r, 1, "k"), UAT_ERR_PARSE_TRUNCATED);
    assert_ok(uat_rd_end(&r));

    /* a NULL check name falls back to something printable */
    uat_rd_init(&r, uat_span_of(NULL, 0), NULL);
    assert_non_null(r.check);
    assert_err(uat_rd_u8(&r, "b", &b), UAT_ERR_PARSE_TRUNCATED);
    assert_string_equal(uat_last_error()->check, "input");
}

static void test_little_endian_values(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 15), CHECK);
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    assert_ok(uat_rd_u8(&r, "a", &a));
    assert_ok(uat_rd_u16le(&r, "b", &b));
    assert_ok(uat_rd_u32le(&r, "c", &c));
    assert_ok(uat_rd_u64le(&r, "d", &d));
    assert_int_equal(a, 0x01);
    assert_int_equal(b, 0x0302);
    assert_int_equal(c, 0x07060504);
    assert_true(d == UINT64_C(0x0f0e0d0c0b0a0908));
    assert_int_equal(r.off, 15);
    assert_ok(uat_rd_end(&r));
}

static void test_big_endian_values(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 14), CHECK);
    uint16_t b;
    uint32_t c;
    uint64_t d;
    assert_ok(uat_rd_u16be(&r, "b", &b));
    assert_ok(uat_rd_u32be(&r, "c", &c));
    assert_ok(uat_rd_u64be(&r, "d", &d));
    assert_int_equal(b, 0x0102);
    assert_int_equal(c, 0x03040506);
    assert_true(d == UINT64_C(0x0708090a0b0c0d0e));
    assert_int_equal(r.off, 14);
    assert_ok(uat_rd_end(&r));
}

/* High bits survive every width (no sign extension, no lost top byte). */
static void test_high_bit_values(void **state)
{
    (void)state;
    static const uint8_t ff[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t top[8] = {0x80, 0, 0, 0, 0, 0, 0, 0x80};
    uat_reader r;
    uint64_t v;
    uat_rd_init(&r, uat_span_of(ff, 8), CHECK);
    assert_ok(uat_rd_u64le(&r, "v", &v));
    assert_true(v == UINT64_MAX);
    uat_rd_init(&r, uat_span_of(ff, 8), CHECK);
    assert_ok(uat_rd_u64be(&r, "v", &v));
    assert_true(v == UINT64_MAX);

    uat_rd_init(&r, uat_span_of(top, 8), CHECK);
    assert_ok(uat_rd_u64le(&r, "v", &v));
    assert_true(v == UINT64_C(0x8000000000000080));
    uat_rd_init(&r, uat_span_of(top, 8), CHECK);
    assert_ok(uat_rd_u64be(&r, "v", &v));
    assert_true(v == UINT64_C(0x8000000000000080));

    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uat_rd_init(&r, uat_span_of(top, 8), CHECK);
    assert_ok(uat_rd_u8(&r, "u8", &u8));
    assert_int_equal(u8, 0x80);
    assert_ok(uat_rd_u16be(&r, "u16", &u16));
    assert_int_equal(u16, 0);
    assert_ok(uat_rd_u32le(&r, "u32", &u32));
    assert_int_equal(u32, 0);
    assert_ok(uat_rd_u8(&r, "u8", &u8));
    assert_int_equal(u8, 0x80);
    uat_rd_init(&r, uat_span_of(top + 6, 2), CHECK);
    assert_ok(uat_rd_u16le(&r, "u16", &u16));
    assert_int_equal(u16, 0x8000);
    uat_rd_init(&r, uat_span_of(top, 4), CHECK);
    assert_ok(uat_rd_u32be(&r, "u32", &u32));
    assert_int_equal(u32, 0x80000000u);
}

/* A failed read consumes nothing, so a smaller read afterwards sees the same bytes. */
static void test_offset_advances_only_on_success(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 7), CHECK);
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    uint16_t u16 = 0;
    uint8_t u8 = 0;
    assert_ok(uat_rd_u32le(&r, "first", &u32));
    assert_int_equal(r.off, 4);
    assert_err(uat_rd_u64be(&r, "big", &u64), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "big", 4);
    assert_int_equal(r.off, 4);
    assert_err(uat_rd_u32be(&r, "mid", &u32), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "mid", 4);
    assert_int_equal(r.off, 4);
    assert_int_equal(u32, 0x04030201);
    assert_ok(uat_rd_u16be(&r, "u16", &u16));
    assert_int_equal(u16, 0x0506);
    assert_int_equal(r.off, 6);
    assert_int_equal(uat_rd_pos(&r), 6);
    assert_err(uat_rd_u16le(&r, "u16", &u16), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "u16", 6);
    assert_int_equal(u16, 0x0506);
    assert_ok(uat_rd_u8(&r, "u8", &u8));
    assert_int_equal(u8, 0x07);
    assert_int_equal(r.off, 7);
    assert_err(uat_rd_u8(&r, "u8", &u8), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "u8", 7);
    assert_int_equal(r.off, 7);
    assert_ok(uat_rd_end(&r));
}

static void test_span_past_end(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 10), CHECK);
    assert_ok(uat_rd_skip(&r, 4, "head"));
    uat_span s = {NULL, 0};
    assert_err(uat_rd_span(&r, 7, "body", &s), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "body", 4);
    assert_null(s.p);
    assert_int_equal(r.off, 4);
    /* a huge length must not wrap around the bound */
    assert_err(uat_rd_span(&r, SIZE_MAX, "body", &s), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_rd_span(&r, SIZE_MAX - 3, "body", &s), UAT_ERR_PARSE_TRUNCATED);
    assert_int_equal(r.off, 4);

    /* borrowed, not copied: the span points into the input */
    assert_ok(uat_rd_span(&r, 6, "body", &s));
    assert_ptr_equal(s.p, seq + 4);
    assert_int_equal(s.len, 6);
    assert_ok(uat_rd_end(&r));
}

static void test_copy_past_end(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 6), CHECK);
    assert_ok(uat_rd_skip(&r, 1, "head"));
    uint8_t dst[8];
    memset(dst, 0xee, sizeof(dst));
    assert_err(uat_rd_copy(&r, dst, 6, "body"), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "body", 1);
    for (size_t i = 0; i < sizeof(dst); i++) {
        assert_int_equal(dst[i], 0xee);
    }
    assert_err(uat_rd_copy(&r, dst, SIZE_MAX, "body"), UAT_ERR_PARSE_TRUNCATED);
    assert_int_equal(r.off, 1);
    assert_ok(uat_rd_copy(&r, dst, 5, "body"));
    assert_memory_equal(dst, seq + 1, 5);
    assert_int_equal(dst[5], 0xee);
    assert_ok(uat_rd_copy(&r, dst, 0, "empty"));
    assert_ok(uat_rd_end(&r));
}

static void test_skip_past_end(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 5), CHECK);
    assert_ok(uat_rd_skip(&r, 2, "a"));
    assert_err(uat_rd_skip(&r, 4, "b"), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "b", 2);
    assert_err(uat_rd_skip(&r, SIZE_MAX, "b"), UAT_ERR_PARSE_TRUNCATED);
    assert_int_equal(r.off, 2);
    assert_ok(uat_rd_skip(&r, 3, "b"));
    assert_int_equal(r.off, 5);
    assert_err(uat_rd_skip(&r, 1, "c"), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "c", 5);
    assert_ok(uat_rd_end(&r));
}

/* The error names the first nonzero reserved byte by its absolute offset. */
static void test_zeros_nonzero(void **state)
{
    (void)state;
    uint8_t in[16] = {0};
    memcpy(in, seq, 5); /* 5 bytes of header, then reserved */
    in[5 + 3] = 0x01;
    in[5 + 6] = 0x80;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(in, sizeof(in)), CHECK);
    assert_ok(uat_rd_skip(&r, 5, "header"));
    assert_err(uat_rd_zeros(&r, 8, "reserved"), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_last(UAT_ERR_PARSE_RESERVED_NONZERO, "reserved", 8);
    assert_int_equal(r.off, 5);
    /* past the end is a truncation, not a reserved-byte error, even with nonzero bytes inside */
    assert_err(uat_rd_zeros(&r, 12, "reserved"), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "reserved", 5);
    assert_int_equal(r.off, 5);
    assert_ok(uat_rd_zeros(&r, 3, "reserved"));
    assert_int_equal(r.off, 8);
    assert_err(uat_rd_zeros(&r, 1, "reserved"), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_last(UAT_ERR_PARSE_RESERVED_NONZERO, "reserved", 8);
    assert_ok(uat_rd_skip(&r, 1, "flag"));
    /* the nonzero byte is the last one of the run */
    assert_err(uat_rd_zeros(&r, 3, "reserved2"), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_last(UAT_ERR_PARSE_RESERVED_NONZERO, "reserved2", 11);
    assert_int_equal(r.off, 9);
    assert_ok(uat_rd_zeros(&r, 2, "reserved2"));
    assert_ok(uat_rd_skip(&r, 1, "flag2"));
    assert_ok(uat_rd_zeros(&r, 4, "tail"));
    assert_ok(uat_rd_end(&r));
}

static void test_sub_past_end(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 10), CHECK);
    assert_ok(uat_rd_skip(&r, 4, "head"));
    uat_reader sub;
    memset(&sub, 0x5a, sizeof(sub));
    uat_reader before = sub;
    assert_err(uat_rd_sub(&r, 7, 100, "body", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_last(UAT_ERR_PARSE_BAD_LENGTH, "body", 4);
    assert_memory_equal(&sub, &before, sizeof(sub));
    assert_int_equal(r.off, 4);
    assert_err(uat_rd_sub(&r, SIZE_MAX, SIZE_MAX, "body", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_last(UAT_ERR_PARSE_BAD_LENGTH, "body", 4);
    assert_memory_equal(&sub, &before, sizeof(sub));
    assert_int_equal(r.off, 4);
    assert_ok(uat_rd_sub(&r, 6, 6, "body", &sub));
    assert_ok(uat_rd_end(&r));
}

/* max is a limit of its own: it holds even when the input has the bytes. */
static void test_sub_above_max(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, sizeof(seq)), CHECK);
    assert_ok(uat_rd_skip(&r, 2, "head"));
    uat_reader sub;
    memset(&sub, 0x5a, sizeof(sub));
    uat_reader before = sub;
    assert_err(uat_rd_sub(&r, 9, 8, "body", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_last(UAT_ERR_PARSE_BAD_LENGTH, "body", 2);
    assert_non_null(strstr(uat_last_error()->message, "limit"));
    assert_memory_equal(&sub, &before, sizeof(sub));
    assert_int_equal(r.off, 2);
    assert_err(uat_rd_sub(&r, 1, 0, "body", &sub), UAT_ERR_PARSE_BAD_LENGTH);
    assert_int_equal(r.off, 2);
    /* n == max is allowed */
    assert_ok(uat_rd_sub(&r, 8, 8, "body", &sub));
    assert_int_equal(sub.len, 8);
    assert_ok(uat_rd_sub(&r, 0, 0, "empty", &sub));
    assert_int_equal(sub.len, 0);
    assert_ok(uat_rd_end(&sub));
    assert_int_equal(r.off, 10);
}

/* The parent is charged for the whole sub-window at once, and the sub-reader cannot see past
 * its own window into the parent's remaining bytes. */
static void test_sub_charged_in_full(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 12), CHECK);
    assert_ok(uat_rd_skip(&r, 3, "head"));
    uat_reader sub;
    assert_ok(uat_rd_sub(&r, 4, 64, "body", &sub));
    assert_int_equal(r.off, 7);
    assert_int_equal(uat_rd_left(&r), 5);
    assert_int_equal(sub.base, 3);
    assert_int_equal(sub.off, 0);
    assert_int_equal(sub.len, 4);
    assert_string_equal(sub.check, CHECK);
    assert_int_equal(uat_rd_pos(&sub), 3);

    uint16_t u16;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    assert_ok(uat_rd_u16be(&sub, "x", &u16));
    assert_int_equal(u16, 0x0405);
    assert_int_equal(uat_rd_pos(&sub), 5);
    /* 5 bytes remain in the parent, but only 2 in the sub-window */
    assert_err(uat_rd_u32le(&sub, "y", &u32), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "y", 5);
    assert_int_equal(sub.off, 2);
    assert_err(uat_rd_end(&sub), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 5);
    /* the parent did not move because of the sub-reader's reads or failures */
    assert_int_equal(r.off, 7);
    assert_err(uat_rd_u64be(&r, "z", &u64), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "z", 7);
    uat_span rest;
    uat_rd_rest(&r, &rest);
    assert_ptr_equal(rest.p, seq + 7);
    assert_int_equal(rest.len, 5);
    assert_ok(uat_rd_end(&r));
}

/* Three levels deep, every error still names the absolute offset in the outermost input. */
static void test_sub_nested(void **state)
{
    (void)state;
    uint8_t in[32];
    memset(in, 0, sizeof(in));
    in[12] = 0x77; /* a nonzero byte inside the innermost window */
    uat_reader r, l1, l2, l3;
    uat_rd_init(&r, uat_span_of(in, sizeof(in)), CHECK);
    assert_ok(uat_rd_skip(&r, 4, "outer.head"));
    assert_ok(uat_rd_sub(&r, 20, 20, "l1", &l1));
    assert_int_equal(l1.base, 4);
    assert_ok(uat_rd_skip(&l1, 3, "l1.head"));
    assert_ok(uat_rd_sub(&l1, 12, 16, "l2", &l2));
    assert_int_equal(l2.base, 7);
    assert_ok(uat_rd_skip(&l2, 2, "l2.head"));
    assert_ok(uat_rd_sub(&l2, 6, 8, "l3", &l3));
    assert_int_equal(l3.base, 9);
    assert_string_equal(l3.check, CHECK);
    assert_int_equal(uat_rd_pos(&l3), 9);

    /* past the end of l3 though l2, l1 and r still have bytes */
    uint64_t u64;
    assert_err(uat_rd_u64le(&l3, "l3.u64", &u64), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "l3.u64", 9);
    assert_ok(uat_rd_skip(&l3, 1, "l3.head"));
    assert_err(uat_rd_zeros(&l3, 4, "l3.reserved"), UAT_ERR_PARSE_RESERVED_NONZERO);
    assert_last(UAT_ERR_PARSE_RESERVED_NONZERO, "l3.reserved", 12);
    assert_err(uat_rd_end(&l3), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 10);
    assert_non_null(strstr(uat_last_error()->message, "5 bytes"));
    uat_reader l4;
    assert_err(uat_rd_sub(&l3, 6, 64, "l4", &l4), UAT_ERR_PARSE_BAD_LENGTH);
    assert_last(UAT_ERR_PARSE_BAD_LENGTH, "l4", 10);
    assert_ok(uat_rd_skip(&l3, 5, "l3.body"));
    assert_ok(uat_rd_end(&l3));

    /* l2 was charged 2 + 6 of its 12 bytes */
    assert_int_equal(l2.off, 8);
    assert_err(uat_rd_end(&l2), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 15);
    assert_err(uat_rd_u64be(&l2, "l2.u64", &u64), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "l2.u64", 15);
    assert_err(uat_rd_end(&l1), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 19);
    assert_err(uat_rd_end(&r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 24);
}

static void test_end_trailing_bytes(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 8), CHECK);
    assert_err(uat_rd_end(&r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 0);
    assert_non_null(strstr(uat_last_error()->message, "8 bytes"));
    assert_ok(uat_rd_skip(&r, 5, "a"));
    assert_err(uat_rd_end(&r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 5);
    assert_non_null(strstr(uat_last_error()->message, "3 bytes"));
    /* uat_rd_end does not consume anything */
    assert_int_equal(r.off, 5);
    assert_ok(uat_rd_skip(&r, 2, "b"));
    assert_err(uat_rd_end(&r), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_last(UAT_ERR_PARSE_TRAILING_BYTES, "", 7);
    assert_ok(uat_rd_skip(&r, 1, "c"));
    assert_ok(uat_rd_end(&r));
}

static void test_rest(void **state)
{
    (void)state;
    uat_reader r;
    uat_rd_init(&r, uat_span_of(seq, 9), CHECK);
    assert_ok(uat_rd_skip(&r, 3, "head"));
    uat_span s;
    uat_rd_rest(&r, &s);
    assert_ptr_equal(s.p, seq + 3);
    assert_int_equal(s.len, 6);
    assert_int_equal(r.off, 9);
    assert_int_equal(uat_rd_left(&r), 0);
    assert_ok(uat_rd_end(&r));
    /* a second call borrows nothing */
    uat_rd_rest(&r, &s);
    assert_int_equal(s.len, 0);
    uint8_t b;
    assert_err(uat_rd_u8(&r, "after", &b), UAT_ERR_PARSE_TRUNCATED);
    assert_last(UAT_ERR_PARSE_TRUNCATED, "after", 9);

    /* inside a sub-reader, rest stops at the sub-window */
    uat_reader sub;
    uat_rd_init(&r, uat_span_of(seq, 9), CHECK);
    assert_ok(uat_rd_sub(&r, 4, 4, "body", &sub));
    assert_ok(uat_rd_u8(&sub, "b", &b));
    uat_rd_rest(&sub, &s);
    assert_ptr_equal(s.p, seq + 1);
    assert_int_equal(s.len, 3);
    assert_ok(uat_rd_end(&sub));
    assert_int_equal(uat_rd_left(&r), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u8_truncated),
        cmocka_unit_test(test_u16le_truncated),
        cmocka_unit_test(test_u16be_truncated),
        cmocka_unit_test(test_u32le_truncated),
        cmocka_unit_test(test_u32be_truncated),
        cmocka_unit_test(test_u64le_truncated),
        cmocka_unit_test(test_u64be_truncated),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_null_input),
        cmocka_unit_test(test_offset_advances_only_on_success),
        cmocka_unit_test(test_span_past_end),
        cmocka_unit_test(test_copy_past_end),
        cmocka_unit_test(test_skip_past_end),
        cmocka_unit_test(test_zeros_nonzero),
        cmocka_unit_test(test_sub_past_end),
        cmocka_unit_test(test_sub_above_max),
        cmocka_unit_test(test_sub_charged_in_full),
        cmocka_unit_test(test_sub_nested),
        cmocka_unit_test(test_end_trailing_bytes),
        cmocka_unit_test(test_little_endian_values),
        cmocka_unit_test(test_big_endian_values),
        cmocka_unit_test(test_high_bit_values),
        cmocka_unit_test(test_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
