/* The store front: picks the backend by URI scheme and checks arguments once for every backend. */
#include "service/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHECK "store"

struct uat_store {
    const uat_store_ops *ops;
    void *impl;
    /* Generation reads are shared (uat_store_generation): a call takes a ticket; a read that
     * started after a ticket was taken answers for it. */
    _Atomic uint64_t gen_tickets;
    pthread_mutex_t gen_lock;
    uint64_t gen_read_from[UAT_STORE_NTABLES]; /* the tickets the last read answers: < this */
    int64_t gen_value[UAT_STORE_NTABLES];
};

static const uat_store_ops *const backends[] = {&uat_store_sqlite_ops, &uat_store_pg_ops};

static const char *const table_names[UAT_STORE_NTABLES] = {"reference_values", "policies",
                                                           "resources", "admin_tokens",
                                                           "collateral"};

const char *uat_store_table_name(enum uat_store_table t)
{
    return (unsigned)t < UAT_STORE_NTABLES ? table_names[t] : "unknown";
}

/* "scheme:rest" for a known scheme; anything else with "://" is an unknown scheme; else a path. */
static uat_err pick(const char *uri, const uat_store_ops **ops, const char **location)
{
    if (strncmp(uri, "postgres://", 11) == 0) { /* libpq's other spelling */
        *ops = &uat_store_pg_ops;
        *location = uri + 9;
        return UAT_OK;
    }
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        size_t n = strlen(backends[i]->scheme);
        if (strncmp(uri, backends[i]->scheme, n) == 0 && uri[n] == ':') {
            *ops = backends[i];
            *location = uri + n + 1;
            return UAT_OK;
        }
    }
    if (strstr(uri, "://") != NULL) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "uri", -1,
                         "no store backend in this build for %.32s", uri);
    }
    *ops = &uat_store_sqlite_ops;
    *location = uri;
    return UAT_OK;
}

uat_err uat_store_open(const char *uri, uat_store **out)
{
    UAT_ENSURE(uri != NULL && uri[0] != '\0' && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "uri", -1);
    const uat_store_ops *ops = NULL;
    const char *location = NULL;
    UAT_TRY(pick(uri, &ops, &location));
    uat_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = ops->open(location, &s->impl);
    if (rc != UAT_OK) {
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->gen_lock, NULL);
    s->ops = ops;
    *out = s;
    return UAT_OK;
}

void uat_store_close(uat_store *s)
{
    if (s != NULL) {
        s->ops->close(s->impl);
        pthread_mutex_destroy(&s->gen_lock);
        free(s);
    }
}

const char *uat_store_scheme(const uat_store *s)
{
    return s->ops->scheme;
}

static uat_err check_id(enum uat_store_table t, const char *id)
{
    UAT_ENSURE((unsigned)t < UAT_STORE_NTABLES, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "table", -1);
    UAT_ENSURE(id != NULL && id[0] != '\0' && strlen(id) <= UAT_STORE_MAX_ID,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "id", -1);
    return UAT_OK;
}

uat_err uat_store_ready(uat_store *s)
{
    return s->ops->ready(s->impl);
}

static uat_err check_audit(const uat_audit_record *r)
{
    UAT_ENSURE(r != NULL && r->evidence_sha256 != NULL && r->policy_id != NULL &&
                   r->status != NULL && r->token_id != NULL &&
                   strlen(r->policy_id) <= UAT_STORE_MAX_ID,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "audit", -1);
    return UAT_OK;
}

uat_err uat_store_spend(uat_store *s, const char *nonce_id, int64_t expires_at, int64_t now,
                        uat_audit_record *audit)
{
    UAT_ENSURE(nonce_id != NULL && nonce_id[0] != '\0' && strlen(nonce_id) <= UAT_STORE_MAX_ID,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "nonce", -1);
    if (audit != NULL) {
        UAT_TRY(check_audit(audit));
    }
    return s->ops->nonce_use(s->impl, nonce_id, expires_at, now, audit);
}

uat_err uat_store_nonce_use(uat_store *s, const char *nonce_id, int64_t expires_at, int64_t now)
{
    return uat_store_spend(s, nonce_id, expires_at, now, NULL);
}

uat_err uat_store_put(uat_store *s, enum uat_store_table t, const char *id, const char *body,
                      size_t n, int64_t now, int *created)
{
    UAT_TRY(check_id(t, id));
    UAT_ENSURE(body != NULL || n == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "body", -1);
    UAT_ENSURE(n <= UAT_STORE_MAX_BODY, UAT_ERR_RESOURCE_LIMIT, CHECK, "body", -1);
    int dummy = 0;
    return s->ops->put(s->impl, t, id, body ? body : "", n, now, created ? created : &dummy);
}

uat_err uat_store_get(uat_store *s, enum uat_store_table t, const char *id, uat_buf *out)
{
    UAT_TRY(check_id(t, id));
    return s->ops->get(s->impl, t, id, out);
}

uat_err uat_store_del(uat_store *s, enum uat_store_table t, const char *id)
{
    UAT_TRY(check_id(t, id));
    return s->ops->del(s->impl, t, id);
}

uat_err uat_store_list(uat_store *s, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    UAT_ENSURE((unsigned)t < UAT_STORE_NTABLES && fn != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "table", -1);
    return s->ops->list(s->impl, t, fn, user);
}

int uat_store_schema_version(uat_store *s)
{
    return s->ops->schema_version(s->impl);
}

uat_err uat_store_generation(uat_store *s, enum uat_store_table t, int64_t *out)
{
    UAT_ENSURE((unsigned)t < UAT_STORE_NTABLES && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "table", -1);
    /* Every call answers with a value read after it began, so a write committed before the call
     * (by any replica) is seen; concurrent calls share one read (each attestation asks). */
    uint64_t ticket = atomic_fetch_add(&s->gen_tickets, 1);
    pthread_mutex_lock(&s->gen_lock);
    uat_err rc = UAT_OK;
    if (ticket < s->gen_read_from[t]) {
        *out = s->gen_value[t];
    } else {
        uint64_t from = atomic_load(&s->gen_tickets); /* the calls this read began after */
        rc = s->ops->generation(s->impl, t, out);
        if (rc == UAT_OK) {
            s->gen_value[t] = *out;
            s->gen_read_from[t] = from;
        }
    }
    pthread_mutex_unlock(&s->gen_lock);
    return rc;
}

uat_err uat_store_audit_append(uat_store *s, uat_audit_record *r)
{
    UAT_TRY(check_audit(r));
    return s->ops->audit_append(s->impl, r);
}

uat_err uat_store_audit_list(uat_store *s, int64_t after, size_t max, uat_store_audit_fn fn,
                             void *user)
{
    UAT_ENSURE(after >= 0 && fn != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "after", -1);
    return s->ops->audit_list(s->impl, after, max > UAT_STORE_AUDIT_PAGE ? UAT_STORE_AUDIT_PAGE : max,
                              fn, user);
}
