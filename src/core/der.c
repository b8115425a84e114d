/* A strict DER reader (X.690 §10). */
#include "core/der.h"

#include <stdlib.h>
#include <string.h>

uint8_t uat_der_peek_tag(const uat_reader *r)
{
    return uat_rd_left(r) > 0 ? r->p[r->off] : 0;
}

/* spec: X.690 §8.1.3, §10.1: definite form, minimal number of length octets */
static uat_err read_length(uat_reader *r, const char *field, size_t *out)
{
    uint8_t first;
    UAT_TRY(uat_rd_u8(r, field, &first));
    if (first < 0x80) {
        *out = first;
        return UAT_OK;
    }
    size_t nbytes = first & 0x7fu;
    UAT_ENSURE(nbytes >= 1 && nbytes <= 4, UAT_ERR_PARSE_BAD_LENGTH, r->check, field,
               uat_rd_pos(r) - 1);
    size_t len = 0;
    for (size_t i = 0; i < nbytes; i++) {
        uint8_t b;
        UAT_TRY(uat_rd_u8(r, field, &b));
        UAT_ENSURE(i > 0 || b != 0, UAT_ERR_PARSE_BAD_LENGTH, r->check, field, uat_rd_pos(r) - 1);
        len = (len << 8) | b;
    }
    UAT_ENSURE(len >= 0x80, UAT_ERR_PARSE_BAD_LENGTH, r->check, field, uat_rd_pos(r));
    *out = len;
    return UAT_OK;
}

uat_err uat_der_element(uat_reader *r, uint8_t tag, const char *field, uat_reader *content)
{
    uat_reader save = *r;
    uint8_t t;
    size_t len = 0;
    uat_err rc = uat_rd_u8(r, field, &t);
    if (rc == UAT_OK && t != tag) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, field, uat_rd_pos(r) - 1,
                       "expected DER tag 0x%02x, found 0x%02x", tag, t);
    }
    if (rc == UAT_OK) {
        rc = read_length(r, field, &len);
    }
    if (rc == UAT_OK) {
        rc = uat_rd_sub(r, len, SIZE_MAX, field, content);
    }
    if (rc != UAT_OK) {
        *r = save; /* advance only on success */
    }
    return rc;
}

static uat_err der_uint_inner(uat_reader *r, uint8_t tag, const char *field, uint64_t *out)
{
    uat_reader c;
    UAT_TRY(uat_der_element(r, tag, field, &c));
    size_t n = uat_rd_left(&c);
    UAT_ENSURE(n >= 1 && n <= 9, UAT_ERR_PARSE_BAD_LENGTH, c.check, field, c.base);
    const uint8_t *p = c.p;
    /* spec: X.690 §8.3.2: no redundant leading octets; negative values are not expected here */
    UAT_ENSURE((p[0] & 0x80u) == 0, UAT_ERR_PARSE_BAD_VALUE, c.check, field, c.base);
    UAT_ENSURE(n == 1 || p[0] != 0 || (p[1] & 0x80u) != 0, UAT_ERR_PARSE_BAD_VALUE, c.check, field,
               c.base);
    UAT_ENSURE(n < 9 || p[0] == 0, UAT_ERR_PARSE_BAD_VALUE, c.check, field, c.base);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    *out = v;
    return UAT_OK;
}

static uat_err der_bool_inner(uat_reader *r, const char *field, int *out)
{
    uat_reader c;
    UAT_TRY(uat_der_element(r, UAT_DER_BOOLEAN, field, &c));
    uint8_t v;
    UAT_TRY(uat_rd_u8(&c, field, &v));
    UAT_TRY(uat_rd_end(&c));
    /* spec: X.690 §11.1: DER TRUE is 0xff */
    UAT_ENSURE(v == 0x00 || v == 0xff, UAT_ERR_PARSE_BAD_VALUE, c.check, field, c.base);
    *out = v != 0;
    return UAT_OK;
}

static uat_err der_octets_inner(uat_reader *r, size_t n, const char *field, uint8_t *out)
{
    uat_reader c;
    UAT_TRY(uat_der_element(r, UAT_DER_OCTET_STRING, field, &c));
    UAT_ENSURE(uat_rd_left(&c) == n, UAT_ERR_PARSE_BAD_LENGTH, c.check, field, c.base);
    return uat_rd_copy(&c, out, n, field);
}

static uat_err der_oid_inner(uat_reader *r, const char *field, uat_span *out)
{
    uat_reader c;
    UAT_TRY(uat_der_element(r, UAT_DER_OID, field, &c));
    UAT_ENSURE(uat_rd_left(&c) > 0, UAT_ERR_PARSE_BAD_LENGTH, c.check, field, c.base);
    uat_rd_rest(&c, out);
    return UAT_OK;
}

static size_t put_base128(uint64_t v, uint8_t *out, size_t cap, size_t at)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)(v & 0x7f);
        v >>= 7;
    } while (v != 0);
    if (at + n > cap) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        out[at + i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
    }
    return at + n;
}

size_t uat_der_oid_encode(const char *dotted, uint8_t *out, size_t cap)
{
    uint64_t arcs[32];
    size_t n = 0;
    const char *s = dotted;
    while (*s != '\0' && n < 32) {
        char *end = NULL;
        arcs[n++] = strtoull(s, &end, 10);
        if (end == s || (*end != '.' && *end != '\0')) {
            return 0;
        }
        s = *end == '.' ? end + 1 : end;
    }
    if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) {
        return 0;
    }
    size_t at = put_base128(arcs[0] * 40 + arcs[1], out, cap, 0);
    for (size_t i = 2; i < n && at != 0; i++) {
        at = put_base128(arcs[i], out, cap, at);
    }
    return at;
}

/* The public reads advance only on success: a failed read puts the reader back. */
static uat_err restore_on_failure(uat_reader *r, const uat_reader *save, uat_err rc)
{
    if (rc != UAT_OK) {
        *r = *save;
    }
    return rc;
}

uat_err uat_der_uint(uat_reader *r, uint8_t tag, const char *field, uint64_t *out)
{
    uat_reader save = *r;
    return restore_on_failure(r, &save, der_uint_inner(r, tag, field, out));
}

uat_err uat_der_bool(uat_reader *r, const char *field, int *out)
{
    uat_reader save = *r;
    return restore_on_failure(r, &save, der_bool_inner(r, field, out));
}

uat_err uat_der_octets(uat_reader *r, size_t n, const char *field, uint8_t *out)
{
    uat_reader save = *r;
    return restore_on_failure(r, &save, der_octets_inner(r, n, field, out));
}

uat_err uat_der_oid(uat_reader *r, const char *field, uat_span *out)
{
    uat_reader save = *r;
    return restore_on_failure(r, &save, der_oid_inner(r, field, out));
}
