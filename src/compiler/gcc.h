/*
 * gcc.h - the gcc/clang family (see gcc.c) and its option table, exposed
 * for the unit tests.
 */
#ifndef ZC_GCC_H
#define ZC_GCC_H

#include "../util/compat.h"
#include "compiler.h"

enum opt_flags {
	TAKES_ARG = 1 << 0,  /* "-o file": the argument may be the next word */
	JOINED = 1 << 1,     /* "-Ifoo" or "-I foo" */
	SEARCH = 1 << 2,     /* shapes the include search chain */
	TOO_HARD = 1 << 3,   /* uncacheable: writes or reads what we cannot track */
	LINK_ONLY = 1 << 4,  /* ignored by a compile: kept out of the key */
	NOT_COMPILE = 1 << 5 /* prints information, compiles nothing */
};

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
