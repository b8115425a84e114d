/* The helper of bench/service_wrk.sh (built as uattestd_bench with the service, since it uses the
 * service's nonce format):
 *
 *   uattestd_bench DATA_DIR STATE_DIR N OUT [ITERATIONS]
 *
 * 1. writes N distinct POST /v1/attest bodies to OUT, one per line: each with its own nonce, made
 *    with the deployment key of DATA_DIR exactly as /v1/challenge makes them (valid 900 s), and
 *    fresh sim evidence (attester state STATE_DIR, measure=uattest-bench) bound to that nonce and
 *    to a runtime_data document carrying a P-256 JWK. Nonces are single-use, so a load generator
 *    needs one body per request: these are what wrk sends, each once.
 * 2. measures on this thread, with the same kind of evidence, the in-process cost of one
 *    attestation's core: verify (sim signature, binding) + appraise (default policy, reference
 *    values naming the measurement, the bound key into the EAR) + sign the EAR (ES256). It prints
 *    "inproc_us <CPU microseconds per attestation>" on stdout (ITERATIONS of them, default 2000;
 *    0 skips the measurement).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/codec.h"
#include "crypto/crypto.h"
#include "service/nonce.h"
#include "tee/sim/sim.h"
#include "uattest/uattest.h"

#define TTL 900
#define MEASURE "uattest-bench"

/* cpu_s (CPU time, comparable with the service's CPU time per attestation even when other
 * processes share the cores) and check come from bench_util.h. */

#define JWK                                                                                        \
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","       \
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
/* the workload's key, bound as the service binds it (docs/service.md "The binding") */
static const char runtime_doc[] = "{\"jwk\":" JWK "}";

typedef struct gen {
    uint8_t key[UAT_NONCE_KEY_LEN];
    uat_key *sim_key;
    uint8_t report[UAT_SIM_REPORT_SIZE]; /* a report of the sim attester: the template */
    char runtime_b64[512];
} gen;

/* Sim evidence for report_data: the template with its report_data replaced and signed again with
 * the sim key, which is what the sim attester does (docs/sim-report.md); the attester itself reads
 * its PEM key for every report, which would make generating tens of thousands slow. */
static void sim_evidence(gen *g, const uint8_t rd[UAT_REPORT_DATA_SIZE], uint8_t **ev, size_t *evn)
{
    uat_buf rep;
    uat_buf_init(&rep, UAT_SIM_REPORT_SIZE);
    memcpy(g->report + 112, rd, UAT_REPORT_DATA_SIZE); /* sim.h: report_data at offset 112 */
    check(uat_buf_append(&rep, g->report, UAT_SIM_SIGNED_SIZE), "report");
    check(uat_sig_sign(g->sim_key, UAT_SIG_ES256, uat_span_of(g->report, UAT_SIM_SIGNED_SIZE), &rep),
          "sign");
    uat_cmw *cmw = NULL;
    check(uat_cmw_record_new(UAT_SIM_MEDIA_TYPE, rep.p, rep.len, UAT_CMW_IND_EVIDENCE, &cmw), "cmw");
    check(uat_cmw_serialize(cmw, UAT_CMW_JSON, ev, evn), "serialize");
    uat_cmw_free(cmw);
    uat_buf_free(&rep);
}

/* One request body: {"evidence": CMW JSON, "nonce": "...", "runtime_data": "..."}; also gives
 * the nonce and the evidence bytes for the in-process measurement. */
static char *make_body(gen *g, int64_t now, char nonce[UAT_NONCE_TEXT_LEN + 1], uint8_t **ev,
                       size_t *evn)
{
    int64_t exp = 0;
    check(uat_nonce_issue(g->key, now, TTL, nonce, &exp), "nonce");
    uint8_t rd[UAT_REPORT_DATA_SIZE];
    check(uat_report_data_bind((const uint8_t *)nonce, UAT_NONCE_TEXT_LEN,
                               (const uint8_t *)runtime_doc, strlen(runtime_doc), rd),
          "bind");
    sim_evidence(g, rd, ev, evn);
    size_t cap = *evn + strlen(g->runtime_b64) + 160;
    char *body = malloc(cap);
    if (body == NULL) {
        exit(1);
    }
    snprintf(body, cap, "{\"evidence\":%s,\"nonce\":\"%s\",\"runtime_data\":\"%s\"}", *ev, nonce,
             g->runtime_b64);
    return body;
}

/* The template report from the sim attester itself, and its key. */
static void sim_setup(gen *g, const char *state_dir)
{
    uat_attester *att = NULL;
    check(uat_attester_new("sim", NULL, &att), "attester");
    check(uat_attester_set_option(att, "state-dir", state_dir), "state-dir");
    check(uat_attester_set_option(att, "measure", MEASURE), "measure");
    uint8_t rd[UAT_REPORT_DATA_SIZE] = {0};
    uat_cmw *cmw = NULL;
    check(uat_attester_collect(att, rd, &cmw), "collect");
    const uint8_t *p = NULL;
    size_t len = 0;
    uat_cmw_value(cmw, &p, &len);
    if (len != UAT_SIM_REPORT_SIZE) {
        fprintf(stderr, "uattestd_bench: the sim report is %zu bytes\n", len);
        exit(1);
    }
    memcpy(g->report, p, len);
    uat_cmw_free(cmw);
    uat_attester_free(att);
    char path[4096];
    snprintf(path, sizeof(path), "%s/sim/key.pem", state_dir);
    size_t n = 0;
    uint8_t *pem = read_all(path, &n);
    check(uat_key_from_pem(uat_span_of(pem, n), &g->sim_key), "sim key");
    free(pem);
}

static void load_key(const char *data_dir, uint8_t key[UAT_NONCE_KEY_LEN])
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/deployment.key", data_dir);
    size_t n = 0;
    uint8_t *b = read_all(path, &n);
    if (n != UAT_NONCE_KEY_LEN) {
        fprintf(stderr, "uattestd_bench: %s is not a deployment key\n", path);
        exit(1);
    }
    memcpy(key, b, n);
    free(b);
}

/* verify + appraise + sign, per attestation, on fresh evidence */
static double inproc(gen *g, const char *state_dir, int iters)
{
    char trust[4096], rv_doc[256];
    snprintf(trust, sizeof(trust), "%s/trust", state_dir);
    uat_verifier *v = NULL;
    check(uat_verifier_new(&v), "verifier");
    check(uat_verifier_set_trust_dir(v, trust), "trust");
    uat_refvals *rv = NULL;
    uat_policy *pol = NULL;
    uat_token_keys *keys = NULL;
    check(uat_refvals_new(&rv), "refvals");
    uint8_t m[48];
    uat_span part = uat_span_of(MEASURE, strlen(MEASURE));
    check(uat_hash(UAT_HASH_SHA384, &part, 1, m), "sha384");
    char hex[97];
    uat_hex_encode(m, sizeof(m), hex);
    snprintf(rv_doc, sizeof(rv_doc), "{\"id\":\"bench\",\"tee\":\"sim\",\"values\":{\"measurement\":[\"%s\"]}}",
             hex);
    check(uat_refvals_add_json(rv, rv_doc, strlen(rv_doc)), "refvals");
    check(uat_policy_default(&pol), "policy");
    check(uat_token_keys_new(&keys), "keys");
    int64_t now = uat_time_now();
    uint8_t **evs = calloc((size_t)iters, sizeof(*evs));
    size_t *lens = calloc((size_t)iters, sizeof(*lens));
    char (*nonces)[UAT_NONCE_TEXT_LEN + 1] = calloc((size_t)iters, sizeof(*nonces));
    for (int i = 0; i < iters; i++) {
        free(make_body(g, now, nonces[i], &evs[i], &lens[i]));
    }
    double t0 = cpu_s();
    for (int i = 0; i < iters; i++) {
        uint8_t binding[UAT_REPORT_DATA_SIZE];
        check(uat_report_data_bind((const uint8_t *)nonces[i], UAT_NONCE_TEXT_LEN,
                                   (const uint8_t *)runtime_doc, strlen(runtime_doc), binding),
              "bind");
        uat_claims *c = NULL;
        uat_verifier_set_reference_values(v, rv);
        check(uat_verify(v, evs[i], lens[i], binding, &c), "verify");
        uat_appraisal_ctx ctx = {now, (const uint8_t *)nonces[i], UAT_NONCE_TEXT_LEN, JWK};
        uat_ear *ear = NULL;
        check(uat_appraise(pol, rv, c, &ctx, &ear), "appraise");
        if (strcmp(uat_ear_status(ear), "affirming") != 0) {
            fprintf(stderr, "uattestd_bench: in-process status %s\n", uat_ear_status(ear));
            exit(1);
        }
        char *jwt = NULL;
        check(uat_ear_sign(ear, keys, now, 300, &jwt), "sign");
        free(jwt);
        uat_ear_free(ear);
        uat_claims_free(c);
    }
    double per = (cpu_s() - t0) / iters;
    for (int i = 0; i < iters; i++) {
        free(evs[i]);
    }
    free(evs);
    free(lens);
    free(nonces);
    uat_token_keys_free(keys);
    uat_policy_free(pol);
    uat_refvals_free(rv);
    uat_verifier_free(v);
    return per;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: uattestd_bench DATA_DIR STATE_DIR N OUT [ITERATIONS]\n");
        return 2;
    }
    int iters = argc == 6 ? atoi(argv[5]) : 2000;
    long n = strtol(argv[3], NULL, 10);
    gen g;
    memset(&g, 0, sizeof(g));
    load_key(argv[1], g.key);
    sim_setup(&g, argv[2]);
    uat_buf b64;
    uat_buf_init(&b64, sizeof(g.runtime_b64));
    check(uat_b64_encode((const uint8_t *)runtime_doc, strlen(runtime_doc), UAT_B64_URL, &b64), "b64");
    snprintf(g.runtime_b64, sizeof(g.runtime_b64), "%.*s", (int)b64.len, (const char *)b64.p);
    uat_buf_free(&b64);
    FILE *out = fopen(argv[4], "w");
    if (out == NULL) {
        perror(argv[4]);
        return 1;
    }
    int64_t now = uat_time_now();
    for (long i = 0; i < n; i++) {
        char nonce[UAT_NONCE_TEXT_LEN + 1];
        uint8_t *ev = NULL;
        size_t evn = 0;
        char *body = make_body(&g, now, nonce, &ev, &evn);
        fprintf(out, "%s\n", body);
        free(body);
        free(ev);
    }
    if (fclose(out) != 0) {
        perror(argv[4]);
        return 1;
    }
    if (iters > 0) {
        printf("inproc_us %.1f\n", inproc(&g, argv[2], iters) * 1e6);
    }
    uat_key_free(g.sim_key);
    uat_wipe(g.key, sizeof(g.key));
    return 0;
}
