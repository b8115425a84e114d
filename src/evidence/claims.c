/* Normalized claims: one JSON document with stable names (DESIGN.md section 4). */
#include "evidence/claims_int.h"

#include <stdlib.h>
#include <string.h>

uat_err uat_json_set(json_t *o, const char *name, json_t *v)
{
    if (v == NULL) {
        return UAT_NOMEM("claims.set");
    }
    if (json_object_set_new(o, name, v) != 0) {
        return UAT_NOMEM("claims.set");
    }
    return UAT_OK;
}

uat_err uat_json_set_hex(json_t *o, const char *name, const uint8_t *p, size_t n)
{
    char small[2 * 128 + 1]; /* digests and report data: no allocation */
    if (n <= 128) {
        uat_hex_encode(p, n, small);
        return uat_json_set(o, name, json_stringn_nocheck(small, 2 * n)); /* hex is ASCII */
    }
    uat_buf b;
    uat_buf_init(&b, 2 * n + 1);
    uat_err rc = uat_hex_encode_buf(p, n, &b);
    if (rc == UAT_OK) {
        rc = uat_json_set(o, name, json_stringn_nocheck((const char *)b.p, b.len));
    }
    uat_buf_free(&b);
    return rc;
}

uat_err uat_json_only_members(const json_t *o, const char *const *names, const char *check,
                              const char *field)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        (void)v;
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], k) != 0) {
            i++;
        }
        if (names[i] == NULL) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, check, field, -1, "%s%sunknown member \"%.64s\"",
                             field, field[0] != '\0' ? " has an " : "", k);
        }
    }
    return UAT_OK;
}

int uat_json_text_lacks(uat_span text, const char *name)
{
    size_t n = strlen(name);
    if (text.p == NULL) {
        return 1;
    }
    /* memchr to each quote and each backslash: far fewer than the bytes */
    for (const uint8_t *q = memchr(text.p, '"', text.len); q != NULL;
         q = memchr(q + 1, '"', text.len - (size_t)(q + 1 - text.p))) {
        size_t rest = text.len - (size_t)(q - text.p);
        if (rest >= n + 2 && memcmp(q + 1, name, n) == 0 && q[n + 1] == '"') {
            return 0;
        }
    }
    for (const uint8_t *b = memchr(text.p, '\\', text.len); b != NULL;
         b = memchr(b + 1, '\\', text.len - (size_t)(b + 1 - text.p))) {
        if ((size_t)(b + 1 - text.p) < text.len && b[1] == 'u') {
            return 0;
        }
    }
    return 1;
}

uat_err uat_json_set_int(json_t *o, const char *name, int64_t v)
{
    return uat_json_set(o, name, json_integer((json_int_t)v));
}

uat_err uat_json_set_bool(json_t *o, const char *name, int v)
{
    return uat_json_set(o, name, json_boolean(v));
}

uat_err uat_json_set_str(json_t *o, const char *name, const char *v)
{
    return uat_json_set(o, name, json_string(v));
}

uat_err uat_json_set_time(json_t *o, const char *name, uat_time t)
{
    char text[32];
    UAT_TRY(uat_time_format(t, text));
    return uat_json_set_str(o, name, text);
}

uat_err uat_claims_new(const char *tee, uat_claims **out)
{
    uat_claims *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("claims.new");
    }
    c->doc = json_object();
    c->tee_claims = json_object();
    if (c->doc == NULL || c->tee_claims == NULL || uat_json_set_str(c->doc, "tee", tee) != UAT_OK ||
        json_object_set(c->doc, "tee_claims", c->tee_claims) != 0) {
        json_decref(c->tee_claims);
        json_decref(c->doc);
        free(c);
        return UAT_NOMEM("claims.new");
    }
    json_decref(c->tee_claims); /* doc holds it; the pointer stays valid while doc lives */
    *out = c;
    return UAT_OK;
}

json_t *uat_claims_doc(const uat_claims *c)
{
    return c->doc;
}

json_t *uat_claims_tee_obj(const uat_claims *c)
{
    return c->tee_claims;
}

void uat_claims_free(uat_claims *c)
{
    if (c != NULL) {
        json_decref(c->doc);
        free(c);
    }
}

const char *uat_claims_tee(const uat_claims *c)
{
    return json_string_value(json_object_get(c->doc, "tee"));
}

const char *uat_claims_get_string(const uat_claims *c, const char *name)
{
    return json_string_value(json_object_get(c->doc, name));
}

uat_err uat_claims_get_int(const uat_claims *c, const char *name, int64_t *out)
{
    json_t *v = json_object_get(c->doc, name);
    UAT_ENSURE(json_is_integer(v), UAT_ERR_USAGE_INVALID_ARGUMENT, "claims.get", name, -1);
    *out = (int64_t)json_integer_value(v);
    return UAT_OK;
}

uat_err uat_claims_get_bool(const uat_claims *c, const char *name, int *out)
{
    json_t *v = json_object_get(c->doc, name);
    UAT_ENSURE(json_is_boolean(v), UAT_ERR_USAGE_INVALID_ARGUMENT, "claims.get", name, -1);
    *out = json_is_true(v);
    return UAT_OK;
}

const char *uat_claims_tee_field(const uat_claims *c, const char *name)
{
    return json_string_value(json_object_get(c->tee_claims, name));
}

uat_err uat_claims_to_json(const uat_claims *c, int pretty, char **out)
{
    size_t flags = JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    char *s = json_dumps(c->doc, flags);
    if (s == NULL) {
        return UAT_NOMEM("claims.json");
    }
    *out = s;
    return UAT_OK;
}
