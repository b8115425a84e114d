/* Composite evidence (docs/composite.md): a CMW collection verified as one.
 *
 * Members: sim evidence made here (a key generated under a mkdtemp() state directory) and the
 * corpus NVIDIA H100 report g1 (../shared/corpus/nvidia-gpu, NVIDIA-signed, so its SPDM nonce is
 * fixed: 931d8dd0...). What is tested how:
 *   - the nonce derivation is recomputed here with OpenSSL's EVP API, not taken from the library;
 *   - the derived-nonce rule, attester side: the composite attester with the fake NVML
 *     (fake_nvml.c) passes each GPU exactly uat_composite_nonce(binding, label), checked against
 *     what the fake recorded; verifier side: that collection fails VERIFY_BINDING naming the GPU
 *     member, because the fake answers with g1 whose nonce derives from nothing;
 *   - the positive path with a real signed GPU report: g1 plus sim evidence bound to a constructed
 *     session binding verifies when the caller names g1's nonce for the GPU member
 *     (uat_verifier_set_member_nonce, "caller-nonce"); without it, VERIFY_BINDING;
 *   - overall status: one submod per member, the EAR status is the worst member's;
 *   - 8 GPU members (g1 eight times, each label with its caller nonce) plus sim.
 * Evaluation time pinned to 2026-01-08T00:00:00Z as in tests/conformance/test_nvgpu.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "core/file.h"
#include "core/limits.h"
#include "tee/nvgpu/nvgpu.h"
#include "uattest/uattest.h"

#include "uat_assert.h"

#define NV UAT_CORPUS_DIR "/nvidia-gpu"
#define G1 NV "/g1-nvtrust-hopper-sample"
#define T_PIN 1767830400 /* 2026-01-08T00:00:00Z */

static const char N1[] = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

static char g_dir[256];
static char g_state[300];
static char g_trust[320];
static uint8_t g_n1[32];
static uint8_t g_bind[64];  /* the session binding */
static uint8_t g_other[64]; /* another session's */
static uat_buf g_gpu;       /* g1 as the nvidia-gpu CBOR evidence map */

/* ---- helpers -------------------------------------------------------------------------------- */

static void load_g1(void)
{
    uat_buf hex, report, pem;
    uat_der_list certs = {NULL, 0, 0};
    uat_buf_init(&hex, UAT_MAX_FILE_BYTES);
    uat_buf_init(&report, UAT_MAX_EVIDENCE_BYTES);
    uat_buf_init(&pem, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(G1 "/attestation_report.hex", UAT_MAX_FILE_BYTES, &hex));
    assert_ok(uat_hex_decode((const char *)hex.p, hex.len, &report));
    assert_ok(uat_file_read(G1 "/cert_chain.pem", UAT_MAX_FILE_BYTES, &pem));
    assert_ok(uat_pem_certs_strict(uat_buf_span(&pem), &certs));
    uat_nvgpu_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.report = uat_buf_span(&report);
    for (size_t i = 0; i < certs.n; i++) {
        ev.certs[ev.ncerts++] = uat_buf_span(&certs.items[i]);
    }
    uat_buf_init(&g_gpu, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_nvgpu_evidence_encode(&ev, &g_gpu));
    uat_buf_free(&hex);
    uat_buf_free(&report);
    uat_buf_free(&pem);
    uat_der_list_free(&certs);
}

static uat_cmw *sim_record(const uint8_t rd[64])
{
    uat_attester *a = NULL;
    uat_cmw *c = NULL;
    assert_ok(uat_attester_new("sim", NULL, &a));
    assert_ok(uat_attester_set_option(a, "state-dir", g_state));
    assert_ok(uat_attester_collect(a, rd, &c));
    uat_attester_free(a);
    return c;
}

static uat_cmw *gpu_record(void)
{
    uat_cmw *c = NULL;
    assert_ok(uat_cmw_record_new(UAT_NVGPU_MEDIA_TYPE, g_gpu.p, g_gpu.len, UAT_CMW_IND_EVIDENCE,
                                 &c));
    return c;
}

/* A composite of the given members, serialized as JSON (free()). */
static uint8_t *composite(const char *const *labels, uat_cmw **items, size_t n, size_t *len)
{
    uat_cmw *col = NULL;
    uint8_t *out = NULL;
    assert_ok(uat_cmw_collection_new(UAT_COMPOSITE_CMWC_TYPE, &col));
    for (size_t i = 0; i < n; i++) {
        assert_ok(uat_cmw_collection_add(col, labels[i], items[i]));
    }
    assert_ok(uat_cmw_serialize(col, UAT_CMW_JSON, &out, len));
    uat_cmw_free(col);
    return out;
}

/* sim bound to rd, g1 under "gpu0" */
static uint8_t *sim_gpu(const uint8_t rd[64], size_t *len)
{
    const char *labels[] = {"sim", "gpu0"};
    uat_cmw *items[] = {sim_record(rd), gpu_record()};
    return composite(labels, items, 2, len);
}

static uat_verifier *verifier(void)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, g_trust));
    uat_verifier_set_time(v, T_PIN);
    return v;
}

static json_t *claims_json(const uat_claims *c)
{
    char *text = NULL;
    assert_ok(uat_claims_to_json(c, 0, &text));
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(j);
    return j;
}

static const char *jstr(json_t *o, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(o, a);
    v = b != NULL ? json_object_get(v, b) : v;
    v = c != NULL ? json_object_get(v, c) : v;
    assert_non_null(v);
    return json_string_value(v);
}

static void expect_binding_error(uat_verifier *v, const uint8_t *ev, size_t n, const uint8_t *rd,
                                 const char *label, const char *words)
{
    uat_claims *c = NULL;
    assert_err(uat_verify(v, ev, n, rd, &c), UAT_ERR_VERIFY_BINDING);
    assert_null(c);
    assert_string_equal(uat_last_error()->field, label);
    assert_non_null(strstr(uat_last_error()->message, words));
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/uat-composite-XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_state, sizeof(g_state), "%s/state", g_dir);
    snprintf(g_trust, sizeof(g_trust), "%s/trust", g_state);
    assert_ok(uat_report_data_bind((const uint8_t *)"session-1", 9, (const uint8_t *)"rt", 2,
                                   g_bind));
    assert_ok(uat_report_data_bind((const uint8_t *)"session-2", 9, (const uint8_t *)"rt", 2,
                                   g_other));
    uat_cmw_free(sim_record(g_bind)); /* creates the sim key and <state>/trust/sim */
    char link[400];
    snprintf(link, sizeof(link), "%s/nvidia-gpu", g_trust);
    if (symlink(NV "/trust", link) != 0) {
        return -1;
    }
    assert_ok(uat_hex_decode_fixed(N1, 64, g_n1, 32));
    load_g1();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    uat_buf_free(&g_gpu);
    return nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the nonce derivation ------------------------------------------------------------------- */

static void nonce_derivation(void **state)
{
    (void)state;
    uint8_t out[32], again[32], want[32];
    assert_err(uat_composite_nonce(g_bind, "", out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_composite_nonce(g_bind, NULL, out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_composite_nonce(NULL, "gpu0", out), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_ok(uat_composite_nonce(g_bind, "nvidia-gpu-0", out));
    /* SHA-256("uattest composite nonce v1" || 0x00 || binding || label), recomputed */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned wn = 0;
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(md, "uattest composite nonce v1", 27), 1);
    assert_int_equal(EVP_DigestUpdate(md, g_bind, 64), 1);
    assert_int_equal(EVP_DigestUpdate(md, "nvidia-gpu-0", 12), 1);
    assert_int_equal(EVP_DigestFinal_ex(md, want, &wn), 1);
    EVP_MD_CTX_free(md);
    assert_memory_equal(out, want, 32);
    /* the label and the binding both change it */
    assert_ok(uat_composite_nonce(g_bind, "nvidia-gpu-1", again));
    assert_memory_not_equal(out, again, 32);
    assert_ok(uat_composite_nonce(g_other, "nvidia-gpu-0", again));
    assert_memory_not_equal(out, again, 32);
}

static void member_nonce_setter(void **state)
{
    (void)state;
    uat_verifier *v = verifier();
    uint8_t big[65] = {0};
    assert_err(uat_verifier_set_member_nonce(NULL, "gpu0", g_n1, 32),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_verifier_set_member_nonce(v, "", g_n1, 32), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_verifier_set_member_nonce(v, "gpu0", NULL, 32), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_verifier_set_member_nonce(v, "gpu0", big, sizeof(big)),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    /* set, then removed: the derived rule applies again */
    size_t n = 0;
    uint8_t *ev = sim_gpu(g_bind, &n);
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", g_n1, 32));
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev, n, g_bind, &c));
    uat_claims_free(c);
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", NULL, 0));
    expect_binding_error(v, ev, n, g_bind, "gpu0", "derived from the session binding");
    free(ev);
    uat_verifier_free(v);
}

/* ---- the corpus GPU report with sim evidence under one session -------------------------------- */

static void corpus_gpu_with_sim(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *ev = sim_gpu(g_bind, &n);
    uat_verifier *v = verifier();
    /* g1's nonce derives from no session: refused unless the caller names it */
    expect_binding_error(v, ev, n, g_bind, "gpu0", "derived from the session binding");
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", g_n1, 32));
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev, n, g_bind, &c));
    assert_string_equal(uat_claims_tee(c), "composite");
    json_t *j = claims_json(c);
    char bind_hex[129];
    uat_hex_encode(g_bind, 64, bind_hex);
    assert_string_equal(jstr(j, "report_data", NULL, NULL), bind_hex);
    assert_string_equal(jstr(j, "members", "sim", "tee"), "sim");
    assert_string_equal(jstr(j, "members", "sim", "binding"), "report-data");
    assert_string_equal(jstr(j, "members", "gpu0", "tee"), "nvidia-gpu");
    assert_string_equal(jstr(j, "members", "gpu0", "binding"), "caller-nonce");
    assert_string_equal(jstr(j, "members", "gpu0", "report_data"), N1);
    assert_string_equal(jstr(j, "tee_claims", "bindings", "gpu0"), "caller-nonce");
    assert_string_equal(jstr(j, "tee_claims", "collection_type", NULL), UAT_COMPOSITE_CMWC_TYPE);
    /* the GPU chain ends 9999-12-31: valid_until is the earliest member's */
    assert_string_equal(jstr(j, "valid_until", NULL, NULL), "9999-12-31T23:59:59Z");
    json_decref(j);
    uat_claims_free(c);
    /* the sim member bound to another session: refused, naming it */
    expect_binding_error(v, ev, n, g_other, "sim", "other report data than the session binding");
    /* no expected binding: the sim member gives it */
    assert_ok(uat_verify(v, ev, n, NULL, &c));
    j = claims_json(c);
    assert_string_equal(jstr(j, "report_data", NULL, NULL), bind_hex);
    json_decref(j);
    uat_claims_free(c);
    /* the caller nonce must be the one the GPU carries */
    uint8_t wrong[32];
    memcpy(wrong, g_n1, 32);
    wrong[31] ^= 1;
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", wrong, 32));
    expect_binding_error(v, ev, n, g_bind, "gpu0", "nonce the caller set");
    free(ev);
    /* the same as CBOR */
    const char *labels[] = {"sim", "gpu0"};
    uat_cmw *items[] = {sim_record(g_bind), gpu_record()};
    uat_cmw *col = NULL;
    assert_ok(uat_cmw_collection_new(NULL, &col));
    for (size_t i = 0; i < 2; i++) {
        assert_ok(uat_cmw_collection_add(col, labels[i], items[i]));
    }
    assert_ok(uat_cmw_serialize(col, UAT_CMW_CBOR, &ev, &n));
    uat_cmw_free(col);
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", g_n1, 32));
    assert_ok(uat_verify(v, ev, n, g_bind, &c));
    uat_claims_free(c);
    free(ev);
    uat_verifier_free(v);
}

static void members_disagree(void **state)
{
    (void)state;
    uat_verifier *v = verifier();
    size_t n = 0;
    /* two report-data members of different sessions, no expected binding */
    const char *labels[] = {"cpu", "cpu2"};
    uat_cmw *items[] = {sim_record(g_bind), sim_record(g_other)};
    uint8_t *ev = composite(labels, items, 2, &n);
    expect_binding_error(v, ev, n, NULL, "cpu2", "session binding");
    free(ev);
    /* GPUs alone without an expected binding: nothing gives the session */
    const char *glabels[] = {"gpu0"};
    uat_cmw *gitems[] = {gpu_record()};
    ev = composite(glabels, gitems, 1, &n);
    expect_binding_error(v, ev, n, NULL, "gpu0", "no session binding");
    /* ... unless the caller names the nonce */
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", g_n1, 32));
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev, n, NULL, &c));
    assert_null(uat_claims_get_string(c, "report_data"));
    uat_claims_free(c);
    free(ev);
    uat_verifier_free(v);
}

static void malformed(void **state)
{
    (void)state;
    uat_verifier *v = verifier();
    uat_claims *c = NULL;
    static const struct {
        const char *text;
        uat_err want;
        const char *field;
    } cases[] = {
        {"{\"__cmwc_t\":\"tag:example.com,2025:other\",\"a\":[\"application/vnd.uattest.sim-report\","
         "\"AQID\"]}",
         UAT_ERR_UNSUPPORTED_FEATURE, "__cmwc_t"},
        {"{\"a\":{\"b\":[\"application/vnd.uattest.sim-report\",\"AQID\"]}}",
         UAT_ERR_UNSUPPORTED_FEATURE, "a"},
        {"{\"a\":[\"application/vnd.example\",\"AQID\"]}", UAT_ERR_UNSUPPORTED_TEE, "type"},
        {"{\"a\":[\"application/vnd.uattest.sim-report\",\"AQID\"]}", UAT_ERR_PARSE_TRUNCATED, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_err(uat_verify(v, (const uint8_t *)cases[i].text, strlen(cases[i].text), g_bind, &c),
                   cases[i].want);
        assert_string_equal(uat_last_error()->field, cases[i].field);
    }
    /* composite evidence takes no in-band collateral */
    size_t n = 0;
    uint8_t *ev = sim_gpu(g_bind, &n);
    assert_err(uat_verify_with_collateral(v, ev, n, (const uint8_t *)"x", 1, g_bind, &c),
               UAT_ERR_UNSUPPORTED_FEATURE);
    /* a member whose signature breaks fails the whole composite with that member's error */
    char *p = strstr((char *)ev, "\"sim\":[");
    assert_non_null(p);
    p = strstr(p, "\",4]"); /* the end of the sim report's base64: its signature */
    assert_non_null(p);
    p -= 8;
    *p = *p == 'A' ? 'B' : 'A';
    assert_err(uat_verify(v, ev, n, g_bind, &c), UAT_ERR_VERIFY_SIGNATURE);
    assert_null(c);
    free(ev);
    uat_verifier_free(v);
}

/* ---- appraisal: one submod per member, the worst decides ------------------------------------- */

static const char *appraise(uat_verifier *v, const uint8_t *ev, size_t n, const char *policy,
                            json_t **doc)
{
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev, n, g_bind, &c));
    uat_policy *p = NULL;
    assert_ok(uat_policy_parse(policy, strlen(policy), &p));
    uat_refvals *rv = NULL;
    assert_ok(uat_refvals_new(&rv));
    uat_appraisal_ctx ctx = {T_PIN, (const uint8_t *)"session-1", 9, NULL};
    uat_ear *ear = NULL;
    assert_ok(uat_appraise(p, rv, c, &ctx, &ear));
    char *text = NULL;
    assert_ok(uat_ear_to_json(ear, 0, &text));
    *doc = json_loads(text, 0, NULL);
    assert_non_null(*doc);
    static char status[32];
    snprintf(status, sizeof(status), "%s", uat_ear_status(ear));
    free(text);
    uat_ear_free(ear);
    uat_refvals_free(rv);
    uat_policy_free(p);
    uat_claims_free(c);
    return status;
}

#define POLICY(gpu)                                                                                \
    "{\"id\":\"t\",\"trustworthiness\":{\"hardware\":[{\"when_tee\":[\"sim\"],\"value\":2},"     \
    "{\"when_tee\":[\"nvidia-gpu\"],\"value\":" gpu "}]}}"

static void status_rules(void **state)
{
    (void)state;
    uat_verifier *v = verifier();
    assert_ok(uat_verifier_set_member_nonce(v, "gpu0", g_n1, 32));
    size_t n = 0;
    uint8_t *ev = sim_gpu(g_bind, &n);
    json_t *doc = NULL;
    assert_string_equal(appraise(v, ev, n, POLICY("2"), &doc), "affirming");
    assert_int_equal(json_object_size(json_object_get(doc, "submods")), 2);
    assert_string_equal(jstr(doc, "submods", "sim", "ear.status"), "affirming");
    assert_string_equal(jstr(doc, "submods", "gpu0", "ear.status"), "affirming");
    /* each submod carries its member's claims */
    json_t *ae = json_object_get(json_object_get(json_object_get(doc, "submods"), "gpu0"),
                                 "ear.veraison.annotated-evidence");
    assert_string_equal(json_string_value(json_object_get(ae, "tee")), "nvidia-gpu");
    json_decref(doc);
    /* a warning member: the composite is a warning */
    assert_string_equal(appraise(v, ev, n, POLICY("33"), &doc), "warning");
    assert_string_equal(jstr(doc, "submods", "sim", "ear.status"), "affirming");
    assert_string_equal(jstr(doc, "submods", "gpu0", "ear.status"), "warning");
    json_decref(doc);
    /* a contraindicated member: the composite is contraindicated */
    assert_string_equal(appraise(v, ev, n, POLICY("96"), &doc), "contraindicated");
    assert_string_equal(jstr(doc, "submods", "sim", "ear.status"), "affirming");
    assert_string_equal(jstr(doc, "submods", "gpu0", "ear.status"), "contraindicated");
    json_decref(doc);
    free(ev);
    uat_verifier_free(v);
}

static void eight_gpus(void **state)
{
    (void)state;
    uat_verifier *v = verifier();
    const char *labels[9] = {"cpu"};
    char names[8][16];
    uat_cmw *items[9] = {sim_record(g_bind)};
    for (int i = 0; i < 8; i++) {
        snprintf(names[i], sizeof(names[i]), "gpu-%d", i);
        labels[i + 1] = names[i];
        items[i + 1] = gpu_record();
        assert_ok(uat_verifier_set_member_nonce(v, names[i], g_n1, 32));
    }
    size_t n = 0;
    uint8_t *ev = composite(labels, items, 9, &n);
    json_t *doc = NULL;
    assert_string_equal(appraise(v, ev, n, POLICY("2"), &doc), "affirming");
    json_t *subs = json_object_get(doc, "submods");
    assert_int_equal(json_object_size(subs), 9);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(jstr(subs, names[i], "ear.status", NULL), "affirming");
    }
    json_decref(doc);
    /* one GPU without its nonce: the whole composite fails, naming it */
    assert_ok(uat_verifier_set_member_nonce(v, "gpu-5", NULL, 0));
    expect_binding_error(v, ev, n, g_bind, "gpu-5", "derived");
    free(ev);
    uat_verifier_free(v);
}

/* ---- the attester: composite collection with the fake NVML ------------------------------------ */

typedef struct fake {
    void *dl;
    int *mode;
    uint8_t (*nonces)[32];
    int *asked;
    int *shutdowns;
} fake;

static void fake_open(fake *f)
{
    f->dl = dlopen(UAT_FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(f->dl);
    f->mode = dlsym(f->dl, "fake_nvml_mode");
    f->nonces = dlsym(f->dl, "fake_nvml_nonces");
    f->asked = dlsym(f->dl, "fake_nvml_asked");
    f->shutdowns = dlsym(f->dl, "fake_nvml_shutdowns");
    assert_true(f->mode && f->nonces && f->asked && f->shutdowns);
    *f->mode = 0;
    memset(f->asked, 0, 8 * sizeof(int));
}

static uat_attester *attester(const char *tee)
{
    uat_attester *a = NULL;
    assert_ok(uat_attester_new(tee, "/nonexistent-root", &a));
    assert_ok(uat_attester_set_option(a, "state-dir", g_state));
    assert_ok(uat_attester_set_option(a, "nvml", UAT_FAKE_NVML));
    return a;
}

static void collect_composite(void **state)
{
    (void)state;
    fake f;
    fake_open(&f);
    uat_attester *a = attester("sim+nvidia-gpu*2");
    assert_string_equal(uat_attester_tee(a), "sim+nvidia-gpu*2");
    uat_cmw *col = NULL;
    assert_ok(uat_attester_collect(a, g_bind, &col));
    uat_attester_free(a);
    assert_int_equal(uat_cmw_kind(col), UAT_CMW_COLLECTION);
    assert_string_equal(uat_cmw_collection_type(col), UAT_COMPOSITE_CMWC_TYPE);
    assert_int_equal(uat_cmw_count(col), 3);
    assert_string_equal(uat_cmw_label(col, 0), "sim");
    assert_string_equal(uat_cmw_label(col, 1), "nvidia-gpu-0");
    assert_string_equal(uat_cmw_label(col, 2), "nvidia-gpu-1");
    /* GPU k (device k) was asked for the nonce derived from the session binding and its label */
    for (int k = 0; k < 2; k++) {
        uint8_t want[32];
        assert_ok(uat_composite_nonce(g_bind, uat_cmw_label(col, 1 + (size_t)k), want));
        assert_int_equal(f.asked[k], 1);
        assert_memory_equal(f.nonces[k], want, 32);
    }
    assert_int_equal(f.asked[2], 0);
    uint8_t *ev = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_serialize(col, UAT_CMW_CBOR, &ev, &n));
    uat_cmw_free(col);
    /* the fake answers with g1, whose nonce is not the derived one: a named binding error */
    uat_verifier *v = verifier();
    expect_binding_error(v, ev, n, g_bind, "nvidia-gpu-0", "derived from the session binding");
    /* everything else about the collected evidence verifies */
    assert_ok(uat_verifier_set_member_nonce(v, "nvidia-gpu-0", g_n1, 32));
    assert_ok(uat_verifier_set_member_nonce(v, "nvidia-gpu-1", g_n1, 32));
    uat_claims *c = NULL;
    assert_ok(uat_verify(v, ev, n, g_bind, &c));
    json_t *j = claims_json(c);
    assert_string_equal(jstr(json_object_get(j, "members"), "nvidia-gpu-1", "platform", "arch"),
                        "Hopper");
    json_decref(j);
    uat_claims_free(c);
    uat_verifier_free(v);
    free(ev);
    dlclose(f.dl);
}

static void collect_errors(void **state)
{
    (void)state;
    fake f;
    fake_open(&f);
    uat_attester *a = NULL;
    uat_cmw *c = NULL;
    /* composite specs */
    static const char *const bad[] = {"sim+", "+sim", "sim*0", "sim*65", "sim*x", "sim+sim*64",
                                      "auto+sim"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_err(uat_attester_new(bad[i], NULL, &a), UAT_ERR_USAGE_INVALID_ARGUMENT);
    }
    assert_err(uat_attester_new("sim+nosuch", NULL, &a), UAT_ERR_UNSUPPORTED_TEE);
    a = attester("sim+nvidia-gpu");
    assert_err(uat_attester_set_option(a, "device", "1"), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_attester_set_option(a, "nosuch", "1"), UAT_ERR_USAGE_INVALID_ARGUMENT);
    uint8_t secret_len_dummy = 0;
    uint8_t *secret = NULL;
    size_t sl = 0;
    assert_err(uat_attester_enrol_respond(a, &secret_len_dummy, 1, &secret, &sl),
               UAT_ERR_UNSUPPORTED_FEATURE);
    uat_attester_free(a);

    /* one GPU on its own: the nonce is the first half of the report data */
    a = attester("nvidia-gpu");
    uint8_t rd[64] = {0};
    memcpy(rd, g_n1, 32);
    int shutdowns = *f.shutdowns;
    assert_ok(uat_attester_collect(a, rd, &c));
    assert_memory_equal(f.nonces[0], g_n1, 32);
    assert_int_equal(*f.shutdowns, shutdowns + 1);
    uint8_t *ev = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, &ev, &n));
    uat_cmw_free(c);
    uat_verifier *v = verifier();
    uat_claims *cl = NULL;
    assert_ok(uat_verify(v, ev, n, rd, &cl)); /* g1 asked for with its own nonce verifies */
    uat_claims_free(cl);
    uat_verifier_free(v);
    free(ev);
    /* a second half that is not zero cannot be bound by a GPU */
    rd[40] = 1;
    assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    rd[40] = 0;
    /* device index */
    assert_ok(uat_attester_set_option(a, "device", "8"));
    assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_PLATFORM_DEVICE);
    assert_non_null(strstr(uat_last_error()->message, "nvmlDeviceGetHandleByIndex_v2"));
    assert_ok(uat_attester_set_option(a, "device", "x1"));
    assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_ok(uat_attester_set_option(a, "device", "3"));
    assert_ok(uat_attester_collect(a, rd, &c));
    uat_cmw_free(c);
    assert_int_equal(f.asked[3], 1);
    /* what NVML does wrong is a named platform error */
    static const struct {
        int mode;
        const char *words;
    } modes[] = {{1, "nvmlInit_v2"},
                 {2, "nvmlDeviceGetConfComputeGpuAttestationReport"},
                 {3, "not an SPDM"},
                 {4, "report of 12288 bytes"},
                 {5, "chain of 0 bytes"}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        *f.mode = modes[i].mode;
        assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_PLATFORM_DEVICE);
        assert_non_null(strstr(uat_last_error()->message, modes[i].words));
    }
    *f.mode = 0;
    /* no such library, or a library that is not NVML */
    assert_ok(uat_attester_set_option(a, "nvml", "/nonexistent/libnvidia-ml.so.1"));
    assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_PLATFORM_DEVICE);
    assert_ok(uat_attester_set_option(a, "nvml", "libc.so.6"));
    assert_err(uat_attester_collect(a, rd, &c), UAT_ERR_PLATFORM_DEVICE);
    assert_non_null(strstr(uat_last_error()->message, "nvmlInit_v2"));
    uat_attester_free(a);
    dlclose(f.dl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nonce_derivation),   cmocka_unit_test(member_nonce_setter),
        cmocka_unit_test(malformed),          cmocka_unit_test(members_disagree),
        cmocka_unit_test(corpus_gpu_with_sim), cmocka_unit_test(status_rules),
        cmocka_unit_test(eight_gpus),         cmocka_unit_test(collect_errors),
        cmocka_unit_test(collect_composite),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
