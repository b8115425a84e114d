/* The service's persistent state behind an ops table: reference values, policies, resources, admin
 * token hashes, used nonces and the audit log. SQLite (store_sqlite.c) is the default backend;
 * PostgreSQL (store_pg.c, a "postgresql://" URI) serves several replicas sharing one database. The
 * routes see only this interface; tests/unit/test_store.c runs one suite against both backends.
 *
 * Every object is (id, body bytes, updated_at). Every write is one transaction, committed before
 * the call returns: a failure leaves the store as it was. */
#ifndef UAT_SERVICE_STORE_H
#define UAT_SERVICE_STORE_H

#include "core/buf.h"
#include "uattest/audit.h"

#define UAT_STORE_MAX_ID 256u              /* an object id (resource paths included) */
#define UAT_STORE_MAX_BODY (1024u * 1024u) /* one stored body: the HTTP body limit */
#define UAT_STORE_MAX_LIST 10000u          /* objects returned by one list */
#define UAT_STORE_NONCE_SKEW 300           /* used nonces are kept this long past their expiry */

enum uat_store_table {
    UAT_STORE_REFVALS = 0,
    UAT_STORE_POLICIES = 1,
    UAT_STORE_RESOURCES = 2,
    UAT_STORE_ADMIN_TOKENS = 3, /* id: lower-case hex SHA-256 of the token; body: metadata */
    UAT_STORE_COLLATERAL = 4,   /* id: "<upstream>:<vendor path and query>"; body: routes_pccs.c */
    UAT_STORE_NTABLES = 5,
};

/* Called once per object of a list, in id order; a non-OK return stops the list with that error.
 * The backend may hold a lock meanwhile: the callback must not call the store. */
typedef uat_err (*uat_store_each_fn)(void *user, const char *id, const char *body, size_t n,
                                     int64_t updated_at);

#define UAT_STORE_AUDIT_PAGE 1000u /* audit records returned by one list */

/* Called once per audit record of a list, in id order (hashes filled); as uat_store_each_fn. */
typedef uat_err (*uat_store_audit_fn)(void *user, const uat_audit_record *r);

typedef struct uat_store_ops {
    const char *scheme; /* "sqlite", "postgresql" */
    /* location: what follows "<scheme>:" in the store URI */
    uat_err (*open)(const char *location, void **impl);
    void (*close)(void *impl);
    /* OK when the backend answers a query */
    uat_err (*ready)(void *impl);
    /* Records a nonce as used, atomically: VERIFY_NONCE when it was used before. Rows of nonces
     * that expired more than UAT_STORE_NONCE_SKEW seconds before now are removed on the way.
     * With audit non-NULL, the audit record of the attestation that spent the nonce is appended
     * in the same transaction (as audit_append: its id and hashes are set), and only when the
     * nonce was fresh: an attestation's nonce and its record are durable together or not at all.
     * A nonce id always comes with the same expires_at (a challenge carries it under its MAC, a
     * session fixes it when opened): a store may key the rows by (expires_at, id). */
    uat_err (*nonce_use)(void *impl, const char *nonce_id, int64_t expires_at, int64_t now,
                         uat_audit_record *audit);
    /* Creates or replaces; *created tells which. */
    uat_err (*put)(void *impl, enum uat_store_table t, const char *id, const char *body, size_t n,
                   int64_t now, int *created);
    /* Appends the body to out (NUL-terminated); USAGE_NOT_FOUND when absent. */
    uat_err (*get)(void *impl, enum uat_store_table t, const char *id, uat_buf *out);
    /* USAGE_NOT_FOUND when absent. */
    uat_err (*del)(void *impl, enum uat_store_table t, const char *id);
    uat_err (*list)(void *impl, enum uat_store_table t, uat_store_each_fn fn, void *user);
    /* The schema version the store is at (migrations applied). */
    int (*schema_version)(void *impl);
    /* A counter that grows with every put or delete in table t, by any process sharing the
     * store: a replica compares it to reload what it caches (reference values). */
    uat_err (*generation)(void *impl, enum uat_store_table t, int64_t *out);
    /* Appends an audit record (append only: no op changes or removes one). In one transaction
     * that serialises appends across processes: the id is the last id + 1 and the record is
     * sealed (uat_audit_seal) on the last record's hash; r->id and the hashes are set. */
    uat_err (*audit_append)(void *impl, uat_audit_record *r);
    /* Records with id > after, at most max of them, in id order. */
    uat_err (*audit_list)(void *impl, int64_t after, size_t max, uat_store_audit_fn fn,
                          void *user);
} uat_store_ops;

extern const uat_store_ops uat_store_sqlite_ops;
extern const uat_store_ops uat_store_pg_ops;

typedef struct uat_store uat_store;

/* uri: "sqlite:PATH" or a plain PATH (SQLite); "postgresql://..." or "postgres://..." (a libpq
 * connection URI). Unknown schemes: UNSUPPORTED_FEATURE. */
UAT_MUST_USE uat_err uat_store_open(const char *uri, uat_store **out);
void uat_store_close(uat_store *s);
const char *uat_store_scheme(const uat_store *s);
const char *uat_store_table_name(enum uat_store_table t);

/* The ops of the open backend, with argument checks (ids, sizes) done once here. */
UAT_MUST_USE uat_err uat_store_ready(uat_store *s);
UAT_MUST_USE uat_err uat_store_nonce_use(uat_store *s, const char *nonce_id, int64_t expires_at,
                                         int64_t now);
/* Spends the nonce and appends the attestation's audit record in one transaction (see nonce_use). */
UAT_MUST_USE uat_err uat_store_spend(uat_store *s, const char *nonce_id, int64_t expires_at,
                                     int64_t now, uat_audit_record *audit);
UAT_MUST_USE uat_err uat_store_put(uat_store *s, enum uat_store_table t, const char *id,
                                   const char *body, size_t n, int64_t now, int *created);
UAT_MUST_USE uat_err uat_store_get(uat_store *s, enum uat_store_table t, const char *id,
                                   uat_buf *out);
UAT_MUST_USE uat_err uat_store_del(uat_store *s, enum uat_store_table t, const char *id);
UAT_MUST_USE uat_err uat_store_list(uat_store *s, enum uat_store_table t, uat_store_each_fn fn,
                                    void *user);
int uat_store_schema_version(uat_store *s);
/* The table's generation as read after this call began (calls at the same time share a read). */
UAT_MUST_USE uat_err uat_store_generation(uat_store *s, enum uat_store_table t, int64_t *out);
UAT_MUST_USE uat_err uat_store_audit_append(uat_store *s, uat_audit_record *r);
UAT_MUST_USE uat_err uat_store_audit_list(uat_store *s, int64_t after, size_t max,
                                          uat_store_audit_fn fn, void *user);

#endif
