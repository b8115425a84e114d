/* Trust anchors from a trust directory. */
#include "collateral/trust.h"

#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/limits.h"

void uat_key_list_free(uat_key_list *l)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        uat_key_free(l->keys[i]);
    }
    if (l != NULL) {
        free(l->keys);
        l->keys = NULL;
        l->n = 0;
    }
}

static uat_err add_key_file(const char *path, uat_key_list *l)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_key *k = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_file_read(path, UAT_MAX_FILE_BYTES, &b), out);
    rc = uat_key_from_pem(uat_buf_span(&b), &k);
    if (rc != UAT_OK) {
        rc = UAT_FAILF(rc, "trust.load", "", -1, "%s holds no PEM public key or certificate", path);
        goto out;
    }
    uat_key **nk = realloc(l->keys, (l->n + 1) * sizeof(*nk));
    if (nk == NULL) {
        uat_key_free(k);
        rc = UAT_NOMEM("trust.load");
        goto out;
    }
    l->keys = nk;
    l->keys[l->n++] = k;
out:
    uat_buf_free(&b);
    return rc;
}

uat_err uat_trust_load_keys(const char *trust_dir, const char *tee, uat_key_list *out)
{
    UAT_ENSURE(trust_dir != NULL, UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1);
    char *dir = uat_path_join(trust_dir, tee);
    if (dir == NULL) {
        return UAT_NOMEM("trust.load");
    }
    uat_path_list files = {NULL, 0};
    uat_key_list l = {NULL, 0};
    uat_err rc = uat_dir_files(dir, UAT_MAX_TRUST_FILES, &files);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1,
                       "no trust anchor directory %s", dir);
    }
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        if (strstr(files.paths[i], ".pem") != NULL) {
            rc = add_key_file(files.paths[i], &l);
        }
    }
    if (rc == UAT_OK && l.n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1,
                       "no .pem trust anchor in %s", dir);
    }
    uat_path_list_free(&files);
    free(dir);
    if (rc != UAT_OK) {
        uat_key_list_free(&l);
        return rc;
    }
    *out = l;
    return UAT_OK;
}
