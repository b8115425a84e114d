/* Heterogeneous mutual attestation channel (TLS 1.3 mode): two endpoints on any trusted computing
 * technologies negotiate attestation mechanisms, attest each other with evidence bound to both
 * nonces, both offers and the TLS session, and only then exchange application data.
 * Messages, selection rule, binding, errors: docs/channel.md. */
#ifndef UATTEST_CHANNEL_H
#define UATTEST_CHANNEL_H

#include "uattest/appraisal.h"
#include "uattest/attester.h"
#include "uattest/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UAT_CHANNEL_VERSION 1u
#define UAT_CHANNEL_NONCE_SIZE 32u
#define UAT_CHANNEL_MAX_MECHANISMS 16u /* names in one offer list */
#define UAT_CHANNEL_MAX_MECHANISM_LEN 32u
/* The TLS exporter label (RFC 8446 §7.5) the evidence binds. */
#define UAT_CHANNEL_EXPORTER_LABEL "EXPORTER-uattest-channel"

/* What one endpoint attests with, what it accepts from the peer, and how it judges the peer.
 * Everything set on it is borrowed and must outlive the configuration's channels; channels of one
 * configuration must not run handshakes concurrently (they share the attesters and verifier). */
typedef struct uat_channel_cfg uat_channel_cfg;
/* Makes the endpoint's TLS key (P-256) and its self-signed certificate: the evidence, not an
 * issuer, vouches for it. */
UAT_API UAT_MUST_USE uat_err uat_channel_cfg_new(uat_channel_cfg **out);
UAT_API void uat_channel_cfg_free(uat_channel_cfg *c);
/* Adds a mechanism this endpoint attests with (the attester's TEE), in preference order. */
UAT_API UAT_MUST_USE uat_err uat_channel_cfg_add_attester(uat_channel_cfg *c, uat_attester *a);
/* Adds a mechanism (TEE name) accepted from the peer, in preference order. Without any, every
 * TEE this build verifies is accepted, in registry order. */
UAT_API UAT_MUST_USE uat_err uat_channel_cfg_add_accept(uat_channel_cfg *c, const char *tee);
/* The verifier of the peer's evidence (required: trust anchors, collateral, time). */
UAT_API void uat_channel_cfg_set_verifier(uat_channel_cfg *c, uat_verifier *v);
/* Appraises the peer's verified claims; a contraindicated result ends the run (VERIFY_POLICY).
 * refvals may be NULL; policy NULL turns appraisal off. */
UAT_API void uat_channel_cfg_set_appraisal(uat_channel_cfg *c, const uat_refvals *refvals,
                                           const uat_policy *policy);

/* How the run is carried (docs/channel.md): TLS 1.3 (the default), or bare: over the stream
 * itself, with ECDH P-256 keys bound into the evidence (a key the TEE holds when it can, else
 * one made in software and bound through the report data), HKDF-SHA-256 over Z and the
 * transcript, and AES-256-GCM records with sequence numbers. Both ends must use the same mode. */
enum uat_channel_mode {
    UAT_CHANNEL_MODE_TLS = 0,
    UAT_CHANNEL_MODE_BARE = 1,
};
UAT_API UAT_MUST_USE uat_err uat_channel_cfg_set_mode(uat_channel_cfg *c, int mode);

typedef struct uat_channel uat_channel;
/* Runs the whole protocol on a connected blocking stream socket (the caller owns fd; ignore
 * SIGPIPE): TLS 1.3 handshake, offers, evidence both ways, key confirmation. On failure the peer
 * is sent an alert naming the check, and the error is the failed check's (UNSUPPORTED_NO_COMMON_-
 * MECHANISM when negotiation fails, IO_PEER_ALERT when the peer refused). connect = TLS client. */
UAT_API UAT_MUST_USE uat_err uat_channel_connect(const uat_channel_cfg *cfg, int fd,
                                                 uat_channel **out);
UAT_API UAT_MUST_USE uat_err uat_channel_accept(const uat_channel_cfg *cfg, int fd,
                                                uat_channel **out);
/* As uat_channel_connect on a new TCP connection to host:port; the channel owns that socket. */
UAT_API UAT_MUST_USE uat_err uat_channel_connect_host(const uat_channel_cfg *cfg, const char *host,
                                                      const char *port, uat_channel **out);
/* Application data (only after both attestations passed). *n = 0: the peer closed cleanly. */
UAT_API UAT_MUST_USE uat_err uat_channel_read(uat_channel *ch, void *buf, size_t cap, size_t *n);
UAT_API UAT_MUST_USE uat_err uat_channel_write(uat_channel *ch, const void *buf, size_t n);
/* Ends this side's sending (TLS close_notify); the peer's data can still be read until it closes. */
UAT_API UAT_MUST_USE uat_err uat_channel_shutdown_write(uat_channel *ch);
/* Bytes readable without waiting on the socket, and the socket (for poll loops). */
UAT_API size_t uat_channel_pending(const uat_channel *ch);
UAT_API int uat_channel_fd(const uat_channel *ch);
/* A key bound to this session and both attestations: the TLS exporter with label and the hash
 * of the whole attestation transcript as context. */
UAT_API UAT_MUST_USE uat_err uat_channel_export_key(uat_channel *ch, const char *label,
                                                    uint8_t *out, size_t n);
/* The negotiated mechanisms and the peer's verified claims / appraisal (NULL without policy). */
UAT_API const char *uat_channel_own_mechanism(const uat_channel *ch);
UAT_API const char *uat_channel_peer_mechanism(const uat_channel *ch);
UAT_API const uat_claims *uat_channel_peer_claims(const uat_channel *ch);
UAT_API const uat_ear *uat_channel_peer_ear(const uat_channel *ch);
/* Sends close_notify and frees the channel (closes the socket only if the channel opened it). */
UAT_API void uat_channel_close(uat_channel *ch);

#ifdef __cplusplus
}
#endif
#endif
