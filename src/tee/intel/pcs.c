/* Fetching missing Intel collateral from an Intel PCS v4 / PCCS compatible service, when the caller
 * allowed it. spec: Intel SGX and TDX PCS API v4: GET {base}/sgx|tdx/certification/v4/tcb?fmspc=,
 * /qe/identity, /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der, and the PCCS
 * /sgx/certification/v4/rootcacrl; issuer chains come URL-encoded in response headers.
 * Everything fetched is verified like local collateral (signatures, chains, CRLs, dates). */
#include <stdio.h>
#include <string.h>

#include "collateral/fetch.h"
#include "core/limits.h"
#include "tee/intel/store.h"

#define CHECK "intel.fetch"

int intel_store_has_crl(const intel_store *s, const char *issuer_cn)
{
    for (size_t i = 0; i < s->crls.n; i++) {
        char cn[128];
        uat_time tu = 0, nu = 0;
        if (uat_crl_info(uat_buf_span(&s->crls.items[i]), cn, sizeof(cn), &tu, &nu) == UAT_OK &&
            strcmp(cn, issuer_cn) == 0) {
            return 1;
        }
    }
    uat_error_clear();
    return 0;
}

int intel_store_has_tcb_info(const intel_store *s, const uint8_t fmspc[6], int tdx)
{
    for (size_t i = 0; i < s->ntcb; i++) {
        if (s->tcb[i].is_tdx == tdx && memcmp(s->tcb[i].fmspc, fmspc, 6) == 0) {
            return 1;
        }
    }
    return 0;
}

int intel_store_has_identity(const intel_store *s, const char *id)
{
    for (size_t i = 0; i < s->nid; i++) {
        if (strcmp(s->ids[i].id, id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The issuer chain from a response header, added to the certificate pool (and kept in the fetch
 * journal as intel/<name>-chain.pem). */
static uat_err add_chain_header(intel_store *s, const uat_http_response *r, const char *header,
                                const char *name, const char *url)
{
    uat_buf pem;
    uat_buf_init(&pem, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_http_header(r, header, 1, &pem);
    if (rc == UAT_OK) {
        rc = uat_pem_certs_strict(uat_buf_span(&pem), &s->certs);
    }
    if (rc == UAT_OK) {
        char path[160];
        snprintf(path, sizeof(path), "intel/%s-chain.pem", name);
        uat_fetch_keep(path, uat_buf_span(&pem), url);
    }
    uat_buf_free(&pem);
    return rc;
}

/* A CRL body as DER, PEM or hex text (PCCS serves the root CA CRL hex-encoded); kept in the
 * fetch journal as intel/<name>.crl, DER or PEM as it came (hex decoded). */
static uat_err add_crl_body(intel_store *s, uat_span body, const char *name, const char *url)
{
    char path[160];
    snprintf(path, sizeof(path), "intel/%s.crl", name);
    if (uat_der_list_load_crls(body, &s->crls) == UAT_OK) {
        uat_fetch_keep(path, body, url);
        return UAT_OK;
    }
    uat_buf der;
    uat_buf_init(&der, UAT_MAX_FILE_BYTES);
    size_t n = body.len;
    while (n > 0 && (body.p[n - 1] == '\n' || body.p[n - 1] == '\r')) {
        n--;
    }
    uat_err rc = uat_hex_decode((const char *)body.p, n, &der);
    if (rc == UAT_OK) {
        rc = uat_der_list_load_crls(uat_buf_span(&der), &s->crls);
    }
    if (rc == UAT_OK) {
        uat_fetch_keep(path, uat_buf_span(&der), url);
    }
    uat_buf_free(&der);
    return rc == UAT_OK ? rc : UAT_FAIL(UAT_ERR_VERIFY_COLLATERAL, CHECK, "crl", -1);
}

static uat_err fetch_crl(intel_store *s, const char *url, const char *chain_header,
                         const char *name)
{
    uat_http_response r;
    UAT_TRY(uat_http_get(url, UAT_MAX_FILE_BYTES, &r));
    uat_err rc = add_crl_body(s, uat_buf_span(&r.body), name, url);
    if (rc == UAT_OK && chain_header != NULL) {
        rc = add_chain_header(s, &r, chain_header, name, url);
    }
    uat_http_response_free(&r);
    return rc;
}

uat_err intel_fetch_crls(intel_store *s, const char *base)
{
    static const struct {
        const char *cn, *path, *name;
    } crls[] = {
        {"Intel SGX Root CA", "/sgx/certification/v4/rootcacrl", "rootcacrl"},
        {"Intel SGX PCK Processor CA", "/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
         "pckcrl-processor"},
        {"Intel SGX PCK Platform CA", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
         "pckcrl-platform"},
    };
    int added = 0;
    for (size_t i = 0; i < sizeof(crls) / sizeof(crls[0]); i++) {
        if (intel_store_has_crl(s, crls[i].cn)) {
            continue;
        }
        char url[1024];
        snprintf(url, sizeof(url), "%s%s", base, crls[i].path);
        uat_err rc = fetch_crl(s, url, i == 0 ? NULL : "SGX-PCK-CRL-Issuer-Chain", crls[i].name);
        /* a quote needs one of the two PCK CA CRLs; a service without the other is not an error
         * here: a chain that needs a missing CRL fails later with VERIFY_COLLATERAL */
        if (rc == UAT_ERR_IO_NOT_FOUND && i > 0) {
            uat_error_clear();
            continue;
        }
        UAT_TRY(rc);
        added = 1;
    }
    return added ? intel_store_refresh(s) : UAT_OK;
}

static uat_err fetch_json(intel_store *s, const char *url, const char *h1, const char *h2,
                          const char *name)
{
    uat_http_response r;
    UAT_TRY(uat_http_get(url, UAT_MAX_FILE_BYTES, &r));
    uat_err rc = intel_store_add_json(s, uat_buf_span(&r.body), url);
    if (rc == UAT_OK) {
        char path[160];
        snprintf(path, sizeof(path), "intel/%s.json", name);
        uat_fetch_keep(path, uat_buf_span(&r.body), url);
        rc = add_chain_header(s, &r, h1, name, url);
        if (rc != UAT_OK && h2 != NULL) {
            uat_error_clear();
            rc = add_chain_header(s, &r, h2, name, url);
        }
    }
    uat_http_response_free(&r);
    UAT_TRY(rc);
    return intel_store_refresh(s);
}

uat_err intel_fetch_tcb_info(intel_store *s, const char *base, const uint8_t fmspc[6], int tdx)
{
    char url[1024], hex[13];
    uat_hex_encode(fmspc, 6, hex);
    for (char *c = hex; *c; c++) {
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
    }
    snprintf(url, sizeof(url), "%s/%s/certification/v4/tcb?fmspc=%s", base, tdx ? "tdx" : "sgx", hex);
    /* PCS v4 names the header TCB-Info-Issuer-Chain; v3 and some PCCS use SGX-TCB-Info-Issuer-Chain */
    char name[48];
    snprintf(name, sizeof(name), "tcbinfo-%s-%s", tdx ? "tdx" : "sgx", hex);
    return fetch_json(s, url, "TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain", name);
}

uat_err intel_fetch_identity(intel_store *s, const char *base, int tdx)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s/%s/certification/v4/qe/identity", base, tdx ? "tdx" : "sgx");
    return fetch_json(s, url, "SGX-Enclave-Identity-Issuer-Chain", NULL,
                      tdx ? "tdqe-identity" : "qe-identity");
}
