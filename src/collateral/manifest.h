/* The collateral manifest shared by signed bundles and `uattest collateral fetch`. */
#ifndef UAT_COLLATERAL_MANIFEST_H
#define UAT_COLLATERAL_MANIFEST_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/codec.h"
#include "uattest/err.h"

/* The manifest of every file under dir but manifest.json / manifest.jws, created = now: per file
 * path, sha256, size, kind, valid_from / valid_until when its content has a validity window, and
 * source / fetched copied from prev (an earlier manifest, may be NULL) for the same path and
 * content. */
UAT_MUST_USE uat_err uat_bundle_manifest(const char *dir, int64_t now, const json_t *prev,
                                         json_t **out);

/* The validity window of one collateral object from its own content: a signed Intel JSON
 * (issueDate..nextUpdate of its top-level object), CRLs (thisUpdate..nextUpdate) or certificates
 * (notBefore..notAfter), DER or PEM; several narrow the window. Both 0 when it has none. Shared by
 * the manifest and uattestd's collateral cache (src/service/routes_pccs.c). */
void uat_collateral_validity(uat_span b, uat_time *from, uat_time *until);

#endif
