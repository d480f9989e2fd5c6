/*
 * cache.h - the compile-level cache logic, shared by both front doors (the
 * in-process client today, the daemon later): direct key, lookup through
 * the manifest, delivery of a hit, and recording of a miss.
 *
 * Calling sequence for one compile:
 *   cache_init(&c, &store, cfg)
 *   cache_direct_key(&c, inv, &key)        -> -1: cannot key; run the compiler
 *   cache_lookup(&c, inv, &key, &replay)   -> HIT: outputs written, replay it
 *   ... on a miss the caller runs family->miss_argv() ...
 *   cache_record(&c, inv, &key, &run, depfile)
 *   c.delta holds the counters to add to the stats.
 * Nothing here writes to stdout/stderr or exits.
 */
#ifndef ZC_CACHE_H
#define ZC_CACHE_H

#include "../util/compat.h"
#include "../compiler/compiler.h"
#include "../config/config.h"
#include "../stats/stats.h"
#include "../store/store.h"
#include "../util/spawn.h"
#include <time.h>

struct file_memo;
struct scan_memo;
struct fact_memo;
struct manifest_memo;

/* Stat data that identifies one version of a file. */
struct file_stamp {
	uint64_t dev, ino, size, mtime_ns, ctime_ns;
};
/* 0, or -1 when path cannot be stat'ed. */
int file_stamp_of(const char *path, struct file_stamp *out);

struct cache {
	struct store *store;
	const struct config *cfg;
	struct stats_delta delta;
	struct timespec start;   /* when this compile started, for "too new" */
	struct strbuf debug;     /* hashed key fields, when cfg->debug */
	struct digest source_digest;
	struct digest compiler;  /* content digest of the compiler, once known */
	bool have_compiler;
	/* The stat data of the directories the compiler may read configuration
	 * files from, when the key was computed: a file added there during the
	 * compile keeps it from being stored. */
	struct digest config_dirs;
	bool have_config_dirs;
	struct file_memo *memo;  /* the daemon's remembered digests, or NULL */
	struct scan_memo *scans; /* the daemon's remembered scans, or NULL */
	struct fact_memo *facts; /* the daemon's copy of the aux facts, or NULL */
	struct manifest_memo *manifests; /* the daemon's manifests, or NULL */
	/* The daemon records a miss after the client has gone (up to seconds
	 * later: records wait for a free CPU): the outputs must still be what
	 * the compile wrote, by the stat data and a checksum of the contents
	 * taken when the client handed them over (a tool that rewrites an
	 * object in place and restores its mtime), or nothing is stored. */
	bool have_output_stamps;
	struct file_stamp output_stamps[MAX_OUTPUTS];
	uint64_t output_checks[MAX_OUTPUTS];
	/* Where to read each output from instead of its path (hard links or
	 * copies the daemon made when the client handed the outputs over, so
	 * that the build may delete or move them at once); NULL = the path. */
	char *output_copies[MAX_OUTPUTS];
	/* When set (the daemon), a hit links each output it replaces into this
	 * directory first, and lists the link in graves: whoever empties
	 * graves later pays for freeing the old files. */
	const char *graveyard;
	struct strvec graves;
};



enum lookup_result { LOOKUP_MISS = 0, LOOKUP_HIT = 1 };

void cache_init(struct cache *c, struct store *store, const struct config *cfg);
void cache_release(struct cache *c);

/* Computes the direct key of a cacheable invocation; -1 on failure, with
 * inv->uncacheable set when the compile turned out uncacheable (a source
 * that cannot be read). */
int cache_direct_key(struct cache *c, struct invocation *inv, struct digest *key);

/* On a hit, writes every output and fills replay (stdout, stderr, status).
 * Never fails: any problem is a miss. */
enum lookup_result cache_lookup(struct cache *c, struct invocation *inv,
				const struct digest *key, struct run_result *replay);

/* Stores the result of a successful miss. depfile is the file listing what
 * the compile read (ours or the user's). Returns 0 when stored, 1 when the
 * compile turned out to be uncacheable (the reason is counted in c->delta),
 * -1 when storing failed (counted and logged). */
int cache_record(struct cache *c, struct invocation *inv, const struct digest *key,
		 const struct run_result *run, const char *depfile);

/* The digest of the compiler: the driver's content, and where the programs
 * it runs for this compile are, their size and mtime (cc1, as). The first
 * call per compile computes it. */
int compiler_digest(struct cache *c, const struct invocation *inv, struct digest *out);

#endif
