/* Files: bounded reads, atomic writes, sorted directory listings. */
#ifndef UAT_CORE_FILE_H
#define UAT_CORE_FILE_H

#include "core/buf.h"

/* Appends the whole file (at most max bytes, else RESOURCE_LIMIT) to out. "-" is stdin. */
UAT_MUST_USE uat_err uat_file_read(const char *path, size_t max, uat_buf *out);
/* Writes to a temporary file in the same directory, then renames: never half-written. "-" is
 * stdout; an existing device or FIFO (/dev/null) is written in place, never replaced. */
UAT_MUST_USE uat_err uat_file_write_atomic(const char *path, const void *p, size_t n,
                                           unsigned mode);
/* Creates dir and its parents with mode (0700 for key stores). */
UAT_MUST_USE uat_err uat_mkdirs(const char *dir, unsigned mode);
int uat_file_exists(const char *path);

/* Regular files of a directory, sorted by name; paths are "<dir>/<name>". */
typedef struct uat_path_list {
    char **paths;
    size_t n;
} uat_path_list;
/* IO_NOT_FOUND when dir does not exist. At most max entries (RESOURCE_LIMIT past it). */
UAT_MUST_USE uat_err uat_dir_files(const char *dir, size_t max, uat_path_list *out);
void uat_path_list_free(uat_path_list *l);
/* "<a>/<b>" into a malloc'd string, or NULL. */
char *uat_path_join(const char *a, const char *b);

#endif
