/* Compact JWE (RFC 7516 §7.1) to a public key: how the service releases a secret to the key a
 * workload bound into its evidence. Internal to the library (the service links it). */
#ifndef UAT_TOKEN_JWE_H
#define UAT_TOKEN_JWE_H

#include "core/buf.h"
#include "core/codec.h"

#define UAT_JWE_MAX_PLAINTEXT (64u * 1024u) /* one released secret */

/* Encrypts pt to the public key given as DER SubjectPublicKeyInfo. The key decides the algorithm
 * (RFC 7518): EC P-256/P-384/P-521 -> "ECDH-ES+A256KW" (§4.6), RSA of at least 2048 bits ->
 * "RSA-OAEP-256" (§4.3); content encryption "A256GCM" (§5.3) in every case. Every header member
 * (alg, enc, epk) is in the protected header, as the compact serialization requires.
 * On success *out is the NUL-terminated compact JWE (free()). */
UAT_MUST_USE uat_err uat_jwe_encrypt_spki(uat_span spki_der, const uint8_t *pt, size_t n,
                                          char **out);

/* ---- the receiving side (uattest-agent): a key that never leaves the process ---- */

/* A P-256 key pair for ECDH-ES+A256KW, held in memory only. */
typedef struct uat_jwe_key uat_jwe_key;
UAT_MUST_USE uat_err uat_jwe_key_generate(uat_jwe_key **out);
void uat_jwe_key_free(uat_jwe_key *k); /* wipes the private part */
/* The public JWK {"kty","crv","x","y"} as compact JSON text (free()). */
UAT_MUST_USE uat_err uat_jwe_key_public(const uat_jwe_key *k, char **out);
/* Opens a compact JWE made by uat_jwe_encrypt_spki for k's public key: only "ECDH-ES+A256KW"
 * with "A256GCM" is accepted (RFC 8725 §3.1: the recipient fixes the algorithms). The plaintext
 * is appended to pt (at most UAT_JWE_MAX_PLAINTEXT bytes). PARSE_* for a malformed JWE,
 * UNSUPPORTED_ALGORITHM for another alg/enc, VERIFY_SIGNATURE when it does not decrypt. */
UAT_MUST_USE uat_err uat_jwe_decrypt(const uat_jwe_key *k, const char *jwe, size_t n, uat_buf *pt);

/* ---- sealing with a symmetric key (the agent's resource-key sealing) ---- */

#define UAT_JWE_DIR_KEY_LEN 32u /* A256GCM */
#define UAT_JWE_MAX_KID 256u
/* A compact JWE {"alg":"dir","enc":"A256GCM","kid":kid} (RFC 7518 §4.5, §5.3) of pt under key:
 * what `jose jwe dec` opens with {"kty":"oct","k":base64url(key)}. *out: free(). */
UAT_MUST_USE uat_err uat_jwe_seal_dir(const uint8_t key[UAT_JWE_DIR_KEY_LEN], const char *kid,
                                      const uint8_t *pt, size_t n, char **out);
/* The kid of a "dir" + "A256GCM" compact JWE (which key to open it with): *kid malloc'd. */
UAT_MUST_USE uat_err uat_jwe_dir_kid(const char *jwe, size_t n, char **kid);
/* Opens a uat_jwe_seal_dir JWE; appends the plaintext to pt. VERIFY_SIGNATURE when the key is
 * wrong or a byte was changed. */
UAT_MUST_USE uat_err uat_jwe_open_dir(const uint8_t key[UAT_JWE_DIR_KEY_LEN], const char *jwe,
                                      size_t n, uat_buf *pt);

#endif
