/* Arm CCA token verification: the platform token with a configured CPAK, the realm token with the
 * RAK it carries, the binding between the two, the lifecycle; then the normalized claims.
 *
 * Trust anchors (<trust>/cca/, or <trust> itself): CPAK public keys as PEM (SubjectPublicKeyInfo
 * or a certificate, *.pem) or JWK (*.jwk, *.json: one JWK or a JWK Set), read once per verifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/cca/cca.h"

#define CHECK "cca.verify"

typedef struct cca_anchors {
    uat_key **keys;
    char **files; /* where each key came from, for errors */
    size_t n;
} cca_anchors;

void uat_cca_cache_free(void *cache)
{
    cca_anchors *a = cache;
    for (size_t i = 0; a != NULL && i < a->n; i++) {
        uat_key_free(a->keys[i]);
        free(a->files[i]);
    }
    if (a != NULL) {
        free(a->keys);
        free(a->files);
        free(a);
    }
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static uat_err push_key(cca_anchors *a, uat_key *k, const char *path)
{
    UAT_ENSURE(a->n < UAT_MAX_TRUST_FILES, UAT_ERR_RESOURCE_LIMIT, "cca.trust", "", -1);
    uat_key **nk = realloc(a->keys, (a->n + 1) * sizeof(*nk));
    if (nk != NULL) {
        a->keys = nk;
    }
    char **nf = nk ? realloc(a->files, (a->n + 1) * sizeof(*nf)) : NULL;
    if (nf != NULL) {
        a->files = nf;
    }
    char *name = nf ? strdup(path) : NULL;
    if (name == NULL) {
        uat_key_free(k);
        return UAT_NOMEM("cca.trust");
    }
    a->keys[a->n] = k;
    a->files[a->n++] = name;
    return UAT_OK;
}

/* One JWK, or every member of a JWK Set's "keys" (RFC 7517 §5). */
static uat_err add_jwk_file(cca_anchors *a, uat_span text, const char *path)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *set = json_object_get(j, "keys");
    size_t n = json_is_array(set) ? json_array_size(set) : 1;
    uat_err rc = json_is_object(j) ? UAT_OK : UAT_ERR_PARSE_BAD_JSON;
    for (size_t i = 0; rc == UAT_OK && i < n; i++) {
        json_t *one = json_is_array(set) ? json_array_get(set, i) : j;
        char *s = json_dumps(one, JSON_COMPACT);
        uat_key *k = NULL;
        rc = s != NULL ? uat_key_from_jwk(uat_span_of(s, strlen(s)), &k) : UAT_NOMEM("cca.trust");
        free(s);
        if (rc == UAT_OK) {
            rc = push_key(a, k, path);
        }
    }
    json_decref(j);
    if (rc != UAT_OK && rc != UAT_ERR_RESOURCE_NO_MEMORY) {
        return UAT_FAILF(rc, "cca.trust", "", -1, "%s holds no usable JWK or JWK Set", path);
    }
    return rc;
}

static uat_err add_file(cca_anchors *a, const char *path)
{
    int pem = has_suffix(path, ".pem"), jwk = has_suffix(path, ".jwk") || has_suffix(path, ".json");
    if (!pem && !jwk) {
        return UAT_OK; /* other files (tokens kept next to their anchors) are not anchors */
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    uat_err rc = uat_file_read(path, UAT_MAX_FILE_BYTES, &b);
    uat_key *k = NULL;
    if (rc == UAT_OK && jwk) {
        rc = add_jwk_file(a, uat_buf_span(&b), path);
    } else if (rc == UAT_OK) {
        rc = uat_key_from_pem(uat_buf_span(&b), &k);
        rc = rc == UAT_OK ? push_key(a, k, path)
                          : UAT_FAILF(rc, "cca.trust", "", -1,
                                      "%s holds no PEM public key or certificate", path);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err load_anchors(const char *trust_dir, cca_anchors **out)
{
    UAT_ENSURE(trust_dir != NULL, UAT_ERR_USAGE_NO_TRUST_ANCHOR, "cca.trust", "cca", -1);
    char *dir = uat_tee_dir(trust_dir, "cca");
    cca_anchors *a = calloc(1, sizeof(*a));
    uat_path_list files = {NULL, 0};
    uat_err rc = dir != NULL && a != NULL ? uat_dir_files(dir, UAT_MAX_TRUST_FILES, &files)
                                          : UAT_NOMEM("cca.trust");
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "cca.trust", "cca", -1,
                       "no trust anchor directory %s", dir);
    }
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        rc = add_file(a, files.paths[i]);
    }
    if (rc == UAT_OK && a->n == 0) {
        rc = UAT_FAILF(UAT_ERR_USAGE_NO_TRUST_ANCHOR, "cca.trust", "cca", -1,
                       "no CPAK (*.pem or *.jwk public key) in %s", dir);
    }
    uat_path_list_free(&files);
    free(dir);
    if (rc != UAT_OK) {
        uat_cca_cache_free(a);
        return rc;
    }
    *out = a;
    return UAT_OK;
}

static uat_err anchors_get(const uat_verify_ctx *ctx, cca_anchors **out)
{
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    UAT_TRY(load_anchors(ctx->trust_dir, out));
    if (ctx->cache != NULL) {
        *ctx->cache = *out;
    }
    return UAT_OK;
}

/* spec: RFC 9053 §7.1.1: an EC2 COSE_Key {1: 2, -1: crv, -2: x, -3: y}; kid (2), alg (3) and
 * key_ops (4) may accompany it */
static uat_err cose_key(uat_span in, int64_t base, uat_key **out)
{
    uat_reader r = {in.p, in.len, 0, base, "cca.realm"};
    size_t n = 0;
    int64_t kty = 0, crv = 0;
    uat_span x = {NULL, 0}, y = {NULL, 0};
    unsigned seen = 0;
    UAT_TRY(uat_cose_rd_count(&r, UAT_CBOR_MAP, "COSE_Key", &n));
    for (size_t i = 0; i < n; i++) {
        int64_t label = 0, at = uat_rd_pos(&r);
        UAT_TRY(uat_cose_rd_int(&r, "COSE_Key label", &label));
        unsigned bit = label == 1 ? 1u : label == -1 ? 2u : label == -2 ? 4u : label == -3 ? 8u
                                                                                          : 16u;
        UAT_ENSURE(bit == 16u || !(seen & bit), UAT_ERR_PARSE_BAD_CBOR, r.check, "COSE_Key", at);
        seen |= bit;
        if (label == 1 || label == -1) {
            UAT_TRY(uat_cose_rd_int(&r, "COSE_Key", label == 1 ? &kty : &crv));
        } else if (label == -2 || label == -3) {
            UAT_TRY(uat_cose_rd_bstr(&r, "COSE_Key", label == -2 ? &x : &y));
        } else if (label >= 2 && label <= 4) {
            UAT_TRY(uat_cbor_skip(&r, 0, "COSE_Key"));
        } else {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r.check, "COSE_Key", at,
                             "unknown COSE_Key label %lld", (long long)label);
        }
    }
    UAT_TRY(uat_rd_end(&r));
    /* spec: RFC 9053 §7.1: crv 1 P-256, 2 P-384, 3 P-521 */
    if (seen != 15u || kty != 2 || crv < 1 || crv > 3) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, r.check, "cca-realm-public-key", base,
                         "the RAK is not an EC2 COSE_Key on P-256, P-384 or P-521");
    }
    enum uat_key_kind kinds[] = {UAT_KEY_EC_P256, UAT_KEY_EC_P384, UAT_KEY_EC_P521};
    return uat_key_from_ec_point(kinds[crv - 1], x, y, out);
}

/* An uncompressed point 04 || X || Y (SEC 1 §2.3.3), its curve by length. */
static uat_err raw_point(uat_span in, int p521_only, int64_t at, uat_key **out)
{
    size_t fl = in.len == 65 ? 32 : in.len == 97 ? 48 : in.len == 133 ? 66 : 0;
    if (fl == 0 || in.p[0] != 0x04 || (p521_only && fl != 66)) {
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, "cca.realm", "cca-realm-public-key", at,
                         "the RAK (%zu bytes) is not an uncompressed %s point", in.len,
                         p521_only ? "P-521" : "P-256, P-384 or P-521");
    }
    enum uat_key_kind kind = fl == 32 ? UAT_KEY_EC_P256 : fl == 48 ? UAT_KEY_EC_P384
                                                                    : UAT_KEY_EC_P521;
    return uat_key_from_ec_point(kind, uat_span_of(in.p + 1, fl), uat_span_of(in.p + 1 + fl, fl),
                                 out);
}

uat_err uat_cca_rak_key(const uat_cca_realm *r, enum uat_cca_flavor flavor, uat_key **out)
{
    uat_err rc;
    if (flavor == UAT_CCA_VIRTCCA) {
        /* secGear virtcca/mod.rs: DER SubjectPublicKeyInfo, else a raw P-521 point */
        rc = r->rak.p[0] == 0x30 ? uat_key_from_spki_der(r->rak, out)
                                 : raw_point(r->rak, 1, r->rak_off, out);
    } else if (r->has_profile) {
        rc = cose_key(r->rak, r->rak_off, out);
    } else {
        rc = raw_point(r->rak, 0, r->rak_off, out);
    }
    if (rc != UAT_OK && rc != UAT_ERR_RESOURCE_NO_MEMORY &&
        strcmp(uat_last_error()->field, "cca-realm-public-key") != 0) {
        /* name the claim, keep the cause (an off-curve point, a malformed SPKI, ...) */
        char detail[200];
        snprintf(detail, sizeof(detail), "%s %.150s", uat_err_name(rc), uat_last_error()->message);
        return UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, "cca.realm", "cca-realm-public-key", r->rak_off,
                         "the RAK is not a valid public key (%s)", detail);
    }
    return rc;
}

uat_err uat_cca_check_binding(const uat_cca_platform *p, const uat_cca_realm *r, const char *check)
{
    uint8_t h[UAT_HASH_MAX];
    UAT_TRY(uat_hash(r->rak_hash, &r->rak, 1, h));
    size_t hl = uat_hash_len(r->rak_hash);
    /* spec: DEN0137 §A7.2.3.2: platform challenge = H(RAK) with cca-realm-public-key-hash-algo-id */
    if (p->challenge.len != hl || !uat_ct_equal(p->challenge.p, h, hl)) {
        return UAT_FAILF(UAT_ERR_VERIFY_BINDING, check, "cca-platform-challenge", p->challenge_off,
                         "the platform token's challenge is not the %s hash of the realm token's "
                         "RAK: the two tokens do not belong together",
                         uat_hash_name(r->rak_hash));
    }
    uat_step_hex(check, p->challenge.p, p->challenge.len, h, hl);
    return UAT_OK;
}

uat_err uat_cca_check_lifecycle(const uat_cca_platform *p, const char *check)
{
    const char *state = uat_cca_lifecycle_name(p->lifecycle);
    /* secured, and the debug states (reported as debug: the appraisal decides) */
    if (strcmp(state, "secured") == 0 || uat_cca_lifecycle_debug(p->lifecycle)) {
        uat_step(check, state, "secured (or a debug state, reported as debug)");
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_VERIFY_TCB, check, "cca-platform-lifecycle", -1,
                     "the platform is in lifecycle state %s (0x%04x): only a secured platform (or "
                     "one in a debug state) attests",
                     state, p->lifecycle);
}

/* The CPAK that verifies the platform token: the first configured key that does. */
static uat_err platform_signature(const cca_anchors *a, const uat_cose_sign1 *m, size_t *which)
{
    size_t tried = 0;
    for (size_t i = 0; i < a->n; i++) {
        uat_err rc = uat_cose_sign1_verify(m, a->keys[i], uat_span_of(NULL, 0), "cca.platform");
        if (rc == UAT_OK) {
            *which = i;
            return UAT_OK;
        }
        if (rc != UAT_ERR_CRYPTO_BAD_KEY && rc != UAT_ERR_VERIFY_SIGNATURE) {
            return rc;
        }
        tried += rc == UAT_ERR_VERIFY_SIGNATURE;
    }
    if (tried == 0) {
        return UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, "cca.platform", "signature",
                         m->signature_off,
                         "no configured CPAK can verify %s: the platform key is not trusted",
                         uat_cose_alg_name(m->alg));
    }
    return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, "cca.platform", "signature", m->signature_off,
                     "the platform token's %s signature verifies with none of the %zu configured "
                     "CPAKs: an untrusted platform, or a changed token",
                     uat_cose_alg_name(m->alg), tried);
}

static uat_err realm_signature(const uat_cca_token *t)
{
    uat_key *rak = NULL;
    UAT_TRY(uat_cca_rak_key(&t->realm, UAT_CCA_ARM, &rak));
    uat_err rc = uat_cose_sign1_verify(&t->realm_cose, rak, uat_span_of(NULL, 0), "cca.realm");
    uat_key_free(rak);
    return rc;
}

static uat_err fill_claims(const uat_cca_token *t, const uat_key *cpak, uat_claims *claims)
{
    json_t *doc = uat_claims_doc(claims);
    const uat_cca_realm *r = &t->realm;
    UAT_TRY(uat_json_set_hex(doc, "measurement", r->rim.p, r->rim.len));
    UAT_TRY(uat_json_set_hex(doc, "report_data", r->challenge.p, r->challenge.len));
    UAT_TRY(uat_json_set_bool(doc, "debug", uat_cca_lifecycle_debug(t->platform.lifecycle)));
    json_t *tcb = json_object(), *p = json_object();
    UAT_TRY(uat_json_set(doc, "tcb", tcb));
    /* no TCB levels are published for CCA platforms: a verified secured platform is the verdict;
     * firmware versions are the software components' business (reference values) */
    UAT_TRY(uat_json_set_str(tcb, "status", "UpToDate"));
    UAT_TRY(uat_json_set(doc, "platform", p));
    UAT_TRY(uat_cca_platform_describe(&t->platform, p));
    uat_buf spki;
    uint8_t fp[32];
    uat_buf_init(&spki, 4096);
    uat_err rc = uat_key_spki_der(cpak, &spki);
    uat_span s = uat_buf_span(&spki);
    if (rc == UAT_OK) {
        rc = uat_hash(UAT_HASH_SHA256, &s, 1, fp);
    }
    uat_buf_free(&spki);
    UAT_TRY(rc);
    UAT_TRY(uat_json_set_hex(p, "cpak_sha256", fp, sizeof(fp)));
    json_t *tee = uat_claims_tee_obj(claims);
    UAT_TRY(uat_json_set_int(tee, "collection_tag", (int64_t)t->form));
    return uat_cca_realm_describe(r, tee);
}

static uat_err verify_token(uat_span in, const cca_anchors *a, uat_claims *claims,
                            uat_verify_out *out)
{
    uat_cca_token t;
    size_t which = 0;
    UAT_TRY(uat_cca_token_parse(in, UAT_CCA_ARM, "cca.token", &t));
    UAT_TRY(platform_signature(a, &t.platform_cose, &which));
    UAT_TRY(realm_signature(&t));
    UAT_TRY(uat_cca_check_binding(&t.platform, &t.realm, CHECK));
    UAT_TRY(uat_cca_check_lifecycle(&t.platform, CHECK));
    UAT_TRY(fill_claims(&t, a->keys[which], claims));
    memcpy(out->report_data, t.realm.challenge.p, UAT_CCA_CHALLENGE_LEN);
    out->report_data_len = UAT_CCA_CHALLENGE_LEN;
    return UAT_OK;
}

uat_err uat_cca_verify(uat_span in, const uat_verify_ctx *ctx, uat_claims *claims,
                       uat_verify_out *out)
{
    cca_anchors *a = NULL;
    UAT_TRY(anchors_get(ctx, &a));
    uat_err rc = verify_token(in, a, claims, out);
    if (ctx->cache == NULL) {
        uat_cca_cache_free(a);
    }
    return rc;
}

static const char *const cca_detect[] = {"sys/bus/platform/devices/arm-cca-dev",
                                         "sys/firmware/cca/realm_guest", NULL};
static const char *const cca_options[] = {"tsm-entry", NULL};

const uat_tee_ops uat_tee_cca = {
    .name = "cca",
    .media_type = UAT_CCA_MEDIA_TYPE,
    .cbor_tag = 0, /* the collection carries its own tag (399 or 907); no RA-TLS tag is assigned */
    .detect_paths = cca_detect,
    .options = cca_options,
    .sniff = uat_cca_sniff,
    .inspect = uat_cca_inspect,
    .verify = uat_cca_verify,
    .cache_free = uat_cca_cache_free,
    .cache_traced = 1, /* CPAKs only: every check runs on each call */
    .collect = uat_cca_collect,
};
