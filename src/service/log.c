/* JSON-lines logging: jansson builds each object so every value is escaped correctly. */
#include "service/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* "2025-06-20T12:00:00.123Z" */
static void timestamp(char out[40])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char date[24];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03ldZ", date, ts.tv_nsec / 1000000L);
}

static void emit(json_t *o)
{
    char ts[40];
    timestamp(ts);
    json_object_set_new(o, "ts", json_string(ts));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (text == NULL) {
        return;
    }
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps' terminator becomes the line end: one write per line */
    ssize_t w = write(STDERR_FILENO, text, n + 1);
    (void)w;
    free(text);
}

static json_t *start(const char *level)
{
    json_t *o = json_object();
    if (o != NULL) {
        json_object_set_new(o, "ts", json_string(""));
        json_object_set_new(o, "level", json_string(level));
    }
    return o;
}

void uat_log_request(const char *route, const char *method, int status, double ms, const char *tee,
                     const char *error)
{
    json_t *o = start(status >= 500 ? "error" : status >= 400 ? "warn" : "info");
    if (o == NULL) {
        return;
    }
    json_object_set_new(o, "route", json_string(route));
    json_object_set_new(o, "method", json_string(method ? method : ""));
    json_object_set_new(o, "status", json_integer(status));
    json_object_set_new(o, "ms", json_real(ms));
    if (tee != NULL && tee[0] != '\0') {
        json_object_set_new(o, "tee", json_string(tee));
    }
    if (error != NULL && error[0] != '\0') {
        json_object_set_new(o, "error", json_string(error));
    }
    emit(o);
}

void uat_log_event(const char *level, const char *msg, ...)
{
    json_t *o = start(level);
    if (o == NULL) {
        return;
    }
    json_object_set_new(o, "msg", json_string(msg));
    va_list ap;
    va_start(ap, msg);
    for (const char *k = va_arg(ap, const char *); k != NULL; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        json_object_set_new(o, k, v ? json_string(v) : json_null());
    }
    va_end(ap);
    emit(o);
}

void uat_log_vfmt(const char *level, const char *fmt, va_list ap)
{
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) {
        text[--n] = '\0';
    }
    uat_log_event(level, text, NULL);
}
