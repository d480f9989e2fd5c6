/*
 * manifestmemo.h - the daemon's memory of manifests: direct key -> the
 * decoded manifest, so that a hit neither reads, checks, decompresses nor
 * parses the manifest file.
 *
 * A remembered manifest may lag behind the file (an in-process client added
 * a set): every set it holds is still true, since a direct key and the
 * contents of a set's files fix the result (keys are content addressed), so
 * the worst a stale copy costs is a miss. A record forgets the key after it
 * wrote the file, and a copy read before that write is not kept (the epoch).
 *
 * Each set carries a stamp: the file memory's generation and tick, and the
 * working directory, under which memory last held the answer for every one
 * of its paths, trusted. While the file memory has forgotten nothing since, the
 * set still matches, and a hit checks nothing; after it forgot something, a
 * hit checks again only the paths whose scope it touched (see cache.c and
 * hash/filememo.h). Each set's paths are grouped by scope once, when the
 * manifest is remembered.
 *
 * Bounded by MANIFEST_MEMO_MAX_BYTES, past which everything is forgotten.
 * Thread-safe (one mutex); a manifest handed out stays valid until it is
 * released, whatever is forgotten meanwhile. Its stamps are shared by every
 * lookup: read and write them with manifest_memo_stamp() and
 * manifest_memo_set_stamp() only (a stamp read half-written could pair one
 * directory's check with another's generation).
 */
#ifndef ZC_MANIFESTMEMO_H
#define ZC_MANIFESTMEMO_H

#include "../util/compat.h"
#include "../hash/hash.h"
#include "../store/manifest.h"

#define MANIFEST_MEMO_MAX_BYTES (64u << 20)

struct set_stamp {
	uint64_t generation; /* 0: never held trusted */
	uint64_t tick;
	uint64_t cwd_hash;
};

/* A set's absolute paths under one scope, as indices: files[i] for i below
 * the set's nr_files, then absent.v[i - nr_files]. A NULL dir holds the
 * paths that have no scope (relative ones): always checked. */
struct set_scope {
	const char *dir;
	const uint32_t *paths;
	size_t nr;
};

struct set_scopes {
	struct set_scope *v;
	size_t nr;
	uint32_t *paths; /* what the scopes point into */
	char *dirs;      /* likewise */
};

struct memo_manifest {
	struct manifest m;
	struct set_stamp *stamps;  /* one per set */
	struct set_scopes *scopes; /* one per set */
	size_t bytes;
	unsigned refs;
};

struct manifest_memo;

struct manifest_memo *manifest_memo_new(void);
void manifest_memo_free(struct manifest_memo *mm);

/* The remembered manifest of key, or NULL; release it after use. */
struct memo_manifest *manifest_memo_get(struct manifest_memo *mm, const struct digest *key);
/* Moves *m (read from the store while the epoch was as given) into the
 * memory and returns it; release it after use. It is not remembered when a
 * record of key came in between. */
struct memo_manifest *manifest_memo_put(struct manifest_memo *mm, const struct digest *key,
					struct manifest *m, uint64_t epoch);
void manifest_memo_release(struct manifest_memo *mm, struct memo_manifest *mf);
/* Forgets key (its file was just rewritten, or is gone). */
void manifest_memo_forget(struct manifest_memo *mm, const struct digest *key);
/* Read before reading a manifest file; see manifest_memo_put. */
uint64_t manifest_memo_epoch(struct manifest_memo *mm);
/* The stamp of set number `set` of mf, and its replacement, whole. */
struct set_stamp manifest_memo_stamp(struct manifest_memo *mm, const struct memo_manifest *mf,
				     size_t set);
void manifest_memo_set_stamp(struct manifest_memo *mm, struct memo_manifest *mf, size_t set,
			     struct set_stamp stamp);

#endif
