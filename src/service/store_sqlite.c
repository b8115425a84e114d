/* The SQLite store: WAL journal, FULL sync, a schema version table with ordered migrations, and
 * every write in one IMMEDIATE transaction.
 *
 * Two connections, each guarded by a mutex: one writes, one reads. In WAL mode a reader never
 * waits for a writer, so the reads of every request (admin token, policy, the reference values'
 * generation) do not queue behind a commit's fsync.
 *
 * Used nonces and audit records are committed in groups: a thread that records a nonce (with the
 * audit record of its attestation) or appends an audit record while a commit is under way queues
 * it, and the next commit takes every queued request in one transaction (one fsync). Each caller
 * returns only once the transaction holding its request is durable, so FULL sync costs one fsync
 * per group, not per attestation. */
#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "service/store.h"

#define CHECK "store.sqlite"
#define BUSY_TIMEOUT_MS 5000

typedef struct sq_conn {
    sqlite3 *db;
    pthread_mutex_t lock;
} sq_conn;

/* A request waiting for the group commit, on the caller's stack until done: a nonce to record
 * (id NULL: none), an audit record to append after it (NULL: none), or both. */
typedef struct nonce_req {
    const char *id;
    int64_t expires_at, now;
    uat_audit_record *audit;
    uat_err rc;        /* OK, VERIFY_NONCE (used before), or the commit's error */
    char msg[256];     /* the commit's error message */
    int done;  /* set before sem is posted: the group holding this request is durable */
    int lead;  /* set before sem is posted: this thread commits the next group */
    sem_t sem; /* posted once per wake-up, with no lock held (one futex each way at most) */
    struct nonce_req *next;
} nonce_req;

/* Statements of the hot path, prepared once (each used under its connection's lock). */
enum { ST_BEGIN, ST_COMMIT, ST_NONCE, ST_PURGE, ST_AUDIT_LAST, ST_AUDIT, ST_GENERATION, ST_COUNT };

typedef struct sq_store {
    sq_conn w;
    sq_conn rd;
    sq_conn *r; /* &rd, or &w for an in-memory database (a second connection would be another) */
    int version;
    pthread_mutex_t qlock; /* guards the queue below */
    nonce_req *pending;
    int committing;
    int64_t last_purge; /* the `now` of the last purge of expired nonces (w's lock) */
    sqlite3_stmt *st[ST_COUNT];
} sq_store;

/* Migrations, applied in order; version i+1 is reached after migrations[i]. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE reference_values(id TEXT PRIMARY KEY, body TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE policies(id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE resources(id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE admin_tokens(id TEXT PRIMARY KEY, body TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE used_nonces(id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);"
    "CREATE INDEX used_nonces_expiry ON used_nonces(expires_at);",
    /* 2: per-table change counters (several processes may share one database file) */
    "CREATE TABLE generations(name TEXT PRIMARY KEY, generation INTEGER NOT NULL);"
    "INSERT INTO generations VALUES ('reference_values', 0), ('policies', 0), ('resources', 0),"
    " ('admin_tokens', 0);",
    /* 3: the audit log (docs/operations.md), append only: the triggers refuse changes through
     * SQL; the hash chain shows those made around them */
    "CREATE TABLE audit_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " evidence_sha256 TEXT NOT NULL, policy_id TEXT NOT NULL,"
    " refvals_generation INTEGER NOT NULL, status TEXT NOT NULL, token_id TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, record_hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
    /* 4: the TEE of each attestation ('' for records written before) */
    "ALTER TABLE audit_log ADD COLUMN tee TEXT NOT NULL DEFAULT '';",
    /* 5: vendor collateral cached by the PCCS / KDS routes (routes_pccs.c), shared by replicas */
    ("CREATE TABLE collateral(id TEXT PRIMARY KEY, body TEXT NOT NULL,"
     " updated_at INTEGER NOT NULL); INSERT INTO generations VALUES ('collateral', 0);"),
    /* 6: the collateral digests of each attestation ('' for records written before) */
    "ALTER TABLE audit_log ADD COLUMN collateral TEXT NOT NULL DEFAULT '';",
    /* 7: used nonces keyed by (expires_at, id) in one B-tree: a group of fresh nonces lands on
     * the last pages (they expire about together) instead of one random index page each, and
     * the purge takes the first ones (store.h nonce_use: an id comes with one expires_at) */
    ("CREATE TABLE used_nonces_7(expires_at INTEGER NOT NULL, id TEXT NOT NULL,"
     " PRIMARY KEY(expires_at, id)) WITHOUT ROWID;"
     "INSERT INTO used_nonces_7(expires_at, id) SELECT expires_at, id FROM used_nonces;"
     "DROP TABLE used_nonces; ALTER TABLE used_nonces_7 RENAME TO used_nonces;"),
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static uat_err sq_fail(sqlite3 *db, uat_err e, const char *what)
{
    int code = sqlite3_extended_errcode(db);
    return UAT_FAILF(e, CHECK, what, -1, "%s (sqlite %d)", sqlite3_errmsg(db), code);
}

static uat_err exec(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        uat_err rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, what, -1, "%s", msg ? msg : "failed");
        sqlite3_free(msg);
        return rc;
    }
    return UAT_OK;
}

static uat_err prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        return sq_fail(db, UAT_ERR_INTERNAL, "prepare");
    }
    return UAT_OK;
}

/* Ends a transaction: COMMIT when rc is OK, else ROLLBACK (keeping rc). */
static uat_err finish(sqlite3 *db, uat_err rc)
{
    if (rc == UAT_OK) {
        rc = exec(db, "COMMIT", "commit");
        if (rc == UAT_OK) {
            return UAT_OK;
        }
    }
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static uat_err read_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &st));
    uat_err rc = UAT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
    } else {
        rc = sq_fail(db, UAT_ERR_IO_READ, "schema_version");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err migrate_locked(sq_store *s)
{
    int v = 0;
    UAT_TRY(exec(s->w.db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                 "schema_version"));
    UAT_TRY(read_version(s->w.db, &v));
    if (v > NMIGRATIONS) {
        return UAT_FAILF(UAT_ERR_USAGE_BAD_STATE, CHECK, "schema_version", -1,
                         "the database is at schema %d, newer than this build's %d", v,
                         NMIGRATIONS);
    }
    for (; v < NMIGRATIONS; v++) {
        UAT_TRY(exec(s->w.db, migrations[v], "migration"));
        char sql[96];
        snprintf(sql, sizeof(sql), "DELETE FROM schema_version; INSERT INTO schema_version VALUES(%d)",
                 v + 1);
        UAT_TRY(exec(s->w.db, sql, "schema_version"));
    }
    s->version = v;
    return UAT_OK;
}

/* All migrations in one transaction: a crash leaves the old schema. IMMEDIATE takes the write
 * lock first, so processes opening one database together migrate it once. */
static uat_err migrate(sq_store *s)
{
    UAT_TRY(exec(s->w.db, "BEGIN IMMEDIATE", "begin"));
    return finish(s->w.db, migrate_locked(s));
}

static uat_err open_conn(const char *path, sq_conn *c)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "open", -1, "cannot open %s: %s", path,
                         c->db ? sqlite3_errmsg(c->db) : "no memory");
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    UAT_TRY(exec(c->db, "PRAGMA journal_mode=WAL", "journal_mode"));
    /* FULL: a used nonce that was acknowledged survives a power loss, so it cannot be replayed */
    UAT_TRY(exec(c->db, "PRAGMA synchronous=FULL", "synchronous"));
    return exec(c->db, "PRAGMA foreign_keys=ON", "foreign_keys");
}

static uat_err configure(sq_store *s, const char *path)
{
    int memory = strcmp(path, ":memory:") == 0;
    UAT_TRY(open_conn(path, &s->w));
    if (!memory && chmod(path, 0600) != 0) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "mode", -1, "cannot make %s mode 0600", path);
    }
    UAT_TRY(migrate(s));
    if (memory) {
        s->r = &s->w;
    } else {
        s->r = &s->rd;
        UAT_TRY(open_conn(path, &s->rd));
    }
    UAT_TRY(prepare(s->w.db, "BEGIN IMMEDIATE", &s->st[ST_BEGIN]));
    UAT_TRY(prepare(s->w.db, "COMMIT", &s->st[ST_COMMIT]));
    UAT_TRY(prepare(s->w.db, "INSERT INTO used_nonces(id, expires_at) VALUES(?1, ?2)",
                    &s->st[ST_NONCE]));
    UAT_TRY(prepare(s->w.db, "DELETE FROM used_nonces WHERE expires_at < ?1", &s->st[ST_PURGE]));
    UAT_TRY(prepare(s->w.db, "SELECT id, record_hash FROM audit_log ORDER BY id DESC LIMIT 1",
                    &s->st[ST_AUDIT_LAST]));
    UAT_TRY(prepare(s->w.db,
                    "INSERT INTO audit_log(id, time, evidence_sha256, policy_id,"
                    " refvals_generation, status, token_id, prev_hash, record_hash, tee,"
                    " collateral) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &s->st[ST_AUDIT]));
    return prepare(s->r->db, "SELECT generation FROM generations WHERE name = ?1",
                   &s->st[ST_GENERATION]);
}

static void sq_close(void *impl)
{
    sq_store *s = impl;
    if (s != NULL) {
        for (int i = 0; i < ST_COUNT; i++) {
            sqlite3_finalize(s->st[i]);
        }
        sqlite3_close_v2(s->rd.db);
        sqlite3_close_v2(s->w.db);
        pthread_mutex_destroy(&s->rd.lock);
        pthread_mutex_destroy(&s->w.lock);
        pthread_mutex_destroy(&s->qlock);
        free(s);
    }
}

static uat_err sq_open(const char *path, void **impl)
{
    UAT_ENSURE(path[0] != '\0', UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "path", -1);
    sq_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    pthread_mutex_init(&s->w.lock, NULL);
    pthread_mutex_init(&s->rd.lock, NULL);
    pthread_mutex_init(&s->qlock, NULL);
    s->last_purge = INT64_MIN;
    uat_err rc = configure(s, path);
    if (rc != UAT_OK) {
        sq_close(s);
        return rc;
    }
    *impl = s;
    return UAT_OK;
}

static uat_err sq_ready(void *impl)
{
    sq_store *s = impl;
    int v = 0;
    pthread_mutex_lock(&s->r->lock);
    uat_err rc = read_version(s->r->db, &v);
    pthread_mutex_unlock(&s->r->lock);
    return rc;
}

static int sq_schema_version(void *impl)
{
    return ((sq_store *)impl)->version;
}

/* The parameters a statement may name: :id, :body, :num (only those it names are bound). */
typedef struct sq_args {
    const char *id;
    const char *body;
    size_t n;
    int64_t num;
} sq_args;

static void bind(sqlite3_stmt *st, const sq_args *a)
{
    int i = sqlite3_bind_parameter_index(st, ":id");
    if (i > 0) {
        sqlite3_bind_text(st, i, a->id, -1, SQLITE_STATIC);
    }
    if ((i = sqlite3_bind_parameter_index(st, ":body")) > 0) {
        sqlite3_bind_text64(st, i, a->body, (sqlite3_uint64)a->n, SQLITE_STATIC, SQLITE_UTF8);
    }
    if ((i = sqlite3_bind_parameter_index(st, ":num")) > 0) {
        sqlite3_bind_int64(st, i, a->num);
    }
}

/* One statement stepped once; *step gets sqlite3_step's code. */
static uat_err run(sqlite3 *db, const char *sql, const sq_args *a, int *step)
{
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(db, sql, &st));
    bind(st, a);
    *step = sqlite3_step(st);
    sqlite3_finalize(st);
    return UAT_OK;
}

/* ---- used nonces and audit records: group commit ---- */

/* Steps a cached statement once and resets it (bindings cleared): sqlite3_step's code. */
static int step_cached(sqlite3_stmt *st)
{
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return step;
}

/* Expired rows go at most once per second of `now`: the purge is one indexed DELETE, but there
 * is no need to run it for every attestation. */
static uat_err purge_locked(sq_store *s, int64_t now)
{
    if (now == s->last_purge) {
        return UAT_OK;
    }
    s->last_purge = now;
    sqlite3_bind_int64(s->st[ST_PURGE], 1, now - UAT_STORE_NONCE_SKEW);
    int step = step_cached(s->st[ST_PURGE]);
    return step == SQLITE_DONE ? UAT_OK : sq_fail(s->w.db, UAT_ERR_IO_WRITE, "used_nonces");
}

/* One insert of the group: a constraint failure is that nonce's own refusal (SQLite rolls back
 * the statement, not the transaction); any other failure fails the whole group. */
static uat_err insert_one(sq_store *s, nonce_req *r)
{
    sqlite3_stmt *st = s->st[ST_NONCE];
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->expires_at);
    int step = step_cached(st);
    if ((step & 0xff) == SQLITE_CONSTRAINT) {
        r->rc = UAT_ERR_VERIFY_NONCE;
        return UAT_OK;
    }
    return step == SQLITE_DONE ? UAT_OK : sq_fail(s->w.db, UAT_ERR_IO_WRITE, "used_nonces");
}

/* The last audit record's id and hash (0 and "" when the log is empty), in the transaction. */
static uat_err audit_last(sq_store *s, int64_t *id, char hash[UAT_AUDIT_HASH_HEX + 1])
{
    sqlite3_stmt *st = s->st[ST_AUDIT_LAST];
    int step = sqlite3_step(st);
    uat_err rc = UAT_OK;
    *id = 0;
    hash[0] = '\0';
    if (step == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(st, 1);
        *id = sqlite3_column_int64(st, 0);
        snprintf(hash, UAT_AUDIT_HASH_HEX + 1, "%s", h != NULL ? (const char *)h : "");
    } else if (step != SQLITE_DONE) {
        rc = sq_fail(s->w.db, UAT_ERR_IO_READ, "audit_log");
    }
    sqlite3_reset(st);
    return rc;
}

/* Appends r as the record after (*last, prev), which then name r. */
static uat_err audit_insert(sq_store *s, uat_audit_record *r, int64_t *last,
                            char prev[UAT_AUDIT_HASH_HEX + 1])
{
    r->id = *last + 1;
    UAT_TRY(uat_audit_seal(r, prev));
    sqlite3_stmt *st = s->st[ST_AUDIT];
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->time);
    sqlite3_bind_text(st, 3, r->evidence_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->policy_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->refvals_generation);
    sqlite3_bind_text(st, 6, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->token_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->prev_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->record_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->tee != NULL ? r->tee : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->collateral != NULL ? r->collateral : "", -1, SQLITE_STATIC);
    if (step_cached(st) != SQLITE_DONE) {
        return sq_fail(s->w.db, UAT_ERR_IO_WRITE, "audit_log");
    }
    *last = r->id;
    memcpy(prev, r->record_hash, UAT_AUDIT_HASH_HEX + 1);
    return UAT_OK;
}

static uat_err group_locked(sq_store *s, nonce_req *group)
{
    if (step_cached(s->st[ST_BEGIN]) != SQLITE_DONE) {
        return sq_fail(s->w.db, UAT_ERR_IO_WRITE, "begin");
    }
    uat_err rc = UAT_OK;
    for (nonce_req *r = group; r != NULL; r = r->next) {
        if (r->id != NULL) { /* the purge goes by a nonce's clock (an append alone has none) */
            rc = purge_locked(s, r->now);
            break;
        }
    }
    int64_t last = -1; /* the log's end, read once per group when a record is appended */
    char prev[UAT_AUDIT_HASH_HEX + 1] = "";
    for (nonce_req *r = group; rc == UAT_OK && r != NULL; r = r->next) {
        rc = r->id != NULL ? insert_one(s, r) : UAT_OK;
        if (rc != UAT_OK || r->rc != UAT_OK || r->audit == NULL) {
            continue; /* a used nonce's attestation leaves no record */
        }
        if (last < 0) {
            rc = audit_last(s, &last, prev);
        }
        rc = rc == UAT_OK ? audit_insert(s, r->audit, &last, prev) : rc;
    }
    if (rc == UAT_OK && step_cached(s->st[ST_COMMIT]) != SQLITE_DONE) {
        rc = sq_fail(s->w.db, UAT_ERR_IO_WRITE, "commit");
    }
    if (rc != UAT_OK) {
        sqlite3_exec(s->w.db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* Records every nonce of the group in one transaction. On failure every request of the group
 * gets the error: none of its nonces was recorded, and none is accepted. */
static void commit_group(sq_store *s, nonce_req *group)
{
    pthread_mutex_lock(&s->w.lock);
    uat_err rc = group_locked(s, group);
    pthread_mutex_unlock(&s->w.lock);
    if (rc != UAT_OK) {
        char msg[256];
        uat_error_format(uat_last_error(), msg, sizeof(msg));
        for (nonce_req *r = group; r != NULL; r = r->next) {
            r->rc = rc;
            snprintf(r->msg, sizeof(r->msg), "%s", msg);
        }
    }
}

/* The requests were pushed newest first: the group is committed oldest first. */
static nonce_req *take_pending(sq_store *s)
{
    nonce_req *rev = NULL, *r = s->pending;
    while (r != NULL) {
        nonce_req *next = r->next;
        r->next = rev;
        rev = r;
        r = next;
    }
    s->pending = NULL;
    return rev;
}

/* The group commit: the first request to arrive while no group is being committed commits every
 * request queued so far; the others sleep on their own semaphore. The committer wakes each of its
 * group when the group is durable (no lock held, so a woken thread does not wait on the queue's),
 * and hands the committing over to the newest request that arrived meanwhile. */
static uat_err enqueue(sq_store *s, const char *nonce_id, int64_t expires_at, int64_t now,
                       uat_audit_record *audit)
{
    nonce_req me = {nonce_id, expires_at, now, audit, UAT_OK, "", 0, 0, {{0}}, NULL};
    sem_init(&me.sem, 0, 0);
    pthread_mutex_lock(&s->qlock);
    me.next = s->pending;
    s->pending = &me;
    me.lead = !s->committing;
    s->committing = 1;
    pthread_mutex_unlock(&s->qlock);
    while (!me.done) {
        if (!me.lead) {
            while (sem_wait(&me.sem) != 0) { /* EINTR */
            }
            continue;
        }
        pthread_mutex_lock(&s->qlock);
        nonce_req *group = take_pending(s);
        pthread_mutex_unlock(&s->qlock);
        commit_group(s, group);
        for (nonce_req *r = group, *next; r != NULL; r = next) {
            next = r->next; /* r may be gone as soon as it is posted */
            r->done = 1;
            if (r != &me) {
                sem_post(&r->sem);
            }
        }
        pthread_mutex_lock(&s->qlock);
        nonce_req *heir = s->pending; /* arrived during the commit: it commits the next group */
        s->committing = heir != NULL;
        if (heir != NULL) {
            heir->lead = 1;
            sem_post(&heir->sem);
        }
        pthread_mutex_unlock(&s->qlock);
    }
    sem_destroy(&me.sem);
    if (me.rc == UAT_ERR_VERIFY_NONCE) {
        return UAT_FAILF(UAT_ERR_VERIFY_NONCE, "nonce.used", "nonce", -1,
                         "the nonce was used before: ask for a new challenge");
    }
    if (me.rc != UAT_OK) {
        return UAT_FAILF(me.rc, CHECK, nonce_id != NULL ? "used_nonces" : "audit_log", -1, "%s",
                         me.msg);
    }
    return UAT_OK;
}

static uat_err sq_nonce_use(void *impl, const char *nonce_id, int64_t expires_at, int64_t now,
                            uat_audit_record *audit)
{
    return enqueue(impl, nonce_id, expires_at, now, audit);
}

/* ---- objects ---- */

/* "<before><table name><after>": table names come from a fixed list, never from a request. */
static const char *sql_for(enum uat_store_table t, const char *before, const char *after, char *buf,
                           size_t len)
{
    snprintf(buf, len, "%s%s%s", before, uat_store_table_name(t), after);
    return buf;
}

/* In the write's transaction: the table's generation moves on. */
static uat_err bump(sqlite3 *db, enum uat_store_table t)
{
    int step = 0;
    sq_args a = {uat_store_table_name(t), NULL, 0, 0};
    UAT_TRY(run(db, "UPDATE generations SET generation = generation + 1 WHERE name = :id", &a,
                &step));
    if (step != SQLITE_DONE || sqlite3_changes(db) != 1) {
        return sq_fail(db, UAT_ERR_IO_WRITE, "generation");
    }
    return UAT_OK;
}

static uat_err put_locked(sqlite3 *db, enum uat_store_table t, const char *id, const char *body,
                          size_t n, int64_t now, int *created)
{
    char sql[200];
    int step = 0;
    sq_args a = {id, body, n, now};
    UAT_TRY(run(db, sql_for(t, "SELECT 1 FROM ", " WHERE id = :id", sql, sizeof(sql)), &a, &step));
    UAT_ENSURE(step == SQLITE_ROW || step == SQLITE_DONE, UAT_ERR_IO_READ, CHECK, "put", -1);
    *created = step == SQLITE_DONE;
    sql_for(t, "INSERT INTO ",
            "(id, body, updated_at) VALUES(:id, :body, :num) ON CONFLICT(id) DO UPDATE"
            " SET body = excluded.body, updated_at = excluded.updated_at",
            sql, sizeof(sql));
    UAT_TRY(run(db, sql, &a, &step));
    if (step != SQLITE_DONE) {
        return sq_fail(db, UAT_ERR_IO_WRITE, "put");
    }
    return bump(db, t);
}

static uat_err sq_put(void *impl, enum uat_store_table t, const char *id, const char *body,
                      size_t n, int64_t now, int *created)
{
    sq_store *s = impl;
    int c = 0;
    pthread_mutex_lock(&s->w.lock);
    uat_err rc = exec(s->w.db, "BEGIN IMMEDIATE", "begin");
    if (rc == UAT_OK) {
        rc = finish(s->w.db, put_locked(s->w.db, t, id, body, n, now, &c));
    }
    pthread_mutex_unlock(&s->w.lock);
    if (rc == UAT_OK) {
        *created = c;
    }
    return rc;
}

static uat_err not_found(enum uat_store_table t, const char *id)
{
    return UAT_FAILF(UAT_ERR_USAGE_NOT_FOUND, "store.get", uat_store_table_name(t), -1,
                     "no %s with id \"%.128s\"", uat_store_table_name(t), id);
}

static uat_err get_locked(sqlite3 *db, enum uat_store_table t, const char *id, uat_buf *out)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(db, sql_for(t, "SELECT body FROM ", " WHERE id = :id", sql, sizeof(sql)), &st));
    sq_args a = {id, NULL, 0, 0};
    bind(st, &a);
    int step = sqlite3_step(st);
    uat_err rc = UAT_OK;
    if (step == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        rc = uat_buf_append(out, p ? p : "", n);
        if (rc == UAT_OK) {
            rc = uat_buf_terminate(out);
        }
    } else {
        rc = step == SQLITE_DONE ? not_found(t, id) : sq_fail(db, UAT_ERR_IO_READ, "get");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err sq_get(void *impl, enum uat_store_table t, const char *id, uat_buf *out)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->r->lock);
    uat_err rc = get_locked(s->r->db, t, id, out);
    pthread_mutex_unlock(&s->r->lock);
    return rc;
}

static uat_err del_locked(sqlite3 *db, enum uat_store_table t, const char *id)
{
    char sql[96];
    int step = 0;
    sq_args a = {id, NULL, 0, 0};
    UAT_TRY(run(db, sql_for(t, "DELETE FROM ", " WHERE id = :id", sql, sizeof(sql)), &a, &step));
    if (step != SQLITE_DONE) {
        return sq_fail(db, UAT_ERR_IO_WRITE, "delete");
    }
    if (sqlite3_changes(db) != 1) {
        return not_found(t, id);
    }
    return bump(db, t);
}

static uat_err sq_del(void *impl, enum uat_store_table t, const char *id)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->w.lock);
    uat_err rc = exec(s->w.db, "BEGIN IMMEDIATE", "begin");
    if (rc == UAT_OK) {
        rc = finish(s->w.db, del_locked(s->w.db, t, id));
    }
    pthread_mutex_unlock(&s->w.lock);
    return rc;
}

static uat_err list_locked(sqlite3 *db, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(
        db, sql_for(t, "SELECT id, body, updated_at FROM ", " ORDER BY id", sql, sizeof(sql)), &st));
    uat_err rc = UAT_OK;
    size_t count = 0;
    int step;
    while (rc == UAT_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (++count > UAT_STORE_MAX_LIST) {
            rc = UAT_FAIL(UAT_ERR_RESOURCE_LIMIT, CHECK, "list", -1);
            break;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *body = (const char *)sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        rc = fn(user, id ? id : "", body ? body : "", n, sqlite3_column_int64(st, 2));
    }
    if (rc == UAT_OK && step != SQLITE_DONE) {
        rc = sq_fail(db, UAT_ERR_IO_READ, "list");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err sq_list(void *impl, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->r->lock);
    uat_err rc = list_locked(s->r->db, t, fn, user);
    pthread_mutex_unlock(&s->r->lock);
    return rc;
}

static uat_err generation_locked(sq_store *s, enum uat_store_table t, int64_t *out)
{
    sqlite3_stmt *st = s->st[ST_GENERATION];
    sqlite3_bind_text(st, 1, uat_store_table_name(t), -1, SQLITE_STATIC);
    uat_err rc = UAT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    } else {
        rc = sq_fail(s->r->db, UAT_ERR_IO_READ, "generation");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static uat_err sq_generation(void *impl, enum uat_store_table t, int64_t *out)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->r->lock);
    uat_err rc = generation_locked(s, t, out);
    pthread_mutex_unlock(&s->r->lock);
    return rc;
}

/* ---- the audit log ---- */

/* An append alone joins the group commit like a nonce: records are chained in commit order. */
static uat_err sq_audit_append(void *impl, uat_audit_record *r)
{
    return enqueue(impl, NULL, 0, 0, r);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (const char *)t : "";
}

static uat_err audit_list_locked(sqlite3 *db, int64_t after, size_t max, uat_store_audit_fn fn,
                                 void *user)
{
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(db,
                    "SELECT id, time, evidence_sha256, policy_id, refvals_generation, status,"
                    " token_id, prev_hash, record_hash, tee, collateral FROM audit_log"
                    " WHERE id > ?"
                    " ORDER BY id LIMIT ?",
                    &st));
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    uat_err rc = UAT_OK;
    int step;
    while (rc == UAT_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        uat_audit_record r;
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(st, 0);
        r.time = sqlite3_column_int64(st, 1);
        r.evidence_sha256 = col_text(st, 2);
        r.policy_id = col_text(st, 3);
        r.refvals_generation = sqlite3_column_int64(st, 4);
        r.status = col_text(st, 5);
        r.token_id = col_text(st, 6);
        snprintf(r.prev_hash, sizeof(r.prev_hash), "%s", col_text(st, 7));
        snprintf(r.record_hash, sizeof(r.record_hash), "%s", col_text(st, 8));
        r.tee = col_text(st, 9);
        r.collateral = col_text(st, 10);
        rc = fn(user, &r);
    }
    if (rc == UAT_OK && step != SQLITE_DONE) {
        rc = sq_fail(db, UAT_ERR_IO_READ, "audit_log");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err sq_audit_list(void *impl, int64_t after, size_t max, uat_store_audit_fn fn,
                             void *user)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->r->lock);
    uat_err rc = audit_list_locked(s->r->db, after, max, fn, user);
    pthread_mutex_unlock(&s->r->lock);
    return rc;
}

const uat_store_ops uat_store_sqlite_ops = {
    "sqlite",        sq_open,         sq_close, sq_ready,          sq_nonce_use, sq_put,
    sq_get,          sq_del,          sq_list,  sq_schema_version, sq_generation,
    sq_audit_append, sq_audit_list,
};
