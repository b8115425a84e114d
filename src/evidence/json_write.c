/* A compact JSON writer for documents built in memory (claims, EAR): the same text as jansson's
 * JSON_COMPACT in insertion order, several times faster, straight into a capped buffer. */
#include <stdio.h>
#include <string.h>

#include "evidence/claims_int.h"

#define CHECK "json.write"
#define MAX_DEPTH 64u

static uat_err write_string(const char *s, size_t n, uat_buf *out)
{
    static const char hex[] = "0123456789ABCDEF"; /* as jansson writes \u escapes */
    UAT_TRY(uat_buf_append(out, "\"", 1));
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue; /* jansson strings are valid UTF-8: other bytes go out as they are */
        }
        UAT_TRY(uat_buf_append(out, s + start, i - start));
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        UAT_TRY(uat_buf_append(out, esc, len));
        start = i + 1;
    }
    UAT_TRY(uat_buf_append(out, s + start, n - start));
    return uat_buf_append(out, "\"", 1);
}

static uat_err write_value(const json_t *j, unsigned depth, uat_buf *out);

static uat_err write_object(const json_t *j, unsigned depth, uat_buf *out)
{
    const char *k;
    json_t *v;
    int first = 1;
    UAT_TRY(uat_buf_append(out, "{", 1));
    json_object_foreach((json_t *)j, k, v)
    {
        if (!first) {
            UAT_TRY(uat_buf_append(out, ",", 1));
        }
        first = 0;
        UAT_TRY(write_string(k, strlen(k), out));
        UAT_TRY(uat_buf_append(out, ":", 1));
        UAT_TRY(write_value(v, depth + 1, out));
    }
    return uat_buf_append(out, "}", 1);
}

static uat_err write_array(const json_t *j, unsigned depth, uat_buf *out)
{
    size_t i;
    json_t *v;
    UAT_TRY(uat_buf_append(out, "[", 1));
    json_array_foreach((json_t *)j, i, v)
    {
        if (i > 0) {
            UAT_TRY(uat_buf_append(out, ",", 1));
        }
        UAT_TRY(write_value(v, depth + 1, out));
    }
    return uat_buf_append(out, "]", 1);
}

static uat_err write_value(const json_t *j, unsigned depth, uat_buf *out)
{
    char num[64];
    int n;
    UAT_ENSURE(depth <= MAX_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", -1);
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return write_object(j, depth, out);
    case JSON_ARRAY:
        return write_array(j, depth, out);
    case JSON_STRING:
        return write_string(json_string_value(j), json_string_length(j), out);
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return uat_buf_append(out, num, (size_t)n);
    case JSON_REAL:
        n = snprintf(num, sizeof(num), "%.17g", json_real_value(j));
        return uat_buf_append(out, num, (size_t)n);
    case JSON_TRUE:
        return uat_buf_append_str(out, "true");
    case JSON_FALSE:
        return uat_buf_append_str(out, "false");
    default:
        return uat_buf_append_str(out, "null");
    }
}

uat_err uat_json_write(const json_t *j, uat_buf *out)
{
    UAT_ENSURE(j != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "", -1);
    return write_value(j, 0, out);
}
