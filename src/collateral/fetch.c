/* HTTP for collateral and the agent's requests to a service (libcurl, loaded with dlopen on the
 * first fetch: a verification that fetches nothing does not load libcurl and the ~25 libraries it
 * pulls in, which is most of a short `uattest verify` process's start-up). */
#include "collateral/fetch.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/limits.h"

#define CHECK "collateral.fetch"
#define MAX_HEADERS (64u * 1024u)

/* The libcurl functions we call, resolved once. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode cc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
    char why[256]; /* empty when loaded */
} lc;
static pthread_once_t lc_once = PTHREAD_ONCE_INIT;

static void lc_load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(lc.why, sizeof(lc.why), "%s", e != NULL ? e : "dlopen failed");
        return;
    }
    static const char *const names[] = {"curl_global_init", "curl_easy_init",
                                        "curl_easy_setopt", "curl_easy_perform",
                                        "curl_easy_getinfo", "curl_easy_cleanup",
                                        "curl_easy_strerror", "curl_slist_append",
                                        "curl_slist_free_all"};
    void *slots[] = {&lc.global_init, &lc.easy_init,    &lc.easy_setopt,  &lc.easy_perform,
                     &lc.easy_getinfo, &lc.easy_cleanup, &lc.easy_strerror,
                     &lc.slist_append, &lc.slist_free_all};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        void *f = dlsym(h, names[i]);
        if (f == NULL) {
            snprintf(lc.why, sizeof(lc.why), "libcurl.so.4 has no %s", names[i]);
            return;
        }
        /* POSIX: a function pointer converts from dlsym's void * through memcpy */
        memcpy(slots[i], &f, sizeof(f));
    }
    if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(lc.why, sizeof(lc.why), "curl_global_init failed");
    }
}

static uat_err lc_ready(void)
{
    pthread_once(&lc_once, lc_load);
    if (lc.why[0] != '\0') {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "", -1,
                         "cannot fetch: libcurl cannot be loaded (%s); install libcurl4", lc.why);
    }
    return UAT_OK;
}

struct sink {
    uat_buf *b;
    int overflow;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    if (uat_buf_append(s->b, p, size * n) != UAT_OK) {
        s->overflow = 1;
        return 0; /* aborts the transfer */
    }
    return size * n;
}

void uat_http_response_free(uat_http_response *r)
{
    uat_buf_free(&r->body);
    uat_buf_free(&r->headers);
}

static uat_err perform(CURL *c, const char *url, struct curl_slist *req_headers,
                       struct sink *body, struct sink *hdr, long *status)
{
    lc.easy_setopt(c, CURLOPT_URL, url);
    if (req_headers != NULL) {
        lc.easy_setopt(c, CURLOPT_HTTPHEADER, req_headers);
    }
    lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    lc.easy_setopt(c, CURLOPT_WRITEDATA, body);
    lc.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    lc.easy_setopt(c, CURLOPT_HEADERDATA, hdr);
    lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    lc.easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = lc.easy_perform(c);
    if (body->overflow || hdr->overflow) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1, "%s: response too large", url);
    }
    if (cc != CURLE_OK) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "", -1, "%s: %s", url, lc.easy_strerror(cc));
    }
    lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return UAT_OK;
}

#define MAX_BEARER (16u * 1024u) /* an EAR token carries its claims: a few KiB */

/* The request headers: Authorization when a bearer is given, then the caller's lines. */
static uat_err request_headers(const char *bearer, const char *const *headers,
                               struct curl_slist **out)
{
    *out = NULL;
    if (bearer != NULL) {
        size_t n = strlen(bearer);
        char *line = n <= MAX_BEARER ? malloc(n + 32) : NULL;
        struct curl_slist *l = NULL;
        if (line != NULL) {
            snprintf(line, n + 32, "Authorization: Bearer %s", bearer);
            l = lc.slist_append(NULL, line);
            uat_wipe(line, n + 32);
            free(line);
        }
        if (l == NULL) {
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "bearer", -1,
                             "the bearer token cannot be sent (longer than %u bytes, or out of memory)",
                             MAX_BEARER);
        }
        *out = l;
    }
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *l =
            strlen(headers[i]) <= MAX_BEARER ? lc.slist_append(*out, headers[i]) : NULL;
        if (l == NULL) {
            lc.slist_free_all(*out); /* may hold the token: freed, as curl does not wipe it */
            *out = NULL;
            return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "headers", -1,
                             "a request header cannot be sent (longer than %u bytes, or out of "
                             "memory)",
                             MAX_BEARER);
        }
        *out = l;
    }
    return UAT_OK;
}

uat_err uat_http_request(const char *method, const char *url, const char *bearer,
                         const char *const *headers, const uint8_t *body, size_t n, size_t max,
                         uat_http_response *out)
{
    memset(out, 0, sizeof(*out));
    uat_buf_init(&out->body, max);
    uat_buf_init(&out->headers, MAX_HEADERS);
    int post = strcmp(method, "POST") == 0;
    UAT_ENSURE(post || strcmp(method, "GET") == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "method",
               -1);
    UAT_ENSURE(body != NULL || n == 0, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "body", -1);
    UAT_TRY(lc_ready());
    struct curl_slist *req = NULL;
    UAT_TRY(request_headers(bearer, headers, &req));
    CURL *c = lc.easy_init();
    if (c == NULL) {
        lc.slist_free_all(req);
        return UAT_NOMEM(CHECK);
    }
    if (post) {
        lc.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
        lc.easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? (const char *)body : "");
    }
    struct sink bs = {&out->body, 0}, hs = {&out->headers, 0};
    uat_err rc = perform(c, url, req, &bs, &hs, &out->status);
    lc.easy_cleanup(c);
    if (req != NULL) {
        lc.slist_free_all(req); /* holds the token: freed, as curl does not wipe it */
    }
    if (rc != UAT_OK) {
        uat_http_response_free(out);
    }
    return rc;
}

/* Stale answers seen by this thread since the last reset (uat_fetch_stale_*). */
static _Thread_local unsigned stale_seen;

void uat_fetch_stale_reset(void)
{
    stale_seen = 0;
}

int uat_fetch_stale_seen(void)
{
    return stale_seen != 0;
}

/* spec: RFC 7234 §5.5.1: warn-code 110 "Response is Stale" (what a caching uattestd sends with
 * a copy past its next update while upstream fails, docs/operations.md) */
static void note_stale(const uat_http_response *r)
{
    uat_buf w;
    uat_buf_init(&w, 256);
    if (uat_http_header(r, "Warning", 0, &w) == UAT_OK && w.len >= 3 && memcmp(w.p, "110", 3) == 0) {
        stale_seen++;
    }
    uat_error_clear(); /* an absent header is no error */
    uat_buf_free(&w);
}

uat_err uat_http_get_auth(const char *url, const char *bearer, size_t max, uat_http_response *out)
{
    UAT_TRY(uat_http_request("GET", url, bearer, NULL, NULL, 0, max, out));
    if (out->status == 200) {
        note_stale(out);
        return UAT_OK;
    }
    uat_http_response_free(out);
    return UAT_FAILF(out->status == 404 ? UAT_ERR_IO_NOT_FOUND : UAT_ERR_IO_NETWORK, CHECK, "", -1,
                     "%s answered HTTP %ld", url, out->status);
}

uat_err uat_http_get(const char *url, size_t max, uat_http_response *out)
{
    return uat_http_get_auth(url, NULL, max, out);
}

/* ---- the fetch journal ---- */

static _Thread_local uat_fetch_journal *journal;

void uat_fetch_journal_open(uat_fetch_journal *j)
{
    memset(j, 0, sizeof(*j));
    journal = j;
}

void uat_fetch_journal_close(uat_fetch_journal *j)
{
    if (journal == j) {
        journal = NULL;
    }
}

static void item_free(uat_fetch_item *it)
{
    free(it->path);
    free(it->source);
    uat_buf_free(&it->bytes);
}

void uat_fetch_journal_free(uat_fetch_journal *j)
{
    uat_fetch_journal_close(j);
    for (size_t i = 0; i < j->n; i++) {
        item_free(&j->items[i]);
    }
    free(j->items);
    memset(j, 0, sizeof(*j));
}

void uat_fetch_keep(const char *path, uat_span bytes, const char *source)
{
    uat_fetch_journal *j = journal;
    if (j == NULL || j->failed != UAT_OK) {
        return;
    }
    uat_fetch_item it = {strdup(path), strdup(source), uat_time_now(), {0}};
    uat_buf_init(&it.bytes, UAT_MAX_FILE_BYTES);
    uat_fetch_item *grown = NULL;
    if (it.path == NULL || it.source == NULL ||
        uat_buf_append(&it.bytes, bytes.p, bytes.len) != UAT_OK ||
        (grown = realloc(j->items, (j->n + 1) * sizeof(*grown))) == NULL) {
        item_free(&it);
        j->failed = UAT_ERR_RESOURCE_NO_MEMORY;
        return;
    }
    j->items = grown;
    for (size_t i = 0; i < j->n; i++) {
        if (strcmp(j->items[i].path, path) == 0) { /* fetched again: the later copy */
            item_free(&j->items[i]);
            j->items[i] = it;
            return;
        }
    }
    j->items[j->n++] = it;
}

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F'   ? c - 'A' + 10
                                                                 : -1;
}

static uat_err percent_decode(const uint8_t *p, size_t n, uat_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '%') {
            int hi = i + 2 < n ? hexval(p[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(p[i + 2]) : -1;
            UAT_ENSURE(hi >= 0 && lo >= 0, UAT_ERR_PARSE_BAD_ENCODING, CHECK, "header", (int64_t)i);
            ch = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
        UAT_TRY(uat_buf_append(out, &ch, 1));
    }
    return UAT_OK;
}

uat_err uat_http_header(const uat_http_response *r, const char *name, int decode, uat_buf *out)
{
    size_t nl = strlen(name);
    const uint8_t *p = r->headers.p;
    size_t n = r->headers.len;
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && p[end] != '\n') {
            end++;
        }
        size_t len = end - i;
        if (len > nl && p[i + nl] == ':' && strncasecmp((const char *)p + i, name, nl) == 0) {
            size_t v = i + nl + 1;
            while (v < end && p[v] == ' ') {
                v++;
            }
            size_t ve = end;
            while (ve > v && (p[ve - 1] == '\r' || p[ve - 1] == ' ')) {
                ve--;
            }
            return decode ? percent_decode(p + v, ve - v, out) : uat_buf_append(out, p + v, ve - v);
        }
        i = end + 1;
    }
    return UAT_FAILF(UAT_ERR_VERIFY_COLLATERAL, CHECK, name, -1, "the response has no %s header",
                     name);
}
