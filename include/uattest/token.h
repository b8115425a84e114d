/* Attestation result tokens: EAR (draft-ietf-rats-ear) as a JWT signed ES256, keys as a JWKS. */
#ifndef UATTEST_TOKEN_H
#define UATTEST_TOKEN_H

#include "uattest/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The verifier's signing keys: one current ES256 (P-256) key and retired keys that stay published
 * in the JWKS until the tokens they signed have expired. */
typedef struct uat_token_keys uat_token_keys;

/* Loads the key set from dir (created with one fresh key when it does not exist yet; private keys
 * are written mode 0600, atomically). */
UAT_API UAT_MUST_USE uat_err uat_token_keys_open(const char *dir, uat_token_keys **out);
/* A key set held in memory only, with one fresh key. */
UAT_API UAT_MUST_USE uat_err uat_token_keys_new(uat_token_keys **out);
UAT_API void uat_token_keys_free(uat_token_keys *k);
/* Makes a fresh key current; the old one is retired and dropped from the JWKS after
 * retire_after seconds (the longest token lifetime). Persists when opened from a directory. */
UAT_API UAT_MUST_USE uat_err uat_token_keys_rotate(uat_token_keys *k, int64_t now,
                                                   int64_t retire_after);
/* The current key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url). */
UAT_API const char *uat_token_keys_kid(const uat_token_keys *k);
/* The public keys as a JWKS document (JSON text; free()). Retired keys past retirement are left out. */
UAT_API UAT_MUST_USE uat_err uat_token_keys_jwks(const uat_token_keys *k, int64_t now, char **out);

/* Signs a JSON claims set (the EAR) as a compact JWS: header {"alg":"ES256","typ":"JWT","kid":…};
 * sets "iat" = now and "exp" = now + ttl when ttl > 0 (free() the result). The first signature
 * with a new current key converts it; after that, threads may sign with one set concurrently as
 * long as none rotates it. */
UAT_API UAT_MUST_USE uat_err uat_token_sign(const uat_token_keys *k, const char *claims_json,
                                            int64_t now, int64_t ttl, char **jwt);
/* Verifies a compact JWS against a JWKS: alg must be ES256 (none, HS*, others rejected), the kid
 * must name a key of the set, the signature must verify, exp > now >= nbf (when present) and
 * iat <= now + 60. On success *claims_json holds the payload (free()). */
UAT_API UAT_MUST_USE uat_err uat_token_verify(const char *jwt, const char *jwks_json, int64_t now,
                                              char **claims_json);

#ifdef __cplusplus
}
#endif
#endif
