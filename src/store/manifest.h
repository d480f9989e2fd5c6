/*
 * manifest.h - the include sets seen for one direct key.
 *
 * A direct key (compiler, arguments, source) does not fix the result: the
 * headers may differ from one compile to the next. A manifest lists, newest
 * first, each set of (header path, content digest) seen with that key, the
 * paths that had to be absent (see compiler/includes.h), and the result key
 * the set leads to, and the paths where the compiler met something it could
 * not open as a header (a directory, a link that leads nowhere), which must
 * not become a file, and the include dirs it dropped as duplicates, which
 * must stay duplicates. Stat data saved with each file lets a lookup skip
 * re-hashing a file whose stat data has not changed; it is recorded only
 * for files last changed safely before the compile (see cache.c).
 */
#ifndef ZC_MANIFEST_H
#define ZC_MANIFEST_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include "../hash/hash.h"
#include "store.h"

#define MANIFEST_MAX_SETS 24

struct manifest_file {
	char *path;
	struct digest digest;
	/* Stat data at record time; all zero = "always re-hash". */
	uint64_t size, mtime_ns, ctime_ns, ino;
};

struct include_set {
	struct manifest_file *files;
	size_t nr_files;
	struct strvec absent;
	struct strvec not_files; /* must stay no regular file (see cache.c) */
	/* Pairs: same_dirs.v[2i] must stay the same directory as v[2i+1] (an
	 * include dir the compiler dropped as a duplicate of a searched one). */
	struct strvec same_dirs;
	struct digest result_key;
};

struct manifest {
	struct include_set *sets;
	size_t nr_sets;
};

void manifest_release(struct manifest *m);
/* Parses the records of a manifest entry; -1 when malformed. */
int manifest_decode(const struct entry *e, struct manifest *m);
/* Serialises set first, then up to MANIFEST_MAX_SETS - 1 sets of old (if
 * any) that lead to another result. */
void manifest_encode(const struct include_set *set, const struct manifest *old,
		     struct strbuf *records);
void include_set_release(struct include_set *s);

#endif
