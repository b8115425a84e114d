/* Fetching a VCEK and its chain from an AMD KDS compatible service, when the caller allowed it
 * (uat_verifier_set_fetch(v, "amd", url)). spec: AMD 57230 (VCEK Certificate and KDS Interface)
 * §4: GET {base}/vcek/v1/{product}/{hwid}?blSPL=&teeSPL=&snpSPL=&ucodeSPL=[&fmcSPL=] (DER) and
 * {base}/vcek/v1/{product}/cert_chain (PEM: ASK, ARK) and {base}/vcek/v1/{product}/crl (DER, the
 * ARK's CRL revoking ASKs). What comes back is verified like local collateral: the ARK must still
 * be a configured trust anchor, and a CRL takes part in the chain check (its signature by the ARK
 * and its dates at the evaluation time). A service without a CRL (404) is tolerated: the chain is
 * then checked without one, as with local collateral. VLEKs are not served publicly. */
#include <stdio.h>
#include <string.h>

#include "collateral/fetch.h"
#include "core/limits.h"
#include "tee/snp/store.h"

#define CHECK "snp.fetch"

/* A CRL from the service must be the configured ARK's: anything else is refused, not ignored. */
static uat_err check_crl(const snp_store *s, uat_span body, const char *ark, const char *url)
{
    uat_der_list l = {NULL, 0, 0};
    uat_err rc = uat_der_list_load_crls(body, &l);
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        int signed_by_ark = 0;
        for (size_t k = 0; k < s->nanchors && !signed_by_ark; k++) {
            signed_by_ark = strcmp(uat_cert_cn(s->anchors[k]), ark) == 0 &&
                            uat_crl_signed_by(uat_buf_span(&l.items[i]),
                                              uat_cert_der(s->anchors[k]));
        }
        if (!signed_by_ark) {
            rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "crl", -1,
                           "the CRL from %s is not signed by the configured %s", url, ark);
        }
    }
    uat_der_list_free(&l);
    return rc;
}

/* keep: the path the fetch journal keeps the object under (snp/...) */
static uat_err fetch_into(snp_store *s, const char *url, int chain, const char *ark,
                          const char *keep)
{
    uat_http_response r;
    uat_err got = uat_http_get(url, UAT_MAX_FILE_BYTES, &r);
    if (got == UAT_ERR_IO_NOT_FOUND && chain == 2) {
        uat_error_clear(); /* no CRL published there */
        return UAT_OK;
    }
    UAT_TRY(got);
    uat_err rc = chain == 2 ? check_crl(s, uat_buf_span(&r.body), ark, url) : UAT_OK;
    if (rc == UAT_OK) {
        rc = chain ? snp_store_add_file(s, uat_buf_span(&r.body), url, "fetched")
                   : snp_store_add_der(s, uat_buf_span(&r.body), url, "fetched");
    }
    if (rc == UAT_OK) {
        uat_fetch_keep(keep, uat_buf_span(&r.body), url);
    }
    uat_http_response_free(&r);
    return rc;
}

static uat_err fetch_product(snp_store *s, const char *base, const uat_snp_report *r,
                             enum uat_snp_product p)
{
    uat_snp_tcb t;
    uat_snp_tcb_decode(r->reported_tcb, p, &t);
    /* spec: 57230 §4.1: hwID is the chip id in hex: 64 bytes, 8 on Turin */
    size_t idlen = p == UAT_SNP_PRODUCT_TURIN ? 8 : 64;
    char hwid[129], url[1024], fmc[24] = "";
    uat_hex_encode(r->chip_id, idlen, hwid);
    if (p == UAT_SNP_PRODUCT_TURIN) {
        snprintf(fmc, sizeof(fmc), "&fmcSPL=%u", t.fmc);
    }
    const char *name = uat_snp_product_name(p);
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/%s?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u%s", base,
             name, hwid, t.boot_loader, t.tee, t.snp, t.microcode, fmc);
    char ark[32], keep[96];
    snprintf(ark, sizeof(ark), "ARK-%s", name);
    snprintf(keep, sizeof(keep), "snp/vcek-%s-%.16s-%02x%02x%02x%02x.der", name, hwid, t.boot_loader,
             t.tee, t.snp, t.microcode);
    UAT_TRY(fetch_into(s, url, 0, ark, keep));
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/cert_chain", base, name);
    snprintf(keep, sizeof(keep), "snp/cert_chain-%s.pem", name);
    UAT_TRY(fetch_into(s, url, 1, ark, keep));
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/crl", base, name);
    snprintf(keep, sizeof(keep), "snp/crl-%s.crl", name);
    return fetch_into(s, url, 2, ark, keep);
}

uat_err snp_kds_fetch(snp_store *s, const char *base, const uat_snp_report *r)
{
    UAT_ENSURE(r->signing_key == UAT_SNP_KEY_VCEK, UAT_ERR_VERIFY_COLLATERAL, CHECK, "signing_key",
               -1);
    enum uat_snp_product p = uat_snp_product_from_cpuid(r);
    static const enum uat_snp_product all[] = {UAT_SNP_PRODUCT_MILAN, UAT_SNP_PRODUCT_GENOA,
                                               UAT_SNP_PRODUCT_TURIN};
    /* a version 2 report does not say its product: KDS answers 404 for the wrong ones */
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (p != UAT_SNP_PRODUCT_UNKNOWN && all[i] != p) {
            continue;
        }
        uat_err rc = fetch_product(s, base, r, all[i]);
        if (rc != UAT_ERR_IO_NOT_FOUND) {
            return rc;
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "chip_id", -1,
                     "the key distribution service has no VCEK for this chip and TCB");
}
