#include "compat.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

_Thread_local bool log_enabled;
bool log_to_stderr;
static _Thread_local int log_fd = -1;
/* Per thread: the daemon reports errors from several threads at once. */
static _Thread_local char last_error_msg[1024];
void (*die_hook)(void);

void log_open(const char *path)
{
	log_close(); /* one log per thread at a time: never leak the last */
	if (!path || !*path)
		return;
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	log_enabled = log_fd >= 0;
}

void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_enabled = false;
}

static void format_msg(char *buf, size_t size, const char *fmt, va_list ap, int saved_errno)
{
	size_t flen = strlen(fmt);
	int n = vsnprintf(buf, size, fmt, ap);

	if (n >= 0 && flen && fmt[flen - 1] == ':' && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " %s", strerror(saved_errno));
}

void log_write(const char *fmt, ...)
{
	char msg[4096];
	char line[4200];
	struct timeval tv;
	va_list ap;
	int saved_errno = errno;

	if (log_fd < 0)
		return;
	va_start(ap, fmt);
	format_msg(msg, sizeof(msg), fmt, ap, saved_errno);
	va_end(ap);
	gettimeofday(&tv, NULL);
	int n = snprintf(line, sizeof(line), "[%ld.%06ld %d] %s\n", (long)tv.tv_sec,
			 (long)tv.tv_usec, (int)getpid(), msg);
	if (n > 0) {
		/* One write() per line keeps lines of parallel compiles whole. */
		ssize_t w = write(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		(void)w;
	}
	errno = saved_errno;
}

int error(const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	format_msg(last_error_msg, sizeof(last_error_msg), fmt, ap, saved_errno);
	va_end(ap);
	zlog("error: %s", last_error_msg);
	if (log_to_stderr)
		fprintf(stderr, "zccache: error: %s\n", last_error_msg);
	errno = saved_errno;
	return -1;
}

const char *last_error(void)
{
	return last_error_msg;
}

void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	format_msg(msg, sizeof(msg), fmt, ap, errno);
	va_end(ap);
	zlog("fatal: %s", msg);
	if (die_hook) {
		void (*hook)(void) = die_hook;
		die_hook = NULL; /* a second failure in the hook ends here */
		hook();
	}
	fprintf(stderr, "zccache: error: %s\n", msg);
	exit(1);
}
