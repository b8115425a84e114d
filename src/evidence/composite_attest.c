/* The composite attester (docs/composite.md): one attester per member of a --tee value such as
 * "sim+nvidia-gpu" or "tdx+nvidia-gpu*8", collected under one session binding into one CMW
 * collection. Each member gets the binding its TEE states for itself in the registry: the session
 * binding itself (report-data), or uat_composite_nonce(binding, label) zero-padded
 * (derived-nonce). Labels: the TEE's name when it occurs once, else "<name>-<k>" (k = 0, 1, ...),
 * and the k-th member of a TEE with devices (option "device") collects from device k.
 */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/composite.h"

#define CHECK "composite.attest"

struct uat_composite_att {
    char *name;
    size_t n;
    uat_attester *m[UAT_MAX_CMW_ENTRIES];
    char label[UAT_MAX_CMW_ENTRIES][UAT_MAX_LABEL_LEN + 1];
};

int uat_composite_spec(const char *tee)
{
    return tee != NULL && strpbrk(tee, "+*") != NULL;
}

typedef struct term {
    char name[64];
    size_t count;
} term;

/* "a+b*n": terms, each a TEE name and a count (1..UAT_MAX_CMW_ENTRIES in all). */
static uat_err spec_parse(const char *spec, term *t, size_t *nt)
{
    size_t total = 0, k = 0;
    for (const char *p = spec;; k++) {
        size_t len = strcspn(p, "+");
        const char *star = memchr(p, '*', len);
        size_t nlen = star != NULL ? (size_t)(star - p) : len;
        UAT_ENSURE(k < UAT_MAX_CMW_ENTRIES && nlen > 0 && nlen < sizeof(t[k].name),
                   UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee", -1);
        memcpy(t[k].name, p, nlen);
        t[k].name[nlen] = '\0';
        t[k].count = 1;
        if (star != NULL) {
            char digits[8] = "";
            size_t dl = len - nlen - 1;
            UAT_ENSURE(dl > 0 && dl < sizeof(digits) && strspn(star + 1, "0123456789") >= dl,
                       UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee", -1);
            memcpy(digits, star + 1, dl);
            t[k].count = strtoul(digits, NULL, 10);
        }
        total += t[k].count;
        if (t[k].count == 0 || total > UAT_MAX_CMW_ENTRIES) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee", -1,
                             "composite evidence has 1 to %u members: \"%.100s\"",
                             UAT_MAX_CMW_ENTRIES, spec);
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    *nt = k + 1;
    return UAT_OK;
}

static size_t occurrences(const term *t, size_t nt, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < nt; i++) {
        n += strcmp(t[i].name, name) == 0 ? t[i].count : 0;
    }
    return n;
}

static uat_err add_members(uat_composite_att *c, const term *t, size_t nt, const char *root)
{
    for (size_t i = 0; i < nt; i++) {
        if (strcmp(t[i].name, "auto") == 0) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tee", -1,
                             "name each member of composite evidence: \"auto\" is not a TEE");
        }
        size_t total = occurrences(t, nt, t[i].name), seen = occurrences(t, i, t[i].name);
        for (size_t k = 0; k < t[i].count; k++) {
            UAT_TRY(uat_attester_new(t[i].name, root, &c->m[c->n]));
            if (uat_attester_knows_option(c->m[c->n], UAT_ATTEST_OPT_DEVICE)) {
                char dev[24];
                snprintf(dev, sizeof(dev), "%zu", seen + k);
                UAT_TRY(uat_attester_set_option(c->m[c->n], UAT_ATTEST_OPT_DEVICE, dev));
            }
            if (total == 1) {
                snprintf(c->label[c->n], sizeof(c->label[c->n]), "%s", t[i].name);
            } else {
                snprintf(c->label[c->n], sizeof(c->label[c->n]), "%s-%zu", t[i].name, seen + k);
            }
            c->n++;
        }
    }
    return UAT_OK;
}

uat_err uat_composite_att_new(const char *spec, const char *root, uat_composite_att **out)
{
    term *t = calloc(UAT_MAX_CMW_ENTRIES, sizeof(*t));
    uat_composite_att *c = calloc(1, sizeof(*c));
    size_t nt = 0;
    uat_err rc = t != NULL && c != NULL && (c->name = strdup(spec)) != NULL ? UAT_OK
                                                                           : UAT_NOMEM(CHECK);
    rc = rc == UAT_OK ? spec_parse(spec, t, &nt) : rc;
    rc = rc == UAT_OK ? add_members(c, t, nt, root) : rc;
    free(t);
    if (rc != UAT_OK) {
        uat_composite_att_free(c);
        return rc;
    }
    *out = c;
    return UAT_OK;
}

void uat_composite_att_free(uat_composite_att *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        uat_attester_free(c->m[i]);
    }
    free(c->name);
    free(c);
}

const char *uat_composite_att_name(const uat_composite_att *c)
{
    return c->name;
}

uat_err uat_composite_att_set_option(uat_composite_att *c, const char *key, const char *value)
{
    if (strcmp(key, UAT_ATTEST_OPT_DEVICE) == 0) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.option", "key", -1,
                         "in composite evidence the k-th member of a TEE uses its device k: "
                         "option \"%s\" is not given to members",
                         key);
    }
    int any = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(key, "state-dir") == 0 || uat_attester_knows_option(c->m[i], key)) {
            UAT_TRY(uat_attester_set_option(c->m[i], key, value));
            any = 1;
        }
    }
    if (!any) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, "attester.option", "key", -1,
                         "no member of %s has an option \"%s\"", c->name, key);
    }
    return UAT_OK;
}

uat_err uat_composite_att_collect(uat_composite_att *c, const uint8_t *report_data,
                                  uat_cmw **out)
{
    uat_cmw *col = NULL;
    UAT_TRY(uat_cmw_collection_new(UAT_COMPOSITE_CMWC_TYPE, &col));
    uat_err rc = UAT_OK;
    for (size_t i = 0; rc == UAT_OK && i < c->n; i++) {
        uint8_t rd[UAT_REPORT_DATA_LEN];
        memcpy(rd, report_data, sizeof(rd));
        if (uat_attester_ops(c->m[i])->binding == UAT_BIND_DERIVED_NONCE) {
            memset(rd, 0, sizeof(rd));
            rc = uat_composite_nonce(report_data, c->label[i], rd);
        }
        uat_cmw *item = NULL;
        rc = rc == UAT_OK ? uat_attester_collect(c->m[i], rd, &item) : rc;
        rc = rc == UAT_OK ? uat_cmw_collection_add(col, c->label[i], item) : rc;
        if (rc != UAT_OK) {
            uat_cmw_free(item);
        }
    }
    if (rc != UAT_OK) {
        uat_cmw_free(col);
        return rc;
    }
    *out = col;
    return UAT_OK;
}
