/* Unit tests for src/core/file.c: bounded reads and atomic writes.
 *
 * An atomic write replaces a regular file by renaming a temporary file over it, so a reader never
 * sees half a file and a failed write leaves the old content and no temporary file behind. A
 * device or FIFO at the path is written in place: renaming over /dev/null would replace the
 * machine's /dev/null with a regular file. Negative cases first.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/file.h"

#include "uat_assert.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/uat-file-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static size_t entries(void)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        n += e->d_name[0] != '.';
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

static void read_back(const char *path, const char *want)
{
    uat_buf b;
    uat_buf_init(&b, 1024);
    assert_ok(uat_file_read(path, 1024, &b));
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    uat_buf_free(&b);
}

static void test_missing_directory_fails_cleanly(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/no/such/file", dir);
    assert_err(uat_file_write_atomic(path, "x", 1, 0644), UAT_ERR_IO_NOT_FOUND);
    assert_int_equal(entries(), 0);
}

static void test_directory_target_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_err(uat_file_write_atomic(path, "x", 1, 0644), UAT_ERR_IO_WRITE);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(entries(), 0);
}

static void test_read_limit(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/big", dir);
    assert_ok(uat_file_write_atomic(path, "0123456789", 10, 0600));
    uat_buf b;
    uat_buf_init(&b, 1024);
    assert_err(uat_file_read(path, 9, &b), UAT_ERR_RESOURCE_LIMIT);
    uat_buf_free(&b);
    assert_int_equal(unlink(path), 0);
}

static void test_replaces_regular_file_with_mode(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/out", dir);
    assert_ok(uat_file_write_atomic(path, "first", 5, 0600));
    assert_ok(uat_file_write_atomic(path, "second", 6, 0644));
    read_back(path, "second");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(entries(), 1); /* no temporary file left */
    assert_int_equal(unlink(path), 0);
}

static void test_fifo_written_in_place(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char got[16] = {0};
        int fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, got, sizeof(got) - 1);
        _exit(n == 5 && memcmp(got, "hello", 5) == 0 ? 0 : 1);
    }
    assert_ok(uat_file_write_atomic(path, "hello", 5, 0644));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode)); /* still the FIFO, not a renamed regular file */
    assert_int_equal(entries(), 1);
    assert_int_equal(unlink(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_directory_fails_cleanly),
        cmocka_unit_test(test_directory_target_refused),
        cmocka_unit_test(test_read_limit),
        cmocka_unit_test(test_replaces_regular_file_with_mode),
        cmocka_unit_test(test_fifo_written_in_place),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
