/*
 * Entry file format (all integers little-endian):
 *
 *   0  4  magic "ZCE1"
 *   4  1  kind ('r', 'm', 'x')
 *   5  1  compression: 0 raw, 1 zstd
 *   6  2  reserved, 0
 *   8  8  payload size once decoded
 *  16  8  payload size as stored
 *  24  8  XXH3-64 of the stored payload, seeded with XXH3-64 of bytes 0..23
 *  32     stored payload
 *
 * The decoded payload is a sequence of records: u32 tag, u64 length, bytes.
 * Anything that does not add up (short file, sizes beyond the file, a
 * checksum mismatch, a zstd error, records overrunning the payload) makes
 * the entry corrupt: it is deleted and reads as a miss.
 */
#include "../util/compat.h"
#include "store.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#define ENTRY_MAGIC "ZCE1"
#define HEADER_SIZE 32
#define MAX_ENTRY_SIZE ((uint64_t)4 << 30)
/* Entries up to this size are read into memory, larger ones mapped. */
#define READ_ENTRY_MAX (8u << 20)
#define TEMP_MAX_AGE_SECONDS 3600

static uint64_t entry_checksum(const unsigned char *header, const void *payload, size_t len)
{
	return XXH3_64bits_withSeed(payload, len, XXH3_64bits(header, 24));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int store_own_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || mkdir_p(dir, 0700) < 0 || stat(dir, &sb) < 0)
			return error("cannot create cache directory '%s':", dir);
	}
	if (!S_ISDIR(sb.st_mode))
		return error("cache directory '%s' is not a directory", dir);
	if (sb.st_uid != geteuid())
		return error("cache directory '%s' belongs to another user (uid %u)", dir,
			     (unsigned)sb.st_uid);
	return 0;
}

int store_open(struct store *st, const struct config *cfg)
{
	memset(st, 0, sizeof(*st));
	if (!cfg->cache_dir)
		return error("no cache directory: neither ZCCACHE_DIR nor HOME is set");
	st->dir = xstrdup(cfg->cache_dir);
	st->tmp_dir = xasprintf("%s/tmp", st->dir);
	st->level = cfg->compression_level;
	st->max_size = cfg->max_size;
	if (store_own_dir(st->dir) < 0)
		return -1;
	if (access(st->dir, R_OK | X_OK) < 0)
		return error("cannot read cache directory '%s':", st->dir);
	st->writable = true;
	if (cfg->read_only) {
		st->writable = false;
		st->not_writable = xstrdup("read_only is set");
	} else if (access(st->dir, W_OK) < 0) {
		st->writable = false;
		st->not_writable = xasprintf("cache directory '%s' is not writable: %s", st->dir,
					     strerror(errno));
	} else if (mkdir(st->tmp_dir, 0700) < 0 && errno != EEXIST) {
		st->writable = false;
		st->not_writable = xasprintf("cannot create '%s': %s", st->tmp_dir, strerror(errno));
	}
	return 0;
}

void store_release(struct store *st)
{
	free(st->dir);
	free(st->tmp_dir);
	free(st->not_writable);
	memset(st, 0, sizeof(*st));
}

char *store_entry_path(const struct store *st, enum entry_kind kind, const struct digest *key)
{
	char hex[DIGEST_HEX_SIZE];

	digest_to_hex(key, hex);
	return xasprintf("%s/%.2s/%s.%c", st->dir, hex, hex + 2, (char)kind);
}

int store_touch(const struct store *st, enum entry_kind kind, const struct digest *key)
{
	char hex[DIGEST_HEX_SIZE], path[PATH_MAX];

	digest_to_hex(key, hex);
	int n = snprintf(path, sizeof(path), "%s/%.2s/%s.%c", st->dir, hex, hex + 2, (char)kind);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return utimensat(AT_FDCWD, path, NULL, 0);
}

void entry_release(struct entry *e)
{
	if (e->mapped)
		munmap(e->file, e->file_len);
	else
		free(e->file);
	if (e->fd >= 0)
		close(e->fd);
	free(e->decoded);
	*e = (struct entry)ENTRY_INIT;
}

void entry_touch(struct entry *e)
{
	if (e->fd >= 0 && futimens(e->fd, NULL) < 0)
		zlog("cannot refresh the time of an entry: %s", strerror(errno));
}

/* zstd contexts, one pair per thread and kept: creating one per entry
 * cost as much as decoding a small manifest. */
struct zstd_ctxs {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
};
static pthread_key_t zstd_key;
static bool zstd_key_ok;
static pthread_once_t zstd_once = PTHREAD_ONCE_INIT;

static void zstd_ctxs_free(void *p)
{
	struct zstd_ctxs *z = p;

	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

static void zstd_key_init(void)
{
	zstd_key_ok = pthread_key_create(&zstd_key, zstd_ctxs_free) == 0;
}

/* This thread's contexts; NULL (then the one-shot calls serve) when
 * none can be had. */
static struct zstd_ctxs *zstd_ctxs(void)
{
	struct zstd_ctxs *z;

	pthread_once(&zstd_once, zstd_key_init);
	if (!zstd_key_ok)
		return NULL;
	z = pthread_getspecific(zstd_key);
	if (!z) {
		z = xcalloc(1, sizeof(*z));
		if (pthread_setspecific(zstd_key, z) != 0) {
			free(z);
			return NULL;
		}
	}
	return z;
}

static size_t zstd_decompress(void *dst, size_t cap, const void *src, size_t len)
{
	struct zstd_ctxs *z = zstd_ctxs();

	if (z && !z->d)
		z->d = ZSTD_createDCtx();
	return z && z->d ? ZSTD_decompressDCtx(z->d, dst, cap, src, len)
			 : ZSTD_decompress(dst, cap, src, len);
}

static size_t zstd_compress(void *dst, size_t cap, const void *src, size_t len, int level)
{
	struct zstd_ctxs *z = zstd_ctxs();

	if (z && !z->c)
		z->c = ZSTD_createCCtx();
	return z && z->c ? ZSTD_compressCCtx(z->c, dst, cap, src, len, level)
			 : ZSTD_compress(dst, cap, src, len, level);
}

/* Validates and decodes the file's bytes; 0 or -1 (corrupt). */
static int decode_entry(struct entry *e, enum entry_kind kind)
{
	const unsigned char *h = e->file;

	if (e->file_len < HEADER_SIZE || memcmp(h, ENTRY_MAGIC, 4) || h[4] != (unsigned char)kind ||
	    h[5] > 1 || h[6] || h[7])
		return -1;
	uint64_t raw_size = get_u64(h + 8), stored_size = get_u64(h + 16);
	if (stored_size != e->file_len - HEADER_SIZE || raw_size > MAX_ENTRY_SIZE)
		return -1;
	if (entry_checksum(h, h + HEADER_SIZE, stored_size) != get_u64(h + 24))
		return -1;
	if (h[5] == 0) {
		if (raw_size != stored_size)
			return -1;
		e->raw = true;
		e->payload = h + HEADER_SIZE;
		e->payload_len = stored_size;
		e->payload_offset = HEADER_SIZE;
		return 0;
	}
	e->decoded = xmalloc(raw_size);
	size_t n = zstd_decompress(e->decoded, raw_size, h + HEADER_SIZE, stored_size);
	if (ZSTD_isError(n) || n != raw_size)
		return -1;
	e->payload = e->decoded;
	e->payload_len = raw_size;
	return 0;
}

int store_get(struct store *st, enum entry_kind kind, const struct digest *key, struct entry *e)
{
	char *path = store_entry_path(st, kind, key);
	struct stat sb;
	int ret = -1;

	*e = (struct entry)ENTRY_INIT;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0) {
		ret = errno == ENOENT ? ENTRY_ABSENT : error("cannot open '%s':", path);
		goto out;
	}
	if (fstat(e->fd, &sb) < 0) {
		error("cannot stat '%s':", path);
		goto out;
	}
	if ((uint64_t)sb.st_size < HEADER_SIZE || (uint64_t)sb.st_size > MAX_ENTRY_SIZE) {
		ret = ENTRY_CORRUPT;
		goto out;
	}
	e->file_len = (size_t)sb.st_size;
	if (e->file_len > READ_ENTRY_MAX) {
		void *map = mmap(NULL, e->file_len, PROT_READ, MAP_PRIVATE, e->fd, 0);
		if (map == MAP_FAILED) {
			error("cannot map '%s':", path);
			goto out;
		}
		e->file = map;
		e->mapped = true;
	} else {
		e->file = xmalloc(e->file_len);
		ssize_t n = read_in_full(e->fd, e->file, e->file_len);
		if (n < 0) {
			error("cannot read '%s':", path);
			goto out;
		}
		/* Shorter than its size said: entries are never written in
		 * place. */
		if ((size_t)n != e->file_len) {
			ret = ENTRY_CORRUPT;
			goto out;
		}
	}
	ret = decode_entry(e, kind) == 0 ? ENTRY_FOUND : ENTRY_CORRUPT;
out:
	if (ret == ENTRY_CORRUPT) {
		zlog("corrupt entry '%s': deleted", path);
		if (unlink(path) < 0 && errno != ENOENT)
			zlog("cannot delete '%s': %s", path, strerror(errno));
	}
	if (ret != ENTRY_FOUND)
		entry_release(e);
	free(path);
	return ret;
}

void entry_add(struct strbuf *records, uint32_t tag, const void *data, size_t len)
{
	strbuf_add_u32(records, tag);
	strbuf_add_u64(records, len);
	strbuf_add(records, data, len);
}

int entry_next(const struct entry *e, size_t *pos, struct record *rec)
{
	struct reader r = { e->payload + *pos, e->payload + e->payload_len };
	uint64_t len;
	const unsigned char *data;

	if (*pos >= e->payload_len)
		return 0;
	if (read_u32(&r, &rec->tag) || read_u64(&r, &len) || len > (uint64_t)(r.end - r.p) ||
	    read_bytes(&r, (size_t)len, &data))
		return -1;
	rec->data = data;
	rec->len = (size_t)len;
	rec->file_offset = e->raw ? e->payload_offset + (data - e->payload) : -1;
	*pos = (size_t)(r.p - e->payload);
	return 1;
}

int store_put(struct store *st, enum entry_kind kind, const struct digest *key,
	      const struct strbuf *records, int64_t *size_delta, int64_t *files_delta)
{
	char *path = store_entry_path(st, kind, key);
	struct strbuf file = STRBUF_INIT;
	unsigned char header[HEADER_SIZE] = { 0 };
	struct stat old;
	bool had_old;
	int ret = -1;

	if (!st->writable) {
		error("cache is not writable: %s", st->not_writable);
		goto out;
	}
	memcpy(header, ENTRY_MAGIC, 4);
	header[4] = (unsigned char)kind;
	header[5] = st->level != 0;
	put_u64(header + 8, records->len);
	strbuf_add(&file, header, HEADER_SIZE);
	if (st->level == 0) {
		strbuf_add(&file, records->buf, records->len);
	} else {
		size_t bound = ZSTD_compressBound(records->len);
		strbuf_grow(&file, bound);
		size_t n = zstd_compress(file.buf + HEADER_SIZE, bound, records->buf, records->len,
					 st->level);
		if (ZSTD_isError(n)) {
			error("zstd: %s", ZSTD_getErrorName(n));
			goto out;
		}
		strbuf_setlen(&file, HEADER_SIZE + n);
	}
	put_u64((unsigned char *)file.buf + 16, file.len - HEADER_SIZE);
	put_u64((unsigned char *)file.buf + 24,
		entry_checksum((unsigned char *)file.buf, file.buf + HEADER_SIZE, file.len - HEADER_SIZE));

	had_old = stat(path, &old) == 0;
	if (!had_old) {
		/* The shard directory may not exist yet. */
		char *dir = path_dirname(path);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			error("cannot create '%s':", dir);
			free(dir);
			goto out;
		}
		free(dir);
	}
	if (write_file_atomic(st->tmp_dir, path, file.buf, file.len, 0600) < 0)
		goto out;
	if (size_delta)
		*size_delta = (int64_t)file.len - (had_old ? (int64_t)old.st_size : 0);
	if (files_delta)
		*files_delta = had_old ? 0 : 1;
	ret = 0;
out:
	strbuf_release(&file);
	free(path);
	return ret;
}

struct victim {
	char *path;
	off_t size;
	struct timespec used;
};

static int cmp_victim(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

static bool is_shard_name(const char *name)
{
	return strlen(name) == 2 && strspn(name, "0123456789abcdef") == 2;
}

/* Lists every entry file; removes old temporaries on the way. */
static int scan_entries(struct store *st, struct victim **out, size_t *nr)
{
	DIR *top = opendir(st->dir), *sub;
	struct dirent *d, *f;
	size_t alloc = 0;
	time_t now = time(NULL);

	*out = NULL;
	*nr = 0;
	if (!top)
		return error("cannot read '%s':", st->dir);
	while ((d = readdir(top))) {
		bool is_tmp = !strcmp(d->d_name, "tmp");
		if (!is_tmp && !is_shard_name(d->d_name))
			continue;
		char *dir = xasprintf("%s/%s", st->dir, d->d_name);
		sub = opendir(dir);
		while (sub && (f = readdir(sub))) {
			struct stat sb;
			if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, ".."))
				continue;
			char *path = xasprintf("%s/%s", dir, f->d_name);
			if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
				free(path);
				continue;
			}
			if (is_tmp) {
				if (now - sb.st_mtime > TEMP_MAX_AGE_SECONDS)
					unlink_if_exists(path);
				free(path);
				continue;
			}
			if (*nr == alloc) {
				alloc = alloc ? alloc * 2 : 256;
				*out = xrealloc(*out, alloc * sizeof(**out));
			}
			(*out)[*nr].path = path;
			(*out)[*nr].size = sb.st_size;
			(*out)[*nr].used = sb.st_mtim;
			(*nr)++;
		}
		if (sub)
			closedir(sub);
		free(dir);
	}
	closedir(top);
	return 0;
}

int store_trim(struct store *st, uint64_t target, int64_t *bytes_left, int64_t *files_left)
{
	struct victim *v;
	size_t nr;
	uint64_t total = 0;
	int ret = 0;

	if (scan_entries(st, &v, &nr) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++)
		total += (uint64_t)v[i].size;
	if (nr)
		qsort(v, nr, sizeof(*v), cmp_victim);
	size_t kept = nr;
	for (size_t i = 0; i < nr && target && total > target; i++) {
		if (unlink(v[i].path) < 0 && errno != ENOENT) {
			ret = error("cannot delete '%s':", v[i].path);
			continue;
		}
		total -= (uint64_t)v[i].size;
		kept--;
	}
	for (size_t i = 0; i < nr; i++)
		free(v[i].path);
	free(v);
	*bytes_left = (int64_t)total;
	*files_left = (int64_t)kept;
	return ret;
}

int store_clear(struct store *st)
{
	struct victim *v;
	size_t nr;
	int ret = 0;

	if (scan_entries(st, &v, &nr) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		if (unlink(v[i].path) < 0 && errno != ENOENT)
			ret = error("cannot delete '%s':", v[i].path);
		free(v[i].path);
	}
	free(v);
	return ret;
}
