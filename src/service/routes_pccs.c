/* uattestd as a caching collateral service: the Intel PCCS v4 GET routes and the AMD KDS VCEK
 * routes, answered from the store's collateral table (shared by replicas) and refreshed from a
 * configured upstream before the cached item expires.
 *
 * spec: Intel SGX and TDX PCS / PCCS API v4: GET /sgx/certification/v4/{pckcrl?ca=processor|
 * platform[&encoding=der], pckcert, tcb?fmspc=, qe/identity, qve/identity, rootcacrl} and
 * /tdx/certification/v4/{tcb?fmspc=, qe/identity}; issuer chains URL-encoded in the response
 * headers SGX-PCK-CRL-Issuer-Chain, TCB-Info-Issuer-Chain, SGX-Enclave-Identity-Issuer-Chain,
 * SGX-PCK-Certificate-Issuer-Chain (with SGX-TCBm, SGX-FMSPC, SGX-PCK-Certificate-CA-Type).
 * spec: AMD VCEK certificate and KDS interface specification (57230) §4: GET /vcek/v1/{product}/
 * {hwid}?blSPL=&teeSPL=&snpSPL=&ucodeSPL=[&fmcSPL=], /vcek/v1/{product}/cert_chain, .../crl.
 *
 * Each item: (a) fresh (before its content's expiry minus refresh_before) → served from the
 * store; (b) due → one upstream request per key however many clients ask (single flight: the
 * first asker fetches, the others wait on its condition variable and take its result), at most
 * once per retry_after seconds; (c) upstream failing → the cached copy is served with
 * "Warning: 110 - "Response is Stale"" and "X-Uattest-Collateral-Stale: <its next update>". */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collateral/fetch.h"
#include "collateral/manifest.h"
#include "core/check.h"
#include "core/codec.h"
#include "service/routes.h"

#define CHECK "pccs"
#define MAX_UPSTREAM (512u * 1024u) /* one upstream answer (PCK CRLs are the largest, ~10 KiB) */
#define MAX_KINDS 16u

typedef struct flight {
    char key[UAT_STORE_MAX_ID + 1];
    pthread_cond_t done_cv;
    int done, refs;
    uat_err rc;
    char *record;  /* the record the leader stored or found (JSON text), NULL on failure */
    struct flight *next;
} flight;

struct uat_pccs {
    pthread_mutex_t lock;
    flight *head;
};

uat_err uat_pccs_new(struct uat_pccs **out)
{
    struct uat_pccs *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return UAT_NOMEM(CHECK);
    }
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return UAT_OK;
}

void uat_pccs_free(struct uat_pccs *p)
{
    if (p != NULL) {
        pthread_mutex_destroy(&p->lock); /* no flight outlives the HTTP workers */
        free(p);
    }
}

/* ---- single flight ---- */

/* Joins the flight for key, or starts one (*leader set). NULL when out of memory. */
static flight *flight_join(struct uat_pccs *p, const char *key, int *leader)
{
    pthread_mutex_lock(&p->lock);
    flight *f = p->head;
    while (f != NULL && strcmp(f->key, key) != 0) {
        f = f->next;
    }
    *leader = f == NULL;
    if (f == NULL && (f = calloc(1, sizeof(*f))) != NULL) {
        snprintf(f->key, sizeof(f->key), "%s", key);
        pthread_cond_init(&f->done_cv, NULL);
        f->next = p->head;
        p->head = f;
    }
    if (f != NULL) {
        f->refs++;
    }
    pthread_mutex_unlock(&p->lock);
    return f;
}

/* The leader's result: wakes the waiters; later askers start from the store again. */
static void flight_finish(struct uat_pccs *p, flight *f, uat_err rc, char *record)
{
    pthread_mutex_lock(&p->lock);
    f->rc = rc;
    f->record = record;
    f->done = 1;
    for (flight **pp = &p->head; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    pthread_cond_broadcast(&f->done_cv);
    pthread_mutex_unlock(&p->lock);
}

static void flight_wait(struct uat_pccs *p, flight *f)
{
    pthread_mutex_lock(&p->lock);
    while (!f->done) {
        pthread_cond_wait(&f->done_cv, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
}

static void flight_leave(struct uat_pccs *p, flight *f)
{
    pthread_mutex_lock(&p->lock);
    int last = --f->refs == 0;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        pthread_cond_destroy(&f->done_cv);
        free(f->record);
        free(f);
    }
}

/* ---- records ---- */

/* The request as the cache knows it: which upstream, the vendor path and query, the kind. */
typedef struct item {
    const char *upstream; /* "intel" | "amd" */
    const char *base;     /* its configured URL, or NULL */
    const char *kind;     /* the metrics label */
    char path[512];       /* vendor path with the canonical query */
    char key[UAT_STORE_MAX_ID + 1];
} item;

static const char *const forwarded[] = {
    "SGX-PCK-CRL-Issuer-Chain",         "TCB-Info-Issuer-Chain",
    "SGX-TCB-Info-Issuer-Chain",        "SGX-Enclave-Identity-Issuer-Chain",
    "SGX-PCK-Certificate-Issuer-Chain", "SGX-TCBm",
    "SGX-FMSPC",                        "SGX-PCK-Certificate-CA-Type",
};

/* Content types are answered from this fixed set (the response keeps a pointer to it). */
static const char *const content_types[] = {
    "application/json",   "application/x-pem-file", "application/pkix-crl",
    "application/x-x509-ca-cert", "text/plain", "application/octet-stream",
};

static const char *content_type_of(const char *upstream_value, uat_span body)
{
    size_t n = sizeof(content_types) / sizeof(content_types[0]);
    for (size_t i = 0; upstream_value != NULL && i < n; i++) {
        size_t l = strlen(content_types[i]);
        if (strncasecmp(upstream_value, content_types[i], l) == 0 &&
            (upstream_value[l] == '\0' || upstream_value[l] == ';')) {
            return content_types[i];
        }
    }
    return body.len > 0 && body.p[0] == '{' ? "application/json" : "application/octet-stream";
}

static int all_hex(uat_span b)
{
    for (size_t i = 0; i < b.len; i++) {
        if (!isxdigit(b.p[i])) {
            return 0;
        }
    }
    return b.len > 0 && b.len % 2 == 0;
}

/* The content's validity window (collateral/manifest.h); a hex-encoded CRL (the PCS root CA
 * CRL of API v3 and of some PCCS) is decoded first. */
static void validity(uat_span body, uat_time *from, uat_time *until)
{
    uat_buf der;
    uat_buf_init(&der, MAX_UPSTREAM);
    if (all_hex(body) && uat_hex_decode((const char *)body.p, body.len, &der) == UAT_OK) {
        body = uat_buf_span(&der);
    }
    uat_collateral_validity(body, from, until);
    uat_buf_free(&der);
    uat_error_clear();
}

/* The record of a 200 answer: body (base64), forwarded headers, content type, validity. */
static uat_err record_new(const item *it, const char *url, const uat_http_response *r,
                          int64_t now, char **out)
{
    uat_time from = 0, until = 0;
    validity(uat_buf_span(&r->body), &from, &until);
    uat_buf b64, ct;
    uat_buf_init(&b64, 2 * MAX_UPSTREAM);
    uat_buf_init(&ct, 256);
    uat_err rc = uat_b64_encode(r->body.p, r->body.len, UAT_B64_STD, &b64);
    int have_ct = uat_http_header(r, "Content-Type", 0, &ct) == UAT_OK &&
                  uat_buf_terminate(&ct) == UAT_OK;
    json_t *hdrs = json_array();
    json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:s,s:o}", "kind", it->kind, "source",
                            url, "fetched", (json_int_t)now, "checked", (json_int_t)now,
                            "valid_from", (json_int_t)from, "valid_until", (json_int_t)until,
                            "stale", 0, "content_type",
                            content_type_of(have_ct ? (const char *)ct.p : NULL,
                                            uat_buf_span(&r->body)),
                            "headers", hdrs);
    for (size_t i = 0; doc != NULL && rc == UAT_OK && i < sizeof(forwarded) / sizeof(*forwarded);
         i++) {
        uat_buf v;
        uat_buf_init(&v, 64u * 1024u);
        if (uat_http_header(r, forwarded[i], 0, &v) == UAT_OK && uat_buf_terminate(&v) == UAT_OK &&
            json_array_append_new(hdrs, json_pack("[ss]", forwarded[i], (const char *)v.p)) != 0) {
            rc = UAT_NOMEM(CHECK);
        }
        uat_buf_free(&v);
    }
    uat_error_clear(); /* absent headers are not errors */
    if (rc == UAT_OK && (doc == NULL || b64.p == NULL ||
                         json_object_set_new(doc, "body", json_string((const char *)b64.p)) != 0)) {
        rc = UAT_NOMEM(CHECK);
    }
    char *text = rc == UAT_OK ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    uat_buf_free(&b64);
    uat_buf_free(&ct);
    if (rc == UAT_OK && text == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK) {
        *out = text;
    }
    return rc;
}

static int64_t num(const json_t *rec, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(rec, name));
}

/* Due for a refresh: within refresh_before of its expiry (of checked + refresh_before when the
 * content carries no window), and not asked upstream within the last retry_after seconds. An
 * upstream 404 is kept for retry_after seconds. */
static int due(const uat_svc_config *cfg, const json_t *rec, int64_t now)
{
    int64_t until = num(rec, "valid_until"), checked = num(rec, "checked");
    if (num(rec, "status") == 404) {
        return now - checked >= cfg->retry_after;
    }
    int64_t refresh_at = until != 0 ? until - cfg->refresh_before : checked + cfg->refresh_before;
    return now >= refresh_at && now - checked >= cfg->retry_after;
}

/* The cached record of key (JSON text, free()), NULL when there is none (or it is unreadable). */
static char *load(uat_svc *s, const char *key)
{
    uat_buf b;
    uat_buf_init(&b, UAT_STORE_MAX_BODY + 1);
    char *text = NULL;
    if (uat_store_get(s->store, UAT_STORE_COLLATERAL, key, &b) == UAT_OK) {
        text = strndup((const char *)b.p, b.len);
    }
    uat_buf_free(&b);
    uat_error_clear();
    return text;
}

static uat_err save(uat_svc *s, const char *key, const char *text, int64_t now)
{
    return uat_store_put(s->store, UAT_STORE_COLLATERAL, key, text, strlen(text), now, NULL);
}

/* ---- answering ---- */

static void send_record(const char *text, int stale, uat_http_resp *rs)
{
    json_t *rec = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    const char *b64 = json_string_value(json_object_get(rec, "body"));
    uat_buf body;
    uat_buf_init(&body, MAX_UPSTREAM);
    uat_err rc = b64 != NULL ? uat_b64_decode(b64, strlen(b64), UAT_B64_STD, &body)
                 : num(rec, "status") == 404 ? UAT_OK
                                              : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "body", -1);
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(rec, "headers"), i, h) {
        const char *n = json_string_value(json_array_get(h, 0));
        const char *v = json_string_value(json_array_get(h, 1));
        if (rc == UAT_OK) {
            rc = n != NULL && v != NULL ? uat_http_add_header(rs, n, v)
                                        : UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, CHECK, "headers", -1);
        }
    }
    if (rc == UAT_OK && (stale || json_is_true(json_object_get(rec, "stale")))) {
        /* spec: RFC 7234 §5.5.1 (warn-code 110) */
        char next[32] = "unknown";
        int64_t until = num(rec, "valid_until");
        if (until != 0 && uat_time_format(until, next) != UAT_OK) {
            snprintf(next, sizeof(next), "unknown");
        }
        rc = uat_http_add_header(rs, "Warning", "110 - \"Response is Stale\"");
        rc = rc == UAT_OK ? uat_http_add_header(rs, "X-Uattest-Collateral-Stale", next) : rc;
    }
    if (rc == UAT_OK && num(rec, "status") == 404) {
        uat_http_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, CHECK, "upstream has no such item");
    } else if (rc == UAT_OK) {
        const char *ct = json_string_value(json_object_get(rec, "content_type"));
        uat_http_text(rs, 200, content_type_of(ct, uat_buf_span(&body)), (const char *)body.p,
                      body.len);
    } else {
        uat_http_error(rs, rc);
    }
    uat_buf_free(&body);
    json_decref(rec);
}

/* The record of an upstream 404, kept for retry_after seconds (served stale when upstream
 * fails). */
static uat_err record_404(const item *it, const char *url, int64_t now, char **out)
{
    json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:i,s:I,s:b}", "kind", it->kind, "source", url,
                            "fetched", (json_int_t)now, "checked", (json_int_t)now, "status", 404,
                            "valid_until", (json_int_t)0, "stale", 0);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    *out = text;
    return UAT_OK;
}

/* Asks upstream (the leader of the key's flight): the new record (a 404 one when upstream has no
 * such item), or the cached one marked stale (and that mark stored, so replicas serve it stale
 * too), or an error when upstream fails and nothing is cached. */
static uat_err refresh(uat_svc *s, const item *it, const char *cached, int64_t now, char **out)
{
    char url[1024];
    int n = snprintf(url, sizeof(url), "%s%s", it->base, it->path);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(url), UAT_ERR_RESOURCE_LIMIT, CHECK, "url", -1);
    uat_http_response r;
    memset(&r, 0, sizeof(r));
    uat_err rc = uat_http_request("GET", url, NULL, NULL, NULL, 0, MAX_UPSTREAM, &r);
    long status = rc == UAT_OK ? r.status : 0;
    uat_metrics_upstream(s->metrics, it->upstream,
                         status == 200 ? "ok" : status == 404 ? "not_found" : "error");
    if (status == 200 || status == 404) {
        rc = status == 200 ? record_new(it, url, &r, now, out) : record_404(it, url, now, out);
        rc = rc == UAT_OK ? save(s, it->key, *out, now) : rc;
        if (rc != UAT_OK) {
            free(*out);
            *out = NULL;
        }
        uat_http_response_free(&r);
        return rc;
    }
    uat_http_response_free(&r);
    if (cached == NULL) {
        return UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "upstream", -1,
                         "%s upstream %s and nothing is cached", it->upstream,
                         status == 0 ? "cannot be reached" : "answered with an error");
    }
    json_t *rec = json_loads(cached, JSON_REJECT_DUPLICATES, NULL);
    char *text = NULL;
    if (rec != NULL && json_object_set_new(rec, "checked", json_integer((json_int_t)now)) == 0 &&
        json_object_set_new(rec, "stale", json_true()) == 0) {
        text = json_dumps(rec, JSON_COMPACT);
    }
    json_decref(rec);
    if (text == NULL || save(s, it->key, text, now) != UAT_OK) {
        free(text);
        text = strdup(cached); /* still serve it stale; the next asker retries the store */
        uat_error_clear();
    }
    *out = text;
    return text != NULL ? UAT_OK : UAT_NOMEM(CHECK);
}

/* The leader re-reads the store first: a flight that ended between this request's read and its
 * join has stored what it asked for. */
static void lead(uat_svc *s, const item *it, flight *f, int64_t now)
{
    char *cached = load(s, it->key);
    json_t *rec = cached != NULL ? json_loads(cached, 0, NULL) : NULL;
    int is_due = rec == NULL || due(s->cfg, rec, now);
    json_decref(rec);
    if (!is_due) {
        flight_finish(s->pccs, f, UAT_OK, cached);
        return;
    }
    char *text = NULL;
    uat_err rc = refresh(s, it, cached, now, &text);
    free(cached);
    flight_finish(s->pccs, f, rc, text);
}

static void serve(uat_svc *s, const item *it, uat_http_resp *rs)
{
    int64_t now = uat_time_now();
    char *cached = load(s, it->key);
    json_t *rec = cached != NULL ? json_loads(cached, 0, NULL) : NULL;
    int is_due = rec == NULL || due(s->cfg, rec, now);
    int expired = rec != NULL && num(rec, "valid_until") != 0 && now >= num(rec, "valid_until");
    json_decref(rec);
    if (!is_due || (it->base == NULL && cached != NULL)) {
        /* without an upstream an expired copy is all there is: served, marked stale */
        send_record(cached, it->base == NULL && expired, rs);
        free(cached);
        return;
    }
    free(cached);
    if (it->base == NULL) {
        uat_http_error_detail(rs, UAT_ERR_USAGE_NOT_FOUND, CHECK,
                              "not cached, and no upstream is configured for it");
        return;
    }
    int leader = 0;
    flight *f = flight_join(s->pccs, it->key, &leader);
    if (f == NULL) {
        uat_http_error(rs, UAT_NOMEM(CHECK));
        return;
    }
    if (leader) {
        lead(s, it, f, now);
    } else {
        flight_wait(s->pccs, f);
    }
    if (f->record != NULL) {
        send_record(f->record, 0, rs);
    } else {
        uat_http_error_detail(rs, f->rc, CHECK,
                              f->rc == UAT_ERR_IO_NETWORK ? "upstream failed and nothing is cached"
                                                          : "the cache could not be updated");
    }
    flight_leave(s->pccs, f);
}

/* ---- requests ---- */

static int hex_of(const char *v, size_t min, size_t max)
{
    size_t n = v != NULL ? strlen(v) : 0;
    return n >= min && n <= max && strspn(v, "0123456789abcdefABCDEF") == n;
}

static int one_of(const char *v, const char *a, const char *b)
{
    return v != NULL && (strcmp(v, a) == 0 || strcmp(v, b) == 0);
}

/* The store key: upstream:path, or its SHA-256 when that is too long (PCK certificate queries). */
static uat_err set_key(item *it)
{
    int n = snprintf(it->key, sizeof(it->key), "%s:%s", it->upstream, it->path);
    if (n > 0 && (size_t)n < sizeof(it->key)) {
        return UAT_OK;
    }
    char hex[65];
    UAT_TRY(uat_svc_sha256_hex(it->path, strlen(it->path), hex));
    snprintf(it->key, sizeof(it->key), "%s:sha256:%s", it->upstream, hex);
    return UAT_OK;
}

static uat_err append2(char *dst, size_t cap, const char *a, const char *b)
{
    size_t used = strlen(dst);
    int n = snprintf(dst + used, cap - used, "%s%s", a, b);
    UAT_ENSURE(n >= 0 && (size_t)n < cap - used, UAT_ERR_RESOURCE_LIMIT, CHECK, "query", -1);
    return UAT_OK;
}

static uat_err bad(const char *field, const char *why)
{
    return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, field, -1, "%s", why);
}

/* The PCK certificate query, as PCCS takes it: qeid, cpusvn, pcesvn, pceid (hex), and the
 * encrypted PPID when the client sends one. */
static uat_err pckcert_query(const uat_http_req *rq, char *q, size_t cap)
{
    static const struct {
        const char *name;
        size_t min, max;
    } p[] = {{"encrypted_ppid", 0, 768}, {"cpusvn", 32, 32}, {"pcesvn", 4, 4},
             {"pceid", 4, 4},            {"qeid", 32, 32}};
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        const char *v = uat_http_query(rq, p[i].name);
        if (v == NULL && p[i].min == 0) {
            continue;
        }
        if (!hex_of(v, p[i].min == 0 ? 1 : p[i].min, p[i].max)) {
            return bad(p[i].name, "missing or not hex of the PCCS length");
        }
        UAT_TRY(append2(q, cap, q[0] ? "&" : "", p[i].name));
        UAT_TRY(append2(q, cap, "=", v));
    }
    return UAT_OK;
}

static uat_err intel_item(uat_svc *s, const uat_http_req *rq, item *it)
{
    const char *p = rq->path, *v = NULL;
    char q[1024] = "";
    it->upstream = "intel";
    it->base = s->cfg->upstream_intel;
    int tdx = strncmp(p, "/tdx/", 5) == 0;
    const char *tail = p + strlen("/sgx/certification/v4/");
    const char *update = uat_http_query(rq, "update");
    if (update != NULL && !one_of(update, "early", "standard")) {
        return bad("update", "update is early or standard");
    }
    if (strcmp(tail, "pckcrl") == 0) {
        v = uat_http_query(rq, "ca");
        const char *enc = uat_http_query(rq, "encoding");
        if (!one_of(v, "processor", "platform") || (enc != NULL && !one_of(enc, "der", "pem"))) {
            return bad("ca", "ca is processor or platform; encoding der or pem");
        }
        it->kind = "pck_crl";
        UAT_TRY(append2(q, sizeof(q), "ca=", v));
        UAT_TRY(enc != NULL ? append2(q, sizeof(q), "&encoding=", enc) : UAT_OK);
    } else if (strcmp(tail, "pckcert") == 0) {
        it->kind = "pck_cert";
        UAT_TRY(pckcert_query(rq, q, sizeof(q)));
    } else if (strcmp(tail, "tcb") == 0) {
        v = uat_http_query(rq, "fmspc");
        if (!hex_of(v, 12, 12)) {
            return bad("fmspc", "fmspc is 12 hex digits");
        }
        char up[13];
        for (size_t i = 0; i < 13; i++) {
            up[i] = (char)toupper((unsigned char)v[i]);
        }
        it->kind = tdx ? "tdx_tcb" : "sgx_tcb";
        UAT_TRY(append2(q, sizeof(q), "fmspc=", up));
    } else if (strcmp(tail, "rootcacrl") == 0) {
        it->kind = "root_ca_crl";
    } else {
        it->kind = tdx ? "tdx_qe_identity"
                       : strncmp(tail, "qve", 3) == 0 ? "sgx_qve_identity" : "sgx_qe_identity";
    }
    if (update != NULL) {
        UAT_TRY(append2(q, sizeof(q), q[0] ? "&update=" : "update=", update));
    }
    int n = snprintf(it->path, sizeof(it->path), "%s%s%s", p, q[0] ? "?" : "", q);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(it->path), UAT_ERR_RESOURCE_LIMIT, CHECK, "query", -1);
    return set_key(it);
}

void uat_route_pccs(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    (void)id;
    item it;
    memset(&it, 0, sizeof(it));
    uat_err rc = intel_item(s, rq, &it);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    serve(s, &it, rs);
}

/* One SPL query argument (0..255) appended as name=value. */
static uat_err spl(const uat_http_req *rq, const char *name, int required, char *q, size_t cap)
{
    const char *v = uat_http_query(rq, name);
    if (v == NULL && !required) {
        return UAT_OK;
    }
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : -1;
    if (v == NULL || end == v || *end != '\0' || n < 0 || n > 255) {
        return bad(name, "an SPL is a number from 0 to 255");
    }
    char text[48];
    snprintf(text, sizeof(text), "%s%s=%ld", q[0] ? "&" : "", name, n);
    return append2(q, cap, "", text);
}

static uat_err amd_item(uat_svc *s, const uat_http_req *rq, const char *id, item *it)
{
    it->upstream = "amd";
    it->base = s->cfg->upstream_amd;
    const char *slash = strchr(id, '/');
    size_t pl = slash != NULL ? (size_t)(slash - id) : 0;
    if (pl == 0 || pl > 16 ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != pl) {
        return bad("product", "the path is /vcek/v1/{product}/{hwid|cert_chain|crl}");
    }
    const char *rest = slash + 1;
    char q[256] = "";
    if (strcmp(rest, "cert_chain") == 0 || strcmp(rest, "crl") == 0) {
        it->kind = rest[1] == 'e' ? "amd_cert_chain" : "amd_crl";
    } else if (hex_of(rest, 64, 128)) {
        it->kind = "amd_vcek";
        static const char *const spls[] = {"blSPL", "teeSPL", "snpSPL", "ucodeSPL"};
        for (size_t i = 0; i < 4; i++) {
            UAT_TRY(spl(rq, spls[i], 1, q, sizeof(q)));
        }
        UAT_TRY(spl(rq, "fmcSPL", 0, q, sizeof(q)));
    } else {
        return bad("hwid", "the hardware id is 64 to 128 hex digits");
    }
    int n = snprintf(it->path, sizeof(it->path), "%s%s%s", rq->path, q[0] ? "?" : "", q);
    UAT_ENSURE(n > 0 && (size_t)n < sizeof(it->path), UAT_ERR_RESOURCE_LIMIT, CHECK, "query", -1);
    return set_key(it);
}

void uat_route_kds(uat_svc *s, const uat_http_req *rq, const char *id, uat_http_resp *rs)
{
    item it;
    memset(&it, 0, sizeof(it));
    uat_err rc = amd_item(s, rq, id, &it);
    if (rc != UAT_OK) {
        uat_http_error(rs, rc);
        return;
    }
    serve(s, &it, rs);
}

/* ---- metrics ---- */

typedef struct expiry {
    char kind[MAX_KINDS][32];
    int64_t until[MAX_KINDS];
    size_t n;
} expiry;

static uat_err expiry_add(void *user, const char *id, const char *body, size_t n,
                          int64_t updated_at)
{
    (void)id;
    (void)updated_at;
    expiry *e = user;
    json_t *rec = json_loadb(body, n, 0, NULL);
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    int64_t until = num(rec, "valid_until");
    size_t i = 0;
    while (kind != NULL && i < e->n && strcmp(e->kind[i], kind) != 0) {
        i++;
    }
    if (kind != NULL && until != 0 && i == e->n && e->n < MAX_KINDS &&
        strspn(kind, "abcdefghijklmnopqrstuvwxyz_") == strlen(kind) && strlen(kind) < 32) {
        snprintf(e->kind[e->n], sizeof(e->kind[0]), "%s", kind);
        e->until[e->n++] = until;
    } else if (kind != NULL && until != 0 && i < e->n && until < e->until[i]) {
        e->until[i] = until;
    }
    json_decref(rec);
    return UAT_OK;
}

uat_err uat_pccs_metrics(uat_svc *s, int64_t now, uat_buf *out)
{
    expiry e;
    memset(&e, 0, sizeof(e));
    UAT_TRY(uat_store_list(s->store, UAT_STORE_COLLATERAL, expiry_add, &e));
    UAT_TRY(uat_buf_append_str(out, "# HELP uattest_collateral_expiry_seconds Seconds until the "
                                    "earliest expiry of the cached collateral of each kind "
                                    "(negative: expired).\n"
                                    "# TYPE uattest_collateral_expiry_seconds gauge\n"));
    for (size_t i = 0; i < e.n; i++) {
        char line[128];
        snprintf(line, sizeof(line), "uattest_collateral_expiry_seconds{kind=\"%s\"} %lld\n",
                 e.kind[i], (long long)(e.until[i] - now));
        UAT_TRY(uat_buf_append_str(out, line));
    }
    return UAT_OK;
}
