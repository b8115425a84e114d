/* Key import, generation and export. */
#include "crypto/ossl.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

#include "core/limits.h"

uat_err uat_key_wrap(EVP_PKEY *pkey, uat_key **out)
{
    uat_key *k = malloc(sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return UAT_NOMEM("key.new");
    }
    k->pkey = pkey;
    k->libctx = NULL;
    k->propq = NULL;
    *out = k;
    return UAT_OK;
}

void uat_key_free(uat_key *k)
{
    if (k != NULL) {
        EVP_PKEY_free(k->pkey);
        OSSL_LIB_CTX_free(k->libctx); /* unloads the token's provider */
        free(k->propq);
        free(k);
    }
}

/* Never prompt on a terminal for an encrypted key: fail instead. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static int span_fits_int(uat_span s)
{
    return s.len <= (size_t)INT32_MAX;
}

uat_err uat_key_from_pem(uat_span pem, uat_key **out)
{
    UAT_ENSURE(span_fits_int(pem), UAT_ERR_RESOURCE_LIMIT, "key.pem", "", -1);
    BIO *bio = BIO_new_mem_buf(pem.p, (int)pem.len);
    if (bio == NULL) {
        return UAT_NOMEM("key.pem");
    }
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
    if (pkey == NULL) {
        (void)BIO_reset(bio);
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    }
    if (pkey == NULL) {
        (void)BIO_reset(bio);
        X509 *x = PEM_read_bio_X509(bio, NULL, no_password, NULL);
        if (x != NULL) {
            pkey = X509_get_pubkey(x);
            X509_free(x);
        }
    }
    if (pkey == NULL) {
        /* PKCS#1 "RSA PUBLIC KEY" (RFC 8017 A.1.1 in PEM; jinzhao-attest's UAK, OpenSSL's
         * PEM_write_bio_RSAPublicKey) */
        (void)BIO_reset(bio);
        OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", "type-specific", "RSA",
                                                            EVP_PKEY_PUBLIC_KEY, NULL, NULL);
        if (d == NULL || OSSL_DECODER_from_bio(d, bio) != 1) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        OSSL_DECODER_CTX_free(d);
    }
    BIO_free(bio);
    if (pkey == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "key.pem");
    }
    ERR_clear_error();
    return uat_key_wrap(pkey, out);
}

uat_err uat_key_from_spki_der(uat_span der, uat_key **out)
{
    UAT_ENSURE(span_fits_int(der), UAT_ERR_RESOURCE_LIMIT, "key.spki", "", -1);
    const unsigned char *p = der.p;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)der.len);
    if (pkey == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_PARSE_BAD_CERT, "key.spki");
    }
    if ((size_t)(p - der.p) != der.len) {
        EVP_PKEY_free(pkey);
        return UAT_FAIL(UAT_ERR_PARSE_TRAILING_BYTES, "key.spki", "", (int64_t)(p - der.p));
    }
    return uat_key_wrap(pkey, out);
}

static const char *curve_name(enum uat_key_kind c, size_t *field_len)
{
    switch (c) {
    case UAT_KEY_EC_P256:
        *field_len = 32;
        return "P-256";
    case UAT_KEY_EC_P384:
        *field_len = 48;
        return "P-384";
    case UAT_KEY_EC_P521:
        *field_len = 66;
        return "P-521";
    default:
        *field_len = 0;
        return NULL;
    }
}

static uat_err pkey_fromdata_sel(const char *type, OSSL_PARAM_BLD *bld, int selection,
                                 const char *check, uat_key **out)
{
    uat_err rc = UAT_OK;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
        goto out;
    }
    /* a point that is not on the curve must not become a key (the curves used have cofactor 1,
     * so the on-curve check of the quick variant is the whole check) */
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = chk != NULL && EVP_PKEY_public_check_quick(chk) == 1;
    EVP_PKEY_CTX_free(chk);
    if (!ok) {
        EVP_PKEY_free(pkey);
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, check);
        goto out;
    }
    rc = uat_key_wrap(pkey, out);
out:
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

static uat_err pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, const char *check,
                             uat_key **out)
{
    return pkey_fromdata_sel(type, bld, EVP_PKEY_PUBLIC_KEY, check, out);
}

/* An EC key from its point and, when d is given, its private scalar. */
static uat_err ec_key(enum uat_key_kind curve, uat_span x, uat_span y, uat_span d, uat_key **out)
{
    size_t fl;
    const char *name = curve_name(curve, &fl);
    UAT_ENSURE(name != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, "key.ec_point", "curve", -1);
    UAT_ENSURE(x.len == fl && y.len == fl && (d.len == 0 || d.len == fl), UAT_ERR_CRYPTO_BAD_KEY,
               "key.ec_point", "x/y/d", -1);
    uint8_t pt[1 + 2 * 66];
    pt[0] = 0x04;
    memcpy(pt + 1, x.p, fl);
    memcpy(pt + 1 + fl, y.p, fl);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *priv = d.len ? BN_bin2bn(d.p, (int)d.len, NULL) : NULL;
    uat_err rc;
    if (bld == NULL || (d.len && priv == NULL) ||
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * fl) != 1 ||
        (priv && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.ec_point");
    } else {
        rc = pkey_fromdata_sel("EC", bld, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                               "key.ec_point", out);
    }
    BN_clear_free(priv);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

uat_err uat_key_from_ec_point(enum uat_key_kind curve, uat_span x, uat_span y, uat_key **out)
{
    return ec_key(curve, x, y, uat_span_of(NULL, 0), out);
}


static uat_err jwk_b64(json_t *jwk, const char *member, uat_buf *out)
{
    json_t *v = json_object_get(jwk, member);
    UAT_ENSURE(json_is_string(v), UAT_ERR_PARSE_BAD_JSON, "key.jwk", member, -1);
    return uat_b64_decode(json_string_value(v), json_string_length(v), UAT_B64_URL, out);
}

static enum uat_key_kind jwk_curve(const char *crv)
{
    return crv == NULL                   ? UAT_KEY_OTHER
           : strcmp(crv, "P-256") == 0 ? UAT_KEY_EC_P256
           : strcmp(crv, "P-384") == 0 ? UAT_KEY_EC_P384
           : strcmp(crv, "P-521") == 0 ? UAT_KEY_EC_P521
                                       : UAT_KEY_OTHER;
}

static uat_err jwk_ec(json_t *jwk, uat_key **out)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    UAT_ENSURE(crv != NULL, UAT_ERR_PARSE_BAD_JSON, "key.jwk", "crv", -1);
    enum uat_key_kind kind = jwk_curve(crv);
    UAT_ENSURE(kind != UAT_KEY_OTHER, UAT_ERR_UNSUPPORTED_ALGORITHM, "key.jwk", "crv", -1);
    uat_buf x, y, d;
    uat_buf_init(&x, 72);
    uat_buf_init(&y, 72);
    uat_buf_init(&d, 72);
    uat_err rc;
    UAT_TRY_GOTO(rc, jwk_b64(jwk, "x", &x), out);
    UAT_TRY_GOTO(rc, jwk_b64(jwk, "y", &y), out);
    if (json_object_get(jwk, "d") != NULL) { /* a private JWK (RFC 7518 §6.2.2.1) */
        UAT_TRY_GOTO(rc, jwk_b64(jwk, "d", &d), out);
    }
    rc = ec_key(kind, uat_buf_span(&x), uat_buf_span(&y), uat_buf_span(&d), out);
out:
    uat_buf_free(&x);
    uat_buf_free(&y);
    uat_buf_free(&d); /* wiped */
    return rc;
}

static uat_err jwk_rsa(json_t *jwk, uat_key **out)
{
    uat_buf n, e;
    uat_buf_init(&n, 1024);
    uat_buf_init(&e, 16);
    uat_err rc;
    BIGNUM *bn = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    UAT_TRY_GOTO(rc, jwk_b64(jwk, "n", &n), out);
    UAT_TRY_GOTO(rc, jwk_b64(jwk, "e", &e), out);
    bn = BN_bin2bn(n.p, (int)n.len, NULL);
    be = BN_bin2bn(e.p, (int)e.len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn == NULL || be == NULL || bld == NULL ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.jwk");
        goto out;
    }
    rc = pkey_fromdata("RSA", bld, "key.jwk", out);
out:
    BN_free(bn);
    BN_free(be);
    OSSL_PARAM_BLD_free(bld);
    uat_buf_free(&n);
    uat_buf_free(&e);
    return rc;
}

static uat_err jwk_okp(json_t *jwk, uat_key **out)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    UAT_ENSURE(crv != NULL && strcmp(crv, "Ed25519") == 0, UAT_ERR_UNSUPPORTED_ALGORITHM,
               "key.jwk", "crv", -1);
    uat_buf x;
    uat_buf_init(&x, 32);
    uat_err rc = jwk_b64(jwk, "x", &x);
    if (rc == UAT_OK) {
        EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x.p, x.len);
        rc = pkey ? uat_key_wrap(pkey, out) : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, "key.jwk");
    }
    uat_buf_free(&x);
    return rc;
}

uat_err uat_key_from_jwk(uat_span json, uat_key **out)
{
    json_error_t jerr;
    json_t *jwk = json_loadb((const char *)json.p, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(jwk)) {
        json_decref(jwk);
        return UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, "key.jwk", "", -1);
    }
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    uat_err rc;
    if (kty == NULL) {
        rc = UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, "key.jwk", "kty", -1);
    } else if (strcmp(kty, "EC") == 0) {
        rc = jwk_ec(jwk, out);
    } else if (strcmp(kty, "RSA") == 0) {
        rc = jwk_rsa(jwk, out);
    } else if (strcmp(kty, "OKP") == 0) {
        rc = jwk_okp(jwk, out);
    } else {
        rc = UAT_FAIL(UAT_ERR_UNSUPPORTED_ALGORITHM, "key.jwk", "kty", -1);
    }
    json_decref(jwk);
    return rc;
}

uat_err uat_jwk_spki_der(uat_span json, uat_buf *out)
{
    json_t *jwk = json_loadb((const char *)json.p, json.len, JSON_REJECT_DUPLICATES, NULL);
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    enum uat_key_kind kind = UAT_KEY_OTHER;
    if (kty != NULL && strcmp(kty, "EC") == 0 && json_object_get(jwk, "d") == NULL) {
        kind = jwk_curve(json_string_value(json_object_get(jwk, "crv")));
    }
    uat_err rc;
    if (kind == UAT_KEY_OTHER) { /* not a public NIST EC key: the general path names the error */
        uat_key *k = NULL;
        rc = uat_key_from_jwk(json, &k);
        rc = rc == UAT_OK ? uat_key_spki_der(k, out) : rc;
        uat_key_free(k);
    } else {
        uat_buf x, y;
        uat_buf_init(&x, 72);
        uat_buf_init(&y, 72);
        rc = jwk_b64(jwk, "x", &x);
        rc = rc == UAT_OK ? jwk_b64(jwk, "y", &y) : rc;
        rc = rc == UAT_OK ? uat_ec_point_spki_der(kind, uat_buf_span(&x), uat_buf_span(&y), out)
                          : rc;
        uat_buf_free(&x);
        uat_buf_free(&y);
    }
    json_decref(jwk);
    return rc;
}

uat_err uat_key_generate(enum uat_key_kind kind, uat_key **out)
{
    EVP_PKEY *pkey = NULL;
    switch (kind) {
    case UAT_KEY_EC_P256:
        pkey = EVP_EC_gen("P-256");
        break;
    case UAT_KEY_EC_P384:
        pkey = EVP_EC_gen("P-384");
        break;
    case UAT_KEY_EC_P521:
        pkey = EVP_EC_gen("P-521");
        break;
    case UAT_KEY_RSA:
        pkey = EVP_RSA_gen(3072);
        break;
    case UAT_KEY_ED25519:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    default:
        return UAT_FAIL(UAT_ERR_UNSUPPORTED_ALGORITHM, "key.generate", "", -1);
    }
    if (pkey == NULL) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.generate");
    }
    return uat_key_wrap(pkey, out);
}

enum uat_key_kind uat_key_kind_of(const uat_key *k)
{
    switch (EVP_PKEY_get_base_id(k->pkey)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return UAT_KEY_RSA;
    case EVP_PKEY_ED25519:
        return UAT_KEY_ED25519;
    case EVP_PKEY_EC: {
        char name[32] = "";
        size_t n = 0;
        if (EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, name,
                                           sizeof(name), &n) != 1) {
            ERR_clear_error();
            return UAT_KEY_OTHER;
        }
        if (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0) {
            return UAT_KEY_EC_P256;
        }
        if (strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0) {
            return UAT_KEY_EC_P384;
        }
        if (strcmp(name, "secp521r1") == 0 || strcmp(name, "P-521") == 0) {
            return UAT_KEY_EC_P521;
        }
        return UAT_KEY_OTHER;
    }
    default:
        return UAT_KEY_OTHER;
    }
}

int uat_key_is_private(const uat_key *k)
{
    if (k->libctx != NULL) {
        return 1; /* a token's key (provider.c): private, and its private part never exported */
    }
    BIGNUM *d = NULL;
    if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 ||
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_D, &d) == 1) {
        BN_clear_free(d);
        return 1;
    }
    ERR_clear_error();
    uint8_t raw[64];
    size_t n = sizeof(raw);
    int priv = EVP_PKEY_get_raw_private_key(k->pkey, raw, &n) == 1;
    uat_wipe(raw, sizeof(raw));
    ERR_clear_error();
    return priv;
}

/* SubjectPublicKeyInfo of a NIST EC key written directly: OpenSSL's generic encoder looks up
 * its encoder by name on every call, which costs more than an ECDSA verification. The DER is the
 * fixed header (RFC 5480: id-ecPublicKey, the named curve, a BIT STRING) and the uncompressed
 * point. */
static const struct spki_curve {
    const char *group;
    int nid;
    enum uat_key_kind kind;
    size_t point_len;
    size_t hdr_len;
    uint8_t hdr[26];
} spki_curves[] = {
    {"prime256v1", NID_X9_62_prime256v1, UAT_KEY_EC_P256, 65, 26,
     {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
      0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00}},
    {"secp384r1", NID_secp384r1, UAT_KEY_EC_P384, 97, 23,
     {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
      0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00}},
    {"secp521r1", NID_secp521r1, UAT_KEY_EC_P521, 133, 25,
     {0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
      0x05, 0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00}},
};
#define SPKI_CURVES (sizeof(spki_curves) / sizeof(spki_curves[0]))

/* 0 when k is not a NIST EC key (the generic encoder takes it). */
static int ec_spki_fast(const uat_key *k, uat_buf *out, uat_err *rc)
{
    char group[32];
    uint8_t point[133];
    size_t glen = 0, plen = 0;
    if (EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &glen) != 1 ||
        EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                        &plen) != 1) {
        return 0;
    }
    for (size_t i = 0; i < SPKI_CURVES; i++) {
        if (strcmp(group, spki_curves[i].group) == 0 && plen == spki_curves[i].point_len &&
            point[0] == 0x04) {
            *rc = uat_buf_append(out, spki_curves[i].hdr, spki_curves[i].hdr_len);
            *rc = *rc == UAT_OK ? uat_buf_append(out, point, plen) : *rc;
            return 1;
        }
    }
    return 0;
}

/* The curves' groups, made once: an on-curve check needs only the group, not a whole key. */
static EC_GROUP *spki_groups[SPKI_CURVES];
static pthread_once_t spki_groups_once = PTHREAD_ONCE_INIT;

static void spki_groups_make(void)
{
    for (size_t i = 0; i < SPKI_CURVES; i++) {
        spki_groups[i] = EC_GROUP_new_by_curve_name(spki_curves[i].nid);
    }
}

uat_err uat_ec_point_spki_der(enum uat_key_kind curve, uat_span x, uat_span y, uat_buf *out)
{
    const struct spki_curve *c = NULL;
    size_t i;
    for (i = 0; i < SPKI_CURVES && c == NULL; i++) {
        c = spki_curves[i].kind == curve ? &spki_curves[i] : NULL;
    }
    UAT_ENSURE(c != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, "key.ec_point", "curve", -1);
    size_t fl = c->point_len / 2;
    UAT_ENSURE(x.len == fl && y.len == fl, UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point", "x/y", -1);
    uint8_t pt[133];
    pt[0] = 0x04;
    memcpy(pt + 1, x.p, fl);
    memcpy(pt + 1 + fl, y.p, fl);
    pthread_once(&spki_groups_once, spki_groups_make);
    const EC_GROUP *g = spki_groups[i - 1];
    EC_POINT *p = g != NULL ? EC_POINT_new(g) : NULL;
    /* oct2point refuses a point that is not on the curve (cofactor 1: that is the whole check) */
    int ok = p != NULL && EC_POINT_oct2point(g, p, pt, c->point_len, NULL) == 1;
    EC_POINT_free(p);
    if (!ok) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, "key.ec_point");
    }
    UAT_TRY(uat_buf_append(out, c->hdr, c->hdr_len));
    return uat_buf_append(out, pt, c->point_len);
}

uat_err uat_key_spki_der(const uat_key *k, uat_buf *out)
{
    uat_err fast = UAT_OK;
    if (ec_spki_fast(k, out, &fast)) {
        return fast;
    }
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pkey, &der);
    if (n <= 0) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.spki");
    }
    uat_err rc = uat_buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return rc;
}

static uat_err bio_to_buf(BIO *bio, uat_buf *out)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    UAT_ENSURE(n >= 0, UAT_ERR_CRYPTO_FAILURE, "key.pem", "", -1);
    UAT_TRY(uat_buf_append(out, data, (size_t)n));
    return uat_buf_terminate(out);
}

static uat_err write_pem(const uat_key *k, int private_key, uat_buf *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return UAT_NOMEM("key.pem");
    }
    int ok = private_key ? PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY(bio, k->pkey);
    uat_err rc = ok == 1 ? bio_to_buf(bio, out) : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.pem");
    (void)BIO_set_close(bio, BIO_CLOSE);
    BIO_free(bio);
    return rc;
}

uat_err uat_key_public_pem(const uat_key *k, uat_buf *out)
{
    return write_pem(k, 0, out);
}

uat_err uat_key_private_pem(const uat_key *k, uat_buf *out)
{
    return write_pem(k, 1, out);
}

static uat_err put_member(json_t *o, const char *name, const uint8_t *p, size_t n)
{
    uat_buf b;
    uat_buf_init(&b, 4 * n + 8);
    uat_err rc = uat_b64_encode(p, n, UAT_B64_URL, &b);
    if (rc == UAT_OK && json_object_set_new(o, name, json_stringn((char *)b.p, b.len)) != 0) {
        rc = UAT_NOMEM("key.jwk");
    }
    uat_buf_free(&b);
    return rc;
}

/* spec: RFC 7518 §6.3.1: n and e as unsigned big-endian integers without leading zero bytes */
static uat_err jwk_fill_rsa(const uat_key *k, json_t *o)
{
    BIGNUM *bn = NULL, *be = NULL;
    uint8_t *n = NULL, e[16];
    int nl = 0, el = 0;
    if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &be) == 1 &&
        BN_num_bytes(be) <= (int)sizeof(e) && (n = malloc((size_t)BN_num_bytes(bn) + 1)) != NULL) {
        nl = BN_bn2bin(bn, n);
        el = BN_bn2bin(be, e);
    }
    BN_free(bn);
    BN_free(be);
    uat_err rc = nl > 0 && el > 0 ? UAT_OK : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.jwk");
    if (rc == UAT_OK) {
        json_object_set_new(o, "kty", json_string("RSA"));
        rc = put_member(o, "n", n, (size_t)nl);
    }
    if (rc == UAT_OK) {
        rc = put_member(o, "e", e, (size_t)el);
    }
    free(n);
    return rc;
}

static uat_err jwk_fill(const uat_key *k, json_t *o)
{
    enum uat_key_kind kind = uat_key_kind_of(k);
    if (kind == UAT_KEY_RSA) {
        return jwk_fill_rsa(k, o);
    }
    if (kind == UAT_KEY_ED25519) {
        uint8_t raw[32];
        size_t n = sizeof(raw);
        UAT_ENSURE(EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) == 1, UAT_ERR_CRYPTO_FAILURE,
                   "key.jwk", "", -1);
        json_object_set_new(o, "kty", json_string("OKP"));
        json_object_set_new(o, "crv", json_string("Ed25519"));
        return put_member(o, "x", raw, n);
    }
    size_t fl;
    const char *crv = curve_name(kind, &fl);
    UAT_ENSURE(crv != NULL, UAT_ERR_UNSUPPORTED_ALGORITHM, "key.jwk", "kty", -1);
    BIGNUM *bx = NULL, *by = NULL;
    uint8_t x[66], y[66];
    int ok = EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
             EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
             BN_bn2binpad(bx, x, (int)fl) == (int)fl && BN_bn2binpad(by, y, (int)fl) == (int)fl;
    BN_free(bx);
    BN_free(by);
    if (!ok) {
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.jwk");
    }
    json_object_set_new(o, "kty", json_string("EC"));
    json_object_set_new(o, "crv", json_string(crv));
    UAT_TRY(put_member(o, "x", x, fl));
    return put_member(o, "y", y, fl);
}

uat_err uat_key_public_jwk(const uat_key *k, uat_buf *out)
{
    json_t *o = json_object();
    if (o == NULL) {
        return UAT_NOMEM("key.jwk");
    }
    uat_err rc = jwk_fill(k, o);
    if (rc == UAT_OK) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        rc = s ? uat_buf_append_str(out, s) : UAT_NOMEM("key.jwk");
        free(s);
        if (rc == UAT_OK) {
            rc = uat_buf_terminate(out);
        }
    }
    json_decref(o);
    return rc;
}

/* An RSA public key without OpenSSL's public-key validation: for RSA that is SP 800-56B's
 * primality and small-factor tests of n (4 ms for 2048 bits, 150 times the signature check it
 * would guard), which a verifier does not need: a bad modulus just verifies nothing. */
static uat_err rsa_fromdata(OSSL_PARAM_BLD *bld, uat_key **out)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    uat_err rc = params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
                         EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1
                     ? uat_key_wrap(pkey, out)
                     : UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, "key.rsa");
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

/* spec: RFC 8017 §3.1: n and e as unsigned big-endian integers, n odd; a TPM's keys are 1024 to
 * 4096 bits (TPM 2.0 Part 2 TPMI_RSA_KEY_BITS); e is odd and at least 3. */
uat_err uat_key_from_rsa(uat_span n, uat_span e, uat_key **out)
{
    UAT_ENSURE(out != NULL && n.p != NULL && e.p != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "key.rsa", "", -1);
    UAT_ENSURE(n.len >= 128 && n.len <= 1024 && n.p[0] != 0 && (n.p[n.len - 1] & 1u),
               UAT_ERR_CRYPTO_BAD_KEY, "key.rsa", "n", -1);
    UAT_ENSURE(e.len > 0 && e.len <= 8 && (e.p[e.len - 1] & 1u) && !(e.len == 1 && e.p[0] == 1),
               UAT_ERR_CRYPTO_BAD_KEY, "key.rsa", "e", -1);
    BIGNUM *bn = BN_bin2bn(n.p, (int)n.len, NULL);
    BIGNUM *be = BN_bin2bn(e.p, (int)e.len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    uat_err rc;
    if (bn == NULL || be == NULL || bld == NULL ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.rsa");
    } else {
        rc = rsa_fromdata(bld, out);
    }
    BN_free(bn);
    BN_free(be);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

uat_err uat_key_rsa_public(const uat_key *k, uat_buf *n, uint64_t *e)
{
    UAT_ENSURE(k != NULL && n != NULL && e != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "key.rsa", "",
               -1);
    UAT_ENSURE(uat_key_kind_of(k) == UAT_KEY_RSA, UAT_ERR_CRYPTO_BAD_KEY, "key.rsa", "", -1);
    BIGNUM *bn = NULL, *be = NULL;
    uint8_t eb[8];
    int nl = 0;
    uat_err rc = UAT_OK;
    if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &be) != 1 ||
        BN_bn2binpad(be, eb, (int)sizeof(eb)) != (int)sizeof(eb)) {
        rc = UAT_OSSL_FAIL(UAT_ERR_CRYPTO_FAILURE, "key.rsa");
        goto out;
    }
    UAT_TRY_GOTO(rc, uat_buf_reserve(n, (size_t)BN_num_bytes(bn)), out);
    nl = BN_bn2bin(bn, n->p + n->len);
    n->len += (size_t)nl;
    *e = 0;
    for (size_t i = 0; i < sizeof(eb); i++) {
        *e = (*e << 8) | eb[i];
    }
out:
    BN_free(bn);
    BN_free(be);
    return rc;
}

int uat_key_equal(const uat_key *a, const uat_key *b)
{
    if (a == NULL || b == NULL) {
        return 0;
    }
    int eq = EVP_PKEY_eq(a->pkey, b->pkey) == 1;
    ERR_clear_error();
    return eq;
}
