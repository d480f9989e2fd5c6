/*
 * unit.h - shared helpers of the cmocka unit tests: a scratch directory per
 * test binary, removed at the end unless a test failed.
 */
#ifndef ZC_UNIT_H
#define ZC_UNIT_H

#include "util/compat.h"
#include "hash/hash.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline char *unit_scratch_dir(void)
{
	char tmpl[] = "/tmp/zccache-unit-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static inline void unit_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A made-up digest, different for each seed. */
static inline struct digest unit_digest_of(unsigned char seed)
{
	struct digest d;

	memset(d.b, 0, sizeof(d.b));
	d.b[0] = seed;
	d.b[DIGEST_SIZE - 1] = seed;
	return d;
}

static inline void unit_rm_rf(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
