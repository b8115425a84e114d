/* Attestation result tokens, internal: what keys.c gives jwt.c, and the caps on token input. */
#ifndef UAT_TOKEN_TOKEN_INT_H
#define UAT_TOKEN_TOKEN_INT_H

#include <jansson.h>

#include "core/buf.h"
#include "uattest/token.h"

/* A kid is an RFC 7638 SHA-256 thumbprint in base64url without padding: 43 characters. */
#define UAT_TOKEN_KID_LEN 43u
#define UAT_TOKEN_MAX_KEYS 32u               /* the current key and the retired ones still kept */
#define UAT_TOKEN_MAX_DIR_FILES 256u         /* files in a key directory */
#define UAT_TOKEN_MAX_KEY_FILE (16u * 1024u) /* one private JWK file, or the index file */
#define UAT_TOKEN_MAX_JWT (256u * 1024u)     /* a compact JWS to verify */
#define UAT_TOKEN_MAX_JWKS (1024u * 1024u)   /* a JWKS document to verify against */
#define UAT_TOKEN_MAX_CLAIMS (192u * 1024u)  /* a claims set to sign (fits UAT_TOKEN_MAX_JWT) */
#define UAT_TOKEN_IAT_LEEWAY 60              /* seconds an iat may lie ahead of the clock */

/* RFC 7638 thumbprint of jwk (SHA-256, base64url) into out. */
UAT_MUST_USE uat_err uat_token_thumbprint(const json_t *jwk, char out[UAT_TOKEN_KID_LEN + 1]);
/* True when the n characters are all of the base64url alphabet (RFC 4648 §5), so no padding. */
int uat_token_is_b64url(const char *s, size_t n);
/* The current private JWK (borrowed from k). */
const json_t *uat_token_keys_current_jwk(const uat_token_keys *k);
struct uat_key;
/* uat_token_sign for a claims object already in memory (the EAR): no text round trip. */
UAT_MUST_USE uat_err uat_token_sign_object(const uat_token_keys *k, const json_t *claims,
                                           int64_t now, int64_t ttl, char **jwt);
/* The current private key for the crypto layer (converted once per current key). */
UAT_MUST_USE uat_err uat_token_keys_signer(const uat_token_keys *k, const struct uat_key **out);
/* Serialises j into a malloc'd NUL-terminated string (free() it) with jansson's flags. */
UAT_MUST_USE uat_err uat_token_json_dump(const json_t *j, size_t flags, char **out, size_t *len);
/* Parses exactly n bytes as one JSON object (duplicate members rejected). */
UAT_MUST_USE uat_err uat_token_json_object(const void *p, size_t n, const char *field,
                                           json_t **out);

/* A key set holding one given private ES256 JWK (JSON text of n bytes): an operator's key. */
UAT_MUST_USE uat_err uat_token_keys_from_jwk(const char *jwk_json, size_t n,
                                             uat_token_keys **out);
/* A compact JWS over the payload object as it is (no iat/exp added): header
 * {"alg":"ES256","typ":typ,"kid":…} (free() the result). */
UAT_MUST_USE uat_err uat_token_jws_sign(const uat_token_keys *k, const char *typ,
                                        const json_t *payload, char **jws);
/* Verifies a compact JWS against a JWKS as uat_token_verify does, without the time claims (the
 * payload need not be a claims set with iat/exp). *payload_json: the payload text (free()). */
UAT_MUST_USE uat_err uat_token_jws_verify(const char *jws, const char *jwks_json,
                                          char **payload_json);

#endif
