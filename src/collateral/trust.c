/* Trust anchors from a trust directory. */
#include "collateral/trust.h"

#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/limits.h"

#include <sys/stat.h>

char *uat_tee_dir(const char *root, const char *name)
{
    char *sub = uat_path_join(root, name);
    struct stat st;
    if (sub != NULL && stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
        return sub;
    }
    free(sub);
    return strdup(root);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_cert_file(const char *path)
{
    return has_suffix(path, ".pem") || has_suffix(path, ".der") || has_suffix(path, ".crt") ||
           has_suffix(path, ".cer");
}

/* Lists the files of a TEE's trust folder; USAGE_NO_TRUST_ANCHOR when it does not exist. */
static uat_err trust_files(const char *trust_dir, const char *tee, uat_path_list *files)
{
    UAT_ENSURE(trust_dir != NULL, UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1);
    char *dir = uat_tee_dir(trust_dir, tee);
    if (dir == NULL) {
        return UAT_NOMEM("trust.load");
    }
    uat_err rc = uat_dir_files(dir, UAT_MAX_TRUST_FILES, files);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1,
                       "no trust anchor directory %s", dir);
    }
    free(dir);
    return rc;
}

uat_err uat_trust_load_certs(const char *trust_dir, const char *tee, uat_der_list *out)
{
    uat_path_list files = {NULL, 0};
    UAT_TRY(trust_files(trust_dir, tee, &files));
    uat_der_list l = {NULL, 0, 0};
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        if (!is_cert_file(files.paths[i])) {
            continue;
        }
        b.len = 0;
        rc = uat_file_read(files.paths[i], UAT_MAX_FILE_BYTES, &b);
        if (rc == UAT_OK && uat_der_list_load_certs(uat_buf_span(&b), &l) != UAT_OK) {
            rc = UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, "trust.load", tee, -1,
                           "%s holds no certificate", files.paths[i]);
        }
    }
    uat_buf_free(&b);
    if (rc == UAT_OK && l.n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1,
                       "no certificate among the trust anchors for %s", tee);
    }
    uat_path_list_free(&files);
    if (rc != UAT_OK) {
        uat_der_list_free(&l);
        return rc;
    }
    *out = l;
    return UAT_OK;
}

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
    uat_path_list files = {NULL, 0};
    UAT_TRY(trust_files(trust_dir, tee, &files));
    uat_key_list l = {NULL, 0};
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        if (has_suffix(files.paths[i], ".pem")) {
            rc = add_key_file(files.paths[i], &l);
        }
    }
    if (rc == UAT_OK && l.n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "trust.load", tee, -1,
                       "no .pem trust anchor for %s", tee);
    }
    uat_path_list_free(&files);
    if (rc != UAT_OK) {
        uat_key_list_free(&l);
        return rc;
    }
    *out = l;
    return UAT_OK;
}

uat_err uat_collateral_each_file(const char *root, const char *tee,
                                 uat_err (*fn)(void *ud, const char *path), void *ud)
{
    char *dir = uat_tee_dir(root, tee);
    if (dir == NULL) {
        return UAT_NOMEM("collateral.load");
    }
    uat_path_list files = {NULL, 0};
    uat_err rc = uat_dir_files(dir, UAT_MAX_TRUST_FILES, &files);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, "collateral.load", tee, -1,
                       "no collateral directory %s", dir);
    }
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        rc = fn(ud, files.paths[i]);
    }
    uat_path_list_free(&files);
    free(dir);
    return rc;
}
