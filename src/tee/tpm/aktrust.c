/* Trust in the attestation key (docs/tpm.md "AK trust"). An AK is trusted when
 *   (a) the evidence carries its certificate, the certificate's key is the AK and its chain
 *       verifies at the evaluation time to a CA certificate of <trust>/tpm/ (CRLs there count), or
 *   (b) a PEM public key file of <trust>/tpm/ holds the AK ("pinned-key"), or
 *   (c) the caller's reference values list the AK's Name as an accepted `signer`.
 * The folder is read once per verifier (the cache slot) and may mix CA certificates, CRLs and
 * pinned keys; a certificate-like file that holds none of them is an error, not skipped. */
#include <stdlib.h>
#include <string.h>

#include "collateral/trust.h"
#include "core/file.h"
#include "core/limits.h"
#include "tee/tpm/tpm.h"

#define CHECK "tpm.ak"

typedef struct tpm_trust {
    uat_der_list anchor_der;
    uat_der_list crls;
    uat_cert **anchors;
    size_t nanchors;
    uat_x509_store *store; /* NULL when there is no CA certificate */
    uat_key_list pins;
} tpm_trust;

/* A verifier's cache slot: the trust folder, and the last AK imported (quotes from one machine
 * carry the same AK: its key object, Montgomery context included, is reused). */
typedef struct tpm_cache {
    tpm_trust *trust;
    uint8_t ak_pub[1024]; /* a TPMT_PUBLIC; larger ones are not cached */
    size_t ak_pub_len;
    uat_key *ak;
} tpm_cache;

static void trust_free(tpm_trust *t)
{
    if (t == NULL) {
        return;
    }
    uat_x509_store_free(t->store);
    for (size_t i = 0; i < t->nanchors; i++) {
        uat_cert_free(t->anchors[i]);
    }
    free(t->anchors);
    uat_der_list_free(&t->anchor_der);
    uat_der_list_free(&t->crls);
    uat_key_list_free(&t->pins);
    free(t);
}

void uat_tpm_cache_free(void *p)
{
    tpm_cache *c = p;
    if (c != NULL) {
        trust_free(c->trust);
        uat_key_free(c->ak);
        free(c);
    }
}

/* The verifier's cache, created on first use; NULL when the caller keeps none (or no memory). */
static tpm_cache *cache_of(const uat_verify_ctx *ctx)
{
    if (ctx->cache == NULL) {
        return NULL;
    }
    if (*ctx->cache == NULL) {
        *ctx->cache = calloc(1, sizeof(tpm_cache));
    }
    return *ctx->cache;
}

uat_err uat_tpm_ak_key(const uat_verify_ctx *ctx, uat_span ak_pub, const uat_tpm_public *pub,
                       uat_key **out, int *owned)
{
    tpm_cache *c = cache_of(ctx);
    if (c != NULL && c->ak != NULL && c->ak_pub_len == ak_pub.len &&
        memcmp(c->ak_pub, ak_pub.p, ak_pub.len) == 0) {
        *out = c->ak;
        *owned = 0;
        return UAT_OK;
    }
    uat_key *k = NULL;
    UAT_TRY(uat_tpm_public_key(pub, &k));
    if (c == NULL || ak_pub.len > sizeof(c->ak_pub)) {
        *out = k;
        *owned = 1;
        return UAT_OK;
    }
    uat_key_free(c->ak);
    c->ak = k;
    memcpy(c->ak_pub, ak_pub.p, ak_pub.len);
    c->ak_pub_len = ak_pub.len;
    *out = k;
    *owned = 0;
    return UAT_OK;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int contains(uat_span s, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= s.len && i <= s.len - m; i++) {
        if (memcmp(s.p + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

static uat_err add_pin(tpm_trust *t, uat_span pem, const char *path)
{
    uat_key *k = NULL;
    uat_err rc = uat_key_from_pem(pem, &k);
    if (rc != UAT_OK) {
        return UAT_FAILF(rc, CHECK, "", -1, "%s: the PUBLIC KEY block cannot be read", path);
    }
    uat_key **nk = realloc(t->pins.keys, (t->pins.n + 1) * sizeof(*nk));
    if (nk == NULL) {
        uat_key_free(k);
        return UAT_NOMEM(CHECK);
    }
    t->pins.keys = nk;
    t->pins.keys[t->pins.n++] = k;
    return UAT_OK;
}

/* PEM: certificates, CRLs and one public key, in any mix; DER: one certificate or one CRL. */
static uat_err add_file(tpm_trust *t, const char *path, uat_span bytes)
{
    int found = 0;
    if (contains(bytes, "-----BEGIN ")) {
        if (contains(bytes, "-----BEGIN CERTIFICATE-----")) {
            UAT_TRY(uat_der_list_load_certs(bytes, &t->anchor_der));
            found = 1;
        }
        if (contains(bytes, "-----BEGIN X509 CRL-----")) {
            UAT_TRY(uat_der_list_load_crls(bytes, &t->crls));
            found = 1;
        }
        if (contains(bytes, "-----BEGIN PUBLIC KEY-----")) {
            UAT_TRY(add_pin(t, bytes, path));
            found = 1;
        }
    } else if (uat_der_list_load_certs(bytes, &t->anchor_der) == UAT_OK ||
               uat_der_list_load_crls(bytes, &t->crls) == UAT_OK) {
        uat_error_clear();
        found = 1;
    }
    if (!found) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CERT, CHECK, "", -1,
                         "%s holds no certificate, CRL or PEM public key", path);
    }
    return UAT_OK;
}

static uat_err load_dir(tpm_trust *t, const char *trust_dir)
{
    if (trust_dir == NULL) {
        return UAT_OK; /* reference values may still pin the AK */
    }
    char *dir = uat_tee_dir(trust_dir, "tpm");
    if (dir == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_path_list files = {NULL, 0};
    uat_err rc = uat_dir_files(dir, UAT_MAX_TRUST_FILES, &files);
    free(dir);
    if (rc == UAT_ERR_IO_NOT_FOUND) {
        uat_error_clear();
        return UAT_OK;
    }
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES);
    for (size_t i = 0; rc == UAT_OK && i < files.n; i++) {
        const char *p = files.paths[i];
        if (!has_suffix(p, ".pem") && !has_suffix(p, ".crt") && !has_suffix(p, ".cer") &&
            !has_suffix(p, ".der") && !has_suffix(p, ".crl")) {
            continue; /* notes and other files of the folder */
        }
        b.len = 0;
        rc = uat_file_read(p, UAT_MAX_FILE_BYTES, &b);
        if (rc == UAT_OK) {
            rc = add_file(t, p, uat_buf_span(&b));
        }
    }
    uat_buf_free(&b);
    uat_path_list_free(&files);
    return rc;
}

static uat_err build_store(tpm_trust *t)
{
    if (t->anchor_der.n == 0) {
        return UAT_OK;
    }
    t->anchors = calloc(t->anchor_der.n, sizeof(*t->anchors));
    if (t->anchors == NULL) {
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; i < t->anchor_der.n; i++) {
        UAT_TRY(uat_cert_parse(uat_buf_span(&t->anchor_der.items[i]), &t->anchors[i]));
        t->nanchors = i + 1;
    }
    return uat_x509_store_new(t->anchors, t->nanchors, &t->crls, &t->store);
}

/* The trust folder, from the verifier's cache or read now; *owned when the caller frees it. */
static uat_err trust_get(const uat_verify_ctx *ctx, tpm_trust **out, int *owned)
{
    tpm_cache *c = cache_of(ctx);
    if (c != NULL && c->trust != NULL) {
        *out = c->trust;
        *owned = 0;
        return UAT_OK;
    }
    tpm_trust *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = load_dir(t, ctx->trust_dir);
    if (rc == UAT_OK) {
        rc = build_store(t);
    }
    if (rc != UAT_OK) {
        trust_free(t);
        return rc;
    }
    if (c != NULL) {
        c->trust = t;
    }
    *out = t;
    *owned = c == NULL;
    return UAT_OK;
}

static void free_certs(uat_cert **c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uat_cert_free(c[i]);
    }
}

/* (a): the leaf certifies the AK, and the chain verifies at `at`. */
static uat_err check_chain(const tpm_trust *t, const uat_tpm_evidence *ev, const uat_key *ak,
                           uat_time at, uat_time *valid_until)
{
    uat_cert *c[4] = {NULL, NULL, NULL, NULL};
    uat_err rc = UAT_OK;
    size_t n = 0;
    for (; rc == UAT_OK && n < ev->nchain && n < 4; n++) {
        rc = uat_cert_parse(ev->chain[n], &c[n]);
        if (rc != UAT_OK) {
            rc = UAT_FAILF(rc, CHECK, n == 0 ? "ak_chain[0]" : "ak_chain", -1,
                           "certificate %zu of ak_chain cannot be decoded", n);
        }
    }
    if (rc == UAT_OK && !uat_key_equal(uat_cert_key(c[0]), ak)) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK, "ak_chain[0]", -1,
                       "the AK certificate certifies another key than ak_pub");
    }
    if (rc == UAT_OK) {
        rc = uat_x509_store_verify(t->store, c[0], c + 1, n - 1, 0, 0, at, "tpm.ak_chain");
    }
    for (size_t i = 0; rc == UAT_OK && i < n; i++) {
        uat_time na = uat_cert_not_after(c[i]);
        *valid_until = *valid_until == 0 || na < *valid_until ? na : *valid_until;
    }
    free_certs(c, n);
    return rc;
}

static int pinned_key(const tpm_trust *t, const uat_key *ak)
{
    for (size_t i = 0; i < t->pins.n; i++) {
        if (uat_key_equal(t->pins.keys[i], ak)) {
            return 1;
        }
    }
    return 0;
}

uat_err uat_tpm_ak_trust(const uat_verify_ctx *ctx, const uat_tpm_evidence *ev, const uat_key *ak,
                         const char *name_hex, const char **how, uat_time *valid_until)
{
    tpm_trust *t = NULL;
    int owned = 0;
    UAT_TRY(trust_get(ctx, &t, &owned));
    uat_err rc = UAT_OK;
    if (ev->nchain > 0 && t->store != NULL) {
        rc = check_chain(t, ev, ak, ctx->at, valid_until);
        *how = "certificate";
    } else if (pinned_key(t, ak)) {
        *how = "pinned-key";
    } else if (uat_verify_signer_pinned(ctx, "tpm", name_hex)) {
        *how = "reference-values";
    } else {
        rc = UAT_FAILF(UAT_ERR_VERIFY_UNTRUSTED_KEY, CHECK, "ak_pub", -1,
                       "the AK is neither certified by a configured CA nor pinned%s: put a CA "
                       "certificate or the AK's PEM public key in <trust>/tpm/, or list the AK "
                       "Name as a tpm signer reference value (docs/tpm.md)",
                       ev->nchain > 0 ? " (it has a certificate, but no CA is configured)" : "");
    }
    if (owned) {
        trust_free(t);
    }
    return rc;
}
