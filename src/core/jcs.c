/* RFC 8785 JSON Canonicalization Scheme for the subset runtime data uses (objects and strings):
 * the KBS protocol's binding (COMPAT.md 3.4), computed by the service (src/service/routes_kbs.c)
 * and by the agent's KBS client (src/agent/kbs.c). */
#include "core/jcs.h"

#include <stdlib.h>
#include <string.h>

#define CHECK "jcs"

static int key_cmp(const void *a, const void *b)
{
    /* spec: RFC 8785 §3.2.3 sorts by UTF-16 code units; for the ASCII member names of runtime
     * data and JWKs that is byte order */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* spec: RFC 8785 §3.2.2.2: only '"', '\\' and control characters are escaped */
static uat_err jcs_string(const char *s, size_t n, uat_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    UAT_TRY(uat_buf_append_str(out, "\""));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[7] = {'\\', 0, 0, 0, 0, 0, 0};
        const char *m = strchr("\"\\\b\f\n\r\t", c);
        if (c != 0 && m != NULL) {
            e[1] = "\"\\bfnrt"[m - "\"\\\b\f\n\r\t"];
            UAT_TRY(uat_buf_append(out, e, 2));
        } else if (c < 0x20) {
            memcpy(e + 1, "u00", 3);
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            UAT_TRY(uat_buf_append(out, e, 6));
        } else {
            UAT_TRY(uat_buf_append(out, &s[i], 1));
        }
    }
    return uat_buf_append_str(out, "\"");
}

static uat_err jcs(const json_t *v, uat_buf *out, int depth)
{
    UAT_ENSURE(depth < UAT_JCS_MAX_DEPTH, UAT_ERR_PARSE_TOO_DEEP, CHECK, "", -1);
    if (json_is_string(v)) {
        return jcs_string(json_string_value(v), json_string_length(v), out);
    }
    if (json_is_object(v)) {
        size_t n = json_object_size(v), i = 0;
        const char **keys = calloc(n + 1, sizeof(*keys));
        if (keys == NULL) {
            return UAT_NOMEM(CHECK);
        }
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            keys[i++] = k;
        }
        qsort(keys, n, sizeof(*keys), key_cmp);
        uat_err rc = uat_buf_append_str(out, "{");
        for (i = 0; rc == UAT_OK && i < n; i++) {
            rc = i > 0 ? uat_buf_append_str(out, ",") : UAT_OK;
            rc = rc == UAT_OK ? jcs_string(keys[i], strlen(keys[i]), out) : rc;
            rc = rc == UAT_OK ? uat_buf_append_str(out, ":") : rc;
            rc = rc == UAT_OK ? jcs(json_object_get(v, keys[i]), out, depth + 1) : rc;
        }
        free(keys);
        UAT_TRY(rc);
        return uat_buf_append_str(out, "}");
    }
    /* runtime data holds only strings and objects: anything else has no place in the hash */
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "", -1,
                     "runtime data holds only JSON objects and strings");
}

uat_err uat_jcs(const json_t *v, uat_buf *out)
{
    return jcs(v, out, 0);
}
