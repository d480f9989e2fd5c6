/*
 * log.h - diagnostics of zccache itself.
 *
 * Two tiers, as in git: library code reports a failure with error(), which
 * records the message (for the debug log and for the CLI to print) and
 * returns -1; die() is for the top of the CLI and for impossible states.
 *
 * In wrapper mode nothing is ever written to the compile's stderr: a
 * compile's output must be exactly the compiler's. Messages go to the debug
 * log (ZCCACHE_LOGFILE) only. The CLI sets log_to_stderr so that error()
 * messages reach the user.
 *
 * zlog() costs one branch when logging is off: the macro tests the flag
 * before evaluating its arguments.
 */
#ifndef ZC_LOG_H
#define ZC_LOG_H

#include "compat.h"

extern _Thread_local bool log_enabled; /* a log file is open (per thread: the daemon
                                          * logs each request to its client's file) */
extern bool log_to_stderr; /* CLI mode: error() also prints */

/* Opens (appends to) the debug log; a failure only disables logging. */
void log_open(const char *path);
void log_close(void);

void log_write(const char *fmt, ...) ZC_PRINTF(1, 2);
#define zlog(...)                          \
	do {                               \
		if (log_enabled)           \
			log_write(__VA_ARGS__); \
	} while (0)

/* Records "msg" (a trailing ':' appends strerror(errno)); returns -1. */
int error(const char *fmt, ...) ZC_PRINTF(1, 2);
/* The most recent error() message, or "" (for the CLI's one-line report). */
const char *last_error(void);

ZC_NORETURN void die(const char *fmt, ...) ZC_PRINTF(1, 2);
/* In wrapper mode a fatal error must still not break the build: the client
 * sets this to a function that runs the real compiler (it must not return). */
extern void (*die_hook)(void);

#endif
