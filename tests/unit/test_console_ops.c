/* The console's attestation list (src/service/routes_ops.c, docs/console.md) on a real SQLite
 * store: the last record found without reading the log, pages read backwards across the page
 * size, newest first, and every filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "service/routes.h"
#include "uat_assert.h"

#define T0 1750000000 /* 2025-06-15T15:06:40Z */
#define N 2500        /* more than two pages of UAT_STORE_AUDIT_PAGE */

typedef struct fixture {
    char dir[64];
    uat_store *s;
} fixture;

static const char *const tees[] = {"sim", "tpm", "snp", "sgx", "tdx"};
static const char *const statuses[] = {"affirming", "warning", "contraindicated"};

/* Record i (1-based) is at T0 + 10 i, TEE tees[i % 5], status statuses[i % 3]. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/uat-console-ops-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char uri[128];
    snprintf(uri, sizeof(uri), "sqlite:%s/db", f->dir);
    assert_ok(uat_store_open(uri, &f->s));
    for (int i = 1; i <= N; i++) {
        char ev[65];
        snprintf(ev, sizeof(ev), "%064d", i);
        uat_audit_record r;
        memset(&r, 0, sizeof(r));
        r.time = T0 + 10 * i;
        r.evidence_sha256 = ev;
        r.policy_id = "";
        r.status = statuses[i % 3];
        r.token_id = "";
        r.tee = i <= 5 ? NULL : tees[i % 5]; /* the first five: written before the TEE was kept */
        assert_ok(uat_store_audit_append(f->s, &r));
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    uat_store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static json_t *collect(fixture *f, const uat_att_filter *flt, size_t *scanned)
{
    json_t *out = json_array();
    *scanned = 0;
    assert_ok(uat_attestations_collect(f->s, flt, out, scanned));
    return out;
}

static json_int_t id_at(json_t *a, size_t i)
{
    return json_integer_value(json_object_get(json_array_get(a, i), "id"));
}

/* Newest first across page boundaries, stopping at the limit. */
static void test_newest_first(void **state)
{
    fixture *f = *state;
    uat_att_filter flt = {NULL, NULL, 0, 0, 1000};
    size_t scanned = 0;
    json_t *a = collect(f, &flt, &scanned);
    assert_int_equal(json_array_size(a), 1000);
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(id_at(a, i), N - (json_int_t)i);
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "time")),
                        "2025-06-15T22:03:20Z"); /* T0 + 25000 */
    assert_int_equal(scanned, 1000);
    json_decref(a);
}

/* A filter that matches every fifth record reads three pages; TEE and status together. */
static void test_filters(void **state)
{
    fixture *f = *state;
    size_t scanned = 0;
    uat_att_filter by_tee = {"tpm", NULL, 0, 0, 1000};
    json_t *a = collect(f, &by_tee, &scanned);
    assert_int_equal(json_array_size(a), 499); /* ids 6, 11, ... 2496 */
    assert_int_equal(id_at(a, 0), 2496);
    assert_int_equal(id_at(a, json_array_size(a) - 1), 6);
    assert_int_equal(scanned, N);
    json_decref(a);

    uat_att_filter both = {"sim", "warning", 0, 0, 1000}; /* i % 5 == 0 and i % 3 == 1 */
    a = collect(f, &both, &scanned);
    size_t n = json_array_size(a);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        json_int_t id = id_at(a, i);
        assert_int_equal(id % 15, 10);
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, i), "tee")),
                            "sim");
    }
    json_decref(a);

    uat_att_filter unknown = {"nvidia-gpu", NULL, 0, 0, 1000};
    a = collect(f, &unknown, &scanned);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
}

/* A time window: since/until bound the records, and since stops the backward read early. */
static void test_time_window(void **state)
{
    fixture *f = *state;
    size_t scanned = 0;
    uat_att_filter win = {NULL, NULL, T0 + 10 * 2000, T0 + 10 * 2010, 1000};
    json_t *a = collect(f, &win, &scanned);
    assert_int_equal(json_array_size(a), 11);
    assert_int_equal(id_at(a, 0), 2010);
    assert_int_equal(id_at(a, 10), 2000);
    assert_true(scanned < N); /* the pages before 'since' (less an hour) were not read */
    json_decref(a);
    uat_att_filter future = {NULL, NULL, T0 + 10 * (N + 1000), 0, 10};
    a = collect(f, &future, &scanned);
    assert_int_equal(json_array_size(a), 0);
    assert_int_equal(scanned, 1000); /* the last page alone */
    json_decref(a);
}

/* Records written before the TEE was kept list an empty TEE; an empty log lists nothing. */
static void test_old_records_and_empty_log(void **state)
{
    fixture *f = *state;
    size_t scanned = 0;
    uat_att_filter all = {NULL, NULL, 0, 0, 1000};
    all.until = T0 + 10 * 5;
    json_t *a = collect(f, &all, &scanned);
    assert_int_equal(json_array_size(a), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "tee")), "");
    json_decref(a);

    char uri[128];
    snprintf(uri, sizeof(uri), "sqlite:%s/empty", f->dir);
    uat_store *e = NULL;
    assert_ok(uat_store_open(uri, &e));
    a = json_array();
    assert_ok(uat_attestations_collect(e, &all, a, &scanned));
    assert_int_equal(json_array_size(a), 0);
    assert_int_equal(scanned, 0);
    json_decref(a);
    uat_store_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newest_first),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_old_records_and_empty_log),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
