/* The console's operations routes (docs/console.md), admin token required:
 * GET /v1/attestations  the audit log newest first, filtered by TEE, status and time;
 * GET /v1/collateral/status  every certificate, CRL and TCB/identity document in the configured
 *                            trust and collateral directories with its validity window. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/codec.h"
#include "core/file.h"
#include "crypto/crypto.h"
#include "service/routes.h"

#define CHECK "ops"
#define OPS_MAX_LIMIT 1000u
#define OPS_DEFAULT_LIMIT 200u
#define OPS_MAX_FILES 1000u   /* files listed per TEE folder */
#define OPS_MAX_FILE (2u * 1024u * 1024u)
#define OPS_DEFAULT_WARN_DAYS 30

/* ---- GET /v1/attestations?tee=&status=&since=&until=&limit= ---- */

typedef uat_att_filter att_filter;

typedef struct att_page {
    const att_filter *f;
    json_t *items; /* newest first once the page is merged */
    int64_t last_id, oldest_time;
    size_t seen;
} att_page;

static uat_err count_last(void *user, const uat_audit_record *r)
{
    *(int64_t *)user = r->id;
    return UAT_OK;
}

/* The last record's id: ids run 1, 2, 3 ... without gaps (audit.h), so an exponential then a
 * binary search with one-record reads finds it in O(log n) reads. */
static uat_err audit_last_id(uat_store *st, int64_t *out)
{
    int64_t lo = 0, hi = 1, got = 0;
    for (;;) {
        got = 0;
        UAT_TRY(uat_store_audit_list(st, hi - 1, 1, count_last, &got));
        if (got == 0) {
            break;
        }
        lo = hi;
        UAT_ENSURE(hi < INT64_MAX / 2, UAT_ERR_INTERNAL, CHECK, "audit", -1);
        hi *= 2;
    }
    /* record lo exists (or lo = 0), record hi does not */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        got = 0;
        UAT_TRY(uat_store_audit_list(st, mid - 1, 1, count_last, &got));
        if (got != 0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    *out = lo;
    return UAT_OK;
}

static json_t *time_json(int64_t t)
{
    char when[32];
    return uat_time_format(t, when) == UAT_OK ? json_string(when) : json_null();
}

static uat_err att_add(void *user, const uat_audit_record *r)
{
    att_page *p = user;
    const att_filter *f = p->f;
    const char *tee = r->tee != NULL ? r->tee : "";
    p->seen++;
    p->oldest_time = p->oldest_time == 0 || r->time < p->oldest_time ? r->time : p->oldest_time;
    if ((f->tee != NULL && strcmp(f->tee, tee) != 0) ||
        (f->status != NULL && strcmp(f->status, r->status) != 0) ||
        (f->since != 0 && r->time < f->since) || (f->until != 0 && r->time > f->until)) {
        return UAT_OK;
    }
    json_t *o = json_pack("{s:I,s:o,s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id, "time",
                          time_json(r->time), "unix_time", (json_int_t)r->time, "tee", tee,
                          "status", r->status, "policy_id", r->policy_id, "evidence_sha256",
                          r->evidence_sha256, "token_id", r->token_id);
    return o != NULL && json_array_append_new(p->items, o) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

/* Pages backwards from the last record until limit matches, the since bound or the scan cap. */
uat_err uat_attestations_collect(uat_store *st, const uat_att_filter *f, json_t *out,
                                 size_t *scanned)
{
    int64_t last = 0;
    *scanned = 0;
    UAT_TRY(audit_last_id(st, &last));
    int64_t top = last;
    while (top > 0 && json_array_size(out) < f->limit && *scanned < UAT_OPS_MAX_SCAN) {
        int64_t from = top > (int64_t)UAT_STORE_AUDIT_PAGE ? top - UAT_STORE_AUDIT_PAGE : 0;
        att_page p = {f, json_array(), top, 0, 0};
        if (p.items == NULL) {
            return UAT_NOMEM(CHECK);
        }
        uat_err rc = uat_store_audit_list(st, from, (size_t)(top - from), att_add, &p);
        for (size_t i = json_array_size(p.items); rc == UAT_OK && i > 0; i--) {
            if (json_array_size(out) < f->limit) {
                rc = json_array_append(out, json_array_get(p.items, i - 1)) == 0
                         ? UAT_OK
                         : UAT_NOMEM(CHECK);
            }
        }
        json_decref(p.items);
        UAT_TRY(rc);
        *scanned += p.seen;
        top = from;
        /* records are appended in time order (give or take a request's duration) */
        if (f->since != 0 && p.oldest_time != 0 && p.oldest_time < f->since - 3600) {
            break;
        }
    }
    return UAT_OK;
}

static uat_err query_time(const uat_http_req *rq, const char *name, int64_t *out)
{
    const char *v = uat_http_query(rq, name);
    *out = 0;
    if (v == NULL || v[0] == '\0') {
        return UAT_OK;
    }
    if (uat_time_parse(v, strlen(v), out) != UAT_OK) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, name, -1,
                         "%s is an RFC 3339 time such as 2025-07-01T00:00:00Z", name);
    }
    return UAT_OK;
}

static uat_err att_filter_of(const uat_http_req *rq, att_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->tee = uat_http_query(rq, "tee");
    f->status = uat_http_query(rq, "status");
    f->tee = f->tee != NULL && f->tee[0] != '\0' ? f->tee : NULL;
    f->status = f->status != NULL && f->status[0] != '\0' ? f->status : NULL;
    UAT_TRY(query_time(rq, "since", &f->since));
    UAT_TRY(query_time(rq, "until", &f->until));
    const char *lim = uat_http_query(rq, "limit");
    char *end = NULL;
    long n = lim != NULL ? strtol(lim, &end, 10) : (long)OPS_DEFAULT_LIMIT;
    if (lim != NULL && (end == lim || *end != '\0' || n < 1 || n > (long)OPS_MAX_LIMIT)) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "limit", -1,
                         "limit is a number from 1 to %u", OPS_MAX_LIMIT);
    }
    f->limit = (size_t)n;
    return UAT_OK;
}

void uat_route_attestations(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    att_filter f;
    size_t scanned = 0;
    json_t *items = json_array();
    uat_err rc = uat_admin_check(s, rq);
    rc = rc == UAT_OK ? att_filter_of(rq, &f) : rc;
    rc = rc == UAT_OK && items == NULL ? UAT_NOMEM(CHECK) : rc;
    rc = rc == UAT_OK ? uat_attestations_collect(s->store, &f, items, &scanned) : rc;
    if (rc != UAT_OK) {
        json_decref(items);
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200,
                  json_pack("{s:o,s:I,s:b}", "attestations", items, "scanned", (json_int_t)scanned,
                            "truncated", scanned >= UAT_OPS_MAX_SCAN));
}

/* ---- GET /v1/collateral/status?warn_days=N ---- */

typedef struct coll_ctx {
    json_t *items;
    const char *source; /* "trust" or "collateral" */
    const char *root;
    int64_t now, warn;
    int64_t earliest;
} coll_ctx;

static const char *coll_state(const coll_ctx *c, int64_t nb, int64_t na)
{
    if (na != 0 && na < c->now) {
        return "expired";
    }
    if (nb != 0 && nb > c->now) {
        return "not_yet_valid";
    }
    return na != 0 && na - c->now <= c->warn ? "warning" : "valid";
}

static uat_err coll_item(coll_ctx *c, const char *tee, const char *file, const char *kind,
                         const char *name, int64_t nb, int64_t na)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s}", "source", c->source, "tee", tee,
                          "file", file, "kind", kind, "name", name, "not_before",
                          nb != 0 ? time_json(nb) : json_null(), "not_after",
                          na != 0 ? time_json(na) : json_null(), "state", coll_state(c, nb, na));
    if (na != 0 && (c->earliest == 0 || na < c->earliest)) {
        c->earliest = na;
    }
    return o != NULL && json_array_append_new(c->items, o) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

static uat_err coll_certs(coll_ctx *c, const char *tee, const char *file, const uat_der_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        uat_span der = uat_buf_span(&l->items[i]);
        char cn[256] = "";
        uat_time nb = 0, na = 0;
        if (uat_x509_validity(der, &nb, &na) != UAT_OK) {
            uat_error_clear();
            continue;
        }
        if (uat_x509_subject_cn(der, cn, sizeof(cn)) != UAT_OK) {
            uat_error_clear();
        }
        UAT_TRY(coll_item(c, tee, file, "certificate", cn, nb, na));
    }
    return UAT_OK;
}

static uat_err coll_crl(coll_ctx *c, const char *tee, const char *file, uat_span der)
{
    char cn[256] = "";
    uat_time tu = 0, nu = 0;
    if (uat_crl_info(der, cn, sizeof(cn), &tu, &nu) != UAT_OK) {
        uat_error_clear();
        return UAT_OK;
    }
    return coll_item(c, tee, file, "crl", cn, tu, nu);
}

/* Intel TCB info and QE/QVE/TD identity documents: {"tcbInfo": {"issueDate", "nextUpdate"}},
 * also inside a collateral array document; the member names say the kind. */
static uat_err coll_json(coll_ctx *c, const char *tee, const char *file, const json_t *o,
                         const char *kind, int depth)
{
    const char *nu = json_string_value(json_object_get(o, "nextUpdate"));
    if (nu != NULL) {
        const char *id = json_string_value(json_object_get(o, "issueDate"));
        int64_t nb = 0, na = 0;
        if (uat_time_parse(nu, strlen(nu), &na) != UAT_OK ||
            (id != NULL && uat_time_parse(id, strlen(id), &nb) != UAT_OK)) {
            uat_error_clear();
            return UAT_OK;
        }
        const char *name = json_string_value(json_object_get(o, "id"));
        return coll_item(c, tee, file, kind, name != NULL ? name : kind, nb, na);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        json_t *inner = json_is_string(v) && depth < 3
                            ? json_loads(json_string_value(v), JSON_REJECT_DUPLICATES, NULL)
                            : json_incref(v);
        uat_err rc = json_is_object(inner) && depth < 3
                         ? coll_json(c, tee, file, inner, k, depth + 1)
                         : UAT_OK;
        json_decref(inner);
        UAT_TRY(rc);
    }
    return UAT_OK;
}

static uat_err coll_file(coll_ctx *c, const char *tee, const char *path)
{
    uat_buf b;
    uat_buf_init(&b, OPS_MAX_FILE);
    if (uat_file_read(path, OPS_MAX_FILE, &b) != UAT_OK || b.len == 0) {
        uat_error_clear();
        uat_buf_free(&b);
        return UAT_OK; /* too large or unreadable: not collateral the console can date */
    }
    const char *file = path + strlen(c->root) + 1;
    uat_span in = uat_buf_span(&b);
    uat_der_list certs = {NULL, 0, 0}, crls = {NULL, 0, 0};
    uat_err rc = UAT_OK;
    uat_time nb = 0, na = 0;
    if (b.p[0] == '{') {
        json_t *doc = json_loadb((const char *)b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
        rc = json_is_object(doc) ? coll_json(c, tee, file, doc, "document", 0) : UAT_OK;
        json_decref(doc);
    } else if (b.p[0] == '-') {
        if (uat_pem_decode_all(in, "CERTIFICATE", &certs) == UAT_OK) {
            rc = coll_certs(c, tee, file, &certs);
        }
        if (rc == UAT_OK && uat_pem_decode_all(in, "X509 CRL", &crls) == UAT_OK) {
            for (size_t i = 0; rc == UAT_OK && i < crls.n; i++) {
                rc = coll_crl(c, tee, file, uat_buf_span(&crls.items[i]));
            }
        }
    } else if (uat_x509_validity(in, &nb, &na) == UAT_OK) {
        uat_buf one = b; /* a DER certificate: a one-item list viewing the file */
        uat_der_list l = {&one, 1, 1};
        rc = coll_certs(c, tee, file, &l);
    } else {
        uat_error_clear();
        rc = coll_crl(c, tee, file, in);
    }
    uat_error_clear();
    uat_der_list_free(&certs);
    uat_der_list_free(&crls);
    uat_buf_free(&b);
    return rc;
}

static int visible_entry(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Every file of root and of its folders one level down (a TEE or vendor each: "intel", "snp",
 * "nvidia-gpu", ... as the verifiers name them), in name order. */
static uat_err coll_walk(coll_ctx *c, const char *source, const char *root)
{
    if (root == NULL) {
        return UAT_OK;
    }
    c->source = source;
    c->root = root;
    struct dirent **ents = NULL;
    int n = scandir(root, &ents, visible_entry, alphasort);
    uat_err rc = UAT_OK;
    for (int i = 0; i < n; i++) {
        char *path = uat_path_join(root, ents[i]->d_name);
        struct stat st;
        uat_path_list files = {NULL, 0};
        if (path == NULL) {
            rc = rc == UAT_OK ? UAT_NOMEM(CHECK) : rc;
        } else if (rc == UAT_OK && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = coll_file(c, "", path);
        } else if (rc == UAT_OK && S_ISDIR(st.st_mode) &&
                   uat_dir_files(path, OPS_MAX_FILES, &files) == UAT_OK) {
            for (size_t k = 0; rc == UAT_OK && k < files.n; k++) {
                rc = coll_file(c, ents[i]->d_name, files.paths[k]);
            }
        }
        uat_error_clear(); /* an unreadable folder has nothing to list */
        uat_path_list_free(&files);
        free(path);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

void uat_route_collateral_status(uat_svc *s, const uat_http_req *rq, const char *id,
                                 uat_http_resp *rs)
{
    (void)id;
    uat_err rc = uat_admin_check(s, rq);
    const char *w = uat_http_query(rq, "warn_days");
    char *end = NULL;
    long days = w != NULL ? strtol(w, &end, 10) : OPS_DEFAULT_WARN_DAYS;
    if (rc == UAT_OK && w != NULL && (end == w || *end != '\0' || days < 0 || days > 3650)) {
        rc = UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "warn_days", -1,
                       "warn_days is a number of days from 0 to 3650");
    }
    coll_ctx c = {json_array(), "", "", uat_time_now(), (int64_t)days * 86400, 0};
    rc = rc == UAT_OK && c.items == NULL ? UAT_NOMEM(CHECK) : rc;
    rc = rc == UAT_OK ? coll_walk(&c, "trust", s->cfg->trust) : rc;
    rc = rc == UAT_OK ? coll_walk(&c, "collateral", s->cfg->collateral) : rc;
    if (rc != UAT_OK) {
        json_decref(c.items);
        uat_http_error(rs, rc);
        return;
    }
    uat_http_json(rs, 200,
                  json_pack("{s:o,s:i,s:o,s:o}", "now", time_json(c.now), "warn_days", (int)days,
                            "earliest_expiry",
                            c.earliest != 0 ? time_json(c.earliest) : json_null(),
                            "items", c.items));
}
