/* JSON-lines logs on stderr: one object per line, written with one write(2). */
#ifndef UAT_SERVICE_LOG_H
#define UAT_SERVICE_LOG_H

#include <stdarg.h>

/* {"ts","level":"info","route","status","ms","tee"?,"error"?} */
void uat_log_request(const char *route, const char *method, int status, double ms, const char *tee,
                     const char *error);
/* {"ts","level","msg", key: value ...}: pairs of key and value strings, ended by NULL. */
void uat_log_event(const char *level, const char *msg, ...);
/* printf-style message at level (libmicrohttpd's own warnings). */
void uat_log_vfmt(const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
