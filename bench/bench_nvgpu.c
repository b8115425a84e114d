/* NVIDIA GPU (SPDM) verification speed, as ratios measured in the same run:
 *   warm  = uat_verify of corpus g1 (as the CBOR evidence map) with the device anchors, their
 *           store and the verified device chain cached by the verifier, per report
 *   cold  = a new verifier per report (trust read, certificates parsed, chain verified)
 *   base  = one ECDSA P-384 verification of the MEASUREMENTS signature with the leaf's key
 *           through the crypto layer
 * (base and warm alternate in rounds; the fastest round of each is reported; times are the
 * thread's CPU time, so other processes on a shared machine disturb the ratio little)
 * Goal: warm <= 1.3x base. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/nvgpu/nvgpu.h"
#include "uattest/uattest.h"

#include "bench_util.h"

#define AT 1767830400 /* 2026-01-08T00:00:00Z, as tests/conformance/test_nvgpu.c */

typedef struct sample {
    uat_buf report, cbor;
    uat_der_list certs;
    uat_nvgpu_report *rep;
    uat_key *leaf;
} sample;

/* g1's report and chain as the CBOR evidence map, and the raw signature inputs. */
static void sample_load(sample *s, const char *dir)
{
    char path[600];
    size_t hn = 0, pn = 0;
    snprintf(path, sizeof(path), "%s/attestation_report.hex", dir);
    uint8_t *hex = read_all(path, &hn);
    snprintf(path, sizeof(path), "%s/cert_chain.pem", dir);
    uint8_t *pem = read_all(path, &pn);
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    memset(s, 0, sizeof(*s));
    uat_buf_init(&s->report, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&s->cbor, UAT_MAX_EVIDENCE_BYTES);
    while (hn > 0 && (hex[hn - 1] == '\n' || hex[hn - 1] == '\r' || hex[hn - 1] == ' ')) {
        hn--;
    }
    s->rep = calloc(1, sizeof(*s->rep));
    if (s->rep == NULL || uat_hex_decode((const char *)hex, hn, &s->report) != UAT_OK ||
        uat_pem_certs_strict(uat_span_of(pem, pn), &s->certs) != UAT_OK ||
        s->certs.n > UAT_MAX_CERT_CHAIN) {
        fprintf(stderr, "bench_nvgpu: cannot read %s\n", dir);
        exit(1);
    }
    ev.report = uat_buf_span(&s->report);
    ev.ncerts = s->certs.n;
    for (size_t i = 0; i < s->certs.n; i++) {
        ev.certs[i] = uat_buf_span(&s->certs.items[i]);
    }
    strcpy(ev.arch, "HOPPER");
    if (uat_nvgpu_evidence_encode(&ev, &s->cbor) != UAT_OK ||
        uat_nvgpu_report_parse(uat_buf_span(&s->report), s->rep) != UAT_OK ||
        uat_x509_public_key(uat_buf_span(&s->certs.items[0]), &s->leaf) != UAT_OK) {
        fprintf(stderr, "bench_nvgpu: cannot prepare the raw verification\n");
        exit(1);
    }
    free(hex);
    free(pem);
}

static void sample_free(sample *s)
{
    uat_key_free(s->leaf);
    free(s->rep);
    uat_der_list_free(&s->certs);
    uat_buf_free(&s->cbor);
    uat_buf_free(&s->report);
}

static double base_chunk(const sample *s, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        if (uat_sig_verify(s->leaf, UAT_SIG_ES384, s->rep->signed_span, s->rep->rsp.signature,
                           "b") != UAT_OK) {
            exit(1);
        }
    }
    return (cpu_s() - t0) / n;
}

static double warm_chunk(uat_verifier *v, uat_span ev, int n)
{
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
        verify_once(v, ev.p, ev.len);
    }
    return (cpu_s() - t0) / n;
}

static void bench(const char *name, const char *dir, const char *trust, int iters)
{
    sample s;
    sample_load(&s, dir);
    uat_span ev = uat_buf_span(&s.cbor);
    uat_verifier *v = make_verifier(trust, trust, AT);
    verify_once(v, ev.p, ev.len); /* fills the cache */
    int rounds = 10, chunk = iters / rounds > 0 ? iters / rounds : 1;
    double base = 1e9, warm = 1e9;
    for (int r = 0; r < rounds; r++) {
        double tb = base_chunk(&s, chunk), tw = warm_chunk(v, ev, chunk);
        base = tb < base ? tb : base;
        warm = tw < warm ? tw : warm;
    }
    uat_verifier_free(v);

    int cold_iters = iters / 8 > 0 ? iters / 8 : 1;
    double t0 = cpu_s();
    for (int i = 0; i < cold_iters; i++) {
        v = make_verifier(trust, trust, AT);
        verify_once(v, ev.p, ev.len);
        uat_verifier_free(v);
    }
    double cold = (cpu_s() - t0) / cold_iters;
    printf("%-8s base(1x ECDSA-P384 verify) %7.1f us | warm %7.1f us = %.2fx base | cold %7.1f us "
           "= %.2fx base\n",
           name, base * 1e6, warm * 1e6, warm / base, cold * 1e6, cold / base);
    sample_free(&s);
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "../shared/corpus";
    int iters = argc > 2 ? atoi(argv[2]) : 400;
    char d[512], t[512];
    snprintf(t, sizeof(t), "%s/nvidia-gpu/trust", c);
    snprintf(d, sizeof(d), "%s/nvidia-gpu/g1-nvtrust-hopper-sample", c);
    bench("nvgpu-g1", d, t, iters);
    return 0;
}
