/* RIMs from the collateral folder (<collateral>/nvidia-gpu/, files ending .xml or .swidtag) for a verified
 * report: for the driver and for the VBIOS, the first file in name order whose colloquialVersion
 * is the report's version and that verifies (rim_verify.c) is appraised. A RIM that verifies but
 * does not match fails the verification; one that does not verify is passed over (another file of
 * the same version may be a later signing), and its error is reported when no file of that
 * version verifies. Without any RIM file nothing is appraised (docs/nvgpu.md).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "tee/nvgpu/rim.h"

#define CHECK "nvidia-gpu.rim.load"
#define CHECK_APPRAISE "nvidia-gpu.rim.appraise"

typedef struct rim_pick {
    const uat_verify_ctx *ctx;
    const uat_nvgpu_report *rep;
    char version[2][64];
    json_t *out[2];
    uat_err first_err[2];
    char first_detail[2][256];
    size_t nfiles;
    uint8_t file_sha256[32]; /* of the RIM file being tried */
} rim_pick;

static const char *const KIND_NAME[2] = {"driver", "vbios"};

static int is_rim_file(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && strcmp(path + n - 4, ".xml") == 0) ||
           (n > 8 && strcmp(path + n - 8, ".swidtag") == 0);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

static uat_err describe(const uat_nvgpu_rim *r, const char *path, const char *signer, json_t *o)
{
    UAT_TRY(uat_json_set_str(o, "file", base_name(path)));
    UAT_TRY(uat_json_set_str(o, "tag_id", r->tag_id));
    UAT_TRY(uat_json_set_str(o, "version", r->version));
    UAT_TRY(uat_json_set_str(o, "product", r->product));
    return uat_json_set_str(o, "signer", signer);
}

static void remember_failure(rim_pick *p, int kind, uat_err rc, const char *path)
{
    if (p->first_err[kind] != UAT_OK) {
        return;
    }
    char msg[200] = "";
    (void)uat_error_format(uat_last_error(), msg, sizeof(msg));
    p->first_err[kind] = rc;
    snprintf(p->first_detail[kind], sizeof(p->first_detail[kind]), "%s: %s", base_name(path), msg);
}

/* Verifies and appraises r as kind; *done when it was used. */
static uat_err try_rim(rim_pick *p, int kind, const uat_nvgpu_rim *r, const char *path)
{
    char signer[128];
    uat_err rc = uat_nvgpu_rim_verify(r, p->ctx->trust_dir, p->ctx->at, signer);
    if (rc != UAT_OK) {
        remember_failure(p, kind, rc, path);
        return UAT_OK;
    }
    json_t *o = json_object();
    rc = o != NULL ? describe(r, path, signer, o) : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = uat_nvgpu_rim_appraise(r, p->rep, (enum uat_nvgpu_rim_kind)kind, o);
    }
    if (rc != UAT_OK) {
        json_decref(o);
        return rc;
    }
    p->out[kind] = o;
    if (UAT_TRACING_COLLATERAL()) {
        uat_time nb = 0, na = 0;
        if (uat_x509_validity(uat_buf_span(&r->certs.items[0]), &nb, &na) != UAT_OK) {
            uat_error_clear(); /* verified above: only a failed allocation gets here */
            nb = na = 0;
        }
        uat_trace_collateral(kind == 0 ? "rim_driver" : "rim_vbios", signer, nb, na, NULL,
                             p->file_sha256);
    }
    if (UAT_TRACING()) {
        uat_stepf(CHECK_APPRAISE, "every active golden measurement of the RIM of the report's "
                  "version equals a measurement block", "%s RIM %s (version %s, signed by %s): "
                  "%zu indices matched, %zu skipped", KIND_NAME[kind], base_name(path), r->version,
                  signer, json_object_size(json_object_get(o, "matched")),
                  json_array_size(json_object_get(o, "skipped")));
    }
    return UAT_OK;
}

static uat_err on_file(void *ud, const char *path)
{
    rim_pick *p = ud;
    if (!is_rim_file(path)) {
        return UAT_OK;
    }
    if (++p->nfiles > UAT_MAX_RIM_FILES) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1, "more than %u RIM files",
                         UAT_MAX_RIM_FILES);
    }
    uat_buf b;
    uat_nvgpu_rim *r = NULL;
    uat_buf_init(&b, UAT_MAX_RIM_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_RIM_BYTES, &b);
    if (rc == UAT_OK) {
        uat_span whole = uat_buf_span(&b);
        rc = uat_hash(UAT_HASH_SHA256, &whole, 1, p->file_sha256);
    }
    if (rc == UAT_OK) {
        rc = uat_nvgpu_rim_parse(uat_buf_span(&b), &r);
    }
    for (int k = 0; rc == UAT_OK && k < 2; k++) {
        if (p->out[k] == NULL && p->version[k][0] != '\0' &&
            strcasecmp(r->version, p->version[k]) == 0) {
            rc = try_rim(p, k, r, path);
            break;
        }
    }
    uat_nvgpu_rim_free(r);
    uat_buf_free(&b);
    return rc;
}

static uat_err finish(rim_pick *p, json_t *o)
{
    for (int k = 0; k < 2; k++) {
        if (p->out[k] != NULL) {
            continue;
        }
        if (p->first_err[k] != UAT_OK) {
            return UAT_FAILF(p->first_err[k], CHECK, KIND_NAME[k], -1,
                             "no %s RIM for version %s verifies; the first: %s", KIND_NAME[k],
                             p->version[k], p->first_detail[k]);
        }
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, KIND_NAME[k], -1,
                         "none of the %zu RIM files is a %s RIM for version %s", p->nfiles,
                         KIND_NAME[k], p->version[k][0] != '\0' ? p->version[k] : "(none)");
    }
    json_t *rim = json_object();
    UAT_TRY(uat_json_set(o, "rim", rim));
    for (int k = 0; k < 2; k++) {
        UAT_TRY(uat_json_set(rim, KIND_NAME[k], p->out[k]));
        p->out[k] = NULL;
    }
    return UAT_OK;
}

uat_err uat_nvgpu_rim_check(const uat_verify_ctx *ctx, const uat_nvgpu_report *rep, json_t *o)
{
    if (ctx->collateral_dir == NULL || ctx->collateral_dir[0] == '\0') {
        uat_step_skip(CHECK_APPRAISE, "no collateral folder: no RIM is appraised");
        return UAT_OK;
    }
    rim_pick p;
    memset(&p, 0, sizeof(p));
    p.ctx = ctx;
    p.rep = rep;
    for (int k = 0; k < 2; k++) {
        /* a report without the version selects no RIM: reported below if RIMs are given */
        if (uat_nvgpu_report_version(rep, (enum uat_nvgpu_rim_kind)k, p.version[k]) != UAT_OK) {
            p.version[k][0] = '\0';
        }
    }
    uat_err rc = uat_collateral_each_file(ctx->collateral_dir, UAT_NVGPU_NAME, on_file, &p);
    if (rc == UAT_ERR_VERIFY_COLLATERAL && p.nfiles == 0) {
        rc = UAT_OK; /* no collateral folder: no RIMs */
    }
    if (rc == UAT_OK && p.nfiles > 0) {
        rc = finish(&p, o);
    } else if (rc == UAT_OK) {
        uat_step_skip(CHECK_APPRAISE, "no RIM file in the collateral folder: no RIM is appraised");
    }
    json_decref(p.out[0]);
    json_decref(p.out[1]);
    return rc;
}
