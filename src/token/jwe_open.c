/* The receiving side of compact JWEs (the agent): a P-256 key that never leaves the process, the
 * ECDH-ES+A256KW decryption of what the service releases to it (libjose unwraps the key, the
 * crypto layer opens A256GCM), and "dir" + A256GCM
 * sealing with a symmetric key (crypto layer). */
#include <jose/jose.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "token/jwe.h"

#define CHECK "jwe.decrypt"
#define CHECK_DIR "jwe.dir"
#define MAX_COMPACT (4u * UAT_JWE_MAX_PLAINTEXT)
#define MAX_HEADER 4096u
#define IV_LEN 12u
#define TAG_LEN 16u

struct uat_jwe_key {
    json_t *jwk; /* private: kty, crv, x, y, d */
};

uat_err uat_jwe_key_generate(uat_jwe_key **out)
{
    uat_jwe_key *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return UAT_NOMEM(CHECK);
    }
    k->jwk = json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256");
    if (k->jwk == NULL || !jose_jwk_gen(NULL, k->jwk)) {
        uat_jwe_key_free(k);
        return UAT_FAILF(UAT_ERR_CRYPTO_FAILURE, CHECK, "jwk", -1, "no P-256 key could be made");
    }
    *out = k;
    return UAT_OK;
}

void uat_jwe_key_free(uat_jwe_key *k)
{
    if (k == NULL) {
        return;
    }
    json_t *d = json_object_get(k->jwk, "d");
    if (json_is_string(d)) {
        /* jansson owns the text: overwrite it in place before it is freed */
        uat_wipe((char *)json_string_value(d), json_string_length(d));
    }
    json_decref(k->jwk);
    free(k);
}

uat_err uat_jwe_key_public(const uat_jwe_key *k, char **out)
{
    json_t *pub = json_pack("{s:O,s:O,s:O,s:O}", "kty", json_object_get(k->jwk, "kty"), "crv",
                            json_object_get(k->jwk, "crv"), "x", json_object_get(k->jwk, "x"), "y",
                            json_object_get(k->jwk, "y"));
    *out = pub != NULL ? json_dumps(pub, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(pub);
    return *out != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

/* ---- compact serialization ---- */

/* spec: RFC 7516 §7.1: five base64url parts separated by four dots. */
typedef struct compact_parts {
    uat_span part[5];
} compact_parts;

static uat_err split(const char *jwe, size_t n, const char *check, compact_parts *out)
{
    UAT_ENSURE(jwe != NULL && n > 0, UAT_ERR_PARSE_TRUNCATED, check, "jwe", 0);
    UAT_ENSURE(n <= MAX_COMPACT, UAT_ERR_RESOURCE_LIMIT, check, "jwe", -1);
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && jwe[i] != '.') {
            continue;
        }
        UAT_ENSURE(k < 5, UAT_ERR_PARSE_BAD_VALUE, check, "jwe", (int64_t)i);
        out->part[k++] = uat_span_of(jwe + start, i - start);
        start = i + 1;
    }
    if (k != 5) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "jwe", -1,
                         "a compact JWE has 5 parts separated by dots; this one has %zu", k);
    }
    return UAT_OK;
}

static uat_err b64_part(uat_span s, const char *check, const char *field, uat_buf *out)
{
    if (uat_b64_decode((const char *)s.p, s.len, UAT_B64_URL, out) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_ENCODING, check, field, -1,
                         "the JWE's %s is not base64url", field);
    }
    return UAT_OK;
}

/* The protected header as a JSON object whose alg and enc are the ones given. */
static uat_err header(uat_span p0, const char *alg, const char *check, json_t **out)
{
    uat_buf h;
    uat_buf_init(&h, MAX_HEADER);
    uat_err rc = b64_part(p0, check, "protected", &h);
    json_t *j =
        rc == UAT_OK ? json_loadb((const char *)h.p, h.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    uat_buf_free(&h);
    UAT_TRY(rc);
    if (!json_is_object(j)) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, check, "protected", -1,
                         "the JWE's protected header is not a JSON object");
    }
    const char *a = json_string_value(json_object_get(j, "alg"));
    const char *e = json_string_value(json_object_get(j, "enc"));
    if (a == NULL || e == NULL || strcmp(a, alg) != 0 || strcmp(e, "A256GCM") != 0) {
        json_decref(j);
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, check, "alg", -1,
                         "only alg %s with enc A256GCM is accepted here", alg);
    }
    *out = j;
    return UAT_OK;
}

/* ---- ECDH-ES+A256KW (libjose unwraps the CEK) ---- */

/* spec: RFC 7516 §5.2 steps 10-14 for one recipient, A256GCM (RFC 7518 §5.3): AAD is the
 * encoded protected header, the tag 16 bytes. Shared by both algorithms once the CEK is known. */
static uat_err gcm_open(const uint8_t *cek, const compact_parts *c, const char *check, uat_buf *pt)
{
    uat_buf iv, ct, tag;
    uat_buf_init(&iv, 64);
    uat_buf_init(&ct, UAT_JWE_MAX_PLAINTEXT + 32);
    uat_buf_init(&tag, 64);
    uat_err rc = b64_part(c->part[2], check, "iv", &iv);
    rc = rc == UAT_OK ? b64_part(c->part[3], check, "ciphertext", &ct) : rc;
    rc = rc == UAT_OK ? b64_part(c->part[4], check, "tag", &tag) : rc;
    if (rc == UAT_OK && (iv.len != IV_LEN || tag.len != TAG_LEN)) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, check, iv.len != IV_LEN ? "iv" : "tag", -1,
                       "A256GCM takes a 12-byte iv and a 16-byte tag");
    }
    rc = rc == UAT_OK ? uat_aes_gcm_decrypt(uat_span_of(cek, 32), uat_buf_span(&iv), c->part[0],
                                            uat_buf_span(&ct), tag.p, pt)
                      : rc;
    uat_buf_free(&iv);
    uat_buf_free(&ct);
    uat_buf_free(&tag);
    return rc;
}

/* The content encryption key the recipient's key unwraps (32 bytes for A256GCM). */
static uat_err unwrap(const uat_jwe_key *k, const compact_parts *c, uint8_t cek[32])
{
    json_t *doc = json_pack("{s:s%,s:s%}", "protected", c->part[0].p, c->part[0].len,
                            "encrypted_key", c->part[1].p, c->part[1].len);
    json_t *jwk = doc != NULL ? jose_jwe_dec_jwk(NULL, doc, NULL, k->jwk) : NULL;
    json_decref(doc);
    const char *kv = json_string_value(json_object_get(jwk, "k"));
    uat_buf b;
    uat_buf_init(&b, 64);
    uat_err rc = kv != NULL ? uat_b64_decode(kv, strlen(kv), UAT_B64_URL, &b)
                            : UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "encrypted_key", -1,
                                        "the JWE's key does not unwrap with this key (another "
                                        "key, or changed bytes)");
    if (rc == UAT_OK && b.len != 32) {
        rc = UAT_FAIL(UAT_ERR_VERIFY_SIGNATURE, CHECK, "encrypted_key", -1);
    }
    if (rc == UAT_OK) {
        memcpy(cek, b.p, 32);
    }
    if (kv != NULL) {
        uat_wipe((char *)kv, strlen(kv)); /* jansson owns the text: wiped before it is freed */
    }
    json_decref(jwk);
    uat_buf_free(&b);
    return rc;
}

uat_err uat_jwe_decrypt(const uat_jwe_key *k, const char *jwe, size_t n, uat_buf *pt)
{
    compact_parts c;
    UAT_TRY(split(jwe, n, CHECK, &c));
    json_t *h = NULL;
    UAT_TRY(header(c.part[0], "ECDH-ES+A256KW", CHECK, &h));
    int has_epk = json_is_object(json_object_get(h, "epk"));
    json_decref(h);
    UAT_ENSURE(has_epk, UAT_ERR_PARSE_BAD_VALUE, CHECK, "epk", -1);
    uint8_t cek[32];
    UAT_TRY(unwrap(k, &c, cek));
    uat_err rc = gcm_open(cek, &c, CHECK, pt);
    uat_wipe(cek, sizeof(cek));
    return rc;
}

/* ---- "dir" + A256GCM (crypto layer) ---- */

uat_err uat_jwe_seal_dir(const uint8_t key[UAT_JWE_DIR_KEY_LEN], const char *kid, const uint8_t *pt,
                         size_t n, char **out)
{
    UAT_ENSURE(kid != NULL && strlen(kid) <= UAT_JWE_MAX_KID, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_DIR, "kid", -1);
    UAT_ENSURE(pt != NULL || n == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_DIR, "", -1);
    UAT_ENSURE(n <= UAT_JWE_MAX_PLAINTEXT, UAT_ERR_RESOURCE_LIMIT, CHECK_DIR, "plaintext", -1);
    json_t *hj = json_pack("{s:s,s:s,s:s}", "alg", "dir", "enc", "A256GCM", "kid", kid);
    char *htext = hj != NULL ? json_dumps(hj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(hj);
    if (htext == NULL) {
        return UAT_NOMEM(CHECK_DIR);
    }
    uint8_t iv[IV_LEN], tag[TAG_LEN];
    uat_buf b, ct;
    uat_buf_init(&b, MAX_COMPACT);
    uat_buf_init(&ct, UAT_JWE_MAX_PLAINTEXT + 32);
    /* spec: RFC 7516 §5.1 with alg "dir": the encrypted key is empty; the AAD is the encoded
     * protected header */
    uat_err rc = uat_random(iv, sizeof(iv));
    rc = rc == UAT_OK ? uat_b64_encode((const uint8_t *)htext, strlen(htext), UAT_B64_URL, &b) : rc;
    size_t aad_len = b.len;
    rc = rc == UAT_OK
             ? uat_aes_gcm_encrypt(uat_span_of(key, UAT_JWE_DIR_KEY_LEN), uat_span_of(iv, IV_LEN),
                                   uat_span_of(b.p, aad_len), uat_span_of(pt, n), &ct, tag)
             : rc;
    rc = rc == UAT_OK ? uat_buf_append_str(&b, "..") : rc;
    rc = rc == UAT_OK ? uat_b64_encode(iv, IV_LEN, UAT_B64_URL, &b) : rc;
    rc = rc == UAT_OK ? uat_buf_append_str(&b, ".") : rc;
    rc = rc == UAT_OK ? uat_b64_encode(ct.p, ct.len, UAT_B64_URL, &b) : rc;
    rc = rc == UAT_OK ? uat_buf_append_str(&b, ".") : rc;
    rc = rc == UAT_OK ? uat_b64_encode(tag, TAG_LEN, UAT_B64_URL, &b) : rc;
    rc = rc == UAT_OK ? uat_buf_terminate(&b) : rc;
    if (rc == UAT_OK) {
        size_t len = 0;
        uat_buf_take(&b, (uint8_t **)out, &len);
    }
    free(htext);
    uat_buf_free(&b);
    uat_buf_free(&ct);
    return rc;
}

uat_err uat_jwe_dir_kid(const char *jwe, size_t n, char **kid)
{
    compact_parts c;
    UAT_TRY(split(jwe, n, CHECK_DIR, &c));
    json_t *h = NULL;
    UAT_TRY(header(c.part[0], "dir", CHECK_DIR, &h));
    const char *k = json_string_value(json_object_get(h, "kid"));
    uat_err rc = UAT_OK;
    if (k == NULL || k[0] == '\0' || strlen(k) > UAT_JWE_MAX_KID) {
        rc = UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK_DIR, "kid", -1,
                       "the sealed data names no key (kid)");
    } else if ((*kid = strdup(k)) == NULL) {
        rc = UAT_NOMEM(CHECK_DIR);
    }
    json_decref(h);
    return rc;
}

uat_err uat_jwe_open_dir(const uint8_t key[UAT_JWE_DIR_KEY_LEN], const char *jwe, size_t n,
                         uat_buf *pt)
{
    compact_parts c;
    UAT_TRY(split(jwe, n, CHECK_DIR, &c));
    json_t *h = NULL;
    UAT_TRY(header(c.part[0], "dir", CHECK_DIR, &h));
    json_decref(h);
    UAT_ENSURE(c.part[1].len == 0, UAT_ERR_PARSE_BAD_VALUE, CHECK_DIR, "encrypted_key", -1);
    return gcm_open(key, &c, CHECK_DIR, pt);
}
