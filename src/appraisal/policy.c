/* Appraisal policies: declarative JSON rules per AR4SI trustworthiness claim, or a Lua script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appraisal/appraisal_int.h"
#include "appraisal/lua.h"
#include "crypto/crypto.h"

#define CHECK "policy"

struct uat_policy {
    char *id;
    json_t *decl;   /* declarative: {"id", "trustworthiness": {claim: [rules]}} */
    char *script;   /* Lua */
    size_t script_len;
};

const char *const uat_tw_names[8] = {"instance-identity", "configuration", "executables",
                                     "file-system",       "hardware",      "runtime-opaque",
                                     "storage-opaque",    "sourced-data"};

/* The built-in policy (docs/appraisal.md): reference values decide executables and configuration,
 * the TCB status decides hardware, debug decides runtime-opaque; sim makes no hardware claim. */
static const char default_policy[] =
    "{\"id\":\"uattest:default-v1\",\"trustworthiness\":{"
    "\"executables\":[{\"reference\":[\"measurement\",\"signer\",\"product_id\",\"svn\","
    "\"tee_claims.mr_*\",\"tee_claims.rtmr*\",\"tee_claims.pcr*\",\"tee_claims.image_id\","
    "\"tee_claims.family_id\"],\"match\":2,\"mismatch\":96,\"absent\":33}],"
    "\"configuration\":[{\"reference\":[\"debug\",\"tee_claims.*\",\"platform.*\","
    "\"!tee_claims.mr_*\",\"!tee_claims.rtmr*\",\"!tee_claims.pcr*\",\"!tee_claims.image_id\","
    "\"!tee_claims.family_id\"],\"match\":2,\"insecure\":32,\"mismatch\":96}],"
    "\"hardware\":[{\"when_tee\":[\"sim\"],\"value\":0},{\"reference\":[\"tcb.status\"],"
    "\"match\":2,\"insecure\":32,\"mismatch\":96,\"absent\":2}],"
    "\"runtime-opaque\":[{\"when_tee\":[\"sim\"],\"value\":0},{\"reference\":[\"debug\"],"
    "\"match\":2,\"insecure\":32,\"mismatch\":96}]}}";

static int tw_name_ok(const char *k)
{
    for (size_t i = 0; i < 8; i++) {
        if (strcmp(uat_tw_names[i], k) == 0) {
            return 1;
        }
    }
    return 0;
}

static int code_ok(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= -128 && json_integer_value(v) <= 127;
}

static int strings(json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0) {
        return 0;
    }
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v)) {
            return 0;
        }
    }
    return 1;
}

/* A rule is {"when_tee": [..], "value": n} | {"claim": path, "equals": v, "value": n} |
 * {"reference": [patterns], "match": n, "mismatch": n, "insecure"?: n, "absent"?: n}. */
static uat_err check_rule(json_t *r, const char *claim)
{
    UAT_ENSURE(json_is_object(r), UAT_ERR_PARSE_BAD_JSON, CHECK, claim, -1);
    const char *k;
    json_t *v;
    json_object_foreach(r, k, v)
    {
        int ok = strcmp(k, "when_tee") == 0 || strcmp(k, "reference") == 0   ? strings(v)
                 : strcmp(k, "claim") == 0                                  ? json_is_string(v)
                 : strcmp(k, "equals") == 0                                 ? v != NULL
                 : strcmp(k, "value") == 0 || strcmp(k, "match") == 0 ||
                         strcmp(k, "mismatch") == 0 || strcmp(k, "insecure") == 0 ||
                         strcmp(k, "absent") == 0
                     ? code_ok(v)
                     : 0;
        UAT_ENSURE(ok, UAT_ERR_PARSE_BAD_VALUE, CHECK, claim, -1);
    }
    int ref = json_object_get(r, "reference") != NULL;
    int cmp = json_object_get(r, "claim") != NULL;
    UAT_ENSURE(ref ? json_object_get(r, "match") && json_object_get(r, "mismatch") && !cmp
                   : json_object_get(r, "value") != NULL &&
                         (cmp == (json_object_get(r, "equals") != NULL)),
               UAT_ERR_PARSE_BAD_VALUE, CHECK, claim, -1);
    return UAT_OK;
}

static uat_err check_decl(json_t *d)
{
    UAT_ENSURE(json_is_object(d) && json_string_length(json_object_get(d, "id")) > 0,
               UAT_ERR_PARSE_BAD_JSON, CHECK, "id", -1);
    json_t *tw = json_object_get(d, "trustworthiness");
    UAT_ENSURE(json_is_object(tw) && json_object_size(d) == 2, UAT_ERR_PARSE_BAD_JSON, CHECK,
               "trustworthiness", -1);
    const char *k;
    json_t *rules;
    json_object_foreach(tw, k, rules)
    {
        UAT_ENSURE(tw_name_ok(k) && json_is_array(rules), UAT_ERR_PARSE_BAD_VALUE, CHECK, k, -1);
        size_t i;
        json_t *r;
        json_array_foreach(rules, i, r)
        {
            UAT_TRY(check_rule(r, k));
        }
    }
    return UAT_OK;
}

static const uat_lua_limits lua_limits = {10000000u, 16u * 1024u * 1024u};

static uat_err parse_lua(const char *text, size_t n, uat_policy *p)
{
    UAT_TRY(uat_lua_check(text, n, &lua_limits));
    p->script = malloc(n + 1);
    if (p->script == NULL) {
        return UAT_NOMEM(CHECK);
    }
    memcpy(p->script, text, n);
    p->script[n] = '\0';
    p->script_len = n;
    /* the id names the exact script: a changed script is another policy */
    uint8_t h[32];
    uat_span part = uat_span_of(text, n);
    UAT_TRY(uat_hash(UAT_HASH_SHA256, &part, 1, h));
    char hex[65], id[80];
    uat_hex_encode(h, 16, hex);
    snprintf(id, sizeof(id), "lua:sha256:%s", hex);
    p->id = strdup(id);
    return p->id ? UAT_OK : UAT_NOMEM(CHECK);
}

uat_err uat_policy_parse(const char *text, size_t n, uat_policy **out)
{
    UAT_ENSURE(text != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    uat_policy *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    size_t i = 0;
    while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) {
        i++;
    }
    uat_err rc;
    if (i < n && text[i] == '{') {
        json_error_t jerr;
        p->decl = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
        rc = p->decl ? check_decl(p->decl)
                     : UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", (int64_t)jerr.position,
                                 "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        if (rc == UAT_OK && (p->id = strdup(json_string_value(json_object_get(p->decl, "id")))) == NULL) {
            rc = UAT_NOMEM(CHECK);
        }
    } else {
        rc = parse_lua(text, n, p);
    }
    if (rc != UAT_OK) {
        uat_policy_free(p);
        return rc;
    }
    *out = p;
    return UAT_OK;
}

uat_err uat_policy_default(uat_policy **out)
{
    return uat_policy_parse(default_policy, sizeof(default_policy) - 1, out);
}

const char *uat_policy_id(const uat_policy *p)
{
    return p->id;
}

void uat_policy_free(uat_policy *p)
{
    if (p != NULL) {
        free(p->id);
        json_decref(p->decl);
        free(p->script);
        free(p);
    }
}

/* Policy evaluation lives in ear.c; these give it what it needs. */
json_t *uat_policy_decl(const uat_policy *p)
{
    return p->decl;
}

const char *uat_policy_script(const uat_policy *p, size_t *len)
{
    *len = p->script_len;
    return p->script;
}

const uat_lua_limits *uat_policy_lua_limits(void)
{
    return &lua_limits;
}
