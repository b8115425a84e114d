/* The configuration object shared by cfg.c and channel.c. */
#ifndef UAT_CHANNEL_CFG_H
#define UAT_CHANNEL_CFG_H

#include "channel/channel_int.h"

struct uat_channel_cfg {
    uat_buf cert;                              /* DER, self-signed */
    uat_buf key_pem;                           /* PKCS#8 PEM: secret, wiped on free */
    uint8_t spki_hash[UAT_CHAN_HASH_SIZE];     /* SHA-256 of the certificate's SPKI DER */
    uat_tls_ctx *server;
    uat_tls_ctx *client;
    uat_attester *attesters[UAT_CHANNEL_MAX_MECHANISMS]; /* borrowed, preference order */
    size_t nattesters;
    uat_chan_mech accept[UAT_CHANNEL_MAX_MECHANISMS];
    size_t naccept;
    uat_verifier *verifier;    /* borrowed */
    const uat_refvals *refvals; /* borrowed, may be NULL */
    const uat_policy *policy;   /* borrowed, NULL = no appraisal */
    int mode;                   /* UAT_CHANNEL_MODE_* */
    /* TLS mode with an attester whose TEE holds signing keys (registry.h kx_*, UAT_KX_SIGN): the
     * TLS key is made inside that TEE (the first such attester added) instead of in software */
    uat_attester *tls_att; /* borrowed; NULL: the software key */
    void *tls_kx;          /* the TEE's handle of the key */
    uat_key *tls_key;      /* the key as OpenSSL signs with it (through the TEE's provider) */
    uat_chan_hook hook;         /* tests only */
    void *hook_user;
};

/* This endpoint's offer with a fresh nonce. */
UAT_MUST_USE uat_err uat_chan_own_offer(const uat_channel_cfg *c, uat_chan_offer *o);
/* The attester of a mechanism, or NULL. */
uat_attester *uat_chan_attester(const uat_channel_cfg *c, const char *mech);
/* The TLS peer check: records SHA-256 of the peer certificate's SPKI (user: the channel). */
uat_err uat_chan_record_peer_key(void *user, const uat_cert *leaf);

typedef struct uat_chan_bare uat_chan_bare;

/* One run of the protocol (channel.c, bare.c). */
struct uat_channel {
    const uat_channel_cfg *cfg;
    uat_tls_conn *tls;
    int fd;     /* the connected socket */
    int own_fd; /* the socket connect_host opened, else -1 */
    char role;  /* 'c' (TLS client) or 's' */
    int have_peer_key;
    uint8_t peer_spki_hash[UAT_CHAN_HASH_SIZE];
    int have_peer_point; /* the peer's TLS key is P-256: its uncompressed point */
    uint8_t peer_point[UAT_CHAN_POINT_SIZE];
    uat_chan_offer own, peer;
    uat_buf own_offer, peer_offer, own_ev, peer_ev; /* bodies as this side sent / received them */
    uint8_t th[UAT_CHAN_HASH_SIZE];       /* offers */
    uint8_t exporter[UAT_CHAN_HASH_SIZE]; /* TLS exporter, context TH */
    uint8_t th_full[UAT_CHAN_HASH_SIZE];  /* offers and both evidence messages */
    uat_chan_mech own_mech, peer_mech;
    uat_claims *claims;
    uat_ear *ear;
    uat_chan_bare *bare; /* bare mode's state (bare.c); NULL in TLS mode */
};

/* channel.c: framed messages on the channel's stream (TLS in TLS mode, the bare stream else); an
 * alert from the peer ends the run with IO_PEER_ALERT. */
UAT_MUST_USE uat_err uat_chan_send(uat_channel *ch, uint8_t type, uat_span body);
UAT_MUST_USE uat_err uat_chan_recv(uat_channel *ch, uint8_t expect, uat_buf *body);
/* Reads n bytes; *got < n only when the peer closed the stream. */
UAT_MUST_USE uat_err uat_chan_read_exact(uat_channel *ch, uint8_t *p, size_t n, size_t *got);
/* The peer's verified claims appraised against the configuration's policy. */
UAT_MUST_USE uat_err uat_chan_appraise(uat_channel *ch);

/* bare.c: bare mode (docs/channel.md "Bare mode"): the run after the offers, records, exporter. */
UAT_MUST_USE uat_err uat_chan_bare_run(uat_channel *ch);
UAT_MUST_USE uat_err uat_chan_bare_read(uat_channel *ch, void *buf, size_t cap, size_t *n);
UAT_MUST_USE uat_err uat_chan_bare_write(uat_channel *ch, const void *buf, size_t n);
UAT_MUST_USE uat_err uat_chan_bare_shutdown(uat_channel *ch);
size_t uat_chan_bare_pending(const uat_channel *ch);
UAT_MUST_USE uat_err uat_chan_bare_export(uat_channel *ch, const char *label, uint8_t *out,
                                          size_t n);
void uat_chan_bare_free(uat_channel *ch);

#endif
