/* A loopback HTTP/1.0 server for unit tests of fetching code: one thread, one fixed body for
 * requests whose path starts with a prefix (404 otherwise), every request line recorded. */
#ifndef UAT_TESTS_HTTP_FIXTURE_H
#define UAT_TESTS_HTTP_FIXTURE_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct http_fixture {
    int fd, port;
    pthread_t thread;
    const char *prefix;     /* path prefix answered with body */
    const uint8_t *body;
    size_t len;
    int requests;
    char last_path[512];
} http_fixture;

static void *http_fixture_serve(void *arg)
{
    http_fixture *h = arg;
    for (;;) {
        int c = accept(h->fd, NULL, NULL);
        if (c < 0) {
            return NULL; /* closed by http_fixture_stop */
        }
        char req[2048] = "";
        size_t n = 0;
        while (n < sizeof(req) - 1 && strstr(req, "\r\n\r\n") == NULL) {
            ssize_t r = read(c, req + n, sizeof(req) - 1 - n);
            if (r <= 0) {
                break;
            }
            n += (size_t)r;
            req[n] = '\0';
        }
        req[n] = '\0';
        char path[512] = "";
        sscanf(req, "GET %511s", path);
        snprintf(h->last_path, sizeof(h->last_path), "%s", path);
        h->requests++;
        char head[256];
        int ok = h->body != NULL && strncmp(path, h->prefix, strlen(h->prefix)) == 0;
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.0 %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                          ok ? "200 OK" : "404 Not Found", ok ? h->len : 0);
        if (write(c, head, (size_t)hl) < 0 || (ok && write(c, h->body, h->len) < 0)) {
            /* the client went away: nothing to do */
        }
        close(c);
    }
}

static inline int http_fixture_start(http_fixture *h, const char *prefix, const uint8_t *body,
                                     size_t len)
{
    memset(h, 0, sizeof(*h));
    h->prefix = prefix;
    h->body = body;
    h->len = len;
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(h->fd, 8) != 0 ||
        getsockname(h->fd, (struct sockaddr *)&a, &al) != 0) {
        return -1;
    }
    h->port = ntohs(a.sin_port);
    return pthread_create(&h->thread, NULL, http_fixture_serve, h);
}

static inline void http_fixture_stop(http_fixture *h)
{
    shutdown(h->fd, SHUT_RDWR);
    close(h->fd);
    pthread_join(h->thread, NULL);
}

#endif
