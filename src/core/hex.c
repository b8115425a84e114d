/* Hex encoding and strict decoding. */
#include "core/codec.h"

static const char digits[] = "0123456789abcdef";

void uat_hex_encode(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

uat_err uat_hex_encode_buf(const uint8_t *p, size_t n, uat_buf *b)
{
    UAT_ENSURE(n <= (SIZE_MAX - 1) / 2, UAT_ERR_RESOURCE_LIMIT, "hex.encode", "", -1);
    UAT_TRY(uat_buf_reserve(b, 2 * n));
    uat_hex_encode(p, n, (char *)b->p + b->len);
    b->len += 2 * n;
    return UAT_OK;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static uat_err decode_into(const char *s, size_t slen, uint8_t *out)
{
    /* check every digit first: out is written only on success */
    for (size_t i = 0; i < slen; i++) {
        if (nibble(s[i]) < 0) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "hex", "", (int64_t)i, "not a hex digit");
        }
    }
    for (size_t i = 0; i < slen; i += 2) {
        out[i / 2] = (uint8_t)((nibble(s[i]) << 4) | nibble(s[i + 1]));
    }
    return UAT_OK;
}

uat_err uat_hex_decode(const char *s, size_t slen, uat_buf *out)
{
    if (slen % 2 != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "hex", "", (int64_t)slen,
                         "odd number of hex digits");
    }
    size_t start = out->len;
    UAT_TRY(uat_buf_reserve(out, slen / 2));
    uat_err e = decode_into(s, slen, out->p + start);
    if (e != UAT_OK) {
        uat_wipe(out->p + start, slen / 2);
        return e;
    }
    out->len += slen / 2;
    return UAT_OK;
}

uat_err uat_hex_decode_fixed(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "hex", "", -1,
                         "expected %zu hex digits, got %zu", 2 * n, slen);
    }
    return decode_into(s, slen, out);
}
