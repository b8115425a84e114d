/* The agent's local API on libmicrohttpd: a Unix socket the agent creates itself (mode 0660, the
 * configured group: who may connect is decided by the file system), optionally loopback TCP.
 * Every request is logged with the caller's uid/gid/pid (SO_PEERCRED) on the Unix socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/routes.h"
#include "service/log.h"

#define CHECK "agent.http"

struct uat_agent_http {
    uat_agent *agent;
    struct MHD_Daemon *unix_d, *tcp_d;
    int unix_fd;
    char *path; /* unlinked at stop */
};

typedef struct conn {
    uat_buf body;
    int too_large;
    struct timespec start;
} conn;

/* ---- the sockets ---- */

static uat_err group_id(const char *g, gid_t *out)
{
    char *end = NULL;
    unsigned long n = strtoul(g, &end, 10);
    if (end != g && *end == '\0') {
        *out = (gid_t)n;
        return UAT_OK;
    }
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(g, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
        return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "socket.group", -1,
                         "there is no group %s", g);
    }
    *out = gr.gr_gid;
    return UAT_OK;
}

/* A socket file left by an agent that is gone is removed; one that answers is in use. */
static uat_err clear_stale(const char *path, const struct sockaddr_un *sa)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return UAT_OK;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "socket.path", -1,
                         "%s exists and is not a socket", path);
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
    if (probe >= 0) {
        close(probe);
    }
    if (live) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "socket.path", -1,
                         "%s is in use by another process", path);
    }
    return unlink(path) == 0
               ? UAT_OK
               : UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "socket.path", -1,
                           "cannot remove the stale socket %s: %s", path, strerror(errno));
}

static uat_err unix_listen(const uat_agent_config *c, int *out)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    UAT_ENSURE(strlen(c->socket_path) < sizeof(sa.sun_path), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "socket.path", -1);
    memcpy(sa.sun_path, c->socket_path, strlen(c->socket_path));
    gid_t gid = (gid_t)-1;
    if (c->socket_group != NULL) {
        UAT_TRY(group_id(c->socket_group, &gid));
    }
    UAT_TRY(clear_stale(c->socket_path, &sa));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "socket", -1, "socket: %s", strerror(errno));
    }
    /* created without access for others from the first instant (single-threaded here) */
    mode_t old = umask(0117);
    int ok = bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0;
    umask(old);
    const char *step = "bind";
    if (ok && !(ok = chmod(c->socket_path, 0660) == 0)) {
        step = "chmod";
    }
    if (ok && gid != (gid_t)-1 && !(ok = chown(c->socket_path, (uid_t)-1, gid) == 0)) {
        step = "chown";
    }
    if (ok && !(ok = listen(fd, 64) == 0)) {
        step = "listen";
    }
    if (!ok) {
        uat_err rc = UAT_FAILF(UAT_ERR_IO_WRITE, CHECK, "socket.path", -1, "%s %s: %s", step,
                               c->socket_path, strerror(errno));
        close(fd);
        if (strcmp(step, "bind") != 0) {
            unlink(c->socket_path);
        }
        return rc;
    }
    *out = fd;
    return UAT_OK;
}

/* Loopback only: the API hands out secrets, and TCP callers have no uid to log. */
static uat_err tcp_addr(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    size_t hl = colon != NULL ? (size_t)(colon - listen) : 0;
    UAT_ENSURE(colon != NULL && hl > 0 && hl < sizeof(host), UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK,
               "tcp", -1);
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    UAT_ENSURE(end != colon + 1 && *end == '\0' && port >= 0 && port <= 65535,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tcp", -1);
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1 && (ntohl(v4->sin_addr.s_addr) >> 24) == 127) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
        return UAT_OK;
    }
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1 &&
            IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons((uint16_t)port);
            *len = sizeof(*v6);
            return UAT_OK;
        }
    }
    return UAT_FAILF(UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "tcp", -1,
                     "tcp %s: the agent listens on loopback only (127.x.y.z:PORT or [::1]:PORT)",
                     listen);
}

/* ---- requests ---- */

static void log_request(struct MHD_Connection *c, const char *method, const char *route, int status,
                        const conn *cn, const char *error)
{
    char uid[16] = "", gid[16] = "", pid[16] = "", st[8], ms[24];
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct ucred cred;
    socklen_t cl = sizeof(cred);
    const char *peer = "tcp";
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    /* SO_PEERCRED "succeeds" on TCP too (uid -1): ask only on the Unix socket */
    if (ci != NULL && getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) == 0 &&
        ss.ss_family == AF_UNIX &&
        getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 &&
        cl == sizeof(cred)) {
        snprintf(uid, sizeof(uid), "%u", (unsigned)cred.uid);
        snprintf(gid, sizeof(gid), "%u", (unsigned)cred.gid);
        snprintf(pid, sizeof(pid), "%d", (int)cred.pid);
        peer = "unix";
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double d = (double)(now.tv_sec - cn->start.tv_sec) * 1e3 +
               (double)(now.tv_nsec - cn->start.tv_nsec) / 1e6;
    snprintf(st, sizeof(st), "%d", status);
    snprintf(ms, sizeof(ms), "%.3f", d);
    const char *level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
    if (uid[0] != '\0') {
        uat_log_event(level, "request", "route", route, "method", method, "status", st, "ms", ms,
                      "peer", peer, "uid", uid, "gid", gid, "pid", pid, error[0] ? "error" : NULL,
                      error, NULL);
    } else {
        uat_log_event(level, "request", "route", route, "method", method, "status", st, "ms", ms,
                      "peer", peer, error[0] ? "error" : NULL, error, NULL);
    }
}

static enum MHD_Result respond(struct MHD_Connection *c, uat_agent_resp *rs)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(rs->body.len, rs->body.p, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", rs->content_type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **ptr)
{
    (void)version;
    uat_agent_http *h = cls;
    conn *cn = *ptr;
    if (cn == NULL) {
        cn = calloc(1, sizeof(*cn));
        if (cn == NULL) {
            return MHD_NO;
        }
        uat_buf_init(&cn->body, UAT_AGENT_MAX_BODY);
        clock_gettime(CLOCK_MONOTONIC, &cn->start);
        *ptr = cn;
        return MHD_YES;
    }
    if (*size > 0) {
        if (!cn->too_large && uat_buf_append(&cn->body, data, *size) != UAT_OK) {
            cn->too_large = 1; /* read on, answer 413 at the end */
        }
        *size = 0;
        return MHD_YES;
    }
    uat_agent_req rq = {method, url, cn->body.p, cn->body.len};
    uat_agent_resp rs;
    memset(&rs, 0, sizeof(rs));
    uat_buf_init(&rs.body, 2u * 1024u * 1024u);
    const char *route = "unknown";
    if (cn->too_large) {
        uat_agent_error_detail(&rs, UAT_ERR_RESOURCE_LIMIT, "agent.http.body",
                               "the request body is larger than 256 KiB");
    } else {
        route = uat_agent_route(h->agent, &rq, &rs);
    }
    log_request(c, method, route, rs.status, cn, rs.error);
    enum MHD_Result ret = respond(c, &rs);
    uat_buf_free(&rs.body);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ptr,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn *cn = *ptr;
    if (cn != NULL) {
        uat_buf_free(&cn->body);
        free(cn);
        *ptr = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    uat_log_vfmt("warn", fmt, ap);
}

static struct MHD_Daemon *daemon_on(uat_agent_http *h, int fd)
{
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, h, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)UAT_AGENT_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)60, MHD_OPTION_END);
}

static uat_err tcp_start(uat_agent_http *h, unsigned *port)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    UAT_TRY(tcp_addr(h->agent->cfg->tcp_listen, &ss, &len));
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
             bind(fd, (struct sockaddr *)&ss, len) == 0 && listen(fd, 64) == 0 &&
             getsockname(fd, (struct sockaddr *)&ss, &len) == 0;
    if (ok) {
        *port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
        h->tcp_d = daemon_on(h, fd);
        ok = h->tcp_d != NULL;
    }
    if (!ok) {
        uat_err rc = UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "tcp", -1, "cannot listen on %s: %s",
                               h->agent->cfg->tcp_listen, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return rc;
    }
    return UAT_OK;
}

uat_err uat_agent_http_start(uat_agent *a, uat_agent_http **out, unsigned *tcp_port)
{
    uat_agent_http *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return UAT_NOMEM(CHECK);
    }
    h->agent = a;
    h->unix_fd = -1;
    *tcp_port = 0;
    uat_err rc = unix_listen(a->cfg, &h->unix_fd);
    if (rc == UAT_OK && (h->path = strdup(a->cfg->socket_path)) == NULL) {
        rc = UAT_NOMEM(CHECK);
    }
    if (rc == UAT_OK && (h->unix_d = daemon_on(h, h->unix_fd)) == NULL) {
        rc = UAT_FAILF(UAT_ERR_IO_NETWORK, CHECK, "socket.path", -1,
                       "the HTTP server cannot start on %s", a->cfg->socket_path);
    } else if (rc == UAT_OK) {
        h->unix_fd = -1; /* the daemon owns it now: MHD_stop_daemon closes it */
    }
    if (rc == UAT_OK && a->cfg->tcp_listen != NULL) {
        rc = tcp_start(h, tcp_port);
    }
    if (rc != UAT_OK) {
        uat_agent_http_stop(h);
        return rc;
    }
    *out = h;
    return UAT_OK;
}

void uat_agent_http_stop(uat_agent_http *h)
{
    if (h == NULL) {
        return;
    }
    if (h->tcp_d != NULL) {
        MHD_stop_daemon(h->tcp_d); /* closes the TCP listening socket (MHD owns it) */
    }
    if (h->unix_d != NULL) {
        MHD_stop_daemon(h->unix_d);
    }
    if (h->unix_fd >= 0) {
        close(h->unix_fd); /* no daemon took it */
    }
    if (h->path != NULL) {
        unlink(h->path);
        free(h->path);
    }
    free(h);
}
