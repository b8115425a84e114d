/* AMD SEV-SNP verification speed, as ratios measured in the same run:
 *   warm  = uat_verify with the certificate store and the VCEK chain cached, per report
 *   cold  = a new verifier per report (trust and collateral read, certificates parsed, chain
 *           verified)
 *   base  = one ECDSA P-384 verification of the report signature through the crypto layer
 * (base and warm alternate in rounds; the fastest round of each is reported)
 * and, with the collateral recorded as uattestd's audit does (uat_verifier_set_record_collateral):
 *   rec warm = one recording verifier, its cache hits recording the VCEK, ASK, ARK (and CRLs)
 *   rec cold = a new recording verifier per report
 * as rec warm / warm (what recording costs a hit) and rec cold / rec warm (what the cache saves).
 * Issue (SEV-SNP verifier) asks warm <= 1.3x base. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "tee/snp/snp.h"
#include "uattest/uattest.h"

#include "bench_util.h"

/* One ECDSA P-384 verification of the report signature with the certificate's key. */
typedef struct base_op {
    uat_key *key;
    uat_span msg, sig;
    uint8_t raw[96];
} base_op;

static void base_init(base_op *b, const uint8_t *rep, const char *cert_path)
{
    uat_snp_report r;
    size_t n = 0;
    uint8_t *der = read_all(cert_path, &n);
    b->key = NULL;
    if (uat_snp_report_parse(uat_span_of(rep, UAT_SNP_REPORT_SIZE), &r) != UAT_OK ||
        uat_x509_public_key(uat_span_of(der, n), &b->key) != UAT_OK) {
        exit(1);
    }
    memcpy(b->raw, r.sig_r, 48);
    memcpy(b->raw + 48, r.sig_s, 48);
    b->msg = uat_span_of(rep, UAT_SNP_SIGNED_SIZE);
    b->sig = uat_span_of(b->raw, 96);
    free(der);
}

static double base_chunk(const base_op *b, int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (uat_sig_verify(b->key, UAT_SIG_ES384, b->msg, b->sig, "b") != UAT_OK) {
            exit(1);
        }
    }
    return (now_s() - t0) / n;
}

static double warm_chunk(uat_verifier *v, const uint8_t *rep, size_t len, int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        verify_once(v, rep, len);
    }
    return (now_s() - t0) / n;
}

static uat_verifier *recording_verifier(const char *trust, const char *dir, int64_t at)
{
    uat_verifier *v = make_verifier(trust, dir, at);
    uat_verifier_set_record_collateral(v, 1);
    return v;
}

/* The list must name the three certificates, or the figures measure something else. */
static void check_listed(const uat_verifier *v)
{
    const char *l = uat_verifier_collateral(v);
    if (l == NULL || strstr(l, "ark:") == NULL ||
        (strstr(l, "ask:") == NULL && strstr(l, "asvk:") == NULL) ||
        (strstr(l, "vcek:") == NULL && strstr(l, "vlek:") == NULL)) {
        fprintf(stderr, "collateral not recorded: %s\n", l != NULL ? l : "(null)");
        exit(1);
    }
}

/* Seconds per report with a new verifier for each (chain verified again), recording the
 * collateral (and checking the list) or not. */
static double cold_per_op(const char *dir, const char *trust, int64_t at, int iters,
                          const uint8_t *rep, size_t n, int record)
{
    int cold_iters = iters / 8 > 0 ? iters / 8 : 1;
    double t0 = now_s();
    for (int i = 0; i < cold_iters; i++) {
        uat_verifier *v = record ? recording_verifier(trust, dir, at) : make_verifier(trust, dir, at);
        verify_once(v, rep, n);
        if (record) {
            check_listed(v);
        }
        uat_verifier_free(v);
    }
    return (now_s() - t0) / cold_iters;
}

/* Base and warm alternate in rounds; the fastest round of each counts, so a busy machine (other
 * processes) disturbs the ratio as little as possible. */
static void bench(const char *name, const char *dir, const char *cert, const char *trust,
                  int64_t at, int iters)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/report.bin", dir);
    size_t n = 0;
    uint8_t *rep = read_all(path, &n);
    snprintf(path, sizeof(path), "%s/%s", dir, cert);
    base_op b;
    base_init(&b, rep, path);
    uat_verifier *v = make_verifier(trust, dir, at);
    verify_once(v, rep, n); /* fills the cache */
    int rounds = 10, chunk = iters / rounds > 0 ? iters / rounds : 1;
    double base = 1e9, warm = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tb = base_chunk(&b, chunk), tw = warm_chunk(v, rep, n, chunk);
        base = tb < base ? tb : base;
        warm = tw < warm ? tw : warm;
    }
    uat_verifier_free(v);
    uat_key_free(b.key);
    double cold = cold_per_op(dir, trust, at, iters, rep, n, 0);
    printf("%-8s base(1x ECDSA-P384 verify) %7.1f us | warm %7.1f us = %.2fx base | cold %7.1f us "
           "= %.2fx base (%.3f ms)\n",
           name, base * 1e6, warm * 1e6, warm / base, cold * 1e6, cold / base, cold * 1e3);
    free(rep);
}

static void bench_recorded(const char *name, const char *dir, const char *trust, int64_t at,
                           int iters)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/report.bin", dir);
    size_t n = 0;
    uint8_t *rep = read_all(path, &n);
    uat_verifier *plain = make_verifier(trust, dir, at), *rec = recording_verifier(trust, dir, at);
    verify_once(plain, rep, n);
    verify_once(rec, rep, n);
    int rounds = 10, chunk = iters / rounds > 0 ? iters / rounds : 1;
    double warm = 1e9, rwarm = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tp = warm_chunk(plain, rep, n, chunk), tr = warm_chunk(rec, rep, n, chunk);
        warm = tp < warm ? tp : warm;
        rwarm = tr < rwarm ? tr : rwarm;
    }
    check_listed(rec);
    uat_verifier_free(plain);
    uat_verifier_free(rec);
    double rcold = cold_per_op(dir, trust, at, iters, rep, n, 1);
    printf("%-8s record_collateral: warm %7.1f us = %.2fx warm unrecorded | cold %7.1f us = "
           "%.1fx warm\n",
           name, rwarm * 1e6, rwarm / warm, rcold * 1e6, rcold / rwarm);
    free(rep);
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "../shared/corpus";
    int iters = argc > 2 ? atoi(argv[2]) : 400;
    char d[512], t[512];
    snprintf(t, sizeof(t), "%s/amd-sev-snp/trust", c);
    snprintf(d, sizeof(d), "%s/amd-sev-snp/n1-gosevguest-milan-vcek", c);
    bench("snp-n1", d, "vcek.der", t, 1663981200, iters); /* 2022-09-24T01:00:00Z */
    snprintf(d, sizeof(d), "%s/amd-sev-snp/n3-trustee-milan-vlek-aws", c);
    bench("snp-n3", d, "vlek.der", t, 1748736000, iters); /* 2025-06-01T00:00:00Z */
    snprintf(d, sizeof(d), "%s/amd-sev-snp/n1-gosevguest-milan-vcek", c);
    bench_recorded("snp-n1", d, t, 1663981200, iters);
    snprintf(d, sizeof(d), "%s/amd-sev-snp/n3-trustee-milan-vlek-aws", c);
    bench_recorded("snp-n3", d, t, 1748736000, iters);
    return 0;
}
