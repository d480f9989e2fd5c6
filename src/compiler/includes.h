/*
 * includes.h - what include resolution depended on, for C-preprocessor
 * families (gcc, clang, emcc).
 *
 * A compile read the headers its dependency list names. It also depended on
 * files NOT existing: `#include "x.h"` found in the second -I directory
 * means x.h was absent from the first. ccache's direct mode forgets this, so
 * a header created later in an earlier directory gives a stale hit. Here the
 * manifest records those would-be-shadowing paths, and a lookup only hits
 * while every one of them is still absent.
 *
 * The candidates are a superset, never a subset, of what the compiler
 * probed: for a header found as <dir>/<rel> through a search directory, every
 * directory searched before <dir>, and the directory of every file that could
 * have included it with quotes, combined with <rel>. A precompiled header
 * next to the first header is a candidate too.
 */
#ifndef ZC_INCLUDES_H
#define ZC_INCLUDES_H

#include "../util/compat.h"
#include "../util/strbuf.h"

struct search_dirs {
	struct strvec chain;   /* in search order: quote-only dirs, then <...> dirs */
	struct strvec missing; /* dirs the compiler skipped as nonexistent */
};
#define SEARCH_DIRS_INIT { STRVEC_INIT, STRVEC_INIT }

void search_dirs_release(struct search_dirs *d);

/* Parses the "#include ... search starts here:" block of `cc -E -v`. */
int parse_cpp_search_output(const char *text, struct search_dirs *d);

/* Serialisation for the cache of queries (one dir per line). */
void search_dirs_serialize(const struct search_dirs *d, struct strbuf *out);
int search_dirs_deserialize(const char *text, size_t len, struct search_dirs *d);

/*
 * Appends to out every path whose appearance could change how the headers
 * in inputs (in the order the compiler read them; inputs[0] is the source)
 * were resolved. Duplicates are removed.
 */
void shadow_candidates(const struct search_dirs *d, char *const *inputs, size_t nr_inputs,
		       struct strvec *out);

#endif
