/* The daemon's remembered manifests. */
#include "unit.h"
#include "cache/manifestmemo.h"

#include <stdlib.h>
#include <string.h>

/* A manifest of one set with one file named path. */
static struct manifest one_set(const char *path)
{
	struct manifest m = { xcalloc(1, sizeof(struct include_set)), 1 };

	m.sets[0].files = xcalloc(1, sizeof(struct manifest_file));
	m.sets[0].files[0].path = xstrdup(path);
	m.sets[0].nr_files = 1;
	strvec_push(&m.sets[0].absent, "/nowhere/x.h");
	return m;
}

static void test_put_get_forget(void **state)
{
	struct manifest_memo *mm = manifest_memo_new();
	struct digest a = unit_digest_of(1), b = unit_digest_of(2);
	struct manifest m = one_set("a.h");
	(void)state;

	assert_null(manifest_memo_get(mm, &a));
	struct memo_manifest *put = manifest_memo_put(mm, &a, &m, manifest_memo_epoch(mm));
	assert_int_equal(m.nr_sets, 0); /* moved */
	struct memo_manifest *got = manifest_memo_get(mm, &a);
	assert_ptr_equal(got, put);
	assert_string_equal(got->m.sets[0].files[0].path, "a.h");
	assert_true(got->stamps[0].generation == 0); /* never checked */
	assert_null(manifest_memo_get(mm, &b));
	/* Forgotten while in use: the user's copy stays valid. */
	manifest_memo_forget(mm, &a);
	assert_null(manifest_memo_get(mm, &a));
	assert_string_equal(got->m.sets[0].absent.v[0], "/nowhere/x.h");
	manifest_memo_release(mm, got);
	manifest_memo_release(mm, put);
	manifest_memo_free(mm);
}

/* A manifest read before a record of any key wrote its file is handed back
 * but not remembered: it may lack the set just written. */
static void test_stale_read_not_remembered(void **state)
{
	struct manifest_memo *mm = manifest_memo_new();
	struct digest a = unit_digest_of(1), b = unit_digest_of(2);
	struct manifest m = one_set("old.h");
	(void)state;

	uint64_t epoch = manifest_memo_epoch(mm);
	manifest_memo_forget(mm, &b); /* a record wrote a manifest meanwhile */
	struct memo_manifest *mf = manifest_memo_put(mm, &a, &m, epoch);
	assert_non_null(mf);
	assert_string_equal(mf->m.sets[0].files[0].path, "old.h");
	assert_null(manifest_memo_get(mm, &a));
	manifest_memo_release(mm, mf);
	manifest_memo_free(mm);
}

/* Past the bound everything is forgotten, and remembering starts again. */
static void test_bounded(void **state)
{
	struct manifest_memo *mm = manifest_memo_new();
	char *big = xcalloc(1, MANIFEST_MEMO_MAX_BYTES / 6);
	struct digest k;
	(void)state;

	memset(big, 'h', MANIFEST_MEMO_MAX_BYTES / 6 - 1);
	for (unsigned char i = 0; i < 8; i++) {
		struct manifest m = one_set(big);
		k = unit_digest_of(i);
		manifest_memo_release(mm, manifest_memo_put(mm, &k, &m, manifest_memo_epoch(mm)));
	}
	k = unit_digest_of(0);
	assert_null(manifest_memo_get(mm, &k));
	k = unit_digest_of(7);
	struct memo_manifest *mf = manifest_memo_get(mm, &k);
	assert_non_null(mf);
	manifest_memo_release(mm, mf);
	free(big);
	manifest_memo_free(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_forget),
		cmocka_unit_test(test_stale_read_not_remembered),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
