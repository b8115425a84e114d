/* Self-verifying challenge nonces (docs/service.md §Nonces):
 *
 *   nonce = base64url( random[16] || expiry[8, big-endian seconds] || mac[16] )
 *   mac   = HMAC-SHA256(deployment key, random || expiry)[0:16]
 *
 * 40 bytes, 54 base64url characters without padding. Any replica holding the same deployment key
 * accepts the nonce without shared state; the store's used-nonce table stops a second use. */
#ifndef UAT_SERVICE_NONCE_H
#define UAT_SERVICE_NONCE_H

#include "core/buf.h"

#define UAT_NONCE_KEY_LEN 32u
#define UAT_NONCE_RANDOM_LEN 16u
#define UAT_NONCE_EXPIRY_LEN 8u
#define UAT_NONCE_MAC_LEN 16u
#define UAT_NONCE_RAW_LEN (UAT_NONCE_RANDOM_LEN + UAT_NONCE_EXPIRY_LEN + UAT_NONCE_MAC_LEN)
#define UAT_NONCE_TEXT_LEN 54u /* ceil(40 * 4 / 3) */

/* A nonce from given random bytes and expiry (tests; uat_nonce_issue draws the random bytes). */
UAT_MUST_USE uat_err uat_nonce_make(const uint8_t key[UAT_NONCE_KEY_LEN],
                                    const uint8_t random[UAT_NONCE_RANDOM_LEN], int64_t expires_at,
                                    char out[UAT_NONCE_TEXT_LEN + 1]);
/* A fresh nonce valid until now + ttl. */
UAT_MUST_USE uat_err uat_nonce_issue(const uint8_t key[UAT_NONCE_KEY_LEN], int64_t now, int64_t ttl,
                                     char out[UAT_NONCE_TEXT_LEN + 1], int64_t *expires_at);
/* VERIFY_NONCE unless text is exactly a nonce made with key whose expiry lies after now.
 * The check names which test failed: nonce.format, nonce.mac or nonce.expired. */
UAT_MUST_USE uat_err uat_nonce_check(const uint8_t key[UAT_NONCE_KEY_LEN], const char *text,
                                     size_t n, int64_t now, int64_t *expires_at);

#endif
