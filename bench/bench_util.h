/* Shared by the benchmarks: a monotonic clock, whole-file reads, a configured verifier. */
#ifndef UAT_BENCH_UTIL_H
#define UAT_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "uattest/uattest.h"

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the calling thread. */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exits with the failed check's text unless e is UAT_OK. */
static inline void check(uat_err e, const char *what)
{
    if (e != UAT_OK) {
        char msg[512];
        uat_error_format(uat_last_error(), msg, sizeof(msg));
        fprintf(stderr, "%s: %s\n", what, msg);
        exit(1);
    }
}

static inline uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    uint8_t *b = malloc(1 << 20);
    if (b == NULL) {
        exit(1);
    }
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static inline uat_verifier *make_verifier(const char *trust, const char *coll, int64_t at)
{
    uat_verifier *v = NULL;
    if (uat_verifier_new(&v) != UAT_OK || uat_verifier_set_trust_dir(v, trust) != UAT_OK ||
        uat_verifier_set_collateral_dir(v, coll) != UAT_OK) {
        exit(1);
    }
    uat_verifier_set_time(v, at);
    return v;
}

static inline void verify_once(uat_verifier *v, const uint8_t *q, size_t n)
{
    uat_claims *c = NULL;
    if (uat_verify(v, q, n, NULL, &c) != UAT_OK) {
        char msg[512];
        uat_error_format(uat_last_error(), msg, sizeof(msg));
        fprintf(stderr, "verify failed: %s\n", msg);
        exit(1);
    }
    uat_claims_free(c);
}

#endif
