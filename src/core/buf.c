/* Owned, capped buffers and the fixed-width writer. */
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

void uat_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0) {
        return;
    }
    /* volatile stores so the compiler cannot drop the wipe of a buffer about to be freed */
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

int uat_ct_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++) {
        d = (uint8_t)(d | (x[i] ^ y[i]));
    }
    return d == 0;
}

int uat_is_zero(const void *p, size_t n)
{
    const uint8_t *x = p;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++) {
        d = (uint8_t)(d | x[i]);
    }
    return d == 0;
}

char *uat_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        if (n > 0) {
            memcpy(d, s, n);
        }
        d[n] = '\0';
    }
    return d;
}

void uat_buf_init(uat_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max < SIZE_MAX / 2 ? max : SIZE_MAX / 2; /* so max + 1 and len + extra + 1 never wrap */
}

void uat_buf_free(uat_buf *b)
{
    if (b == NULL) {
        return;
    }
    if (b->p != NULL) {
        uat_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

uat_err uat_buf_reserve(uat_buf *b, size_t extra)
{
    /* +1 keeps room for uat_buf_terminate's NUL */
    UAT_ENSURE(extra <= b->max && b->len <= b->max - extra, UAT_ERR_RESOURCE_LIMIT, "buffer.cap",
               "", (int64_t)b->len);
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return UAT_OK;
    }
    size_t ncap = b->cap < 64 ? 64 : b->cap;
    while (ncap < need) {
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    }
    if (ncap > b->max + 1) {
        ncap = b->max + 1;
    }
    uint8_t *np = malloc(ncap);
    if (np == NULL) {
        return UAT_NOMEM("buffer.grow");
    }
    if (b->p != NULL) {
        memcpy(np, b->p, b->len);
        uat_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = np;
    b->cap = ncap;
    return UAT_OK;
}

uat_err uat_buf_append(uat_buf *b, const void *p, size_t n)
{
    UAT_TRY(uat_buf_reserve(b, n));
    if (n > 0) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
    return UAT_OK;
}

uat_err uat_buf_append_str(uat_buf *b, const char *s)
{
    return uat_buf_append(b, s, strlen(s));
}

uat_err uat_buf_put_zeros(uat_buf *b, size_t n)
{
    UAT_TRY(uat_buf_reserve(b, n));
    memset(b->p + b->len, 0, n);
    b->len += n;
    return UAT_OK;
}

uat_err uat_buf_terminate(uat_buf *b)
{
    UAT_TRY(uat_buf_reserve(b, 0));
    b->p[b->len] = 0;
    return UAT_OK;
}

void uat_buf_take(uat_buf *b, uint8_t **out, size_t *len)
{
    *out = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

static uat_err put_int(uat_buf *b, uint64_t v, size_t width, int big_endian)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < width; i++) {
        size_t shift = 8 * (big_endian ? width - 1 - i : i);
        tmp[i] = (uint8_t)(v >> shift);
    }
    return uat_buf_append(b, tmp, width);
}

uat_err uat_buf_put_u8(uat_buf *b, uint8_t v) { return put_int(b, v, 1, 0); }
uat_err uat_buf_put_u16le(uat_buf *b, uint16_t v) { return put_int(b, v, 2, 0); }
uat_err uat_buf_put_u32le(uat_buf *b, uint32_t v) { return put_int(b, v, 4, 0); }
uat_err uat_buf_put_u64le(uat_buf *b, uint64_t v) { return put_int(b, v, 8, 0); }
uat_err uat_buf_put_u16be(uat_buf *b, uint16_t v) { return put_int(b, v, 2, 1); }
uat_err uat_buf_put_u32be(uat_buf *b, uint32_t v) { return put_int(b, v, 4, 1); }
uat_err uat_buf_put_u64be(uat_buf *b, uint64_t v) { return put_int(b, v, 8, 1); }
