#include "compat.h"
#include "fs.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t read_in_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t write_in_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int read_fd(int fd, struct strbuf *sb, size_t max_size)
{
	struct stat st;
	size_t hint = 8192;

	/* Room for one byte more than the file has: the read that finds the
	 * end then needs no bigger buffer. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		hint = (size_t)st.st_size + 2;
	for (;;) {
		if (sb->len > max_size)
			return error("file larger than %zu bytes", max_size);
		if (sb->alloc < sb->len + 2)
			strbuf_grow(sb, hint);
		ssize_t n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error("read failed:");
		if (n == 0)
			break;
		strbuf_setlen(sb, sb->len + (size_t)n);
		hint = 65536;
	}
	return sb->len > max_size ? error("file larger than %zu bytes", max_size) : 0;
}

int read_file(const char *path, struct strbuf *sb, size_t max_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return error("cannot open '%s':", path);
	ret = read_fd(fd, sb, max_size);
	close(fd);
	return ret;
}

int create_temp_file(const char *dir, const char *prefix, struct strbuf *path)
{
	int fd;

	strbuf_reset(path);
	strbuf_addf(path, "%s/%sXXXXXX", dir, prefix);
	fd = mkostemp(path->buf, O_CLOEXEC);
	if (fd < 0)
		return error("cannot create a temporary file in '%s':", dir);
	return fd;
}

int replace_file(const char *tmp_dir, const char *path, mode_t mode,
		 int (*fill)(int fd, void *arg), void *arg)
{
	struct strbuf tmp = STRBUF_INIT;
	int fd = -1, ret = -1;

	fd = create_temp_file(tmp_dir, ".zccache.", &tmp);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) < 0) {
		error("cannot chmod '%s':", tmp.buf);
		goto out;
	}
	if (fill(fd, arg) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		error("cannot close '%s':", tmp.buf);
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0) {
		error("cannot rename '%s' to '%s':", tmp.buf, path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret && tmp.len)
		unlink(tmp.buf);
	strbuf_release(&tmp);
	return ret;
}

struct buffer {
	const void *data;
	size_t len;
};

static int fill_from_buffer(int fd, void *arg)
{
	const struct buffer *b = arg;

	if (write_in_full(fd, b->data, b->len) < 0)
		return error("cannot write a temporary file:");
	return 0;
}

int write_file_atomic(const char *tmp_dir, const char *path, const void *data,
		      size_t len, mode_t mode)
{
	struct buffer b = { data, len };

	return replace_file(tmp_dir, path, mode, fill_from_buffer, &b);
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			ret = error("cannot create directory '%s':", p);
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	free(p);
	return ret;
}

bool path_is_absolute(const char *path)
{
	return path[0] == '/';
}

char *path_join(const char *dir, const char *name)
{
	if (!dir || !*dir || path_is_absolute(name))
		return xstrdup(name);
	size_t dl = strlen(dir);
	return xasprintf("%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", name);
}

char *path_canonical(const char *path)
{
	char *real = realpath(path, NULL);
	if (real)
		return real;
	/* Not there (yet): the longest existing prefix resolved, the rest
	 * taken as written, "." and ".." lexically (a missing component is no
	 * link). */
	char *head = xstrdup(path);
	struct strvec tail = STRVEC_INIT;
	char *slash;
	while (!real && (slash = strrchr(head, '/')) && slash != head) {
		strvec_push(&tail, slash + 1);
		*slash = '\0';
		real = realpath(head, NULL);
	}
	if (!real)
		real = xstrdup(head[0] == '/' ? "/" : head);
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, real);
	for (size_t i = tail.nr; i-- > 0;) {
		const char *c = tail.v[i];
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *last = strrchr(out.buf, '/');
			strbuf_setlen(&out, last && last != out.buf ? (size_t)(last - out.buf) : 1);
			continue;
		}
		if (out.len > 1)
			strbuf_addch(&out, '/');
		strbuf_addstr(&out, c);
	}
	free(real);
	free(head);
	strvec_clear(&tail);
	return strbuf_detach(&out, NULL);
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *get_cwd(void)
{
	char *cwd = getcwd(NULL, 0);
	if (!cwd) {
		error("cannot get the current directory:");
		return NULL;
	}
	return cwd;
}

int unlink_if_exists(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return error("cannot remove '%s':", path);
	return 0;
}

int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;
	struct stat st;

	if (in < 0 || fstat(in, &st) < 0) {
		error("cannot read '%s':", src);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		error("cannot create '%s':", dst);
		goto out;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			      errno == EOPNOTSUPP)) {
			/* Not between these file systems: copy through memory. */
			char buf[65536];
			n = read(in, buf, sizeof(buf) < (size_t)left ? sizeof(buf) : (size_t)left);
			if (n > 0 && write_in_full(out, buf, (size_t)n) < 0)
				n = -1;
		}
		if (n <= 0) {
			error("cannot copy '%s':", src);
			goto out;
		}
		left -= n;
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = error("cannot write '%s':", dst);
	if (ret < 0 && out >= 0)
		unlink(dst);
	return ret;
}

const char *path_skip_dot_slash(const char *p)
{
	for (;;) {
		if (p[0] == '.' && p[1] == '/') {
			p += 2;
			while (*p == '/')
				p++;
		} else if (p[0] == '.' && p[1] == '\0') {
			return p + 1;
		} else {
			return p;
		}
	}
}
