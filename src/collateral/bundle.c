/* Signed offline collateral bundles: a manifest of every file of a collateral directory and an
 * ES256 JWS over it (the token code's signing and JWKS checks). docs/operations.md describes the
 * format; a bundle is checked whole before any of its files is used. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/check.h"
#include "core/codec.h"
#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "collateral/manifest.h"
#include "token/token_int.h"
#include "uattest/bundle.h"

#define CHECK "collateral.bundle"
#define BUNDLE_TYP "uattest-bundle+json"
#define BUNDLE_FORMAT "uattest-collateral-bundle/1"

/* Relative paths of the files of a bundle, sorted. */
typedef struct rel_list {
    char **p;
    size_t n;
} rel_list;

static void rel_list_free(rel_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->p[i]);
    }
    free(l->p);
    l->p = NULL;
    l->n = 0;
}

static uat_err rel_add(rel_list *l, const char *rel)
{
    UAT_ENSURE(l->n < UAT_MAX_BUNDLE_FILES, UAT_ERR_RESOURCE_LIMIT, CHECK, "files", -1);
    char **np = realloc(l->p, (l->n + 1) * sizeof(*np));
    if (np == NULL) {
        return UAT_NOMEM(CHECK);
    }
    l->p = np;
    if ((l->p[l->n] = strdup(rel)) == NULL) {
        return UAT_NOMEM(CHECK);
    }
    l->n++;
    return UAT_OK;
}

static int is_signature_file(const char *rel)
{
    return strcmp(rel, UAT_BUNDLE_MANIFEST) == 0 || strcmp(rel, UAT_BUNDLE_SIGNATURE) == 0;
}

static uat_err walk(const char *root, const char *rel, unsigned depth, rel_list *out);

/* One directory entry: a regular file is listed, a directory walked; anything else (symlinks,
 * devices) has no place in a bundle. */
static uat_err walk_entry(const char *root, const char *rel, unsigned depth, rel_list *out)
{
    char *full = uat_path_join(root, rel);
    if (full == NULL) {
        return UAT_NOMEM(CHECK);
    }
    struct stat st;
    uat_err rc = UAT_OK;
    if (lstat(full, &st) != 0) {
        rc = UAT_FAILF(UAT_ERR_IO_READ, CHECK, rel, -1, "cannot stat %s", full);
    } else if (S_ISDIR(st.st_mode)) {
        rc = walk(root, rel, depth + 1, out);
    } else if (S_ISREG(st.st_mode)) {
        rc = depth == 0 && is_signature_file(rel) ? UAT_OK : rel_add(out, rel);
    } else {
        rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, rel, -1,
                       "%s is neither a regular file nor a directory", rel);
    }
    free(full);
    return rc;
}

static uat_err walk(const char *root, const char *rel, unsigned depth, rel_list *out)
{
    UAT_ENSURE(depth < UAT_MAX_BUNDLE_DEPTH, UAT_ERR_RESOURCE_LIMIT, CHECK, rel, -1);
    char *dir = rel[0] ? uat_path_join(root, rel) : strdup(root);
    if (dir == NULL) {
        return UAT_NOMEM(CHECK);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        uat_err e = UAT_FAILF(UAT_ERR_IO_NOT_FOUND, CHECK, "dir", -1, "cannot open %s", dir);
        free(dir);
        return e;
    }
    uat_err rc = UAT_OK;
    struct dirent *e;
    while (rc == UAT_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *child = rel[0] ? uat_path_join(rel, e->d_name) : strdup(e->d_name);
        rc = child == NULL ? UAT_NOMEM(CHECK) : walk_entry(root, child, depth, out);
        free(child);
    }
    closedir(d);
    free(dir);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uat_err list_files(const char *root, rel_list *out)
{
    rel_list l = {NULL, 0};
    uat_err rc = walk(root, "", 0, &l);
    if (rc != UAT_OK) {
        rel_list_free(&l);
        return rc;
    }
    if (l.n > 1) {
        qsort(l.p, l.n, sizeof(*l.p), cmp_str);
    }
    *out = l;
    return UAT_OK;
}

/* What a file holds, told from its first bytes without naming any vendor: "pem:<label>" for PEM,
 * "json:<first member>" for a JSON object, "der" for a DER SEQUENCE; NULL when unknown. */
static char *sniff_kind(const uat_buf *b)
{
    static const char pem[] = "-----BEGIN ";
    char kind[96];
    if (b->len > sizeof(pem) && memcmp(b->p, pem, sizeof(pem) - 1) == 0) {
        size_t i = sizeof(pem) - 1, k = 0;
        while (i < b->len && b->p[i] != '-' && k < 60) {
            kind[k++] = (char)b->p[i++];
        }
        kind[k] = '\0';
        char out[sizeof(kind) + 8];
        snprintf(out, sizeof(out), "pem:%s", kind);
        return strdup(out);
    }
    if (b->len > 0 && b->p[0] == '{') {
        json_t *j = json_loadb((const char *)b->p, b->len, JSON_REJECT_DUPLICATES, NULL);
        void *it = json_is_object(j) ? json_object_iter(j) : NULL;
        if (it != NULL) {
            snprintf(kind, sizeof(kind), "json:%.80s", json_object_iter_key(it));
        }
        json_decref(j);
        return it != NULL ? strdup(kind) : NULL;
    }
    return b->len > 1 && b->p[0] == 0x30 ? strdup("der") : NULL;
}

/* Reads root/rel: its size and lower-case hex SHA-256 (and kind, when asked). */
static uat_err file_digest(const char *root, const char *rel, char hex[65], size_t *size,
                           char **kind)
{
    char *full = uat_path_join(root, rel);
    if (full == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_BUNDLE_FILE);
    uint8_t md[32];
    uat_err rc = uat_file_read(full, UAT_MAX_BUNDLE_FILE, &b);
    if (rc == UAT_OK) {
        uat_span part = uat_buf_span(&b);
        rc = uat_hash(UAT_HASH_SHA256, &part, 1, md);
    }
    if (rc == UAT_OK) {
        uat_hex_encode(md, sizeof(md), hex);
        *size = b.len;
        if (kind != NULL) {
            *kind = sniff_kind(&b);
        }
    }
    uat_buf_free(&b);
    free(full);
    return rc;
}

/* Narrows [*from, *until] to [a, b]. */
static void narrow(uat_time a, uat_time b, uat_time *from, uat_time *until)
{
    if (*from == 0 || a > *from) {
        *from = a;
    }
    if (*until == 0 || b < *until) {
        *until = b;
    }
}

/* The window in which a collateral file is valid, told from its content: certificates (every
 * one of the file), CRLs (thisUpdate..nextUpdate) and signed JSON collateral whose top member
 * carries issueDate and nextUpdate (Intel PCS shapes). 0 when the file says nothing. */
void uat_collateral_validity(uat_span b, uat_time *from, uat_time *until)
{
    uat_der_list l = {NULL, 0, 0};
    *from = *until = 0;
    if (b.len > 0 && b.p[0] == '{') {
        json_t *j = json_loadb((const char *)b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
        void *it = json_is_object(j) ? json_object_iter(j) : NULL;
        json_t *top = it != NULL ? json_object_iter_value(it) : NULL;
        json_t *iss = json_object_get(top, "issueDate"), *nxt = json_object_get(top, "nextUpdate");
        uat_time a = 0, z = 0;
        if (json_is_string(iss) && json_is_string(nxt) &&
            uat_time_parse(json_string_value(iss), json_string_length(iss), &a) == UAT_OK &&
            uat_time_parse(json_string_value(nxt), json_string_length(nxt), &z) == UAT_OK) {
            narrow(a, z, from, until);
        }
        json_decref(j);
    } else if (uat_der_list_load_crls(b, &l) == UAT_OK) {
        for (size_t i = 0; i < l.n; i++) {
            char cn[128];
            uat_time tu = 0, nu = 0;
            if (uat_crl_info(uat_buf_span(&l.items[i]), cn, sizeof(cn), &tu, &nu) == UAT_OK) {
                narrow(tu, nu, from, until);
            }
        }
    } else if (uat_der_list_load_certs(b, &l) == UAT_OK) {
        for (size_t i = 0; i < l.n; i++) {
            uat_time nb = 0, na = 0;
            if (uat_x509_validity(uat_buf_span(&l.items[i]), &nb, &na) == UAT_OK) {
                narrow(nb, na, from, until);
            }
        }
    }
    uat_der_list_free(&l);
    uat_error_clear(); /* a file that is none of these simply has no window */
}

static uat_err set_time(json_t *f, const char *key, uat_time t)
{
    char text[32];
    UAT_TRY(uat_time_format(t, text));
    return json_object_set_new(f, key, json_string(text)) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

/* A manifest entry: path, sha256, size, kind, the validity window when the content has one, and
 * where it came from (source, fetched) when prev (an earlier manifest) says so for this content. */
static uat_err file_entry(const char *root, const char *rel, const json_t *prev, json_t *files)
{
    char *full = uat_path_join(root, rel);
    if (full == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_BUNDLE_FILE);
    uat_err rc = uat_file_read(full, UAT_MAX_BUNDLE_FILE, &b);
    free(full);
    char hex[65];
    uint8_t md[32];
    uat_span part = uat_buf_span(&b);
    rc = rc == UAT_OK ? uat_hash(UAT_HASH_SHA256, &part, 1, md) : rc;
    json_t *f = NULL;
    if (rc == UAT_OK) {
        uat_hex_encode(md, sizeof(md), hex);
        f = json_pack("{s:s,s:s,s:I}", "path", rel, "sha256", hex, "size", (json_int_t)b.len);
        rc = f != NULL && json_array_append_new(files, f) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
    }
    char *kind = rc == UAT_OK ? sniff_kind(&b) : NULL;
    if (kind != NULL && json_object_set_new(f, "kind", json_string(kind)) != 0) {
        rc = UAT_NOMEM(CHECK);
    }
    free(kind);
    uat_time from = 0, until = 0;
    if (rc == UAT_OK) {
        uat_collateral_validity(uat_buf_span(&b), &from, &until);
    }
    if (rc == UAT_OK && from != 0) {
        rc = set_time(f, "valid_from", from);
    }
    if (rc == UAT_OK && until != 0) {
        rc = set_time(f, "valid_until", until);
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(prev, "files"), i, p) {
        const char *ph = json_string_value(json_object_get(p, "sha256"));
        const char *pp = json_string_value(json_object_get(p, "path"));
        if (rc == UAT_OK && ph != NULL && pp != NULL && strcmp(ph, hex) == 0 &&
            strcmp(pp, rel) == 0) {
            static const char *const keep[] = {"source", "fetched"};
            for (size_t k = 0; k < 2; k++) {
                json_t *v = json_object_get(p, keep[k]);
                if (json_is_string(v) && json_object_set(f, keep[k], v) != 0) {
                    rc = UAT_NOMEM(CHECK);
                }
            }
        }
    }
    uat_buf_free(&b);
    return rc;
}

uat_err uat_bundle_manifest(const char *dir, int64_t now, const json_t *prev, json_t **out)
{
    char created[32];
    UAT_TRY(uat_time_format(now, created));
    rel_list l;
    UAT_TRY(list_files(dir, &l));
    json_t *files = json_array();
    json_t *m = json_pack("{s:s,s:s,s:o}", "format", BUNDLE_FORMAT, "created", created, "files",
                          files);
    uat_err rc = m == NULL ? UAT_NOMEM(CHECK) : UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < l.n; i++) {
        rc = file_entry(dir, l.p[i], prev, files);
    }
    rel_list_free(&l);
    if (rc != UAT_OK) {
        json_decref(m);
        return rc;
    }
    *out = m;
    return UAT_OK;
}

static uat_err write_text(const char *dir, const char *name, const char *text)
{
    char *p = uat_path_join(dir, name);
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_file_write_atomic(p, text, strlen(text), 0644);
    free(p);
    return rc;
}

uat_err uat_bundle_sign(const char *dir, const char *jwk_json, size_t jwk_len, int64_t now)
{
    UAT_ENSURE(dir != NULL && jwk_json != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_token_keys *k = NULL;
    json_t *m = NULL;
    char *jws = NULL, *text = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_token_keys_from_jwk(jwk_json, jwk_len, &k), out);
    json_t *prev = NULL; /* an unsigned manifest (uattest collateral fetch) says where files came from */
    char *mp = uat_path_join(dir, UAT_BUNDLE_MANIFEST);
    UAT_ENSURE_GOTO(rc, mp != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "manifest", -1, out);
    if (uat_file_exists(mp)) {
        prev = json_load_file(mp, JSON_REJECT_DUPLICATES, NULL);
    }
    free(mp);
    rc = uat_bundle_manifest(dir, now, prev, &m);
    json_decref(prev);
    if (rc != UAT_OK) {
        goto out;
    }
    UAT_TRY_GOTO(rc, uat_token_jws_sign(k, BUNDLE_TYP, m, &jws), out);
    text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    UAT_ENSURE_GOTO(rc, text != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "manifest", -1, out);
    UAT_TRY_GOTO(rc, write_text(dir, UAT_BUNDLE_MANIFEST, text), out);
    rc = write_text(dir, UAT_BUNDLE_SIGNATURE, jws);
out:
    free(text);
    free(jws);
    json_decref(m);
    uat_token_keys_free(k);
    return rc;
}

/* ---- verification ---- */

static uat_err read_text(const char *dir, const char *name, uat_buf *b)
{
    char *p = uat_path_join(dir, name);
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf_init(b, UAT_MAX_BUNDLE_MANIFEST);
    uat_err rc = uat_file_read(p, UAT_MAX_BUNDLE_MANIFEST, b);
    free(p);
    if (rc != UAT_OK) {
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, name, -1,
                         "the bundle has no readable %s", name);
    }
    return uat_buf_append(b, "", 1) == UAT_OK ? UAT_OK : UAT_NOMEM(CHECK);
}

/* The signed manifest: the JWS verifies with the JWKS and manifest.json says the same. */
static uat_err signed_manifest(const char *dir, const char *jwks_json, json_t **out)
{
    uat_buf jws, mtext;
    UAT_TRY(read_text(dir, UAT_BUNDLE_SIGNATURE, &jws));
    char *payload = NULL;
    json_t *signed_m = NULL, *file_m = NULL;
    size_t n = strcspn((const char *)jws.p, "\r\n");
    jws.p[n] = '\0';
    uat_err rc = uat_token_jws_verify((const char *)jws.p, jwks_json, &payload);
    uat_buf_free(&jws);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, CHECK, UAT_BUNDLE_SIGNATURE, -1,
                         "the bundle signature does not verify with the JWKS (%s)",
                         uat_err_name(rc));
    }
    rc = uat_token_json_object(payload, strlen(payload), "manifest", &signed_m);
    free(payload);
    UAT_TRY(rc);
    rc = read_text(dir, UAT_BUNDLE_MANIFEST, &mtext);
    if (rc == UAT_OK) {
        rc = uat_token_json_object(mtext.p, mtext.len - 1, "manifest", &file_m);
        uat_buf_free(&mtext);
    }
    if (rc == UAT_OK && !json_equal(signed_m, file_m)) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, UAT_BUNDLE_MANIFEST, -1,
                       "%s is not the manifest that %s signs", UAT_BUNDLE_MANIFEST,
                       UAT_BUNDLE_SIGNATURE);
    }
    json_decref(file_m);
    if (rc != UAT_OK) {
        json_decref(signed_m);
        return rc;
    }
    *out = signed_m;
    return UAT_OK;
}

static int entry_find(const rel_list *l, const char *path)
{
    const char *key = path;
    char *const *hit = bsearch(&key, l->p, l->n, sizeof(*l->p), cmp_str);
    return hit != NULL;
}

/* One manifest entry against the file on disk. */
static uat_err check_entry(const char *dir, const json_t *f, const rel_list *found)
{
    const char *path = json_string_value(json_object_get(f, "path"));
    const char *want = json_string_value(json_object_get(f, "sha256"));
    json_t *size = json_object_get(f, "size");
    UAT_ENSURE(path != NULL && want != NULL && json_is_integer(size), UAT_ERR_PARSE_BAD_JSON,
               CHECK, "files", -1);
    if (!entry_find(found, path)) {
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, path, -1,
                         "%s is in the signed manifest but missing from the bundle", path);
    }
    char hex[65];
    size_t n = 0;
    UAT_TRY(file_digest(dir, path, hex, &n, NULL));
    if ((json_int_t)n != json_integer_value(size) || strcmp(hex, want) != 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, path, -1,
                         "%s does not match its sha256 in the signed manifest", path);
    }
    return UAT_OK;
}

/* Every file on disk is in the manifest, and every manifest entry is on disk, intact. */
static uat_err check_files(const char *dir, const json_t *files, const rel_list *found)
{
    UAT_ENSURE(json_is_array(files), UAT_ERR_PARSE_BAD_JSON, CHECK, "files", -1);
    rel_list listed = {NULL, 0};
    size_t i;
    json_t *f;
    uat_err rc = UAT_OK;
    json_array_foreach(files, i, f) {
        rc = check_entry(dir, f, found);
        if (rc == UAT_OK) {
            rc = rel_add(&listed, json_string_value(json_object_get(f, "path")));
        }
        if (rc != UAT_OK) {
            break;
        }
    }
    if (rc == UAT_OK && listed.n > 1) {
        qsort(listed.p, listed.n, sizeof(*listed.p), cmp_str);
    }
    for (i = 0; rc == UAT_OK && i < found->n; i++) {
        if (!entry_find(&listed, found->p[i])) {
            rc = UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, found->p[i], -1,
                           "%s is in the bundle but not in its signed manifest", found->p[i]);
        }
    }
    rel_list_free(&listed);
    return rc;
}

uat_err uat_bundle_verify(const char *dir, const char *jwks_json, size_t *nfiles)
{
    UAT_ENSURE(dir != NULL && jwks_json != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    json_t *m = NULL;
    UAT_TRY(signed_manifest(dir, jwks_json, &m));
    rel_list found = {NULL, 0};
    uat_err rc = UAT_OK;
    const char *format = json_string_value(json_object_get(m, "format"));
    if (format == NULL || strcmp(format, BUNDLE_FORMAT) != 0) {
        rc = UAT_FAIL(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "format", -1);
    }
    rc = rc == UAT_OK ? list_files(dir, &found) : rc;
    rc = rc == UAT_OK ? check_files(dir, json_object_get(m, "files"), &found) : rc;
    if (rc == UAT_OK && nfiles != NULL) {
        *nfiles = found.n;
    }
    rel_list_free(&found);
    json_decref(m);
    return rc;
}
