/* Unit tests for the service store (src/service/store.h), written against the ops table only: a
 * PostgreSQL backend runs the same tests by setting UAT_TEST_STORE_URI to its URI (the tests then
 * use that database, which must be empty). Without it they run on a fresh SQLite file.
 * Negative cases first. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/store.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define THREADS 8

typedef struct fixture {
    char dir[64];
    char uri[128];
    uat_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    const char *env = getenv("UAT_TEST_STORE_URI");
    if (env != NULL && env[0] != '\0') {
        snprintf(f->uri, sizeof(f->uri), "%s", env);
    } else {
        snprintf(f->dir, sizeof(f->dir), "/tmp/uat-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->uri, sizeof(f->uri), "sqlite:%s/t.db", f->dir);
    }
    assert_int_equal(uat_store_open(f->uri, &f->s), UAT_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    uat_store_close(f->s);
    if (f->dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    free(f);
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
    assert_int_equal(uat_store_open("", &s), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_store_open(NULL, &s), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_store_open("mysql://db/uattest", &s), UAT_ERR_UNSUPPORTED_FEATURE);
    assert_int_equal(uat_store_open("sqlite:/nonexistent-dir/x/t.db", &s), UAT_ERR_IO_WRITE);
    assert_null(s);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    char long_id[UAT_STORE_MAX_ID + 2];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    int created = -1;
    assert_int_equal(uat_store_put(f->s, UAT_STORE_POLICIES, "", "x", 1, NOW, &created),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_store_put(f->s, UAT_STORE_POLICIES, long_id, "x", 1, NOW, &created),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_int_equal(uat_store_put(f->s, UAT_STORE_NTABLES, "a", "x", 1, NOW, &created),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    char *big = calloc(1, UAT_STORE_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, 'b', UAT_STORE_MAX_BODY + 1);
    assert_int_equal(
        uat_store_put(f->s, UAT_STORE_RESOURCES, "big", big, UAT_STORE_MAX_BODY + 1, NOW, &created),
        UAT_ERR_RESOURCE_LIMIT);
    free(big);
    assert_int_equal(created, -1); /* out-params are set only on success */
    assert_int_equal(uat_store_nonce_use(f->s, "", NOW + 60, NOW), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_err rc;
    assert_null(get_text(f->s, UAT_STORE_RESOURCES, "big", &rc));
    assert_int_equal(rc, UAT_ERR_USAGE_NOT_FOUND);
}

static void test_missing_objects(void **state)
{
    fixture *f = *state;
    for (int t = 0; t < UAT_STORE_NTABLES; t++) {
        uat_err rc;
        assert_null(get_text(f->s, (enum uat_store_table)t, "absent", &rc));
        assert_int_equal(rc, UAT_ERR_USAGE_NOT_FOUND);
        assert_int_equal(uat_store_del(f->s, (enum uat_store_table)t, "absent"),
                         UAT_ERR_USAGE_NOT_FOUND);
    }
}

static void test_nonce_second_use(void **state)
{
    fixture *f = *state;
    assert_int_equal(uat_store_nonce_use(f->s, "nonce-a", NOW + 300, NOW), UAT_OK);
    assert_int_equal(uat_store_nonce_use(f->s, "nonce-a", NOW + 300, NOW + 1),
                     UAT_ERR_VERIFY_NONCE);
    assert_string_equal(uat_last_error()->check, "nonce.used");
    /* another nonce is independent */
    assert_int_equal(uat_store_nonce_use(f->s, "nonce-b", NOW + 300, NOW + 1), UAT_OK);
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

/* Concurrent uses of one nonce: exactly one wins. */
static void test_nonce_race(void **state)
{
    fixture *f = *state;
    pthread_t th[THREADS];
    race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i].s = f->s;
        r[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    }
    int wins = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        wins += r[i].ok;
    }
    assert_int_equal(wins, 1);
}

/* Rows of nonces expired longer than the skew are purged (such nonces fail their own expiry check
 * before reaching the store); rows still inside the window stay and keep refusing a reuse. */
static void test_nonce_expiry_purge(void **state)
{
    fixture *f = *state;
    assert_int_equal(uat_store_nonce_use(f->s, "old", NOW - 10, NOW - 100), UAT_OK);
    assert_int_equal(uat_store_nonce_use(f->s, "recent", NOW + 100, NOW - 100), UAT_OK);
    int64_t later = NOW + UAT_STORE_NONCE_SKEW + 50; /* "old" is past the window, "recent" not */
    assert_int_equal(uat_store_nonce_use(f->s, "trigger", later + 300, later), UAT_OK);
    assert_int_equal(uat_store_nonce_use(f->s, "recent", NOW + 100, later), UAT_ERR_VERIFY_NONCE);
    assert_int_equal(uat_store_nonce_use(f->s, "old", NOW - 10, later), UAT_OK);
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
        assert_int_equal(uat_store_put(f->s, UAT_STORE_POLICIES, id, "{}", 2, NOW, NULL), UAT_OK);
    }
    int count = 0;
    assert_int_equal(uat_store_list(f->s, UAT_STORE_POLICIES, stop_at_second, &count),
                     UAT_ERR_IO_READ);
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
        assert_int_equal(uat_store_put(f->s, t, "b/2", "{\"v\":1}", 7, NOW, &created), UAT_OK);
        assert_int_equal(created, 1);
        assert_int_equal(uat_store_put(f->s, t, "a-1", "first", 5, NOW, &created), UAT_OK);
        assert_int_equal(uat_store_put(f->s, t, "a-1", "second", 6, NOW + 5, &created), UAT_OK);
        assert_int_equal(created, 0);
        uat_err rc;
        char *text = get_text(f->s, t, "a-1", &rc);
        assert_int_equal(rc, UAT_OK);
        assert_string_equal(text, "second");
        free(text);
        collected c = {.n = 0};
        assert_int_equal(uat_store_list(f->s, t, collect, &c), UAT_OK);
        assert_int_equal(c.n, 2);
        assert_string_equal(c.ids[0], "a-1"); /* id order */
        assert_string_equal(c.bodies[0], "second");
        assert_int_equal(c.at[0], NOW + 5);
        assert_string_equal(c.ids[1], "b/2");
        assert_int_equal(uat_store_del(f->s, t, "a-1"), UAT_OK);
        assert_null(get_text(f->s, t, "a-1", &rc));
        assert_int_equal(rc, UAT_ERR_USAGE_NOT_FOUND);
    }
}

/* The same id in two tables names two objects. */
static void test_tables_are_separate(void **state)
{
    fixture *f = *state;
    assert_int_equal(uat_store_put(f->s, UAT_STORE_REFVALS, "x", "rv", 2, NOW, NULL), UAT_OK);
    assert_int_equal(uat_store_put(f->s, UAT_STORE_RESOURCES, "x", "res", 3, NOW, NULL), UAT_OK);
    uat_err rc;
    char *a = get_text(f->s, UAT_STORE_REFVALS, "x", &rc);
    char *b = get_text(f->s, UAT_STORE_RESOURCES, "x", &rc);
    assert_string_equal(a, "rv");
    assert_string_equal(b, "res");
    free(a);
    free(b);
    assert_null(get_text(f->s, UAT_STORE_POLICIES, "x", &rc));
    assert_int_equal(rc, UAT_ERR_USAGE_NOT_FOUND);
}

static void test_binary_safe_and_empty_bodies(void **state)
{
    fixture *f = *state;
    assert_int_equal(uat_store_put(f->s, UAT_STORE_POLICIES, "empty", "", 0, NOW, NULL), UAT_OK);
    uat_err rc;
    char *text = get_text(f->s, UAT_STORE_POLICIES, "empty", &rc);
    assert_int_equal(rc, UAT_OK);
    assert_string_equal(text, "");
    free(text);
    const char lua[] =
        "function appraise(c, r)\n  return {status = \"affirming\"} -- ünïcode\nend\n";
    assert_int_equal(uat_store_put(f->s, UAT_STORE_POLICIES, "lua", lua, strlen(lua), NOW, NULL),
                     UAT_OK);
    text = get_text(f->s, UAT_STORE_POLICIES, "lua", &rc);
    assert_string_equal(text, lua);
    free(text);
}

/* Everything survives a reopen; the schema is at its latest version; the backend answers. */
static void test_reopen_persists(void **state)
{
    fixture *f = *state;
    assert_int_equal(uat_store_ready(f->s), UAT_OK);
    assert_true(uat_store_schema_version(f->s) >= 1);
    assert_int_equal(uat_store_put(f->s, UAT_STORE_ADMIN_TOKENS, "abc", "{}", 2, NOW, NULL),
                     UAT_OK);
    assert_int_equal(uat_store_nonce_use(f->s, "kept", NOW + 300, NOW), UAT_OK);
    uat_store_close(f->s);
    f->s = NULL;
    assert_int_equal(uat_store_open(f->uri, &f->s), UAT_OK);
    uat_err rc;
    char *text = get_text(f->s, UAT_STORE_ADMIN_TOKENS, "abc", &rc);
    assert_int_equal(rc, UAT_OK);
    free(text);
    assert_int_equal(uat_store_nonce_use(f->s, "kept", NOW + 300, NOW), UAT_ERR_VERIFY_NONCE);
    if (f->dir[0] != '\0') {
        char path[128];
        struct stat st;
        snprintf(path, sizeof(path), "%s/t.db", f->dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 077, 0); /* secrets live here: owner only */
        assert_string_equal(uat_store_scheme(f->s), "sqlite");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_rejects),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_second_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_expiry_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_callback_error_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crud_every_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_are_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_safe_and_empty_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_persists, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
