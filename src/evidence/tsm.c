/* Linux configfs-tsm reports (see tsm.h). */
#include "evidence/tsm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"

#define CHECK "tsm.report"

int uat_tsm_available(const char *root)
{
    char *dir = uat_path_join(root, UAT_TSM_REPORT_DIR);
    struct stat st;
    int ok = dir != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    free(dir);
    return ok;
}

static uat_err read_attr(const char *entry, const char *name, size_t max, uat_buf *out)
{
    char *p = uat_path_join(entry, name);
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_file_read(p, max, out);
    free(p);
    if (rc != UAT_OK) {
        return UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, name, -1, "cannot read %s/%s", entry, name);
    }
    return UAT_OK;
}

static uat_err write_attr(const char *entry, const char *name, const void *p, size_t n)
{
    char *path = uat_path_join(entry, name);
    if (path == NULL) {
        return UAT_NOMEM(CHECK);
    }
    /* configfs attributes are written in place (no temporary file and rename) */
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(p, 1, n, f) == n;
    ok = f != NULL && fclose(f) == 0 && ok;
    uat_err rc = ok ? UAT_OK
                    : UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, name, -1, "cannot write %s: %s",
                                path, strerror(errno));
    free(path);
    return rc;
}

static uat_err read_text(const char *entry, const char *name, char *out, size_t cap)
{
    uat_buf b;
    uat_buf_init(&b, cap - 1);
    uat_err rc = read_attr(entry, name, cap - 1, &b);
    if (rc == UAT_OK) {
        size_t n = b.len;
        while (n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == ' ')) {
            n--;
        }
        memcpy(out, b.p, n);
        out[n] = '\0';
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err fetch(const uat_tsm_request *req, const char *entry, uat_buf *outblob, uat_buf *aux)
{
    char provider[64], gen1[32], gen2[32];
    UAT_TRY(read_text(entry, "provider", provider, sizeof(provider)));
    UAT_ENSURE(req->provider == NULL || strcmp(provider, req->provider) == 0,
               UAT_ERR_PLATFORM_DEVICE, CHECK, "provider", -1);
    if (req->privlevel >= 0) {
        char lvl[16];
        int n = snprintf(lvl, sizeof(lvl), "%d", req->privlevel);
        UAT_TRY(write_attr(entry, "privlevel", lvl, (size_t)n));
    }
    UAT_TRY(write_attr(entry, "inblob", req->inblob, req->inblob_len));
    UAT_TRY(read_text(entry, "generation", gen1, sizeof(gen1)));
    UAT_TRY(read_attr(entry, "outblob", UAT_MAX_EVIDENCE_BYTES, outblob));
    if (aux != NULL) {
        UAT_TRY(read_attr(entry, "auxblob", UAT_MAX_EVIDENCE_BYTES, aux));
    }
    UAT_TRY(read_text(entry, "generation", gen2, sizeof(gen2)));
    /* spec: configfs-tsm ABI: a changed generation means another writer raced this report */
    UAT_ENSURE(strcmp(gen1, gen2) == 0, UAT_ERR_PLATFORM_DEVICE, CHECK, "generation", -1);
    UAT_ENSURE(outblob->len > 0, UAT_ERR_PLATFORM_DEVICE, CHECK, "outblob", -1);
    return UAT_OK;
}

uat_err uat_tsm_report(const uat_tsm_request *req, uat_buf *outblob, uat_buf *aux)
{
    UAT_ENSURE(req->inblob_len <= 64, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "inblob", -1);
    char name[64];
    if (req->entry == NULL) {
        snprintf(name, sizeof(name), "uattest-%ld", (long)getpid());
    }
    char *dir = uat_path_join(req->root, UAT_TSM_REPORT_DIR);
    char *entry = dir ? uat_path_join(dir, req->entry ? req->entry : name) : NULL;
    free(dir);
    if (entry == NULL) {
        return UAT_NOMEM(CHECK);
    }
    int created = mkdir(entry, 0700) == 0;
    uat_err rc = UAT_OK;
    if (!created && errno != EEXIST) {
        rc = UAT_FAILF(UAT_ERR_PLATFORM_DEVICE, CHECK, "", -1, "cannot create %s: %s", entry,
                       strerror(errno));
    }
    if (rc == UAT_OK) {
        rc = fetch(req, entry, outblob, aux);
    }
    if (created) {
        rmdir(entry); /* configfs removes the attributes with the directory */
    }
    free(entry);
    return rc;
}
