/* The SEV-SNP certificate store of one verifier: AMD roots and intermediates loaded once, every
 * VCEK/VLEK parsed once and its chain verified once per validity window (kept in ctx->cache). */
#ifndef UAT_TEE_SNP_STORE_H
#define UAT_TEE_SNP_STORE_H

#include "core/trace.h"
#include "tee/snp/snp.h"

#define SNP_EVIDENCE_SLOTS 16u /* VCEK/VLEK certificates carried by evidence, most recent first */
#define SNP_PRODUCTS 4u /* indexed by enum uat_snp_product */
#define SNP_MAX_VEKS 64u /* VCEK/VLEK certificates in one collateral directory */

typedef struct snp_window {
    int ok;
    uat_time lo, hi; /* valid for lo <= t < hi; hi is the earliest notAfter / nextUpdate */
} snp_window;

/* The collateral one verified chain used: the VCEK/VLEK, the ASK/ASVK, the ARK and the CRLs the
 * chain verification consulted. A verification whose chain is cached records these again, so a
 * cache hit lists exactly what the cold verification listed (registry.h cache_records_collateral). */
typedef struct snp_vek {
    uint8_t der_hash[32];
    uat_cert *cert;
    uat_snp_vek_ext ext;
    const char *source; /* "collateral dir", "fetched" or "evidence" (static) */
    snp_window w;       /* where its chain to the ARK verified */
    uat_coll_memo used; /* what its verified chain used (see above) */
} snp_vek;

typedef struct snp_crl {
    char issuer_cn[64];
    uat_time this_update, next_update;
} snp_crl;

typedef struct snp_store {
    uat_cert **anchors; /* ARK-<product> certificates of the trust directory */
    size_t nanchors;
    uat_cert **inter; /* SEV-<product> (ASK) and SEV-VLEK-<product> (ASVK) certificates */
    const char **inter_src; /* where each came from: "trust dir", "collateral dir", "fetched" */
    size_t ninter;
    uat_der_list crls;
    snp_crl *crl_info;
    uat_x509_store *x509[SNP_PRODUCTS]; /* per product: its ARK and the CRLs, on first use */
    snp_vek *coll; /* VCEK/VLEK certificates of the collateral directory */
    size_t ncoll;
    snp_vek ev[SNP_EVIDENCE_SLOTS];
    size_t nev, ev_next;
} snp_store;

/* The store in ctx->cache, loaded from the trust and collateral directories on first use. */
UAT_MUST_USE uat_err snp_store_get(const uat_verify_ctx *ctx, snp_store **out);
void snp_store_free(void *store);

/* Adds a certificate (VCEK, VLEK, ASK, ASVK; ARKs count only from the trust directory) or CRL, as a
 * KDS fetch would (origin names it in errors; source, a static string, is where it came from in
 * the collateral records: "collateral dir", "fetched"). */
UAT_MUST_USE uat_err snp_store_add_der(snp_store *s, uat_span der, const char *origin,
                                       const char *source);
UAT_MUST_USE uat_err snp_store_add_file(snp_store *s, uat_span bytes, const char *origin,
                                        const char *source);
/* kds.c: the VCEK for r and its chain from an AMD KDS compatible base URL. */
UAT_MUST_USE uat_err snp_kds_fetch(snp_store *s, const char *base, const uat_snp_report *r);

/* The VCEK/VLEK carried by evidence (cached by the hash of its DER). */
UAT_MUST_USE uat_err snp_store_evidence_vek(snp_store *s, uat_span der, snp_vek **out);

/* The chain VCEK <- ASK <- ARK (VLEK <- ASVK <- ARK) of the certificate's product at `at`, verified
 * once per window (VERIFY_CHAIN, VERIFY_EXPIRED, VERIFY_REVOKED). Records the collateral the chain
 * used (v->used), whether verified now or cached. */
UAT_MUST_USE uat_err snp_vek_chain(snp_store *s, snp_vek *v, uat_time at);

#endif
