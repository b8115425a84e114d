/* Huawei iTrustee report verification speed, as a ratio measured in the same run:
 *   warm = uat_verify of the report (parse, the JSON payloads re-printed for JSON reports, the
 *          DRK chain, SIGN_DRK, SIGN_AK, nonce binding, claims) with the Huawei anchors already
 *          loaded by the verifier
 *   base = the raw signature cost: the two RSA-4096 PSS verifications (SIGN_DRK over the AK
 *          certificate, SIGN_AK over the report) through the crypto layer with keys imported
 *          beforehand, plus one DRK chain verification against a prepared anchor store
 * (base and warm alternate in rounds; the fastest round of each is reported; times are the
 * thread's CPU time, so other processes on a shared machine disturb the ratio little) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "tee/itrustee/itrustee.h"
#include "uattest/uattest.h"

#include "bench_util.h"

#define AT 1780272000 /* 2026-06-01T00:00:00Z */

typedef struct base_op {
    uat_itr_report r;
    uat_cert *drk;
    uat_key *ak;
    uat_x509_store *store;
} base_op;

static void base_init(base_op *b, const uint8_t *ev, size_t n, const char *trust)
{
    uat_der_list l = {NULL, 0, 0};
    uat_cert *anchors[8] = {NULL};
    if (uat_itr_parse(uat_span_of(ev, n), &b->r) != UAT_OK ||
        uat_cert_parse(uat_buf_span(&b->r.drk_der), &b->drk) != UAT_OK ||
        uat_key_from_rsa(uat_buf_span(&b->r.ak_n), uat_buf_span(&b->r.ak_e), &b->ak) != UAT_OK ||
        uat_trust_load_certs(trust, "itrustee", &l) != UAT_OK || l.n > 8) {
        fprintf(stderr, "bench_itrustee: cannot prepare the raw verifications\n");
        exit(1);
    }
    for (size_t i = 0; i < l.n; i++) {
        if (uat_cert_parse(uat_buf_span(&l.items[i]), &anchors[i]) != UAT_OK) {
            exit(1);
        }
    }
    if (uat_x509_store_new(anchors, l.n, NULL, &b->store) != UAT_OK) {
        exit(1);
    }
    for (size_t i = 0; i < l.n; i++) {
        uat_cert_free(anchors[i]);
    }
    uat_der_list_free(&l);
}

static double base_chunk(const base_op *b, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        if (uat_x509_store_verify(b->store, b->drk, NULL, 0, 0, 0, AT, "b") != UAT_OK ||
            uat_sig_verify(uat_cert_key(b->drk), UAT_SIG_PS256, uat_buf_span(&b->r.signed_drk),
                           uat_buf_span(&b->r.sign_drk), "b") != UAT_OK ||
            uat_sig_verify(b->ak, UAT_SIG_PS256, uat_buf_span(&b->r.signed_ak),
                           uat_buf_span(&b->r.sign_ak), "b") != UAT_OK) {
            exit(1);
        }
    }
    return (cpu_s() - t0) / n;
}

static double warm_chunk(uat_verifier *v, const uint8_t *ev, size_t len, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        verify_once(v, ev, len);
    }
    return (cpu_s() - t0) / n;
}

static void bench(const char *name, const char *path, const char *trust, int iters)
{
    size_t n = 0;
    uint8_t *ev = read_all(path, &n);
    base_op b;
    memset(&b, 0, sizeof(b));
    base_init(&b, ev, n, trust);
    uat_verifier *v = make_verifier(trust, trust, AT);
    verify_once(v, ev, n); /* loads the anchors */
    int rounds = 10, chunk = iters / rounds > 0 ? iters / rounds : 1;
    double base = 1e9, warm = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tb = base_chunk(&b, chunk), tw = warm_chunk(v, ev, n, chunk);
        base = tb < base ? tb : base;
        warm = tw < warm ? tw : warm;
    }
    uat_verifier_free(v);
    printf("%-12s base(2x RSA-4096 PSS verify + DRK chain) %7.1f us | warm %7.1f us = %.2fx base\n",
           name, base * 1e6, warm * 1e6, warm / base);
    uat_x509_store_free(b.store);
    uat_cert_free(b.drk);
    uat_key_free(b.ak);
    uat_itr_report_free(&b.r);
    free(ev);
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "../shared/corpus";
    int iters = argc > 2 ? atoi(argv[2]) : 400;
    char trust[512], path[600];
    snprintf(trust, sizeof(trust), "%s/huawei-itrustee/trust", c);
    snprintf(path, sizeof(path), "%s/huawei-itrustee/k1-kunpengsecl-noas/report.bin", c);
    bench("itrustee-k1", path, trust, iters);
    snprintf(path, sizeof(path), "%s/huawei-itrustee/j1-kunpengsecl-json-qta-e08f7eca/report.json",
             c);
    bench("itrustee-j1", path, trust, iters);
    return 0;
}
