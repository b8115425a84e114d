/* uattest — unified remote attestation. The umbrella header. */
#ifndef UATTEST_UATTEST_H
#define UATTEST_UATTEST_H

#include "uattest/appraisal.h"
#include "uattest/attester.h"
#include "uattest/audit.h"
#include "uattest/bundle.h"
#include "uattest/channel.h"
#include "uattest/claims.h"
#include "uattest/composite.h"
#include "uattest/err.h"
#include "uattest/evidence.h"
#include "uattest/jinzhao.h"
#include "uattest/ratls.h"
#include "uattest/token.h"
#include "uattest/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

UAT_API const char *uat_version(void);

/* Strict hex to bytes; fails unless the text is 2*n hex digits with n <= cap. */
UAT_API UAT_MUST_USE uat_err uat_hex_to_bytes(const char *hex, uint8_t *out, size_t cap,
                                              size_t *n);
/* RFC 3339 date-time to seconds since the epoch. */
UAT_API UAT_MUST_USE uat_err uat_time_from_rfc3339(const char *text, int64_t *out);
/* The binding of DESIGN.md section 4: out[0:32] = SHA-256(nonce || runtime_data), out[32:64] = 0. */
UAT_API UAT_MUST_USE uat_err uat_report_data_bind(const uint8_t *nonce, size_t nonce_len,
                                                  const uint8_t *runtime_data, size_t rd_len,
                                                  uint8_t out[64]);

#ifdef __cplusplus
}
#endif
#endif
