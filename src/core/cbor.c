/* The strict CBOR reader and writer (core/cbor.h). */
#include "core/cbor.h"

#include <string.h>

#include "core/limits.h"

static const char *major_name(unsigned major)
{
    static const char *const names[] = {"unsigned integer", "negative integer", "byte string",
                                        "text string",      "array",            "map",
                                        "tag",              "simple value or float"};
    return major < 8 ? names[major] : "end of input";
}

int uat_cbor_peek(const uat_reader *r)
{
    return uat_rd_left(r) > 0 ? (int)(r->p[r->off] >> 5) : -1;
}

static uat_err head_arg(uat_reader *r, uint8_t ai, const char *field, uint64_t *arg)
{
    uint8_t b8;
    uint16_t b16;
    uint32_t b32;
    switch (ai) {
    case 24: UAT_TRY(uat_rd_u8(r, field, &b8)); *arg = b8; return UAT_OK;
    case 25: UAT_TRY(uat_rd_u16be(r, field, &b16)); *arg = b16; return UAT_OK;
    case 26: UAT_TRY(uat_rd_u32be(r, field, &b32)); *arg = b32; return UAT_OK;
    default: return uat_rd_u64be(r, field, arg);
    }
}

/* One item head. Leaves r advanced past it (callers restore on failure). */
static uat_err head(uat_reader *r, const char *field, uint8_t *major, uint64_t *arg)
{
    int64_t at = uat_rd_pos(r);
    uint8_t ib;
    UAT_TRY(uat_rd_u8(r, field, &ib));
    uint8_t ai = ib & 31u;
    *major = (uint8_t)(ib >> 5);
    *arg = ai;
    if (ai < 24) {
        return UAT_OK;
    }
    /* spec: RFC 8949 §3: 28-30 are reserved, 31 is an indefinite length or "break"; the cert doc
     * requires definite-length encoding */
    if (ai > 27) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, field, at,
                         ai == 31 ? "indefinite-length items are not allowed"
                                  : "reserved additional information %u", (unsigned)ai);
    }
    UAT_TRY(head_arg(r, ai, field, arg));
    static const uint64_t shortest[4] = {24u, 0x100u, 0x10000u, 0x100000000u};
    /* spec: RFC 8949 §4.2.1 (preferred serialization): an argument uses its shortest head;
     * §3.3: a simple value below 32 never takes the two-byte form. Floats keep their width. */
    int ok = *major == UAT_CBOR_SIMPLE ? (ai != 24 || *arg >= 32) : *arg >= shortest[ai - 24];
    if (!ok) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, field, at,
                         "the %s head is not in its shortest form", major_name(*major));
    }
    return UAT_OK;
}

uat_err uat_cbor_expect(uat_reader *r, enum uat_cbor_major major, const char *field, uint64_t *arg)
{
    uat_reader save = *r;
    uint8_t got = 0;
    uat_err rc = head(r, field, &got, arg);
    if (rc == UAT_OK && got != (uint8_t)major) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, field, uat_rd_pos(&save),
                       "expected a %s, found a %s", major_name(major), major_name(got));
    }
    if (rc != UAT_OK) {
        *r = save;
    }
    return rc;
}

uat_err uat_cbor_uint_any_width(uat_reader *r, const char *field, uint64_t *out)
{
    uat_reader save = *r;
    int64_t at = uat_rd_pos(r);
    uint8_t ib = 0;
    UAT_TRY(uat_rd_u8(r, field, &ib));
    uint8_t ai = ib & 31u;
    uat_err rc = UAT_OK;
    if ((ib >> 5) != UAT_CBOR_UINT || ai > 27) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, field, at,
                       "expected an unsigned integer, found a %s", major_name(ib >> 5));
    } else if (ai < 24) {
        *out = ai;
    } else {
        rc = head_arg(r, ai, field, out);
    }
    if (rc != UAT_OK) {
        *r = save;
    }
    return rc;
}

/* spec: RFC 3629 §4: well-formed UTF-8 (no overlong forms, no surrogates, nothing > U+10FFFF) */
static int utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                  : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (len == 0 || len > n - i) {
            return 0;
        }
        uint32_t cp = len == 1 ? c : (uint32_t)(c & (0x7fu >> len));
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (uint32_t)(p[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

static uat_err string_body(uat_reader *r, uint8_t major, uint64_t len, size_t max,
                           const char *field, int64_t at, uat_span *out)
{
    if (len > max) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, r->check, field, at,
                         "a %s of %llu bytes (at most %zu allowed)", major_name(major),
                         (unsigned long long)len, max);
    }
    UAT_TRY(uat_rd_span(r, (size_t)len, field, out));
    /* spec: RFC 8949 §3.1: a text string is UTF-8 */
    if (major == UAT_CBOR_TSTR && !utf8_ok(out->p, out->len)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, r->check, field, at, "a text string is not UTF-8");
    }
    return UAT_OK;
}

uat_err uat_cbor_string(uat_reader *r, enum uat_cbor_major major, size_t max, const char *field,
                        uat_span *out)
{
    uat_reader save = *r;
    uint64_t len = 0;
    uat_err rc = uat_cbor_expect(r, major, field, &len);
    if (rc == UAT_OK) {
        rc = string_body(r, (uint8_t)major, len, max, field, uat_rd_pos(&save), out);
    }
    if (rc != UAT_OK) {
        *r = save;
    }
    return rc;
}

static uat_err skip_inner(uat_reader *r, unsigned depth, const char *field)
{
    UAT_ENSURE(depth < UAT_CBOR_MAX_DEPTH, UAT_ERR_PARSE_TOO_DEEP, r->check, field, uat_rd_pos(r));
    int64_t at = uat_rd_pos(r);
    uint8_t major = 0;
    uint64_t arg = 0;
    uat_span s;
    UAT_TRY(head(r, field, &major, &arg));
    switch (major) {
    case UAT_CBOR_BSTR:
    case UAT_CBOR_TSTR:
        return string_body(r, major, arg, UAT_MAX_CMW_TEXT_BYTES, field, at, &s);
    case UAT_CBOR_ARRAY:
    case UAT_CBOR_MAP:
        /* each item takes a byte at least: a count past the input stops at the first gap */
        for (uint64_t i = 0; i < arg; i++) {
            UAT_TRY(skip_inner(r, depth + 1, field));
            if (major == UAT_CBOR_MAP) {
                UAT_TRY(skip_inner(r, depth + 1, field));
            }
        }
        return UAT_OK;
    case UAT_CBOR_TAG:
        return skip_inner(r, depth + 1, field);
    default:
        return UAT_OK; /* integers, simple values and floats: the head is the whole item */
    }
}

uat_err uat_cbor_skip(uat_reader *r, unsigned depth, const char *field)
{
    uat_reader save = *r;
    uat_err rc = skip_inner(r, depth, field);
    if (rc != UAT_OK) {
        *r = save;
    }
    return rc;
}

uat_err uat_cbor_put_head(uat_buf *b, enum uat_cbor_major major, uint64_t arg)
{
    uint8_t ib = (uint8_t)((unsigned)major << 5);
    if (arg < 24) {
        return uat_buf_put_u8(b, (uint8_t)(ib | arg));
    }
    if (arg <= UINT8_MAX) {
        UAT_TRY(uat_buf_put_u8(b, (uint8_t)(ib | 24u)));
        return uat_buf_put_u8(b, (uint8_t)arg);
    }
    if (arg <= UINT16_MAX) {
        UAT_TRY(uat_buf_put_u8(b, (uint8_t)(ib | 25u)));
        return uat_buf_put_u16be(b, (uint16_t)arg);
    }
    if (arg <= UINT32_MAX) {
        UAT_TRY(uat_buf_put_u8(b, (uint8_t)(ib | 26u)));
        return uat_buf_put_u32be(b, (uint32_t)arg);
    }
    UAT_TRY(uat_buf_put_u8(b, (uint8_t)(ib | 27u)));
    return uat_buf_put_u64be(b, arg);
}

uat_err uat_cbor_put_string(uat_buf *b, enum uat_cbor_major major, const void *p, size_t n)
{
    UAT_TRY(uat_cbor_put_head(b, major, (uint64_t)n));
    return n > 0 ? uat_buf_append(b, p, n) : UAT_OK;
}

uat_err uat_cbor_put_text(uat_buf *b, const char *s)
{
    return uat_cbor_put_string(b, UAT_CBOR_TSTR, s, strlen(s));
}

uat_err uat_cbor_named_map(uat_span in, const char *check, const char *const *names,
                           unsigned count, uint32_t required, const char *doc,
                           uat_cbor_member_fn member, void *user)
{
    UAT_ENSURE(count <= 32 && (in.p != NULL || in.len == 0), UAT_ERR_USAGE_INVALID_ARGUMENT, check,
               "", -1);
    UAT_ENSURE(in.len <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, check, "", -1);
    uat_reader r;
    uat_rd_init(&r, in, check);
    uint64_t n = 0;
    uint32_t seen = 0;
    UAT_TRY(uat_cbor_expect(&r, UAT_CBOR_MAP, "", &n));
    UAT_ENSURE(n <= count, UAT_ERR_PARSE_BAD_CBOR, check, "", 0);
    for (uint64_t i = 0; i < n; i++) {
        int64_t at = uat_rd_pos(&r);
        uat_span key;
        UAT_TRY(uat_cbor_string(&r, UAT_CBOR_TSTR, 64, "key", &key));
        unsigned m = 0;
        while (m < count && (strlen(names[m]) != key.len || memcmp(names[m], key.p, key.len) != 0)) {
            m++;
        }
        if (m == count) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, check, "key", at,
                             "unknown member (%s lists the members)", doc);
        }
        if (seen & (1u << m)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, check, names[m], at,
                             "the member appears twice");
        }
        seen |= 1u << m;
        UAT_TRY(member(&r, m, user));
    }
    UAT_TRY(uat_rd_end(&r));
    for (unsigned m = 0; m < count; m++) {
        if ((required & (1u << m)) && !(seen & (1u << m))) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, check, names[m], -1,
                             "the evidence has no \"%s\"", names[m]);
        }
    }
    return UAT_OK;
}
