/* Attestation result tokens as compact JWS (RFC 7515 §7.1) signed ES256 (RFC 7518 §3.4), and
 * their verification against a JWKS (RFC 7517 §5). The rules and the error of each rejection are
 * listed in docs/tokens.md. */
#include <jose/jose.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "evidence/claims_int.h"
#include "token/token_int.h"

#define CHECK_SIGN "token.sign"
#define CHECK_VERIFY "token.verify"
#define ES256_SIG_LEN 64u  /* spec: RFC 7518 §3.4 — R || S, 32 bytes each */
#define P256_COORD_LEN 32u /* spec: RFC 7518 §6.2.1.2 — x and y are the full field size */

int uat_token_is_b64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

/* ---- signing ---- */

/* base64url (no padding) of the compact serialisation of j, into a malloc'd string. */
static uat_err encode_json(const json_t *j, char **out)
{
    uat_buf text, b;
    uat_buf_init(&text, UAT_TOKEN_MAX_CLAIMS);
    uat_buf_init(&b, UAT_TOKEN_MAX_JWT);
    uat_err rc = uat_json_write(j, &text);
    if (rc == UAT_OK) {
        rc = uat_b64_encode(text.p, text.len, UAT_B64_URL, &b);
    }
    uat_buf_free(&text);
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    uint8_t *p = NULL;
    size_t len = 0;
    uat_buf_take(&b, &p, &len);
    *out = (char *)p;
    return UAT_OK;
}

static uat_err encode_header(const uat_token_keys *k, const char *typ, char **out)
{
    json_t *h =
        json_pack("{s:s,s:s,s:s}", "alg", "ES256", "typ", typ, "kid", uat_token_keys_kid(k));
    if (h == NULL) {
        return UAT_NOMEM(CHECK_SIGN);
    }
    uat_err rc = encode_json(h, out);
    json_decref(h);
    return rc;
}

/* "iat" = now; "exp" = now + ttl when ttl > 0. Both replace what the claims set held. */
static uat_err set_times(json_t *claims, int64_t now, int64_t ttl)
{
    if (json_object_set_new(claims, "iat", json_integer(now)) != 0) {
        return UAT_NOMEM(CHECK_SIGN);
    }
    if (ttl > 0 && json_object_set_new(claims, "exp", json_integer(now + ttl)) != 0) {
        return UAT_NOMEM(CHECK_SIGN);
    }
    return UAT_OK;
}

/* spec: RFC 7515 §5.1: the ES256 signature (raw r||s, RFC 7518 §3.4) over ASCII(h64 "." p64) */
static uat_err jws_sign(const uat_token_keys *k, const char *h64, const char *p64, char **jwt)
{
    const uat_key *key = NULL;
    UAT_TRY(uat_token_keys_signer(k, &key));
    size_t hn = strlen(h64), pn = strlen(p64);
    uat_buf input, sig, out;
    uat_buf_init(&input, hn + pn + 1);
    uat_buf_init(&sig, 64);
    uat_buf_init(&out, hn + pn + 100);
    uat_err rc = uat_buf_append(&input, h64, hn);
    rc = rc == UAT_OK ? uat_buf_append(&input, ".", 1) : rc;
    rc = rc == UAT_OK ? uat_buf_append(&input, p64, pn) : rc;
    rc = rc == UAT_OK ? uat_sig_sign(key, UAT_SIG_ES256, uat_buf_span(&input), &sig) : rc;
    rc = rc == UAT_OK ? uat_buf_append(&out, input.p, input.len) : rc;
    rc = rc == UAT_OK ? uat_buf_append(&out, ".", 1) : rc;
    rc = rc == UAT_OK ? uat_b64_encode(sig.p, sig.len, UAT_B64_URL, &out) : rc;
    if (rc == UAT_OK) {
        uint8_t *p = NULL;
        size_t n = 0;
        uat_buf_take(&out, &p, &n);
        *jwt = (char *)p;
    }
    uat_buf_free(&input);
    uat_buf_free(&sig);
    uat_buf_free(&out);
    return rc;
}

/* Signs a claims object (not modified: iat/exp go on a shallow copy). */
uat_err uat_token_sign_object(const uat_token_keys *k, const json_t *claims_in, int64_t now,
                              int64_t ttl, char **jwt)
{
    UAT_ENSURE(k != NULL && json_is_object(claims_in) && jwt != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_SIGN, "", -1);
    UAT_ENSURE(ttl <= 0 || now <= INT64_MAX - ttl, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_SIGN,
               "ttl", -1);
    json_t *claims = json_copy((json_t *)claims_in);
    if (claims == NULL) {
        return UAT_NOMEM(CHECK_SIGN);
    }
    char *h64 = NULL;
    char *p64 = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, set_times(claims, now, ttl), out);
    UAT_TRY_GOTO(rc, encode_header(k, "JWT", &h64), out);
    UAT_TRY_GOTO(rc, encode_json(claims, &p64), out);
    rc = jws_sign(k, h64, p64, jwt);
out:
    json_decref(claims);
    free(h64);
    free(p64);
    return rc;
}

uat_err uat_token_jws_sign(const uat_token_keys *k, const char *typ, const json_t *payload,
                           char **jws)
{
    UAT_ENSURE(k != NULL && typ != NULL && json_is_object(payload) && jws != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_SIGN, "", -1);
    char *h64 = NULL;
    char *p64 = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, encode_header(k, typ, &h64), out);
    UAT_TRY_GOTO(rc, encode_json(payload, &p64), out);
    rc = jws_sign(k, h64, p64, jws);
out:
    free(h64);
    free(p64);
    return rc;
}

uat_err uat_token_sign(const uat_token_keys *k, const char *claims_json, int64_t now, int64_t ttl,
                       char **jwt)
{
    UAT_ENSURE(k != NULL && claims_json != NULL && jwt != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_SIGN, "", -1);
    size_t n = strnlen(claims_json, UAT_TOKEN_MAX_CLAIMS + 1);
    UAT_ENSURE(n <= UAT_TOKEN_MAX_CLAIMS, UAT_ERR_RESOURCE_LIMIT, CHECK_SIGN, "claims", -1);
    json_t *claims = NULL;
    UAT_TRY(uat_token_json_object(claims_json, n, "claims", &claims));
    uat_err rc = uat_token_sign_object(k, claims, now, ttl, jwt);
    json_decref(claims);
    return rc;
}

/* ---- verification ---- */

typedef struct jwt_parts {
    uat_span text[3]; /* base64url of the header, the payload and the signature */
    int64_t off[3];   /* where each starts in the token */
    json_t *header;
    json_t *payload;
    char *payload_text;
    uat_buf sig;
} jwt_parts;

static void parts_free(jwt_parts *t)
{
    json_decref(t->header);
    json_decref(t->payload);
    free(t->payload_text);
    uat_buf_free(&t->sig);
}

/* spec: RFC 7515 §7.1 — exactly three parts separated by two periods. */
static uat_err split(const char *jwt, size_t n, jwt_parts *t)
{
    size_t start = 0;
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && jwt[i] != '.') {
            continue;
        }
        UAT_ENSURE(k < 3, UAT_ERR_PARSE_BAD_ENCODING, CHECK_VERIFY, "compact", (int64_t)i);
        t->text[k] = uat_span_of(jwt + start, i - start);
        t->off[k] = (int64_t)start;
        k++;
        start = i + 1;
    }
    UAT_ENSURE(k == 3, UAT_ERR_PARSE_BAD_ENCODING, CHECK_VERIFY, "compact", (int64_t)n);
    return UAT_OK;
}

/* spec: RFC 7515 §2 — base64url without padding; the decoder also wants canonical last bits. */
static uat_err decode_part(const jwt_parts *t, size_t i, const char *field, uat_buf *out)
{
    const char *s = (const char *)t->text[i].p;
    size_t n = t->text[i].len;
    UAT_ENSURE(uat_token_is_b64url(s, n), UAT_ERR_PARSE_BAD_ENCODING, CHECK_VERIFY, field,
               t->off[i]);
    if (uat_b64_decode(s, n, UAT_B64_URL, out) != UAT_OK) {
        return UAT_FAIL(UAT_ERR_PARSE_BAD_ENCODING, CHECK_VERIFY, field, t->off[i]);
    }
    return UAT_OK;
}

static uat_err parse_payload(jwt_parts *t, const uat_buf *pb)
{
    /* the claims go back as a C string: an embedded NUL would cut them short */
    UAT_ENSURE(pb->len == 0 || memchr(pb->p, 0, pb->len) == NULL, UAT_ERR_PARSE_BAD_JSON,
               CHECK_VERIFY, "payload", t->off[1]);
    UAT_TRY(uat_token_json_object(pb->p, pb->len, "payload", &t->payload));
    t->payload_text = uat_strndup((const char *)pb->p, pb->len);
    if (t->payload_text == NULL) {
        return UAT_NOMEM(CHECK_VERIFY);
    }
    return UAT_OK;
}

static uat_err parse_compact(const char *jwt, jwt_parts *t)
{
    size_t n = strnlen(jwt, UAT_TOKEN_MAX_JWT + 1);
    UAT_ENSURE(n <= UAT_TOKEN_MAX_JWT, UAT_ERR_RESOURCE_LIMIT, CHECK_VERIFY, "jwt", -1);
    UAT_TRY(split(jwt, n, t));
    uat_buf hb;
    uat_buf pb;
    uat_buf_init(&hb, UAT_TOKEN_MAX_JWT);
    uat_buf_init(&pb, UAT_TOKEN_MAX_JWT);
    uat_err rc;
    UAT_TRY_GOTO(rc, decode_part(t, 0, "header", &hb), out);
    UAT_TRY_GOTO(rc, decode_part(t, 1, "payload", &pb), out);
    UAT_TRY_GOTO(rc, decode_part(t, 2, "signature", &t->sig), out);
    UAT_TRY_GOTO(rc, uat_token_json_object(hb.p, hb.len, "header", &t->header), out);
    rc = parse_payload(t, &pb);
out:
    uat_buf_free(&hb);
    uat_buf_free(&pb);
    return rc;
}

static uat_err check_header(const json_t *h, const char **kid)
{
    json_t *alg = json_object_get(h, "alg");
    UAT_ENSURE(json_is_string(alg), UAT_ERR_PARSE_BAD_JSON, CHECK_VERIFY, "alg", -1);
    /* spec: RFC 8725 §3.1 — one algorithm, fixed by the verifier: never "none", never an HMAC
     * that an attacker could key with the public key, never what the header asks for */
    if (strcmp(json_string_value(alg), "ES256") != 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK_VERIFY, "alg", -1,
                         "alg \"%.32s\" is not ES256", json_string_value(alg));
    }
    /* spec: RFC 7515 §4.1.11 — no extension is understood here, so any "crit" is invalid */
    UAT_ENSURE(json_object_get(h, "crit") == NULL, UAT_ERR_PARSE_BAD_VALUE, CHECK_VERIFY, "crit",
               -1);
    json_t *k = json_object_get(h, "kid");
    UAT_ENSURE(json_is_string(k), UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_VERIFY, "kid", -1);
    *kid = json_string_value(k);
    return UAT_OK;
}

static bool member_is(const json_t *o, const char *name, const char *value)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL && strcmp(s, value) == 0;
}

static uat_err check_coord(const json_t *jwk, const char *name)
{
    json_t *c = json_object_get(jwk, name);
    UAT_ENSURE(json_is_string(c), UAT_ERR_CRYPTO_BAD_KEY, CHECK_VERIFY, name, -1);
    uat_buf b;
    uat_buf_init(&b, 2 * P256_COORD_LEN);
    const char *s = json_string_value(c);
    size_t n = json_string_length(c);
    bool ok = uat_token_is_b64url(s, n) && uat_b64_decode(s, n, UAT_B64_URL, &b) == UAT_OK &&
              b.len == P256_COORD_LEN;
    uat_buf_free(&b);
    UAT_ENSURE(ok, UAT_ERR_CRYPTO_BAD_KEY, CHECK_VERIFY, name, -1);
    return UAT_OK;
}

/* A clean public JWK for libjose, built from the selected JWKS entry's x and y alone: nothing
 * else of the entry ("d", "key_ops", a different "alg") can reach the verification. */
static uat_err verification_key(const json_t *e, json_t **out)
{
    /* spec: RFC 7518 §3.4 — ES256 is ECDSA on P-256 only */
    UAT_ENSURE(member_is(e, "kty", "EC") && member_is(e, "crv", "P-256"),
               UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_VERIFY, "crv", -1);
    UAT_ENSURE(json_object_get(e, "alg") == NULL || member_is(e, "alg", "ES256"),
               UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_VERIFY, "alg", -1);
    UAT_ENSURE(json_object_get(e, "use") == NULL || member_is(e, "use", "sig"),
               UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_VERIFY, "use", -1);
    UAT_TRY(check_coord(e, "x"));
    UAT_TRY(check_coord(e, "y"));
    json_t *key = json_pack("{s:s,s:s,s:O,s:O,s:s}", "kty", "EC", "crv", "P-256", "x",
                            json_object_get(e, "x"), "y", json_object_get(e, "y"), "alg", "ES256");
    if (key == NULL) {
        return UAT_NOMEM(CHECK_VERIFY);
    }
    *out = key;
    return UAT_OK;
}

/* The kid must name exactly one key of the set: two entries with one kid are ambiguous. */
static uat_err find_kid(const json_t *keys, const char *kid, const json_t **out)
{
    const json_t *found = NULL;
    size_t matches = 0;
    size_t i;
    json_t *e;
    json_array_foreach(keys, i, e)
    {
        if (member_is(e, "kid", kid)) {
            found = e;
            matches++;
        }
    }
    if (matches != 1) {
        return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK_VERIFY, "kid", -1,
                         "%zu keys of the JWKS have kid \"%.64s\"", matches, kid);
    }
    *out = found;
    return UAT_OK;
}

static uat_err select_key(const char *jwks_json, const char *kid, json_t **out)
{
    size_t n = strnlen(jwks_json, UAT_TOKEN_MAX_JWKS + 1);
    UAT_ENSURE(n <= UAT_TOKEN_MAX_JWKS, UAT_ERR_RESOURCE_LIMIT, CHECK_VERIFY, "jwks", -1);
    json_t *set = NULL;
    UAT_TRY(uat_token_json_object(jwks_json, n, "jwks", &set));
    /* spec: RFC 7517 §5 — a JWK Set is an object whose "keys" member is an array of JWKs */
    json_t *keys = json_object_get(set, "keys");
    const json_t *entry = NULL;
    uat_err rc;
    UAT_ENSURE_GOTO(rc, json_is_array(keys), UAT_ERR_PARSE_BAD_JSON, CHECK_VERIFY, "keys", -1,
                    done);
    UAT_TRY_GOTO(rc, find_kid(keys, kid, &entry), done);
    rc = verification_key(entry, out);
done:
    json_decref(set);
    return rc;
}

static uat_err check_signature(const jwt_parts *t, const json_t *key)
{
    UAT_ENSURE(t->sig.len == ES256_SIG_LEN, UAT_ERR_VERIFY_SIGNATURE, CHECK_VERIFY, "signature",
               t->off[2]);
    json_t *jws = json_pack("{s:s%,s:s%,s:s%}", "protected", (const char *)t->text[0].p,
                            t->text[0].len, "payload", (const char *)t->text[1].p, t->text[1].len,
                            "signature", (const char *)t->text[2].p, t->text[2].len);
    if (jws == NULL) {
        return UAT_NOMEM(CHECK_VERIFY);
    }
    /* spec: RFC 7515 §5.2 — over ASCII(header64 || '.' || payload64), as received */
    bool ok = jose_jws_ver(NULL, jws, NULL, key, false);
    json_decref(jws);
    UAT_ENSURE(ok, UAT_ERR_VERIFY_SIGNATURE, CHECK_VERIFY, "signature", t->off[2]);
    return UAT_OK;
}

/* A NumericDate claim: absent, or an integer (fractions are not accepted here). */
static uat_err time_claim(const json_t *claims, const char *name, bool *present, int64_t *v)
{
    json_t *j = json_object_get(claims, name);
    *present = j != NULL;
    *v = 0;
    if (j == NULL) {
        return UAT_OK;
    }
    UAT_ENSURE(json_is_integer(j), UAT_ERR_PARSE_BAD_JSON, CHECK_VERIFY, name, -1);
    *v = (int64_t)json_integer_value(j);
    return UAT_OK;
}

static uat_err check_times(const json_t *claims, int64_t now)
{
    bool has = false;
    int64_t v = 0;
    /* spec: RFC 7519 §4.1.4; required here: a token without "exp" would never expire */
    UAT_TRY(time_claim(claims, "exp", &has, &v));
    UAT_ENSURE(has, UAT_ERR_VERIFY_EXPIRED, CHECK_VERIFY, "exp", -1);
    UAT_ENSURE(v > now, UAT_ERR_VERIFY_EXPIRED, CHECK_VERIFY, "exp", -1);
    /* spec: RFC 7519 §4.1.5 */
    UAT_TRY(time_claim(claims, "nbf", &has, &v));
    UAT_ENSURE(!has || v <= now, UAT_ERR_VERIFY_EXPIRED, CHECK_VERIFY, "nbf", -1);
    /* spec: RFC 7519 §4.1.6; iat - now computed unsigned: it cannot overflow when iat > now */
    UAT_TRY(time_claim(claims, "iat", &has, &v));
    UAT_ENSURE(!has || v <= now || (uint64_t)v - (uint64_t)now <= UAT_TOKEN_IAT_LEEWAY,
               UAT_ERR_VERIFY_EXPIRED, CHECK_VERIFY, "iat", -1);
    return UAT_OK;
}

/* The checks of a JWS; with check_time, also those of the time claims at now. */
static uat_err jws_verify(const char *jwt, const char *jwks_json, int check_time, int64_t now,
                          char **claims_json)
{
    UAT_ENSURE(jwt != NULL && jwks_json != NULL && claims_json != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_VERIFY, "", -1);
    jwt_parts t;
    memset(&t, 0, sizeof(t));
    uat_buf_init(&t.sig, UAT_TOKEN_MAX_JWT);
    json_t *key = NULL;
    const char *kid = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, parse_compact(jwt, &t), out);
    UAT_TRY_GOTO(rc, check_header(t.header, &kid), out);
    UAT_TRY_GOTO(rc, select_key(jwks_json, kid, &key), out);
    UAT_TRY_GOTO(rc, check_signature(&t, key), out);
    if (check_time) {
        UAT_TRY_GOTO(rc, check_times(t.payload, now), out);
    }
    *claims_json = t.payload_text;
    t.payload_text = NULL;
out:
    parts_free(&t);
    json_decref(key);
    return rc;
}

uat_err uat_token_verify(const char *jwt, const char *jwks_json, int64_t now, char **claims_json)
{
    return jws_verify(jwt, jwks_json, 1, now, claims_json);
}

uat_err uat_token_jws_verify(const char *jws, const char *jwks_json, char **payload_json)
{
    return jws_verify(jws, jwks_json, 0, 0, payload_json);
}
