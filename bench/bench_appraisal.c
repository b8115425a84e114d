/* Appraisal + EAR token speed, as ratios measured in the same run (issue #6):
 *   sign  = one ES256 signature (the token's) through the crypto layer
 *   decl  = appraisal with the default declarative policy + EAR JSON + ES256 token
 *   lua   = the same with a Lua policy
 * The target: decl <= 2x sign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "uattest/uattest.h"

#include "bench_util.h"

static uat_claims *intel_claims(const char *corpus)
{
    char q[600], coll[512], trust[512];
    snprintf(coll, sizeof(coll), "%s/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor", corpus);
    snprintf(q, sizeof(q), "%s/quote.bin", coll);
    snprintf(trust, sizeof(trust), "%s/intel-sgx-dcap/trust", corpus);
    FILE *f = fopen(q, "rb");
    if (f == NULL) {
        perror(q);
        exit(1);
    }
    static uint8_t buf[16384];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    uat_verifier *v = NULL;
    check(uat_verifier_new(&v), "verifier");
    check(uat_verifier_set_trust_dir(v, trust), "trust");
    check(uat_verifier_set_collateral_dir(v, coll), "collateral");
    uat_verifier_set_time(v, 1751328000);
    uat_claims *c = NULL;
    check(uat_verify(v, buf, n, NULL, &c), "verify");
    uat_verifier_free(v);
    return c;
}

static double per_result(const uat_policy *p, const uat_refvals *rv, const uat_claims *c,
                         const uat_token_keys *k, int iters)
{
    double t0 = now_s();
    for (int i = 0; i < iters; i++) {
        uat_appraisal_ctx ctx = {1751328000, (const uint8_t *)"nonce", 5, NULL};
        uat_ear *ear = NULL;
        char *jwt = NULL;
        check(uat_appraise(p, rv, c, &ctx, &ear), "appraise");
        check(uat_ear_sign(ear, k, 1751328000, 300, &jwt), "sign");
        free(jwt);
        uat_ear_free(ear);
    }
    return (now_s() - t0) / iters;
}

int main(int argc, char **argv)
{
    const char *corpus = argc > 1 ? argv[1] : "../shared/corpus";
    int iters = argc > 2 ? atoi(argv[2]) : 2000;
    uat_claims *c = intel_claims(corpus);
    uat_key *key = NULL;
    check(uat_key_generate(UAT_KEY_EC_P256, &key), "key");
    uint8_t msg[600];
    memset(msg, 'x', sizeof(msg));
    double t0 = now_s();
    for (int i = 0; i < iters; i++) {
        uat_buf sig;
        uat_buf_init(&sig, 128);
        check(uat_sig_sign(key, UAT_SIG_ES256, uat_span_of(msg, sizeof(msg)), &sig), "es256");
        uat_buf_free(&sig);
    }
    double sign = (now_s() - t0) / iters;
    uat_refvals *rv = NULL;
    const char *doc = "{\"id\":\"app\",\"tee\":\"sgx\",\"values\":{\"measurement\":"
                      "[\"33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb\"]}}";
    check(uat_refvals_new(&rv), "refvals");
    check(uat_refvals_add_json(rv, doc, strlen(doc)), "refvals");
    uat_policy *decl = NULL, *lua = NULL;
    check(uat_policy_default(&decl), "policy");
    const char *script = "function appraise(c, r)\n"
                         "  local ok = c.measurement == r[1].values.measurement[1]\n"
                         "  return {trustworthiness = {executables = ok and 2 or 96, hardware = 2}}\n"
                         "end\n";
    check(uat_policy_parse(script, strlen(script), &lua), "lua");
    uat_token_keys *k = NULL;
    check(uat_token_keys_new(&k), "keys");
    double d = per_result(decl, rv, c, k, iters);
    double l = per_result(lua, rv, c, k, iters / 4 > 0 ? iters / 4 : 1);
    printf("appraisal+token  ES256 sign %6.1f us | declarative %7.1f us = %.2fx sign | lua %7.1f us = "
           "%.2fx sign\n",
           sign * 1e6, d * 1e6, d / sign, l * 1e6, l / sign);
    uat_token_keys_free(k);
    uat_policy_free(decl);
    uat_policy_free(lua);
    uat_refvals_free(rv);
    uat_key_free(key);
    uat_claims_free(c);
    return 0;
}
