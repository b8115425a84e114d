/* The explanation trace (see check.h): bounded records of the checks, certificates and collateral
 * one verification used. Only a verifier with explain on sets uat_trace_cur. */
#include "core/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

_Thread_local uat_trace *uat_trace_cur = NULL;
_Thread_local uat_trace *uat_trace_coll_cur = NULL;

uat_trace *uat_trace_new(void)
{
    uat_trace *t = calloc(1, sizeof(uat_trace));
    if (t != NULL) {
        t->cert_source = "evidence";
        t->coll_source = "collateral dir";
    }
    return t;
}

void uat_trace_free(uat_trace *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->nsteps; i++) {
        free(t->steps[i].check);
        free(t->steps[i].found);
        free(t->steps[i].required);
        free(t->steps[i].source);
    }
    for (size_t i = 0; i < t->ncerts; i++) {
        free(t->certs[i].role);
        free(t->certs[i].subject);
        free(t->certs[i].issuer);
        free(t->certs[i].serial);
        free(t->certs[i].source);
    }
    for (size_t i = 0; i < t->ncolls; i++) {
        free(t->colls[i].kind);
        free(t->colls[i].issuer);
        free(t->colls[i].source);
    }
    free(t->steps);
    free(t->certs);
    free(t);
}

uat_trace_saved uat_trace_enter(uat_trace *t, int full)
{
    uat_trace_saved prev = {uat_trace_cur, uat_trace_coll_cur};
    uat_trace_cur = full ? t : NULL;
    uat_trace_coll_cur = t;
    return prev;
}

void uat_trace_leave(uat_trace_saved previous)
{
    uat_trace_cur = previous.cur;
    uat_trace_coll_cur = previous.coll;
}

const char *uat_trace_coll_source_now(void)
{
    return uat_trace_cur != NULL ? uat_trace_cur->coll_source : NULL;
}

/* A copy cut at UAT_MAX_TRACE_TEXT (an explanation shows values, it does not archive them);
 * NULL for NULL. A failed allocation also gives NULL: the record then says "not known". */
static char *dup_text(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strnlen(s, UAT_MAX_TRACE_TEXT);
    char *c = malloc(n + 4);
    if (c != NULL) {
        memcpy(c, s, n);
        if (s[n] != '\0') {
            memcpy(c + n - 3, "...", 3); /* cut: say so */
        }
        c[n] = '\0';
    }
    return c;
}

static uat_trace_rec *add_step(uat_trace *t, const char *check, enum uat_step_result r)
{
    if (t->steps == NULL && (t->steps = calloc(UAT_MAX_TRACE_STEPS, sizeof(*t->steps))) == NULL) {
        t->dropped++; /* no memory: the record is lost, and counted like one past the limit */
        return NULL;
    }
    if (t->nsteps >= UAT_MAX_TRACE_STEPS) {
        t->dropped++;
        return NULL;
    }
    uat_trace_rec *s = &t->steps[t->nsteps++];
    memset(s, 0, sizeof(*s));
    s->check = dup_text(check != NULL ? check : "");
    s->result = r;
    return s;
}

void uat_trace_step(const char *check, enum uat_step_result r, const char *found,
                    const char *required, const char *source)
{
    uat_trace_rec *s = uat_trace_cur ? add_step(uat_trace_cur, check, r) : NULL;
    if (s != NULL) {
        s->found = dup_text(found);
        s->required = dup_text(required);
        s->source = dup_text(source);
    }
}

static char *hex_text(const uint8_t *p, size_t n)
{
    if (p == NULL) {
        return NULL;
    }
    size_t show = n < UAT_MAX_TRACE_TEXT / 2 ? n : UAT_MAX_TRACE_TEXT / 2;
    char *c = malloc(2 * show + 4);
    if (c != NULL) {
        uat_hex_encode(p, show, c);
        if (show < n) {
            memcpy(c + 2 * show - 3, "...", 4);
        }
    }
    return c;
}

void uat_trace_step_hex(const char *check, const uint8_t *found, size_t found_len,
                        const uint8_t *required, size_t required_len, const char *source)
{
    uat_trace_rec *s = uat_trace_cur ? add_step(uat_trace_cur, check, UAT_STEP_PASS) : NULL;
    if (s != NULL) {
        s->found = hex_text(found, found_len);
        s->required = hex_text(required, required_len);
        s->source = dup_text(source);
    }
}

void uat_trace_stepf(const char *check, enum uat_step_result r, const char *required,
                     const char *found_fmt, ...)
{
    char found[UAT_MAX_TRACE_TEXT];
    va_list ap;
    va_start(ap, found_fmt);
    vsnprintf(found, sizeof(found), found_fmt, ap);
    va_end(ap);
    uat_trace_step(check, r, found, required, NULL);
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void uat_trace_cert_(const char *role, const char *subject, const char *issuer, const char *serial,
                     int64_t not_before, int64_t not_after, const char *source)
{
    uat_trace *t = uat_trace_cur;
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->ncerts; i++) { /* a root anchors several chains: list it once */
        const uat_trace_cert *c = &t->certs[i];
        if (same(c->role, role) && same(c->subject, subject) && same(c->issuer, issuer) &&
            same(c->serial, serial) && c->not_before == not_before && c->not_after == not_after) {
            return;
        }
    }
    if (t->certs == NULL && (t->certs = calloc(UAT_MAX_TRACE_ITEMS, sizeof(*t->certs))) == NULL) {
        t->dropped++;
        return;
    }
    if (t->ncerts >= UAT_MAX_TRACE_ITEMS) {
        t->dropped++;
        return;
    }
    uat_trace_cert *c = &t->certs[t->ncerts++];
    c->role = dup_text(role);
    c->subject = dup_text(subject);
    c->issuer = dup_text(issuer);
    c->serial = dup_text(serial);
    c->source = dup_text(source != NULL ? source : t->cert_source);
    c->not_before = not_before;
    c->not_after = not_after;
}

void uat_trace_collateral_(const char *kind, const char *issuer, int64_t issued,
                           int64_t next_update, const char *source, const uint8_t *sha256)
{
    uat_trace *t = uat_trace_coll_cur;
    if (t == NULL) {
        return;
    }
    char hex[65] = "";
    if (sha256 != NULL) {
        uat_hex_encode(sha256, 32, hex);
    }
    for (size_t i = 0; i < t->ncolls; i++) {
        const uat_trace_coll *c = &t->colls[i];
        if (same(c->kind, kind) && same(c->issuer, issuer) && c->issued == issued &&
            c->next_update == next_update && same(c->source, source) &&
            strcmp(c->sha256, hex) == 0) {
            return;
        }
    }
    if (t->ncolls >= UAT_MAX_TRACE_ITEMS) {
        t->dropped++;
        return;
    }
    uat_trace_coll *c = &t->colls[t->ncolls++];
    c->kind = dup_text(kind);
    c->issuer = dup_text(issuer);
    c->source = dup_text(source);
    c->issued = issued;
    c->next_update = next_update;
    memcpy(c->sha256, hex, sizeof(c->sha256));
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *uat_trace_collateral_digests(const uat_trace *t)
{
    /* kind is cut at UAT_MAX_TRACE_TEXT; ":" + 64 hex digits */
    const char *items[UAT_MAX_TRACE_ITEMS];
    char *texts[UAT_MAX_TRACE_ITEMS];
    size_t n = 0, total = 1;
    for (size_t i = 0; t != NULL && i < t->ncolls; i++) {
        const uat_trace_coll *c = &t->colls[i];
        if (c->sha256[0] == '\0' || c->kind == NULL) {
            continue;
        }
        size_t len = strlen(c->kind) + 1 + 64 + 1;
        texts[n] = malloc(len);
        if (texts[n] == NULL) {
            for (size_t k = 0; k < n; k++) {
                free(texts[k]);
            }
            return NULL;
        }
        snprintf(texts[n], len, "%s:%s", c->kind, c->sha256);
        items[n] = texts[n];
        total += len;
        n++;
    }
    qsort(items, n, sizeof(items[0]), cmp_text);
    char *out = malloc(total);
    size_t off = 0;
    for (size_t i = 0; out != NULL && i < n; i++) {
        if (i > 0 && strcmp(items[i], items[i - 1]) == 0) {
            continue; /* the same bytes used twice (a CRL checked by two chains) */
        }
        off += (size_t)snprintf(out + off, total - off, "%s%s", off ? "," : "", items[i]);
    }
    if (out != NULL) {
        out[off] = '\0';
    }
    for (size_t k = 0; k < n; k++) {
        free(texts[k]);
    }
    return out;
}


void uat_trace_cert_source_(const char *source)
{
    if (uat_trace_cur != NULL) {
        uat_trace_cur->cert_source = source != NULL ? source : uat_trace_cur->coll_source;
    }
}

void uat_trace_coll_source_(const char *source)
{
    if (uat_trace_cur != NULL) {
        uat_trace_cur->coll_source = source;
    }
}

/* Called by the failure recorder (err.c) and by uat_error_clear: the last failure, like
 * uat_last_error, so a failure a caller recovers from (and clears) is not reported. */
void uat_trace_on_fail(const char *check, const char *field, int64_t offset)
{
    uat_trace *t = uat_trace_cur;
    if (t != NULL) {
        t->failed = 1;
        snprintf(t->fail_check, sizeof(t->fail_check), "%s", check ? check : "");
        snprintf(t->fail_field, sizeof(t->fail_field), "%s", field ? field : "");
        t->fail_offset = offset;
    }
}

void uat_trace_on_clear(void)
{
    if (uat_trace_cur != NULL) {
        uat_trace_cur->failed = 0;
    }
}

void uat_trace_finish(uat_trace *t, uat_err rc)
{
    if (t == NULL || rc == UAT_OK) {
        return;
    }
    const uat_error_detail *d = uat_last_error();
    const char *check = t->failed ? t->fail_check : d->check;
    uat_trace_rec *s = add_step(t, check[0] != '\0' ? check : "verify", UAT_STEP_FAIL);
    if (s == NULL && t->nsteps > 0) {
        s = &t->steps[t->nsteps - 1]; /* full: the failure replaces the last record */
        free(s->check);
        free(s->found);
        free(s->required);
        free(s->source);
        memset(s, 0, sizeof(*s));
        s->check = dup_text(check[0] != '\0' ? check : "verify");
        s->result = UAT_STEP_FAIL;
    }
    if (s == NULL) {
        return;
    }
    s->err = rc;
    s->found = dup_text(d->message[0] != '\0' ? d->message : uat_err_message(rc));
    const char *field = t->failed ? t->fail_field : d->field;
    int64_t off = t->failed ? t->fail_offset : d->offset;
    char where[160];
    if (field[0] != '\0' && off >= 0) {
        snprintf(where, sizeof(where), "field %s at offset %lld", field, (long long)off);
    } else if (field[0] != '\0') {
        snprintf(where, sizeof(where), "field %s", field);
    } else if (off >= 0) {
        snprintf(where, sizeof(where), "offset %lld", (long long)off);
    } else {
        where[0] = '\0';
    }
    s->source = where[0] != '\0' ? dup_text(where) : NULL;
}

void uat_coll_memo_add_src(uat_coll_memo *m, const char *kind, const char *issuer,
                           int64_t issued, int64_t next_update, const uint8_t *sha256,
                           const char *source)
{
    for (size_t i = 0; i < m->n; i++) { /* a CRL two certificates of a path share: once */
        const uat_coll_item *c = &m->items[i];
        if (same(c->kind, kind) && same(c->issuer, issuer) && c->issued == issued &&
            c->next_update == next_update && c->hashed == (sha256 != NULL) &&
            (sha256 == NULL || memcmp(c->sha256, sha256, 32) == 0)) {
            return;
        }
    }
    if (m->n >= UAT_MAX_COLL_MEMO) {
        m->lost = 1;
        return;
    }
    uat_coll_item *c = &m->items[m->n++];
    c->kind = kind;
    c->issuer = issuer;
    c->source = source;
    c->issued = issued;
    c->next_update = next_update;
    c->hashed = sha256 != NULL;
    if (sha256 != NULL) {
        memcpy(c->sha256, sha256, 32);
    } else {
        memset(c->sha256, 0, 32);
    }
}

void uat_coll_memo_add(uat_coll_memo *m, const char *kind, const char *issuer, int64_t issued,
                       int64_t next_update, const uint8_t *sha256)
{
    uat_coll_memo_add_src(m, kind, issuer, issued, next_update, sha256, NULL);
}

void uat_coll_memo_merge(uat_coll_memo *m, const uat_coll_memo *from)
{
    for (size_t i = 0; i < from->n; i++) {
        const uat_coll_item *c = &from->items[i];
        uat_coll_memo_add_src(m, c->kind, c->issuer, c->issued, c->next_update,
                              c->hashed ? c->sha256 : NULL, c->source);
    }
    m->lost |= from->lost;
}

void uat_coll_memo_record_(const uat_coll_memo *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const uat_coll_item *c = &m->items[i];
        uat_trace_collateral_(c->kind, c->issuer, c->issued, c->next_update,
                              c->source != NULL ? c->source : uat_trace_coll_source_now(),
                              c->hashed ? c->sha256 : NULL);
    }
}
