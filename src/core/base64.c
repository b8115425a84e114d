/* Base64 (RFC 4648 §4) and base64url (§5), strict. */
#include "core/codec.h"

static const char std_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uat_err uat_b64_encode(const uint8_t *p, size_t n, enum uat_b64 v, uat_buf *b)
{
    const char *a = v == UAT_B64_URL ? url_alpha : std_alpha;
    UAT_ENSURE(n / 3 < SIZE_MAX / 4 - 1, UAT_ERR_RESOURCE_LIMIT, "base64.encode", "", -1);
    UAT_TRY(uat_buf_reserve(b, (n + 2) / 3 * 4));
    char *o = (char *)b->p + b->len;
    size_t k = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        o[k++] = a[w >> 18];
        o[k++] = a[(w >> 12) & 63];
        o[k++] = a[(w >> 6) & 63];
        o[k++] = a[w & 63];
    }
    if (n - i > 0) {
        uint32_t w = (uint32_t)p[i] << 16 | (n - i == 2 ? (uint32_t)p[i + 1] << 8 : 0);
        o[k++] = a[w >> 18];
        o[k++] = a[(w >> 12) & 63];
        if (n - i == 2) {
            o[k++] = a[(w >> 6) & 63];
        }
        if (v == UAT_B64_STD) {
            while (k % 4 != 0) {
                o[k++] = '=';
            }
        }
    }
    o[k] = '\0';
    b->len += k;
    return UAT_OK;
}

static int value_of(char c, enum uat_b64 v)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (v == UAT_B64_URL ? '-' : '+')) {
        return 62;
    }
    if (c == (v == UAT_B64_URL ? '_' : '/')) {
        return 63;
    }
    return -1;
}

/* Strips valid padding; returns the number of data characters or fails. */
static uat_err data_length(const char *s, size_t slen, enum uat_b64 v, size_t *out)
{
    size_t pad = 0;
    while (pad < 2 && pad < slen && s[slen - 1 - pad] == '=') {
        pad++;
    }
    size_t n = slen - pad;
    if (pad > 0 && slen % 4 != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "base64", "", (int64_t)n,
                         "padding does not complete a 4-character group");
    }
    if (v == UAT_B64_STD && slen % 4 != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "base64", "", (int64_t)slen,
                         "length is not a multiple of 4");
    }
    if (n % 4 == 1) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "base64", "", (int64_t)n,
                         "a single trailing character cannot encode a byte");
    }
    *out = n;
    return UAT_OK;
}

uat_err uat_b64_decode(const char *s, size_t slen, enum uat_b64 v, uat_buf *out)
{
    size_t n = 0;
    UAT_TRY(data_length(s, slen, v, &n));
    size_t start = out->len;
    UAT_TRY(uat_buf_reserve(out, n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0)));
    uint8_t *o = out->p + start;
    size_t k = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        int d = value_of(s[i], v);
        if (d < 0) {
            uat_wipe(o, k);
            return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, "base64", "", (int64_t)i,
                             "character 0x%02x is not in the alphabet", (unsigned char)s[i]);
        }
        acc = (acc << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) {
        uat_wipe(o, k);
        return UAT_FAIL(UAT_ERR_PARSE_BAD_ENCODING, "base64", "", (int64_t)n - 1);
    }
    out->len += k;
    return UAT_OK;
}

/* spec: RFC 7468 §2: "-----BEGIN label-----", base64 in lines of 64 characters, "-----END label-----" */
uat_err uat_pem_encode(const char *label, uat_span der, uat_buf *out)
{
    uat_buf b64;
    uat_buf_init(&b64, der.len / 3 * 4 + 8);
    uat_err rc = uat_b64_encode(der.p, der.len, UAT_B64_STD, &b64);
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, "-----BEGIN ");
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, label);
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, "-----\n");
    for (size_t i = 0; rc == UAT_OK && i < b64.len; i += 64) {
        size_t n = b64.len - i < 64 ? b64.len - i : 64;
        rc = uat_buf_append(out, b64.p + i, n);
        rc = rc != UAT_OK ? rc : uat_buf_append_str(out, "\n");
    }
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, "-----END ");
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, label);
    rc = rc != UAT_OK ? rc : uat_buf_append_str(out, "-----\n");
    uat_buf_free(&b64);
    return rc;
}
