/* CMW model, constructors and accessors (draft-ietf-rats-msg-wrap). */
#include "evidence/cmw_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

uat_err uat_cmw_alloc(enum uat_cmw_kind kind, uat_cmw **out)
{
    uat_cmw *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return UAT_NOMEM("cmw.new");
    }
    c->kind = kind;
    c->cf = -1;
    c->ind = -1;
    *out = c;
    return UAT_OK;
}

void uat_cmw_free(uat_cmw *c)
{
    if (c == NULL) {
        return;
    }
    free(c->media_type);
    free(c->value);
    free(c->ctype);
    for (size_t i = 0; i < c->n; i++) {
        free(c->labels[i]);
        uat_cmw_free(c->items[i]);
    }
    free(c->labels);
    free(c->label_is_int);
    free(c->items);
    free(c);
}

static int tchar(char ch)
{
    /* spec: RFC 6838 §4.2 restricted-name-chars */
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$&-^_.+", ch) != NULL);
}

uat_err uat_cmw_check_media_type(const char *s, size_t n, const char *check)
{
    UAT_ENSURE(n > 0 && n <= UAT_MAX_MEDIA_TYPE_LEN, UAT_ERR_PARSE_BAD_VALUE, check, "type", -1);
    size_t i = 0;
    size_t type_len = 0;
    while (i < n && tchar(s[i])) {
        i++;
        type_len++;
    }
    UAT_ENSURE(type_len > 0 && type_len <= 127 && i < n && s[i] == '/', UAT_ERR_PARSE_BAD_VALUE,
               check, "type", (int64_t)i);
    i++;
    size_t sub_len = 0;
    while (i < n && tchar(s[i])) {
        i++;
        sub_len++;
    }
    UAT_ENSURE(sub_len > 0 && sub_len <= 127, UAT_ERR_PARSE_BAD_VALUE, check, "type", (int64_t)i);
    /* spec: RFC 9110 §8.3.1: media-type = type "/" subtype *( OWS ";" OWS parameter ) */
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    UAT_ENSURE(i == n ? i == type_len + 1 + sub_len : s[i] == ';', UAT_ERR_PARSE_BAD_VALUE, check,
               "type", (int64_t)i);
    /* parameters: printable ASCII only; their syntax is the media type's business */
    for (; i < n; i++) {
        UAT_ENSURE(s[i] >= 0x20 && s[i] < 0x7f, UAT_ERR_PARSE_BAD_VALUE, check, "type", (int64_t)i);
    }
    return UAT_OK;
}

uat_err uat_cmw_check_indicator(int64_t ind, const char *check)
{
    /* spec: draft-ietf-rats-msg-wrap §4.1: four defined bits; the rest are reserved */
    UAT_ENSURE(ind >= 0 && ind <= 15, UAT_ERR_PARSE_BAD_VALUE, check, "ind", -1);
    return UAT_OK;
}

uat_err uat_cmw_set_value(uat_cmw *c, const uint8_t *p, size_t n)
{
    UAT_ENSURE(n <= UAT_MAX_EVIDENCE_BYTES, UAT_ERR_RESOURCE_LIMIT, "cmw", "value", -1);
    uint8_t *v = malloc(n > 0 ? n : 1);
    if (v == NULL) {
        return UAT_NOMEM("cmw.value");
    }
    if (n > 0) {
        memcpy(v, p, n);
    }
    free(c->value);
    c->value = v;
    c->value_len = n;
    return UAT_OK;
}

static uat_err grow_entries(uat_cmw *c)
{
    size_t nn = c->n + 1;
    char **labels = realloc(c->labels, nn * sizeof(*labels));
    if (labels != NULL) {
        c->labels = labels;
    }
    int *is_int = realloc(c->label_is_int, nn * sizeof(*is_int));
    if (is_int != NULL) {
        c->label_is_int = is_int;
    }
    uat_cmw **items = realloc(c->items, nn * sizeof(*items));
    if (items != NULL) {
        c->items = items;
    }
    if (labels == NULL || is_int == NULL || items == NULL) {
        return UAT_NOMEM("cmw.collection");
    }
    return UAT_OK;
}

uat_err uat_cmw_add_entry(uat_cmw *c, const char *label, size_t label_len, int is_int,
                          uat_cmw *item, const char *check)
{
    UAT_ENSURE(c->kind == UAT_CMW_COLLECTION, UAT_ERR_USAGE_BAD_STATE, check, "", -1);
    UAT_ENSURE(c->n < UAT_MAX_CMW_ENTRIES, UAT_ERR_RESOURCE_LIMIT, check, "entries", -1);
    UAT_ENSURE(label_len > 0 && label_len <= UAT_MAX_LABEL_LEN && memchr(label, 0, label_len) == NULL,
               UAT_ERR_PARSE_BAD_VALUE, check, "label", -1);
    UAT_ENSURE(strncmp(label, "__cmwc_t", label_len) != 0 || label_len != 8,
               UAT_ERR_PARSE_BAD_VALUE, check, "label", -1);
    for (size_t i = 0; i < c->n; i++) {
        if (strlen(c->labels[i]) == label_len && memcmp(c->labels[i], label, label_len) == 0) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "label", -1, "duplicate label %.*s",
                             (int)label_len, label);
        }
    }
    UAT_TRY(grow_entries(c));
    char *copy = uat_strndup(label, label_len);
    if (copy == NULL) {
        return UAT_NOMEM(check);
    }
    c->labels[c->n] = copy;
    c->label_is_int[c->n] = is_int;
    c->items[c->n] = item;
    c->n++;
    return UAT_OK;
}

static uat_err record_new(const uint8_t *value, size_t n, unsigned indicator, uat_cmw **out)
{
    UAT_TRY(uat_cmw_check_indicator(indicator, "cmw.record"));
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_RECORD, &c));
    uat_err rc = uat_cmw_set_value(c, value, n);
    if (rc != UAT_OK) {
        uat_cmw_free(c);
        return rc;
    }
    c->ind = indicator == 0 ? -1 : (int)indicator;
    *out = c;
    return UAT_OK;
}

uat_err uat_cmw_record_new(const char *media_type, const uint8_t *value, size_t n,
                           unsigned indicator, uat_cmw **out)
{
    UAT_ENSURE(media_type != NULL && (value != NULL || n == 0) && out != NULL,
               UAT_ERR_USAGE_INVALID_ARGUMENT, "cmw.record", "", -1);
    UAT_TRY(uat_cmw_check_media_type(media_type, strlen(media_type), "cmw.record"));
    uat_cmw *c = NULL;
    UAT_TRY(record_new(value, n, indicator, &c));
    c->media_type = strdup(media_type);
    if (c->media_type == NULL) {
        uat_cmw_free(c);
        return UAT_NOMEM("cmw.record");
    }
    *out = c;
    return UAT_OK;
}

uat_err uat_cmw_record_new_cf(uint16_t content_format, const uint8_t *value, size_t n,
                              unsigned indicator, uat_cmw **out)
{
    UAT_ENSURE((value != NULL || n == 0) && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "cmw.record", "", -1);
    uat_cmw *c = NULL;
    UAT_TRY(record_new(value, n, indicator, &c));
    c->cf = content_format;
    *out = c;
    return UAT_OK;
}

uat_err uat_cmw_tag_new(uint64_t tag, const uint8_t *value, size_t n, uat_cmw **out)
{
    UAT_ENSURE((value != NULL || n == 0) && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "cmw.tag",
               "", -1);
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_TAG, &c));
    uat_err rc = uat_cmw_set_value(c, value, n);
    if (rc != UAT_OK) {
        uat_cmw_free(c);
        return rc;
    }
    c->tag = tag;
    *out = c;
    return UAT_OK;
}

uat_err uat_cmw_collection_new(const char *ctype, uat_cmw **out)
{
    UAT_ENSURE(out != NULL && (ctype == NULL || ctype[0] != '\0'), UAT_ERR_USAGE_INVALID_ARGUMENT,
               "cmw.collection", "", -1);
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_COLLECTION, &c));
    if (ctype != NULL) {
        c->ctype = strdup(ctype);
        if (c->ctype == NULL) {
            uat_cmw_free(c);
            return UAT_NOMEM("cmw.collection");
        }
    }
    *out = c;
    return UAT_OK;
}

uat_err uat_cmw_collection_add(uat_cmw *c, const char *label, uat_cmw *item)
{
    UAT_ENSURE(c != NULL && label != NULL && item != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               "cmw.collection", "", -1);
    return uat_cmw_add_entry(c, label, strlen(label), 0, item, "cmw.collection");
}

enum uat_cmw_kind uat_cmw_kind(const uat_cmw *c) { return c->kind; }
enum uat_cmw_format uat_cmw_source_format(const uat_cmw *c) { return c->src; }
const char *uat_cmw_media_type(const uat_cmw *c) { return c->media_type; }
int32_t uat_cmw_content_format(const uat_cmw *c) { return c->cf; }
uint64_t uat_cmw_tag(const uat_cmw *c) { return c->kind == UAT_CMW_TAG ? c->tag : 0; }
unsigned uat_cmw_indicator(const uat_cmw *c) { return c->ind < 0 ? 0u : (unsigned)c->ind; }
const char *uat_cmw_collection_type(const uat_cmw *c) { return c->ctype; }
size_t uat_cmw_count(const uat_cmw *c) { return c->kind == UAT_CMW_COLLECTION ? c->n : 0; }

void uat_cmw_value(const uat_cmw *c, const uint8_t **p, size_t *n)
{
    *p = c->value;
    *n = c->value_len;
}

const char *uat_cmw_label(const uat_cmw *c, size_t i)
{
    return c->kind == UAT_CMW_COLLECTION && i < c->n ? c->labels[i] : NULL;
}

const uat_cmw *uat_cmw_item(const uat_cmw *c, size_t i)
{
    return c->kind == UAT_CMW_COLLECTION && i < c->n ? c->items[i] : NULL;
}

uat_err uat_cmw_parse(const uint8_t *p, size_t n, uat_cmw **out)
{
    UAT_ENSURE(p != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "cmw", "", -1);
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    if (i < n && (p[i] == '[' || p[i] == '{')) {
        return uat_cmw_parse_json(p, n, out);
    }
    return uat_cmw_parse_cbor(p, n, out);
}

/* What serialize writes must parse again: no empty collections, no deeper nesting than parsed. */
static uat_err check_writable(const uat_cmw *c, unsigned depth)
{
    UAT_ENSURE(depth <= UAT_MAX_CMW_DEPTH, UAT_ERR_USAGE_BAD_STATE, "cmw", "", -1);
    if (c->kind != UAT_CMW_COLLECTION) {
        return UAT_OK;
    }
    UAT_ENSURE(c->n > 0, UAT_ERR_USAGE_BAD_STATE, "cmw", "collection", -1);
    for (size_t i = 0; i < c->n; i++) {
        UAT_TRY(check_writable(c->items[i], depth + 1));
    }
    return UAT_OK;
}

uat_err uat_cmw_serialize(const uat_cmw *c, enum uat_cmw_format f, uint8_t **out, size_t *n)
{
    UAT_ENSURE(c != NULL && out != NULL && n != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "cmw", "", -1);
    UAT_TRY(check_writable(c, 0));
    uat_buf b;
    uat_buf_init(&b, UAT_MAX_CMW_TEXT_BYTES);
    uat_err rc = f == UAT_CMW_JSON   ? uat_cmw_json_serialize(c, &b)
                 : f == UAT_CMW_CBOR ? uat_cmw_cbor_serialize(c, &b)
                                     : UAT_FAIL(UAT_ERR_USAGE_INVALID_ARGUMENT, "cmw", "format", -1);
    if (rc == UAT_OK) {
        rc = uat_buf_terminate(&b);
    }
    if (rc != UAT_OK) {
        uat_buf_free(&b);
        return rc;
    }
    uat_buf_take(&b, out, n);
    return UAT_OK;
}
