/* A tiny RA-TLS peer for the integration tests, on the public API only (sim evidence).
 *
 *   ratls_peer cert STATE_DIR CERT_DER KEY_PEM [p256|p384|rsa]
 *       writes an RA-TLS certificate (DER) and its private key (PEM)
 *   ratls_peer server PORTFILE --state DIR [--trust DIR] [--key p256|p384|rsa]
 *       listens on 127.0.0.1 (a free port, written to PORTFILE), accepts one TLS 1.3 connection and
 *       echoes; with --trust the client must present an RA-TLS certificate (mutual RA-TLS)
 *   ratls_peer client HOST PORT --trust DIR [--state DIR] [--message TEXT]
 *       verifies the server's RA-TLS certificate; with --state presents its own; with --message
 *       sends it and expects it echoed
 * Exit status: 0 success, 1 a failed handshake or exchange (the error name is printed), 2 usage.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "uattest/uattest.h"
#include "uattest/ratls.h"

typedef struct args {
    const char *state;
    const char *trust;
    const char *message;
    enum uat_ratls_key_kind key;
} args;

static int fail(const char *what, uat_err e)
{
    char detail[512];
    uat_error_format(uat_last_error(), detail, sizeof(detail));
    fprintf(stderr, "ratls_peer: %s: [%s] %s\n", what, uat_err_name(e), detail);
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: ratls_peer cert STATE CERT KEY [kind] | server PORTFILE --state DIR "
                    "[--trust DIR] [--key kind] | client HOST PORT --trust DIR [--state DIR] "
                    "[--message TEXT]\n");
    return 2;
}

static int parse_kind(const char *s, enum uat_ratls_key_kind *out)
{
    if (strcmp(s, "p256") == 0) {
        *out = UAT_RATLS_KEY_P256;
    } else if (strcmp(s, "p384") == 0) {
        *out = UAT_RATLS_KEY_P384;
    } else if (strcmp(s, "rsa") == 0) {
        *out = UAT_RATLS_KEY_RSA3072;
    } else {
        return 0;
    }
    return 1;
}

static int parse_opts(int argc, char **argv, int first, args *a)
{
    memset(a, 0, sizeof(*a));
    a->key = UAT_RATLS_KEY_P256;
    for (int i = first; i < argc; i += 2) {
        if (i + 1 >= argc) {
            return 0;
        }
        if (strcmp(argv[i], "--state") == 0) {
            a->state = argv[i + 1];
        } else if (strcmp(argv[i], "--trust") == 0) {
            a->trust = argv[i + 1];
        } else if (strcmp(argv[i], "--message") == 0) {
            a->message = argv[i + 1];
        } else if (strcmp(argv[i], "--key") != 0 || !parse_kind(argv[i + 1], &a->key)) {
            return 0;
        }
    }
    return 1;
}

/* An RA-TLS certificate of this process's sim attester (its key under state). */
static uat_err make_cert(const char *state, enum uat_ratls_key_kind kind, uint8_t **der, size_t *n,
                         char **key)
{
    uat_attester *at = NULL;
    uat_err e = uat_attester_new("sim", NULL, &at);
    if (e == UAT_OK) {
        e = uat_attester_set_option(at, "state-dir", state);
    }
    if (e == UAT_OK) {
        e = uat_attester_set_option(at, "measure", "ratls_peer");
    }
    if (e == UAT_OK) {
        e = uat_ratls_cert_new(at, kind, NULL, 0, 0, 0, der, n, key);
    }
    uat_attester_free(at);
    return e;
}

static int write_file(const char *path, const void *p, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL && fwrite(p, 1, n, f) == n;
    ok = f != NULL && fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

static int cmd_cert(int argc, char **argv)
{
    enum uat_ratls_key_kind kind = UAT_RATLS_KEY_P256;
    if (argc < 5 || (argc > 5 && !parse_kind(argv[5], &kind))) {
        return usage();
    }
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    uat_err e = make_cert(argv[2], kind, &der, &n, &key);
    if (e != UAT_OK) {
        return fail("cert", e);
    }
    int ok = write_file(argv[3], der, n) && write_file(argv[4], key, strlen(key));
    free(der);
    free(key);
    return ok ? 0 : 1;
}

static void set_timeouts(int fd)
{
    struct timeval tv = {20, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void print_peer(const char *who, const uat_ratls_conn *c)
{
    const uat_claims *claims = uat_ratls_peer_claims(c);
    if (claims != NULL) {
        const char *m = uat_claims_get_string(claims, "measurement");
        printf("%s verified: tee=%s measurement=%s\n", who, uat_claims_tee(claims), m ? m : "-");
    }
}

static uat_verifier *new_verifier(const char *trust)
{
    uat_verifier *v = NULL;
    if (uat_verifier_new(&v) != UAT_OK || uat_verifier_set_trust_dir(v, trust) != UAT_OK) {
        uat_verifier_free(v);
        return NULL;
    }
    return v;
}

/* Binds 127.0.0.1:0 and publishes the port the kernel chose. */
static int listen_any(const char *portfile)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("ratls_peer: listen");
        return -1;
    }
    char port[16];
    int n = snprintf(port, sizeof(port), "%u\n", (unsigned)ntohs(sa.sin_port));
    if (!write_file(portfile, port, (size_t)n)) {
        perror("ratls_peer: port file");
        return -1;
    }
    return fd;
}

static int echo(uat_ratls_conn *c)
{
    char buf[4096];
    for (;;) {
        size_t n = 0;
        uat_err e = uat_ratls_read(c, buf, sizeof(buf), &n);
        if (e != UAT_OK) {
            fail("server read", e);
            return 0; /* the handshake succeeded: how the peer left is its business */
        }
        if (n == 0) {
            return 0;
        }
        e = uat_ratls_write(c, buf, n);
        if (e != UAT_OK) {
            fail("server write", e);
            return 0;
        }
    }
}

static int serve(int lfd, uat_ratls_tls *t)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
        perror("ratls_peer: accept");
        return 1;
    }
    set_timeouts(fd);
    uat_ratls_conn *c = NULL;
    uat_err e = uat_ratls_accept(t, fd, &c);
    int rc = e == UAT_OK ? 0 : fail("server handshake", e);
    if (e == UAT_OK) {
        printf("server: handshake ok\n");
        print_peer("client", c);
        fflush(stdout);
        rc = echo(c);
        uat_ratls_close(c);
    }
    close(fd);
    return rc;
}

static int cmd_server(int argc, char **argv)
{
    args a;
    if (argc < 3 || !parse_opts(argc, argv, 3, &a) || a.state == NULL) {
        return usage();
    }
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    uat_err e = make_cert(a.state, a.key, &der, &n, &key);
    if (e != UAT_OK) {
        return fail("server cert", e);
    }
    uat_verifier *v = a.trust ? new_verifier(a.trust) : NULL;
    uat_ratls_opts o = {v, NULL, NULL, 0, NULL, 0, 0};
    uat_ratls_tls *t = NULL;
    int rc = 1;
    if (a.trust != NULL && v == NULL) {
        fprintf(stderr, "ratls_peer: bad trust directory %s\n", a.trust);
    } else if ((e = uat_ratls_tls_server(der, n, key, v ? &o : NULL, &t)) != UAT_OK) {
        rc = fail("server context", e);
    } else {
        int lfd = listen_any(argv[2]);
        rc = lfd < 0 ? 1 : serve(lfd, t);
        if (lfd >= 0) {
            close(lfd);
        }
    }
    uat_ratls_tls_free(t);
    uat_verifier_free(v);
    free(der);
    free(key);
    return rc;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        fprintf(stderr, "ratls_peer: cannot resolve %s\n", host);
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        perror("ratls_peer: connect");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        set_timeouts(fd);
    }
    return fd;
}

/* Sends the message and reads it back whole. */
static int exchange(uat_ratls_conn *c, const char *msg)
{
    size_t len = strlen(msg), got = 0;
    char buf[4096];
    uat_err e = uat_ratls_write(c, msg, len);
    while (e == UAT_OK && got < len && got < sizeof(buf)) {
        size_t n = 0;
        e = uat_ratls_read(c, buf + got, sizeof(buf) - got, &n);
        if (e == UAT_OK && n == 0) {
            fprintf(stderr, "ratls_peer: the server closed the connection\n");
            return 1;
        }
        got += n;
    }
    if (e != UAT_OK) {
        return fail("client exchange", e);
    }
    if (got != len || memcmp(buf, msg, len) != 0) {
        fprintf(stderr, "ratls_peer: the echo differs\n");
        return 1;
    }
    printf("client: echo ok\n");
    return 0;
}

static int connect_and_talk(int fd, uat_ratls_tls *t, const char *msg)
{
    uat_ratls_conn *c = NULL;
    uat_err e = uat_ratls_connect(t, fd, &c);
    if (e != UAT_OK) {
        return fail("client handshake", e);
    }
    printf("client: handshake ok\n");
    print_peer("server", c);
    fflush(stdout);
    int rc = msg != NULL ? exchange(c, msg) : 0;
    uat_ratls_close(c);
    return rc;
}

static int cmd_client(int argc, char **argv)
{
    args a;
    if (argc < 4 || !parse_opts(argc, argv, 4, &a) || a.trust == NULL) {
        return usage();
    }
    uint8_t *der = NULL;
    size_t n = 0;
    char *key = NULL;
    uat_err e = a.state ? make_cert(a.state, a.key, &der, &n, &key) : UAT_OK;
    if (e != UAT_OK) {
        return fail("client cert", e);
    }
    uat_verifier *v = new_verifier(a.trust);
    uat_ratls_opts o = {v, NULL, NULL, 0, NULL, 0, 0};
    uat_ratls_tls *t = NULL;
    int rc = 1;
    if (v == NULL) {
        fprintf(stderr, "ratls_peer: bad trust directory %s\n", a.trust);
    } else if ((e = uat_ratls_tls_client(der, n, key, &o, &t)) != UAT_OK) {
        rc = fail("client context", e);
    } else {
        int fd = dial(argv[2], argv[3]);
        rc = fd < 0 ? 1 : connect_and_talk(fd, t, a.message);
        if (fd >= 0) {
            close(fd);
        }
    }
    uat_ratls_tls_free(t);
    uat_verifier_free(v);
    free(der);
    free(key);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "cert") == 0) {
        return cmd_cert(argc, argv);
    }
    if (strcmp(argv[1], "server") == 0) {
        return cmd_server(argc, argv);
    }
    if (strcmp(argv[1], "client") == 0) {
        return cmd_client(argc, argv);
    }
    return usage();
}
