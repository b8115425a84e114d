/* Composite evidence (docs/composite.md) with 8 GPUs: sim evidence plus the corpus H100 report g1
 * eight times (labels gpu-0..gpu-7, each with g1's nonce as its caller nonce), verified as one by
 * uat_verify with a warm verifier (the GPU chain verdict and the sim anchor cached). Ratios
 * measured in the same run, against:
 *   base   one ECDSA P-384 verification of g1's MEASUREMENTS signature through the crypto layer
 *   gpu    uat_verify of g1 alone (warm)
 *   sim    uat_verify of the sim evidence alone (warm)
 * per-GPU cost = (composite - sim) / 8. Rounds alternate; the fastest round of each is reported;
 * times are the thread's CPU time. The appraised line adds uat_appraise (default policy, no
 * reference values: nine submods). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/nvgpu/nvgpu.h"
#include "uattest/uattest.h"

#include "bench_util.h"

#define AT 1767830400 /* 2026-01-08T00:00:00Z, as tests/conformance/test_nvgpu.c */
#define NGPU 8

typedef struct fixture {
    uat_buf report, gpu;
    uat_der_list certs;
    uat_nvgpu_report *rep;
    uat_key *leaf;
    uint8_t *sim, *comp;
    size_t sim_n, comp_n;
    uint8_t bind[64];
    uint8_t nonce[32];
    char dir[64], trust[200];
} fixture;

static void load_gpu(fixture *f, const char *g1)
{
    char path[600];
    size_t hn = 0, pn = 0;
    snprintf(path, sizeof(path), "%s/attestation_report.hex", g1);
    uint8_t *hex = read_all(path, &hn);
    snprintf(path, sizeof(path), "%s/cert_chain.pem", g1);
    uint8_t *pem = read_all(path, &pn);
    while (hn > 0 && (hex[hn - 1] == '\n' || hex[hn - 1] == '\r' || hex[hn - 1] == ' ')) {
        hn--;
    }
    uat_buf_init(&f->report, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&f->gpu, UAT_MAX_EVIDENCE_BYTES);
    f->rep = calloc(1, sizeof(*f->rep));
    check(f->rep ? uat_hex_decode((const char *)hex, hn, &f->report) : UAT_ERR_RESOURCE_NO_MEMORY,
          "g1 report");
    check(uat_pem_certs_strict(uat_span_of(pem, pn), &f->certs), "g1 chain");
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.report = uat_buf_span(&f->report);
    for (size_t i = 0; i < f->certs.n && i < UAT_MAX_CERT_CHAIN; i++) {
        ev.certs[ev.ncerts++] = uat_buf_span(&f->certs.items[i]);
    }
    check(uat_nvgpu_evidence_encode(&ev, &f->gpu), "g1 evidence");
    check(uat_nvgpu_report_parse(uat_buf_span(&f->report), f->rep), "g1 parse");
    check(uat_x509_public_key(uat_buf_span(&f->certs.items[0]), &f->leaf), "g1 leaf");
    memcpy(f->nonce, f->rep->req.nonce, 32);
    free(hex);
    free(pem);
}

/* sim evidence bound to the session, and the composite of it and NGPU copies of g1 */
static void build(fixture *f, const char *corpus)
{
    char state[96], link[240], target[600];
    snprintf(f->dir, sizeof(f->dir), "/tmp/uat-bench-composite-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        exit(1);
    }
    snprintf(state, sizeof(state), "%s/state", f->dir);
    snprintf(f->trust, sizeof(f->trust), "%s/trust", state);
    check(uat_report_data_bind((const uint8_t *)"bench", 5, NULL, 0, f->bind), "bind");
    uat_attester *a = NULL;
    uat_cmw *sim = NULL, *col = NULL;
    check(uat_attester_new("sim", NULL, &a), "sim attester");
    check(uat_attester_set_option(a, "state-dir", state), "state-dir");
    check(uat_attester_collect(a, f->bind, &sim), "sim collect");
    uat_attester_free(a);
    check(uat_cmw_serialize(sim, UAT_CMW_JSON, &f->sim, &f->sim_n), "sim serialize");
    snprintf(link, sizeof(link), "%s/nvidia-gpu", f->trust);
    snprintf(target, sizeof(target), "%s/nvidia-gpu/trust", corpus);
    char *abs = realpath(target, NULL); /* the link lives elsewhere */
    if (abs == NULL || symlink(abs, link) != 0) {
        perror(target);
        exit(1);
    }
    free(abs);
    check(uat_cmw_collection_new(UAT_COMPOSITE_CMWC_TYPE, &col), "collection");
    check(uat_cmw_collection_add(col, "cpu", sim), "add sim");
    for (int i = 0; i < NGPU; i++) {
        char label[16];
        uat_cmw *g = NULL;
        snprintf(label, sizeof(label), "gpu-%d", i);
        check(uat_cmw_record_new(UAT_NVGPU_MEDIA_TYPE, f->gpu.p, f->gpu.len, UAT_CMW_IND_EVIDENCE,
                                 &g),
              "gpu record");
        check(uat_cmw_collection_add(col, label, g), "add gpu");
    }
    check(uat_cmw_serialize(col, UAT_CMW_CBOR, &f->comp, &f->comp_n), "composite serialize");
    uat_cmw_free(col);
}

static uat_verifier *verifier(const fixture *f)
{
    uat_verifier *v = make_verifier(f->trust, f->trust, AT);
    for (int i = 0; i < NGPU; i++) {
        char label[16];
        snprintf(label, sizeof(label), "gpu-%d", i);
        check(uat_verifier_set_member_nonce(v, label, f->nonce, 32), "member nonce");
    }
    return v;
}

static void verify_bound(uat_verifier *v, const uint8_t *ev, size_t n, const uint8_t *rd)
{
    uat_claims *c = NULL;
    check(uat_verify(v, ev, n, rd, &c), "verify");
    uat_claims_free(c);
}

static double base_chunk(const fixture *f, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        check(uat_sig_verify(f->leaf, UAT_SIG_ES384, f->rep->signed_span, f->rep->rsp.signature,
                             "bench"),
              "raw verify");
    }
    return (cpu_s() - t0) / n;
}

static double verify_chunk(uat_verifier *v, const uint8_t *ev, size_t len, const uint8_t *rd,
                           int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        verify_bound(v, ev, len, rd);
    }
    return (cpu_s() - t0) / n;
}

static double appraised_chunk(uat_verifier *v, const fixture *f, const uat_policy *p,
                              const uat_refvals *rv, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        uat_claims *c = NULL;
        uat_ear *e = NULL;
        uat_appraisal_ctx ctx = {AT, (const uint8_t *)"bench", 5, NULL};
        check(uat_verify(v, f->comp, f->comp_n, f->bind, &c), "verify");
        check(uat_appraise(p, rv, c, &ctx, &e), "appraise");
        uat_ear_free(e);
        uat_claims_free(c);
    }
    return (cpu_s() - t0) / n;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int main(int argc, char **argv)
{
    const char *corpus = argc > 1 ? argv[1] : "../shared/corpus";
    int iters = argc > 2 ? atoi(argv[2]) : 200;
    char g1[512];
    snprintf(g1, sizeof(g1), "%s/nvidia-gpu/g1-nvtrust-hopper-sample", corpus);
    fixture f;
    memset(&f, 0, sizeof(f));
    load_gpu(&f, g1);
    build(&f, corpus);
    uat_verifier *v = verifier(&f);
    uint8_t gpu_rd[64] = {0};
    memcpy(gpu_rd, f.nonce, 32);
    uat_policy *p = NULL;
    uat_refvals *rv = NULL;
    check(uat_policy_default(&p), "policy");
    check(uat_refvals_new(&rv), "refvals");
    verify_bound(v, f.comp, f.comp_n, f.bind); /* fills the caches */
    int rounds = 10, chunk = iters / rounds > 0 ? iters / rounds : 1;
    double base = 1e9, gpu = 1e9, sim = 1e9, comp = 1e9, appr = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tb = base_chunk(&f, chunk * 4);
        double tg = verify_chunk(v, f.gpu.p, f.gpu.len, gpu_rd, chunk * 2);
        double ts = verify_chunk(v, f.sim, f.sim_n, f.bind, chunk * 2);
        double tc = verify_chunk(v, f.comp, f.comp_n, f.bind, chunk / 2 > 0 ? chunk / 2 : 1);
        double ta = appraised_chunk(v, &f, p, rv, chunk / 2 > 0 ? chunk / 2 : 1);
        base = tb < base ? tb : base;
        gpu = tg < gpu ? tg : gpu;
        sim = ts < sim ? ts : sim;
        comp = tc < comp ? tc : comp;
        appr = ta < appr ? ta : appr;
    }
    double per_gpu = (comp - sim) / NGPU;
    printf("composite sim+%d GPUs: base(1x ECDSA-P384 verify) %.1f us | one GPU alone %.1f us = "
           "%.2fx base | sim alone %.1f us\n",
           NGPU, base * 1e6, gpu * 1e6, gpu / base, sim * 1e6);
    printf("composite sim+%d GPUs: verify %.1f us = %.2fx base | per GPU %.1f us = %.2fx base = "
           "%.2fx one GPU alone | verify+appraise (9 submods) %.1f us = %.2fx base\n",
           NGPU, comp * 1e6, comp / base, per_gpu * 1e6, per_gpu / base, per_gpu / gpu,
           appr * 1e6, appr / base);
    uat_policy_free(p);
    uat_refvals_free(rv);
    uat_verifier_free(v);
    free(f.sim);
    free(f.comp);
    free(f.rep);
    uat_key_free(f.leaf);
    uat_der_list_free(&f.certs);
    uat_buf_free(&f.report);
    uat_buf_free(&f.gpu);
    nftw(f.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
