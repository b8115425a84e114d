/* The TEE registry: one ops table per TEE, one line per TEE in registry.c. */
#ifndef UAT_EVIDENCE_REGISTRY_H
#define UAT_EVIDENCE_REGISTRY_H

#include <jansson.h>

#include "core/buf.h"
#include "core/codec.h"
#include "evidence/claims_int.h"
#include "uattest/evidence.h"

#define UAT_KX_POINT_LEN 65u /* an uncompressed P-256 point */
/* What a bound key is for: ECDH key agreement (the channel's bare mode) or signing (the TLS key
 * of the channel's TLS mode). A proof names the use it was made for. */
enum uat_kx_use {
    UAT_KX_ECDH = 0,
    UAT_KX_SIGN = 1,
};
struct uat_key;

typedef struct uat_verify_ctx {
    const char *trust_dir;      /* root of trust anchors; a TEE reads <trust_dir>/<name>/ */
    const char *collateral_dir; /* root of collateral; a TEE reads <collateral_dir>/<name>/ */
    uat_time at;                /* evaluation time */
    void **cache;               /* this TEE's slot in the verifier's cache (verified collateral) */
    size_t nfetch;              /* collateral sources the caller allowed: vendor name -> base URL */
    const char *const *fetch_names;
    const char *const *fetch_urls;
    const struct uat_refvals *refvals; /* reference values the caller pins keys with; may be NULL */
    uat_span inband; /* collateral that came with the evidence (RA-TLS endorsements extension), in
                      * the TEE's endorsement format: as untrusted as the evidence; empty = none */
    uat_span nonce;  /* a nonce the evidence must carry in a field of its own besides report data
                      * (the IAS report's nonce); empty = none asked */
} uat_verify_ctx;

/* True when the caller's reference values for this TEE list signer_hex as an accepted `signer`:
 * how evidence keys without a vendor chain (TPM attestation keys) are pinned (docs/appraisal.md). */
int uat_verify_signer_pinned(const uat_verify_ctx *ctx, const char *tee, const char *signer_hex);

/* The base URL the caller allowed fetching collateral of vendor (e.g. "intel") from, or NULL. */
const char *uat_verify_fetch_url(const uat_verify_ctx *ctx, const char *vendor);

/* What a verifier hands back besides the claims: the binding, for the generic check. */
typedef struct uat_verify_out {
    uint8_t report_data[64];
    size_t report_data_len;
    uat_time valid_until; /* earliest expiry of what was used; 0 = none */
} uat_verify_out;

/* How a TEE's evidence carries the binding when it is a member of composite evidence (a CMW
 * collection verified as one, docs/composite.md): the member verifier says it of itself, so the
 * composite logic never names a TEE. */
enum uat_tee_binding {
    /* the report data holds the session binding itself (DESIGN.md section 4): CPU TEEs, TPMs */
    UAT_BIND_REPORT_DATA = 0,
    /* the report data holds a nonce derived from the session binding and the member's label
     * (uat_composite_nonce): devices whose nonce the attester passes on (GPUs over SPDM) */
    UAT_BIND_DERIVED_NONCE = 1,
};

typedef struct uat_attest_ctx {
    const char *root;      /* filesystem root for device paths ("/" in production) */
    const char *state_dir; /* where an attester may keep keys; may be NULL */
    size_t nopts;
    const char *const *keys;
    const char *const *values;
    /* This TEE's slot in the attester's cache (what collect may reuse: a loaded key, a
     * measurement); NULL when the caller keeps none. Dropped when an option changes. */
    void **cache;
} uat_attest_ctx;

/* The attester option of a TEE whose machine may hold several of its devices (GPUs): the device's
 * index. In composite evidence the k-th member of such a TEE is given device=k (composite_attest.c). */
#define UAT_ATTEST_OPT_DEVICE "device"

typedef struct uat_tee_ops {
    const char *name;       /* "sim" */
    const char *media_type; /* CMW record type */
    uint64_t cbor_tag;      /* RA-TLS / CMW CBOR tag, 0 when none */
    const char *const *detect_paths; /* NULL-terminated, relative to root; NULL: never detected */
    const char *const *options;      /* NULL-terminated attester option names */
    enum uat_tee_binding binding; /* as a member of composite evidence (docs/composite.md) */
    /* True when raw bytes look like this TEE's evidence. */
    int (*sniff)(uat_span ev);
    /* Parse only; fill fields with the evidence's own field names. */
    uat_err (*inspect)(uat_span ev, json_t *fields);
    /* Parse and verify; fill claims and out. */
    uat_err (*verify)(uat_span ev, const uat_verify_ctx *ctx, uat_claims *claims,
                      uat_verify_out *out);
    /* Frees what verify left in *ctx->cache; NULL when the TEE caches nothing. */
    void (*cache_free)(void *cache);
    /* 1 when the cache saves no check, collateral or step (it holds only loaded trust anchors):
     * an explained or audited verification may use it */
    int cache_traced;
    /* 1 when a cache hit records the collateral it reuses (uat_trace_collateral with the digest
     * the first use recorded): a verifier recording only the collateral keeps the cache. */
    int cache_records_collateral;
    /* Produce evidence carrying report_data (64 bytes); NULL when there is no attester. */
    uat_err (*collect)(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out);
    /* Frees what collect left in *ctx->cache; NULL when the attester caches nothing. */
    void (*attest_cache_free)(void *cache);
    /* The collateral ev needs, from what ctx reaches (collateral directory, allowed fetches),
     * encoded in this TEE's endorsement format for the RA-TLS endorsements extension (the value
     * a verifier accepts as ctx->inband); NULL when the TEE has no such format. */
    uat_err (*endorse)(uat_span ev, const uat_verify_ctx *ctx, uat_buf *out);
    /* Key enrolment by credential activation (TPM: MakeCredential / ActivateCredential); both NULL
     * when the TEE has none. Verifier side: ev names the endorsement key (with its certificate,
     * checked against the trust directory) and the key to enrol; the challenge can be opened only
     * by the device holding both, and *secret is what a correct response must return. */
    uat_err (*enrol_challenge)(uat_span ev, const uat_verify_ctx *ctx, uat_buf *challenge,
                               uat_buf *secret);
    /* Attester side: opens a challenge made by enrol_challenge and returns the secret. */
    uat_err (*enrol_respond)(const uat_attest_ctx *ctx, uat_span challenge, uat_buf *secret);
    /* Reference values in a foreign format this TEE's ecosystem uses (format names are the
     * TEE's own, e.g. "kunpengsecl"): appends reference value documents (docs/appraisal.md) to
     * docs; UNSUPPORTED_FEATURE for a format the TEE does not know. NULL when it knows none. */
    uat_err (*refvals_import)(const char *format, uat_span text, json_t *docs);
    /* Bound key agreement (the channel's bare mode, docs/channel.md): an ECDH P-256 key made and
     * used inside the TEE (its private part never leaves it) and a proof that it is the TEE's.
     * All NULL when the TEE holds no such key: the channel then makes the key in software and
     * binds it through the report data alone. pub / peer: uncompressed points (0x04 || x || y).
     * kx_create: a fresh key; *key is the TEE's handle, freed by kx_free. */
    uat_err (*kx_create)(const uat_attest_ctx *ctx, int use, void **key,
                         uint8_t pub[UAT_KX_POINT_LEN]);
    /* The TEE's evidence carrying report_data (as collect; made on the key's own connection to
     * the device) and the key's proof bound to report_data (TPM: TPM2_Quote, and TPM2_Certify of
     * the key by the same AK, both with report_data as qualifying data), in the TEE's format. */
    uat_err (*kx_prove)(const uat_attest_ctx *ctx, void *key, const uint8_t *report_data,
                        uat_buf *evidence, uat_buf *proof);
    /* Z, the shared x coordinate (32 bytes), computed inside the TEE (TPM: TPM2_ECDH_ZGen). */
    uat_err (*kx_agree)(void *key, const uint8_t peer[UAT_KX_POINT_LEN], uint8_t z[32]);
    void (*kx_free)(void *key);
    /* A UAT_KX_SIGN key as an OpenSSL key (crypto.h uat_key, through the TEE's OpenSSL provider:
     * TPM: tpm2-openssl) that a TLS context can sign with; freed by the caller, before key. */
    uat_err (*kx_signing_key)(const uat_attest_ctx *ctx, void *key, struct uat_key **out);
    /* Verifier side: proof must be a proof of pub, bound to report_data, by the same signer as ev
     * (this TEE's evidence, already verified), of a key with the protections the TEE promises
     * (TPM: fixedTPM, sensitiveDataOrigin, decrypt, ECC P-256). */
    uat_err (*kx_verify)(uat_span ev, uat_span proof, const uat_verify_ctx *ctx, int use,
                         const uint8_t *report_data, const uint8_t pub[UAT_KX_POINT_LEN]);
    /* Sealing (docs/agent.md): a 32-byte key that only this TEE instance, with the identity the
     * TEE mixes in, can derive again, distinct per label (SNP: MSG_KEY_REQ with the guest policy
     * and measurement selected, then HKDF over the label; sim: HKDF over its identity key and
     * measurement). NULL when the TEE offers no sealing key. */
    uat_err (*seal_key)(const uat_attest_ctx *ctx, const char *label, uint8_t key[32]);
    /* Evidence in a foreign ecosystem's message, converted to this TEE's own evidence (*out,
     * appended) for verify: format is "<ecosystem>/<message>" (e.g. "jinzhao/HygonCsvReport"),
     * msg the message as JSON whose nested messages the ecosystem's front-end already parsed and
     * shape-checked (src/evidence/jinzhao_parse.c). Pure: no I/O, no crypto. UNSUPPORTED_FEATURE
     * for a message the TEE does not take. NULL when the TEE takes none (its quote is its
     * evidence as is). */
    uat_err (*evidence_import)(const char *format, const json_t *msg, uat_buf *out);
} uat_tee_ops;

/* The bound-key operations of an attester's TEE through its options (attester.c); UNSUPPORTED_-
 * FEATURE from create when the TEE has none (uat_attester_has_kx is then 0). */
struct uat_attester;
int uat_attester_has_kx(const struct uat_attester *a);
UAT_MUST_USE uat_err uat_attester_kx_create(struct uat_attester *a, int use, void **key,
                                            uint8_t pub[UAT_KX_POINT_LEN]);
UAT_MUST_USE uat_err uat_attester_kx_prove(struct uat_attester *a, void *key,
                                           const uint8_t *report_data, uat_cmw **evidence,
                                           uat_buf *proof);
UAT_MUST_USE uat_err uat_attester_kx_agree(struct uat_attester *a, void *key,
                                           const uint8_t peer[UAT_KX_POINT_LEN], uint8_t z[32]);
void uat_attester_kx_free(struct uat_attester *a, void *key);
/* This TEE's sealing key for label (seal_key); UNSUPPORTED_FEATURE when the TEE offers none. */
UAT_MUST_USE uat_err uat_attester_seal_key(struct uat_attester *a, const char *label,
                                           uint8_t key[32]);
/* True when the attester's TEE can also hold a TLS signing key (kx_signing_key). */
int uat_attester_has_kx_sign(const struct uat_attester *a);
UAT_MUST_USE uat_err uat_attester_kx_signing_key(struct uat_attester *a, void *key,
                                                 struct uat_key **out);
/* True when the TEE named tee proves keys (has kx_verify). */
int uat_tee_has_kx(const char *tee);
/* Verifies a bound-key proof with this verifier's context (trust, time, reference values);
 * evidence is the peer's already verified evidence (CMW or raw). verifier.c. */
struct uat_verifier;
UAT_MUST_USE uat_err uat_verifier_kx_verify(struct uat_verifier *v, const char *tee,
                                            const uint8_t *evidence, size_t n, uat_span proof,
                                            int use,
                                            const uint8_t *report_data,
                                            const uint8_t pub[UAT_KX_POINT_LEN]);

/* Tests only: what the verifier keeps in the cache slot of the TEE named tee (NULL: nothing),
 * to tell whether verifications filled and then reused it. verifier.c. */
void *uat_verifier_cache_peek(const struct uat_verifier *v, const char *tee);

size_t uat_registry_count(void);
const uat_tee_ops *uat_registry_at(size_t i);
const uat_tee_ops *uat_registry_by_name(const char *name);
const uat_tee_ops *uat_registry_by_media_type(const char *media_type);
const uat_tee_ops *uat_registry_by_tag(uint64_t tag);
const uat_tee_ops *uat_registry_sniff(uat_span ev);
/* The TEE of a tag whose evidence the value is (TEEs may share a tag), else the tag's first TEE. */
const uat_tee_ops *uat_registry_by_tag_value(uint64_t tag, uat_span value);
/* Looks up an attester option: NULL when absent. */
const char *uat_attest_opt(const uat_attest_ctx *ctx, const char *key);

#endif
