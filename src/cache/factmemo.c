/* factmemo.c - remembered aux facts (see factmemo.h). */
#include "../util/compat.h"
#include "factmemo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FACT_BUCKETS 1024

struct fact {
	struct fact *next;
	struct digest key;
	uint32_t tag;
	size_t len;
	char data[]; /* len bytes and a NUL */
};

struct fact_memo {
	pthread_mutex_t lock;
	struct fact *buckets[FACT_BUCKETS];
	size_t bytes;
};

static size_t bucket_of(const struct digest *d)
{
	uint64_t h;

	memcpy(&h, d->b, sizeof(h)); /* a cryptographic digest: any 8 bytes do */
	return (size_t)(h % FACT_BUCKETS);
}

struct fact_memo *fact_memo_new(void)
{
	struct fact_memo *fm = xcalloc(1, sizeof(*fm));

	pthread_mutex_init(&fm->lock, NULL);
	return fm;
}

static void forget_all(struct fact_memo *fm)
{
	for (size_t b = 0; b < FACT_BUCKETS; b++) {
		while (fm->buckets[b]) {
			struct fact *f = fm->buckets[b];
			fm->buckets[b] = f->next;
			free(f);
		}
	}
	fm->bytes = 0;
}

void fact_memo_free(struct fact_memo *fm)
{
	if (!fm)
		return;
	forget_all(fm);
	pthread_mutex_destroy(&fm->lock);
	free(fm);
}

static struct fact **find(struct fact_memo *fm, const struct digest *key, uint32_t tag)
{
	struct fact **p = &fm->buckets[bucket_of(key)];

	while (*p && !((*p)->tag == tag && digest_equal(&(*p)->key, key)))
		p = &(*p)->next;
	return p;
}

char *fact_memo_get(struct fact_memo *fm, const struct digest *key, uint32_t tag, size_t *len)
{
	char *copy = NULL;

	pthread_mutex_lock(&fm->lock);
	struct fact *f = *find(fm, key, tag);
	if (f) {
		copy = xmalloc(f->len + 1);
		memcpy(copy, f->data, f->len + 1);
		*len = f->len;
	}
	pthread_mutex_unlock(&fm->lock);
	return copy;
}

void fact_memo_put(struct fact_memo *fm, const struct digest *key, uint32_t tag,
		   const void *data, size_t len)
{
	struct fact *f = xmalloc(sizeof(*f) + len + 1);

	f->key = *key;
	f->tag = tag;
	f->len = len;
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	pthread_mutex_lock(&fm->lock);
	struct fact **old = find(fm, key, tag);
	if (*old) {
		struct fact *gone = *old;
		*old = gone->next;
		fm->bytes -= sizeof(*gone) + gone->len;
		free(gone);
	}
	if (fm->bytes + sizeof(*f) + len > FACT_MEMO_MAX_BYTES)
		forget_all(fm);
	size_t b = bucket_of(key);
	f->next = fm->buckets[b];
	fm->buckets[b] = f;
	fm->bytes += sizeof(*f) + len;
	pthread_mutex_unlock(&fm->lock);
}
