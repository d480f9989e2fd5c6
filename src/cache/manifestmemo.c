/* manifestmemo.c - remembered manifests (see manifestmemo.h). */
#include "../util/compat.h"
#include "manifestmemo.h"
#include "../hash/filememo.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

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
		   m->nr_sets * (sizeof(struct include_set) + sizeof(struct set_stamp) +
				 sizeof(struct set_scopes)) + 3 * BLOCK_OVERHEAD;

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

static const char *set_path(const struct include_set *set, size_t i)
{
	return i < set->nr_files ? set->files[i].path : set->absent.v[i - set->nr_files];
}

/* Groups the paths of set by scope; the bytes it took. A set has a few
 * dozen scopes: each path's is looked for among those seen so far. */
static size_t group_by_scope(const struct include_set *set, struct set_scopes *out)
{
	size_t nr = set->nr_files + set->absent.nr, nr_seen = 0, alloc_seen = 0, dirs_len;
	struct seen_scope {
		uint64_t hash;
		size_t len, offset; /* in dirs */
		size_t count, start, filled; /* its paths, in out->paths */
	} *seen = NULL;
	uint32_t *scope_of = xcalloc(nr ? nr : 1, sizeof(*scope_of));
	struct strbuf dirs = STRBUF_INIT;
	char dir[PATH_MAX];
	size_t unscoped = 0;

	for (size_t i = 0; i < nr; i++) {
		size_t len = file_memo_scope(set_path(set, i), dir, sizeof(dir)), k;
		if (!len) {
			scope_of[i] = UINT32_MAX;
			unscoped++;
			continue;
		}
		uint64_t hash = XXH3_64bits(dir, len);
		for (k = 0; k < nr_seen; k++)
			if (seen[k].hash == hash && seen[k].len == len &&
			    !memcmp(dirs.buf + seen[k].offset, dir, len))
				break;
		if (k == nr_seen) {
			if (nr_seen == alloc_seen) {
				alloc_seen = alloc_seen ? 2 * alloc_seen : 16;
				seen = xrealloc(seen, alloc_seen * sizeof(*seen));
			}
			seen[nr_seen++] = (struct seen_scope){ hash, len, dirs.len, 0, 0, 0 };
			strbuf_add(&dirs, dir, len + 1);
		}
		seen[k].count++;
		scope_of[i] = (uint32_t)k;
	}
	/* The scopes in the order first met, then the unscoped paths. */
	out->nr = nr_seen + (unscoped > 0);
	out->v = xcalloc(out->nr ? out->nr : 1, sizeof(*out->v));
	out->paths = xcalloc(nr ? nr : 1, sizeof(*out->paths));
	out->dirs = strbuf_detach(&dirs, &dirs_len);
	size_t at = 0;
	for (size_t k = 0; k < nr_seen; k++) {
		seen[k].start = at;
		out->v[k] = (struct set_scope){ out->dirs + seen[k].offset, &out->paths[at],
						seen[k].count };
		at += seen[k].count;
	}
	if (unscoped)
		out->v[nr_seen] = (struct set_scope){ NULL, &out->paths[at], unscoped };
	for (size_t i = 0, fill_unscoped = 0; i < nr; i++) {
		if (scope_of[i] == UINT32_MAX)
			out->paths[at + fill_unscoped++] = (uint32_t)i;
		else
			out->paths[seen[scope_of[i]].start + seen[scope_of[i]].filled++] = (uint32_t)i;
	}
	free(seen);
	free(scope_of);
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
