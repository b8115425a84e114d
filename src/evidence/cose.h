/* COSE_Sign1, once for every COSE user (Arm CCA and virtCCA tokens today).
 *
 * spec: RFC 9052 §4.2 (COSE_Sign1), §4.4 (Sig_structure), §3 (header parameters: alg 1, crit 2,
 *       kid 4; a label at most once per message), §3.1 (alg protected); RFC 9053 §2.1 (ECDSA:
 *       ES256 -7, ES384 -35, ES512 -36, raw r||s of the curve's size); RFC 8230 §2 (PS256 -37:
 *       RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt of 32 bytes).
 *
 * What is accepted: a COSE_Sign1 tagged 18 (untagged or another tag is rejected: the tag is the
 * only byte no signature covers), an array of exactly four items with definite lengths, the
 * protected header a byte string holding exactly one map with an integer alg, the unprotected
 * header a map without alg or crit, an attached payload, a byte-string signature. crit is refused
 * (UNSUPPORTED_FEATURE): no critical header parameter is understood. Other header parameters are
 * well-formed-checked and otherwise ignored, as RFC 9052 §3 asks.
 *
 * The Sig_structure ["Signature1", protected, external_aad, payload] is built here with the
 * shortest heads (RFC 8949 §4.2.1) around the exact bytes received.
 */
#ifndef UAT_EVIDENCE_COSE_H
#define UAT_EVIDENCE_COSE_H

#include "crypto/crypto.h"
#include "core/cbor.h"

#define UAT_COSE_SIGN1_TAG 18u
#define UAT_COSE_MAX_HEADERS 16u /* header parameters per bucket */

#define UAT_COSE_ALG_ES256 (-7)
#define UAT_COSE_ALG_ES384 (-35)
#define UAT_COSE_ALG_ES512 (-36)
#define UAT_COSE_ALG_PS256 (-37)

typedef struct uat_cose_sign1 {
    uat_span protected_hdr; /* the protected bstr's contents (the serialized map), as signed */
    int64_t alg;            /* COSE algorithm */
    enum uat_sig_alg sig_alg;
    uat_span kid;           /* empty when absent */
    uat_span payload;       /* the payload bstr's contents */
    uat_span signature;
    int64_t payload_off;    /* absolute input offsets of the contents, for errors */
    int64_t signature_off;
} uat_cose_sign1;

/* Reads one tagged COSE_Sign1 from r (errors carry r->check and absolute offsets). */
UAT_MUST_USE uat_err uat_cose_sign1_read(uat_reader *r, uat_cose_sign1 *out);
/* in must be exactly one tagged COSE_Sign1. */
UAT_MUST_USE uat_err uat_cose_sign1_parse(uat_span in, const char *check, uat_cose_sign1 *out);
/* The Sig_structure for signature1, appended to out. */
UAT_MUST_USE uat_err uat_cose_sig_structure(const uat_cose_sign1 *m, uat_span external_aad,
                                            uat_buf *out);
/* VERIFY_SIGNATURE (recording check) when the signature does not verify with k; CRYPTO_BAD_KEY
 * when k cannot make the message's algorithm (an ES384 token and a P-256 key). */
UAT_MUST_USE uat_err uat_cose_sign1_verify(const uat_cose_sign1 *m, const uat_key *k,
                                           uat_span external_aad, const char *check);
/* The COSE algorithm a key signs with here: ES256/384/512 by curve, PS256 for RSA. */
UAT_MUST_USE uat_err uat_cose_alg_for_key(const uat_key *k, int64_t *alg);
/* Signs payload (tests, attesters of test evidence): a tagged COSE_Sign1 with protected {1: alg},
 * an empty unprotected map and no external_aad, appended to out. */
UAT_MUST_USE uat_err uat_cose_sign1_sign(const uat_key *k, int64_t alg, uat_span payload,
                                         uat_buf *out);
/* Readers on core/cbor.h that COSE and its users (CCA claims) share; errors carry r->check and
 * absolute offsets. */
/* The major type of the next item (PARSE_TRUNCATED at the end of the window). */
UAT_MUST_USE uat_err uat_cose_rd_peek(const uat_reader *r, const char *field, unsigned *major);
/* An integer (major type 0 or 1) that fits int64_t. */
UAT_MUST_USE uat_err uat_cose_rd_int(uat_reader *r, const char *field, int64_t *out);
/* An array or map head whose count the bytes left can hold (*n: elements, or pairs of a map). */
UAT_MUST_USE uat_err uat_cose_rd_count(uat_reader *r, enum uat_cbor_major major, const char *field,
                                       size_t *n);
UAT_MUST_USE uat_err uat_cose_rd_bstr(uat_reader *r, const char *field, uat_span *out);
/* A text string (well-formed UTF-8). */
UAT_MUST_USE uat_err uat_cose_rd_tstr(uat_reader *r, const char *field, uat_span *out);
/* A byte string whose contents a sub-reader reads, offsets staying absolute. */
UAT_MUST_USE uat_err uat_cose_rd_bstr_sub(uat_reader *r, const char *field, uat_reader *sub);

/* "ES384", or "unknown". */
const char *uat_cose_alg_name(int64_t alg);

#endif
