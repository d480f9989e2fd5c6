/* scanmemo.c - remembered scans of input contents (see scanmemo.h). */
#include "../util/compat.h"
#include "scanmemo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct scan_entry {
	struct scan_entry *next;
	void (*scanner)(const char *, size_t, struct include_scan *);
	struct digest content;
	struct include_scan scan;
	size_t bytes;
};

struct scan_memo {
	pthread_mutex_t lock;
	struct scan_entry **buckets;
	size_t nr_buckets, bytes;
};

static size_t bucket_of(const struct scan_memo *sm, const struct digest *d)
{
	uint64_t h;

	memcpy(&h, d->b, sizeof(h)); /* a cryptographic digest: any 8 bytes do */
	return (size_t)(h % sm->nr_buckets);
}

struct scan_memo *scan_memo_new(void)
{
	struct scan_memo *sm = xcalloc(1, sizeof(*sm));

	pthread_mutex_init(&sm->lock, NULL);
	sm->nr_buckets = 8192;
	sm->buckets = xcalloc(sm->nr_buckets, sizeof(*sm->buckets));
	return sm;
}

static void forget_all(struct scan_memo *sm)
{
	for (size_t b = 0; b < sm->nr_buckets; b++) {
		while (sm->buckets[b]) {
			struct scan_entry *e = sm->buckets[b];
			sm->buckets[b] = e->next;
			include_scan_release(&e->scan);
			free(e);
		}
	}
	sm->bytes = 0;
}

void scan_memo_free(struct scan_memo *sm)
{
	if (!sm)
		return;
	forget_all(sm);
	free(sm->buckets);
	pthread_mutex_destroy(&sm->lock);
	free(sm);
}

static struct scan_entry *find(struct scan_memo *sm, const struct compiler_family *family,
			       const struct digest *content)
{
	for (struct scan_entry *e = sm->buckets[bucket_of(sm, content)]; e; e = e->next)
		if (e->scanner == family->scan_input && digest_equal(&e->content, content))
			return e;
	return NULL;
}

bool scan_memo_get(struct scan_memo *sm, const struct compiler_family *family,
		   const struct digest *content, struct include_scan *out)
{
	struct scan_entry *e;

	pthread_mutex_lock(&sm->lock);
	e = find(sm, family, content);
	if (e)
		include_scan_copy(out, &e->scan);
	pthread_mutex_unlock(&sm->lock);
	return e != NULL;
}

static size_t strvec_bytes(const struct strvec *sv)
{
	size_t n = sv->nr * sizeof(char *);

	for (size_t i = 0; i < sv->nr; i++)
		n += strlen(sv->v[i]) + 1;
	return n;
}

void scan_memo_put(struct scan_memo *sm, const struct compiler_family *family,
		   const struct digest *content, const struct include_scan *scan)
{
	struct scan_entry *e = xcalloc(1, sizeof(*e));

	e->scanner = family->scan_input;
	e->content = *content;
	e->scan = (struct include_scan)INCLUDE_SCAN_INIT;
	include_scan_copy(&e->scan, scan);
	e->bytes = sizeof(*e) + strvec_bytes(&scan->quoted) + strvec_bytes(&scan->angled) +
		   strvec_bytes(&scan->probed) + scan->calls.len + scan->wraps.len;
	pthread_mutex_lock(&sm->lock);
	if (find(sm, family, content)) {
		pthread_mutex_unlock(&sm->lock);
		include_scan_release(&e->scan);
		free(e);
		return;
	}
	if (sm->bytes + e->bytes > SCAN_MEMO_MAX_BYTES)
		forget_all(sm);
	size_t b = bucket_of(sm, content);
	e->next = sm->buckets[b];
	sm->buckets[b] = e;
	sm->bytes += e->bytes;
	pthread_mutex_unlock(&sm->lock);
}
