/* The PostgreSQL store (libpq), for several uattestd replicas sharing one database (DESIGN.md §7).
 *
 * - A small pool of connections: a libpq connection serves one thread at a time. A connection
 *   that broke while idle (the server restarted) is replaced and the call retried once.
 * - Numbered migrations applied at open in one transaction under an advisory lock, so replicas
 *   starting together apply each migration once and a failed one leaves the old schema.
 * - Bodies are bytea (binary safe, as in SQLite); ids are TEXT COLLATE "C", so lists come in
 *   byte order, the order SQLite lists them in.
 * - The used-nonce table's primary key makes "insert if absent" atomic across every replica.
 * - Every write is one statement (data-modifying CTEs): one transaction, committed before the
 *   call returns, with the table's generation bumped in the same transaction. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/store.h"

#define CHECK "store.postgresql"
#define POOL_MAX 16u /* connections one process opens at most */
#define CONNECT_TIMEOUT "10"
/* the migrations' advisory lock key: "uattest" read as a big-endian integer */
#define MIGRATION_LOCK "33039725072053108"
/* the audit appends' advisory lock key: one append at a time across replicas */
#define AUDIT_LOCK "33039725072053109"

typedef struct pg_store {
    char *url;
    pthread_mutex_t lock; /* guards the pool and last_purge */
    pthread_cond_t returned;
    PGconn *idle[POOL_MAX];
    unsigned nidle, nopen;
    int version;
    int64_t last_purge;
} pg_store;

/* Migrations, applied in order; version i+1 is reached after migrations[i]. Append only. They
 * mirror the SQLite ones (store_sqlite.c) so both backends are at the same version. */
static const char *const migrations[] = {
    "CREATE TABLE reference_values(id TEXT COLLATE \"C\" PRIMARY KEY, body BYTEA NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE policies(id TEXT COLLATE \"C\" PRIMARY KEY, body BYTEA NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE resources(id TEXT COLLATE \"C\" PRIMARY KEY, body BYTEA NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE admin_tokens(id TEXT COLLATE \"C\" PRIMARY KEY, body BYTEA NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE used_nonces(id TEXT COLLATE \"C\" PRIMARY KEY, expires_at BIGINT NOT NULL);"
    "CREATE INDEX used_nonces_expiry ON used_nonces(expires_at);",
    /* 2: per-table change counters, so replicas notice writes made through another replica */
    "CREATE TABLE generations(name TEXT PRIMARY KEY, generation BIGINT NOT NULL);"
    "INSERT INTO generations VALUES ('reference_values', 0), ('policies', 0), ('resources', 0),"
    " ('admin_tokens', 0);",
    /* 3: the audit log (docs/operations.md), append only: the rules drop changes made through
     * SQL; the hash chain shows those made around them */
    "CREATE TABLE audit_log(id BIGINT PRIMARY KEY, time BIGINT NOT NULL,"
    " evidence_sha256 TEXT NOT NULL, policy_id TEXT NOT NULL,"
    " refvals_generation BIGINT NOT NULL, status TEXT NOT NULL, token_id TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, record_hash TEXT NOT NULL);"
    "CREATE RULE audit_log_no_update AS ON UPDATE TO audit_log DO INSTEAD NOTHING;"
    "CREATE RULE audit_log_no_delete AS ON DELETE TO audit_log DO INSTEAD NOTHING;",
    /* 4: the TEE of each attestation ('' for records written before) */
    "ALTER TABLE audit_log ADD COLUMN tee TEXT NOT NULL DEFAULT '';",
    /* 5: vendor collateral cached by the PCCS / KDS routes (routes_pccs.c), shared by replicas */
    "CREATE TABLE collateral(id TEXT COLLATE \"C\" PRIMARY KEY, body BYTEA NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "INSERT INTO generations VALUES ('collateral', 0);",
    /* 6: the collateral digests of each attestation ('' for records written before) */
    "ALTER TABLE audit_log ADD COLUMN collateral TEXT NOT NULL DEFAULT '';",
    /* 7: used nonces keyed by (expires_at, id): fresh nonces land on the index's last pages
     * (store.h nonce_use: an id comes with one expires_at) */
    "CREATE TABLE used_nonces_7(expires_at BIGINT NOT NULL, id TEXT COLLATE \"C\" NOT NULL,"
    " PRIMARY KEY(expires_at, id));"
    "INSERT INTO used_nonces_7(expires_at, id) SELECT expires_at, id FROM used_nonces;"
    "DROP TABLE used_nonces; ALTER TABLE used_nonces_7 RENAME TO used_nonces;",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- errors ---- */

/* libpq's message on one line, without the trailing newline. */
static void one_line(const char *m, char *out, size_t cap)
{
    snprintf(out, cap, "%s", m != NULL && m[0] != '\0' ? m : "no message");
    for (char *p = out; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            *p = ' ';
        }
    }
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ') {
        out[--n] = '\0';
    }
}

/* A failed call: IO_NETWORK when the connection is gone, else e, with the server's message. */
static uat_err pg_fail(PGconn *c, const PGresult *r, uat_err e, const char *what)
{
    char msg[300];
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    one_line(r != NULL && PQresultErrorMessage(r)[0] != '\0' ? PQresultErrorMessage(r)
                                                             : PQerrorMessage(c),
             msg, sizeof(msg));
    if (PQstatus(c) == CONNECTION_BAD) {
        e = UAT_ERR_IO_NETWORK;
    }
    return UAT_FAILF(e, CHECK, what, -1, "%s (sqlstate %s)", msg, state ? state : "none");
}

/* ---- the pool ---- */

/* The server's notices ("relation already exists, skipping") are not errors: not printed. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static uat_err connect_one(pg_store *s, PGconn **out)
{
    /* the URL comes last so its own parameters win over these defaults */
    const char *const keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *const vals[] = {"uattestd", CONNECT_TIMEOUT, s->url, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        return UAT_NOMEM(CHECK);
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[300];
        one_line(PQerrorMessage(c), msg, sizeof(msg));
        PQfinish(c);
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "connect", -1,
                         "cannot connect to PostgreSQL: %s", msg);
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    *out = c;
    return UAT_OK;
}

/* An idle connection (*reused = 1), else a new one while the pool has room, else waits. */
static uat_err acquire(pg_store *s, PGconn **out, int *reused)
{
    pthread_mutex_lock(&s->lock);
    while (s->nidle == 0 && s->nopen >= POOL_MAX) {
        pthread_cond_wait(&s->returned, &s->lock);
    }
    if (s->nidle > 0) {
        *out = s->idle[--s->nidle];
        *reused = 1;
        pthread_mutex_unlock(&s->lock);
        return UAT_OK;
    }
    s->nopen++;
    pthread_mutex_unlock(&s->lock);
    *reused = 0;
    uat_err rc = connect_one(s, out);
    if (rc != UAT_OK) {
        pthread_mutex_lock(&s->lock);
        s->nopen--;
        pthread_cond_signal(&s->returned);
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* Back to the pool when healthy and outside a transaction; else closed. */
static void release(pg_store *s, PGconn *c)
{
    int healthy = PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE;
    if (!healthy) {
        PQfinish(c);
    }
    pthread_mutex_lock(&s->lock);
    if (healthy) {
        s->idle[s->nidle++] = c;
    } else {
        s->nopen--;
    }
    pthread_cond_signal(&s->returned);
    pthread_mutex_unlock(&s->lock);
}

typedef uat_err (*pg_call)(pg_store *s, PGconn *c, void *args);

/* Runs fn on a pooled connection. A reused connection found broken (the server restarted since
 * it was last used) is dropped and fn runs once more on a fresh one. */
static uat_err with_conn(pg_store *s, pg_call fn, void *args)
{
    for (int attempt = 0;; attempt++) {
        PGconn *c = NULL;
        int reused = 0;
        UAT_TRY(acquire(s, &c, &reused));
        uat_err rc = fn(s, c, args);
        int broken = rc != UAT_OK && PQstatus(c) == CONNECTION_BAD;
        release(s, c);
        if (!(broken && reused && attempt == 0)) {
            return rc;
        }
    }
}

/* ---- statements ---- */

/* Parameters: text, except a body (binary, n bytes). Results come back in binary. */
#define PG_MAX_PARAMS 11 /* the audit insert's */
typedef struct pg_params {
    int n;
    const char *vals[PG_MAX_PARAMS];
    int lens[PG_MAX_PARAMS];
    int fmts[PG_MAX_PARAMS];
} pg_params;

static void param_text(pg_params *p, const char *v)
{
    p->vals[p->n] = v;
    p->lens[p->n] = 0;
    p->fmts[p->n] = 0;
    p->n++;
}

static void param_bytes(pg_params *p, const char *v, size_t n)
{
    p->vals[p->n] = v;
    p->lens[p->n] = (int)n; /* n <= UAT_STORE_MAX_BODY, checked in store.c */
    p->fmts[p->n] = 1;
    p->n++;
}

static uat_err run(PGconn *c, const char *sql, const pg_params *p, ExecStatusType want,
                   uat_err e, const char *what, PGresult **out)
{
    PGresult *r = PQexecParams(c, sql, p->n, NULL, p->vals, p->lens, p->fmts, 1);
    if (r == NULL || PQresultStatus(r) != want) {
        uat_err rc = pg_fail(c, r, e, what);
        PQclear(r);
        return rc;
    }
    *out = r;
    return UAT_OK;
}

/* A binary int8 or int4 column. */
static int64_t int_at(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    int n = PQgetlength(r, row, col);
    uint64_t v = 0;
    for (int i = 0; i < n && i < 8; i++) {
        v = v << 8 | p[i];
    }
    if (n == 4) {
        return (int32_t)(uint32_t)v;
    }
    return (int64_t)v;
}

/* "<before><table name><after>": table names come from a fixed list, never from a request. */
static const char *sql_for(enum uat_store_table t, const char *before, const char *after, char *buf,
                           size_t len)
{
    snprintf(buf, len, "%s%s%s", before, uat_store_table_name(t), after);
    return buf;
}

/* ---- open, migrations ---- */

static uat_err exec_simple(PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    uat_err rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                     ? UAT_OK
                     : pg_fail(c, r, UAT_ERR_IO_WRITE, what);
    PQclear(r);
    return rc;
}

static uat_err read_version(PGconn *c, int *version)
{
    PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_version");
    uat_err rc = UAT_OK;
    if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        rc = pg_fail(c, r, UAT_ERR_IO_READ, "schema_version");
    } else {
        *version = atoi(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return rc;
}

static uat_err migrate_locked(pg_store *s, PGconn *c)
{
    int v = 0;
    UAT_TRY(exec_simple(c, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", "lock"));
    UAT_TRY(exec_simple(c, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                        "schema_version"));
    UAT_TRY(read_version(c, &v));
    if (v > NMIGRATIONS) {
        return UAT_FAILF(UAT_ERR_USAGE_BAD_STATE, CHECK, "schema_version", -1,
                         "the database is at schema %d, newer than this build's %d", v,
                         NMIGRATIONS);
    }
    for (; v < NMIGRATIONS; v++) {
        UAT_TRY(exec_simple(c, migrations[v], "migration"));
        char sql[96];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM schema_version; INSERT INTO schema_version VALUES(%d)", v + 1);
        UAT_TRY(exec_simple(c, sql, "schema_version"));
    }
    s->version = v;
    return UAT_OK;
}

/* All pending migrations in one transaction, under a transaction-scoped advisory lock: a replica
 * starting meanwhile waits, then finds the schema current. */
static uat_err migrate(pg_store *s, PGconn *c, void *args)
{
    (void)args;
    UAT_TRY(exec_simple(c, "BEGIN", "begin"));
    uat_err rc = migrate_locked(s, c);
    if (rc == UAT_OK) {
        rc = exec_simple(c, "COMMIT", "commit");
    }
    if (rc != UAT_OK) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
    return rc;
}

static void pg_close(void *impl)
{
    pg_store *s = impl;
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->nidle; i++) {
        PQfinish(s->idle[i]);
    }
    if (s->url != NULL) {
        uat_wipe(s->url, strlen(s->url)); /* it may hold a password */
    }
    free(s->url);
    pthread_cond_destroy(&s->returned);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* location: what follows "postgresql:", i.e. "//user@host:port/db?params". */
static uat_err pg_open(const char *location, void **impl)
{
    UAT_ENSURE(strncmp(location, "//", 2) == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "uri", -1);
    UAT_ENSURE(PQisthreadsafe(), UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "libpq", -1);
    pg_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->returned, NULL);
    size_t n = strlen("postgresql:") + strlen(location) + 1;
    s->url = malloc(n);
    uat_err rc = s->url != NULL ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        snprintf(s->url, n, "postgresql:%s", location);
        rc = with_conn(s, migrate, NULL);
    }
    if (rc != UAT_OK) {
        pg_close(s);
        return rc;
    }
    *impl = s;
    return UAT_OK;
}

static uat_err ready_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    (void)args;
    pg_params p = {0};
    PGresult *r = NULL;
    UAT_TRY(run(c, "SELECT 1", &p, PGRES_TUPLES_OK, UAT_ERR_IO_READ, "ready", &r));
    PQclear(r);
    return UAT_OK;
}

static uat_err pg_ready(void *impl)
{
    return with_conn(impl, ready_on, NULL);
}

static int pg_schema_version(void *impl)
{
    return ((pg_store *)impl)->version;
}

/* ---- used nonces ---- */

typedef struct nonce_args {
    const char *id;
    int64_t expires_at, now;
    uat_audit_record *audit;
} nonce_args;

/* Expired rows are purged at most once per second of `now` per process: the purge is one
 * indexed DELETE, but there is no need to run it on every attestation. */
static int purge_due(pg_store *s, int64_t now)
{
    pthread_mutex_lock(&s->lock);
    int due = now != s->last_purge;
    s->last_purge = now;
    pthread_mutex_unlock(&s->lock);
    return due;
}

static uat_err nonce_insert(pg_store *s, PGconn *c, const nonce_args *a)
{
    char num[24];
    PGresult *r = NULL;
    if (purge_due(s, a->now)) {
        pg_params p = {0};
        snprintf(num, sizeof(num), "%lld", (long long)(a->now - UAT_STORE_NONCE_SKEW));
        param_text(&p, num);
        UAT_TRY(run(c, "DELETE FROM used_nonces WHERE expires_at < $1", &p, PGRES_COMMAND_OK,
                    UAT_ERR_IO_WRITE, "used_nonces", &r));
        PQclear(r);
    }
    pg_params p = {0};
    snprintf(num, sizeof(num), "%lld", (long long)a->expires_at);
    param_text(&p, a->id);
    param_text(&p, num);
    UAT_TRY(run(c,
                "INSERT INTO used_nonces(id, expires_at) VALUES($1, $2)"
                " ON CONFLICT (expires_at, id) DO NOTHING",
                &p, PGRES_COMMAND_OK, UAT_ERR_IO_WRITE, "used_nonces", &r));
    int inserted = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!inserted) {
        return UAT_FAILF(UAT_ERR_VERIFY_NONCE, "nonce.used", "nonce", -1,
                         "the nonce was used before: ask for a new challenge");
    }
    return UAT_OK;
}

static uat_err audit_insert_locked(PGconn *c, uat_audit_record *rec);

/* With an audit record: the nonce and the record in one transaction, under the audit log's
 * advisory lock (see audit_append_on). */
static uat_err nonce_on(pg_store *s, PGconn *c, void *args)
{
    const nonce_args *a = args;
    if (a->audit == NULL) {
        return nonce_insert(s, c, a);
    }
    UAT_TRY(exec_simple(c, "BEGIN", "begin"));
    uat_err rc = exec_simple(c, "SELECT pg_advisory_xact_lock(" AUDIT_LOCK ")", "lock");
    rc = rc == UAT_OK ? nonce_insert(s, c, a) : rc;
    rc = rc == UAT_OK ? audit_insert_locked(c, a->audit) : rc;
    rc = rc == UAT_OK ? exec_simple(c, "COMMIT", "commit") : rc;
    if (rc != UAT_OK) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
    return rc;
}

static uat_err pg_nonce_use(void *impl, const char *nonce_id, int64_t expires_at, int64_t now,
                            uat_audit_record *audit)
{
    nonce_args a = {nonce_id, expires_at, now, audit};
    return with_conn(impl, nonce_on, &a);
}

/* ---- objects ---- */

typedef struct obj_args {
    enum uat_store_table t;
    const char *id;
    const char *body;
    size_t n;
    int64_t now;
    int created;
    uat_buf *out;
    uat_store_each_fn fn;
    void *user;
    int64_t generation;
} obj_args;

static uat_err not_found(enum uat_store_table t, const char *id)
{
    return UAT_FAILF(UAT_ERR_USAGE_NOT_FOUND, "store.get", uat_store_table_name(t), -1,
                     "no %s with id \"%.128s\"", uat_store_table_name(t), id);
}

/* xmax = 0 on the returned row tells an insert from the update of ON CONFLICT DO UPDATE (the
 * updated row carries this transaction's id): exactly one of two racing creators sees created. */
static uat_err put_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    obj_args *a = args;
    char sql[512], num[24], g[160];
    snprintf(num, sizeof(num), "%lld", (long long)a->now);
    snprintf(g, sizeof(g),
             " RETURNING (xmax = 0) AS created), g AS (UPDATE generations SET generation ="
             " generation + 1 WHERE name = '%s') SELECT created FROM up",
             uat_store_table_name(a->t));
    sql_for(a->t, "WITH up AS (INSERT INTO ",
            "(id, body, updated_at) VALUES($1, $2, $3) ON CONFLICT (id) DO UPDATE SET body ="
            " excluded.body, updated_at = excluded.updated_at",
            sql, sizeof(sql));
    strncat(sql, g, sizeof(sql) - strlen(sql) - 1);
    pg_params p = {0};
    param_text(&p, a->id);
    param_bytes(&p, a->body, a->n);
    param_text(&p, num);
    PGresult *r = NULL;
    UAT_TRY(run(c, sql, &p, PGRES_TUPLES_OK, UAT_ERR_IO_WRITE, "put", &r));
    uat_err rc = UAT_OK;
    if (PQntuples(r) != 1 || PQgetlength(r, 0, 0) != 1) {
        rc = UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "put", -1);
    } else {
        a->created = PQgetvalue(r, 0, 0)[0] != 0;
    }
    PQclear(r);
    return rc;
}

static uat_err pg_put(void *impl, enum uat_store_table t, const char *id, const char *body,
                      size_t n, int64_t now, int *created)
{
    obj_args a = {.t = t, .id = id, .body = body, .n = n, .now = now};
    UAT_TRY(with_conn(impl, put_on, &a));
    *created = a.created;
    return UAT_OK;
}

static uat_err get_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    obj_args *a = args;
    char sql[96];
    pg_params p = {0};
    param_text(&p, a->id);
    PGresult *r = NULL;
    UAT_TRY(run(c, sql_for(a->t, "SELECT body FROM ", " WHERE id = $1", sql, sizeof(sql)), &p,
                PGRES_TUPLES_OK, UAT_ERR_IO_READ, "get", &r));
    uat_err rc = PQntuples(r) == 1 ? UAT_OK : not_found(a->t, a->id);
    if (rc == UAT_OK) {
        rc = uat_buf_append(a->out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    }
    if (rc == UAT_OK) {
        rc = uat_buf_terminate(a->out);
    }
    PQclear(r);
    return rc;
}

static uat_err pg_get(void *impl, enum uat_store_table t, const char *id, uat_buf *out)
{
    obj_args a = {.t = t, .id = id, .out = out};
    return with_conn(impl, get_on, &a);
}

static uat_err del_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    obj_args *a = args;
    char sql[400], g[200];
    snprintf(g, sizeof(g),
             " WHERE id = $1 RETURNING 1), g AS (UPDATE generations SET generation = generation"
             " + 1 WHERE name = '%s' AND EXISTS (SELECT 1 FROM d)) SELECT count(*) FROM d",
             uat_store_table_name(a->t));
    sql_for(a->t, "WITH d AS (DELETE FROM ", g, sql, sizeof(sql));
    pg_params p = {0};
    param_text(&p, a->id);
    PGresult *r = NULL;
    UAT_TRY(run(c, sql, &p, PGRES_TUPLES_OK, UAT_ERR_IO_WRITE, "delete", &r));
    int64_t n = PQntuples(r) == 1 ? int_at(r, 0, 0) : 0;
    PQclear(r);
    return n == 1 ? UAT_OK : not_found(a->t, a->id);
}

static uat_err pg_del(void *impl, enum uat_store_table t, const char *id)
{
    obj_args a = {.t = t, .id = id};
    return with_conn(impl, del_on, &a);
}

static uat_err list_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    obj_args *a = args;
    char sql[128], lim[48];
    snprintf(lim, sizeof(lim), " ORDER BY id LIMIT %u", UAT_STORE_MAX_LIST + 1);
    pg_params p = {0};
    PGresult *r = NULL;
    UAT_TRY(run(c, sql_for(a->t, "SELECT id, body, updated_at FROM ", lim, sql, sizeof(sql)), &p,
                PGRES_TUPLES_OK, UAT_ERR_IO_READ, "list", &r));
    int rows = PQntuples(r);
    uat_err rc = rows > (int)UAT_STORE_MAX_LIST ? UAT_FAIL(UAT_ERR_RESOURCE_LIMIT, CHECK, "list", -1)
                                                : UAT_OK;
    for (int i = 0; rc == UAT_OK && i < rows; i++) {
        /* libpq NUL-terminates every value, binary ones too */
        rc = a->fn(a->user, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   (size_t)PQgetlength(r, i, 1), int_at(r, i, 2));
    }
    PQclear(r);
    return rc;
}

static uat_err pg_list(void *impl, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    obj_args a = {.t = t, .fn = fn, .user = user};
    return with_conn(impl, list_on, &a);
}

static uat_err generation_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    obj_args *a = args;
    pg_params p = {0};
    param_text(&p, uat_store_table_name(a->t));
    PGresult *r = NULL;
    UAT_TRY(run(c, "SELECT generation FROM generations WHERE name = $1", &p, PGRES_TUPLES_OK,
                UAT_ERR_IO_READ, "generation", &r));
    uat_err rc = PQntuples(r) == 1 ? UAT_OK : UAT_FAIL(UAT_ERR_IO_READ, CHECK, "generation", -1);
    if (rc == UAT_OK) {
        a->generation = int_at(r, 0, 0);
    }
    PQclear(r);
    return rc;
}

static uat_err pg_generation(void *impl, enum uat_store_table t, int64_t *out)
{
    obj_args a = {.t = t};
    UAT_TRY(with_conn(impl, generation_on, &a));
    *out = a.generation;
    return UAT_OK;
}

/* ---- the audit log ---- */

typedef struct audit_args {
    uat_audit_record *rec;
    int64_t after;
    size_t max;
    uat_store_audit_fn fn;
    void *user;
} audit_args;

static uat_err audit_insert_locked(PGconn *c, uat_audit_record *rec)
{
    pg_params p = {0};
    PGresult *r = NULL;
    UAT_TRY(run(c, "SELECT id, record_hash FROM audit_log ORDER BY id DESC LIMIT 1", &p,
                PGRES_TUPLES_OK, UAT_ERR_IO_READ, "audit_log", &r));
    char prev[UAT_AUDIT_HASH_HEX + 1] = "";
    rec->id = 1;
    if (PQntuples(r) == 1) {
        rec->id = int_at(r, 0, 0) + 1;
        snprintf(prev, sizeof(prev), "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    UAT_TRY(uat_audit_seal(rec, prev));
    char id[24], t[24], g[24];
    snprintf(id, sizeof(id), "%lld", (long long)rec->id);
    snprintf(t, sizeof(t), "%lld", (long long)rec->time);
    snprintf(g, sizeof(g), "%lld", (long long)rec->refvals_generation);
    const char *v[11] = {id, t, rec->evidence_sha256, rec->policy_id, g, rec->status,
                         rec->token_id, rec->prev_hash, rec->record_hash,
                         rec->tee != NULL ? rec->tee : "",
                         rec->collateral != NULL ? rec->collateral : ""};
    for (int i = 0; i < 11; i++) {
        param_text(&p, v[i]);
    }
    UAT_TRY(run(c,
                "INSERT INTO audit_log(id, time, evidence_sha256, policy_id, refvals_generation,"
                " status, token_id, prev_hash, record_hash, tee, collateral)"
                " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &p, PGRES_COMMAND_OK, UAT_ERR_IO_WRITE, "audit_log", &r));
    PQclear(r);
    return UAT_OK;
}

/* Read the last record and insert the next in one transaction, under an advisory lock that
 * serialises appends of every replica (two would otherwise chain onto the same record). */
static uat_err audit_append_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    audit_args *a = args;
    UAT_TRY(exec_simple(c, "BEGIN", "begin"));
    uat_err rc = exec_simple(c, "SELECT pg_advisory_xact_lock(" AUDIT_LOCK ")", "lock");
    rc = rc == UAT_OK ? audit_insert_locked(c, a->rec) : rc;
    rc = rc == UAT_OK ? exec_simple(c, "COMMIT", "commit") : rc;
    if (rc != UAT_OK) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
    return rc;
}

static uat_err pg_audit_append(void *impl, uat_audit_record *r)
{
    audit_args a = {.rec = r};
    return with_conn(impl, audit_append_on, &a);
}

static uat_err audit_list_on(pg_store *s, PGconn *c, void *args)
{
    (void)s;
    audit_args *a = args;
    char after[24], lim[24];
    snprintf(after, sizeof(after), "%lld", (long long)a->after);
    snprintf(lim, sizeof(lim), "%zu", a->max);
    pg_params p = {0};
    param_text(&p, after);
    param_text(&p, lim);
    PGresult *r = NULL;
    UAT_TRY(run(c,
                "SELECT id, time, evidence_sha256, policy_id, refvals_generation, status,"
                " token_id, prev_hash, record_hash, tee, collateral FROM audit_log"
                " WHERE id > $1::bigint"
                " ORDER BY id LIMIT $2::bigint",
                &p, PGRES_TUPLES_OK, UAT_ERR_IO_READ, "audit_log", &r));
    uat_err rc = UAT_OK;
    for (int i = 0; rc == UAT_OK && i < PQntuples(r); i++) {
        uat_audit_record rec;
        memset(&rec, 0, sizeof(rec));
        rec.id = int_at(r, i, 0);
        rec.time = int_at(r, i, 1);
        rec.evidence_sha256 = PQgetvalue(r, i, 2);
        rec.policy_id = PQgetvalue(r, i, 3);
        rec.refvals_generation = int_at(r, i, 4);
        rec.status = PQgetvalue(r, i, 5);
        rec.token_id = PQgetvalue(r, i, 6);
        snprintf(rec.prev_hash, sizeof(rec.prev_hash), "%s", PQgetvalue(r, i, 7));
        snprintf(rec.record_hash, sizeof(rec.record_hash), "%s", PQgetvalue(r, i, 8));
        rec.tee = PQgetvalue(r, i, 9);
        rec.collateral = PQgetvalue(r, i, 10);
        rc = a->fn(a->user, &rec);
    }
    PQclear(r);
    return rc;
}

static uat_err pg_audit_list(void *impl, int64_t after, size_t max, uat_store_audit_fn fn,
                             void *user)
{
    audit_args a = {.after = after, .max = max, .fn = fn, .user = user};
    return with_conn(impl, audit_list_on, &a);
}

const uat_store_ops uat_store_pg_ops = {
    "postgresql",    pg_open,       pg_close, pg_ready,          pg_nonce_use, pg_put,
    pg_get,          pg_del,        pg_list,  pg_schema_version, pg_generation,
    pg_audit_append, pg_audit_list,
};
