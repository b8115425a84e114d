/* The SQLite store: one connection guarded by a mutex, WAL journal, FULL sync, a schema version
 * table with ordered migrations, and every write in one IMMEDIATE transaction. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "service/store.h"

#define CHECK "store.sqlite"
#define BUSY_TIMEOUT_MS 5000

typedef struct sq_store {
    sqlite3 *db;
    pthread_mutex_t lock;
    int version;
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
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static uat_err sq_fail(sq_store *s, uat_err e, const char *what)
{
    int code = sqlite3_extended_errcode(s->db);
    return UAT_FAILF(e, CHECK, what, -1, "%s (sqlite %d)", sqlite3_errmsg(s->db), code);
}

static uat_err exec(sq_store *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        uat_err rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, what, -1, "%s", msg ? msg : "failed");
        sqlite3_free(msg);
        return rc;
    }
    return UAT_OK;
}

static uat_err prepare(sq_store *s, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        return sq_fail(s, UAT_ERR_INTERNAL, "prepare");
    }
    return UAT_OK;
}

/* Ends a transaction: COMMIT when rc is OK, else ROLLBACK (keeping rc). */
static uat_err finish(sq_store *s, uat_err rc)
{
    if (rc == UAT_OK) {
        rc = exec(s, "COMMIT", "commit");
        if (rc == UAT_OK) {
            return UAT_OK;
        }
    }
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static uat_err read_version(sq_store *s, int *version)
{
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(s, "SELECT coalesce(max(version), 0) FROM schema_version", &st));
    uat_err rc = UAT_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
    } else {
        rc = sq_fail(s, UAT_ERR_IO_READ, "schema_version");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err migrate_locked(sq_store *s)
{
    int v = 0;
    UAT_TRY(exec(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                 "schema_version"));
    UAT_TRY(read_version(s, &v));
    if (v > NMIGRATIONS) {
        return UAT_FAILF(UAT_ERR_USAGE_BAD_STATE, CHECK, "schema_version", -1,
                         "the database is at schema %d, newer than this build's %d", v,
                         NMIGRATIONS);
    }
    for (; v < NMIGRATIONS; v++) {
        UAT_TRY(exec(s, migrations[v], "migration"));
        char sql[96];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM schema_version; INSERT INTO schema_version "
                 "VALUES(%d)",
                 v + 1);
        UAT_TRY(exec(s, sql, "schema_version"));
    }
    s->version = v;
    return UAT_OK;
}

/* All migrations in one transaction: a crash leaves the old schema. */
static uat_err migrate(sq_store *s)
{
    UAT_TRY(exec(s, "BEGIN IMMEDIATE", "begin"));
    return finish(s, migrate_locked(s));
}

static uat_err configure(sq_store *s, const char *path)
{
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    UAT_TRY(exec(s, "PRAGMA journal_mode=WAL", "journal_mode"));
    /* FULL: a used nonce that was acknowledged survives a power loss, so it cannot be replayed */
    UAT_TRY(exec(s, "PRAGMA synchronous=FULL", "synchronous"));
    UAT_TRY(exec(s, "PRAGMA foreign_keys=ON", "foreign_keys"));
    if (strcmp(path, ":memory:") != 0 && chmod(path, 0600) != 0) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "mode", -1, "cannot make %s mode 0600", path);
    }
    return migrate(s);
}

static void sq_close(void *impl)
{
    sq_store *s = impl;
    if (s != NULL) {
        sqlite3_close_v2(s->db);
        pthread_mutex_destroy(&s->lock);
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
    pthread_mutex_init(&s->lock, NULL);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    uat_err rc;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "open", -1, "cannot open %s: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "no memory");
    } else {
        rc = configure(s, path);
    }
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
    pthread_mutex_lock(&s->lock);
    uat_err rc = read_version(s, &v);
    pthread_mutex_unlock(&s->lock);
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
static uat_err run(sq_store *s, const char *sql, const sq_args *a, int *step)
{
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(s, sql, &st));
    bind(st, a);
    *step = sqlite3_step(st);
    sqlite3_finalize(st);
    return UAT_OK;
}

static uat_err nonce_use_locked(sq_store *s, const char *id, int64_t expires_at, int64_t now)
{
    int step = 0;
    sq_args purge = {NULL, NULL, 0, now - UAT_STORE_NONCE_SKEW};
    UAT_TRY(run(s, "DELETE FROM used_nonces WHERE expires_at < :num", &purge, &step));
    if (step != SQLITE_DONE) {
        return sq_fail(s, UAT_ERR_IO_WRITE, "used_nonces");
    }
    sq_args use = {id, NULL, 0, expires_at};
    UAT_TRY(run(s, "INSERT INTO used_nonces(id, expires_at) VALUES(:id, :num)", &use, &step));
    if (step == SQLITE_CONSTRAINT) {
        return UAT_FAILF(UAT_ERR_VERIFY_NONCE, "nonce.used", "nonce", -1,
                         "the nonce was used before: ask for a new challenge");
    }
    if (step != SQLITE_DONE) {
        return sq_fail(s, UAT_ERR_IO_WRITE, "used_nonces");
    }
    return UAT_OK;
}

static uat_err sq_nonce_use(void *impl, const char *nonce_id, int64_t expires_at, int64_t now)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->lock);
    uat_err rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == UAT_OK) {
        rc = finish(s, nonce_use_locked(s, nonce_id, expires_at, now));
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* "<before><table name><after>": table names come from a fixed list, never from a request. */
static const char *sql_for(enum uat_store_table t, const char *before, const char *after, char *buf,
                           size_t len)
{
    snprintf(buf, len, "%s%s%s", before, uat_store_table_name(t), after);
    return buf;
}

static uat_err put_locked(sq_store *s, enum uat_store_table t, const char *id, const char *body,
                          size_t n, int64_t now, int *created)
{
    char sql[200];
    int step = 0;
    sq_args a = {id, body, n, now};
    UAT_TRY(run(s, sql_for(t, "SELECT 1 FROM ", " WHERE id = :id", sql, sizeof(sql)), &a, &step));
    UAT_ENSURE(step == SQLITE_ROW || step == SQLITE_DONE, UAT_ERR_IO_READ, CHECK, "put", -1);
    *created = step == SQLITE_DONE;
    sql_for(t, "INSERT INTO ",
            "(id, body, updated_at) VALUES(:id, :body, :num) ON CONFLICT(id) DO UPDATE"
            " SET body = excluded.body, updated_at = excluded.updated_at",
            sql, sizeof(sql));
    UAT_TRY(run(s, sql, &a, &step));
    if (step != SQLITE_DONE) {
        return sq_fail(s, UAT_ERR_IO_WRITE, "put");
    }
    return UAT_OK;
}

static uat_err sq_put(void *impl, enum uat_store_table t, const char *id, const char *body,
                      size_t n, int64_t now, int *created)
{
    sq_store *s = impl;
    int c = 0;
    pthread_mutex_lock(&s->lock);
    uat_err rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == UAT_OK) {
        rc = finish(s, put_locked(s, t, id, body, n, now, &c));
    }
    pthread_mutex_unlock(&s->lock);
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

static uat_err get_locked(sq_store *s, enum uat_store_table t, const char *id, uat_buf *out)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(s, sql_for(t, "SELECT body FROM ", " WHERE id = :id", sql, sizeof(sql)), &st));
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
        rc = step == SQLITE_DONE ? not_found(t, id) : sq_fail(s, UAT_ERR_IO_READ, "get");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err sq_get(void *impl, enum uat_store_table t, const char *id, uat_buf *out)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->lock);
    uat_err rc = get_locked(s, t, id, out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static uat_err del_locked(sq_store *s, enum uat_store_table t, const char *id)
{
    char sql[96];
    int step = 0;
    sq_args a = {id, NULL, 0, 0};
    UAT_TRY(run(s, sql_for(t, "DELETE FROM ", " WHERE id = :id", sql, sizeof(sql)), &a, &step));
    if (step != SQLITE_DONE) {
        return sq_fail(s, UAT_ERR_IO_WRITE, "delete");
    }
    return sqlite3_changes(s->db) == 1 ? UAT_OK : not_found(t, id);
}

static uat_err sq_del(void *impl, enum uat_store_table t, const char *id)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->lock);
    uat_err rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == UAT_OK) {
        rc = finish(s, del_locked(s, t, id));
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static uat_err list_locked(sq_store *s, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    UAT_TRY(prepare(
        s, sql_for(t, "SELECT id, body, updated_at FROM ", " ORDER BY id", sql, sizeof(sql)), &st));
    uat_err rc = UAT_OK;
    size_t count = 0;
    int step;
    while (rc == UAT_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (++count > UAT_STORE_MAX_LIST) {
            rc = UAT_FAIL(UAT_ERR_RESOURCE_LIMIT, CHECK, "list", -1);
            break;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *body = (const char *)sqlite3_column_text(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        rc = fn(user, id ? id : "", body ? body : "", n, sqlite3_column_int64(st, 2));
    }
    if (rc == UAT_OK && step != SQLITE_DONE) {
        rc = sq_fail(s, UAT_ERR_IO_READ, "list");
    }
    sqlite3_finalize(st);
    return rc;
}

static uat_err sq_list(void *impl, enum uat_store_table t, uat_store_each_fn fn, void *user)
{
    sq_store *s = impl;
    pthread_mutex_lock(&s->lock);
    uat_err rc = list_locked(s, t, fn, user);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

const uat_store_ops uat_store_sqlite_ops = {
    "sqlite", sq_open, sq_close, sq_ready, sq_nonce_use,
    sq_put,   sq_get,  sq_del,   sq_list,  sq_schema_version,
};
