/* The error table's generated functions and the per-thread last-error detail. */
#include "core/check.h"

/* trace.c: the explanation trace keeps the last failure too */
void uat_trace_on_fail(const char *check, const char *field, int64_t offset);
void uat_trace_on_clear(void);

#include <stdio.h>
#include <string.h>

struct err_row {
    uat_err err;
    const char *name;
    const char *message;
    const char *remedy;
    int http;
};

#define ROW(name, cat, num, http, msg, remedy) {UAT_ERR_##name, #name, msg, remedy, http},
static const struct err_row rows[] = {UAT_ERR_TABLE(ROW)};
#undef ROW

static const char *const category_names[] = {
    "OK", "USAGE", "PARSE", "VERIFY", "PLATFORM", "IO", "CRYPTO", "RESOURCE", "UNSUPPORTED", "INTERNAL",
};

/* Thread-local like errno: the detail of the last failure on this thread. */
static _Thread_local uat_error_detail last = {UAT_OK, "", "", -1, "", 0, ""};

static const struct err_row *find_row(uat_err e)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].err == e) {
            return &rows[i];
        }
    }
    return NULL;
}

const char *uat_err_name(uat_err e)
{
    const struct err_row *r = find_row(e);
    return r ? r->name : "UNKNOWN";
}

const char *uat_err_message(uat_err e)
{
    const struct err_row *r = find_row(e);
    return r ? r->message : "an unknown error occurred";
}

const char *uat_err_remedy(uat_err e)
{
    const struct err_row *r = find_row(e);
    return r ? r->remedy : "Report this as a bug with the detail message.";
}

int uat_err_http_status(uat_err e)
{
    const struct err_row *r = find_row(e);
    return r ? r->http : 500;
}

enum uat_err_category uat_err_category(uat_err e)
{
    unsigned c = ((unsigned)e >> UAT_CAT_SHIFT) & 0xffu;
    if (c > UAT_CAT_INTERNAL || find_row(e) == NULL) {
        return UAT_CAT_INTERNAL;
    }
    return (enum uat_err_category)c;
}

const char *uat_err_category_name(enum uat_err_category c)
{
    if ((unsigned)c > UAT_CAT_INTERNAL) {
        return "INTERNAL";
    }
    return category_names[c];
}

int uat_err_exit_code(uat_err e)
{
    if (e == UAT_OK) {
        return 0;
    }
    return (int)uat_err_category(e) + 1;
}

uat_err uat_err_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (strcmp(rows[i].name, name) == 0) {
            return rows[i].err;
        }
    }
    return UAT_ERR_INTERNAL;
}

const uat_error_detail *uat_last_error(void)
{
    return &last;
}

void uat_error_clear(void)
{
    last.err = UAT_OK;
    last.check = "";
    last.field = "";
    last.offset = -1;
    last.file = "";
    last.line = 0;
    last.message[0] = '\0';
    if (uat_trace_cur != NULL) {
        uat_trace_on_clear();
    }
}

/* check and field are usually static strings, but some name a JSON member that is freed with its
 * document before anyone reads the error: keep copies that live as long as the detail. */
static _Thread_local char check_copy[96];
static _Thread_local char field_copy[96];

static const char *keep(char *slot, size_t cap, const char *s)
{
    if (s == NULL) {
        return "";
    }
    size_t n = strnlen(s, cap - 1);
    memmove(slot, s, n); /* s may be the slot itself (re-recording the last error) */
    slot[n] = '\0';
    return slot;
}

uat_err uat_fail_at(uat_err err, const char *check, const char *field, int64_t offset,
                    const char *file, int line)
{
    last.err = err;
    last.check = keep(check_copy, sizeof(check_copy), check);
    last.field = keep(field_copy, sizeof(field_copy), field);
    last.offset = offset;
    last.file = file ? file : "";
    last.line = line;
    last.message[0] = '\0';
    if (uat_trace_cur != NULL) {
        uat_trace_on_fail(last.check, last.field, offset);
    }
    return err;
}

uat_err uat_fail_fmt(uat_err err, const char *check, const char *field, int64_t offset,
                     const char *file, int line, const char *fmt, ...)
{
    uat_fail_at(err, check, field, offset, file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last.message, sizeof(last.message), fmt, ap);
    va_end(ap);
    return err;
}

__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t len, size_t *used,
                                                          const char *fmt, ...)
{
    if (*used + 1 >= len) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0) {
        *used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
    }
}

size_t uat_error_format(const uat_error_detail *d, char *buf, size_t len)
{
    if (buf == NULL || len == 0) {
        return 0;
    }
    size_t used = 0;
    buf[0] = '\0';
    append(buf, len, &used, "%s [%s]", uat_err_message(d->err), uat_err_name(d->err));
    if (d->check[0] != '\0') {
        append(buf, len, &used, " (check %s", d->check);
        if (d->field[0] != '\0') {
            append(buf, len, &used, ", field %s", d->field);
        }
        if (d->offset >= 0) {
            append(buf, len, &used, ", offset %lld", (long long)d->offset);
        }
        append(buf, len, &used, ")");
    }
    if (d->message[0] != '\0') {
        append(buf, len, &used, ": %s", d->message);
    }
    return used;
}
