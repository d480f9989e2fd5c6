/*
 * store.h - the content-addressed store under $ZCCACHE_DIR.
 *
 * Layout:   <dir>/<first 2 hex of key>/<other 62 hex>.<kind>
 *           <dir>/tmp/      temporary files, renamed into place
 *           <dir>/stats     counters (stats.h)   <dir>/zccache.conf
 * Kinds:    'r' result (outputs + diagnostics of one compile),
 *           'm' manifest (the include sets seen for one direct key),
 *           'x' auxiliary (memoised facts: compiler hashes, search dirs).
 *
 * Every entry is one file written to tmp/ and renamed into place, so a
 * reader sees a whole entry or none. Each carries a checksum that is
 * verified on every read; a bad entry is deleted and reported as corrupt,
 * never used. The payload is a sequence of tagged records (entry_add), stored
 * raw (compression level 0, so outputs can be delivered by a kernel copy)
 * or zstd-compressed. Entries are the unit of eviction: least recently used
 * first, "used" being the file's mtime, refreshed on every hit.
 */
#ifndef ZC_STORE_H
#define ZC_STORE_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include "../hash/hash.h"
#include "../config/config.h"
#include <sys/types.h>

enum entry_kind { ENTRY_RESULT = 'r', ENTRY_MANIFEST = 'm', ENTRY_AUX = 'x' };

struct store {
	char *dir;
	char *tmp_dir;
	int level;
	uint64_t max_size;
	bool writable;        /* false: hits only (read-only dir, read_only) */
	char *not_writable;   /* why, for the log */
};

/* Creates dir (mode 0700) when it is missing; -1 (error() says why) unless
 * it is a directory of this user's: another's could hold links that send
 * what we write anywhere. */
int store_own_dir(const char *dir);
/* Opens (creating if needed, mode 0700) the store. Returns -1 when it
 * cannot be used at all (then error() says why); a store that can only be
 * read opens with writable = false. */
int store_open(struct store *st, const struct config *cfg);
void store_release(struct store *st);

/* A read entry. payload holds the records; for raw entries it points into
 * the file's bytes, and file_offset(payload) is known, so outputs can be
 * copied by the kernel. The bytes are read, or mapped when the file is
 * large: an entry is read whole for its checksum anyway, and unmapping
 * costs a threaded daemon an interrupt of every other CPU. */
struct entry {
	int fd;
	unsigned char *file;
	size_t file_len;
	bool mapped;
	unsigned char *decoded;
	const unsigned char *payload;
	size_t payload_len;
	bool raw;
	off_t payload_offset; /* raw only: where payload starts in the file */
};
#define ENTRY_INIT { -1, NULL, 0, false, NULL, NULL, 0, false, 0 }

enum store_get_result { ENTRY_FOUND = 0, ENTRY_ABSENT = 1, ENTRY_CORRUPT = 2 };

/* Looks up an entry. Returns ENTRY_FOUND, ENTRY_ABSENT, or ENTRY_CORRUPT
 * (the bad file has been deleted), or -1 on an I/O error. */
int store_get(struct store *st, enum entry_kind kind, const struct digest *key,
	      struct entry *e);
void entry_release(struct entry *e);
/* Marks the entry as just used (for LRU eviction). */
void entry_touch(struct entry *e);
/* The same for an entry not read: 0, or -1 when it is not there. */
int store_touch(const struct store *st, enum entry_kind kind, const struct digest *key);

/* Records: a u32 tag, a u64 length, the bytes. */
void entry_add(struct strbuf *records, uint32_t tag, const void *data, size_t len);
struct record {
	uint32_t tag;
	const unsigned char *data;
	size_t len;
	off_t file_offset; /* of data in the entry file (raw entries), else -1 */
};
/* Iterates: returns 1 with *rec filled, 0 at the end, -1 on a malformed
 * payload. *pos starts at 0. */
int entry_next(const struct entry *e, size_t *pos, struct record *rec);

/* Writes an entry atomically. *size_delta (optional) receives the change in
 * bytes stored (new size minus any entry it replaced). */
int store_put(struct store *st, enum entry_kind kind, const struct digest *key,
	      const struct strbuf *records, int64_t *size_delta, int64_t *files_delta);

/* Deletes least recently used entries until at most target bytes remain,
 * and stray temporary files older than an hour. Reports what is left. */
int store_trim(struct store *st, uint64_t target, int64_t *bytes_left, int64_t *files_left);
/* Deletes every entry. */
int store_clear(struct store *st);

/* The path of an entry (malloc'd), for tests and tools. */
char *store_entry_path(const struct store *st, enum entry_kind kind, const struct digest *key);

#endif
