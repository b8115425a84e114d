/* The collateral an audit record keeps (uat_verifier_set_record_collateral) with the TEE caches on.
 * For a passing corpus sample of every TEE family (../shared/corpus, at the time each PROVENANCE.md
 * pins), the collateral list ("kind:sha256,...") of a fresh verifier with explain on equals the
 * list of the first and of the second call on one verifier recording only the collateral (the
 * second served from the TEE's cache where it keeps one), and the list of a verifier whose cache
 * was filled with recording off; and it names the collateral the sample uses. Intel: the second
 * call is shown to be a cache hit (a cached document whose signature is then corrupted still
 * passes, and fails once its verdict is forgotten); NVIDIA, CCA, virtCCA, iTrustee, TPM: the
 * cache slot is filled while recording and the same on the second call. */
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

#include "core/file.h"
#include "core/limits.h"
#include "evidence/registry.h"
#include "tee/intel/store.h"
#include "tee/tpm/tpm.h"
#include "uattest/uattest.h"

#include "../unit/uat_assert.h"

#define C UAT_CORPUS_DIR
#define S1 C "/intel-sgx-dcap/s1-dcapqvl-sgx-v3-processor"
#define S3 C "/intel-sgx-dcap/s3-occlum-v3-platform"
#define T1 C "/intel-tdx/t1-dcapqvl-tdx-v4-uptodate"
#define G1 C "/nvidia-gpu/g1-nvtrust-hopper-sample"
#define P1 C "/tpm2/p1-goattestation-gcp-shielded-vm"
#define E1 C "/intel-sgx-epid-ias/e1-integritee-test4-debug"

typedef struct sample {
    const char *label, *tee;
    const char *trust, *collateral; /* collateral NULL: none */
    int64_t at;                     /* pinned evaluation time; 0: now */
    const char *kinds;              /* kinds the list must name ("a,b"; "" none required) */
    int cache_kept;                 /* the TEE keeps its cache slot while recording */
    uat_buf ev;
} sample;

static char g_rims[64]; /* a collateral directory with g1's RIMs under nvidia-gpu/ */
static uat_refvals *g_rv; /* p1's AK pinned by its Name */

static uat_buf load(const char *path)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_file_read(path, UAT_MAX_FILE_BYTES, &b));
    return b;
}

/* The first n bytes of p as a string (malloc'd): p need not be NUL-terminated. */
static char *text_dup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static uat_buf text_of(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_buf_append_str(&b, s));
    free(s);
    json_decref(j);
    return b;
}

static char *b64_of(uat_span s)
{
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    assert_ok(uat_b64_encode(s.p, s.len, UAT_B64_STD, &b));
    char *out = text_dup(b.p, b.len);
    uat_buf_free(&b);
    return out;
}

static char *stripped(const char *path)
{
    uat_buf b = load(path);
    while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r')) {
        b.len--;
    }
    char *s = text_dup(b.p, b.len);
    uat_buf_free(&b);
    return s;
}

/* trustee's NVIDIA evidence JSON for g1 (as tests/integration/explain.sh makes it) */
static uat_buf g1_evidence(void)
{
    uat_buf pem = load(G1 "/cert_chain.pem");
    char *hex = stripped(G1 "/attestation_report.hex"), *cert = b64_of(uat_buf_span(&pem));
    json_t *j = json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "device_evidence_list", "arch", "HOPPER",
                          "uuid", "GPU-g1", "evidence", hex, "certificate", cert);
    free(hex);
    free(cert);
    uat_buf_free(&pem);
    return text_of(j);
}

/* virtCCA v2 without its IMA log (which does not match REM3: PROVENANCE.md) */
static uat_buf virtcca_evidence(void)
{
    json_t *j = json_load_file(C "/arm-cca/v2-gta-virtcca-legacy/evidence.json", 0, NULL);
    json_t *logs = json_object_get(json_object_get(j, "evidence"), "logs"), *keep = json_array();
    assert_non_null(logs);
    for (size_t i = 0; i < json_array_size(logs); i++) {
        json_t *l = json_array_get(logs, i);
        if (strcmp(json_string_value(json_object_get(l, "log_type")), "CCEL") == 0) {
            json_array_append(keep, l);
        }
    }
    json_object_set_new(json_object_get(j, "evidence"), "logs", keep);
    return text_of(j);
}

/* the IAS evidence JSON for e1 */
static uat_buf e1_evidence(void)
{
    uat_buf report = load(E1 "/report.json"), pem = load(E1 "/ias_signing_cert.pem");
    char *r = b64_of(uat_buf_span(&report)), *sig = stripped(E1 "/x-iasreport-signature.b64");
    char *certs = text_dup(pem.p, pem.len);
    json_t *j = json_pack("{s:s,s:s,s:s}", "report", r, "signature", sig, "certificates", certs);
    free(r);
    free(sig);
    free(certs);
    uat_buf_free(&report);
    uat_buf_free(&pem);
    return text_of(j);
}

/* p1 as the TPM evidence map (docs/tpm.md): quote, AK, SHA-1 PCRs and the event log */
static uat_buf p1_evidence(uat_buf parts[4])
{
    static uint8_t pcr[UAT_TPM_NUM_PCRS][20];
    uat_tpm_evidence ev;
    memset(&ev, 0, sizeof(ev));
    parts[0] = load(P1 "/quote.tpms_attest");
    parts[1] = load(P1 "/quote.tpmt_signature");
    parts[2] = load(P1 "/ak_public.tpmt");
    parts[3] = load(P1 "/eventlog.bin");
    ev.attest = uat_buf_span(&parts[0]);
    ev.signature = uat_buf_span(&parts[1]);
    ev.ak_pub = uat_buf_span(&parts[2]);
    ev.event_log = uat_buf_span(&parts[3]);
    json_t *j = json_load_file(P1 "/pcrs_sha1.json", 0, NULL);
    assert_non_null(j);
    ev.nbanks = 1;
    ev.bank_alg[0] = UAT_TPM_ALG_SHA1;
    for (unsigned i = 0; i < UAT_TPM_NUM_PCRS; i++) {
        char idx[4];
        snprintf(idx, sizeof(idx), "%u", i);
        const char *hex = json_string_value(json_object_get(j, idx));
        assert_non_null(hex);
        assert_ok(uat_hex_decode_fixed(hex, strlen(hex), pcr[i], 20));
        ev.pcr[0][i] = uat_span_of(pcr[i], 20);
        ev.present[0] |= 1u << i;
    }
    json_decref(j);
    uat_buf out;
    uat_buf_init(&out, UAT_MAX_EVIDENCE_BYTES);
    assert_ok(uat_tpm_evidence_encode(&ev, &out));
    return out;
}

static void copy_file(const char *from, const char *dir)
{
    uat_buf b = load(from);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, strrchr(from, '/') + 1);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    uat_buf_free(&b);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_rims, "/tmp/uat-collcache-XXXXXX");
    if (mkdtemp(g_rims) == NULL) {
        return -1;
    }
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/nvidia-gpu", g_rims);
    if (mkdir(dir, 0700) != 0) {
        return -1;
    }
    copy_file(C "/nvidia-gpu/rim/NV_GPU_DRIVER_GH100_550.90.07.xml", dir);
    copy_file(C "/nvidia-gpu/rim/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml", dir);
    static const char pin[] = "{\"id\":\"p1-ak\",\"tee\":\"tpm\",\"values\":{\"signer\":[\"000b4ce9b1"
                              "51f75089d74c15dabe9d520cffafbcafd5d43be0aad2e2d88d54717e2e\"]}}";
    if (uat_refvals_new(&g_rv) != UAT_OK || uat_refvals_add_json(g_rv, pin, strlen(pin)) != UAT_OK) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/nvidia-gpu/NV_GPU_DRIVER_GH100_550.90.07.xml", g_rims);
    unlink(path);
    snprintf(path, sizeof(path), "%s/nvidia-gpu/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml", g_rims);
    unlink(path);
    snprintf(path, sizeof(path), "%s/nvidia-gpu", g_rims);
    rmdir(path);
    rmdir(g_rims);
    uat_refvals_free(g_rv);
    return 0;
}

static uat_verifier *verifier_for(const sample *s)
{
    uat_verifier *v = NULL;
    assert_ok(uat_verifier_new(&v));
    assert_ok(uat_verifier_set_trust_dir(v, s->trust));
    if (s->collateral != NULL) {
        assert_ok(uat_verifier_set_collateral_dir(v, s->collateral));
    }
    if (s->at != 0) {
        uat_verifier_set_time(v, s->at);
    }
    uat_verifier_set_reference_values(v, g_rv);
    return v;
}

/* One verification that must pass; the collateral list it recorded (malloc'd). */
static char *verify_list(uat_verifier *v, const sample *s)
{
    uat_claims *claims = NULL;
    uat_err rc = uat_verify(v, s->ev.p, s->ev.len, NULL, &claims);
    if (rc != UAT_OK) {
        char msg[512];
        uat_error_format(uat_last_error(), msg, sizeof(msg));
        fail_msg("%s: %s", s->label, msg);
    }
    uat_claims_free(claims);
    const char *list = uat_verifier_collateral(v);
    assert_non_null(list);
    return strdup(list);
}

/* One verification that must pass, recording nothing. */
static void verify_plain(uat_verifier *v, const sample *s)
{
    uat_claims *claims = NULL;
    assert_ok(uat_verify(v, s->ev.p, s->ev.len, NULL, &claims));
    uat_claims_free(claims);
    assert_null(uat_verifier_collateral(v));
}

/* Every kind of s->kinds names an item of list ("kind:sha256,..."). */
static void assert_kinds(const sample *s, const char *list)
{
    char kinds[128];
    snprintf(kinds, sizeof(kinds), "%s", s->kinds);
    for (char *save = NULL, *k = strtok_r(kinds, ",", &save); k != NULL;
         k = strtok_r(NULL, ",", &save)) {
        char item[64];
        snprintf(item, sizeof(item), "%s:", k);
        size_t n = strlen(item);
        int found = strncmp(list, item, n) == 0;
        for (const char *p = strchr(list, ','); !found && p != NULL; p = strchr(p + 1, ',')) {
            found = strncmp(p + 1, item, n) == 0;
        }
        if (!found) {
            fail_msg("%s: no %s collateral in \"%s\"", s->label, k, list);
        }
    }
}

static void assert_same(const sample *s, const char *what, const char *want, const char *got)
{
    if (strcmp(want, got) != 0) {
        fail_msg("%s: %s lists \"%s\", the explained verification \"%s\"", s->label, what, got,
                 want);
    }
}

static void run_sample(const sample *s)
{
    /* (a) a fresh verifier with explain on: every check runs, no cache serves it */
    uat_verifier *x = verifier_for(s);
    uat_verifier_set_explain(x, 1);
    char *want = verify_list(x, s);
    uat_verifier_free(x);
    assert_kinds(s, want);

    /* (b) one verifier recording only the collateral: the first call fills the cache, the
     * second is served from it */
    uat_verifier *v = verifier_for(s);
    uat_verifier_set_record_collateral(v, 1);
    char *first = verify_list(v, s);
    void *slot = uat_verifier_cache_peek(v, s->tee);
    char *second = verify_list(v, s);
    assert_same(s, "the first call", want, first);
    assert_same(s, "the second call", want, second);
    if (s->cache_kept) {
        if (slot == NULL) {
            fail_msg("%s: the %s cache is bypassed while recording the collateral", s->label,
                     s->tee);
        }
        assert_ptr_equal(uat_verifier_cache_peek(v, s->tee), slot);
    }
    uat_verifier_free(v);

    /* (c) a cache filled with recording off, then reused with recording on */
    uat_verifier *w = verifier_for(s);
    verify_plain(w, s);
    uat_verifier_set_record_collateral(w, 1);
    char *later = verify_list(w, s);
    assert_same(s, "a call reusing a cache filled without recording", want, later);
    uat_verifier_free(w);
    printf("ok - %s: %s\n", s->label, want[0] != '\0' ? want : "(no collateral)");
    free(want);
    free(first);
    free(second);
    free(later);
}

static void test_samples(void **state)
{
    (void)state;
    uat_buf p1_parts[4];
    sample samples[] = {
        {"sgx s1", "sgx", C "/intel-sgx-dcap/trust", S1, 1751328000 /* 2025-07-01 */,
         "crl,qe_identity,tcb_info", 1, load(S1 "/quote.bin")},
        {"sgx s3", "sgx", C "/intel-sgx-dcap/trust", S3, 1756684800 /* 2025-09-01 */,
         "crl,qe_identity,tcb_info", 1, load(S3 "/quote.bin")},
        {"tdx t1", "tdx", C "/intel-tdx/trust", T1, 1751328000 /* 2025-07-01 */,
         "crl,qe_identity,tcb_info", 1, load(T1 "/quote.bin")},
        {"sgx-epid e1", "sgx-epid", C "/intel-sgx-epid-ias/trust", NULL,
         1587899785 /* 2020-04-26T11:16:25Z */, "", 0, e1_evidence()},
        {"snp n1", "snp", C "/amd-sev-snp/trust", C "/amd-sev-snp/n1-gosevguest-milan-vcek",
         1663981200 /* 2022-09-24T01:00:00Z */, "", 0,
         load(C "/amd-sev-snp/n1-gosevguest-milan-vcek/report.bin")},
        {"snp n3 VLEK", "snp", C "/amd-sev-snp/trust", C "/amd-sev-snp/n3-trustee-milan-vlek-aws",
         1748736000 /* 2025-06-01 */, "", 0,
         load(C "/amd-sev-snp/n3-trustee-milan-vlek-aws/report.bin")},
        {"az-snp-vtpm p2", "az-snp-vtpm", C "/amd-sev-snp/trust", NULL,
         1784160000 /* 2026-07-16 */, "", 0,
         load(C "/tpm2/p2-trustee-azure-snp-vtpm/evidence-v2.json")},
        {"cca c1", "cca", C "/arm-cca/c1-tfrmm-ccatoken-tag399", NULL, 0, "", 1,
         load(C "/arm-cca/c1-tfrmm-ccatoken-tag399/cca_token.cbor")},
        {"virtcca v2 (CCEL only)", "virtcca", C "/arm-cca/virtcca-trust", NULL,
         1780272000 /* 2026-06-01 */, "", 1, virtcca_evidence()},
        {"itrustee k1", "itrustee", C "/huawei-itrustee/trust", NULL, 1780272000, "", 1,
         load(C "/huawei-itrustee/k1-kunpengsecl-noas/report.bin")},
        {"itrustee j1", "itrustee", C "/huawei-itrustee/trust", NULL, 1780272000, "", 1,
         load(C "/huawei-itrustee/j1-kunpengsecl-json-qta-e08f7eca/report.json")},
        {"nvidia-gpu g1 + RIMs", "nvidia-gpu", C "/nvidia-gpu/trust", g_rims,
         1769904000 /* 2026-02-01 */, "rim_driver,rim_vbios", 1, g1_evidence()},
        {"tpm p1 (AK pinned)", "tpm", C "/tpm2/p1-goattestation-gcp-shielded-vm", NULL, 0, "", 1,
         p1_evidence(p1_parts)},
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        run_sample(&samples[i]);
        uat_buf_free(&samples[i].ev);
    }
    for (size_t i = 0; i < 4; i++) {
        uat_buf_free(&p1_parts[i]);
    }
}

/* The Intel cache really serves the second call: with the cached TCB info's and QE identity's
 * signatures corrupted, a call within their verdicts' windows still passes (and lists the same
 * collateral); once the verdicts are forgotten, the same call fails on the corrupted signature. */
static void test_intel_hit(void **state)
{
    (void)state;
    sample s = {"sgx s1", "sgx", C "/intel-sgx-dcap/trust", S1, 1751328000, "", 1,
                load(S1 "/quote.bin")};
    uat_verifier *x = verifier_for(&s);
    uat_verifier_set_explain(x, 1);
    char *want = verify_list(x, &s);
    uat_verifier_free(x);

    uat_verifier *v = verifier_for(&s);
    uat_verifier_set_record_collateral(v, 1);
    free(verify_list(v, &s));
    intel_store *st = uat_verifier_cache_peek(v, "sgx");
    assert_non_null(st);
    assert_true(st->ntcb > 0 && st->nid > 0);
    for (size_t i = 0; i < st->ntcb; i++) {
        st->tcb[i].signature[10] ^= 0x01;
    }
    for (size_t i = 0; i < st->nid; i++) {
        st->ids[i].signature[10] ^= 0x01;
    }
    char *hit = verify_list(v, &s);
    assert_same(&s, "a call served from the cache", want, hit);
    for (size_t i = 0; i < st->ntcb; i++) {
        st->tcb_w[i].ok = 0;
    }
    for (size_t i = 0; i < st->nid; i++) {
        st->id_w[i].ok = 0;
    }
    uat_claims *claims = NULL;
    assert_err(uat_verify(v, s.ev.p, s.ev.len, NULL, &claims), UAT_ERR_VERIFY_SIGNATURE);
    for (size_t i = 0; i < st->ntcb; i++) {
        st->tcb[i].signature[10] ^= 0x01;
    }
    for (size_t i = 0; i < st->nid; i++) {
        st->ids[i].signature[10] ^= 0x01;
    }
    char *again = verify_list(v, &s); /* the restored documents verify again, cold */
    assert_same(&s, "a call after the verdicts were forgotten", want, again);
    uat_verifier_free(v);
    uat_buf_free(&s.ev);
    free(want);
    free(hit);
    free(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_intel_hit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
