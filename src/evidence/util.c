/* Small public helpers the CLI, service and agent share. */
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "uattest/uattest.h"

const char *uat_version(void)
{
    return UAT_VERSION;
}

uat_err uat_hex_to_bytes(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
    UAT_ENSURE(hex != NULL && out != NULL && n != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "hex", "",
               -1);
    size_t len = strlen(hex);
    UAT_ENSURE(len / 2 <= cap, UAT_ERR_USAGE_INVALID_ARGUMENT, "hex", "", -1);
    UAT_TRY(uat_hex_decode_fixed(hex, len, out, len / 2 + len % 2));
    *n = len / 2;
    return UAT_OK;
}

uat_err uat_time_from_rfc3339(const char *text, int64_t *out)
{
    UAT_ENSURE(text != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "rfc3339", "", -1);
    return uat_time_parse(text, strlen(text), out);
}

uat_err uat_report_data_bind(const uint8_t *nonce, size_t nonce_len, const uint8_t *runtime_data,
                             size_t rd_len, uint8_t out[64])
{
    UAT_ENSURE((nonce != NULL || nonce_len == 0) && (runtime_data != NULL || rd_len == 0),
               UAT_ERR_USAGE_INVALID_ARGUMENT, "binding", "", -1);
    uat_span parts[2] = {uat_span_of(nonce, nonce_len), uat_span_of(runtime_data, rd_len)};
    uint8_t digest[32];
    UAT_TRY(uat_hash(UAT_HASH_SHA256, parts, 2, digest));
    memcpy(out, digest, sizeof(digest));
    memset(out + 32, 0, 32);
    return UAT_OK;
}
