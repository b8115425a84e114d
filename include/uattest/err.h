/* uattest — the single error table.
 *
 * Every error is one row of UAT_ERR_TABLE: its enum name, its category, its
 * number inside the category, the HTTP status the service answers with and a
 * one-sentence message. The enum, the names, the messages, the CLI exit codes
 * and the HTTP statuses are all generated from this table, so the library, the
 * CLI and the service never disagree. Rows are appended, never renumbered.
 */
#ifndef UATTEST_ERR_H
#define UATTEST_ERR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define UAT_MUST_USE __attribute__((warn_unused_result))
#define UAT_API __attribute__((visibility("default")))
#else
#define UAT_MUST_USE
#define UAT_API
#endif

/* Categories live in the high byte of the 16-bit error value. */
#define UAT_CAT_SHIFT 8
enum uat_err_category {
    UAT_CAT_OK = 0,
    UAT_CAT_USAGE = 1,
    UAT_CAT_PARSE = 2,
    UAT_CAT_VERIFY = 3,
    UAT_CAT_PLATFORM = 4,
    UAT_CAT_IO = 5,
    UAT_CAT_CRYPTO = 6,
    UAT_CAT_RESOURCE = 7,
    UAT_CAT_UNSUPPORTED = 8,
    UAT_CAT_INTERNAL = 9,
};

/* X(name, category, number, http_status, message) */
#define UAT_ERR_TABLE(X)                                                                           \
    X(OK, OK, 0, 200, "success")                                                                   \
    X(USAGE_INVALID_ARGUMENT, USAGE, 1, 400, "an argument is missing or has an invalid value")    \
    X(USAGE_BAD_STATE, USAGE, 2, 409, "the object is not in a state that allows this call")        \
    X(USAGE_NO_TRUST_ANCHOR, USAGE, 3, 400, "no trust anchor is configured for this evidence")     \
    X(PARSE_TRUNCATED, PARSE, 1, 400, "the input ends before a field it must contain")             \
    X(PARSE_TRAILING_BYTES, PARSE, 2, 400, "the input has bytes left after its last field")        \
    X(PARSE_BAD_LENGTH, PARSE, 3, 400, "a length field is out of range for its container")         \
    X(PARSE_BAD_VALUE, PARSE, 4, 400, "a field holds a value the specification does not allow")   \
    X(PARSE_RESERVED_NONZERO, PARSE, 5, 400, "a reserved field is not zero")                       \
    X(PARSE_BAD_ENCODING, PARSE, 6, 400, "the text is not valid hex, base64 or time syntax")       \
    X(PARSE_BAD_JSON, PARSE, 7, 400, "the input is not well-formed JSON of the expected shape")    \
    X(PARSE_BAD_CBOR, PARSE, 8, 400, "the input is not well-formed CBOR of the expected shape")    \
    X(PARSE_BAD_MAGIC, PARSE, 9, 400, "the input does not start with the expected magic value")    \
    X(PARSE_BAD_VERSION, PARSE, 10, 400, "the structure version is not one this verifier knows")   \
    X(PARSE_TOO_DEEP, PARSE, 11, 400, "the input nests deeper than the allowed limit")             \
    X(PARSE_BAD_CERT, PARSE, 12, 400, "a certificate, CRL or key cannot be decoded")               \
    X(VERIFY_SIGNATURE, VERIFY, 1, 403, "a signature does not verify with the expected key")       \
    X(VERIFY_UNTRUSTED_KEY, VERIFY, 2, 403, "the signing key does not chain to a configured trust anchor") \
    X(VERIFY_CHAIN, VERIFY, 3, 403, "the certificate chain does not verify to a trust anchor")    \
    X(VERIFY_REVOKED, VERIFY, 4, 403, "a certificate in the chain is revoked")                     \
    X(VERIFY_EXPIRED, VERIFY, 5, 403, "a certificate or collateral is not valid at the evaluation time") \
    X(VERIFY_BINDING, VERIFY, 6, 403, "the evidence is not bound to the expected report data or nonce") \
    X(VERIFY_MEASUREMENT, VERIFY, 7, 403, "a measurement does not match its expected value")       \
    X(VERIFY_TCB, VERIFY, 8, 403, "the platform TCB is not acceptable")                            \
    X(VERIFY_COLLATERAL, VERIFY, 9, 403, "the collateral needed to verify the evidence is missing or invalid") \
    X(VERIFY_POLICY, VERIFY, 10, 403, "the evidence does not satisfy the appraisal policy")       \
    X(VERIFY_NONCE, VERIFY, 11, 403, "the nonce is unknown, expired or already used")              \
    X(PLATFORM_NO_TEE, PLATFORM, 1, 503, "no supported TEE was detected on this machine")          \
    X(PLATFORM_DEVICE, PLATFORM, 2, 503, "the TEE device or interface failed")                     \
    X(IO_READ, IO, 1, 500, "a file or stream cannot be read")                                      \
    X(IO_WRITE, IO, 2, 500, "a file or stream cannot be written")                                  \
    X(IO_NOT_FOUND, IO, 3, 404, "a file or directory does not exist")                              \
    X(IO_NETWORK, IO, 4, 502, "a network peer cannot be reached or answered badly")                \
    X(CRYPTO_FAILURE, CRYPTO, 1, 500, "the cryptographic library reported an error")               \
    X(CRYPTO_BAD_KEY, CRYPTO, 2, 400, "a key has the wrong type, curve or size")                   \
    X(CRYPTO_RANDOM, CRYPTO, 3, 500, "random bytes could not be generated")                        \
    X(RESOURCE_NO_MEMORY, RESOURCE, 1, 500, "memory could not be allocated")                       \
    X(RESOURCE_LIMIT, RESOURCE, 2, 413, "the input exceeds a configured size or count limit")      \
    X(UNSUPPORTED_TEE, UNSUPPORTED, 1, 415, "the evidence type or TEE is not supported")          \
    X(UNSUPPORTED_ALGORITHM, UNSUPPORTED, 2, 415, "the algorithm is not supported")               \
    X(UNSUPPORTED_FEATURE, UNSUPPORTED, 3, 501, "the feature is not supported by this build")      \
    X(INTERNAL, INTERNAL, 1, 500, "an internal error occurred")                                    \
    X(USAGE_UNAUTHENTICATED, USAGE, 4, 401, "the request needs credentials: send Authorization: Bearer <token>") \
    X(USAGE_FORBIDDEN, USAGE, 5, 403, "the credentials given do not allow this request")           \
    X(USAGE_NOT_FOUND, USAGE, 6, 404, "the requested object or route does not exist")              \
    X(USAGE_METHOD, USAGE, 7, 405, "the method is not allowed on this route")                     \
    X(UNSUPPORTED_NO_COMMON_MECHANISM, UNSUPPORTED, 4, 415, "the peers share no attestation mechanism that one can produce and the other can verify") \
    X(IO_PEER_ALERT, IO, 5, 502, "the peer ended the channel with an alert naming the check that failed on its side") \
    X(VERIFY_AUDIT, VERIFY, 12, 409, "an audit record was changed, removed or inserted: the hash chain breaks there")

#define UAT_ERR_ENUM_ROW(name, cat, num, http, msg)                                                \
    UAT_ERR_##name = (UAT_CAT_##cat << UAT_CAT_SHIFT) | (num),
typedef enum uat_err { UAT_ERR_TABLE(UAT_ERR_ENUM_ROW) } uat_err;
#undef UAT_ERR_ENUM_ROW
#define UAT_OK UAT_ERR_OK

/* Detail of the last error recorded on this thread. */
typedef struct uat_error_detail {
    uat_err err;
    const char *check;  /* the failed check, e.g. "sim.signature" (a copy: valid until the next error) */
    const char *field;  /* the field, e.g. "report_data", or "" (likewise a copy) */
    int64_t offset;     /* byte offset in the input, or -1 */
    const char *file;   /* source file:line that recorded the error */
    int line;
    char message[256];  /* extra detail, may be empty */
} uat_error_detail;

UAT_API const char *uat_err_name(uat_err e);     /* "VERIFY_SIGNATURE" */
UAT_API const char *uat_err_message(uat_err e);  /* one sentence */
UAT_API int uat_err_http_status(uat_err e);
UAT_API int uat_err_exit_code(uat_err e);        /* 0 for OK, else category + 1 (USAGE 2 ... INTERNAL 10) */
UAT_API enum uat_err_category uat_err_category(uat_err e);
UAT_API const char *uat_err_category_name(enum uat_err_category c); /* "VERIFY" */
UAT_API uat_err uat_err_from_name(const char *name);                /* UAT_ERR_INTERNAL if unknown */

/* Last error on this thread; never NULL. */
UAT_API const uat_error_detail *uat_last_error(void);
/* Formats "message (check X, field Y, offset Z): detail" into buf. */
UAT_API size_t uat_error_format(const uat_error_detail *d, char *buf, size_t len);
UAT_API void uat_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
