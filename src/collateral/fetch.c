/* HTTP GET for collateral (libcurl). */
#include "collateral/fetch.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"

#define CHECK "collateral.fetch"
#define MAX_HEADERS (64u * 1024u)

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

static uat_err perform(CURL *c, const char *url, struct sink *body, struct sink *hdr, long *status)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, hdr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = curl_easy_perform(c);
    if (body->overflow || hdr->overflow) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "", -1, "%s: response too large", url);
    }
    if (cc != CURLE_OK) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "", -1, "%s: %s", url, curl_easy_strerror(cc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return UAT_OK;
}

uat_err uat_http_get(const char *url, size_t max, uat_http_response *out)
{
    memset(out, 0, sizeof(*out));
    uat_buf_init(&out->body, max);
    uat_buf_init(&out->headers, MAX_HEADERS);
    CURL *c = curl_easy_init();
    if (c == NULL) {
        return UAT_NOMEM(CHECK);
    }
    struct sink body = {&out->body, 0}, hdr = {&out->headers, 0};
    uat_err rc = perform(c, url, &body, &hdr, &out->status);
    curl_easy_cleanup(c);
    if (rc == UAT_OK && out->status != 200) {
        rc = UAT_FAILF(out->status == 404 ? UAT_ERR_IO_NOT_FOUND : UAT_ERR_IO_NETWORK, CHECK, "", -1,
                       "%s answered HTTP %ld", url, out->status);
    }
    if (rc != UAT_OK) {
        uat_http_response_free(out);
    }
    return rc;
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
