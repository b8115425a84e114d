/* Borrowed views and owned, capped buffers. */
#ifndef UAT_CORE_BUF_H
#define UAT_CORE_BUF_H

#include "core/check.h"

#include <stddef.h>
#include <stdint.h>

/* A borrowed view: never freed by whoever holds it. */
typedef struct uat_span {
    const uint8_t *p;
    size_t len;
} uat_span;

/* An owned buffer that never grows past max. Freed (and wiped) with uat_buf_free. */
typedef struct uat_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max;
} uat_buf;

static inline uat_span uat_span_of(const void *p, size_t len)
{
    uat_span s = {(const uint8_t *)p, len};
    return s;
}

static inline uat_span uat_buf_span(const uat_buf *b)
{
    return uat_span_of(b->p, b->len);
}

void uat_buf_init(uat_buf *b, size_t max);
void uat_buf_free(uat_buf *b); /* wipes the contents; safe on a zeroed or freed buffer */
UAT_MUST_USE uat_err uat_buf_reserve(uat_buf *b, size_t extra);
UAT_MUST_USE uat_err uat_buf_append(uat_buf *b, const void *p, size_t n);
UAT_MUST_USE uat_err uat_buf_append_str(uat_buf *b, const char *s);
UAT_MUST_USE uat_err uat_buf_put_zeros(uat_buf *b, size_t n);
/* The writer: fixed-width integers in the wire's byte order. */
UAT_MUST_USE uat_err uat_buf_put_u8(uat_buf *b, uint8_t v);
UAT_MUST_USE uat_err uat_buf_put_u16le(uat_buf *b, uint16_t v);
UAT_MUST_USE uat_err uat_buf_put_u32le(uat_buf *b, uint32_t v);
UAT_MUST_USE uat_err uat_buf_put_u64le(uat_buf *b, uint64_t v);
UAT_MUST_USE uat_err uat_buf_put_u16be(uat_buf *b, uint16_t v);
UAT_MUST_USE uat_err uat_buf_put_u32be(uat_buf *b, uint32_t v);
UAT_MUST_USE uat_err uat_buf_put_u64be(uat_buf *b, uint64_t v);
/* NUL-terminates the contents (not counted in len) so text can be used as a C string. */
UAT_MUST_USE uat_err uat_buf_terminate(uat_buf *b);
/* Moves the contents out to the caller (free() them); the buffer becomes empty. */
void uat_buf_take(uat_buf *b, uint8_t **out, size_t *len);

/* A NUL-terminated copy of n bytes that need not be NUL-terminated themselves; NULL on no memory. */
char *uat_strndup(const char *s, size_t n);

/* Wipes secrets; not optimised away. */
void uat_wipe(void *p, size_t n);
/* Constant-time equality of two equal-length byte strings. */
int uat_ct_equal(const void *a, const void *b, size_t n);
/* True when every byte is zero (constant time). */
int uat_is_zero(const void *p, size_t n);

#endif
