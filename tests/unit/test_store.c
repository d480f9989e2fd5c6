/* The store: round trips, atomic replacement, checksums, eviction. */
#include "unit.h"
#include "store/store.h"
#include "store/manifest.h"
#include "config/config.h"
#include "hash/hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *dir;

static void open_store(struct store *st, int level)
{
	struct config cfg = { 0 };
	cfg.cache_dir = dir;
	cfg.compression_level = level;
	cfg.max_size = 0;
	assert_int_equal(store_open(st, &cfg), 0);
	assert_true(st->writable);
}

static void key_of(const char *s, struct digest *d)
{
	digest_buffer(s, strlen(s), d);
}

static void round_trip(int level)
{
	struct store st;
	struct strbuf rec = STRBUF_INIT;
	struct entry e;
	struct record r;
	struct digest k;
	size_t pos = 0;
	int64_t bytes, files;

	open_store(&st, level);
	key_of(level ? "zstd" : "raw", &k);
	entry_add(&rec, 7, "hello", 5);
	entry_add(&rec, 9, "", 0);
	assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, &bytes, &files), 0);
	assert_true(bytes > 0);
	assert_int_equal(files, 1);
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_FOUND);
	assert_int_equal(e.raw, level == 0);
	assert_int_equal(entry_next(&e, &pos, &r), 1);
	assert_int_equal(r.tag, 7);
	assert_int_equal(r.len, 5);
	assert_memory_equal(r.data, "hello", 5);
	if (level == 0)
		assert_true(r.file_offset > 0);
	assert_int_equal(entry_next(&e, &pos, &r), 1);
	assert_int_equal(r.tag, 9);
	assert_int_equal(entry_next(&e, &pos, &r), 0);
	entry_release(&e);
	/* Same key again: replaced, no new file. */
	assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, &bytes, &files), 0);
	assert_int_equal(files, 0);
	assert_int_equal(bytes, 0);
	/* Another kind under the same key is another entry. */
	assert_int_equal(store_get(&st, ENTRY_MANIFEST, &k, &e), ENTRY_ABSENT);
	strbuf_release(&rec);
	store_release(&st);
}

static void test_round_trip_raw(void **state)
{
	(void)state;
	round_trip(0);
}

static void test_round_trip_zstd(void **state)
{
	(void)state;
	round_trip(3);
}

/* An entry too large to be read into memory is mapped: the same records,
 * raw or compressed, and a truncated one is corrupt either way. */
static void test_large_entry(void **state)
{
	struct store st;
	struct strbuf rec = STRBUF_INIT;
	size_t big = (9u << 20) + 3, pos;
	unsigned char *data = xmalloc(big);
	struct entry e;
	struct record r;
	struct digest k;
	int64_t bytes, files;
	(void)state;

	/* incompressible: a compressed entry is large too */
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < big; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (unsigned char)(x >> 56);
	}
	entry_add(&rec, 5, data, big);
	for (int level = 0; level <= 1; level++) {
		open_store(&st, level);
		key_of(level ? "big zstd" : "big raw", &k);
		assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, &bytes, &files), 0);
		assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_FOUND);
		assert_true(e.mapped);
		pos = 0;
		assert_int_equal(entry_next(&e, &pos, &r), 1);
		assert_int_equal(r.len, big);
		assert_memory_equal(r.data, data, big);
		entry_release(&e);
		char *path = store_entry_path(&st, ENTRY_RESULT, &k);
		/* still too large to be read: mapped, and found short */
		assert_int_equal(truncate(path, (off_t)(big - 1024)), 0);
		assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_CORRUPT);
		free(path);
		store_release(&st);
	}
	/* a small one is read; truncated, it is corrupt */
	strbuf_reset(&rec);
	entry_add(&rec, 5, "small", 5);
	open_store(&st, 0);
	key_of("small", &k);
	assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, &bytes, &files), 0);
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_FOUND);
	assert_false(e.mapped);
	entry_release(&e);
	char *path = store_entry_path(&st, ENTRY_RESULT, &k);
	assert_int_equal(truncate(path, 40), 0);
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_CORRUPT);
	free(path);
	store_release(&st);
	strbuf_release(&rec);
	free(data);
}

/* Every single flipped byte must be detected, and the entry deleted. */
static void test_checksum_detects_corruption(void **state)
{
	struct store st;
	struct strbuf rec = STRBUF_INIT;
	struct entry e;
	struct digest k;
	(void)state;

	for (int level = 0; level <= 1; level++) {
		open_store(&st, level);
		key_of("corrupt", &k);
		for (int i = 0; i < 100; i++)
			entry_add(&rec, 1, "some object bytes", 17);
		char *path = store_entry_path(&st, ENTRY_RESULT, &k);
		struct stat sb;
		assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, NULL, NULL), 0);
		assert_int_equal(stat(path, &sb), 0);
		for (off_t off = 0; off < sb.st_size; off += sb.st_size / 37 + 1) {
			assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, NULL, NULL), 0);
			int fd = open(path, O_RDWR);
			unsigned char b;
			assert_int_equal(pread(fd, &b, 1, off), 1);
			b ^= 0x40;
			assert_int_equal(pwrite(fd, &b, 1, off), 1);
			close(fd);
			assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_CORRUPT);
			assert_int_equal(access(path, F_OK), -1); /* dropped */
		}
		/* A truncated entry (a crash mid-write cannot publish one, but a
		 * disk can lose one) is corrupt too. */
		assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, NULL, NULL), 0);
		assert_int_equal(truncate(path, sb.st_size - 1), 0);
		assert_int_equal(store_get(&st, ENTRY_RESULT, &k, &e), ENTRY_CORRUPT);
		free(path);
		strbuf_reset(&rec);
		store_release(&st);
	}
	strbuf_release(&rec);
}

/* A put never leaves a partial file under the entry's name, nor a stray
 * temporary file. */
static void test_put_is_atomic(void **state)
{
	struct store st;
	struct strbuf rec = STRBUF_INIT;
	struct digest k;
	char tmpdir[600];
	(void)state;

	open_store(&st, 1);
	key_of("atomic", &k);
	entry_add(&rec, 1, "x", 1);
	assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, NULL, NULL), 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", tmpdir);
	assert_int_equal(system(cmd), 0);
	/* A read-only store refuses to write and says so. */
	st.writable = false;
	st.not_writable = strdup("test");
	assert_int_equal(store_put(&st, ENTRY_RESULT, &k, &rec, NULL, NULL), -1);
	strbuf_release(&rec);
	store_release(&st);
}

static void test_eviction_is_lru(void **state)
{
	struct store st;
	struct strbuf rec = STRBUF_INIT;
	struct digest k[10];
	struct entry e;
	int64_t bytes, files;
	char name[16];
	(void)state;

	open_store(&st, 0);
	assert_int_equal(store_clear(&st), 0);
	char filler[1000];
	memset(filler, 'z', sizeof(filler));
	entry_add(&rec, 1, filler, sizeof(filler));
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "lru%d", i);
		key_of(name, &k[i]);
		assert_int_equal(store_put(&st, ENTRY_RESULT, &k[i], &rec, NULL, NULL), 0);
		/* Ages 10..1 seconds: entry 0 is the oldest. */
		char *path = store_entry_path(&st, ENTRY_RESULT, &k[i]);
		struct timespec t[2];
		clock_gettime(CLOCK_REALTIME, &t[0]);
		t[0].tv_sec -= 10 - i;
		t[1] = t[0];
		assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
		free(path);
	}
	/* Using entry 0 makes it the most recent. */
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k[0], &e), ENTRY_FOUND);
	entry_touch(&e);
	entry_release(&e);
	assert_int_equal(store_trim(&st, 4 * 1050, &bytes, &files), 0);
	assert_int_equal(files, 4);
	assert_true(bytes <= 4 * 1050);
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k[0], &e), ENTRY_FOUND);
	entry_release(&e);
	for (int i = 1; i <= 6; i++)
		assert_int_equal(store_get(&st, ENTRY_RESULT, &k[i], &e), ENTRY_ABSENT);
	for (int i = 7; i < 10; i++) {
		assert_int_equal(store_get(&st, ENTRY_RESULT, &k[i], &e), ENTRY_FOUND);
		entry_release(&e);
	}
	assert_int_equal(store_clear(&st), 0);
	assert_int_equal(store_get(&st, ENTRY_RESULT, &k[9], &e), ENTRY_ABSENT);
	strbuf_release(&rec);
	store_release(&st);
}

/* Encodes set (before old's sets) into rec and decodes it back into m. */
static void encode_decode(const struct include_set *set, const struct manifest *old,
			  struct strbuf *rec, struct entry *e, struct manifest *m)
{
	strbuf_reset(rec);
	manifest_encode(set, old, rec);
	e->payload = (const unsigned char *)rec->buf;
	e->payload_len = rec->len;
	assert_int_equal(manifest_decode(e, m), 0);
}

static void test_manifest_round_trip(void **state)
{
	struct include_set set = { 0 }, set2 = { 0 };
	struct manifest old = { 0 }, m = { 0 };
	struct strbuf rec = STRBUF_INIT;
	struct entry e = ENTRY_INIT;
	(void)state;

	set.files = calloc(2, sizeof(*set.files));
	set.nr_files = 2;
	set.files[0].path = strdup("a.c");
	set.files[1].path = strdup("inc/x.h");
	set.files[1].ino = 42;
	strvec_push(&set.absent, "a/x.h");
	key_of("result1", &set.result_key);
	encode_decode(&set, NULL, &rec, &e, &old);
	assert_int_equal(old.nr_sets, 1);
	assert_string_equal(old.sets[0].files[1].path, "inc/x.h");
	assert_int_equal(old.sets[0].files[1].ino, 42);
	assert_string_equal(old.sets[0].absent.v[0], "a/x.h");

	/* A new set goes first; an old one with the same result is dropped. */
	set2.files = calloc(1, sizeof(*set2.files));
	set2.nr_files = 1;
	set2.files[0].path = strdup("a.c");
	key_of("result2", &set2.result_key);
	encode_decode(&set2, &old, &rec, &e, &m);
	assert_int_equal(m.nr_sets, 2);
	assert_true(digest_equal(&m.sets[0].result_key, &set2.result_key));
	assert_int_equal(m.sets[0].not_files.nr, 0);
	manifest_release(&m);

	/* Paths that must stay no file: kept, in a record of their own tag,
	 * which a zccache that predates them skips (a miss, never a hit that
	 * ignores them). */
	strvec_push(&set2.not_files, "a/h.h");
	strvec_push(&set2.not_files, "inc/memory");
	encode_decode(&set2, &old, &rec, &e, &m);
	assert_int_equal(m.nr_sets, 2);
	assert_int_equal(m.sets[0].not_files.nr, 2);
	assert_string_equal(m.sets[0].not_files.v[1], "inc/memory");
	assert_int_equal(m.sets[1].not_files.nr, 0);
	assert_string_equal(m.sets[1].absent.v[0], "a/x.h");
	manifest_release(&m);
	size_t pos = 0;
	struct record r;
	assert_int_equal(entry_next(&e, &pos, &r), 1);
	assert_int_equal(r.tag, 2);
	assert_int_equal(entry_next(&e, &pos, &r), 1);
	assert_int_equal(r.tag, 1);

	/* Directories that must stay duplicates: a third tag, with both lists. */
	strvec_push(&set2.same_dirs, "src/lib/../include");
	strvec_push(&set2.same_dirs, "src/include");
	encode_decode(&set2, &old, &rec, &e, &m);
	assert_int_equal(m.sets[0].not_files.nr, 2);
	assert_int_equal(m.sets[0].same_dirs.nr, 2);
	assert_string_equal(m.sets[0].same_dirs.v[1], "src/include");
	assert_int_equal(m.sets[1].same_dirs.nr, 0);
	manifest_release(&m);
	pos = 0;
	assert_int_equal(entry_next(&e, &pos, &r), 1);
	assert_int_equal(r.tag, 3);

	/* Truncated payloads are rejected, never read past. */
	for (size_t cut = 1; cut < rec.len; cut += 7) {
		e.payload_len = rec.len - cut;
		assert_int_equal(manifest_decode(&e, &m), -1);
	}
	manifest_release(&old);
	include_set_release(&set);
	include_set_release(&set2);
	strbuf_release(&rec);
}

static void test_unusable_dir(void **state)
{
	struct store st;
	struct config cfg = { 0 };
	char file[600];
	(void)state;

	snprintf(file, sizeof(file), "%s/plainfile", dir);
	unit_write(file, "x");
	cfg.cache_dir = file;
	assert_int_equal(store_open(&st, &cfg), -1);
	store_release(&st);
	cfg.cache_dir = NULL;
	assert_int_equal(store_open(&st, &cfg), -1);
	store_release(&st);
}

static int setup(void **state)
{
	(void)state;
	dir = unit_scratch_dir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unit_rm_rf(dir);
	free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_raw),
		cmocka_unit_test(test_round_trip_zstd),
		cmocka_unit_test(test_large_entry),
		cmocka_unit_test(test_checksum_detects_corruption),
		cmocka_unit_test(test_put_is_atomic),
		cmocka_unit_test(test_eviction_is_lru),
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_unusable_dir),
	};
	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
