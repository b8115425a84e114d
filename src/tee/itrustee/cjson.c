/* cJSON_Print, reproduced: iTrustee signs base64url(cJSON_Print(payload)), the payload re-printed
 * by cJSON's formatted printer from the parsed document in the order its members were received
 * ([tverlib] teeverifier.c; PROVENANCE.md Format 2 describes the printer). Written from that
 * description, not from cJSON's code:
 *   object: "{" "\n", per member <depth tabs> "key" ":" "\t" value ["," ] "\n", <depth-1 tabs> "}"
 *   array:  "[" values separated by ", " "]"
 *   string: escapes " \\ \b \f \n \r \t, other bytes < 0x20 as \u00xx; "/" and UTF-8 as is
 *   number: "%d" when integral within int range, else "%1.15g", or "%1.17g" when that does not
 *           read back as the same double; NaN and infinities as "null"
 * Numbers are parsed as doubles (JSON_DECODE_INT_AS_REAL), as cJSON does. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tee/itrustee/itrustee.h"

#define CHECK "itrustee.payload"

static uat_err put_string(const char *s, size_t n, uat_buf *out)
{
    UAT_TRY(uat_buf_append(out, "\"", 1));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                e = esc;
            }
        }
        if (e != NULL) {
            UAT_TRY(uat_buf_append_str(out, e));
        } else {
            UAT_TRY(uat_buf_append(out, &s[i], 1));
        }
    }
    return uat_buf_append(out, "\"", 1);
}

static uat_err put_number(double d, uat_buf *out)
{
    char num[32];
    if (isnan(d) || isinf(d)) {
        return uat_buf_append_str(out, "null");
    }
    /* cJSON's valueint saturates at INT_MAX / INT_MIN; %d only when d equals it */
    int vi = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    if (d == (double)vi) {
        snprintf(num, sizeof(num), "%d", vi);
    } else {
        snprintf(num, sizeof(num), "%1.15g", d);
        if (strtod(num, NULL) != d) {
            snprintf(num, sizeof(num), "%1.17g", d);
        }
    }
    return uat_buf_append_str(out, num);
}

static uat_err tabs(size_t n, uat_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        UAT_TRY(uat_buf_append(out, "\t", 1));
    }
    return UAT_OK;
}

static uat_err put_value(const json_t *v, size_t depth, uat_buf *out);

static uat_err put_object(const json_t *v, size_t depth, uat_buf *out)
{
    const char *k;
    json_t *m;
    size_t left = json_object_size(v);
    UAT_TRY(uat_buf_append_str(out, "{\n"));
    json_object_foreach((json_t *)v, k, m)
    {
        UAT_TRY(tabs(depth + 1, out));
        UAT_TRY(put_string(k, strlen(k), out));
        UAT_TRY(uat_buf_append_str(out, ":\t"));
        UAT_TRY(put_value(m, depth + 1, out));
        UAT_TRY(uat_buf_append_str(out, --left > 0 ? ",\n" : "\n"));
    }
    UAT_TRY(tabs(depth, out));
    return uat_buf_append(out, "}", 1);
}

static uat_err put_array(const json_t *v, size_t depth, uat_buf *out)
{
    UAT_TRY(uat_buf_append(out, "[", 1));
    for (size_t i = 0; i < json_array_size(v); i++) {
        UAT_TRY(put_value(json_array_get(v, i), depth + 1, out));
        if (i + 1 < json_array_size(v)) {
            UAT_TRY(uat_buf_append_str(out, ", "));
        }
    }
    return uat_buf_append(out, "]", 1);
}

static uat_err put_value(const json_t *v, size_t depth, uat_buf *out)
{
    UAT_ENSURE(depth < UAT_MAX_ITRUSTEE_JSON_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "payload", -1);
    switch (json_typeof(v)) {
    case JSON_OBJECT: return put_object(v, depth, out);
    case JSON_ARRAY: return put_array(v, depth, out);
    case JSON_STRING: return put_string(json_string_value(v), json_string_length(v), out);
    case JSON_INTEGER: return put_number((double)json_integer_value(v), out);
    case JSON_REAL: return put_number(json_real_value(v), out);
    case JSON_TRUE: return uat_buf_append_str(out, "true");
    case JSON_FALSE: return uat_buf_append_str(out, "false");
    case JSON_NULL: return uat_buf_append_str(out, "null");
    }
    return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "payload", -1);
}

uat_err uat_itr_cjson_print(const json_t *v, uat_buf *out)
{
    return put_value(v, 0, out);
}

uat_err uat_itr_signed_payload(const json_t *v, uat_buf *out)
{
    uat_buf text;
    uat_buf_init(&text, UAT_MAX_EVIDENCE_BYTES);
    uat_err rc = uat_itr_cjson_print(v, &text);
    if (rc == UAT_OK) {
        rc = uat_b64_encode(text.p, text.len, UAT_B64_URL, out);
    }
    uat_buf_free(&text);
    return rc;
}
