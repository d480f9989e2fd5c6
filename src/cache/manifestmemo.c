/* manifestmemo.c - remembered manifests (see manifestmemo.h). */
#include "../util/compat.h"
#include "manifestmemo.h"
#include "../hash/filememo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MANIFEST_BUCKETS 4096
/* What malloc adds to each block, for the bound. */
#define BLOCK_OVERHEAD 16

struct slot {
	struct slot *next;
	struct digest key;
	struct memo_manifest *mf;
};

struct manifest_memo {
	pthread_mutex_t lock;
	struct slot *buckets[MANIFEST_BUCKETS];
	size_t bytes;
	uint64_t epoch;
};

static size_t bucket_of(const struct digest *d)
{
	uint64_t h;

	memcpy(&h, d->b, sizeof(h)); /* a cryptographic digest: any 8 bytes do */
	return (size_t)(h % MANIFEST_BUCKETS);
}

static size_t paths_bytes(const struct strvec *v)
{
	size_t n = v->nr * (sizeof(char *) + BLOCK_OVERHEAD + 1);

	for (size_t i = 0; i < v->nr; i++)
		n += strlen(v->v[i]);
	return n;
}

static size_t manifest_bytes(const struct manifest *m)
{
	size_t n = sizeof(struct memo_manifest) + sizeof(struct slot) +
		   m->nr_sets * (sizeof(struct include_set) + sizeof(struct set_stamp));

	for (size_t s = 0; s < m->nr_sets; s++) {
		const struct include_set *set = &m->sets[s];
		n += set->nr_files * (sizeof(struct manifest_file) + BLOCK_OVERHEAD + 1);
		for (size_t i = 0; i < set->nr_files; i++)
			n += strlen(set->files[i].path);
		n += paths_bytes(&set->absent) + paths_bytes(&set->not_files) +
		     paths_bytes(&set->same_dirs);
	}
	return n;
}

struct manifest_memo *manifest_memo_new(void)
{
	struct manifest_memo *mm = xcalloc(1, sizeof(*mm));

	pthread_mutex_init(&mm->lock, NULL);
	return mm;
}

struct scoped_path {
	size_t dir_offset; /* in the block of scopes; SIZE_MAX: none */
	const char *dir;   /* NULL: none */
	uint32_t index;
};

static int cmp_scoped(const void *a, const void *b)
{
	const struct scoped_path *x = a, *y = b;

	if (!x->dir || !y->dir)
		return !x->dir - !y->dir;
	return strcmp(x->dir, y->dir);
}

static const char *set_path(const struct include_set *set, size_t i)
{
	return i < set->nr_files ? set->files[i].path : set->absent.v[i - set->nr_files];
}

/* Groups the paths of set by scope; the bytes it took. */
static size_t group_by_scope(const struct include_set *set, struct set_scopes *out)
{
	size_t nr = set->nr_files + set->absent.nr, dirs_len;
	struct scoped_path *sorted = xcalloc(nr ? nr : 1, sizeof(*sorted));
	struct strbuf all = STRBUF_INIT, unique = STRBUF_INIT;
	size_t *offsets = xcalloc(nr ? nr : 1, sizeof(*offsets));
	char dir[PATH_MAX];

	/* Each path's scope, in a block that moves while it grows: offsets
	 * first, pointers once it is whole. */
	for (size_t i = 0; i < nr; i++) {
		size_t len = file_memo_scope(set_path(set, i), dir, sizeof(dir));
		sorted[i].index = (uint32_t)i;
		sorted[i].dir_offset = len ? all.len : SIZE_MAX;
		if (len)
			strbuf_add(&all, dir, len + 1);
	}
	for (size_t i = 0; i < nr; i++)
		if (sorted[i].dir_offset != SIZE_MAX)
			sorted[i].dir = all.buf + sorted[i].dir_offset;
	qsort(sorted, nr, sizeof(*sorted), cmp_scoped);
	/* One copy of each scope. */
	out->paths = xcalloc(nr ? nr : 1, sizeof(*out->paths));
	out->v = NULL;
	out->nr = 0;
	for (size_t i = 0; i < nr; i++) {
		out->paths[i] = sorted[i].index;
		if (i && !cmp_scoped(&sorted[i - 1], &sorted[i])) {
			out->v[out->nr - 1].nr++;
			continue;
		}
		out->v = xrealloc(out->v, (out->nr + 1) * sizeof(*out->v));
		offsets[out->nr] = SIZE_MAX;
		if (sorted[i].dir) {
			offsets[out->nr] = unique.len;
			strbuf_add(&unique, sorted[i].dir, strlen(sorted[i].dir) + 1);
		}
		out->v[out->nr++] = (struct set_scope){ NULL, &out->paths[i], 1 };
	}
	out->dirs = strbuf_detach(&unique, &dirs_len);
	for (size_t i = 0; i < out->nr; i++)
		if (offsets[i] != SIZE_MAX)
			out->v[i].dir = out->dirs + offsets[i];
	strbuf_release(&all);
	free(offsets);
	free(sorted);
	return nr * sizeof(*out->paths) + out->nr * sizeof(*out->v) + dirs_len + 3 * BLOCK_OVERHEAD;
}

static void unref(struct memo_manifest *mf)
{
	if (--mf->refs)
		return;
	for (size_t s = 0; mf->scopes && s < mf->m.nr_sets; s++) {
		free(mf->scopes[s].v);
		free(mf->scopes[s].paths);
		free(mf->scopes[s].dirs);
	}
	free(mf->scopes);
	manifest_release(&mf->m);
	free(mf->stamps);
	free(mf);
}

static void unlink_slot(struct manifest_memo *mm, struct slot **p)
{
	struct slot *gone = *p;

	*p = gone->next;
	mm->bytes -= gone->mf->bytes;
	unref(gone->mf);
	free(gone);
}

static void forget_all(struct manifest_memo *mm)
{
	for (size_t b = 0; b < MANIFEST_BUCKETS; b++)
		while (mm->buckets[b])
			unlink_slot(mm, &mm->buckets[b]);
}

void manifest_memo_free(struct manifest_memo *mm)
{
	if (!mm)
		return;
	forget_all(mm);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

static struct slot **find(struct manifest_memo *mm, const struct digest *key)
{
	struct slot **p = &mm->buckets[bucket_of(key)];

	while (*p && !digest_equal(&(*p)->key, key))
		p = &(*p)->next;
	return p;
}

struct memo_manifest *manifest_memo_get(struct manifest_memo *mm, const struct digest *key)
{
	struct memo_manifest *mf = NULL;

	pthread_mutex_lock(&mm->lock);
	struct slot *s = *find(mm, key);
	if (s) {
		mf = s->mf;
		mf->refs++;
	}
	pthread_mutex_unlock(&mm->lock);
	return mf;
}

struct memo_manifest *manifest_memo_put(struct manifest_memo *mm, const struct digest *key,
					struct manifest *m, uint64_t epoch)
{
	struct memo_manifest *mf = xcalloc(1, sizeof(*mf));

	mf->m = *m;
	memset(m, 0, sizeof(*m));
	mf->stamps = xcalloc(mf->m.nr_sets ? mf->m.nr_sets : 1, sizeof(*mf->stamps));
	mf->scopes = xcalloc(mf->m.nr_sets ? mf->m.nr_sets : 1, sizeof(*mf->scopes));
	mf->bytes = manifest_bytes(&mf->m);
	for (size_t s = 0; s < mf->m.nr_sets; s++)
		mf->bytes += group_by_scope(&mf->m.sets[s], &mf->scopes[s]);
	mf->refs = 1; /* the caller's */
	pthread_mutex_lock(&mm->lock);
	if (epoch == mm->epoch && mf->bytes <= MANIFEST_MEMO_MAX_BYTES / 4) {
		struct slot **old = find(mm, key);
		if (*old)
			unlink_slot(mm, old);
		if (mm->bytes + mf->bytes > MANIFEST_MEMO_MAX_BYTES)
			forget_all(mm);
		struct slot *s = xmalloc(sizeof(*s));
		size_t b = bucket_of(key);
		s->key = *key;
		s->mf = mf;
		s->next = mm->buckets[b];
		mm->buckets[b] = s;
		mm->bytes += mf->bytes;
		mf->refs++; /* the memory's */
	}
	pthread_mutex_unlock(&mm->lock);
	return mf;
}

void manifest_memo_release(struct manifest_memo *mm, struct memo_manifest *mf)
{
	if (!mf)
		return;
	pthread_mutex_lock(&mm->lock);
	unref(mf);
	pthread_mutex_unlock(&mm->lock);
}

void manifest_memo_forget(struct manifest_memo *mm, const struct digest *key)
{
	pthread_mutex_lock(&mm->lock);
	mm->epoch++;
	struct slot **p = find(mm, key);
	if (*p)
		unlink_slot(mm, p);
	pthread_mutex_unlock(&mm->lock);
}

uint64_t manifest_memo_epoch(struct manifest_memo *mm)
{
	pthread_mutex_lock(&mm->lock);
	uint64_t epoch = mm->epoch;
	pthread_mutex_unlock(&mm->lock);
	return epoch;
}

struct set_stamp manifest_memo_stamp(struct manifest_memo *mm, const struct memo_manifest *mf,
				     size_t set)
{
	pthread_mutex_lock(&mm->lock);
	struct set_stamp stamp = mf->stamps[set];
	pthread_mutex_unlock(&mm->lock);
	return stamp;
}

void manifest_memo_set_stamp(struct manifest_memo *mm, struct memo_manifest *mf, size_t set,
			     struct set_stamp stamp)
{
	pthread_mutex_lock(&mm->lock);
	mf->stamps[set] = stamp;
	pthread_mutex_unlock(&mm->lock);
}
