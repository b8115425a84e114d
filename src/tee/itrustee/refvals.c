/* kunpengsecl baseline files as reference values (docs/itrustee.md). One line per TA:
 *   <TA UUID> <image hash> <memory hash>        (hex SHA-256, either case; whitespace-separated)
 * spec: [tverlib] LoadBaseValue takes the first line whose UUID is the report's and compares the
 * image hash, the memory hash or both (types 1, 2, 3). Imported as type 3: one document per UUID,
 * from its first line (later lines of a UUID are ignored, as kunpengsecl ignores them):
 *   {"id": "kunpengsecl:<uuid>", "tee": "itrustee",
 *    "values": {"tee_claims.uuid": [uuid], "measurement": [image], "tee_claims.ta_mem": [memory]}}
 * Empty lines and lines starting with '#' are skipped; any other line that is not three such
 * fields is an error naming the line. Pure. */
#include <ctype.h>
#include <string.h>

#include "tee/itrustee/itrustee.h"

#define CHECK "itrustee.refvals"

static size_t token(const char *s, size_t n, size_t *at, const char **tok)
{
    while (*at < n && isspace((unsigned char)s[*at])) {
        (*at)++;
    }
    *tok = s + *at;
    size_t start = *at;
    while (*at < n && !isspace((unsigned char)s[*at])) {
        (*at)++;
    }
    return *at - start;
}

static int is_hex(const char *s, size_t n, size_t want)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return n == want;
}

static int is_uuid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return n == 36;
}

static json_t *lower_list(const char *s, size_t n)
{
    char buf[80];
    for (size_t i = 0; i < n && i < sizeof(buf) - 1; i++) {
        buf[i] = (char)tolower((unsigned char)s[i]);
    }
    buf[n < sizeof(buf) - 1 ? n : sizeof(buf) - 1] = 0;
    json_t *a = json_array();
    json_array_append_new(a, json_string(buf));
    return a;
}

static int seen(const json_t *docs, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "id")), id) == 0) {
            return 1;
        }
    }
    return 0;
}

static uat_err one_line(const char *s, size_t n, size_t lineno, json_t *docs)
{
    size_t at = 0;
    const char *uuid, *img, *mem, *extra;
    size_t lu = token(s, n, &at, &uuid);
    if (lu == 0 || uuid[0] == '#') {
        return UAT_OK;
    }
    size_t li = token(s, n, &at, &img), lm = token(s, n, &at, &mem);
    size_t lx = token(s, n, &at, &extra);
    if (!is_uuid(uuid, lu) || !is_hex(img, li, 64) || !is_hex(mem, lm, 64) || lx != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "line", (int64_t)lineno,
                         "line %zu is not \"<TA UUID> <image SHA-256 hex> <memory SHA-256 hex>\"",
                         lineno);
    }
    char id[64] = "kunpengsecl:";
    for (size_t i = 0; i < lu; i++) {
        id[12 + i] = (char)tolower((unsigned char)uuid[i]);
    }
    if (seen(docs, id)) {
        return UAT_OK;
    }
    json_t *d = json_object(), *v = json_object();
    UAT_TRY(uat_json_set_str(d, "id", id));
    UAT_TRY(uat_json_set_str(d, "tee", "itrustee"));
    UAT_TRY(uat_json_set(d, "values", v));
    UAT_TRY(uat_json_set(v, "tee_claims.uuid", lower_list(uuid, lu)));
    UAT_TRY(uat_json_set(v, "measurement", lower_list(img, li)));
    UAT_TRY(uat_json_set(v, "tee_claims.ta_mem", lower_list(mem, lm)));
    return json_array_append_new(docs, d) == 0 ? UAT_OK : UAT_NOMEM(CHECK);
}

uat_err uat_itrustee_refvals_import(const char *format, uat_span text, json_t *docs)
{
    if (format == NULL || strcmp(format, "kunpengsecl") != 0) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_FEATURE, CHECK, "format", -1,
                         "itrustee imports the \"kunpengsecl\" format only");
    }
    const char *s = (const char *)text.p;
    size_t start = 0, lineno = 1;
    for (size_t i = 0; i <= text.len; i++) {
        if (i == text.len || s[i] == '\n') {
            UAT_ENSURE(memchr(s + start, 0, i - start) == NULL, UAT_ERR_PARSE_BAD_VALUE, CHECK,
                       "line", (int64_t)lineno);
            UAT_TRY(one_line(s + start, i - start, lineno, docs));
            start = i + 1;
            lineno++;
        }
    }
    if (json_array_size(docs) == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_TRUNCATED, CHECK, "line", -1,
                         "the baseline file holds no \"UUID image memory\" line");
    }
    return UAT_OK;
}
