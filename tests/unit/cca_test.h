/* Builders of synthetic Arm CCA and virtCCA tokens for the unit tests: claim maps from a list of
 * claims (so a test can drop, duplicate, resize or add one), COSE_Sign1 with generated keys,
 * the tag-399 and tag-907 collections. */
#ifndef UAT_TEST_CCA_H
#define UAT_TEST_CCA_H

#include <string.h>

#include "core/cbor.h"
#include "crypto/crypto.h"
#include "evidence/cose.h"

#include "uat_assert.h"

enum claim_kind { C_BSTR, C_TSTR, C_UINT, C_RAW };

typedef struct claim {
    int64_t key;
    enum claim_kind kind;
    uat_span v;  /* C_BSTR bytes, C_TSTR text, C_RAW an encoded item */
    uint64_t u;  /* C_UINT */
} claim;

#define MAX_CLAIMS 16

typedef struct claims {
    claim c[MAX_CLAIMS];
    size_t n;
    uint8_t store[16384]; /* encoded items (REM arrays, software components) */
    size_t used;
} claims;

static inline void put_int(uat_buf *b, int64_t v)
{
    assert_ok(v >= 0 ? uat_cbor_put_head(b, UAT_CBOR_UINT, (uint64_t)v)
                     : uat_cbor_put_head(b, UAT_CBOR_NEGINT, (uint64_t)(-1 - v)));
}

static inline void put_bytes(uat_buf *b, uat_span s)
{
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_BSTR, s.p, s.len));
}

static inline void put_text(uat_buf *b, const char *s)
{
    assert_ok(uat_cbor_put_string(b, UAT_CBOR_TSTR, s, strlen(s)));
}

static inline claim *claim_find(claims *cs, int64_t key)
{
    for (size_t i = 0; i < cs->n; i++) {
        if (cs->c[i].key == key) {
            return &cs->c[i];
        }
    }
    return NULL;
}

static inline void claim_drop(claims *cs, int64_t key)
{
    claim *c = claim_find(cs, key);
    assert_non_null(c);
    *c = cs->c[--cs->n];
}

static inline claim *claim_add(claims *cs, int64_t key, enum claim_kind kind, uat_span v, uint64_t u)
{
    assert_true(cs->n < MAX_CLAIMS);
    claim *c = &cs->c[cs->n++];
    c->key = key;
    c->kind = kind;
    c->v = v;
    c->u = u;
    return c;
}

/* Keeps an encoded item in cs->store and returns its span. */
static inline uat_span claims_keep(claims *cs, const uat_buf *b)
{
    assert_true(b->len <= sizeof(cs->store) - cs->used);
    memcpy(cs->store + cs->used, b->p, b->len);
    uat_span s = uat_span_of(cs->store + cs->used, b->len);
    cs->used += b->len;
    return s;
}

static inline void claims_encode(const claims *cs, uat_buf *out)
{
    assert_ok(uat_cbor_put_head(out, UAT_CBOR_MAP, cs->n));
    for (size_t i = 0; i < cs->n; i++) {
        const claim *c = &cs->c[i];
        put_int(out, c->key);
        switch (c->kind) {
        case C_BSTR: put_bytes(out, c->v); break;
        case C_TSTR: assert_ok(uat_cbor_put_string(out, UAT_CBOR_TSTR, c->v.p, c->v.len)); break;
        case C_UINT: assert_ok(uat_cbor_put_head(out, UAT_CBOR_UINT, c->u)); break;
        case C_RAW: assert_ok(uat_buf_append(out, c->v.p, c->v.len)); break;
        }
    }
}

static inline uat_span text_span(const char *s)
{
    return uat_span_of(s, strlen(s));
}

/* The uncompressed point 04 || X || Y of an EC key: the end of its SubjectPublicKeyInfo. */
static inline size_t ec_point(const uat_key *k, uint8_t *out)
{
    size_t fl = uat_key_kind_of(k) == UAT_KEY_EC_P256 ? 32
                : uat_key_kind_of(k) == UAT_KEY_EC_P384 ? 48
                                                         : 66;
    uat_buf spki;
    uat_buf_init(&spki, 1024);
    assert_ok(uat_key_spki_der(k, &spki));
    memcpy(out, spki.p + spki.len - (1 + 2 * fl), 1 + 2 * fl);
    assert_int_equal(out[0], 0x04);
    uat_buf_free(&spki);
    return 1 + 2 * fl;
}

/* A COSE_Key (EC2) of an EC key. */
static inline size_t cose_key_of(const uat_key *k, uint8_t *out, size_t cap)
{
    uint8_t pt[133];
    size_t n = ec_point(k, pt), fl = (n - 1) / 2;
    int64_t crv = fl == 32 ? 1 : fl == 48 ? 2 : 3;
    uat_buf b;
    uat_buf_init(&b, cap);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_MAP, 4));
    put_int(&b, 1);
    put_int(&b, 2);
    put_int(&b, -1);
    put_int(&b, crv);
    put_int(&b, -2);
    put_bytes(&b, uat_span_of(pt + 1, fl));
    put_int(&b, -3);
    put_bytes(&b, uat_span_of(pt + 1 + fl, fl));
    memcpy(out, b.p, b.len);
    size_t len = b.len;
    uat_buf_free(&b);
    return len;
}

/* An array of four measurements of mlen bytes (the i-th filled with fill + i). */
static inline uat_span rems_item(claims *cs, size_t count, size_t mlen, uint8_t fill)
{
    uat_buf b;
    uint8_t m[64];
    uat_buf_init(&b, 1024);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, count));
    for (size_t i = 0; i < count; i++) {
        memset(m, fill + (uint8_t)i, sizeof(m));
        put_bytes(&b, uat_span_of(m, mlen));
    }
    uat_span s = claims_keep(cs, &b);
    uat_buf_free(&b);
    return s;
}

/* Realm claims (DEN0137 §A7.2.3.1) around the given RAK encoding; measurements of sha-256. */
static inline void realm_claims(claims *cs, const uint8_t challenge[64], uat_span rak)
{
    static const uint8_t rpv[64] = "personalization value of the realm under test.................";
    static const uint8_t rim[32] = {0x11, 0x22, 0x33};
    memset(cs, 0, sizeof(*cs));
    claim_add(cs, 10, C_BSTR, uat_span_of(challenge, 64), 0);
    claim_add(cs, 44235, C_BSTR, uat_span_of(rpv, 64), 0);
    claim_add(cs, 44236, C_TSTR, text_span("sha-256"), 0);
    claim_add(cs, 44237, C_BSTR, rak, 0);
    claim_add(cs, 44238, C_BSTR, uat_span_of(rim, 32), 0);
    claim_add(cs, 44239, C_RAW, rems_item(cs, 4, 32, 0xa0), 0);
    claim_add(cs, 44240, C_TSTR, text_span("sha-256"), 0);
}

static inline uat_span sw_components_item(claims *cs, size_t count)
{
    static const uint8_t m[32] = {7, 6, 5, 4, 3, 2, 1};
    uat_buf b;
    uat_buf_init(&b, 8192);
    assert_ok(uat_cbor_put_head(&b, UAT_CBOR_ARRAY, count));
    for (size_t i = 0; i < count; i++) {
        assert_ok(uat_cbor_put_head(&b, UAT_CBOR_MAP, 4));
        put_int(&b, 1);
        put_text(&b, "BL");
        put_int(&b, 2);
        put_bytes(&b, uat_span_of(m, 32));
        put_int(&b, 4);
        put_text(&b, "1.0.0");
        put_int(&b, 5);
        put_bytes(&b, uat_span_of(m, 32));
    }
    uat_span s = claims_keep(cs, &b);
    uat_buf_free(&b);
    return s;
}

/* Platform claims (draft-ffm-rats-cca-token §3.3) with the given challenge (the RAK's hash). */
static inline void platform_claims(claims *cs, const uint8_t *challenge, size_t clen)
{
    static const uint8_t impl[32] = {0x7f, 0x45, 0x4c, 0x46};
    static const uint8_t inst[33] = {0x01, 0x07, 0x06};
    static const uint8_t config[4] = {1, 2, 3, 4};
    memset(cs, 0, sizeof(*cs));
    claim_add(cs, 265, C_TSTR, text_span("tag:arm.com,2023:cca_platform#1.0.0"), 0);
    claim_add(cs, 10, C_BSTR, uat_span_of(challenge, clen), 0);
    claim_add(cs, 2396, C_BSTR, uat_span_of(impl, 32), 0);
    claim_add(cs, 256, C_BSTR, uat_span_of(inst, 33), 0);
    claim_add(cs, 2401, C_BSTR, uat_span_of(config, 4), 0);
    claim_add(cs, 2395, C_UINT, uat_span_of(NULL, 0), 0x3000);
    claim_add(cs, 2399, C_RAW, sw_components_item(cs, 2), 0);
    claim_add(cs, 2402, C_TSTR, text_span("sha-256"), 0);
}

/* A COSE_Sign1 of the claims with key k; wrap: the payload is the map inside a byte string
 * (virtCCA's CVM token). */
static inline void sign_claims(const uat_key *k, const claims *cs, int wrap, uat_buf *out)
{
    uat_buf map, payload;
    int64_t alg = 0;
    uat_buf_init(&map, 8192);
    uat_buf_init(&payload, 8192);
    claims_encode(cs, &map);
    if (wrap) {
        put_bytes(&payload, uat_buf_span(&map));
    } else {
        assert_ok(uat_buf_append(&payload, map.p, map.len));
    }
    assert_ok(uat_cose_alg_for_key(k, &alg));
    assert_ok(uat_cose_sign1_sign(k, alg, uat_buf_span(&payload), out));
    uat_buf_free(&map);
    uat_buf_free(&payload);
}

/* The collection: tag 399 {44234: bstr platform, 44241: bstr realm} or tag 907 with CMW records
 * [263, bstr]; an empty platform leaves it out. */
static inline void collection(uint64_t tag, uat_span platform, uat_span realm, uat_buf *out)
{
    assert_ok(uat_cbor_put_head(out, UAT_CBOR_TAG, tag));
    assert_ok(uat_cbor_put_head(out, UAT_CBOR_MAP, platform.len ? 2 : 1));
    for (int i = platform.len ? 0 : 1; i < 2; i++) {
        put_int(out, i == 0 ? 44234 : 44241);
        if (tag == 907) {
            assert_ok(uat_cbor_put_head(out, UAT_CBOR_ARRAY, 2));
            put_int(out, 263);
        }
        put_bytes(out, i == 0 ? platform : realm);
    }
}

#endif
