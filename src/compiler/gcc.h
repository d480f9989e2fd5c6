/*
 * gcc.h - the gcc/clang family (see gcc.c) and its option table, exposed
 * for the unit tests.
 */
#ifndef ZC_GCC_H
#define ZC_GCC_H

#include "../util/compat.h"
#include "compiler.h"

struct gcc_option {
	const char *name;
	unsigned flags;
};

extern const struct gcc_option gcc_options[];
extern const size_t gcc_options_nr;

/* Finds the table entry for arg: an exact match, or the longest entry that
 * takes a joined value (then *joined_value points at the value). */
const struct gcc_option *gcc_find_option(const char *arg, const char **joined_value);

extern const struct compiler_family gcc_family;
extern const struct compiler_family clang_family;

#endif
