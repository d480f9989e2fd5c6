#include "../util/compat.h"
#include "pending.h"
#include "../util/log.h"
#include "../util/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PENDING_MIN_BUCKETS 16

/*
 * One key being stored. While it is in the table, done is false and the
 * table holds it; pending_complete() unlinks it and sets done, and from then
 * on it belongs to its waiters: the last one to leave frees it (or complete
 * does, if nobody was waiting).
 */
struct pending_entry {
	struct pending_entry *next;
	struct digest key;
	pthread_cond_t cond;
	unsigned int waiters;
	bool done;
};

/* Keys are cryptographic digests: any 8 of their bytes are a uniform hash. */
static size_t bucket_of(const struct pending_registry *reg, const struct digest *key)
{
	uint64_t h;

	memcpy(&h, key->b, sizeof(h));
	return (size_t)h & (reg->nr_buckets - 1);
}

/* The link that points at key's entry (or the NULL ending its chain). */
static struct pending_entry **find_link(struct pending_registry *reg, const struct digest *key)
{
	struct pending_entry **link = &reg->buckets[bucket_of(reg, key)];

	while (*link && !digest_equal(&(*link)->key, key))
		link = &(*link)->next;
	return link;
}

static struct pending_entry *find(struct pending_registry *reg, const struct digest *key)
{
	if (!reg->nr)
		return NULL;
	return *find_link(reg, key);
}

static void entry_free(struct pending_entry *e)
{
	pthread_cond_destroy(&e->cond);
	free(e);
}

/* Makes room for one more key: grows the table at a load factor of 1. */
static void reserve(struct pending_registry *reg)
{
	struct pending_entry **old = reg->buckets;
	size_t old_nr = reg->nr_buckets;

	if (reg->nr < reg->nr_buckets)
		return;
	reg->nr_buckets = old_nr ? 2 * old_nr : PENDING_MIN_BUCKETS;
	reg->buckets = xcalloc(reg->nr_buckets, sizeof(*reg->buckets));
	for (size_t i = 0; i < old_nr; i++) {
		struct pending_entry *e = old[i];

		while (e) {
			struct pending_entry *next = e->next;
			size_t b = bucket_of(reg, &e->key);

			e->next = reg->buckets[b];
			reg->buckets[b] = e;
			e = next;
		}
	}
	free(old);
}

int pending_init(struct pending_registry *reg)
{
	int rc;
	int ret = -1;
	bool attr_made = false;

	memset(reg, 0, sizeof(*reg));
	reg->max_wait_ms = PENDING_MAX_WAIT_MS;
	rc = pthread_condattr_init(&reg->cond_attr);
	if (rc)
		goto fail;
	attr_made = true;
	rc = pthread_condattr_setclock(&reg->cond_attr, CLOCK_MONOTONIC);
	if (rc)
		goto fail;
	rc = pthread_mutex_init(&reg->lock, NULL);
	if (rc)
		goto fail;
	ret = 0;
	goto out;
fail:
	if (attr_made)
		pthread_condattr_destroy(&reg->cond_attr);
	errno = rc;
	error("cannot set up the pending-writes registry:");
out:
	return ret;
}

void pending_release(struct pending_registry *reg)
{
	for (size_t i = 0; i < reg->nr_buckets; i++) {
		struct pending_entry *e = reg->buckets[i];

		while (e) {
			struct pending_entry *next = e->next;

			entry_free(e);
			e = next;
		}
	}
	free(reg->buckets);
	reg->buckets = NULL;
	reg->nr_buckets = 0;
	reg->nr = 0;
	pthread_mutex_destroy(&reg->lock);
	pthread_condattr_destroy(&reg->cond_attr);
}

int pending_register(struct pending_registry *reg, const struct digest *key)
{
	struct pending_entry *e = NULL;
	struct pending_entry **bucket;
	int ret = 0;
	int rc;

	pthread_mutex_lock(&reg->lock);
	if (find(reg, key))
		goto out; /* already pending: share its wait point */
	e = xcalloc(1, sizeof(*e));
	e->key = *key;
	rc = pthread_cond_init(&e->cond, &reg->cond_attr);
	if (rc) {
		free(e);
		errno = rc;
		ret = error("cannot make a wait point for a pending store:");
		goto out;
	}
	reserve(reg);
	bucket = &reg->buckets[bucket_of(reg, key)];
	e->next = *bucket;
	*bucket = e;
	reg->nr++;
out:
	pthread_mutex_unlock(&reg->lock);
	return ret;
}

void pending_complete(struct pending_registry *reg, const struct digest *key)
{
	struct pending_entry **link;
	struct pending_entry *e;

	pthread_mutex_lock(&reg->lock);
	if (!reg->nr)
		goto out;
	link = find_link(reg, key);
	e = *link;
	if (!e)
		goto out; /* unknown, or completed already: harmless */
	*link = e->next;
	reg->nr--;
	e->next = NULL;
	e->done = true;
	if (e->waiters)
		pthread_cond_broadcast(&e->cond); /* the last waiter frees e */
	else
		entry_free(e);
out:
	pthread_mutex_unlock(&reg->lock);
}

enum pending_result pending_wait(struct pending_registry *reg, const struct digest *key,
				 unsigned int timeout_ms)
{
	enum pending_result res = PENDING_NOT_PENDING;
	struct pending_entry *e;
	struct timespec deadline;

	pthread_mutex_lock(&reg->lock);
	e = find(reg, key);
	if (!e)
		goto out;
	res = PENDING_TIMED_OUT;
	if (timeout_ms > reg->max_wait_ms)
		timeout_ms = reg->max_wait_ms;
	if (!timeout_ms)
		goto out;
	deadline_after(&deadline, timeout_ms);
	e->waiters++;
	/* Loop over spurious wake-ups; any error (ETIMEDOUT) ends the wait. */
	while (!e->done && !pthread_cond_timedwait(&e->cond, &reg->lock, &deadline))
		;
	if (e->done)
		res = PENDING_COMPLETED;
	if (!--e->waiters && e->done)
		entry_free(e); /* completed and we were the last to leave */
out:
	pthread_mutex_unlock(&reg->lock);
	return res;
}

size_t pending_count(struct pending_registry *reg)
{
	size_t nr;

	pthread_mutex_lock(&reg->lock);
	nr = reg->nr;
	pthread_mutex_unlock(&reg->lock);
	return nr;
}

unsigned int pending_waiters(struct pending_registry *reg, const struct digest *key)
{
	struct pending_entry *e;
	unsigned int nr = 0;

	pthread_mutex_lock(&reg->lock);
	e = find(reg, key);
	if (e)
		nr = e->waiters;
	pthread_mutex_unlock(&reg->lock);
	return nr;
}
