/* Self-verifying challenge nonces: the format is in nonce.h and docs/service.md. */
#include "service/nonce.h"

#include <string.h>

#include "core/codec.h"
#include "core/reader.h"
#include "crypto/crypto.h"

static uat_err mac_of(const uint8_t key[UAT_NONCE_KEY_LEN], const uint8_t *msg,
                      uint8_t out[UAT_NONCE_MAC_LEN])
{
    uint8_t full[32];
    uat_span part = uat_span_of(msg, UAT_NONCE_RANDOM_LEN + UAT_NONCE_EXPIRY_LEN);
    UAT_TRY(uat_hmac(UAT_HASH_SHA256, uat_span_of(key, UAT_NONCE_KEY_LEN), &part, 1, full));
    memcpy(out, full, UAT_NONCE_MAC_LEN);
    uat_wipe(full, sizeof(full));
    return UAT_OK;
}

uat_err uat_nonce_make(const uint8_t key[UAT_NONCE_KEY_LEN],
                       const uint8_t random[UAT_NONCE_RANDOM_LEN], int64_t expires_at,
                       char out[UAT_NONCE_TEXT_LEN + 1])
{
    UAT_ENSURE(key != NULL && random != NULL && out != NULL && expires_at >= 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "nonce.make", "", -1);
    uat_buf raw, text;
    uat_buf_init(&raw, UAT_NONCE_RAW_LEN);
    uat_buf_init(&text, 2 * UAT_NONCE_TEXT_LEN); /* room for the encoder's reservation */
    uat_err rc = uat_buf_append(&raw, random, UAT_NONCE_RANDOM_LEN);
    if (rc == UAT_OK) {
        rc = uat_buf_put_u64be(&raw, (uint64_t)expires_at);
    }
    if (rc == UAT_OK) {
        rc = uat_buf_put_zeros(&raw, UAT_NONCE_MAC_LEN);
    }
    if (rc == UAT_OK) {
        rc = mac_of(key, raw.p, raw.p + UAT_NONCE_RANDOM_LEN + UAT_NONCE_EXPIRY_LEN);
    }
    if (rc == UAT_OK) {
        rc = uat_b64_encode(raw.p, raw.len, UAT_B64_URL, &text);
    }
    if (rc == UAT_OK && text.len != UAT_NONCE_TEXT_LEN) {
        rc = UAT_FAIL(UAT_ERR_INTERNAL, "nonce.make", "", -1);
    }
    if (rc == UAT_OK) {
        memcpy(out, text.p, UAT_NONCE_TEXT_LEN);
        out[UAT_NONCE_TEXT_LEN] = '\0';
    }
    uat_buf_free(&raw);
    uat_buf_free(&text);
    return rc;
}

uat_err uat_nonce_issue(const uint8_t key[UAT_NONCE_KEY_LEN], int64_t now, int64_t ttl,
                        char out[UAT_NONCE_TEXT_LEN + 1], int64_t *expires_at)
{
    UAT_ENSURE(ttl > 0 && now >= 0 && now <= INT64_MAX - ttl, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "nonce.issue", "ttl", -1);
    uint8_t random[UAT_NONCE_RANDOM_LEN];
    UAT_TRY(uat_random(random, sizeof(random)));
    UAT_TRY(uat_nonce_make(key, random, now + ttl, out));
    *expires_at = now + ttl;
    return UAT_OK;
}

static uat_err bad(const char *check, const char *detail)
{
    return UAT_FAILF(UAT_ERR_VERIFY_NONCE, check, "nonce", -1, "%s", detail);
}

uat_err uat_nonce_check(const uint8_t key[UAT_NONCE_KEY_LEN], const char *text, size_t n,
                        int64_t now, int64_t *expires_at)
{
    UAT_ENSURE(key != NULL && (text != NULL || n == 0), UAT_ERR_USAGE_INVALID_ARGUMENT,
               "nonce.check", "", -1);
    if (n != UAT_NONCE_TEXT_LEN) {
        return bad("nonce.format", "the nonce is not one this service issued (wrong length)");
    }
    uat_buf raw;
    uat_buf_init(&raw, UAT_NONCE_RAW_LEN);
    if (uat_b64_decode(text, n, UAT_B64_URL, &raw) != UAT_OK || raw.len != UAT_NONCE_RAW_LEN) {
        uat_buf_free(&raw);
        return bad("nonce.format", "the nonce is not one this service issued (not base64url)");
    }
    uat_reader r;
    uat_rd_init(&r, uat_buf_span(&raw), "nonce");
    uint64_t expiry = 0;
    uint8_t want[UAT_NONCE_MAC_LEN];
    uat_span mac = {NULL, 0};
    uat_err rc = uat_rd_skip(&r, UAT_NONCE_RANDOM_LEN, "random");
    rc = rc == UAT_OK ? uat_rd_u64be(&r, "expiry", &expiry) : rc;
    rc = rc == UAT_OK ? uat_rd_span(&r, UAT_NONCE_MAC_LEN, "mac", &mac) : rc;
    rc = rc == UAT_OK ? uat_rd_end(&r) : rc;
    rc = rc == UAT_OK ? mac_of(key, raw.p, want) : rc;
    if (rc == UAT_OK && !uat_ct_equal(mac.p, want, UAT_NONCE_MAC_LEN)) {
        rc = bad("nonce.mac", "the nonce was not issued by this deployment");
    } else if (rc == UAT_OK && (expiry > (uint64_t)INT64_MAX || (int64_t)expiry <= now)) {
        rc = bad("nonce.expired", "the nonce has expired: ask for a new challenge");
    }
    uat_buf_free(&raw);
    if (rc == UAT_OK && expires_at != NULL) {
        *expires_at = (int64_t)expiry;
    }
    return rc;
}
