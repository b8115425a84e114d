/* Files: bounded reads, atomic writes, sorted directory listings. */
#include "core/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"

static uat_err io_fail(uat_err e, const char *check, const char *path)
{
    return UAT_FAILF(errno == ENOENT ? UAT_ERR_IO_NOT_FOUND : e, check, "", -1, "%s: %s", path,
                     strerror(errno));
}

uat_err uat_file_read(const char *path, size_t max, uat_buf *out)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return io_fail(UAT_ERR_IO_READ, "file.read", path);
    }
    size_t start = out->len;
    uat_err rc = UAT_OK;
    for (;;) {
        uint8_t chunk[16384];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = io_fail(UAT_ERR_IO_READ, "file.read", path);
            break;
        }
        if (n == 0) {
            break;
        }
        if ((size_t)n > max - (out->len - start)) {
            rc = UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, "file.read", "", -1, "%s is larger than %zu bytes",
                           path, max);
            break;
        }
        UAT_TRY_GOTO(rc, uat_buf_append(out, chunk, (size_t)n), out);
    }
out:
    if (fd != STDIN_FILENO) {
        close(fd);
    }
    if (rc != UAT_OK && out->p != NULL) {
        uat_wipe(out->p + start, out->len - start);
        out->len = start;
    }
    return rc;
}

static uat_err write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return UAT_FAILF(UAT_ERR_IO_WRITE, "file.write", "", -1, "%s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return UAT_OK;
}

uat_err uat_file_write_atomic(const char *path, const void *p, size_t n, unsigned mode)
{
    if (strcmp(path, "-") == 0) {
        return write_all(STDOUT_FILENO, p, n);
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or pipe (/dev/null, /dev/stdout, a FIFO): written in place, never replaced. */
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return io_fail(UAT_ERR_IO_WRITE, "file.write", path);
        }
        int dfd = open(path, O_WRONLY | O_CLOEXEC);
        if (dfd < 0) {
            return io_fail(UAT_ERR_IO_WRITE, "file.write", path);
        }
        uat_err drc = write_all(dfd, p, n);
        if (close(dfd) != 0 && drc == UAT_OK) {
            drc = io_fail(UAT_ERR_IO_WRITE, "file.write", path);
        }
        return drc;
    }
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (tmp == NULL) {
        return UAT_NOMEM("file.write");
    }
    snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        uat_err e = io_fail(UAT_ERR_IO_WRITE, "file.write", path);
        free(tmp);
        return e;
    }
    uat_err rc = write_all(fd, p, n);
    if (rc == UAT_OK && (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)) {
        rc = io_fail(UAT_ERR_IO_WRITE, "file.write", path);
    }
    if (close(fd) != 0 && rc == UAT_OK) {
        rc = io_fail(UAT_ERR_IO_WRITE, "file.write", path);
    }
    if (rc == UAT_OK && rename(tmp, path) != 0) {
        rc = io_fail(UAT_ERR_IO_WRITE, "file.write", path);
    }
    if (rc != UAT_OK) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

uat_err uat_mkdirs(const char *dir, unsigned mode)
{
    char path[UAT_MAX_PATH_LEN];
    size_t len = strlen(dir);
    UAT_ENSURE(len > 0 && len < sizeof(path), UAT_ERR_USAGE_INVALID_ARGUMENT, "file.mkdir", "", -1);
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') {
            continue;
        }
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST) {
            return io_fail(UAT_ERR_IO_WRITE, "file.mkdir", path);
        }
        path[i] = saved;
    }
    return UAT_OK;
}

int uat_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

char *uat_path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s != NULL) {
        snprintf(s, n, "%s/%s", a, b);
    }
    return s;
}

void uat_path_list_free(uat_path_list *l)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        free(l->paths[i]);
    }
    if (l != NULL) {
        free(l->paths);
        l->paths = NULL;
        l->n = 0;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

uat_err uat_dir_files(const char *dir, size_t max, uat_path_list *out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return io_fail(UAT_ERR_IO_READ, "file.dir", dir);
    }
    uat_path_list l = {NULL, 0};
    uat_err rc = UAT_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char *p = uat_path_join(dir, e->d_name);
        struct stat st;
        if (p == NULL || stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (l.n >= max) {
            free(p);
            rc = UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, "file.dir", "", -1, "%s has more than %zu files",
                           dir, max);
            break;
        }
        char **np = realloc(l.paths, (l.n + 1) * sizeof(*np));
        if (np == NULL) {
            free(p);
            rc = UAT_NOMEM("file.dir");
            break;
        }
        l.paths = np;
        l.paths[l.n++] = p;
    }
    closedir(d);
    if (rc != UAT_OK) {
        uat_path_list_free(&l);
        return rc;
    }
    if (l.n > 1) {
        qsort(l.paths, l.n, sizeof(*l.paths), cmp_str);
    }
    *out = l;
    return UAT_OK;
}
