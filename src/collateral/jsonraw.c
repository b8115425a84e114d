/* A bounded JSON skimmer: finds the exact text of a top-level member without re-encoding. */
#include "collateral/jsonraw.h"

#include <string.h>

#define CHECK "json.raw"
#define MAX_DEPTH 64

static void skip_ws(uat_span t, size_t *i)
{
    while (*i < t.len && (t.p[*i] == ' ' || t.p[*i] == '\t' || t.p[*i] == '\n' || t.p[*i] == '\r')) {
        (*i)++;
    }
}

static int skip_string(uat_span t, size_t *i)
{
    if (*i >= t.len || t.p[*i] != '"') {
        return 0;
    }
    for ((*i)++; *i < t.len; (*i)++) {
        if (t.p[*i] == '\\') {
            (*i)++;
        } else if (t.p[*i] == '"') {
            (*i)++;
            return 1;
        } else if (t.p[*i] < 0x20) {
            return 0;
        }
    }
    return 0;
}

/* Skips one value; strings are skipped whole so brackets inside them do not count, and each
 * closing bracket must match its opening one. */
static int skip_value(uat_span t, size_t *i)
{
    unsigned depth = 0;
    uint8_t open[MAX_DEPTH];
    do {
        skip_ws(t, i);
        if (*i >= t.len) {
            return 0;
        }
        uint8_t c = t.p[*i];
        if (c == '"') {
            if (!skip_string(t, i)) {
                return 0;
            }
        } else if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH) {
                return 0;
            }
            open[depth++] = c;
            (*i)++;
        } else if (c == '}' || c == ']') {
            if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
                return 0;
            }
            depth--;
            (*i)++;
        } else if (c == ',' || c == ':') {
            if (depth == 0) {
                return 0;
            }
            (*i)++;
        } else {
            size_t start = *i;
            while (*i < t.len && strchr(",:{}[] \t\r\n\"", t.p[*i]) == NULL) {
                (*i)++;
            }
            if (*i == start) {
                return 0;
            }
        }
    } while (depth > 0);
    return 1;
}

uat_err uat_json_raw_member(uat_span text, const char *key, uat_span *value)
{
    size_t i = 0, klen = strlen(key);
    int found = 0;
    skip_ws(text, &i);
    UAT_ENSURE(i < text.len && text.p[i] == '{', UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
    i++;
    for (;;) {
        skip_ws(text, &i);
        size_t kstart = i;
        UAT_ENSURE(skip_string(text, &i), UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
        int match = i - kstart == klen + 2 && memcmp(text.p + kstart + 1, key, klen) == 0;
        skip_ws(text, &i);
        UAT_ENSURE(i < text.len && text.p[i] == ':', UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
        i++;
        skip_ws(text, &i);
        size_t vstart = i;
        UAT_ENSURE(skip_value(text, &i), UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
        if (match) {
            UAT_ENSURE(!found, UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)kstart);
            found = 1;
            *value = uat_span_of(text.p + vstart, i - vstart);
        }
        skip_ws(text, &i);
        UAT_ENSURE(i < text.len, UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
        if (text.p[i] == '}') {
            i++;
            skip_ws(text, &i);
            UAT_ENSURE(i == text.len, UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
            break;
        }
        UAT_ENSURE(text.p[i] == ',', UAT_ERR_PARSE_BAD_JSON, CHECK, key, (int64_t)i);
        i++;
    }
    UAT_ENSURE(found, UAT_ERR_PARSE_BAD_JSON, CHECK, key, -1);
    return UAT_OK;
}
