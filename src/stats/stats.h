/*
 * stats.h - the counters behind `zccache stats`.
 *
 * Counters are named, and a name never changes meaning (scripts read
 * `zccache stats --json`). The fixed ones are listed in enum counter; per
 * compiler family hits and misses are named "<family>.hits" and
 * "<family>.misses". They live in $ZCCACHE_DIR/stats as "name value" lines,
 * updated under an flock so parallel compiles never lose a count.
 *
 * Calling sequence for a compile: stats_bump(...) once, with every counter
 * the compile moved, so a compile costs one locked read-modify-write.
 */
#ifndef ZC_STATS_H
#define ZC_STATS_H

#include "../util/compat.h"
#include "../util/strbuf.h"

/* Append only: the numbers are not stored, the names are. */
enum counter {
	STAT_HIT,
	STAT_MISS,
	/* Uncacheable, each with its reason. */
	STAT_UNC_LINKING,
	STAT_UNC_PREPROCESSING,
	STAT_UNC_MULTIPLE_SOURCES,
	STAT_UNC_NO_SOURCE,
	STAT_UNC_STDIN_SOURCE,
	STAT_UNC_DEPENDENCY_ONLY,
	STAT_UNC_SAVE_TEMPS,
	STAT_UNC_BAD_RESPONSE_FILE,
	STAT_UNC_UNSUPPORTED_OPTION,
	STAT_UNC_TIME_MACROS,
	STAT_UNC_PROFILE_USE,
	STAT_UNC_PCH_CREATION,
	STAT_UNC_UNSUPPORTED_LANGUAGE,
	STAT_UNC_INCBIN,
	STAT_UNC_COMPILE_FAILED,
	STAT_UNC_OUTPUT_TO_STDOUT,
	STAT_UNC_NON_REGULAR_OUTPUT,
	STAT_UNC_UNSUPPORTED_ENVIRONMENT,
	STAT_UNC_MODIFIED_DURING_COMPILE,
	STAT_UNC_NOT_A_COMPILE,
	STAT_UNC_MISSING_OUTPUT,
	STAT_UNC_PRAGMA_DEPENDENCY,
	STAT_UNC_COMPUTED_HAS_INCLUDE,
	STAT_UNC_UNEXPLAINED_HEADER,
	STAT_UNC_OUTPUT_IS_INPUT,
	STAT_UNC_COMPILER_CONFIG,
	/* Failures of the cache itself (the compile still ran). */
	STAT_ERR_CACHE_UNUSABLE,
	STAT_ERR_STORE_FAILED,
	STAT_ERR_CORRUPT_ENTRY,
	STAT_ERR_CONFIG,
	STAT_ERR_INTERNAL,
	/* Bookkeeping. */
	STAT_CACHE_BYTES,
	STAT_CACHE_FILES,
	STAT_NR
};

#define STAT_FIRST_UNCACHEABLE STAT_UNC_LINKING
#define STAT_LAST_UNCACHEABLE STAT_UNC_COMPILER_CONFIG
#define STAT_FIRST_ERROR STAT_ERR_CACHE_UNUSABLE
#define STAT_LAST_ERROR STAT_ERR_INTERNAL

/* The stable name ("linking", "corrupt_entry", ...) and a human label. */
const char *stat_name(enum counter s);
const char *stat_label(enum counter s);

/* An in-memory set of counters: fixed ones plus named extras. */
struct stats {
	int64_t value[STAT_NR];
	struct strvec extra_names;
	int64_t *extra_values;
};
#define STATS_INIT { { 0 }, STRVEC_INIT, NULL }

void stats_release(struct stats *st);
int64_t *stats_named(struct stats *st, const char *name);

/*
 * A compile's counter changes, applied at once by stats_bump(). Adding to a
 * counter twice accumulates.
 */
struct stats_delta {
	enum counter fixed[12];
	int64_t fixed_by[12];
	int nr_fixed;
	const char *extra[2];
	int nr_extra;
};
void stats_delta_add(struct stats_delta *d, enum counter s, int64_t by);
void stats_delta_family(struct stats_delta *d, const char *name);
/* Adds the delta to the file under its lock; *after (optional) gets the
 * new totals. */
int stats_bump(const char *cache_dir, const struct stats_delta *d, struct stats *after);

/* The daemon sums many compiles' deltas in memory (acc starts as
 * STATS_INIT) and adds the sums to the file now and then. */
void stats_accumulate(struct stats *acc, const struct stats_delta *d);
int stats_bump_sums(const char *cache_dir, const struct stats *add, struct stats *after);

/* Reads the file (missing = all zero). */
int stats_read(const char *cache_dir, struct stats *st);
/* Zeroes the counters but keeps the cache size bookkeeping. */
int stats_zero(const char *cache_dir);
/* Overwrites the size bookkeeping (after a scan). */
int stats_set_size(const char *cache_dir, int64_t bytes, int64_t files);

#endif
