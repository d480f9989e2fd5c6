/*
 * pending.h - the daemon's pending-writes registry.
 *
 * Owns the set of keys whose entries are being stored right now. The daemon
 * answers a miss before its entry is written (the store is deferred to a
 * background thread); a lookup of the same key arriving meanwhile would miss
 * and compile again, so instead it may wait a few milliseconds for the store.
 *
 * Calling sequence:
 *   pending_init(&reg)                           once, at daemon start
 *   store side:   pending_register(&reg, key)    BEFORE the store is deferred
 *                 ... the entry is stored (on another thread) ...
 *                 pending_complete(&reg, key)    after the entry is published,
 *                                                or after the store failed
 *   lookup side:  miss -> pending_wait(&reg, key, ms)
 *                      -> look the entry up again -> still a miss: compile
 *   pending_release(&reg)                        at exit, all threads joined
 *
 * Semantics (those of the Rust zccache):
 * - Registering a key that is already pending shares its wait point: there
 *   is one entry per key, and one pending_complete() wakes everyone waiting
 *   on it and removes the key, whoever registered it.
 * - A wait lasts at most PENDING_MAX_WAIT_MS (5 ms) whatever the caller
 *   asks; asking for 0 does not wait at all. A wait that times out leaves
 *   the key pending for its owner to complete.
 * - Nothing is persisted: a restarted daemon starts with an empty registry.
 *   A store cut short by a crash never published anything (entries are
 *   renamed into place whole), so there is nothing to wait for.
 * - The failure mode is always miss -> recompile, never a wrong hit. The
 *   registry never says whether an entry exists, only when it is worth
 *   looking again: after ANY return of pending_wait() the caller looks the
 *   entry up again in the store and compiles on a miss. A store that failed,
 *   a wait that timed out, a key completed early by a second owner, a key
 *   that could not be registered: each is at worst one more compile.
 *
 * Threads: every function but init and release may be called from any
 * number of threads at once. One mutex guards the table; each key has its
 * own condition variable on CLOCK_MONOTONIC (a clock change cannot stretch a
 * wait). A completed key's wait point is freed by whoever leaves it last
 * (complete, or the last waiter to wake), so a waiter that wakes after the
 * key was removed never touches freed memory.
 *
 * Memory: one small entry per store in flight, so the number of in-flight
 * stores is the bound. Allocation failure is fatal (xmalloc), as everywhere.
 */
#ifndef ZC_PENDING_H
#define ZC_PENDING_H

#include "../util/compat.h"
#include "../hash/hash.h"
#include <pthread.h>

#define PENDING_MAX_WAIT_MS 5

enum pending_result {
	PENDING_NOT_PENDING = 0, /* no store of the key in flight: returned at once */
	PENDING_COMPLETED = 1,   /* its store finished (or failed) while we waited */
	PENDING_TIMED_OUT = 2,   /* still in flight when the wait ended */
};

struct pending_entry;

struct pending_registry {
	pthread_mutex_t lock;
	pthread_condattr_t cond_attr;   /* CLOCK_MONOTONIC, for every entry */
	struct pending_entry **buckets; /* chained hash table, allocated lazily */
	size_t nr_buckets;              /* 0 or a power of two */
	size_t nr;                      /* keys pending */
	unsigned int max_wait_ms;       /* PENDING_MAX_WAIT_MS; only tests change it */
};

/* Sets up an empty registry (no allocation); -1 if pthreads refuse. */
int pending_init(struct pending_registry *reg);
/* Frees every entry; no thread may be using the registry any more. */
void pending_release(struct pending_registry *reg);

/* Marks key as being stored (shares the wait point if already pending);
 * -1 if no wait point can be made: store anyway, lookups will just miss. */
int pending_register(struct pending_registry *reg, const struct digest *key);
/* Wakes every waiter on key and removes it; an unknown key is a no-op. */
void pending_complete(struct pending_registry *reg, const struct digest *key);
/* Waits at most min(timeout_ms, max_wait_ms) for a pending key's store;
 * then the caller looks the entry up again, whatever the result. */
enum pending_result pending_wait(struct pending_registry *reg, const struct digest *key,
				 unsigned int timeout_ms);

/* The number of keys pending (for status and tests). */
size_t pending_count(struct pending_registry *reg);
/* The number of threads waiting on key right now (for status and tests). */
unsigned int pending_waiters(struct pending_registry *reg, const struct digest *key);

#endif
