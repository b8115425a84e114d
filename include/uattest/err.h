/* uattest — the single error table.
 *
 * Every error is one row of UAT_ERR_TABLE: its enum name, its category, its
 * number inside the category, the HTTP status the service answers with and a
 * one-sentence message, plus a one-sentence remedy. The enum, the names, the
 * messages, the remedies, the CLI exit codes
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

/* X(name, category, number, http_status, message, remedy): the remedy is one sentence telling
 * the user what to do about the error (the explanation of a verification shows it). */
#define UAT_ERR_TABLE(X)                                                                           \
    X(OK, OK, 0, 200, "success", "Nothing to do.")                                                                   \
    X(USAGE_INVALID_ARGUMENT, USAGE, 1, 400, "an argument is missing or has an invalid value", "Check the command line or request against the documentation and pass the missing or corrected value.")    \
    X(USAGE_BAD_STATE, USAGE, 2, 409, "the object is not in a state that allows this call", "Finish or redo the step this call depends on (e.g. fetch a fresh challenge) and call again.")        \
    X(USAGE_NO_TRUST_ANCHOR, USAGE, 3, 400, "no trust anchor is configured for this evidence", "Put the vendor root certificate or key into <trust dir>/<tee>/ and pass --trust (or set UATTEST_TRUST_DIR).")     \
    X(PARSE_TRUNCATED, PARSE, 1, 400, "the input ends before a field it must contain", "Send the complete evidence: it was cut short in transit or by the producer.")             \
    X(PARSE_TRAILING_BYTES, PARSE, 2, 400, "the input has bytes left after its last field", "Send exactly one piece of evidence with nothing appended.")        \
    X(PARSE_BAD_LENGTH, PARSE, 3, 400, "a length field is out of range for its container", "Regenerate the evidence: a length field disagrees with its container.")         \
    X(PARSE_BAD_VALUE, PARSE, 4, 400, "a field holds a value the specification does not allow", "Regenerate the evidence with a producer that follows the specification for the named field.")   \
    X(PARSE_RESERVED_NONZERO, PARSE, 5, 400, "a reserved field is not zero", "Regenerate the evidence with a producer that leaves reserved fields zero.")                       \
    X(PARSE_BAD_ENCODING, PARSE, 6, 400, "the text is not valid hex, base64 or time syntax", "Re-encode the value as the format requires (hex, base64url or RFC 3339 time).")       \
    X(PARSE_BAD_JSON, PARSE, 7, 400, "the input is not well-formed JSON of the expected shape", "Send JSON of the documented shape.")    \
    X(PARSE_BAD_CBOR, PARSE, 8, 400, "the input is not well-formed CBOR of the expected shape", "Send CBOR of the documented shape.")    \
    X(PARSE_BAD_MAGIC, PARSE, 9, 400, "the input does not start with the expected magic value", "Check that the file is evidence of the stated type and not another format.")    \
    X(PARSE_BAD_VERSION, PARSE, 10, 400, "the structure version is not one this verifier knows", "Use a producer that emits a structure version this verifier supports.")   \
    X(PARSE_TOO_DEEP, PARSE, 11, 400, "the input nests deeper than the allowed limit", "Flatten the input: it nests deeper than allowed.")             \
    X(PARSE_BAD_CERT, PARSE, 12, 400, "a certificate, CRL or key cannot be decoded", "Replace the certificate, CRL or key named in the detail with an intact copy from the vendor.")               \
    X(VERIFY_SIGNATURE, VERIFY, 1, 403, "a signature does not verify with the expected key", "The evidence or collateral was altered or signed by another key: collect fresh evidence and fetch the collateral again.")       \
    X(VERIFY_UNTRUSTED_KEY, VERIFY, 2, 403, "the signing key does not chain to a configured trust anchor", "Add the vendor's signing key or root to the trust directory, or enrol the key, if it is really trusted.") \
    X(VERIFY_CHAIN, VERIFY, 3, 403, "the certificate chain does not verify to a trust anchor", "Check that the trust directory holds the vendor root that issued this chain and that the evidence carries its intermediates.")    \
    X(VERIFY_REVOKED, VERIFY, 4, 403, "a certificate in the chain is revoked", "The vendor revoked this platform or key: update the platform firmware or stop trusting it.")                     \
    X(VERIFY_EXPIRED, VERIFY, 5, 403, "a certificate or collateral is not valid at the evaluation time", "Fetch fresh collateral (uattest collateral fetch) or, to audit past evidence, pin the evaluation time with --at.") \
    X(VERIFY_BINDING, VERIFY, 6, 403, "the evidence is not bound to the expected report data or nonce", "Make the attester bind the nonce and runtime data the verifier expects into report_data.") \
    X(VERIFY_MEASUREMENT, VERIFY, 7, 403, "a measurement does not match its expected value", "Update the reference values if this software is trusted, or stop the workload that runs other software.")       \
    X(VERIFY_TCB, VERIFY, 8, 403, "the platform TCB is not acceptable", "Update the platform firmware and microcode, or accept this TCB status explicitly in the reference values.")                            \
    X(VERIFY_COLLATERAL, VERIFY, 9, 403, "the collateral needed to verify the evidence is missing or invalid", "Fetch the collateral for this platform (uattest collateral fetch) into the collateral directory or allow fetching.") \
    X(VERIFY_POLICY, VERIFY, 10, 403, "the evidence does not satisfy the appraisal policy", "Change the workload to meet the policy, or change the policy if the evidence is acceptable.")       \
    X(VERIFY_NONCE, VERIFY, 11, 403, "the nonce is unknown, expired or already used", "Request a fresh challenge and attest once with it before it expires.")              \
    X(PLATFORM_NO_TEE, PLATFORM, 1, 503, "no supported TEE was detected on this machine", "Run on a machine with a supported TEE, or select the sim TEE for development.")          \
    X(PLATFORM_DEVICE, PLATFORM, 2, 503, "the TEE device or interface failed", "Check that the TEE driver is loaded and the device is accessible to this user.")                     \
    X(IO_READ, IO, 1, 500, "a file or stream cannot be read", "Check that the file exists and is readable by this user.")                                      \
    X(IO_WRITE, IO, 2, 500, "a file or stream cannot be written", "Check the free space and permissions of the destination.")                                  \
    X(IO_NOT_FOUND, IO, 3, 404, "a file or directory does not exist", "Check the path or identifier.")                              \
    X(IO_NETWORK, IO, 4, 502, "a network peer cannot be reached or answered badly", "Check that the peer is up and reachable, then retry.")                \
    X(CRYPTO_FAILURE, CRYPTO, 1, 500, "the cryptographic library reported an error", "Retry; if it persists, report it with the detail message.")               \
    X(CRYPTO_BAD_KEY, CRYPTO, 2, 400, "a key has the wrong type, curve or size", "Use a key of a supported type, curve and size.")                   \
    X(CRYPTO_RANDOM, CRYPTO, 3, 500, "random bytes could not be generated", "Check the system random source (getrandom) and retry.")                        \
    X(RESOURCE_NO_MEMORY, RESOURCE, 1, 500, "memory could not be allocated", "Free memory or lower the load, then retry.")                       \
    X(RESOURCE_LIMIT, RESOURCE, 2, 413, "the input exceeds a configured size or count limit", "Send smaller input or raise the configured limit.")      \
    X(UNSUPPORTED_TEE, UNSUPPORTED, 1, 415, "the evidence type or TEE is not supported", "Check the media type, or use a build that supports this TEE.")          \
    X(UNSUPPORTED_ALGORITHM, UNSUPPORTED, 2, 415, "the algorithm is not supported", "Produce the evidence or key with a supported algorithm.")               \
    X(UNSUPPORTED_FEATURE, UNSUPPORTED, 3, 501, "the feature is not supported by this build", "Use a build with this feature enabled, or avoid the feature.")      \
    X(INTERNAL, INTERNAL, 1, 500, "an internal error occurred", "Report this as a bug with the detail message.")                                    \
    X(USAGE_UNAUTHENTICATED, USAGE, 4, 401, "the request needs credentials: send Authorization: Bearer <token>", "Send Authorization: Bearer with a valid token.") \
    X(USAGE_FORBIDDEN, USAGE, 5, 403, "the credentials given do not allow this request", "Use credentials that are allowed this request.")           \
    X(USAGE_NOT_FOUND, USAGE, 6, 404, "the requested object or route does not exist", "Check the route or the object's identifier.")              \
    X(USAGE_METHOD, USAGE, 7, 405, "the method is not allowed on this route", "Use a method the route allows (see the Allow header).")                     \
    X(UNSUPPORTED_NO_COMMON_MECHANISM, UNSUPPORTED, 4, 415, "the peers share no attestation mechanism that one can produce and the other can verify", "Configure the peers so that one can produce evidence the other can verify.") \
    X(IO_PEER_ALERT, IO, 5, 502, "the peer ended the channel with an alert naming the check that failed on its side", "Read the check the peer named and fix that side.") \
    X(VERIFY_AUDIT, VERIFY, 12, 409, "an audit record was changed, removed or inserted: the hash chain breaks there", "Restore the audit log from a trusted copy and investigate who changed it.")

#define UAT_ERR_ENUM_ROW(name, cat, num, http, msg, remedy)                                                \
    UAT_ERR_##name = (UAT_CAT_##cat << UAT_CAT_SHIFT) | (num),
typedef enum uat_err { UAT_ERR_TABLE(UAT_ERR_ENUM_ROW) } uat_err;
#undef UAT_ERR_ENUM_ROW
#define UAT_OK UAT_ERR_OK

/* The base of the problem type URI of each error (RFC 9457 "type"): the base followed by the
 * error's name, e.g. https://uattest.dev/errors/VERIFY_SIGNATURE (docs/errors.md). */
#define UAT_ERR_TYPE_BASE "https://uattest.dev/errors/"

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
UAT_API const char *uat_err_remedy(uat_err e);   /* one sentence: what the user can do about it */
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
