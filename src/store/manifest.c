/*
 * Manifest records (inside an entry, see store.c), one per include set,
 * tag MANIFEST_SET_TAG:
 *   u32 number of files, then per file:
 *       u32 path length, path, 32-byte digest, u64 size, u64 mtime_ns,
 *       u64 ctime_ns, u64 inode
 *   u32 number of absent paths, then per path: u32 length, path
 *   32-byte result key
 * A set with paths that must stay no regular file has tag
 * MANIFEST_SET_NOT_FILES_TAG instead and, before the result key:
 *   u32 number of such paths, then per path: u32 length, path
 * so a zccache that predates that list skips the set (a miss) instead of
 * ignoring the constraint. A set with directories that must stay the same
 * has tag MANIFEST_SET_SAME_DIRS_TAG and, before the result key, both lists:
 *   u32 number of no-file paths, then per path: u32 length, path
 *   u32 number of pairs, then per pair: two (u32 length, path)
 */
#include "../util/compat.h"
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#define MANIFEST_SET_TAG 1
#define MANIFEST_SET_NOT_FILES_TAG 2
#define MANIFEST_SET_SAME_DIRS_TAG 3
#define MAX_FILES_PER_SET 100000

void include_set_release(struct include_set *s)
{
	for (size_t i = 0; i < s->nr_files; i++)
		free(s->files[i].path);
	free(s->files);
	strvec_clear(&s->absent);
	strvec_clear(&s->not_files);
	strvec_clear(&s->same_dirs);
	memset(s, 0, sizeof(*s));
}

void manifest_release(struct manifest *m)
{
	for (size_t i = 0; i < m->nr_sets; i++)
		include_set_release(&m->sets[i]);
	free(m->sets);
	memset(m, 0, sizeof(*m));
}

static int read_paths(struct reader *r, struct strvec *out)
{
	uint32_t n;

	if (read_u32(r, &n) || n > MAX_FILES_PER_SET * 16)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *p;
		size_t pl;
		if (read_lstr(r, &p, &pl))
			return -1;
		strvec_push_len(out, p, pl);
	}
	return 0;
}

static int decode_set(const unsigned char *data, size_t len, uint32_t tag,
		      struct include_set *s)
{
	struct reader r = { data, data + len };
	uint32_t n;
	const unsigned char *b;

	memset(s, 0, sizeof(*s));
	if (read_u32(&r, &n) || n > MAX_FILES_PER_SET)
		return -1;
	s->files = xcalloc(n ? n : 1, sizeof(*s->files));
	for (uint32_t i = 0; i < n; i++) {
		struct manifest_file *f = &s->files[i];
		const char *p;
		size_t pl;
		if (read_lstr(&r, &p, &pl) || read_bytes(&r, DIGEST_SIZE, &b) ||
		    read_u64(&r, &f->size) || read_u64(&r, &f->mtime_ns) ||
		    read_u64(&r, &f->ctime_ns) || read_u64(&r, &f->ino))
			return -1;
		f->path = xstrndup(p, pl);
		memcpy(f->digest.b, b, DIGEST_SIZE);
		s->nr_files++;
	}
	if (read_paths(&r, &s->absent) < 0 ||
	    (tag >= MANIFEST_SET_NOT_FILES_TAG && read_paths(&r, &s->not_files) < 0) ||
	    (tag >= MANIFEST_SET_SAME_DIRS_TAG &&
	     (read_paths(&r, &s->same_dirs) < 0 || s->same_dirs.nr % 2)))
		return -1;
	if (read_bytes(&r, DIGEST_SIZE, &b) || r.p != r.end)
		return -1;
	memcpy(s->result_key.b, b, DIGEST_SIZE);
	return 0;
}

int manifest_decode(const struct entry *e, struct manifest *m)
{
	struct record rec;
	size_t pos = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	while ((rc = entry_next(e, &pos, &rec)) == 1) {
		if (rec.tag < MANIFEST_SET_TAG || rec.tag > MANIFEST_SET_SAME_DIRS_TAG)
			continue; /* a newer zccache's record: skip */
		m->sets = xrealloc(m->sets, (m->nr_sets + 1) * sizeof(*m->sets));
		if (decode_set(rec.data, rec.len, rec.tag, &m->sets[m->nr_sets]) < 0) {
			include_set_release(&m->sets[m->nr_sets]);
			manifest_release(m);
			return -1;
		}
		m->nr_sets++;
	}
	if (rc < 0) {
		manifest_release(m);
		return -1;
	}
	return 0;
}

static void add_paths(struct strbuf *sb, const struct strvec *paths)
{
	strbuf_add_u32(sb, (uint32_t)paths->nr);
	for (size_t i = 0; i < paths->nr; i++)
		strbuf_add_lstr(sb, paths->v[i], strlen(paths->v[i]));
}

static void encode_set(const struct include_set *s, struct strbuf *records)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_u32(&sb, (uint32_t)s->nr_files);
	for (size_t i = 0; i < s->nr_files; i++) {
		const struct manifest_file *f = &s->files[i];
		strbuf_add_lstr(&sb, f->path, strlen(f->path));
		strbuf_add(&sb, f->digest.b, DIGEST_SIZE);
		strbuf_add_u64(&sb, f->size);
		strbuf_add_u64(&sb, f->mtime_ns);
		strbuf_add_u64(&sb, f->ctime_ns);
		strbuf_add_u64(&sb, f->ino);
	}
	add_paths(&sb, &s->absent);
	uint32_t tag = s->same_dirs.nr ? MANIFEST_SET_SAME_DIRS_TAG
			: s->not_files.nr ? MANIFEST_SET_NOT_FILES_TAG
					  : MANIFEST_SET_TAG;
	if (tag >= MANIFEST_SET_NOT_FILES_TAG)
		add_paths(&sb, &s->not_files);
	if (tag >= MANIFEST_SET_SAME_DIRS_TAG)
		add_paths(&sb, &s->same_dirs);
	strbuf_add(&sb, s->result_key.b, DIGEST_SIZE);
	entry_add(records, tag, sb.buf, sb.len);
	strbuf_release(&sb);
}

void manifest_encode(const struct include_set *set, const struct manifest *old,
		     struct strbuf *records)
{
	size_t kept = 1;

	encode_set(set, records);
	for (size_t i = 0; old && i < old->nr_sets && kept < MANIFEST_MAX_SETS; i++) {
		if (digest_equal(&old->sets[i].result_key, &set->result_key))
			continue;
		encode_set(&old->sets[i], records);
		kept++;
	}
}
