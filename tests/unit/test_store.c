/* One test suite for every backend of the service store (src/service/store.h), written against
 * the interface only. It runs twice: on SQLite (a fresh file per test), then on PostgreSQL (a
 * fresh database per test) on a server the test starts itself with
 * tests/integration/service_pgctl.sh (initdb in a temp dir, a free loopback port). The PostgreSQL
 * half fails, it does not skip, when no server can be started: scripts/install-deps.sh installs
 * one. UAT_TEST_PG_URI=postgresql://... runs it on an existing server instead (its user needs
 * CREATEDB). Negative cases first. */
#include <libpq-fe.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "service/store.h"
#include "uat_assert.h"

#ifndef UAT_PGCTL
#error "UAT_PGCTL: the path of tests/integration/service_pgctl.sh"
#endif

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define THREADS 8
#define LATEST_SCHEMA 7

/* The backend of the group being run (set by the group setup). */
static struct {
    int pg;
    char server_dir[256];  /* the server this test started ("" for UAT_TEST_PG_URI) */
    char admin_uri[512];   /* PostgreSQL: the maintenance database */
    int next_db;
} backend;

typedef struct fixture {
    char dir[64];   /* SQLite: the temp dir */
    char db[32];    /* PostgreSQL: the database */
    char uri[600];
    uat_store *s;
} fixture;

/* ---- the backends' own SQL, for the few checks the interface does not expose ---- */

static PGconn *pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fail_msg("cannot connect to %s: %s", uri, PQerrorMessage(c));
    }
    return c;
}

static void pg_exec(const char *uri, const char *sql)
{
    PGconn *c = pg_connect(uri);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
}

/* Runs sql on the fixture's database; returns the first column of the first row as a number. */
static long long raw_sql(fixture *f, const char *sql)
{
    long long v = -1;
    if (backend.pg) {
        PGconn *c = pg_connect(f->uri);
        PGresult *r = PQexec(c, sql);
        assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
        if (PQntuples(r) > 0) {
            v = atoll(PQgetvalue(r, 0, 0));
        }
        PQclear(r);
        PQfinish(c);
        return v;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(f->uri + strlen("sqlite:"), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int step = sqlite3_step(st);
    assert_true(step == SQLITE_ROW || step == SQLITE_DONE);
    if (step == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- fixtures ---- */

/* A fresh, empty database; the store is not opened. */
static int setup_empty(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    if (backend.pg) {
        snprintf(f->db, sizeof(f->db), "uat_t%d_%d", (int)getpid(), backend.next_db++);
        char sql[96];
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
        pg_exec(backend.admin_uri, sql);
        /* the maintenance URI with the database swapped: ".../postgres" -> ".../<db>" */
        const char *slash = strrchr(backend.admin_uri, '/');
        const char *query = strchr(slash, '?');
        snprintf(f->uri, sizeof(f->uri), "%.*s/%s%s", (int)(slash - backend.admin_uri),
                 backend.admin_uri, f->db, query ? query : "");
    } else {
        snprintf(f->dir, sizeof(f->dir), "/tmp/uat-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->uri, sizeof(f->uri), "sqlite:%s/t.db", f->dir);
    }
    *state = f;
    return 0;
}

static int setup(void **state)
{
    setup_empty(state);
    fixture *f = *state;
    assert_ok(uat_store_open(f->uri, &f->s));
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    uat_store_close(f->s);
    if (f->db[0] != '\0') {
        char sql[96];
        snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", f->db);
        pg_exec(backend.admin_uri, sql);
    }
    if (f->dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    free(f);
    return 0;
}

static int group_sqlite(void **state)
{
    (void)state;
    memset(&backend, 0, sizeof(backend));
    return 0;
}

/* Starts a server (or takes UAT_TEST_PG_URI). A failure fails every test of the group. */
static int group_pg(void **state)
{
    (void)state;
    memset(&backend, 0, sizeof(backend));
    backend.pg = 1;
    const char *env = getenv("UAT_TEST_PG_URI");
    if (env != NULL && env[0] != '\0') {
        snprintf(backend.admin_uri, sizeof(backend.admin_uri), "%s", env);
        return 0;
    }
    char cmd[600], line[800];
    /* the watchdog stops the server should this process die before the group teardown */
    snprintf(cmd, sizeof(cmd), "bash '%s' start %d", UAT_PGCTL, (int)getpid());
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    int ok = fgets(line, sizeof(line), p) != NULL;
    if (pclose(p) != 0 || !ok ||
        sscanf(line, "%255s %511s", backend.server_dir, backend.admin_uri) != 2) {
        fprintf(stderr, "test_store: cannot start PostgreSQL with %s\n", UAT_PGCTL);
        return -1;
    }
    return 0;
}

static int group_pg_end(void **state)
{
    (void)state;
    if (backend.server_dir[0] != '\0') {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "bash '%s' stop '%s'", UAT_PGCTL, backend.server_dir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

static char *get_text(uat_store *s, enum uat_store_table t, const char *id, uat_err *rc)
{
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    *rc = uat_store_get(s, t, id, &b);
    char *text = *rc == UAT_OK ? strdup((const char *)b.p) : NULL;
    uat_buf_free(&b);
    return text;
}

/* ---- negative cases ---- */

static void test_open_rejects(void **state)
{
    (void)state;
    uat_store *s = NULL;
    assert_err(uat_store_open("", &s), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_store_open(NULL, &s), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_store_open("mysql://db/uattest", &s), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_err(uat_store_open("sqlite:/nonexistent-dir/x/t.db", &s), UAT_ERR_IO_WRITE);
    assert_err(uat_store_open("postgresql:uattest", &s), UAT_ERR_USAGE_INVALID_ARGUMENT);
    /* nothing listens on port 1 */
    assert_err(uat_store_open("postgresql://uattest@127.0.0.1:1/x", &s), UAT_ERR_IO_NETWORK);
    assert_err(uat_store_open("postgres://uattest@127.0.0.1:1/x", &s), UAT_ERR_IO_NETWORK);
    assert_null(s);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    char long_id[UAT_STORE_MAX_ID + 2];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    int created = -1;
    assert_err(uat_store_put(f->s, UAT_STORE_POLICIES, "", "x", 1, NOW, &created),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_store_put(f->s, UAT_STORE_POLICIES, long_id, "x", 1, NOW, &created),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_store_put(f->s, UAT_STORE_NTABLES, "a", "x", 1, NOW, &created),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    char *big = calloc(1, UAT_STORE_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, 'b', UAT_STORE_MAX_BODY + 1);
    assert_err(
        uat_store_put(f->s, UAT_STORE_RESOURCES, "big", big, UAT_STORE_MAX_BODY + 1, NOW, &created),
        UAT_ERR_RESOURCE_LIMIT);
    free(big);
    assert_int_equal(created, -1); /* out-params are set only on success */
    assert_err(uat_store_nonce_use(f->s, "", NOW + 60, NOW), UAT_ERR_USAGE_INVALID_ARGUMENT);
    int64_t g = -1;
    assert_err(uat_store_generation(f->s, UAT_STORE_NTABLES, &g), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(g, -1);
    uat_err rc;
    assert_null(get_text(f->s, UAT_STORE_RESOURCES, "big", &rc));
    assert_err(rc, UAT_ERR_USAGE_NOT_FOUND);
}

static void test_missing_objects(void **state)
{
    fixture *f = *state;
    for (int t = 0; t < UAT_STORE_NTABLES; t++) {
        uat_err rc;
        assert_null(get_text(f->s, (enum uat_store_table)t, "absent", &rc));
        assert_err(rc, UAT_ERR_USAGE_NOT_FOUND);
        assert_err(uat_store_del(f->s, (enum uat_store_table)t, "absent"),
                   UAT_ERR_USAGE_NOT_FOUND);
    }
}

/* A database written by a newer build is refused, not migrated down or used. */
static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    uat_store_close(f->s);
    f->s = NULL;
    raw_sql(f, "UPDATE schema_version SET version = 99");
    assert_err(uat_store_open(f->uri, &f->s), UAT_ERR_USAGE_BAD_STATE);
    assert_null(f->s);
}

static void test_nonce_second_use(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_nonce_use(f->s, "nonce-a", NOW + 300, NOW));
    assert_err(uat_store_nonce_use(f->s, "nonce-a", NOW + 300, NOW + 1), UAT_ERR_VERIFY_NONCE);
    assert_string_equal(uat_last_error()->check, "nonce.used");
    /* another nonce is independent */
    assert_ok(uat_store_nonce_use(f->s, "nonce-b", NOW + 300, NOW + 1));
}

typedef struct race {
    uat_store *s;
    int ok;
} race;

static void *race_one(void *arg)
{
    race *r = arg;
    r->ok = uat_store_nonce_use(r->s, "contended", NOW + 300, NOW) == UAT_OK;
    return NULL;
}

/* Concurrent uses of one nonce through two stores on one database (two replicas), four threads
 * each: exactly one wins. */
static void test_nonce_race_two_replicas(void **state)
{
    fixture *f = *state;
    uat_store *other = NULL;
    assert_ok(uat_store_open(f->uri, &other));
    pthread_t th[THREADS];
    race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i].s = i % 2 ? other : f->s;
        r[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    }
    int wins = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        wins += r[i].ok;
    }
    assert_int_equal(wins, 1);
    assert_err(uat_store_nonce_use(other, "contended", NOW + 300, NOW), UAT_ERR_VERIFY_NONCE);
    uat_store_close(other);
}

/* Rows of nonces expired longer than the skew are purged (such nonces fail their own expiry check
 * before reaching the store); rows still inside the window stay and keep refusing a reuse. */
static void test_nonce_expiry_purge(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_nonce_use(f->s, "old", NOW - 10, NOW - 100));
    assert_ok(uat_store_nonce_use(f->s, "recent", NOW + 100, NOW - 100));
    int64_t later = NOW + UAT_STORE_NONCE_SKEW + 50; /* "old" is past the window, "recent" not */
    assert_ok(uat_store_nonce_use(f->s, "trigger", later + 300, later));
    assert_err(uat_store_nonce_use(f->s, "recent", NOW + 100, later), UAT_ERR_VERIFY_NONCE);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM used_nonces WHERE id = 'old'"), 0);
    assert_ok(uat_store_nonce_use(f->s, "old", NOW - 10, later));
}

static uat_err stop_at_second(void *user, const char *id, const char *body, size_t n, int64_t at)
{
    (void)id;
    (void)body;
    (void)n;
    (void)at;
    int *count = user;
    return ++*count == 2 ? UAT_ERR_IO_READ : UAT_OK;
}

static void test_list_callback_error_stops(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof(id), "p%d", i);
        assert_ok(uat_store_put(f->s, UAT_STORE_POLICIES, id, "{}", 2, NOW, NULL));
    }
    int count = 0;
    assert_err(uat_store_list(f->s, UAT_STORE_POLICIES, stop_at_second, &count), UAT_ERR_IO_READ);
    assert_int_equal(count, 2);
}

/* ---- positive cases ---- */

typedef struct collected {
    char ids[8][32];
    char bodies[8][64];
    int64_t at[8];
    int n;
} collected;

static uat_err collect(void *user, const char *id, const char *body, size_t n, int64_t at)
{
    collected *c = user;
    assert_true(c->n < 8);
    snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", id);
    snprintf(c->bodies[c->n], sizeof(c->bodies[0]), "%.*s", (int)n, body);
    c->at[c->n] = at;
    c->n++;
    return UAT_OK;
}

static void test_crud_every_table(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < UAT_STORE_NTABLES; i++) {
        enum uat_store_table t = (enum uat_store_table)i;
        int created = -1;
        assert_ok(uat_store_put(f->s, t, "b/2", "{\"v\":1}", 7, NOW, &created));
        assert_int_equal(created, 1);
        assert_ok(uat_store_put(f->s, t, "a-1", "first", 5, NOW, &created));
        assert_ok(uat_store_put(f->s, t, "a-1", "second", 6, NOW + 5, &created));
        assert_int_equal(created, 0);
        uat_err rc;
        char *text = get_text(f->s, t, "a-1", &rc);
        assert_ok(rc);
        assert_string_equal(text, "second");
        free(text);
        collected c = {.n = 0};
        assert_ok(uat_store_list(f->s, t, collect, &c));
        assert_int_equal(c.n, 2);
        assert_string_equal(c.ids[0], "a-1"); /* id order */
        assert_string_equal(c.bodies[0], "second");
        assert_int_equal(c.at[0], NOW + 5);
        assert_string_equal(c.ids[1], "b/2");
        assert_ok(uat_store_del(f->s, t, "a-1"));
        assert_null(get_text(f->s, t, "a-1", &rc));
        assert_err(rc, UAT_ERR_USAGE_NOT_FOUND);
    }
}

/* Lists come in byte order of the ids on every backend (not a locale's collation). */
static void test_list_byte_order(void **state)
{
    fixture *f = *state;
    const char *ids[] = {"a", "_x", "Z/1", "B", "a.b", "a-b"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        assert_ok(uat_store_put(f->s, UAT_STORE_RESOURCES, ids[i], "{}", 2, NOW, NULL));
    }
    collected c = {.n = 0};
    assert_ok(uat_store_list(f->s, UAT_STORE_RESOURCES, collect, &c));
    const char *want[] = {"B", "Z/1", "_x", "a", "a-b", "a.b"};
    assert_int_equal(c.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_string_equal(c.ids[i], want[i]);
    }
}

/* The same id in two tables names two objects. */
static void test_tables_are_separate(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_put(f->s, UAT_STORE_REFVALS, "x", "rv", 2, NOW, NULL));
    assert_ok(uat_store_put(f->s, UAT_STORE_RESOURCES, "x", "res", 3, NOW, NULL));
    uat_err rc;
    char *a = get_text(f->s, UAT_STORE_REFVALS, "x", &rc);
    char *b = get_text(f->s, UAT_STORE_RESOURCES, "x", &rc);
    assert_string_equal(a, "rv");
    assert_string_equal(b, "res");
    free(a);
    free(b);
    assert_null(get_text(f->s, UAT_STORE_POLICIES, "x", &rc));
    assert_err(rc, UAT_ERR_USAGE_NOT_FOUND);
}

static void test_binary_safe_and_empty_bodies(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_put(f->s, UAT_STORE_POLICIES, "empty", "", 0, NOW, NULL));
    uat_err rc;
    char *text = get_text(f->s, UAT_STORE_POLICIES, "empty", &rc);
    assert_ok(rc);
    assert_string_equal(text, "");
    free(text);
    const char lua[] =
        "function appraise(c, r)\n  return {status = \"affirming\"} -- ünïcode\nend\n";
    assert_ok(uat_store_put(f->s, UAT_STORE_POLICIES, "lua", lua, strlen(lua), NOW, NULL));
    text = get_text(f->s, UAT_STORE_POLICIES, "lua", &rc);
    assert_string_equal(text, lua);
    free(text);
    /* bytes that are not UTF-8, and a NUL: stored and returned as they are */
    const char raw[] = {'\xff', '\xfe', '\0', 'x', '\x80'};
    assert_ok(uat_store_put(f->s, UAT_STORE_RESOURCES, "raw", raw, sizeof(raw), NOW, NULL));
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    assert_ok(uat_store_get(f->s, UAT_STORE_RESOURCES, "raw", &b));
    assert_int_equal(b.len, sizeof(raw));
    assert_memory_equal(b.p, raw, sizeof(raw));
    assert_int_equal(b.p[b.len], 0); /* terminated */
    uat_buf_free(&b);
}

/* Every put and delete moves its table's generation on, as seen by another replica; a failed
 * delete does not. */
static void test_generation_seen_by_replicas(void **state)
{
    fixture *f = *state;
    uat_store *other = NULL;
    assert_ok(uat_store_open(f->uri, &other));
    int64_t g0 = -1, g = -1, p0 = -1, p = -1;
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &g0));
    assert_ok(uat_store_generation(other, UAT_STORE_POLICIES, &p0));
    assert_ok(uat_store_put(f->s, UAT_STORE_REFVALS, "rv", "{}", 2, NOW, NULL));
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &g));
    assert_true(g > g0);
    g0 = g;
    assert_ok(uat_store_put(f->s, UAT_STORE_REFVALS, "rv", "{ }", 3, NOW, NULL));
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &g));
    assert_true(g > g0);
    g0 = g;
    assert_err(uat_store_del(f->s, UAT_STORE_REFVALS, "absent"), UAT_ERR_USAGE_NOT_FOUND);
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &g));
    assert_int_equal(g, g0);
    assert_ok(uat_store_del(f->s, UAT_STORE_REFVALS, "rv"));
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &g));
    assert_true(g > g0);
    assert_ok(uat_store_generation(other, UAT_STORE_POLICIES, &p));
    assert_int_equal(p, p0); /* other tables did not move */
    uat_store_close(other);
}

typedef struct opener {
    const char *uri;
    uat_err rc;
    int version;
} opener;

static void *open_one(void *arg)
{
    opener *o = arg;
    uat_store *s = NULL;
    o->rc = uat_store_open(o->uri, &s);
    if (o->rc == UAT_OK) {
        o->version = uat_store_schema_version(s);
        uat_store_close(s);
    }
    return NULL;
}

typedef struct gen_reader {
    uat_store *writer, *reader;
    int id;
    int stale; /* reads that did not see the put made before them */
    int failed;
} gen_reader;

static void *put_then_read(void *arg)
{
    gen_reader *g = arg;
    char id[32];
    snprintf(id, sizeof(id), "rv-%d", g->id);
    for (int k = 0; k < 40; k++) {
        int64_t before = -1, after = -1;
        if (uat_store_generation(g->reader, UAT_STORE_REFVALS, &before) != UAT_OK ||
            uat_store_put(g->writer, UAT_STORE_REFVALS, id, "{}", 2, NOW, NULL) != UAT_OK ||
            uat_store_generation(g->reader, UAT_STORE_REFVALS, &after) != UAT_OK) {
            g->failed++;
            continue;
        }
        g->stale += after <= before;
    }
    return NULL;
}

/* Generation reads made at the same time share one read, yet each sees every write committed
 * before it was asked: threads each put through one replica and read through another. */
static void test_generation_shared_reads_fresh(void **state)
{
    fixture *f = *state;
    uat_store *other = NULL;
    assert_ok(uat_store_open(f->uri, &other));
    pthread_t th[THREADS];
    gen_reader g[THREADS];
    for (int i = 0; i < THREADS; i++) {
        g[i] = (gen_reader){f->s, other, i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, put_then_read, &g[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(g[i].failed, 0);
        assert_int_equal(g[i].stale, 0);
    }
    int64_t last = -1;
    assert_ok(uat_store_generation(other, UAT_STORE_REFVALS, &last));
    assert_true(last >= THREADS * 40);
    uat_store_close(other);
}

/* Replicas starting at once on an empty database: every one opens, the migrations ran once. */
static void test_concurrent_migrations(void **state)
{
    fixture *f = *state;
    pthread_t th[THREADS];
    opener o[THREADS];
    for (int i = 0; i < THREADS; i++) {
        o[i] = (opener){f->uri, UAT_ERR_INTERNAL, 0};
        assert_int_equal(pthread_create(&th[i], NULL, open_one, &o[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_ok(o[i].rc);
        assert_int_equal(o[i].version, LATEST_SCHEMA);
    }
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM schema_version"), 1);
    assert_int_equal(raw_sql(f, "SELECT version FROM schema_version"), LATEST_SCHEMA);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM generations"), UAT_STORE_NTABLES);
}

/* A database at schema 1 (an older build) is migrated to the latest at open, data kept. */
static void test_migrates_old_schema(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_put(f->s, UAT_STORE_REFVALS, "kept", "{}", 2, NOW, NULL));
    assert_ok(uat_store_nonce_use(f->s, "spent", NOW + 300, NOW));
    uat_store_close(f->s);
    f->s = NULL;
    raw_sql(f, "DROP TABLE generations");
    raw_sql(f, "DROP TABLE audit_log");
    raw_sql(f, "DROP TABLE collateral");
    raw_sql(f, "UPDATE schema_version SET version = 1");
    assert_ok(uat_store_open(f->uri, &f->s));
    assert_int_equal(uat_store_schema_version(f->s), LATEST_SCHEMA);
    uat_err rc;
    char *text = get_text(f->s, UAT_STORE_REFVALS, "kept", &rc);
    assert_ok(rc);
    free(text);
    int64_t g = -1;
    assert_ok(uat_store_generation(f->s, UAT_STORE_REFVALS, &g));
    assert_int_equal(g, 0);
    /* the used nonces were carried over (migration 7 re-keys them) */
    assert_int_equal(uat_store_nonce_use(f->s, "spent", NOW + 300, NOW), UAT_ERR_VERIFY_NONCE);
    assert_ok(uat_store_nonce_use(f->s, "fresh", NOW + 300, NOW));
}

/* Everything survives a reopen; the schema is at its latest version; the backend answers. */
static void test_reopen_persists(void **state)
{
    fixture *f = *state;
    assert_ok(uat_store_ready(f->s));
    assert_int_equal(uat_store_schema_version(f->s), LATEST_SCHEMA);
    assert_ok(uat_store_put(f->s, UAT_STORE_ADMIN_TOKENS, "abc", "{}", 2, NOW, NULL));
    assert_ok(uat_store_nonce_use(f->s, "kept", NOW + 300, NOW));
    uat_store_close(f->s);
    f->s = NULL;
    assert_ok(uat_store_open(f->uri, &f->s));
    uat_err rc;
    char *text = get_text(f->s, UAT_STORE_ADMIN_TOKENS, "abc", &rc);
    assert_ok(rc);
    free(text);
    assert_err(uat_store_nonce_use(f->s, "kept", NOW + 300, NOW), UAT_ERR_VERIFY_NONCE);
    if (backend.pg) {
        assert_string_equal(uat_store_scheme(f->s), "postgresql");
        return;
    }
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* secrets live here: owner only */
    assert_string_equal(uat_store_scheme(f->s), "sqlite");
}


/* ---- the audit log ---- */

/* Appends n records for distinct evidence. */
static void audit_fill(fixture *f, int n)
{
    for (int i = 0; i < n; i++) {
        char ev[65];
        snprintf(ev, sizeof(ev), "%064d", i);
        uat_audit_record r;
        memset(&r, 0, sizeof(r));
        r.time = NOW + i;
        r.evidence_sha256 = ev;
        r.policy_id = i % 2 ? "p1" : "";
        r.refvals_generation = i;
        r.status = "affirming";
        r.token_id = i % 3 ? "ab" : "";
        r.tee = i % 2 ? "sim" : NULL; /* records without a TEE: as written before it was kept */
        assert_ok(uat_store_audit_append(f->s, &r));
        assert_int_equal(r.id, i + 1);
        assert_int_equal(strlen(r.record_hash), 64);
    }
}

static uat_err audit_to_json(void *user, const uat_audit_record *r)
{
    char *text = NULL;
    assert_ok(uat_audit_record_json(r, &text));
    assert_int_equal(json_array_append_new(user, json_loads(text, 0, NULL)), 0);
    free(text);
    return UAT_OK;
}

/* The chain as the store lists it: OK, or the error with the first broken record's id. */
static uat_err audit_check(fixture *f, int64_t *broken)
{
    json_t *recs = json_array();
    assert_ok(uat_store_audit_list(f->s, 0, UAT_STORE_AUDIT_PAGE, audit_to_json, recs));
    char *text = json_dumps(recs, JSON_COMPACT);
    json_decref(recs);
    uat_audit_cursor cur;
    memset(&cur, 0, sizeof(cur));
    uat_err rc = uat_audit_chain_check(text, strlen(text), &cur, broken);
    free(text);
    return rc;
}

static void test_audit_chain_intact(void **state)
{
    fixture *f = *state;
    int64_t broken = -1;
    assert_ok(audit_check(f, &broken)); /* empty */
    audit_fill(f, 5);
    assert_ok(audit_check(f, &broken));
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM audit_log"), 5);
    /* pages: after=3 gives 4 and 5 */
    json_t *recs = json_array();
    assert_ok(uat_store_audit_list(f->s, 3, 10, audit_to_json, recs));
    assert_int_equal(json_array_size(recs), 2);
    json_decref(recs);
}

/* Changes through plain SQL are refused by the schema (trigger / rule): nothing changes. */
static void test_audit_append_only(void **state)
{
    fixture *f = *state;
    audit_fill(f, 3);
    if (backend.pg) {
        raw_sql(f, "UPDATE audit_log SET status = 'contraindicated' WHERE id = 2");
        raw_sql(f, "DELETE FROM audit_log WHERE id = 2");
        assert_int_equal(raw_sql(f, "SELECT count(*) FROM audit_log"), 3);
    } else {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(f->uri + strlen("sqlite:"), &db), SQLITE_OK);
        assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET status = 'x' WHERE id = 2",
                                          NULL, NULL, NULL),
                             SQLITE_OK);
        assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log WHERE id = 2", NULL, NULL,
                                          NULL),
                             SQLITE_OK);
        sqlite3_close(db);
    }
    int64_t broken = -1;
    assert_ok(audit_check(f, &broken));
}

/* Around the schema's guard (dropped, as someone with the database's files could): an edited
 * record is found by its own hash, a deleted one by the gap, a re-chained deletion by the
 * record after it. */
static void drop_guards(fixture *f)
{
    if (backend.pg) {
        raw_sql(f, "DROP RULE audit_log_no_update ON audit_log");
        raw_sql(f, "DROP RULE audit_log_no_delete ON audit_log");
    } else {
        raw_sql(f, "DROP TRIGGER audit_log_no_update");
        raw_sql(f, "DROP TRIGGER audit_log_no_delete");
    }
}

static void test_audit_edit_detected(void **state)
{
    fixture *f = *state;
    audit_fill(f, 5);
    drop_guards(f);
    raw_sql(f, "UPDATE audit_log SET status = 'contraindicated' WHERE id = 3");
    int64_t broken = -1;
    assert_err(audit_check(f, &broken), UAT_ERR_VERIFY_AUDIT);
    assert_int_equal(broken, 3);
}

/* The TEE is covered by the record's hash when present, and listed back as written. */
static uat_err audit_tees(void *user, const uat_audit_record *r)
{
    size_t n = strlen(user);
    snprintf((char *)user + n, 64 - n, "%s,", r->tee != NULL ? r->tee : "(null)");
    return UAT_OK;
}

static void test_audit_tee(void **state)
{
    fixture *f = *state;
    audit_fill(f, 4);
    char tees[64] = "";
    assert_ok(uat_store_audit_list(f->s, 0, 10, audit_tees, tees));
    assert_string_equal(tees, ",sim,,sim,");
    drop_guards(f);
    raw_sql(f, "UPDATE audit_log SET tee = 'sgx' WHERE id = 2");
    int64_t broken = -1;
    assert_err(audit_check(f, &broken), UAT_ERR_VERIFY_AUDIT);
    assert_int_equal(broken, 2);
}

static void test_audit_delete_detected(void **state)
{
    fixture *f = *state;
    audit_fill(f, 5);
    drop_guards(f);
    raw_sql(f, "DELETE FROM audit_log WHERE id = 4");
    int64_t broken = -1;
    assert_err(audit_check(f, &broken), UAT_ERR_VERIFY_AUDIT);
    assert_int_equal(broken, 4);
    /* renumbered to hide the gap: record 4 (was 5) does not chain onto record 3 */
    raw_sql(f, "UPDATE audit_log SET id = 4 WHERE id = 5");
    assert_err(audit_check(f, &broken), UAT_ERR_VERIFY_AUDIT);
    assert_int_equal(broken, 4);
}

static void test_audit_first_removed(void **state)
{
    fixture *f = *state;
    audit_fill(f, 3);
    drop_guards(f);
    raw_sql(f, "DELETE FROM audit_log WHERE id = 1");
    int64_t broken = -1;
    assert_err(audit_check(f, &broken), UAT_ERR_VERIFY_AUDIT);
    assert_int_equal(broken, 1);
}

/* Spends with their audit records from eight threads on two stores (replicas) on one database,
 * every nonce tried twice: each nonce is spent once, exactly the winners' records are in the log,
 * chained, and a loser gets VERIFY_NONCE with no record. Mixed with plain appends. */
typedef struct spender {
    uat_store *s;
    int base, wins, refused;
} spender;

#define SPENDS 40

static void *spend_some(void *arg)
{
    spender *sp = arg;
    for (int i = 0; i < SPENDS; i++) {
        char id[32], ev[65];
        snprintf(id, sizeof(id), "n-%d", (sp->base + i) % (SPENDS * THREADS / 2));
        snprintf(ev, sizeof(ev), "%064d", sp->base + i);
        uat_audit_record r;
        memset(&r, 0, sizeof(r));
        r.time = NOW;
        r.evidence_sha256 = ev;
        r.policy_id = "";
        r.status = "affirming";
        r.token_id = "";
        uat_err rc = i % 10 == 9 ? uat_store_audit_append(sp->s, &r)
                                 : uat_store_spend(sp->s, id, NOW + 300, NOW, &r);
        if (rc == UAT_OK) {
            sp->wins++;
        } else if (rc == UAT_ERR_VERIFY_NONCE) {
            sp->refused++;
        }
    }
    return NULL;
}

static void test_spend_with_audit(void **state)
{
    fixture *f = *state;
    uat_store *other = NULL;
    assert_ok(uat_store_open(f->uri, &other));
    pthread_t th[THREADS];
    spender sp[THREADS];
    for (int i = 0; i < THREADS; i++) {
        sp[i] = (spender){i % 2 ? other : f->s, i * SPENDS, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, spend_some, &sp[i]), 0);
    }
    int wins = 0, refused = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        wins += sp[i].wins;
        refused += sp[i].refused;
    }
    assert_int_equal(wins + refused, SPENDS * THREADS);
    /* each nonce id appears in two threads' ranges; appends (every tenth call) spend none */
    int spends = SPENDS * THREADS - SPENDS * THREADS / 10;
    int ids = (int)raw_sql(f, "SELECT count(*) FROM used_nonces");
    assert_true(ids <= SPENDS * THREADS / 2 && refused == spends - ids);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM audit_log"), wins);
    int64_t broken = -1;
    assert_ok(audit_check(f, &broken));
    /* a used nonce leaves no record */
    uat_audit_record r;
    memset(&r, 0, sizeof(r));
    r.evidence_sha256 = "ee";
    r.policy_id = r.status = r.token_id = "";
    assert_err(uat_store_spend(other, "n-0", NOW + 300, NOW, &r), UAT_ERR_VERIFY_NONCE);
    assert_int_equal(raw_sql(f, "SELECT count(*) FROM audit_log"), wins);
    uat_store_close(other);
}

#define STORE_TESTS                                                                                \
    cmocka_unit_test(test_open_rejects),                                                           \
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_missing_objects, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_nonce_second_use, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_nonce_race_two_replicas, setup, teardown),            \
        cmocka_unit_test_setup_teardown(test_nonce_expiry_purge, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_list_callback_error_stops, setup, teardown),          \
        cmocka_unit_test_setup_teardown(test_crud_every_table, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_list_byte_order, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_tables_are_separate, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_binary_safe_and_empty_bodies, setup, teardown),       \
        cmocka_unit_test_setup_teardown(test_generation_seen_by_replicas, setup, teardown),        \
        cmocka_unit_test_setup_teardown(test_generation_shared_reads_fresh, setup, teardown),      \
        cmocka_unit_test_setup_teardown(test_concurrent_migrations, setup_empty, teardown),        \
        cmocka_unit_test_setup_teardown(test_migrates_old_schema, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_reopen_persists, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_audit_chain_intact, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),                  \
        cmocka_unit_test_setup_teardown(test_audit_edit_detected, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_audit_delete_detected, setup, teardown),              \
        cmocka_unit_test_setup_teardown(test_audit_tee, setup, teardown),                          \
        cmocka_unit_test_setup_teardown(test_audit_first_removed, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_spend_with_audit, setup, teardown)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {STORE_TESTS};
    const struct CMUnitTest pg_tests[] = {STORE_TESTS};
    int failed = cmocka_run_group_tests_name("store.sqlite", sqlite_tests, group_sqlite, NULL);
    failed += cmocka_run_group_tests_name("store.postgresql", pg_tests, group_pg, group_pg_end);
    return failed;
}
