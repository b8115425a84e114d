/* Interoperable RA-TLS (CCC Attestation SIG): X.509 certificates that carry attestation evidence
 * bound to their public key, their verification, and TLS 1.3 channels that verify them.
 * Format, tags, checks and errors: docs/ratls.md. */
#ifndef UATTEST_RATLS_H
#define UATTEST_RATLS_H

#include "uattest/appraisal.h"
#include "uattest/attester.h"
#include "uattest/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tcg-dice-conceptual-message-wrapper (DICE Attestation Architecture): the evidence extension */
#define UAT_RATLS_OID_EVIDENCE "2.23.133.5.4.9"
/* tcg-dice-endorsement-manifest: optional endorsements, the collateral of the evidence in its
 * TEE's endorsement format (Intel: the SGX/TDX endorsement array), non-critical */
#define UAT_RATLS_OID_ENDORSEMENTS "2.23.133.5.4.2"
/* Legacy extensions holding a raw SGX quote (verified only with uat_ratls_opts.legacy) */
#define UAT_RATLS_OID_LEGACY "1.2.840.113741.1337.6"
#define UAT_RATLS_OID_LEGACY_GRAMINE "0.6.9.42.840.113741.1337.6" /* Gramine's mis-encoded OID */
#define UAT_RATLS_OID_SGX_SDK "1.2.840.113741.1.13.1"

enum uat_ratls_key_kind {
    UAT_RATLS_KEY_P256 = 1,
    UAT_RATLS_KEY_P384 = 2,
    UAT_RATLS_KEY_RSA3072 = 3,
};

/* Generates a key pair and a self-signed certificate whose evidence extension (non-critical)
 * carries evidence from the attester, bound to the key: claims-buffer {"pubkey-hash":
 * h'[1, SHA-256(SPKI DER)]', "nonce"?: h'nonce'} and report_data = SHA-256(claims-buffer) || 0^32.
 * nonce may be NULL. Validity [not_before, not_after] in seconds since the epoch; both 0 means
 * [now - 60 s, now + 1 day]. On success *cert_der (DER, *cert_len bytes) and *key_pem (PKCS#8 PEM,
 * NUL-terminated; wipe it before free()) are the caller's. */
UAT_API UAT_MUST_USE uat_err uat_ratls_cert_new(uat_attester *a, enum uat_ratls_key_kind kind,
                                                const uint8_t *nonce, size_t nonce_len,
                                                int64_t not_before, int64_t not_after,
                                                uint8_t **cert_der, size_t *cert_len,
                                                char **key_pem);

/* As uat_ratls_cert_new, plus the endorsements extension: the collateral the evidence needs,
 * found by endorser (its collateral directory and allowed fetches) after verifying the evidence
 * with it (uat_verifier_endorsements). UNSUPPORTED_FEATURE for a TEE with no endorsement format. */
UAT_API UAT_MUST_USE uat_err uat_ratls_cert_new_endorsed(uat_attester *a, uat_verifier *endorser,
                                                         enum uat_ratls_key_kind kind,
                                                         const uint8_t *nonce, size_t nonce_len,
                                                         int64_t not_before, int64_t not_after,
                                                         uint8_t **cert_der, size_t *cert_len,
                                                         char **key_pem);
typedef struct uat_ratls_opts {
    uat_verifier *verifier;      /* required: trust anchors, collateral, evidence time */
    const uat_refvals *refvals;  /* optional, used with policy */
    const uat_policy *policy;    /* optional: appraise; contraindicated fails (VERIFY_POLICY) */
    int64_t cert_time;           /* certificate validity is checked at this time; 0 = now */
    const uint8_t *nonce;        /* optional: the claims-buffer must carry this nonce */
    size_t nonce_len;
    int legacy;                  /* also accept legacy Gramine / rats-tls / SGX SDK extensions */
} uat_ratls_opts;

/* Verifies an RA-TLS certificate (DER, or PEM: the first certificate): validity at opts->cert_time, the evidence extension, the
 * key binding (pubkey-hash and report_data), the evidence (uat_verify with opts->verifier) and,
 * with a policy, the appraisal. claims and ear may be NULL; *ear is NULL without a policy.
 * The certificate's own signature is not checked: the TLS handshake proves possession of the key
 * and the evidence, not an issuer, vouches for it (docs/ratls.md). */
UAT_API UAT_MUST_USE uat_err uat_ratls_verify_cert(const uint8_t *der, size_t n,
                                                   const uat_ratls_opts *opts, uat_claims **claims,
                                                   uat_ear **ear);

/* TLS 1.3 with RA-TLS peer verification, over connected blocking sockets the caller owns
 * (ignore SIGPIPE in the process). The opts (and the verifier, refvals and policy they point to)
 * must outlive the context; connections of one context must not run handshakes concurrently,
 * since they share the verifier. */
typedef struct uat_ratls_tls uat_ratls_tls;
typedef struct uat_ratls_conn uat_ratls_conn;

/* peer: NULL = no client certificate requested; otherwise the client must present an RA-TLS
 * certificate that verifies with these options (mutual RA-TLS). */
UAT_API UAT_MUST_USE uat_err uat_ratls_tls_server(const uint8_t *cert_der, size_t cert_len,
                                                  const char *key_pem, const uat_ratls_opts *peer,
                                                  uat_ratls_tls **out);
/* cert_der/key_pem: NULL for no client certificate. peer: required (the server's certificate). */
UAT_API UAT_MUST_USE uat_err uat_ratls_tls_client(const uint8_t *cert_der, size_t cert_len,
                                                  const char *key_pem, const uat_ratls_opts *peer,
                                                  uat_ratls_tls **out);
UAT_API void uat_ratls_tls_free(uat_ratls_tls *t);
/* Handshakes; a peer certificate that fails verification fails with that verification's error. */
UAT_API UAT_MUST_USE uat_err uat_ratls_accept(uat_ratls_tls *t, int fd, uat_ratls_conn **out);
UAT_API UAT_MUST_USE uat_err uat_ratls_connect(uat_ratls_tls *t, int fd, uat_ratls_conn **out);
/* *n = 0 when the peer closed the connection cleanly. */
UAT_API UAT_MUST_USE uat_err uat_ratls_read(uat_ratls_conn *c, void *buf, size_t cap, size_t *n);
UAT_API UAT_MUST_USE uat_err uat_ratls_write(uat_ratls_conn *c, const void *buf, size_t n);
/* The verified peer's claims and appraisal result (NULL when not verified / no policy). */
UAT_API const uat_claims *uat_ratls_peer_claims(const uat_ratls_conn *c);
UAT_API const uat_ear *uat_ratls_peer_ear(const uat_ratls_conn *c);
/* Sends close_notify and frees the connection; the fd stays open. */
UAT_API void uat_ratls_close(uat_ratls_conn *c);

#ifdef __cplusplus
}
#endif
#endif
