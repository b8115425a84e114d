/* Helpers shared by test_tcglog.c and test_imalog.c: byte builders, corpus loading, hex. */
#ifndef UAT_TEST_TCGLOG_H
#define UAT_TEST_TCGLOG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/file.h"
#include "core/limits.h"
#include "evidence/tcglog.h"
#include "uat_assert.h"

#define GCP UAT_CORPUS_DIR "/tpm2/p1-goattestation-gcp-shielded-vm"
#define VCCA UAT_CORPUS_DIR "/arm-cca/v2-gta-virtcca-legacy"

/* ---- helpers ------------------------------------------------------------------------------ */

static inline uat_buf new_buf(void)
{
    uat_buf b;
    uat_buf_init(&b, 64u * 1024u * 1024u);
    return b;
}

static inline void put(uat_buf *b, const void *p, size_t n)
{
    assert_ok(uat_buf_append(b, p, n));
}

static inline void u8(uat_buf *b, uint8_t v)
{
    assert_ok(uat_buf_put_u8(b, v));
}

static inline void u16(uat_buf *b, uint16_t v)
{
    assert_ok(uat_buf_put_u16le(b, v));
}

static inline void u32(uat_buf *b, uint32_t v)
{
    assert_ok(uat_buf_put_u32le(b, v));
}

static inline void u64(uat_buf *b, uint64_t v)
{
    assert_ok(uat_buf_put_u64le(b, v));
}

static inline uat_buf load(const char *path)
{
    uat_buf b = new_buf();
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

static inline void hex_is(const uint8_t *p, size_t n, const char *want)
{
    char got[2 * UAT_HASH_MAX + 1];
    assert_true(n <= UAT_HASH_MAX);
    uat_hex_encode(p, n, got);
    assert_string_equal(got, want);
}

static inline void unhex(const char *s, uint8_t *out, size_t n)
{
    assert_ok(uat_hex_decode_fixed(s, strlen(s), out, n));
}

/* C11 will not pass uint8_t[][] where const uint8_t[][] is declared without a cast */
#define CREGS(a) ((const uint8_t(*)[UAT_HASH_MAX])(a))

static inline const char *last_field(void)
{
    return uat_last_error()->field;
}

/* reg = H(reg ‖ H(data)): what one event with hashed data does to a register */
static inline void extend_data(enum uat_hash_alg h, uint8_t *reg, const void *data, size_t len)
{
    size_t n = uat_hash_len(h);
    uint8_t d[UAT_HASH_MAX];
    uat_span s = uat_span_of(data, len);
    assert_ok(uat_hash(h, &s, 1, d));
    uat_span parts[2] = {uat_span_of(reg, n), uat_span_of(d, n)};
    assert_ok(uat_hash(h, parts, 2, reg));
}

static inline void sha1_of(const void *p, size_t n, uint8_t out[20])
{
    uat_span s = uat_span_of(p, n);
    assert_ok(uat_hash(UAT_HASH_SHA1, &s, 1, out));
}

#endif
