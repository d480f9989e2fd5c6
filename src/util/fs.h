/*
 * fs.h - file-system helpers: EINTR-safe I/O, whole-file reads with a cap,
 * atomic writes (temp file + rename), directory creation and path strings.
 * Every function returns 0 on success and -1 with error() on failure unless
 * it says otherwise.
 */
#ifndef ZC_FS_H
#define ZC_FS_H

#include "compat.h"
#include "strbuf.h"
#include <sys/stat.h>
#include <sys/types.h>

/* Reads/writes exactly len bytes unless EOF/error; returns bytes or -1. */
ssize_t read_in_full(int fd, void *buf, size_t len);
ssize_t write_in_full(int fd, const void *buf, size_t len);

/* Appends the whole file to sb; fails if it is larger than max_size. */
int read_file(const char *path, struct strbuf *sb, size_t max_size);
int read_fd(int fd, struct strbuf *sb, size_t max_size);

/*
 * Writes data to a fresh temporary file in tmp_dir and renames it to path,
 * so a reader sees the old file or the new one, never a part. The file gets
 * mode (before umask). fsync is not called: a crash may lose the entry but a
 * checksum catches a torn one. The file gets exactly mode.
 */
int write_file_atomic(const char *tmp_dir, const char *path, const void *data,
		      size_t len, mode_t mode);

/*
 * The general form: a fresh temporary file in tmp_dir is given exactly mode
 * (callers apply the umask they serve), filled by fill(fd, arg) (which returns 0 or -1 with error()),
 * and renamed to path. A symlink at path is replaced, never written through.
 */
int replace_file(const char *tmp_dir, const char *path, mode_t mode,
		 int (*fill)(int fd, void *arg), void *arg);

/* Opens a new unique file "<dir>/<prefix>XXXXXX" for writing; fills path. */
int create_temp_file(const char *dir, const char *prefix, struct strbuf *path);

/* mkdir -p with mode for every directory it creates. */
int mkdir_p(const char *path, mode_t mode);

/* "dir/name", or name alone when it is absolute or dir is empty. */
char *path_join(const char *dir, const char *name);
/* An absolute path without links, ".", ".." or "//": realpath() of what
 * exists, the missing rest taken as written. Malloc'd. */
char *path_canonical(const char *path);
/* The part after the last '/'. Returns a pointer into path. */
const char *path_basename(const char *path);
/* A malloc'd copy of the part before the last '/' ("." when none). */
char *path_dirname(const char *path);
bool path_is_absolute(const char *path);
/* path without its leading "./" (and "." alone becomes ""): "-I./B" finds
 * headers a dependency file calls "B/x.h". */
const char *path_skip_dot_slash(const char *path);

/* Current working directory as a malloc'd string, or NULL. */
char *get_cwd(void);

/* Removes a file if present; a missing file is success. */
int unlink_if_exists(const char *path);

/* Copies the bytes of src to a new file dst (mode 0600, must not exist):
 * copy_file_range, so a reflink or an in-kernel copy where possible. */
int copy_file(const char *src, const char *dst);

#endif
