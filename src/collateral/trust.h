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

UAT_MUST_USE uat_err uat_trust_load_keys(const char *trust_dir, const char *tee,
                                         uat_key_list *out);
void uat_key_list_free(uat_key_list *l);

#endif
