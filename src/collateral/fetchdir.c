/* uattest collateral fetch: verify evidence with fetching allowed, and keep what was fetched as a
 * collateral directory with a manifest (docs/operations.md). The directory appears whole or not
 * at all: it is written under a temporary name beside its place and renamed at the end. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collateral/fetch.h"
#include "collateral/manifest.h"
#include "core/check.h"
#include "core/codec.h"
#include "core/file.h"
#include "uattest/bundle.h"
#include "uattest/verifier.h"

#define CHECK "collateral.fetch"

/* A kept path is relative, inside the directory: no "..", no empty or absolute component. */
static int safe_rel(const char *p)
{
    if (p[0] == '\0' || p[0] == '/') {
        return 0;
    }
    for (const char *c = p; *c != '\0';) {
        const char *e = strchr(c, '/');
        size_t n = e != NULL ? (size_t)(e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            return 0;
        }
        c += n + (e != NULL);
    }
    return 1;
}

static uat_err write_item(const char *root, const uat_fetch_item *it)
{
    UAT_ENSURE(safe_rel(it->path), UAT_ERR_INTERNAL, CHECK, "path", -1);
    char *full = uat_path_join(root, it->path);
    if (full == NULL) {
        return UAT_NOMEM(CHECK);
    }
    char *slash = strrchr(full, '/');
    *slash = '\0';
    uat_err rc = uat_mkdirs(full, 0755);
    *slash = '/';
    if (rc == UAT_OK) {
        rc = uat_file_write_atomic(full, it->bytes.p, it->bytes.len, 0644);
    }
    free(full);
    return rc;
}

/* Adds source and fetched to the manifest entry of every kept item. */
static uat_err annotate(json_t *m, const uat_fetch_journal *j)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "files"), i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        for (size_t k = 0; path != NULL && k < j->n; k++) {
            if (strcmp(j->items[k].path, path) != 0) {
                continue;
            }
            char when[32];
            UAT_TRY(uat_time_format(j->items[k].fetched, when));
            if (json_object_set_new(f, "source", json_string(j->items[k].source)) != 0 ||
                json_object_set_new(f, "fetched", json_string(when)) != 0) {
                return UAT_NOMEM(CHECK);
            }
        }
    }
    return UAT_OK;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

static uat_err write_dir(const char *tmp, const uat_fetch_journal *j, int64_t now)
{
    for (size_t i = 0; i < j->n; i++) {
        UAT_TRY(write_item(tmp, &j->items[i]));
    }
    json_t *m = NULL;
    UAT_TRY(uat_bundle_manifest(tmp, now, NULL, &m));
    uat_err rc = annotate(m, j);
    char *text = rc == UAT_OK ? json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(m);
    char *mp = uat_path_join(tmp, UAT_BUNDLE_MANIFEST);
    if (rc == UAT_OK && (text == NULL || mp == NULL)) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK) {
        rc = uat_file_write_atomic(mp, text, strlen(text), 0644);
    }
    free(mp);
    free(text);
    return rc;
}

uat_err uat_collateral_fetch(uat_verifier *v, const uint8_t *evidence, size_t n, const char *dir,
                             uat_fetch_result *res)
{
    UAT_ENSURE(v != NULL && evidence != NULL && dir != NULL && dir[0] != '\0' && res != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    memset(res, 0, sizeof(*res));
    struct stat st;
    if (lstat(dir, &st) == 0) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "dir", -1,
                         "%s exists: give a directory that does not exist yet", dir);
    }
    uat_fetch_journal j;
    uat_fetch_journal_open(&j);
    uat_claims *claims = NULL;
    res->verdict = uat_verify(v, evidence, n, NULL, &claims);
    if (res->verdict != UAT_OK) {
        uat_error_format(uat_last_error(), res->why, sizeof(res->why));
    }
    uat_fetch_journal_close(&j);
    uat_claims_free(claims);
    uat_err rc = j.failed;
    if (rc == UAT_OK && j.n == 0) {
        rc = res->verdict != UAT_OK
                 ? res->verdict /* verification ended before any fetch: its error stands */
                 : UAT_FAILF(UAT_ERR_IO_NOT_FOUND, CHECK, "", -1,
                             "nothing was fetched: the evidence's TEE fetches no collateral, "
                             "no source was allowed for its vendor, or it had all it needs");
    }
    size_t len = strlen(dir);
    char *tmp = rc == UAT_OK ? malloc(len + 16) : NULL;
    if (rc == UAT_OK && tmp == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK) {
        snprintf(tmp, len + 16, "%s.tmp-XXXXXX", dir);
        if (mkdtemp(tmp) == NULL) {
            rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "dir", -1, "cannot create %s", tmp);
            free(tmp);
            tmp = NULL;
        }
    }
    if (rc == UAT_OK) {
        rc = write_dir(tmp, &j, uat_time_now());
    }
    if (rc == UAT_OK && rename(tmp, dir) != 0) {
        rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "dir", -1, "cannot rename %s to %s", tmp, dir);
    }
    if (rc != UAT_OK && tmp != NULL) {
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (rc == UAT_OK) {
        res->files = j.n;
    }
    free(tmp);
    uat_fetch_journal_free(&j);
    return rc;
}
