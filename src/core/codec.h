/* Text codecs for untrusted input: hex, base64 (RFC 4648 §4) and base64url (§5), RFC 3339 time. */
#ifndef UAT_CORE_CODEC_H
#define UAT_CORE_CODEC_H

#include "core/buf.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void uat_hex_encode(const uint8_t *p, size_t n, char *out);
/* Appends the lower-case hex of n bytes to b (NUL-terminated, not counted). */
UAT_MUST_USE uat_err uat_hex_encode_buf(const uint8_t *p, size_t n, uat_buf *b);
/* Strict: even length, [0-9a-fA-F] only, no prefix, no spaces. */
UAT_MUST_USE uat_err uat_hex_decode(const char *s, size_t slen, uat_buf *out);
/* Decodes exactly n bytes into out (slen must be 2n). */
UAT_MUST_USE uat_err uat_hex_decode_fixed(const char *s, size_t slen, uint8_t *out, size_t n);

enum uat_b64 {
    UAT_B64_STD,  /* RFC 4648 §4, padding required */
    UAT_B64_URL,  /* RFC 4648 §5, padding optional (absent when encoding) */
};
/* Appends the encoding to b (NUL-terminated, not counted in b->len). */
UAT_MUST_USE uat_err uat_b64_encode(const uint8_t *p, size_t n, enum uat_b64 v, uat_buf *b);
/* Strict: no whitespace, canonical trailing bits, padding per variant. Appends to out. */
UAT_MUST_USE uat_err uat_b64_decode(const char *s, size_t slen, enum uat_b64 v, uat_buf *out);

/* Appends der as PEM (RFC 7468) with the given label ("CERTIFICATE") to out. */
UAT_MUST_USE uat_err uat_pem_encode(const char *label, uat_span der, uat_buf *out);

/* Seconds since 1970-01-01T00:00:00Z. */
typedef int64_t uat_time;
/* An evaluation time that checks no validity period (certificates, CRLs, collateral dates): given
 * to verifiers only by the verifier's jinzhao migration switch, whose result says so
 * (uat_verifier_set_jinzhao_lax_insecure). */
#define UAT_TIME_UNCHECKED INT64_MIN
/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); fraction truncated. */
UAT_MUST_USE uat_err uat_time_parse(const char *s, size_t slen, uat_time *out);
/* "YYYY-MM-DDTHH:MM:SSZ" into out (at least 32 bytes); years 0000..9999 only. */
UAT_MUST_USE uat_err uat_time_format(uat_time t, char out[32]);
/* Days since the epoch of a proleptic Gregorian date (no range checks). */
int64_t uat_days_from_civil(int64_t y, unsigned m, unsigned d);
uat_time uat_time_now(void);

#endif
