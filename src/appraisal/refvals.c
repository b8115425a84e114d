/* Reference values: per-TEE JSON documents of accepted values per claim path (docs/appraisal.md). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "appraisal/appraisal_int.h"
#include "core/file.h"
#include "core/limits.h"

#define CHECK "refvals"

/* Accepted TCB statuses when a document does not list its own (DESIGN.md §4, docs/appraisal.md). */
static const char *const default_tcb[] = {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                                          "ConfigurationAndSWHardeningNeeded", NULL};
static const char *const outdated_tcb[] = {"OutOfDate", "OutOfDateConfigurationNeeded", NULL};

uat_err uat_refvals_new(uat_refvals **out)
{
    uat_refvals *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->docs = json_array()) == NULL) {
        free(r);
        return UAT_NOMEM(CHECK);
    }
    *out = r;
    return UAT_OK;
}

void uat_refvals_free(uat_refvals *r)
{
    if (r != NULL) {
        json_decref(r->docs);
        free(r);
    }
}

size_t uat_refvals_count(const uat_refvals *r)
{
    return json_array_size(r->docs);
}

static uat_err check_constraint(const char *path, json_t *c)
{
    if (json_is_array(c)) {
        size_t i;
        json_t *v;
        UAT_ENSURE(json_array_size(c) > 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, path, -1);
        json_array_foreach(c, i, v)
        {
            UAT_ENSURE(json_is_string(v) || json_is_integer(v) || json_is_boolean(v),
                       UAT_ERR_PARSE_BAD_VALUE, CHECK, path, -1);
        }
        return UAT_OK;
    }
    UAT_ENSURE(json_is_object(c) && json_object_size(c) > 0, UAT_ERR_PARSE_BAD_VALUE, CHECK, path, -1);
    const char *k;
    json_t *v;
    json_object_foreach(c, k, v)
    {
        UAT_ENSURE((strcmp(k, "min") == 0 || strcmp(k, "max") == 0) && json_is_integer(v),
                   UAT_ERR_PARSE_BAD_VALUE, CHECK, path, -1);
    }
    return UAT_OK;
}

static int path_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 128 || p[0] == '.' || p[n - 1] == '.' || strstr(p, "..") != NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

/* Fail closed on typos: every member is known, every constraint well-formed. */
static uat_err validate(json_t *d)
{
    UAT_ENSURE(json_is_object(d), UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1);
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v)
    {
        int known = (strcmp(k, "id") == 0 || strcmp(k, "tee") == 0 || strcmp(k, "description") == 0)
                        ? json_is_string(v)
                    : (strcmp(k, "debug_insecure") == 0 || strcmp(k, "tcb_out_of_date_insecure") == 0)
                        ? json_is_boolean(v)
                    : strcmp(k, "values") == 0 ? json_is_object(v)
                                               : -1;
        UAT_ENSURE(known == 1, known < 0 ? UAT_ERR_PARSE_BAD_VALUE : UAT_ERR_PARSE_BAD_JSON, CHECK, k,
                   -1);
    }
    UAT_ENSURE(json_string_length(json_object_get(d, "id")) > 0, UAT_ERR_PARSE_BAD_JSON, CHECK, "id", -1);
    UAT_ENSURE(json_string_length(json_object_get(d, "tee")) > 0, UAT_ERR_PARSE_BAD_JSON, CHECK, "tee",
               -1);
    json_object_foreach(json_object_get(d, "values"), k, v)
    {
        UAT_ENSURE(path_ok(k), UAT_ERR_PARSE_BAD_VALUE, CHECK, "values", -1);
        UAT_TRY(check_constraint(k, v));
    }
    return UAT_OK;
}

static uat_err add_doc(uat_refvals *r, json_t *d)
{
    UAT_TRY(validate(d));
    const char *id = json_string_value(json_object_get(d, "id"));
    size_t i;
    json_t *old;
    json_array_foreach(r->docs, i, old)
    {
        if (strcmp(json_string_value(json_object_get(old, "id")), id) == 0) {
            return json_array_set(r->docs, i, d) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
        }
    }
    UAT_ENSURE(json_array_size(r->docs) < UAT_MAX_REFVALS, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    return json_array_append(r->docs, d) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

uat_err uat_refvals_add_json(uat_refvals *r, const char *text, size_t n)
{
    UAT_ENSURE(r != NULL && text != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    json_error_t jerr;
    json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", (int64_t)jerr.position,
                         "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    }
    uat_err rc = UAT_OK;
    if (json_is_array(j)) {
        size_t i;
        json_t *d;
        json_array_foreach(j, i, d)
        {
            if (rc == UAT_OK) {
                rc = add_doc(r, d);
            }
        }
    } else {
        rc = add_doc(r, j);
    }
    json_decref(j);
    return rc;
}

static uat_err add_file(uat_refvals *r, const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    if (rc == UAT_OK) {
        rc = uat_refvals_add_json(r, (const char *)b.p, b.len);
        if (rc != UAT_OK) {
            char msg[256];
            snprintf(msg, sizeof(msg), "%s", uat_last_error()->message);
            rc = UAT_FAILF(rc, uat_last_error()->check, uat_last_error()->field, -1, "%s: %s", path, msg);
        }
    }
    uat_buf_free(&b);
    return rc;
}

uat_err uat_refvals_add_path(uat_refvals *r, const char *path)
{
    struct stat st;
    UAT_ENSURE(r != NULL && path != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return add_file(r, path);
    }
    uat_path_list files = {NULL, 0};
    UAT_TRY(uat_dir_files(path, UAT_MAX_REFVALS, &files));
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        size_t n = strlen(files.paths[i]);
        if (n > 5 && strcmp(files.paths[i] + n - 5, ".json") == 0) {
            rc = add_file(r, files.paths[i]);
        }
    }
    uat_path_list_free(&files);
    return rc;
}

uat_err uat_refvals_remove(uat_refvals *r, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(r->docs, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "id")), id) == 0) {
            return json_array_remove(r->docs, i) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
        }
    }
    return UAT_FAIL(UAT_ERR_IO_NOT_FOUND, CHECK, "id", -1);
}

size_t uat_refvals_for_tee(const uat_refvals *r, const char *tee, json_t **out, size_t cap)
{
    size_t n = 0, i;
    json_t *d;
    json_array_foreach(r->docs, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "tee")), tee) == 0 && n < cap) {
            out[n++] = d;
        }
    }
    return n;
}

int uat_refvals_pins(const uat_refvals *r, const char *tee, const char *path, const char *value)
{
    size_t i, j;
    json_t *d, *v;
    if (r == NULL || tee == NULL || path == NULL || value == NULL) {
        return 0;
    }
    json_array_foreach(r->docs, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "tee")), tee) != 0) {
            continue;
        }
        json_t *list = json_object_get(json_object_get(d, "values"), path);
        json_array_foreach(list, j, v)
        {
            if (json_is_string(v) && strcasecmp(json_string_value(v), value) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

json_t *uat_claim_at(json_t *claims, const char *path)
{
    char part[129];
    json_t *cur = claims;
    while (cur != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(part)) {
            return NULL;
        }
        memcpy(part, path, n);
        part[n] = '\0';
        cur = json_object_get(cur, part);
        path += n + (path[n] == '.');
    }
    return cur;
}

static int value_equal(json_t *a, json_t *b)
{
    if (json_is_string(a) && json_is_string(b)) {
        return strcasecmp(json_string_value(a), json_string_value(b)) == 0; /* hex in any case */
    }
    return json_equal(a, b);
}

/* Does the claim satisfy the constraint? */
static int satisfies(json_t *claim, json_t *c)
{
    if (claim == NULL) {
        return 0;
    }
    if (json_is_array(c)) {
        size_t i;
        json_t *v;
        json_array_foreach(c, i, v)
        {
            if (value_equal(claim, v)) {
                return 1;
            }
        }
        return 0;
    }
    json_t *min = json_object_get(c, "min"), *max = json_object_get(c, "max");
    return json_is_integer(claim) && (min == NULL || json_integer_value(claim) >= json_integer_value(min)) &&
           (max == NULL || json_integer_value(claim) <= json_integer_value(max));
}

static int matches_patterns(const char *path, json_t *patterns)
{
    int in = 0;
    size_t i;
    json_t *p;
    json_array_foreach(patterns, i, p)
    {
        const char *s = json_string_value(p);
        if (s != NULL && s[0] == '!' && fnmatch(s + 1, path, 0) == 0) {
            return 0;
        }
        in |= s != NULL && s[0] != '!' && fnmatch(s, path, 0) == 0;
    }
    return in;
}

static void record(uat_rv_outcome *o, const char *path, int ok, int insecure)
{
    o->checked++;
    if (!ok) {
        if (o->failed++ == 0) {
            snprintf(o->first_failure, sizeof(o->first_failure), "%s is not an accepted value", path);
        }
    } else {
        o->insecure |= insecure;
    }
}

/* The implicit constraints: debug must be false, tcb.status one of the accepted statuses, unless
 * the document says otherwise (its own constraint, or an _insecure switch). */
static void implicit_checks(json_t *doc, json_t *claims, json_t *patterns, uat_rv_outcome *o)
{
    json_t *values = json_object_get(doc, "values");
    if (json_object_get(values, "debug") == NULL && matches_patterns("debug", patterns)) {
        json_t *dbg = json_object_get(claims, "debug");
        int on = json_is_true(dbg);
        int allowed = json_is_true(json_object_get(doc, "debug_insecure"));
        record(o, "debug", dbg != NULL && (!on || allowed), on && allowed);
    }
    const char *status = json_string_value(uat_claim_at(claims, "tcb.status"));
    if (status != NULL && json_object_get(values, "tcb.status") == NULL &&
        matches_patterns("tcb.status", patterns)) {
        int ok = 0, insecure = 0;
        for (size_t i = 0; default_tcb[i] != NULL; i++) {
            ok |= strcmp(status, default_tcb[i]) == 0;
        }
        for (size_t i = 0; !ok && outdated_tcb[i] != NULL; i++) {
            insecure = strcmp(status, outdated_tcb[i]) == 0 &&
                       json_is_true(json_object_get(doc, "tcb_out_of_date_insecure"));
            ok |= insecure;
        }
        record(o, "tcb.status", ok, insecure);
    }
}

void uat_refvals_check(json_t *doc, json_t *claims, json_t *patterns, uat_rv_outcome *out)
{
    memset(out, 0, sizeof(*out));
    const char *k;
    json_t *c;
    json_object_foreach(json_object_get(doc, "values"), k, c)
    {
        if (matches_patterns(k, patterns)) {
            record(out, k, satisfies(uat_claim_at(claims, k), c), 0);
        }
    }
    implicit_checks(doc, claims, patterns, out);
}
