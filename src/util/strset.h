/*
 * strset.h - a set of byte strings, for the hot loops that dedupe paths.
 *
 * Sorting a few thousand long paths that share their first 40 bytes costs a
 * miss more than everything else it computes; a hash set does the same job
 * in one pass. The strings are copied into one arena in the order they were
 * first added, NUL-terminated, so strset_next() walks them in that order.
 */
#ifndef ZC_STRSET_H
#define ZC_STRSET_H

#include "compat.h"
#include "strbuf.h"

struct strset_slot;

struct strset {
	struct strbuf arena; /* the strings, each followed by its NUL */
	struct strset_slot *slots;
	size_t nr_slots, nr;
};
#define STRSET_INIT { STRBUF_INIT, NULL, 0, 0 }

/* Adds s[0..len) (no NUL inside); returns true if it was not there yet. */
bool strset_add(struct strset *set, const char *s, size_t len);
bool strset_contains(const struct strset *set, const char *s, size_t len);
/* Iteration in insertion order: pass NULL for the first string; returns
 * NULL after the last. Adding during an iteration is not allowed. */
const char *strset_next(const struct strset *set, const char *prev);
void strset_clear(struct strset *set);

#endif
