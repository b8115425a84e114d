/* Trust anchors from a trust directory: <trust_dir>/<tee>/<files>. */
#ifndef UAT_COLLATERAL_TRUST_H
#define UAT_COLLATERAL_TRUST_H

#include "crypto/crypto.h"

/* Public keys from every PEM file (SPKI public keys or certificates) under <trust_dir>/<tee>/.
 * USAGE_NO_TRUST_ANCHOR when none is configured. */
typedef struct uat_key_list {
    uat_key **keys;
    size_t n;
} uat_key_list;

/* The folder a TEE reads under a trust or collateral root: <root>/<name> when that directory
 * exists, else <root> itself (a root that serves one TEE family may hold its files directly).
 * malloc'd; NULL on no memory. */
char *uat_tee_dir(const char *root, const char *name);

/* Every certificate (DER or PEM files, *.der *.pem *.crt *.cer) under uat_tee_dir(trust_dir, tee).
 * USAGE_NO_TRUST_ANCHOR when none. */
UAT_MUST_USE uat_err uat_trust_load_certs(const char *trust_dir, const char *tee,
                                          uat_der_list *out);

UAT_MUST_USE uat_err uat_trust_load_keys(const char *trust_dir, const char *tee,
                                         uat_key_list *out);
void uat_key_list_free(uat_key_list *l);

/* Calls fn for every file of uat_tee_dir(root, tee), in name order, stopping at the first error;
 * VERIFY_COLLATERAL when the directory does not exist. */
UAT_MUST_USE uat_err uat_collateral_each_file(const char *root, const char *tee,
                                              uat_err (*fn)(void *ud, const char *path),
                                              void *ud);

#endif
