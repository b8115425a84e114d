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

#endif
