/* The Intel collateral store (see store.h).
 * Bundle directory (docs/intel.md): any files under <collateral>/intel/ or <collateral>/:
 * *.json with a "tcbInfo" or "enclaveIdentity" member (Intel PCS v4 shapes, signed bytes kept),
 * CRLs in DER or PEM, certificates (issuer chains) in PEM or DER. Other files are ignored. */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/intel/store.h"

#define CHECK "intel.collateral"
#define TCB_SIGNING_CN "Intel SGX TCB Signing"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static uat_err add_json(intel_store *s, uat_span text, const char *path)
{
    if (memmem(text.p, text.len, "\"tcbInfo\"", 9) != NULL) {
        uat_tcb_info *nt = realloc(s->tcb, (s->ntcb + 1) * sizeof(*nt));
        intel_window *nw = nt ? realloc(s->tcb_w, (s->ntcb + 1) * sizeof(*nw)) : NULL;
        if (nt != NULL) {
            s->tcb = nt;
        }
        if (nw == NULL) {
            return UAT_NOMEM(CHECK);
        }
        s->tcb_w = nw;
        uat_err rc = uat_tcb_info_parse(text, &s->tcb[s->ntcb]);
        if (rc != UAT_OK) {
            return UAT_FAILF(rc, CHECK, "tcbInfo", -1, "%s is not a valid TCB info", path);
        }
        memset(&s->tcb_w[s->ntcb++], 0, sizeof(intel_window));
    } else if (memmem(text.p, text.len, "\"enclaveIdentity\"", 17) != NULL) {
        uat_enclave_identity *ni = realloc(s->ids, (s->nid + 1) * sizeof(*ni));
        intel_window *nw = ni ? realloc(s->id_w, (s->nid + 1) * sizeof(*nw)) : NULL;
        if (ni != NULL) {
            s->ids = ni;
        }
        if (nw == NULL) {
            return UAT_NOMEM(CHECK);
        }
        s->id_w = nw;
        uat_err rc = uat_identity_parse(text, &s->ids[s->nid]);
        if (rc != UAT_OK) {
            return UAT_FAILF(rc, CHECK, "enclaveIdentity", -1, "%s is not a valid enclave identity",
                             path);
        }
        memset(&s->id_w[s->nid++], 0, sizeof(intel_window));
    }
    return UAT_OK; /* other JSON shapes (e.g. a combined collateral.json) are not ours */
}

static uat_err add_file(intel_store *s, const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    if (rc == UAT_OK && ends_with(path, ".json")) {
        rc = add_json(s, uat_buf_span(&b), path);
    } else if (rc == UAT_OK && (ends_with(path, ".der") || ends_with(path, ".pem") ||
                                ends_with(path, ".crl") || ends_with(path, ".crt"))) {
        /* a CRL, else certificates; a file that is neither is an error, not silently skipped */
        if (uat_der_list_load_crls(uat_buf_span(&b), &s->crls) != UAT_OK &&
            uat_der_list_load_certs(uat_buf_span(&b), &s->certs) != UAT_OK) {
            rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "", -1,
                           "%s holds no certificate or CRL", path);
        }
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err load_collateral(intel_store *s, const char *root)
{
    char *dir = uat_tee_dir(root, "intel");
    if (dir == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_path_list files = {NULL, 0};
    uat_err rc = uat_dir_files(dir, UAT_MAX_TRUST_FILES, &files);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, "", -1, "no collateral directory %s", dir);
    }
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        rc = add_file(s, files.paths[i]);
    }
    uat_path_list_free(&files);
    free(dir);
    return rc;
}

static uat_err store_load(const uat_verify_ctx *ctx, intel_store *s)
{
    UAT_ENSURE(ctx->collateral_dir != NULL, UAT_ERR_VERIFY_COLLATERAL, CHECK, "", -1);
    UAT_TRY(uat_trust_load_certs(ctx->trust_dir, "intel", &s->anchors));
    for (size_t i = 0; i < s->anchors.n; i++) {
        UAT_TRY(uat_der_list_add(&s->certs, uat_buf_span(&s->anchors.items[i])));
    }
    return load_collateral(s, ctx->collateral_dir);
}

void intel_store_free(void *p)
{
    intel_store *s = p;
    if (s == NULL) {
        return;
    }
    uat_der_list_free(&s->anchors);
    uat_der_list_free(&s->certs);
    uat_der_list_free(&s->crls);
    for (size_t i = 0; i < s->ntcb; i++) {
        uat_tcb_info_free(&s->tcb[i]);
    }
    for (size_t i = 0; i < s->nid; i++) {
        uat_identity_free(&s->ids[i]);
    }
    for (size_t i = 0; i < s->npck; i++) {
        uat_key_free(s->pck[i].key);
    }
    free(s->tcb);
    free(s->tcb_w);
    free(s->ids);
    free(s->id_w);
    free(s);
}

uat_err intel_store_get(const uat_verify_ctx *ctx, intel_store **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    intel_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = store_load(ctx, s);
    if (rc != UAT_OK) {
        intel_store_free(s);
        return rc;
    }
    if (ctx->cache != NULL) {
        *ctx->cache = s;
    }
    *out = s;
    return UAT_OK;
}
