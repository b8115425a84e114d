/* Signed offline collateral bundles (docs/operations.md): a collateral directory, a manifest of
 * its files (path, sha256, size, kind) and an ES256 JWS over the manifest by an operator key, so
 * an air-gapped verifier can check that the collateral it is given is exactly what was signed. */
#ifndef UATTEST_BUNDLE_H
#define UATTEST_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "uattest/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UAT_BUNDLE_MANIFEST "manifest.json"
#define UAT_BUNDLE_SIGNATURE "manifest.jws"

/* Writes dir/manifest.json and dir/manifest.jws (a compact JWS, typ "uattest-bundle+json", over
 * the manifest) for every file under dir except those two, signed with the private ES256 JWK
 * (jwk_json, jwk_len bytes: the format of the token key files); created = now. */
UAT_API UAT_MUST_USE uat_err uat_bundle_sign(const char *dir, const char *jwk_json,
                                             size_t jwk_len, int64_t now);
/* Checks dir against its signed manifest: the JWS verifies with a key of the JWKS
 * (VERIFY_SIGNATURE / VERIFY_UNTRUSTED_KEY), manifest.json is the signed payload, and every file
 * has its size and sha256 with none missing or extra (VERIFY_COLLATERAL, field: the path).
 * *files (may be NULL) receives the number of files checked. */
UAT_API UAT_MUST_USE uat_err uat_bundle_verify(const char *dir, const char *jwks_json,
                                               size_t *files);

/* What uat_collateral_fetch did besides writing the directory. */
typedef struct uat_fetch_result {
    uat_err verdict; /* the verification of the evidence with what was fetched */
    char why[512];   /* the verdict's error, formatted; "" when OK */
    size_t files;    /* files fetched and written (manifest.json not counted) */
} uat_fetch_result;

typedef struct uat_verifier uat_verifier;

/* Verifies the evidence with v (its allowed fetches, uat_verifier_set_fetch; a fresh verifier
 * fetches everything it needs) and writes what was fetched into dir, laid out as a collateral
 * directory (dir/<vendor dir>/...: what `uattest verify --collateral dir` reads back), with
 * dir/manifest.json (unsigned; per file path, sha256, size, kind, valid_from/valid_until, source
 * URL and fetch time; `uattest collateral bundle sign` keeps source and time). dir must not exist;
 * it appears whole or not at all. The verdict does not make this fail (collateral may be fetched
 * for evidence that is out of date, or at another time than the evidence's); nothing fetched
 * does: IO_NOT_FOUND, or the verdict's error when verification ended before any fetch. */
UAT_API UAT_MUST_USE uat_err uat_collateral_fetch(uat_verifier *v, const uint8_t *evidence,
                                                  size_t n, const char *dir,
                                                  uat_fetch_result *res);

#ifdef __cplusplus
}
#endif
#endif
