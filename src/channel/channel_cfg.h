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
    uat_chan_hook hook;         /* tests only */
    void *hook_user;
};

/* This endpoint's offer with a fresh nonce. */
UAT_MUST_USE uat_err uat_chan_own_offer(const uat_channel_cfg *c, uat_chan_offer *o);
/* The attester of a mechanism, or NULL. */
uat_attester *uat_chan_attester(const uat_channel_cfg *c, const char *mech);
/* The TLS peer check: records SHA-256 of the peer certificate's SPKI (user: the channel). */
uat_err uat_chan_record_peer_key(void *user, const uat_cert *leaf);

#endif
