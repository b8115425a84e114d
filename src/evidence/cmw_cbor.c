/* CMW CBOR serialization (draft-ietf-rats-msg-wrap §4.1 CBOR record, §4.2 tag, §5 collection). */
#include <cbor.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "evidence/cmw_int.h"

#define CHECK "cmw.cbor"

static uat_err from_cbor(cbor_item_t *it, unsigned depth, uat_cmw **out);

static uat_err uint_of(cbor_item_t *it, uint64_t *out)
{
    UAT_ENSURE(cbor_isa_uint(it), UAT_ERR_PARSE_BAD_CBOR, CHECK, "", -1);
    *out = cbor_get_int(it);
    return UAT_OK;
}

static uat_err definite_bytes(cbor_item_t *it, const char *field, uat_span *out)
{
    UAT_ENSURE(cbor_isa_bytestring(it), UAT_ERR_PARSE_BAD_CBOR, CHECK, field, -1);
    UAT_ENSURE(cbor_bytestring_is_definite(it), UAT_ERR_PARSE_BAD_CBOR, CHECK, field, -1);
    *out = uat_span_of(cbor_bytestring_handle(it), cbor_bytestring_length(it));
    return UAT_OK;
}

static uat_err definite_text(cbor_item_t *it, const char *field, uat_span *out)
{
    UAT_ENSURE(cbor_isa_string(it) && cbor_string_is_definite(it), UAT_ERR_PARSE_BAD_CBOR, CHECK,
               field, -1);
    *out = uat_span_of(cbor_string_handle(it), cbor_string_length(it));
    return UAT_OK;
}

static uat_err record_type(uat_cmw *c, cbor_item_t *type)
{
    if (cbor_isa_uint(type)) {
        uint64_t cf = 0;
        UAT_TRY(uint_of(type, &cf));
        /* spec: RFC 7252 §12.3: content-formats are 16-bit */
        UAT_ENSURE(cf <= UINT16_MAX, UAT_ERR_PARSE_BAD_VALUE, CHECK, "type", -1);
        c->cf = (int32_t)cf;
        return UAT_OK;
    }
    uat_span t;
    UAT_TRY(definite_text(type, "type", &t));
    UAT_TRY(uat_cmw_check_media_type((const char *)t.p, t.len, CHECK));
    c->media_type = uat_strndup((const char *)t.p, t.len);
    UAT_ENSURE(c->media_type != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "type", -1);
    return UAT_OK;
}

static uat_err record_from_cbor(cbor_item_t *a, uat_cmw **out)
{
    UAT_ENSURE(cbor_array_is_definite(a), UAT_ERR_PARSE_BAD_CBOR, CHECK, "record", -1);
    size_t n = cbor_array_size(a);
    UAT_ENSURE(n == 2 || n == 3, UAT_ERR_PARSE_BAD_CBOR, CHECK, "record", -1);
    cbor_item_t **v = cbor_array_handle(a);
    uat_span value = {NULL, 0};
    UAT_TRY(definite_bytes(v[1], "value", &value));
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_RECORD, &c));
    uat_err rc;
    UAT_TRY_GOTO(rc, record_type(c, v[0]), fail);
    if (n == 3) {
        uint64_t ind = 0;
        UAT_TRY_GOTO(rc, uint_of(v[2], &ind), fail);
        UAT_TRY_GOTO(rc, uat_cmw_check_indicator(ind > 15 ? -1 : (int64_t)ind, CHECK), fail);
        c->ind = (int)ind;
    }
    UAT_TRY_GOTO(rc, uat_cmw_set_value(c, value.p, value.len), fail);
    *out = c;
    return UAT_OK;
fail:
    uat_cmw_free(c);
    return rc;
}

static uat_err tag_from_cbor(cbor_item_t *t, uat_cmw **out)
{
    cbor_item_t *inner = cbor_tag_item(t);
    uat_span value = {NULL, 0};
    uat_err rc = definite_bytes(inner, "value", &value);
    uat_cmw *c = NULL;
    if (rc == UAT_OK) {
        rc = uat_cmw_tag_new(cbor_tag_value(t), value.p, value.len, &c);
    }
    cbor_decref(&inner);
    if (rc == UAT_OK) {
        *out = c;
    }
    return rc;
}

static uat_err label_of(cbor_item_t *k, char *buf, size_t cap, size_t *len, int *is_int)
{
    if (cbor_isa_uint(k) || cbor_isa_negint(k)) {
        uint64_t v = cbor_get_int(k);
        int n = cbor_isa_uint(k) ? snprintf(buf, cap, "%" PRIu64, v)
                                 : snprintf(buf, cap, "-%" PRIu64, v + 1 == 0 ? v : v + 1);
        /* -2^64 cannot be a label we round-trip exactly */
        UAT_ENSURE(n > 0 && !(cbor_isa_negint(k) && v == UINT64_MAX), UAT_ERR_PARSE_BAD_VALUE,
                   CHECK, "label", -1);
        *len = (size_t)n;
        *is_int = 1;
        return UAT_OK;
    }
    uat_span t;
    UAT_TRY(definite_text(k, "label", &t));
    UAT_ENSURE(t.len < cap, UAT_ERR_PARSE_BAD_VALUE, CHECK, "label", -1);
    memcpy(buf, t.p, t.len);
    buf[t.len] = '\0';
    *len = t.len;
    *is_int = 0;
    return UAT_OK;
}

static uat_err collection_entry(uat_cmw *c, struct cbor_pair *pair, unsigned depth)
{
    char label[UAT_MAX_LABEL_LEN + 1];
    size_t len = 0;
    int is_int = 0;
    UAT_TRY(label_of(pair->key, label, sizeof(label), &len, &is_int));
    if (!is_int && strcmp(label, "__cmwc_t") == 0) {
        uat_span t;
        UAT_ENSURE(c->ctype == NULL, UAT_ERR_PARSE_BAD_CBOR, CHECK, "__cmwc_t", -1);
        UAT_TRY(definite_text(pair->value, "__cmwc_t", &t));
        UAT_ENSURE(t.len > 0, UAT_ERR_PARSE_BAD_CBOR, CHECK, "__cmwc_t", -1);
        c->ctype = uat_strndup((const char *)t.p, t.len);
        UAT_ENSURE(c->ctype != NULL, UAT_ERR_RESOURCE_NO_MEMORY, CHECK, "__cmwc_t", -1);
        return UAT_OK;
    }
    uat_cmw *item = NULL;
    UAT_TRY(from_cbor(pair->value, depth + 1, &item));
    uat_err rc = uat_cmw_add_entry(c, label, len, is_int, item, CHECK);
    if (rc != UAT_OK) {
        uat_cmw_free(item);
    }
    return rc;
}

static uat_err collection_from_cbor(cbor_item_t *m, unsigned depth, uat_cmw **out)
{
    UAT_ENSURE(cbor_map_is_definite(m), UAT_ERR_PARSE_BAD_CBOR, CHECK, "collection", -1);
    UAT_ENSURE(cbor_map_size(m) <= UAT_MAX_CMW_ENTRIES + 1, UAT_ERR_RESOURCE_LIMIT, CHECK,
               "collection", -1);
    uat_cmw *c = NULL;
    UAT_TRY(uat_cmw_alloc(UAT_CMW_COLLECTION, &c));
    struct cbor_pair *pairs = cbor_map_handle(m);
    uat_err rc = UAT_OK;
    for (size_t i = 0; i < cbor_map_size(m); i++) {
        UAT_TRY_GOTO(rc, collection_entry(c, &pairs[i], depth), fail);
    }
    UAT_ENSURE_GOTO(rc, c->n > 0, UAT_ERR_PARSE_BAD_CBOR, CHECK, "collection", -1, fail);
    *out = c;
    return UAT_OK;
fail:
    uat_cmw_free(c);
    return rc;
}

static uat_err from_cbor(cbor_item_t *it, unsigned depth, uat_cmw **out)
{
    UAT_ENSURE(depth <= UAT_MAX_CMW_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", -1);
    switch (cbor_typeof(it)) {
    case CBOR_TYPE_ARRAY:
        return record_from_cbor(it, out);
    case CBOR_TYPE_TAG:
        return tag_from_cbor(it, out);
    case CBOR_TYPE_MAP:
        return collection_from_cbor(it, depth, out);
    default:
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, CHECK, "", -1,
                         "a CMW is a CBOR array, tag or map");
    }
}

#define PRECHECK_DEPTH (2u * UAT_MAX_CMW_DEPTH + 4u)

/* The argument of an item head (RFC 8949 §3): value for ai < 24, else 1/2/4/8 following bytes. */
static uat_err head_arg(uat_reader *r, uint8_t ai, uint64_t *arg)
{
    uint8_t b8;
    uint16_t b16;
    uint32_t b32;
    if (ai < 24) {
        *arg = ai;
        return UAT_OK;
    }
    switch (ai) {
    case 24: UAT_TRY(uat_rd_u8(r, "", &b8)); *arg = b8; return UAT_OK;
    case 25: UAT_TRY(uat_rd_u16be(r, "", &b16)); *arg = b16; return UAT_OK;
    case 26: UAT_TRY(uat_rd_u32be(r, "", &b32)); *arg = b32; return UAT_OK;
    case 27: return uat_rd_u64be(r, "", arg);
    default:
        *arg = UINT64_MAX; /* indefinite or reserved: left to the decoder and the shape checks */
        return UAT_OK;
    }
}

#define UNTIL_BREAK UINT64_MAX /* the items of an indefinite-length item: up to its break */

/* Before libcbor allocates anything: nesting within bounds, no count or length the input cannot
 * hold (every item takes at least one byte). Indefinite-length items are walked to their break
 * like the others (the shape checks refuse them later, naming the field): libcbor decodes what
 * follows their head, so what follows must be checked too. */
static uat_err precheck(const uint8_t *p, size_t n)
{
    uat_reader r;
    uat_rd_init(&r, uat_span_of(p, n), CHECK);
    uint64_t pending[PRECHECK_DEPTH];
    size_t depth = 0;
    uint64_t items = 1;
    while (items > 0 || depth > 0) {
        if (items == 0) {
            items = pending[--depth];
            continue;
        }
        uint8_t ib;
        uint64_t arg = 0;
        UAT_TRY(uat_rd_u8(&r, "", &ib));
        if (ib == 0xff) { /* spec: RFC 8949 §3.2.1: the "break" stop code */
            UAT_ENSURE(items == UNTIL_BREAK, UAT_ERR_PARSE_BAD_CBOR, CHECK, "", uat_rd_pos(&r) - 1);
            items = pending[--depth];
            continue;
        }
        items = items == UNTIL_BREAK ? items : items - 1;
        uint8_t major = ib >> 5;
        if ((ib & 31) == 31 && major >= 2 && major <= 5) {
            UAT_ENSURE(depth < PRECHECK_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", uat_rd_pos(&r));
            pending[depth++] = items;
            items = UNTIL_BREAK;
            continue;
        }
        UAT_TRY(major == 7 && (ib & 31) < 24 ? UAT_OK : head_arg(&r, ib & 31, &arg));
        if (arg == UINT64_MAX && (ib & 31) > 27) {
            return UAT_OK; /* reserved: the decoder stops here and names it */
        }
        if (major == 2 || major == 3) {
            UAT_TRY(arg <= SIZE_MAX ? uat_rd_skip(&r, (size_t)arg, "")
                                    : UAT_FAIL(UAT_ERR_PARSE_TRUNCATED, CHECK, "", uat_rd_pos(&r)));
        } else if (major == 4 || major == 5 || major == 6) {
            uint64_t half = arg > UINT64_MAX / 2 ? UINT64_MAX / 2 : arg;
            uint64_t count = major == 6 ? 1 : major == 5 ? 2 * half : arg;
            UAT_ENSURE(count <= uat_rd_left(&r), UAT_ERR_PARSE_TRUNCATED, CHECK, "", uat_rd_pos(&r));
            UAT_ENSURE(depth < PRECHECK_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", uat_rd_pos(&r));
            pending[depth++] = items;
            items = count;
        }
    }
    return uat_rd_end(&r);
}

uat_err uat_cmw_parse_cbor(const uint8_t *p, size_t n, uat_cmw **out)
{
    UAT_ENSURE(p != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    UAT_ENSURE(n <= UAT_MAX_CMW_TEXT_BYTES, UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1);
    UAT_ENSURE(n > 0, UAT_ERR_PARSE_TRUNCATED, CHECK, "", 0);
    UAT_TRY(precheck(p, n));
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(p, n, &res);
    if (it == NULL) {
        /* libcbor reports impossible item counts and nesting past its stack as a memory error:
         * for input already capped in size, that is malformed CBOR, not an exhausted machine */
        uat_err e = res.error.code == CBOR_ERR_NOTENOUGHDATA ? UAT_ERR_PARSE_TRUNCATED
                                                             : UAT_ERR_PARSE_BAD_CBOR;
        return UAT_FAILF(e, CHECK, "", (int64_t)res.error.position,
                         res.error.code == CBOR_ERR_MEMERROR
                             ? "too deep or declares more items than the input can hold"
                             : "malformed CBOR");
    }
    uat_err rc = UAT_OK;
    uat_cmw *c = NULL;
    if (res.read != n) {
        rc = UAT_FAILF(UAT_ERR_PARSE_TRAILING_BYTES, CHECK, "", (int64_t)res.read,
                       "%zu bytes after the CMW", n - res.read);
    } else {
        rc = from_cbor(it, 0, &c);
    }
    cbor_decref(&it);
    if (rc == UAT_OK) {
        c->src = UAT_CMW_CBOR;
        *out = c;
    }
    return rc;
}

/* Serialization: definite lengths and the shortest integer encodings (RFC 8949 §4.2.1). */
static cbor_item_t *build_uint(uint64_t v)
{
    if (v <= UINT8_MAX) {
        return cbor_build_uint8((uint8_t)v);
    }
    if (v <= UINT16_MAX) {
        return cbor_build_uint16((uint16_t)v);
    }
    if (v <= UINT32_MAX) {
        return cbor_build_uint32((uint32_t)v);
    }
    return cbor_build_uint64(v);
}

static cbor_item_t *build_label(const char *label, int is_int)
{
    if (!is_int) {
        return cbor_build_string(label);
    }
    if (label[0] == '-') {
        uint64_t v = strtoull(label + 1, NULL, 10) - 1;
        cbor_item_t *it = build_uint(v);
        if (it != NULL) {
            cbor_mark_negint(it);
        }
        return it;
    }
    return build_uint(strtoull(label, NULL, 10));
}

static cbor_item_t *to_cbor(const uat_cmw *c);

static cbor_item_t *record_to_cbor(const uat_cmw *c)
{
    cbor_item_t *a = cbor_new_definite_array(c->ind >= 0 ? 3 : 2);
    if (a == NULL) {
        return NULL;
    }
    cbor_item_t *type = c->media_type ? cbor_build_string(c->media_type) : build_uint((uint64_t)c->cf);
    cbor_item_t *val = cbor_build_bytestring(c->value, c->value_len);
    cbor_item_t *ind = c->ind >= 0 ? build_uint((uint64_t)c->ind) : NULL;
    int ok = type && val && (c->ind < 0 || ind) && cbor_array_push(a, type) &&
             cbor_array_push(a, val) && (c->ind < 0 || cbor_array_push(a, ind));
    if (type) cbor_decref(&type);
    if (val) cbor_decref(&val);
    if (ind) cbor_decref(&ind);
    if (!ok) {
        cbor_decref(&a);
    }
    return a;
}

static cbor_item_t *collection_to_cbor(const uat_cmw *c)
{
    cbor_item_t *m = cbor_new_definite_map(c->n + (c->ctype ? 1 : 0));
    if (m == NULL) {
        return NULL;
    }
    int ok = 1;
    if (c->ctype != NULL) {
        struct cbor_pair pr = {cbor_build_string("__cmwc_t"), cbor_build_string(c->ctype)};
        ok = pr.key && pr.value && cbor_map_add(m, pr);
        if (pr.key) cbor_decref(&pr.key);
        if (pr.value) cbor_decref(&pr.value);
    }
    for (size_t i = 0; ok && i < c->n; i++) {
        struct cbor_pair pr = {build_label(c->labels[i], c->label_is_int[i]), to_cbor(c->items[i])};
        ok = pr.key && pr.value && cbor_map_add(m, pr);
        if (pr.key) cbor_decref(&pr.key);
        if (pr.value) cbor_decref(&pr.value);
    }
    if (!ok) {
        cbor_decref(&m);
    }
    return m;
}

static cbor_item_t *to_cbor(const uat_cmw *c)
{
    if (c->kind == UAT_CMW_RECORD) {
        return record_to_cbor(c);
    }
    if (c->kind == UAT_CMW_TAG) {
        cbor_item_t *b = cbor_build_bytestring(c->value, c->value_len);
        cbor_item_t *t = b ? cbor_build_tag(c->tag, b) : NULL;
        if (b) cbor_decref(&b);
        return t;
    }
    return collection_to_cbor(c);
}

uat_err uat_cmw_cbor_serialize(const uat_cmw *c, uat_buf *out)
{
    cbor_item_t *it = to_cbor(c);
    if (it == NULL) {
        return UAT_NOMEM(CHECK);
    }
    unsigned char *bytes = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(it, &bytes, &cap);
    cbor_decref(&it);
    uat_err rc = n > 0 ? uat_buf_append(out, bytes, n) : UAT_NOMEM(CHECK);
    free(bytes);
    return rc;
}
