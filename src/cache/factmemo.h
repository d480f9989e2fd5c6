/*
 * factmemo.h - the daemon's memory of the cache's small memoised facts (the
 * "aux" entries of the store: a compiler's digest by stat data, the include
 * search list of a command line, the programs a compiler driver runs), so
 * that reading one costs no file read. key + tag -> bytes, the same as in
 * the store: the memory is a copy that every write to the store updates.
 * Bounded by FACT_MEMO_MAX_BYTES, past which everything is forgotten.
 *
 * Thread-safe (one mutex).
 */
#ifndef ZC_FACTMEMO_H
#define ZC_FACTMEMO_H

#include "../util/compat.h"
#include "../hash/hash.h"

#define FACT_MEMO_MAX_BYTES (4u << 20)

struct fact_memo;

struct fact_memo *fact_memo_new(void);
void fact_memo_free(struct fact_memo *fm);

/* A malloc'd, NUL-terminated copy of the fact (its length in *len), or
 * NULL when it is not remembered. */
char *fact_memo_get(struct fact_memo *fm, const struct digest *key, uint32_t tag, size_t *len);
/* Remembers a fact, replacing what was remembered under key and tag. */
void fact_memo_put(struct fact_memo *fm, const struct digest *key, uint32_t tag,
		   const void *data, size_t len);

#endif
