/* Unit tests for the CMW envelope (draft-ietf-rats-msg-wrap): src/evidence/cmw*.c.
 *
 * Negative cases first, each expecting an exact error name; then exact round trips in both
 * directions (model -> bytes -> model and canonical bytes -> model -> bytes) for JSON and CBOR;
 * then the constructors and their ownership rules. CBOR inputs are written by hand in hex
 * (RFC 8949) with their diagnostic notation alongside.
 *
 * Regression tests of bugs found while writing them are marked KNOWN_BUG(); each names its bug.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "evidence/cmw_int.h"

#include "uat_assert.h"

/* Marks a regression test of a bug found in src/ (all fixed). */
#define KNOWN_BUG() ((void)0)

/* "__cmwc_t" as a CBOR text string */
#define CTYPE_KEY "685f5f636d77635f74"
/* ["a/b", h''] : the smallest valid record, used as a collection item */
#define REC "8263612f6240"

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static blob unhex(const char *hex)
{
    size_t len = strlen(hex);
    blob b = {malloc(len / 2 + 1), 0};
    assert_non_null(b.p);
    for (size_t i = 0; i < len;) {
        if (hex[i] == ' ') {
            i++;
            continue;
        }
        unsigned v = 0;
        assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
        b.p[b.n++] = (uint8_t)v;
        i += 2;
    }
    return b;
}

static uat_err parse_cbor_hex(const char *hex)
{
    blob b = unhex(hex);
    uat_cmw *c = NULL;
    uat_err rc = uat_cmw_parse_cbor(b.p, b.n, &c);
    if (rc == UAT_OK) {
        uat_cmw_free(c);
    } else {
        assert_null(c);
    }
    free(b.p);
    return rc;
}

static uat_err parse_json_text(const char *text)
{
    uat_cmw *c = NULL;
    uat_err rc = uat_cmw_parse_json((const uint8_t *)text, strlen(text), &c);
    if (rc == UAT_OK) {
        uat_cmw_free(c);
    } else {
        assert_null(c);
    }
    return rc;
}

struct bad_case {
    const char *input;
    uat_err want;
    const char *field; /* uat_last_error()->field, or NULL to skip */
};

static void run_bad(const struct bad_case *cases, size_t n, int cbor)
{
    for (size_t i = 0; i < n; i++) {
        uat_error_clear();
        uat_err got = cbor ? parse_cbor_hex(cases[i].input) : parse_json_text(cases[i].input);
        if (got != cases[i].want) {
            print_error("input %s: got %s, want %s\n", cases[i].input, uat_err_name(got),
                        uat_err_name(cases[i].want));
        }
        assert_err(got, cases[i].want);
        assert_int_equal(uat_last_error()->err, got);
        assert_string_equal(uat_last_error()->check, cbor ? "cmw.cbor" : "cmw.json");
        if (cases[i].field != NULL) {
            assert_string_equal(uat_last_error()->field, cases[i].field);
        }
    }
}

static void assert_cmw_equal(const uat_cmw *a, const uat_cmw *b)
{
    assert_int_equal(a->kind, b->kind);
    if (a->kind == UAT_CMW_COLLECTION) {
        assert_true((a->ctype == NULL) == (b->ctype == NULL));
        if (a->ctype != NULL) {
            assert_string_equal(a->ctype, b->ctype);
        }
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
            assert_string_equal(a->labels[i], b->labels[i]);
            assert_int_equal(a->label_is_int[i], b->label_is_int[i]);
            assert_cmw_equal(a->items[i], b->items[i]);
        }
        return;
    }
    if (a->kind == UAT_CMW_RECORD) {
        assert_true((a->media_type == NULL) == (b->media_type == NULL));
        if (a->media_type != NULL) {
            assert_string_equal(a->media_type, b->media_type);
        }
        assert_int_equal(a->cf, b->cf);
        assert_int_equal(a->ind, b->ind);
    } else {
        assert_int_equal(a->tag, b->tag);
    }
    assert_int_equal(a->value_len, b->value_len);
    if (a->value_len > 0) {
        assert_memory_equal(a->value, b->value, a->value_len);
    }
}

/* ---- JSON: negative cases ---- */

static void json_malformed(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\",\"AQID\"", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\",\"AQID\"]x", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\",\"AQID\"],", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\",\"AQID\",]", UAT_ERR_PARSE_BAD_JSON, ""},
        {"{\"a\":[\"a/b\",\"\"],}", UAT_ERR_PARSE_BAD_JSON, ""},
        {"['a/b','AQID']", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\",\"AQ\x01ID\"]", UAT_ERR_PARSE_BAD_JSON, ""},
        {"[\"a/b\xff\",\"AQID\"]", UAT_ERR_PARSE_BAD_JSON, ""},    /* not UTF-8 */
        {"[\"a/b\\u0000\",\"AQID\"]", UAT_ERR_PARSE_BAD_JSON, ""}, /* NUL refused by jansson */
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void json_wrong_types(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"5", UAT_ERR_PARSE_BAD_JSON, NULL},
        {"\"a/b\"", UAT_ERR_PARSE_BAD_JSON, NULL},
        {"null", UAT_ERR_PARSE_BAD_JSON, NULL},
        {"[]", UAT_ERR_PARSE_BAD_JSON, "record"},
        {"[\"a/b\"]", UAT_ERR_PARSE_BAD_JSON, "record"},
        {"[\"a/b\",\"AQID\",4,5]", UAT_ERR_PARSE_BAD_JSON, "record"},
        {"[5,\"AQID\"]", UAT_ERR_PARSE_BAD_JSON, "type"},
        {"[null,\"AQID\"]", UAT_ERR_PARSE_BAD_JSON, "type"},
        {"[\"a/b\",5]", UAT_ERR_PARSE_BAD_JSON, "value"},
        {"[\"a/b\",[\"AQID\"]]", UAT_ERR_PARSE_BAD_JSON, "value"},
        {"[\"a/b\",null]", UAT_ERR_PARSE_BAD_JSON, "value"},
        {"[\"a/b\",\"AQID\",\"4\"]", UAT_ERR_PARSE_BAD_JSON, "ind"},
        {"[\"a/b\",\"AQID\",4.0]", UAT_ERR_PARSE_BAD_JSON, "ind"},
        {"[\"a/b\",\"AQID\",true]", UAT_ERR_PARSE_BAD_JSON, "ind"},
        {"[\"a/b\",\"AQID\",null]", UAT_ERR_PARSE_BAD_JSON, "ind"},
        {"{\"a\":5}", UAT_ERR_PARSE_BAD_JSON, ""},
        {"{\"a\":\"AQID\"}", UAT_ERR_PARSE_BAD_JSON, ""},
        {"{\"a\":null}", UAT_ERR_PARSE_BAD_JSON, ""},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void json_bad_indicator(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"[\"a/b\",\"AQID\",16]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"[\"a/b\",\"AQID\",-1]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"[\"a/b\",\"AQID\",255]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"[\"a/b\",\"AQID\",9223372036854775807]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"[\"a/b\",\"AQID\",-9223372036854775808]", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"{\"x\":[\"a/b\",\"AQID\",16]}", UAT_ERR_PARSE_BAD_VALUE, "ind"},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

/* The strict base64url decoder answers PARSE_BAD_ENCODING, reported on the "value" field. */
static void json_bad_base64url(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"[\"a/b\",\"AQI+\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"}, /* base64, not base64url */
        {"[\"a/b\",\"AQI/\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"[\"a/b\",\"AQ ID\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"[\"a/b\",\"AQID\\n\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"[\"a/b\",\"A\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},   /* one char encodes no byte */
        {"[\"a/b\",\"AR\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},  /* non-zero trailing bits */
        {"[\"a/b\",\"AQ=\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"}, /* padding of a short group */
        {"[\"a/b\",\"A===\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"[\"a/b\",\"=\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"[\"a/b\",\"\\u00e9\"]", UAT_ERR_PARSE_BAD_ENCODING, "value"},
        {"{\"x\":[\"a/b\",\"A*\"]}", UAT_ERR_PARSE_BAD_ENCODING, "value"},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static char *repeat(char ch, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, ch, n);
    s[n] = '\0';
    return s;
}

static void json_bad_media_type(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"[\"\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"ab\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* no slash */
        {"[\"a/\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* empty subtype */
        {"[\"/b\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* empty type */
        {"[\"a/;x=y\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a /b\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* spaces */
        {"[\"a/ b\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\" a/b\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a/b/c\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a/b,c\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a(b)/c\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a/b\\u00e9\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* non-ASCII */
        {"[\"\\u00e9/b\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a/b;x=\\u00e9\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"[\"a/b;x=\\ty\",\"\"]", UAT_ERR_PARSE_BAD_VALUE,
         "type"}, /* control char in a parameter */
        {"[\"a/b;x=\\u007f\",\"\"]", UAT_ERR_PARSE_BAD_VALUE, "type"},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);

    /* lengths: 256 characters in all, 127 per name (RFC 6838 §4.2) */
    char text[600];
    char *sub127 = repeat('s', 127), *sub128 = repeat('s', 128), *par = repeat('p', 256);
    snprintf(text, sizeof(text), "[\"%s/b\",\"\"]", sub128);
    assert_err(parse_json_text(text), UAT_ERR_PARSE_BAD_VALUE);
    snprintf(text, sizeof(text), "[\"a/%s\",\"\"]", sub128);
    assert_err(parse_json_text(text), UAT_ERR_PARSE_BAD_VALUE);
    snprintf(text, sizeof(text), "[\"%s/%s\",\"\"]", sub127, sub127);
    assert_ok(parse_json_text(text));
    /* "a/" + 127 + ";x=" + fill: exactly 256 passes, 257 fails */
    snprintf(text, sizeof(text), "[\"a/%s;x=%.*s\",\"\"]", sub127, 256 - 2 - 127 - 3, par);
    assert_ok(parse_json_text(text));
    snprintf(text, sizeof(text), "[\"a/%s;x=%.*s\",\"\"]", sub127, 257 - 2 - 127 - 3, par);
    assert_err(parse_json_text(text), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "type");
    free(sub127);
    free(sub128);
    free(par);
}

/* BUG (src/evidence/cmw.c, uat_cmw_check_media_type): after the subtype a space is accepted
 * whether or not a ";" parameter follows, so "application/json x" and "application/json " pass.
 * RFC 9110 §8.3.1 allows whitespace after the subtype only before ";". */
static void json_media_type_space_after_subtype(void **state)
{
    (void)state;
    KNOWN_BUG();
    assert_err(parse_json_text("[\"application/json x\",\"\"]"), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(parse_json_text("[\"application/json \",\"\"]"), UAT_ERR_PARSE_BAD_VALUE);
    uat_cmw *c = NULL;
    assert_err(uat_cmw_record_new("a/b c", NULL, 0, 0, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_null(c);
}

static void json_bad_collection(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"{}", UAT_ERR_PARSE_BAD_JSON, "collection"},
        {"{\"__cmwc_t\":\"t\"}", UAT_ERR_PARSE_BAD_JSON, "collection"},
        {"{\"a\":{}}", UAT_ERR_PARSE_BAD_JSON, "collection"},
        {"{\"__cmwc_t\":5,\"a\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_JSON, "__cmwc_t"},
        {"{\"__cmwc_t\":\"\",\"a\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_JSON, "__cmwc_t"},
        {"{\"__cmwc_t\":[\"t\"],\"a\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_JSON, "__cmwc_t"},
        {"{\"\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_VALUE, "label"},
        /* duplicate keys */
        {"{\"a\":[\"a/b\",\"\"],\"a\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_JSON, ""},
        {"{\"__cmwc_t\":\"t\",\"__cmwc_t\":\"t\",\"a\":[\"a/b\",\"\"]}", UAT_ERR_PARSE_BAD_JSON,
         ""},
        {"{\"a\":{\"b\":[\"a/b\",\"\"],\"b\":[\"a/b\",\"\"]}}", UAT_ERR_PARSE_BAD_JSON, ""},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 0);

    char text[400];
    char *label = repeat('l', UAT_MAX_LABEL_LEN);
    snprintf(text, sizeof(text), "{\"%s\":[\"a/b\",\"\"]}", label);
    assert_ok(parse_json_text(text));
    snprintf(text, sizeof(text), "{\"%sl\":[\"a/b\",\"\"]}", label);
    assert_err(parse_json_text(text), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "label");
    free(label);
}

/* depth collections wrapped around one record: {"a":{"a":...["a/b",""]...}} */
static char *nested_json(unsigned depth)
{
    size_t cap = depth * 6 + 16;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t k = 0;
    for (unsigned i = 0; i < depth; i++) {
        k += (size_t)snprintf(s + k, cap - k, "{\"a\":");
    }
    k += (size_t)snprintf(s + k, cap - k, "[\"a/b\",\"\"]");
    for (unsigned i = 0; i < depth; i++) {
        s[k++] = '}';
    }
    s[k] = '\0';
    return s;
}

static void json_too_deep(void **state)
{
    (void)state;
    char *ok = nested_json(UAT_MAX_CMW_DEPTH);
    char *deep = nested_json(UAT_MAX_CMW_DEPTH + 1);
    assert_ok(parse_json_text(ok));
    assert_err(parse_json_text(deep), UAT_ERR_PARSE_TOO_DEEP);
    free(ok);
    free(deep);
}

/* BUG (src/evidence/cmw_json.c, uat_cmw_parse_json): nesting beyond jansson's own limit (2048)
 * fails inside json_loadb and is reported as PARSE_BAD_JSON instead of PARSE_TOO_DEEP
 * (json_error_code(&jerr) == json_error_stack_overflow tells the two apart). */
static void json_far_too_deep(void **state)
{
    (void)state;
    KNOWN_BUG();
    char *deep = nested_json(3000);
    assert_err(parse_json_text(deep), UAT_ERR_PARSE_TOO_DEEP);
    free(deep);
}

static char *wide_json(unsigned entries)
{
    size_t cap = entries * 20 + 4;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t k = (size_t)snprintf(s, cap, "{");
    for (unsigned i = 0; i < entries; i++) {
        k += (size_t)snprintf(s + k, cap - k, "%s\"e%u\":[\"a/b\",\"\"]", i ? "," : "", i);
    }
    snprintf(s + k, cap - k, "}");
    return s;
}

static void json_too_many_entries(void **state)
{
    (void)state;
    char *ok = wide_json(UAT_MAX_CMW_ENTRIES);
    char *wide = wide_json(UAT_MAX_CMW_ENTRIES + 1);
    assert_ok(parse_json_text(ok));
    assert_err(parse_json_text(wide), UAT_ERR_RESOURCE_LIMIT);
    assert_string_equal(uat_last_error()->field, "entries");
    free(ok);
    free(wide);
}

/* ---- CBOR: negative cases ---- */

static void cbor_malformed(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"ff", UAT_ERR_PARSE_BAD_CBOR, NULL},              /* break outside indefinite item */
        {"1c", UAT_ERR_PARSE_BAD_CBOR, NULL},              /* reserved additional info 28 */
        {"82 1f 40", UAT_ERR_PARSE_BAD_CBOR, NULL},        /* uint with ai 31 */
        {"82 63 612fff 40", UAT_ERR_PARSE_BAD_CBOR, NULL}, /* text that is not UTF-8 */
        {"00", UAT_ERR_PARSE_BAD_CBOR, ""},                /* 0: not a CMW */
        {"40", UAT_ERR_PARSE_BAD_CBOR, ""},                /* h'' */
        {"63 612f62", UAT_ERR_PARSE_BAD_CBOR, ""},         /* "a/b" */
        {"f6", UAT_ERR_PARSE_BAD_CBOR, ""},                /* null */
        {"80", UAT_ERR_PARSE_BAD_CBOR, "record"},          /* [] */
        {"81 63612f62", UAT_ERR_PARSE_BAD_CBOR, "record"}, /* ["a/b"] */
        {"84 63612f62 40 04 00", UAT_ERR_PARSE_BAD_CBOR, "record"},
        {"9f 63612f62 40 ff", UAT_ERR_PARSE_BAD_CBOR, "record"}, /* indefinite array */
        {"82 63612f62 60", UAT_ERR_PARSE_BAD_CBOR, "value"},     /* text value instead of bytes */
        {"82 63612f62 63414243", UAT_ERR_PARSE_BAD_CBOR, "value"},
        {"82 63612f62 f6", UAT_ERR_PARSE_BAD_CBOR, "value"},
        {"82 63612f62 5f 4101 4102 ff", UAT_ERR_PARSE_BAD_CBOR, "value"}, /* indefinite bstr */
        {"82 63612f62 5f ff", UAT_ERR_PARSE_BAD_CBOR, "value"},
        /* found by fuzz_composite: after an indefinite bstr's head, a chunk claiming 2^54 map
         * entries reached libcbor, which allocates a definite map before reading it */
        {"a3 68616b5f636869696e 5f b86e bb006e5fb86e000000 0000004caa", UAT_ERR_PARSE_TRUNCATED,
         ""},
        {"82 63612f62 5f 9b7fffffffffffffff ff", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 7f 62612f 6162 ff 40", UAT_ERR_PARSE_BAD_CBOR, "type"}, /* indefinite text */
        {"82 20 40", UAT_ERR_PARSE_BAD_CBOR, "type"},                /* [-1, h''] */
        {"82 f6 40", UAT_ERR_PARSE_BAD_CBOR, "type"},
        {"82 43612f62 40", UAT_ERR_PARSE_BAD_CBOR, "type"},  /* type as bytes */
        {"83 63612f62 40 20", UAT_ERR_PARSE_BAD_CBOR, ""},   /* ind -1 */
        {"83 63612f62 40 f5", UAT_ERR_PARSE_BAD_CBOR, ""},   /* ind true */
        {"83 63612f62 40 6134", UAT_ERR_PARSE_BAD_CBOR, ""}, /* ind "4" */
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

static void cbor_bad_values(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"83 63612f62 40 10", UAT_ERR_PARSE_BAD_VALUE, "ind"}, /* ind 16 */
        {"83 63612f62 40 18ff", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"83 63612f62 40 1bffffffffffffffff", UAT_ERR_PARSE_BAD_VALUE, "ind"},
        {"82 1a00010000 40", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* cf 65536 */
        {"82 1bffffffffffffffff 40", UAT_ERR_PARSE_BAD_VALUE, "type"},
        {"82 60 40", UAT_ERR_PARSE_BAD_VALUE, "type"},                /* "" */
        {"82 62 6162 40", UAT_ERR_PARSE_BAD_VALUE, "type"},           /* "ab" */
        {"82 62 612f 40", UAT_ERR_PARSE_BAD_VALUE, "type"},           /* "a/" */
        {"82 64 61202f62 40", UAT_ERR_PARSE_BAD_VALUE, "type"},       /* "a /b" */
        {"82 65 612f62c3a9 40", UAT_ERR_PARSE_BAD_VALUE, "type"},     /* "a/bé" */
        {"82 67 612f623b783d09 40", UAT_ERR_PARSE_BAD_VALUE, "type"}, /* "a/b;x=\t" */
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

/* BUG (src/evidence/cmw.c, tchar): strchr("!#$&-^_.+", ch) also matches ch == '\0' (the string's
 * terminator), so a CBOR text type with an embedded NUL passes uat_cmw_check_media_type and is
 * then cut at the NUL by uat_strndup: "app\0lication/json" is accepted as media type "app". */
static void cbor_media_type_with_nul(void **state)
{
    (void)state;
    KNOWN_BUG();
    /* ["app\0lication/json", h''] and ["a/b\0", h''] */
    assert_err(parse_cbor_hex("82 71 617070006c69636174696f6e2f6a736f6e 40"),
               UAT_ERR_PARSE_BAD_VALUE);
    assert_err(parse_cbor_hex("82 64 612f6200 40"), UAT_ERR_PARSE_BAD_VALUE);
}

static void cbor_bad_tag(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"d9ea60 60", UAT_ERR_PARSE_BAD_CBOR, "value"},           /* 60000("") */
        {"d9ea60 5f 4101 ff", UAT_ERR_PARSE_BAD_CBOR, "value"},   /* indefinite bstr */
        {"d9ea60 8263612f6240", UAT_ERR_PARSE_BAD_CBOR, "value"}, /* a tag around a record */
        {"d9ea60 d9ea60 40", UAT_ERR_PARSE_BAD_CBOR, "value"},
        {"d9ea60", UAT_ERR_PARSE_TRUNCATED, NULL},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

static void cbor_bad_collection(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"a0", UAT_ERR_PARSE_BAD_CBOR, "collection"},                    /* {} */
        {"a1 " CTYPE_KEY " 6174", UAT_ERR_PARSE_BAD_CBOR, "collection"}, /* type only */
        {"a1 6161 a0", UAT_ERR_PARSE_BAD_CBOR, "collection"},            /* {"a": {}} */
        {"bf 6161 " REC " ff", UAT_ERR_PARSE_BAD_CBOR, "collection"},    /* indefinite map */
        {"a1 6161 00", UAT_ERR_PARSE_BAD_CBOR, ""},                      /* {"a": 0} */
        {"a1 6161 40", UAT_ERR_PARSE_BAD_CBOR, ""},                      /* {"a": h''} */
        {"a1 4161 " REC, UAT_ERR_PARSE_BAD_CBOR, "label"},               /* bytes label */
        {"a1 f6 " REC, UAT_ERR_PARSE_BAD_CBOR, "label"},
        {"a1 f93c00 " REC, UAT_ERR_PARSE_BAD_CBOR, "label"},              /* 1.0 */
        {"a1 60 " REC, UAT_ERR_PARSE_BAD_VALUE, "label"},                 /* "" */
        {"a1 3bffffffffffffffff " REC, UAT_ERR_PARSE_BAD_VALUE, "label"}, /* -2^64 */
        {"a1 64 61006263 " REC, UAT_ERR_PARSE_BAD_VALUE, "label"},        /* "a\0bc" */
        {"a2 6161 " REC " 6161 " REC, UAT_ERR_PARSE_BAD_VALUE, "label"},  /* duplicate */
        {"a2 20 " REC " 20 " REC, UAT_ERR_PARSE_BAD_VALUE, "label"},      /* -1 twice */
        {"a2 " CTYPE_KEY " 6174 " CTYPE_KEY " 6174", UAT_ERR_PARSE_BAD_CBOR, "__cmwc_t"},
        {"a2 " CTYPE_KEY " 60 6161 " REC, UAT_ERR_PARSE_BAD_CBOR, "__cmwc_t"},
        {"a2 " CTYPE_KEY " 01 6161 " REC, UAT_ERR_PARSE_BAD_CBOR, "__cmwc_t"},
        {"a2 " CTYPE_KEY " 4174 6161 " REC, UAT_ERR_PARSE_BAD_CBOR, "__cmwc_t"},
        {"a1 6161 83 63612f62 40 10", UAT_ERR_PARSE_BAD_VALUE, "ind"}, /* nested error */
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

static void cbor_truncated_and_trailing(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63 612f", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 43 0102", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 19 01", UAT_ERR_PARSE_TRUNCATED, ""},
        {"83 63612f62 40", UAT_ERR_PARSE_TRUNCATED, ""},
        {"a1 6161", UAT_ERR_PARSE_TRUNCATED, ""},
        {"a2 6161 " REC, UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 5f 4101", UAT_ERR_PARSE_TRUNCATED, ""},
        /* huge declared lengths: 2^63 and 2^64-1 bytes */
        {"5b 8000000000000000", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 5b 8000000000000000", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 5b ffffffffffffffff", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 7b 8000000000000000", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 5a ffffffff", UAT_ERR_PARSE_TRUNCATED, ""},
        {"82 63612f62 40 00", UAT_ERR_PARSE_TRAILING_BYTES, ""},
        {"820040 820040", UAT_ERR_PARSE_TRAILING_BYTES, ""},
        {"d9ea6040 ff", UAT_ERR_PARSE_TRAILING_BYTES, ""},
        {"a1 6161 " REC " 00", UAT_ERR_PARSE_TRAILING_BYTES, ""},
    };
    run_bad(cases, sizeof(cases) / sizeof(cases[0]), 1);
    /* the offset names the first byte past the item */
    assert_err(parse_cbor_hex("82 63612f62 40 0000"), UAT_ERR_PARSE_TRAILING_BYTES);
    assert_int_equal(uat_last_error()->offset, 6);
}

/* BUG (src/evidence/cmw_cbor.c, uat_cmw_parse_cbor): libcbor reports CBOR_ERR_MEMERROR both when
 * an array/map header declares more items than can be allocated (9 bytes claiming 2^63 items)
 * and when nesting passes its 2048-level stack; both are mapped to RESOURCE_NO_MEMORY (HTTP 500)
 * although the input is malformed: expected PARSE_TRUNCATED and PARSE_TOO_DEEP. */
static void cbor_huge_counts_and_depth(void **state)
{
    (void)state;
    KNOWN_BUG();
    assert_err(parse_cbor_hex("9b 8000000000000000"), UAT_ERR_PARSE_TRUNCATED);
    assert_err(parse_cbor_hex("bb 8000000000000000"), UAT_ERR_PARSE_TRUNCATED);
    size_t depth = 3000;
    uint8_t *p = malloc(2 * depth + 6);
    assert_non_null(p);
    for (size_t i = 0; i < depth; i++) {
        p[2 * i] = 0xa1; /* {0: ...} */
        p[2 * i + 1] = 0x00;
    }
    memcpy(p + 2 * depth, "\x82\x63\x61\x2f\x62\x40", 6);
    uat_cmw *c = NULL;
    assert_err(uat_cmw_parse_cbor(p, 2 * depth + 6, &c), UAT_ERR_PARSE_TOO_DEEP);
    free(p);
}

/* depth maps {"a": ...} wrapped around one record */
static blob nested_cbor(unsigned depth)
{
    blob b = {malloc(3 * depth + 6), 0};
    assert_non_null(b.p);
    for (unsigned i = 0; i < depth; i++) {
        memcpy(b.p + b.n, "\xa1\x61\x61", 3);
        b.n += 3;
    }
    memcpy(b.p + b.n, "\x82\x63\x61\x2f\x62\x40", 6);
    b.n += 6;
    return b;
}

static void cbor_too_deep(void **state)
{
    (void)state;
    blob ok = nested_cbor(UAT_MAX_CMW_DEPTH);
    blob deep = nested_cbor(UAT_MAX_CMW_DEPTH + 1);
    uat_cmw *c = NULL;
    assert_ok(uat_cmw_parse_cbor(ok.p, ok.n, &c));
    uat_cmw_free(c);
    c = NULL;
    assert_err(uat_cmw_parse_cbor(deep.p, deep.n, &c), UAT_ERR_PARSE_TOO_DEEP);
    assert_null(c);
    free(ok.p);
    free(deep.p);
}

/* A map of entries labelled 0..entries-1, each ["a/b", h''] */
static blob wide_cbor(unsigned entries)
{
    blob b = {malloc(8 * entries + 4), 0};
    assert_non_null(b.p);
    b.p[b.n++] = 0xb8;
    b.p[b.n++] = (uint8_t)entries;
    for (unsigned i = 0; i < entries; i++) {
        if (i < 24) {
            b.p[b.n++] = (uint8_t)i;
        } else {
            b.p[b.n++] = 0x18;
            b.p[b.n++] = (uint8_t)i;
        }
        memcpy(b.p + b.n, "\x82\x63\x61\x2f\x62\x40", 6);
        b.n += 6;
    }
    return b;
}

static void cbor_too_many_entries(void **state)
{
    (void)state;
    uat_cmw *c = NULL;
    blob ok = wide_cbor(UAT_MAX_CMW_ENTRIES);
    assert_ok(uat_cmw_parse_cbor(ok.p, ok.n, &c));
    assert_int_equal(uat_cmw_count(c), UAT_MAX_CMW_ENTRIES);
    assert_string_equal(uat_cmw_label(c, 63), "63");
    uat_cmw_free(c);
    c = NULL;
    for (unsigned n = UAT_MAX_CMW_ENTRIES + 1; n <= UAT_MAX_CMW_ENTRIES + 2; n++) {
        blob wide = wide_cbor(n);
        assert_err(uat_cmw_parse_cbor(wide.p, wide.n, &c), UAT_ERR_RESOURCE_LIMIT);
        assert_null(c);
        free(wide.p);
    }
    free(ok.p);
}

static void input_too_large(void **state)
{
    (void)state;
    size_t n = UAT_MAX_CMW_TEXT_BYTES + 1;
    uint8_t *p = calloc(1, n);
    assert_non_null(p);
    uat_cmw *c = NULL;
    assert_err(uat_cmw_parse_cbor(p, n, &c), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_cmw_parse(p, n, &c), UAT_ERR_RESOURCE_LIMIT);
    p[0] = '[';
    assert_err(uat_cmw_parse_json(p, n, &c), UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_cmw_parse(p, n, &c), UAT_ERR_RESOURCE_LIMIT);
    assert_null(c);
    free(p);

    /* a value past UAT_MAX_EVIDENCE_BYTES, in each format */
    uint8_t *v = calloc(1, UAT_MAX_EVIDENCE_BYTES + 1);
    assert_non_null(v);
    assert_err(uat_cmw_record_new("a/b", v, UAT_MAX_EVIDENCE_BYTES + 1, 0, &c),
               UAT_ERR_RESOURCE_LIMIT);
    assert_err(uat_cmw_tag_new(60000, v, UAT_MAX_EVIDENCE_BYTES + 1, &c), UAT_ERR_RESOURCE_LIMIT);
    assert_null(c);
    free(v);
    /* [0, h'<UAT_MAX_EVIDENCE_BYTES + 1 zero bytes>'] */
    size_t cn = 7 + UAT_MAX_EVIDENCE_BYTES + 1;
    uint8_t *cb = calloc(1, cn);
    assert_non_null(cb);
    memcpy(cb, "\x82\x00\x5a\x00\x40\x00\x01", 7);
    assert_err(uat_cmw_parse_cbor(cb, cn, &c), UAT_ERR_RESOURCE_LIMIT);
    free(cb);
    /* ["a/b", "AAAA...."] decoding to UAT_MAX_EVIDENCE_BYTES + 2 zero bytes */
    size_t chars = (UAT_MAX_EVIDENCE_BYTES / 3 + 1) * 4;
    size_t jn = 8 + chars + 2;
    char *js = malloc(jn + 1);
    assert_non_null(js);
    memcpy(js, "[\"a/b\",\"", 8);
    memset(js + 8, 'A', chars);
    memcpy(js + 8 + chars, "\"]", 3);
    assert_err(uat_cmw_parse_json((const uint8_t *)js, jn, &c), UAT_ERR_RESOURCE_LIMIT);
    assert_null(c);
    free(js);
}

/* BUG (src/core/base64.c, uat_b64_decode): it reserves n/4*3 + 2 bytes, up to 2 more than the
 * decoded length, so a JSON record whose value is UAT_MAX_EVIDENCE_BYTES - 1 or exactly
 * UAT_MAX_EVIDENCE_BYTES long fails with RESOURCE_LIMIT in uat_cmw_parse_json (its buffer is
 * capped at UAT_MAX_EVIDENCE_BYTES), though uat_cmw_record_new, the JSON serializer and the CBOR
 * parser all accept it: a record uat_cmw_serialize wrote cannot be read back. */
static void json_value_at_the_limit(void **state)
{
    (void)state;
    KNOWN_BUG();
    uint8_t *v = calloc(1, UAT_MAX_EVIDENCE_BYTES);
    assert_non_null(v);
    uat_cmw *c = NULL, *back = NULL;
    assert_ok(uat_cmw_record_new("a/b", v, UAT_MAX_EVIDENCE_BYTES, 0, &c));
    uint8_t *out = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_serialize(c, UAT_CMW_JSON, &out, &n));
    assert_ok(uat_cmw_parse_json(out, n, &back));
    assert_cmw_equal(c, back);
    uat_cmw_free(back);
    uat_cmw_free(c);
    free(out);
    free(v);
}

static void serialize_usage_errors(void **state)
{
    (void)state;
    uat_cmw *cf = NULL, *tag = NULL, *coll = NULL, *rec = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_record_new_cf(30001, (const uint8_t *)"\x01", 1, 0, &cf));
    assert_ok(uat_cmw_tag_new(60000, (const uint8_t *)"\x01", 1, &tag));
    uat_error_clear();
    assert_err(uat_cmw_serialize(cf, UAT_CMW_JSON, &out, &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_string_equal(uat_last_error()->check, "cmw.json");
    assert_string_equal(uat_last_error()->field, "type");
    assert_err(uat_cmw_serialize(tag, UAT_CMW_JSON, &out, &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(out);
    /* inside a collection too */
    assert_ok(uat_cmw_record_new("a/b", NULL, 0, 0, &rec));
    assert_ok(uat_cmw_collection_new(NULL, &coll));
    assert_ok(uat_cmw_collection_add(coll, "rec", rec));
    assert_ok(uat_cmw_collection_add(coll, "tag", tag));
    assert_err(uat_cmw_serialize(coll, UAT_CMW_JSON, &out, &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(out);
    assert_ok(uat_cmw_serialize(coll, UAT_CMW_CBOR, &out, &n));
    free(out);
    out = NULL;
    assert_err(uat_cmw_serialize(cf, (enum uat_cmw_format)3, &out, &n),
               UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_serialize(NULL, UAT_CMW_CBOR, &out, &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_serialize(cf, UAT_CMW_CBOR, NULL, &n), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(out);
    uat_cmw_free(coll);
    uat_cmw_free(cf);
}

/* BUG (src/evidence/cmw.c, uat_cmw_serialize / uat_cmw_collection_new): an empty collection
 * serializes to "{}" / a0 and a collection type "" to "__cmwc_t":"", both of which uat_cmw_parse
 * rejects, so parse(serialize(x)) fails. Expected: serialize refuses an empty collection
 * (USAGE_BAD_STATE) and collection_new refuses "" (USAGE_INVALID_ARGUMENT). */
static void serialize_refuses_what_parse_rejects(void **state)
{
    (void)state;
    KNOWN_BUG();
    uat_cmw *c = NULL;
    uint8_t *out = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_collection_new(NULL, &c));
    assert_err(uat_cmw_serialize(c, UAT_CMW_JSON, &out, &n), UAT_ERR_USAGE_BAD_STATE);
    assert_err(uat_cmw_serialize(c, UAT_CMW_CBOR, &out, &n), UAT_ERR_USAGE_BAD_STATE);
    assert_null(out);
    uat_cmw_free(c);
    c = NULL;
    assert_err(uat_cmw_collection_new("", &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(c);
}

/* ---- round trips ---- */

/* canonical bytes -> model -> the same bytes, and the model survives a second trip */
static uat_cmw *roundtrip_bytes(const uint8_t *p, size_t n, enum uat_cmw_format f)
{
    uat_cmw *c = NULL, *again = NULL;
    assert_ok(uat_cmw_parse(p, n, &c));
    assert_int_equal(uat_cmw_source_format(c), f);
    uint8_t *out = NULL;
    size_t on = 0;
    assert_ok(uat_cmw_serialize(c, f, &out, &on));
    assert_int_equal(on, n);
    assert_memory_equal(out, p, n);
    if (f == UAT_CMW_JSON) {
        assert_int_equal(out[on], '\0');
    }
    assert_ok(uat_cmw_parse(out, on, &again));
    assert_cmw_equal(c, again);
    uat_cmw_free(again);
    free(out);
    return c;
}

static uat_cmw *roundtrip_cbor(const char *hex)
{
    blob b = unhex(hex);
    uat_cmw *c = roundtrip_bytes(b.p, b.n, UAT_CMW_CBOR);
    free(b.p);
    return c;
}

static uat_cmw *roundtrip_json(const char *text)
{
    return roundtrip_bytes((const uint8_t *)text, strlen(text), UAT_CMW_JSON);
}

static void assert_value(const uat_cmw *c, const char *bytes, size_t n)
{
    const uint8_t *p = NULL;
    size_t vn = 99;
    uat_cmw_value(c, &p, &vn);
    assert_int_equal(vn, n);
    if (n > 0) {
        assert_memory_equal(p, bytes, n);
    }
}

static void cbor_records_roundtrip(void **state)
{
    (void)state;
    uat_cmw *c = roundtrip_cbor("82 63612f62 43010203"); /* ["a/b", h'010203'] */
    assert_int_equal(uat_cmw_kind(c), UAT_CMW_RECORD);
    assert_string_equal(uat_cmw_media_type(c), "a/b");
    assert_int_equal(uat_cmw_content_format(c), -1);
    assert_int_equal(uat_cmw_indicator(c), 0);
    assert_int_equal(c->ind, -1);
    assert_value(c, "\x01\x02\x03", 3);
    uat_cmw_free(c);

    c = roundtrip_cbor("83 63612f62 43010203 04"); /* ["a/b", h'010203', 4] */
    assert_int_equal(uat_cmw_indicator(c), UAT_CMW_IND_EVIDENCE);
    uat_cmw_free(c);

    c = roundtrip_cbor("83 63612f62 40 0f"); /* ["a/b", h'', 15]: empty value, every bit */
    assert_int_equal(uat_cmw_indicator(c), 15);
    assert_value(c, NULL, 0);
    uat_cmw_free(c);

    c = roundtrip_cbor("83 63612f62 40 00"); /* an explicit ind 0 stays explicit */
    assert_int_equal(c->ind, 0);
    uat_cmw_free(c);

    c = roundtrip_cbor("83 197531 42cafe 02"); /* [30001, h'cafe', 2] */
    assert_null(uat_cmw_media_type(c));
    assert_int_equal(uat_cmw_content_format(c), 30001);
    assert_int_equal(uat_cmw_indicator(c), UAT_CMW_IND_ENDORSEMENTS);
    assert_value(c, "\xca\xfe", 2);
    uat_cmw_free(c);

    uat_cmw_free(roundtrip_cbor("82 00 40"));       /* [0, h''] */
    uat_cmw_free(roundtrip_cbor("82 17 40"));       /* [23, h''] */
    uat_cmw_free(roundtrip_cbor("82 1818 40"));     /* [24, h''] */
    uat_cmw_free(roundtrip_cbor("82 19ffff 4100")); /* [65535, h'00'] */
    /* ["text/plain; charset=utf-8", h'68'] */
    c = roundtrip_cbor("82 7819 746578742f706c61696e3b20636861727365743d7574662d38 4168");
    assert_string_equal(uat_cmw_media_type(c), "text/plain; charset=utf-8");
    uat_cmw_free(c);
    /* a 24-byte value takes a one-byte length */
    uat_cmw_free(
        roundtrip_cbor("82 63612f62 5818 000102030405060708090a0b0c0d0e0f1011121314151617"));
}

static void cbor_tags_roundtrip(void **state)
{
    (void)state;
    uat_cmw *c = roundtrip_cbor("d9ea60 44deadbeef"); /* 60000(h'deadbeef') */
    assert_int_equal(uat_cmw_kind(c), UAT_CMW_TAG);
    assert_int_equal(uat_cmw_tag(c), 60000);
    assert_null(uat_cmw_media_type(c));
    assert_int_equal(uat_cmw_count(c), 0);
    assert_value(c, "\xde\xad\xbe\xef", 4);
    uat_cmw_free(c);

    c = roundtrip_cbor("d9ea61 40"); /* 60001(h'') */
    assert_value(c, NULL, 0);
    uat_cmw_free(c);

    c = roundtrip_cbor("da63747632 4101"); /* TN(30001) = 1668576818 */
    assert_int_equal(uat_cmw_tag(c), 1668576818u);
    uat_cmw_free(c);

    c = roundtrip_cbor("db0000000100000000 4100"); /* 2^32(h'00') */
    assert_int_equal(uat_cmw_tag(c), UINT64_C(4294967296));
    uat_cmw_free(c);
    uat_cmw_free(roundtrip_cbor("c1 4100")); /* a one-byte tag head */
}

static void cbor_collections_roundtrip(void **state)
{
    (void)state;
    /* {"__cmwc_t": "tag:x", "gpu": ["a/b", h'010203'], -1: ["a/b", h'010203', 4],
     *  0: [0, h''], 1000: 60000(h'deadbeef'), "nested": {"n": ["a/b", h'', 15]}} */
    uat_cmw *c = roundtrip_cbor("a6 " CTYPE_KEY " 657461673a78"
                                " 63677075 8263612f6243010203"
                                " 20 8363612f624301020304"
                                " 00 820040"
                                " 1903e8 d9ea6044deadbeef"
                                " 666e6573746564 a1 616e 8363612f62400f");
    assert_int_equal(uat_cmw_kind(c), UAT_CMW_COLLECTION);
    assert_string_equal(uat_cmw_collection_type(c), "tag:x");
    assert_int_equal(uat_cmw_count(c), 5);
    static const char *const labels[] = {"gpu", "-1", "0", "1000", "nested"};
    static const int is_int[] = {0, 1, 1, 1, 0};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(uat_cmw_label(c, i), labels[i]);
        assert_int_equal(c->label_is_int[i], is_int[i]);
    }
    assert_null(uat_cmw_label(c, 5));
    assert_null(uat_cmw_item(c, 5));
    assert_int_equal(uat_cmw_kind(uat_cmw_item(c, 3)), UAT_CMW_TAG);
    const uat_cmw *nested = uat_cmw_item(c, 4);
    assert_int_equal(uat_cmw_kind(nested), UAT_CMW_COLLECTION);
    assert_null(uat_cmw_collection_type(nested));
    assert_string_equal(uat_cmw_label(nested, 0), "n");
    assert_int_equal(uat_cmw_indicator(uat_cmw_item(nested, 0)), 15);
    uat_cmw_free(c);

    /* integer labels at every head size, and the text label "1" beside the integer 2 */
    c = roundtrip_cbor("aa 37 820040 3818 820040 38ff 820040 390100 820040 17 820040"
                       " 1818 820040 1b0000000100000000 820040 3bfffffffffffffffe 820040"
                       " 6131 820040 02 820040");
    static const char *const int_labels[] = {
        "-24", "-25", "-256", "-257", "23", "24", "4294967296", "-18446744073709551615", "1", "2",
    };
    assert_int_equal(uat_cmw_count(c), 10);
    for (size_t i = 0; i < 10; i++) {
        assert_string_equal(uat_cmw_label(c, i), int_labels[i]);
        assert_int_equal(c->label_is_int[i], i != 8);
    }
    uat_cmw_free(c);

    /* the collection type need not come first on input; output puts it first */
    blob b = unhex("a2 6161 " REC " " CTYPE_KEY " 6174");
    assert_ok(uat_cmw_parse(b.p, b.n, &c));
    assert_string_equal(uat_cmw_collection_type(c), "t");
    uint8_t *out = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_serialize(c, UAT_CMW_CBOR, &out, &n));
    blob want = unhex("a2 " CTYPE_KEY " 6174 6161 " REC);
    assert_int_equal(n, want.n);
    assert_memory_equal(out, want.p, n);
    free(out);
    free(want.p);
    free(b.p);
    uat_cmw_free(c);

    /* maximal depth and width round-trip too */
    blob deep = nested_cbor(UAT_MAX_CMW_DEPTH);
    uat_cmw_free(roundtrip_bytes(deep.p, deep.n, UAT_CMW_CBOR));
    free(deep.p);
    blob wide = wide_cbor(UAT_MAX_CMW_ENTRIES);
    uat_cmw_free(roundtrip_bytes(wide.p, wide.n, UAT_CMW_CBOR));
    free(wide.p);
}

static void json_roundtrip(void **state)
{
    (void)state;
    uat_cmw *c = roundtrip_json("[\"a/b\",\"AQID\"]");
    assert_string_equal(uat_cmw_media_type(c), "a/b");
    assert_int_equal(c->ind, -1);
    assert_value(c, "\x01\x02\x03", 3);
    uat_cmw_free(c);

    c = roundtrip_json("[\"a/b\",\"AQID\",4]");
    assert_int_equal(uat_cmw_indicator(c), UAT_CMW_IND_EVIDENCE);
    uat_cmw_free(c);

    c = roundtrip_json("[\"application/vnd.uattest.sim-report\",\"\",15]");
    assert_value(c, NULL, 0);
    assert_int_equal(uat_cmw_indicator(c), 15);
    uat_cmw_free(c);

    c = roundtrip_json("[\"a/b\",\"AQID\",0]");
    assert_int_equal(c->ind, 0);
    uat_cmw_free(c);

    c = roundtrip_json("[\"text/plain; charset=utf-8\",\"_-8\"]"); /* h'ffef' */
    assert_value(c, "\xff\xef", 2);
    uat_cmw_free(c);

    c = roundtrip_json(
        "{\"__cmwc_t\":\"tag:example.com,2024:composite\",\"cpu\":[\"a/b\",\"AQID\",4],"
        "\"nested\":{\"gpu\":[\"text/plain; charset=utf-8\",\"_-8\"],"
        "\"empty\":[\"a/b\",\"\"]}}");
    assert_string_equal(uat_cmw_collection_type(c), "tag:example.com,2024:composite");
    assert_int_equal(uat_cmw_count(c), 2);
    assert_string_equal(uat_cmw_label(c, 0), "cpu");
    assert_string_equal(uat_cmw_label(c, 1), "nested");
    assert_int_equal(c->label_is_int[1], 0);
    const uat_cmw *nested = uat_cmw_item(c, 1);
    assert_string_equal(uat_cmw_label(nested, 0), "gpu");
    assert_string_equal(uat_cmw_label(nested, 1), "empty");
    uat_cmw_free(c);

    char *deep = nested_json(UAT_MAX_CMW_DEPTH);
    uat_cmw_free(roundtrip_json(deep));
    free(deep);
    char *wide = wide_json(UAT_MAX_CMW_ENTRIES);
    uat_cmw_free(roundtrip_json(wide));
    free(wide);
}

/* Non-canonical input parses to the same model and re-serializes canonically. */
static void noncanonical_inputs_canonicalize(void **state)
{
    (void)state;
    static const struct {
        const char *in; /* hex for CBOR, text for JSON */
        const char *out;
        int cbor;
    } cases[] = {
        {"82 63612f62 5800", "8263612f6240", 1},      /* long-form bstr length */
        {"82 1900 17 40", "821740", 1},               /* long-form content-format */
        {"83 63612f62 40 1804", "8363612f624004", 1}, /* long-form ind */
        {"d9 0001 4100", "c14100", 1},                /* long-form tag */
        {"a1 1801 " REC, "a101" REC, 1},              /* long-form label */
        {" \n[ \"a/b\" , \"AQID\" ]\t", "[\"a/b\",\"AQID\"]", 0},
        {"{ \"x\" : [\"a/b\",\"\"] }", "{\"x\":[\"a/b\",\"\"]}", 0},
        {"[\"a\\/b\",\"AQID\"]", "[\"a/b\",\"AQID\"]", 0}, /* escaped solidus */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        blob in, want;
        if (cases[i].cbor) {
            in = unhex(cases[i].in);
            want = unhex(cases[i].out);
        } else {
            in.p = (uint8_t *)strdup(cases[i].in);
            in.n = strlen(cases[i].in);
            want.p = (uint8_t *)strdup(cases[i].out);
            want.n = strlen(cases[i].out);
        }
        uat_cmw *c = NULL;
        uint8_t *out = NULL;
        size_t n = 0;
        assert_ok(uat_cmw_parse(in.p, in.n, &c));
        assert_ok(uat_cmw_serialize(c, cases[i].cbor ? UAT_CMW_CBOR : UAT_CMW_JSON, &out, &n));
        assert_int_equal(n, want.n);
        assert_memory_equal(out, want.p, n);
        free(out);
        free(in.p);
        free(want.p);
        uat_cmw_free(c);
    }
}

/* model -> bytes -> model, in each format that can carry the model */
static void assert_model_roundtrip(const uat_cmw *c, int json_ok)
{
    for (int f = UAT_CMW_JSON; f <= UAT_CMW_CBOR; f++) {
        uint8_t *out = NULL;
        size_t n = 0;
        uat_cmw *back = NULL;
        if (f == UAT_CMW_JSON && !json_ok) {
            assert_err(uat_cmw_serialize(c, UAT_CMW_JSON, &out, &n),
                       UAT_ERR_USAGE_INVALID_ARGUMENT);
            continue;
        }
        assert_ok(uat_cmw_serialize(c, (enum uat_cmw_format)f, &out, &n));
        assert_ok(uat_cmw_parse(out, n, &back));
        assert_int_equal(uat_cmw_source_format(back), f);
        assert_cmw_equal(c, back);
        uat_cmw_free(back);
        free(out);
    }
}

static void constructors_roundtrip(void **state)
{
    (void)state;
    uint8_t bytes[300];
    for (size_t i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (uint8_t)(i * 7 + 3);
    }
    uat_cmw *rec = NULL, *empty = NULL, *cf = NULL, *tag = NULL, *inner = NULL, *outer = NULL;
    assert_ok(uat_cmw_record_new("application/vnd.uattest.sim-report", bytes, sizeof(bytes),
                                 UAT_CMW_IND_EVIDENCE, &rec));
    assert_int_equal(uat_cmw_source_format(rec), 0);
    assert_int_equal(uat_cmw_content_format(rec), -1);
    assert_int_equal(uat_cmw_tag(rec), 0);
    assert_int_equal(uat_cmw_count(rec), 0);
    assert_ok(uat_cmw_record_new("text/plain; charset=utf-8", NULL, 0, 0, &empty));
    assert_int_equal(empty->ind, -1);
    assert_ok(uat_cmw_record_new_cf(65535, bytes, 1, 15, &cf));
    assert_null(uat_cmw_media_type(cf));
    assert_int_equal(uat_cmw_content_format(cf), 65535);
    assert_ok(uat_cmw_tag_new(UINT64_MAX, bytes, 2, &tag));
    assert_int_equal(uat_cmw_tag(tag), UINT64_MAX);
    for (int i = 0; i < 2; i++) {
        assert_model_roundtrip(rec, 1);
        assert_model_roundtrip(empty, 1);
        assert_model_roundtrip(cf, 0);
        assert_model_roundtrip(tag, 0);
    }

    assert_ok(uat_cmw_collection_new(NULL, &inner));
    assert_ok(uat_cmw_collection_add(inner, "rec", rec));
    assert_ok(uat_cmw_collection_add(inner, "empty", empty));
    assert_ok(uat_cmw_collection_new("tag:example.com,2024:c", &outer));
    assert_ok(uat_cmw_collection_add(outer, "0", inner)); /* a text label that looks numeric */
    assert_model_roundtrip(outer, 1);
    assert_ok(uat_cmw_collection_add(inner, "cf", cf));
    assert_ok(uat_cmw_collection_add(outer, "tag", tag));
    assert_model_roundtrip(outer, 0);
    assert_int_equal(outer->label_is_int[0], 0);
    uat_cmw_free(outer); /* frees every item it took */
}

/* ---- constructors ---- */

static void constructor_errors(void **state)
{
    (void)state;
    uat_cmw *c = NULL;
    const uint8_t v[1] = {0};
    assert_err(uat_cmw_record_new(NULL, v, 1, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_record_new("a/b", NULL, 1, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_record_new("a/b", v, 1, 0, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_record_new("ab", v, 1, 0, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_cmw_record_new("a/b\xc3\xa9", v, 1, 0, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_cmw_record_new("a/b", v, 1, 16, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->field, "ind");
    assert_err(uat_cmw_record_new("a/b", v, 1, UINT32_MAX, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_cmw_record_new_cf(0, NULL, 1, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_record_new_cf(0, v, 1, 16, &c), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_cmw_record_new_cf(0, v, 1, 0, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_tag_new(60000, NULL, 1, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_tag_new(60000, v, 1, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_collection_new(NULL, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_null(c);
    uat_cmw_free(NULL);
}

static void collection_add_rules(void **state)
{
    (void)state;
    uat_cmw *coll = NULL, *a = NULL, *b = NULL, *rec = NULL;
    assert_ok(uat_cmw_collection_new(NULL, &coll));
    assert_ok(uat_cmw_record_new("a/b", NULL, 0, 0, &a));
    assert_ok(uat_cmw_record_new("a/b", (const uint8_t *)"x", 1, 0, &b));
    assert_ok(uat_cmw_collection_add(coll, "dup", a));

    /* duplicate label: refused, the item stays the caller's */
    uat_error_clear();
    assert_err(uat_cmw_collection_add(coll, "dup", b), UAT_ERR_PARSE_BAD_VALUE);
    assert_string_equal(uat_last_error()->check, "cmw.collection");
    assert_string_equal(uat_last_error()->field, "label");
    assert_non_null(strstr(uat_last_error()->message, "dup"));
    assert_int_equal(uat_cmw_count(coll), 1);
    assert_err(uat_cmw_collection_add(coll, "", b), UAT_ERR_PARSE_BAD_VALUE);
    assert_err(uat_cmw_collection_add(coll, "__cmwc_t", b), UAT_ERR_PARSE_BAD_VALUE);
    char *long_label = repeat('l', UAT_MAX_LABEL_LEN + 1);
    assert_err(uat_cmw_collection_add(coll, long_label, b), UAT_ERR_PARSE_BAD_VALUE);
    long_label[UAT_MAX_LABEL_LEN] = '\0';
    assert_err(uat_cmw_collection_add(coll, NULL, b), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_collection_add(coll, "x", NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_collection_add(NULL, "x", b), UAT_ERR_USAGE_INVALID_ARGUMENT);
    /* only collections take entries */
    assert_ok(uat_cmw_record_new("a/b", NULL, 0, 0, &rec));
    assert_err(uat_cmw_collection_add(rec, "x", b), UAT_ERR_USAGE_BAD_STATE);
    uat_cmw_free(rec);
    assert_int_equal(uat_cmw_count(coll), 1);
    /* a label of exactly UAT_MAX_LABEL_LEN is fine; the item moves on success */
    assert_ok(uat_cmw_collection_add(coll, long_label, b));
    assert_string_equal(uat_cmw_label(coll, 1), long_label);
    assert_ptr_equal(uat_cmw_item(coll, 1), b);
    free(long_label);

    /* the entry limit */
    for (unsigned i = 2; i < UAT_MAX_CMW_ENTRIES; i++) {
        char label[16];
        uat_cmw *item = NULL;
        snprintf(label, sizeof(label), "e%u", i);
        assert_ok(uat_cmw_record_new("a/b", NULL, 0, 0, &item));
        assert_ok(uat_cmw_collection_add(coll, label, item));
    }
    uat_cmw *extra = NULL;
    assert_ok(uat_cmw_record_new("a/b", NULL, 0, 0, &extra));
    assert_err(uat_cmw_collection_add(coll, "one-too-many", extra), UAT_ERR_RESOURCE_LIMIT);
    assert_int_equal(uat_cmw_count(coll), UAT_MAX_CMW_ENTRIES);
    uat_cmw_free(extra);
    uat_cmw_free(coll);
}

static void parse_dispatch_and_arguments(void **state)
{
    (void)state;
    uat_cmw *c = NULL;
    const char *j = "\r\n\t [\"a/b\",\"AQID\"]";
    assert_ok(uat_cmw_parse((const uint8_t *)j, strlen(j), &c));
    assert_int_equal(uat_cmw_source_format(c), UAT_CMW_JSON);
    uat_cmw_free(c);
    c = NULL;
    /* JSON text handed to the CBOR parser and back */
    assert_err(uat_cmw_parse_cbor((const uint8_t *)j + 4, strlen(j) - 4, &c),
               UAT_ERR_PARSE_TRUNCATED); /* '[' is a bstr head with an 8-byte length */
    blob b = unhex("8263612f6240");
    assert_err(uat_cmw_parse_json(b.p, b.n, &c), UAT_ERR_PARSE_BAD_JSON);
    assert_ok(uat_cmw_parse(b.p, b.n, &c));
    assert_int_equal(uat_cmw_source_format(c), UAT_CMW_CBOR);
    uat_cmw_free(c);
    c = NULL;
    assert_err(uat_cmw_parse(NULL, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_parse(b.p, b.n, NULL), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_parse_json(NULL, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_parse_cbor(NULL, 0, &c), UAT_ERR_USAGE_INVALID_ARGUMENT);
    assert_err(uat_cmw_parse(b.p, 0, &c), UAT_ERR_PARSE_TRUNCATED);
    assert_err(uat_cmw_parse((const uint8_t *)" ", 1, &c), UAT_ERR_PARSE_BAD_CBOR); /* -1 */
    assert_null(c);
    free(b.p);
}

/* JSON and CBOR carry the same model: JSON -> model -> CBOR -> model */
static void json_to_cbor(void **state)
{
    (void)state;
    const char *j = "{\"__cmwc_t\":\"t\",\"a\":[\"a/b\",\"AQID\",4],\"b\":{\"c\":[\"x/y\",\"\"]}}";
    uat_cmw *c = NULL, *back = NULL;
    assert_ok(uat_cmw_parse((const uint8_t *)j, strlen(j), &c));
    uint8_t *out = NULL;
    size_t n = 0;
    assert_ok(uat_cmw_serialize(c, UAT_CMW_CBOR, &out, &n));
    /* {"__cmwc_t": "t", "a": ["a/b", h'010203', 4], "b": {"c": ["x/y", h'']}} */
    blob want = unhex("a3 " CTYPE_KEY " 6174 6161 8363612f624301020304 6162 a1 6163 8263782f7940");
    assert_int_equal(n, want.n);
    assert_memory_equal(out, want.p, n);
    assert_ok(uat_cmw_parse(out, n, &back));
    assert_cmw_equal(c, back);
    free(want.p);
    free(out);
    uat_cmw_free(back);
    uat_cmw_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_malformed),
        cmocka_unit_test(json_wrong_types),
        cmocka_unit_test(json_bad_indicator),
        cmocka_unit_test(json_bad_base64url),
        cmocka_unit_test(json_bad_media_type),
        cmocka_unit_test(json_media_type_space_after_subtype),
        cmocka_unit_test(json_bad_collection),
        cmocka_unit_test(json_too_deep),
        cmocka_unit_test(json_far_too_deep),
        cmocka_unit_test(json_too_many_entries),
        cmocka_unit_test(cbor_malformed),
        cmocka_unit_test(cbor_bad_values),
        cmocka_unit_test(cbor_media_type_with_nul),
        cmocka_unit_test(cbor_bad_tag),
        cmocka_unit_test(cbor_bad_collection),
        cmocka_unit_test(cbor_truncated_and_trailing),
        cmocka_unit_test(cbor_huge_counts_and_depth),
        cmocka_unit_test(cbor_too_deep),
        cmocka_unit_test(cbor_too_many_entries),
        cmocka_unit_test(input_too_large),
        cmocka_unit_test(json_value_at_the_limit),
        cmocka_unit_test(serialize_usage_errors),
        cmocka_unit_test(serialize_refuses_what_parse_rejects),
        cmocka_unit_test(constructor_errors),
        cmocka_unit_test(collection_add_rules),
        cmocka_unit_test(parse_dispatch_and_arguments),
        cmocka_unit_test(cbor_records_roundtrip),
        cmocka_unit_test(cbor_tags_roundtrip),
        cmocka_unit_test(cbor_collections_roundtrip),
        cmocka_unit_test(json_roundtrip),
        cmocka_unit_test(noncanonical_inputs_canonicalize),
        cmocka_unit_test(json_to_cbor),
        cmocka_unit_test(constructors_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
