/* Internals shared by the appraisal files. */
#ifndef UAT_APPRAISAL_INT_H
#define UAT_APPRAISAL_INT_H

#include <jansson.h>

#include "core/buf.h"
#include "uattest/appraisal.h"

#define UAT_MAX_REFVALS 1024u

struct uat_refvals {
    json_t *docs; /* array of validated documents */
};

/* The documents for one TEE (borrowed references into r). */
size_t uat_refvals_for_tee(const uat_refvals *r, const char *tee, json_t **out, size_t cap);

/* True when a document for tee lists value (case-insensitively) among the accepted values of path. */
int uat_refvals_pins(const uat_refvals *r, const char *tee, const char *path, const char *value);

/* The claim at a dotted path ("tee_claims.mr_enclave"), or NULL. */
json_t *uat_claim_at(json_t *claims, const char *path);

/* Outcome of checking one reference value document's constraints on the paths that match a set of
 * patterns ("measurement", "tee_claims.*", "!tee_claims.mr_*"). */
typedef struct uat_rv_outcome {
    size_t checked;   /* constrained paths that matched the patterns */
    size_t failed;    /* of those, how many the claims do not satisfy */
    int insecure;     /* a check passed only through an _insecure switch */
    char first_failure[160];
} uat_rv_outcome;

void uat_refvals_check(json_t *doc, json_t *claims, json_t *patterns, uat_rv_outcome *out);

/* AR4SI claim names, in the order of draft-ietf-rats-ar4si. */
extern const char *const uat_tw_names[8];
/* The tier of a trustworthiness value: 0 none, 1 affirming, 2 warning, 3 contraindicated. */
int uat_tw_tier(json_int_t v);
const char *uat_tier_name(int tier);

/* policy.c accessors for ear.c */
json_t *uat_policy_decl(const uat_policy *p); /* NULL for a Lua policy */
const char *uat_policy_script(const uat_policy *p, size_t *len);
struct uat_lua_limits;
const struct uat_lua_limits *uat_policy_lua_limits(void);

#endif
