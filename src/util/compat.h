/*
 * compat.h - the first include of every source file.
 *
 * Owns the feature-test macros and the few attributes the code base uses, so
 * that a port to another platform starts here.
 */
#ifndef ZC_COMPAT_H
#define ZC_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZC_NORETURN __attribute__((noreturn))
#define ZC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define ZC_UNUSED __attribute__((unused))
#define ZC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include <time.h>

/* Milliseconds of a clock that never jumps (timeouts, intervals). */
static inline int64_t monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The CLOCK_MONOTONIC time ms milliseconds from now (for the timed waits of
 * condition variables set to that clock). */
static inline void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Declared before banned.h renames them: C libraries that declare functions
 * without `extern` (musl) would otherwise define a variable per file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "banned.h"

#endif
