/* A fast path for JSON text of the plainest shape (objects of objects and strings, every string
 * printable ASCII without escapes), the shape of the large signed reports some TEEs send: jansson
 * lexes byte by byte through its stream, which costs more than the signatures. Anything else, and
 * any text jansson would refuse (duplicate members included), is left to jansson: the result,
 * when there is one, is the tree json_loadb would build (members in the order received). */
#include <string.h>

#include "evidence/claims_int.h"

#define PLAIN_MAX_DEPTH 32

typedef struct plain_rd {
    const uint8_t *p;
    size_t len, off;
} plain_rd;

static void skip_ws(plain_rd *r)
{
    while (r->off < r->len && (r->p[r->off] == ' ' || r->p[r->off] == '\t' ||
                               r->p[r->off] == '\n' || r->p[r->off] == '\r')) {
        r->off++;
    }
}

/* A string at r->off ('"' already seen): its bytes, or 0 outside the plain subset. */
static int plain_string(plain_rd *r, const char **s, size_t *n)
{
    size_t start = ++r->off;
    while (r->off < r->len && r->p[r->off] != '"') {
        uint8_t c = r->p[r->off];
        if (c < 0x20 || c > 0x7e || c == '\\') {
            return 0;
        }
        r->off++;
    }
    if (r->off == r->len) {
        return 0;
    }
    *s = (const char *)r->p + start;
    *n = r->off - start;
    r->off++;
    return 1;
}

static json_t *plain_object(plain_rd *r, int depth);

static json_t *plain_value(plain_rd *r, int depth)
{
    const char *s;
    size_t n;
    if (r->off >= r->len) {
        return NULL;
    }
    if (r->p[r->off] == '{') {
        return plain_object(r, depth + 1);
    }
    if (r->p[r->off] == '"' && plain_string(r, &s, &n)) {
        return json_stringn_nocheck(s, n); /* printable ASCII: valid UTF-8 */
    }
    return NULL;
}

/* An object at r->off ('{'). */
static json_t *plain_object(plain_rd *r, int depth)
{
    json_t *o = depth <= PLAIN_MAX_DEPTH ? json_object() : NULL;
    r->off++;
    skip_ws(r);
    if (o != NULL && r->off < r->len && r->p[r->off] == '}') {
        r->off++;
        return o;
    }
    while (o != NULL) {
        const char *k;
        size_t kn;
        json_t *v = NULL;
        if (r->off >= r->len || r->p[r->off] != '"' || !plain_string(r, &k, &kn) ||
            json_object_getn(o, k, kn) != NULL) {
            break; /* not a member name, or a duplicate: jansson decides */
        }
        skip_ws(r);
        if (r->off >= r->len || r->p[r->off++] != ':') {
            break;
        }
        skip_ws(r);
        v = plain_value(r, depth);
        if (v == NULL || json_object_setn_new_nocheck(o, k, kn, v) != 0) {
            break;
        }
        skip_ws(r);
        if (r->off < r->len && r->p[r->off] == '}') {
            r->off++;
            return o;
        }
        if (r->off >= r->len || r->p[r->off++] != ',') {
            break;
        }
        skip_ws(r);
    }
    json_decref(o);
    return NULL;
}

json_t *uat_json_load_plain(uat_span text)
{
    plain_rd r = {text.p, text.len, 0};
    if (text.p == NULL) {
        return NULL;
    }
    skip_ws(&r);
    if (r.off >= r.len || r.p[r.off] != '{') {
        return NULL;
    }
    json_t *o = plain_object(&r, 1);
    skip_ws(&r);
    if (o != NULL && r.off != r.len) {
        json_decref(o);
        o = NULL;
    }
    return o;
}
