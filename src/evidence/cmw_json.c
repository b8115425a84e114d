/* CMW JSON serialization (draft-ietf-rats-msg-wrap §4.1 JSON record, §5 collection). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "evidence/cmw_int.h"

#define CHECK "cmw.json"

static uat_err from_json(json_t *j, unsigned depth, uat_cmw **out);

static uat_err record_from_json(json_t *a, uat_cmw **out)
{
    size_t n = json_array_size(a);
    UAT_ENSURE(n == 2 || n == 3, UAT_ERR_PARSE_BAD_JSON, CHECK, "record", -1);
    json_t *type = json_array_get(a, 0);
    json_t *value = json_array_get(a, 1);
    UAT_ENSURE(json_is_string(type), UAT_ERR_PARSE_BAD_JSON, CHECK, "type", -1);
    UAT_ENSURE(json_is_string(value), UAT_ERR_PARSE_BAD_JSON, CHECK, "value", -1);
    UAT_TRY(uat_cmw_check_media_type(json_string_value(type), json_string_length(type), CHECK));
    int64_t ind = -1;
    if (n == 3) {
        json_t *ji = json_array_get(a, 2);
        UAT_ENSURE(json_is_integer(ji), UAT_ERR_PARSE_BAD_JSON, CHECK, "ind", -1);
        ind = (int64_t)json_integer_value(ji);
        UAT_TRY(uat_cmw_check_indicator(ind, CHECK));
    }
    uat_buf bytes;
    uat_buf_init(&bytes, UAT_MAX_EVIDENCE_BYTES);
    uat_cmw *c = NULL;
    uat_err rc;
    UAT_TRY_GOTO(rc, uat_b64_decode(json_string_value(value), json_string_length(value),
                                    UAT_B64_URL, &bytes), fail);
    UAT_TRY_GOTO(rc, uat_cmw_alloc(UAT_CMW_RECORD, &c), fail);
    UAT_TRY_GOTO(rc, uat_cmw_set_value(c, bytes.p, bytes.len), fail);
    c->media_type = uat_strndup(json_string_value(type), json_string_length(type));
    if (c->media_type == NULL) {
        rc = UAT_NOMEM(CHECK);
        goto fail;
    }
    c->ind = (int)ind;
    *out = c;
    uat_buf_free(&bytes);
    return UAT_OK;
fail:
    if (rc == UAT_ERR_PARSE_BAD_ENCODING) {
        rc = UAT_FAILF(rc, CHECK, "value", -1, "the value is not base64url");
    }
    uat_cmw_free(c);
    uat_buf_free(&bytes);
    return rc;
}

static uat_err collection_from_json(json_t *o, unsigned depth, uat_cmw **out)
{
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_COLLECTION, &c));
    uat_err rc = UAT_OK;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "__cmwc_t") == 0) {
            UAT_ENSURE_GOTO(rc, json_is_string(v) && json_string_length(v) > 0, UAT_ERR_PARSE_BAD_JSON,
                            CHECK, "__cmwc_t", -1, fail);
            c->ctype = strdup(json_string_value(v));
            UAT_ENSURE_GOTO(rc, c->ctype != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "", -1, fail);
            continue;
        }
        uat_cmw *item = NULL;
        UAT_TRY_GOTO(rc, from_json(v, depth + 1, &item), fail);
        rc = uat_cmw_add_entry(c, key, strlen(key), 0, item, CHECK);
        if (rc != UAT_OK) {
            uat_cmw_free(item);
            goto fail;
        }
    }
    UAT_ENSURE_GOTO(rc, c->n > 0, UAT_ERR_PARSE_BAD_JSON, CHECK, "collection", -1, fail);
    *out = c;
    return UAT_OK;
fail:
    uat_cmw_free(c);
    return rc;
}

static uat_err from_json(json_t *j, unsigned depth, uat_cmw **out)
{
    UAT_ENSURE(depth <= UAT_MAX_CMW_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", -1);
    if (json_is_array(j)) {
        return record_from_json(j, out);
    }
    if (json_is_object(j)) {
        return collection_from_json(j, depth, out);
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_JSON, CHECK, "", -1,
                     "a CMW is a JSON array (record) or object (collection)");
}

uat_err uat_cmw_parse_json(const uint8_t *p, size_t n, uat_cmw **out)
{
    UAT_ENSURE(p != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(n <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    json_error_t jerr;
    json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        uat_err e = json_error_code(&jerr) == json_error_stack_overflow ? UAT_ERR_PARSE_TOO_DEEP
                                                                        : UAT_ERR_PARSE_BAD_JSON;
        return UAT_FAILF(e, CHECK, "", (int64_t)jerr.position, "%s", jerr.text);
    }
    uat_cmw *c = NULL;
    uat_err rc = from_json(j, 0, &c);
    json_decref(j);
    if (rc == UAT_OK) {
        c->src = UAT_CMW_JSON;
        *out = c;
    }
    return rc;
}

static uat_err to_json(const uat_cmw *c, json_t **out);

static uat_err record_to_json(const uat_cmw *c, json_t **out)
{
    UAT_ENSURE(c->kind == UAT_CMW_RECORD && c->media_type != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK, "type", -1);
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    UAT_TRY(uat_b64_encode(c->value, c->value_len, UAT_B64_URL, &b));
    json_t *a = json_array();
    int bad = a == NULL || json_array_append_new(a, json_string(c->media_type)) != 0 ||
              json_array_append_new(a, json_stringn((const char *)b.p, b.len)) != 0 ||
              (c->ind >= 0 && json_array_append_new(a, json_integer(c->ind)) != 0);
    uat_buf_free(&b);
    if (bad) {
        json_decref(a);
        return UAT_NOMEM(CHECK);
    }
    *out = a;
    return UAT_OK;
}

static uat_err to_json(const uat_cmw *c, json_t **out)
{
    if (c->kind != UAT_CMW_COLLECTION) {
        UAT_ENSURE(c->kind == UAT_CMW_RECORD && c->media_type != NULL,
                   UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "type", -1);
        return record_to_json(c, out);
    }
    json_t *o = json_object();
    if (o == NULL || (c->ctype != NULL && json_object_set_new(o, "__cmwc_t", json_string(c->ctype)))) {
        json_decref(o);
        return UAT_NOMEM(CHECK);
    }
    for (size_t i = 0; i < c->n; i++) {
        json_t *item = NULL;
        uat_err rc = to_json(c->items[i], &item);
        if (rc == UAT_OK && json_object_set_new(o, c->labels[i], item) != 0) {
            rc = UAT_NOMEM(CHECK);
        }
        if (rc != UAT_OK) {
            json_decref(o);
            return rc;
        }
    }
    *out = o;
    return UAT_OK;
}

uat_err uat_cmw_json_serialize(const uat_cmw *c, uat_buf *out)
{
    json_t *j = NULL;
    UAT_TRY(to_json(c, &j));
    /* jansson keeps object members in insertion order, so collections round-trip */
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (s == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = uat_buf_append_str(out, s);
    free(s);
    return rc;
}
