/* Interoperable RA-TLS internals: the evidence extension's parser (pure), its writer and the
 * small strict CBOR reader/writer both use. Format: docs/ratls.md.
 *
 * spec: CCC interoperable-ra-tls docs/Interoperable-RA-TLS-cert-edvidence-formats.md ("cert doc")
 * and docs/Interoperable-RA-TLS-SGX-TDX-evidence-formats.md ("SGX/TDX doc").
 */
#ifndef UAT_RATLS_RATLS_H
#define UAT_RATLS_RATLS_H

#include "core/cbor.h"
#include "core/limits.h"
#include "core/reader.h"
#include "crypto/crypto.h"
#include "uattest/ratls.h"

/* Caps on untrusted extension bytes (limits beyond src/core/limits.h, local to RA-TLS). */
#define UAT_RATLS_MAX_EXT_BYTES UAT_MAX_CMW_TEXT_BYTES /* one extension value */
#define UAT_RATLS_MAX_CLAIMS_BYTES (64u * 1024u)       /* the claims-buffer */
#define UAT_RATLS_MAX_CLAIMS 64u                        /* entries in the claims-buffer map */

/* IANA CBOR tag of Intel TEE quotes (SGX/TDX doc): the only tag legacy extensions may hold */
#define UAT_RATLS_TAG_INTEL_QUOTE 60000u

enum uat_ratls_form {
    UAT_RATLS_FORM_TAGGED = 1, /* tag([evidence bstr, claims-buffer bstr]) */
    UAT_RATLS_FORM_CMW = 2,    /* [[media-type, evidence bstr, ?ind], claims-buffer bstr] */
};

/* A parsed evidence extension. Every span points into the parsed input. */
typedef struct uat_ratls_ext {
    enum uat_ratls_form form;
    int dice_wrapped;          /* the value was SEQUENCE { OCTET STRING } around the CBOR */
    uint64_t tag;              /* TAGGED: the CBOR tag */
    uat_span evidence;         /* the TEE evidence bytes */
    uat_span cmw_record;       /* CMW: the encoded CMW record, as received */
    char media_type[UAT_MAX_MEDIA_TYPE_LEN + 1]; /* CMW: the record's media type */
    uat_span claims;           /* the claims-buffer, exactly as received */
    uint64_t hash_alg_id;      /* pubkey-hash: IANA named-information hash algorithm id */
    enum uat_hash_alg hash_alg;
    uint8_t pubkey_hash[UAT_HASH_MAX];
    size_t pubkey_hash_len;
    int has_nonce;
    uat_span nonce;
    size_t unknown_claims;     /* claims other than pubkey-hash and nonce (ignored) */
} uat_ratls_ext;

/* ext.c: pure. Accepts the raw CBOR value or the DICE SEQUENCE { OCTET STRING } wrapper.
 * *out is written only on success. */
UAT_MUST_USE uat_err uat_ratls_ext_parse(uat_span in, uat_ratls_ext *out);
/* The claims-buffer alone: a fresh *out with claims, hash_alg*, pubkey_hash*, nonce and
 * unknown_claims set (form, evidence and tag empty); written only on success. */
UAT_MUST_USE uat_err uat_ratls_claims_parse(uat_span claims, uat_ratls_ext *out);

/* The endorsements extension's value: the tagged CBOR item (tag included, DICE wrapper removed),
 * whose tag must be evidence_tag when that is not 0. */
UAT_MUST_USE uat_err uat_ratls_endorsements_parse(uat_span in, uint64_t evidence_tag,
                                                  uat_span *out);

/* cert.c: the claims-buffer and the extension value uat_ratls_cert_new writes. */
UAT_MUST_USE uat_err uat_ratls_claims_build(uat_span spki_der, const uint8_t *nonce,
                                            size_t nonce_len, uat_buf *out);
/* tag != 0: tag([evidence, claims]); tag == 0: [[media_type, evidence], claims]. */
UAT_MUST_USE uat_err uat_ratls_ext_build(uint64_t tag, const char *media_type, uat_span evidence,
                                         uat_span claims, uat_buf *out);

/* verify.c: the legacy key binding (docs/ratls.md): report_data[0:32] against the hashes of the
 * certificate's key that the legacy format oid allows. VERIFY_BINDING when none matches. */
UAT_MUST_USE uat_err uat_ratls_legacy_binding(const uat_cert *c, const char *oid,
                                              const uint8_t *report_data, size_t n);

/* verify.c: the evidence an RA-TLS certificate carries, for inspection only (nothing is
 * verified): the CMW record (interoperable CMW form), the tagged evidence, or a legacy extension's
 * raw quote; *oid names the extension. The span points into the certificate. */
UAT_MUST_USE uat_err uat_ratls_cert_evidence(const uat_cert *c, const char **oid,
                                             uat_span *evidence);

/* verify.c: uat_ratls_verify_cert for a certificate already decoded (the TLS peer's leaf). */
UAT_MUST_USE uat_err uat_ratls_verify_parsed(const uat_cert *c, const uat_ratls_opts *o,
                                             uat_claims **claims, uat_ear **ear);

#endif
