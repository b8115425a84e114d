/* The bounded reader (see reader.h). */
#include "core/reader.h"

#include <string.h>

void uat_rd_init(uat_reader *r, uat_span in, const char *check)
{
    static const uint8_t empty[1] = {0};
    r->p = in.p != NULL ? in.p : empty; /* never NULL: no arithmetic on a null pointer */
    r->len = in.p == NULL ? 0 : in.len;
    r->off = 0;
    r->base = 0;
    r->check = check ? check : "input";
}

size_t uat_rd_left(const uat_reader *r)
{
    return r->len - r->off;
}

int64_t uat_rd_pos(const uat_reader *r)
{
    return r->base + (int64_t)r->off;
}

static uat_err need(const uat_reader *r, size_t n, const char *field)
{
    /* subtraction form: off <= len always holds */
    if (n > r->len - r->off) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, r->check, field, uat_rd_pos(r),
                         "needs %zu bytes, %zu left", n, r->len - r->off);
    }
    return UAT_OK;
}

static uat_err rd_int(uat_reader *r, size_t width, int big_endian, const char *field,
                      uint64_t *out)
{
    UAT_TRY(need(r, width, field));
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) {
        size_t idx = big_endian ? i : width - 1 - i;
        v = (v << 8) | r->p[r->off + idx];
    }
    r->off += width;
    *out = v;
    return UAT_OK;
}

uat_err uat_rd_u8(uat_reader *r, const char *field, uint8_t *out)
{
    uint64_t v;
    UAT_TRY(rd_int(r, 1, 0, field, &v));
    *out = (uint8_t)v;
    return UAT_OK;
}

#define RD_INT_FN(name, type, width, be)                                                           \
    uat_err name(uat_reader *r, const char *field, type *out)                                     \
    {                                                                                              \
        uint64_t v;                                                                                \
        UAT_TRY(rd_int(r, width, be, field, &v));                                                  \
        *out = (type)v;                                                                            \
        return UAT_OK;                                                                             \
    }
RD_INT_FN(uat_rd_u16le, uint16_t, 2, 0)
RD_INT_FN(uat_rd_u32le, uint32_t, 4, 0)
RD_INT_FN(uat_rd_u64le, uint64_t, 8, 0)
RD_INT_FN(uat_rd_u16be, uint16_t, 2, 1)
RD_INT_FN(uat_rd_u32be, uint32_t, 4, 1)
RD_INT_FN(uat_rd_u64be, uint64_t, 8, 1)
#undef RD_INT_FN

uat_err uat_rd_span(uat_reader *r, size_t n, const char *field, uat_span *out)
{
    UAT_TRY(need(r, n, field));
    out->p = r->p + r->off;
    out->len = n;
    r->off += n;
    return UAT_OK;
}

uat_err uat_rd_copy(uat_reader *r, void *dst, size_t n, const char *field)
{
    uat_span s;
    UAT_TRY(uat_rd_span(r, n, field, &s));
    if (n > 0) {
        memcpy(dst, s.p, n);
    }
    return UAT_OK;
}

uat_err uat_rd_skip(uat_reader *r, size_t n, const char *field)
{
    uat_span s;
    return uat_rd_span(r, n, field, &s);
}

uat_err uat_rd_zeros(uat_reader *r, size_t n, const char *field)
{
    UAT_TRY(need(r, n, field));
    for (size_t i = 0; i < n; i++) {
        if (r->p[r->off + i] != 0) {
            return UAT_FAIL(UAT_ERR_PARSE_RESERVED_NONZERO, r->check, field,
                            uat_rd_pos(r) + (int64_t)i);
        }
    }
    r->off += n;
    return UAT_OK;
}

void uat_rd_rest(uat_reader *r, uat_span *out)
{
    out->p = r->p + r->off;
    out->len = r->len - r->off;
    r->off = r->len;
}

uat_err uat_rd_sub(uat_reader *r, size_t n, size_t max, const char *field, uat_reader *sub)
{
    if (n > max) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, uat_rd_pos(r),
                         "length %zu exceeds the limit %zu", n, max);
    }
    if (n > r->len - r->off) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, r->check, field, uat_rd_pos(r),
                         "length %zu runs past the end (%zu left)", n, r->len - r->off);
    }
    sub->p = r->p + r->off;
    sub->len = n;
    sub->off = 0;
    sub->base = uat_rd_pos(r);
    sub->check = r->check;
    r->off += n;
    return UAT_OK;
}

uat_err uat_rd_end(const uat_reader *r)
{
    if (r->off != r->len) {
        return UAT_FAILF(UAT_ERR_PARSE_TRAILING_BYTES, r->check, "", uat_rd_pos(r),
                         "%zu bytes left after the last field", r->len - r->off);
    }
    return UAT_OK;
}
