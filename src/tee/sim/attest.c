/* sim attester: a software "TEE" that signs a report with a local ECDSA P-256 key.
 *
 * Options: key (private key PEM path; default <state-dir>/sim/key.pem, created on
 * first use together with the trust anchor <state-dir>/trust/sim/sim-root.pem),
 * measure (a string) or measure-file (a file; default /proc/self/exe) hashed with
 * SHA-384, signer (a string hashed with SHA-384; default "uattest-sim"),
 * svn (decimal, 32-bit), debug (true|false).
 * The key (read and decoded), its id, the signer and the measurement are loaded once per attester
 * and kept in its cache slot (ctx->cache) until an option changes: decoding the PEM key alone
 * cost more than the rest of a collect (bench/bench_channel.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "tee/sim/sim.h"

#define CHECK "sim.attest"

static uat_err write_anchor(const char *state_dir, const uat_key *k)
{
    char *dir = uat_path_join(state_dir, "trust/sim");
    char *path = dir ? uat_path_join(dir, "sim-root.pem") : NULL;
    uat_buf pem;
    uat_buf_init(&pem, 16384);
    uat_err rc = dir && path ? UAT_OK : UAT_NOMEM(CHECK);
    if (rc == UAT_OK) {
        rc = uat_mkdirs(dir, 0755);
    }
    if (rc == UAT_OK) {
        rc = uat_key_public_pem(k, &pem);
    }
    if (rc == UAT_OK) {
        rc = uat_file_write_atomic(path, pem.p, pem.len, 0644);
    }
    uat_buf_free(&pem);
    free(path);
    free(dir);
    return rc;
}

/* Creates the key and its trust anchor when the default key path does not exist yet. */
static uat_err create_key(const char *state_dir, const char *path, uat_key **out)
{
    char *dir = uat_path_join(state_dir, "sim");
    uat_key *k = NULL;
    uat_buf pem;
    uat_buf_init(&pem, 16384);
    uat_err rc = dir ? uat_mkdirs(dir, 0700) : UAT_NOMEM(CHECK);
    free(dir);
    UAT_TRY_GOTO(rc, rc, fail);
    UAT_TRY_GOTO(rc, uat_key_generate(UAT_KEY_EC_P256, &k), fail);
    UAT_TRY_GOTO(rc, uat_key_private_pem(k, &pem), fail);
    UAT_TRY_GOTO(rc, write_anchor(state_dir, k), fail);
    UAT_TRY_GOTO(rc, uat_file_write_atomic(path, pem.p, pem.len, 0600), fail);
    uat_buf_free(&pem);
    *out = k;
    return UAT_OK;
fail:
    uat_buf_free(&pem);
    uat_key_free(k);
    return rc;
}

static uat_err load_key(const uat_attest_ctx *ctx, uat_key **out)
{
    const char *opt = uat_attest_opt(ctx, "key");
    char *path = NULL;
    if (opt == NULL) {
        UAT_ENSURE(ctx->state_dir != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "key", -1);
        path = uat_path_join(ctx->state_dir, "sim/key.pem");
        if (path == NULL) {
            return UAT_NOMEM(CHECK);
        }
    }
    const char *p = opt ? opt : path;
    uat_err rc;
    if (opt == NULL && !uat_file_exists(p)) {
        rc = create_key(ctx->state_dir, p, out);
        free(path);
        return rc;
    }
    uat_buf pem;
    uat_buf_init(&pem, UAT_MAX_FILE_BYTES);
    rc = uat_file_read(p, UAT_MAX_FILE_BYTES, &pem);
    uat_key *k = NULL;
    if (rc == UAT_OK) {
        rc = uat_key_from_pem(uat_buf_span(&pem), &k);
    }
    if (rc == UAT_OK && (uat_key_kind_of(k) != UAT_KEY_EC_P256 || !uat_key_is_private(k))) {
        uat_key_free(k);
        rc = UAT_FAILF(UAT_ERR_CRYPTO_BAD_KEY, CHECK, "key", -1,
                       "%s is not an ECDSA P-256 private key", p);
    }
    uat_buf_free(&pem);
    free(path);
    if (rc == UAT_OK) {
        *out = k;
    }
    return rc;
}

static uat_err hash_text(const char *s, uint8_t out[48])
{
    uat_span part = uat_span_of(s, strlen(s));
    return uat_hash(UAT_HASH_SHA384, &part, 1, out);
}

static uat_err measure(const uat_attest_ctx *ctx, uint8_t out[48])
{
    const char *text = uat_attest_opt(ctx, "measure");
    if (text != NULL) {
        return hash_text(text, out);
    }
    const char *file = uat_attest_opt(ctx, "measure-file");
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_FILE_BYTES * 16);
    uat_err rc = uat_file_read(file ? file : "/proc/self/exe", UAT_MAX_FILE_BYTES * 16, &b);
    if (rc == UAT_OK) {
        uat_span part = uat_buf_span(&b);
        rc = uat_hash(UAT_HASH_SHA384, &part, 1, out);
    }
    uat_buf_free(&b);
    return rc;
}

static uat_err parse_u32(const char *s, const char *field, uint32_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    UAT_ENSURE(s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0 && v <= UINT32_MAX,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1);
    *out = (uint32_t)v;
    return UAT_OK;
}

static uat_err parse_bool(const char *s, const char *field, int *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *out = 1;
    } else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *out = 0;
    } else {
        return UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1);
    }
    return UAT_OK;
}

typedef struct sim_identity {
    uat_key *k;
    uint8_t key_id[32];
    uint8_t signer[48];
    uint8_t meas[48];
} sim_identity;

void uat_sim_attest_cache_free(void *cache)
{
    sim_identity *id = cache;
    if (id != NULL) {
        uat_key_free(id->k);
        free(id);
    }
}

static uat_err identity_load(const uat_attest_ctx *ctx, sim_identity **out)
{
    sim_identity *id = calloc(1, sizeof(*id));
    if (id == NULL) {
        return UAT_NOMEM(CHECK);
    }
    const char *v = uat_attest_opt(ctx, "signer");
    uat_err rc;
    UAT_TRY_GOTO(rc, load_key(ctx, &id->k), fail);
    UAT_TRY_GOTO(rc, uat_sim_key_id(id->k, id->key_id), fail);
    UAT_TRY_GOTO(rc, hash_text(v ? v : "uattest-sim", id->signer), fail);
    UAT_TRY_GOTO(rc, measure(ctx, id->meas), fail);
    *out = id;
    return UAT_OK;
fail:
    uat_sim_attest_cache_free(id);
    return rc;
}

/* The identity from the attester's cache, loaded into it on first use; without a cache slot,
 * a fresh one the caller frees (*owned). */
static uat_err identity(const uat_attest_ctx *ctx, const sim_identity **out, sim_identity **owned)
{
    *owned = NULL;
    if (ctx->cache != NULL && *ctx->cache != NULL) {
        *out = *ctx->cache;
        return UAT_OK;
    }
    sim_identity *id = NULL;
    UAT_TRY(identity_load(ctx, &id));
    if (ctx->cache != NULL) {
        *ctx->cache = id;
    } else {
        *owned = id;
    }
    *out = id;
    return UAT_OK;
}

/* Writes the signed body in the layout of sim.h. */
static uat_err build_body(const uat_attest_ctx *ctx, const sim_identity *id,
                          const uint8_t *report_data, uat_buf *out)
{
    uint32_t svn = 0;
    int debug = 0;
    const char *v;
    if ((v = uat_attest_opt(ctx, "svn")) != NULL) {
        UAT_TRY(parse_u32(v, "svn", &svn));
    }
    if ((v = uat_attest_opt(ctx, "debug")) != NULL) {
        UAT_TRY(parse_bool(v, "debug", &debug));
    }
    UAT_TRY(uat_buf_append(out, UAT_SIM_MAGIC, 4));
    UAT_TRY(uat_buf_put_u16le(out, UAT_SIM_VERSION));
    UAT_TRY(uat_buf_put_u16le(out, debug ? UAT_SIM_FLAG_DEBUG : 0));
    UAT_TRY(uat_buf_put_u32le(out, svn));
    UAT_TRY(uat_buf_put_u32le(out, 0));
    UAT_TRY(uat_buf_append(out, id->meas, sizeof(id->meas)));
    UAT_TRY(uat_buf_append(out, id->signer, sizeof(id->signer)));
    UAT_TRY(uat_buf_append(out, report_data, UAT_REPORT_DATA_LEN));
    return uat_buf_append(out, id->key_id, sizeof(id->key_id));
}

uat_err uat_sim_collect(const uat_attest_ctx *ctx, const uint8_t *report_data, uat_buf *out)
{
    const sim_identity *id = NULL;
    sim_identity *owned = NULL;
    UAT_TRY(identity(ctx, &id, &owned));
    uat_buf rep;
    uat_buf_init(&rep, UAT_SIM_REPORT_SIZE);
    uat_err rc;
    UAT_TRY_GOTO(rc, build_body(ctx, id, report_data, &rep), out);
    UAT_ENSURE_GOTO(rc, rep.len == UAT_SIM_SIGNED_SIZE, UAT_ERR_INTERNAL, CHECK, "", -1, out);
    UAT_TRY_GOTO(rc, uat_sig_sign(id->k, UAT_SIG_ES256, uat_buf_span(&rep), &rep), out);
    rc = uat_buf_append(out, rep.p, rep.len);
out:
    uat_buf_free(&rep);
    uat_sim_attest_cache_free(owned);
    return rc;
}

/* spec: RFC 5869. The sealing key: HKDF-SHA-256 with the identity's private key (PEM) as input
 * keying material, and the measurement, the signer and the label as info: another key, another
 * measurement or another label gives another key. */
uat_err uat_sim_seal_key(const uat_attest_ctx *ctx, const char *label, uint8_t key[32])
{
    const sim_identity *id = NULL;
    sim_identity *owned = NULL;
    UAT_TRY(identity(ctx, &id, &owned));
    uat_buf pem, info;
    uat_buf_init(&pem, 16384);
    uat_buf_init(&info, 4096);
    uat_err rc = uat_key_private_pem(id->k, &pem);
    rc = rc == UAT_OK ? uat_buf_append(&info, id->meas, sizeof(id->meas)) : rc;
    rc = rc == UAT_OK ? uat_buf_append(&info, id->signer, sizeof(id->signer)) : rc;
    rc = rc == UAT_OK ? uat_buf_append(&info, label, strlen(label)) : rc;
    if (rc == UAT_OK) {
        static const char salt[] = "uattest sim seal v1";
        rc = uat_hkdf_sha256(uat_span_of(salt, sizeof(salt) - 1), uat_buf_span(&pem),
                             uat_buf_span(&info), key, 32);
    }
    uat_buf_free(&pem); /* wiped */
    uat_buf_free(&info);
    uat_sim_attest_cache_free(owned);
    return rc;
}
