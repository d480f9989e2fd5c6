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

/* A set's paths grouped by scope: each path once, under its scope, the
 * relative ones under none. */
static void test_paths_grouped_by_scope(void **state)
{
	struct manifest_memo *mm = manifest_memo_new();
	struct digest a = unit_digest_of(1);
	struct manifest m = one_set("/usr/include/stdio.h"); /* path 0 */
	static const char *const absent[] = { "/nowhere/x.h", /* path 1 (one_set's) */
		"/src/lib/../include/y.h", "/usr/include/sys/z.h", "rel/w.h",
		"/usr/include/q.h", "/src/include/y.h", "/usr/include/r.h", "/src/lib/../x.h" };
	static const char *const scope_of[] = { "/usr/include", "/nowhere", "/src",
		"/usr/include/sys", NULL, "/usr/include", "/src/include", "/usr/include", "/src" };
	int seen[9] = { 0 };
	(void)state;

	for (size_t i = 1; i < sizeof(absent) / sizeof(absent[0]); i++)
		strvec_push(&m.sets[0].absent, absent[i]);
	struct memo_manifest *mf = manifest_memo_put(mm, &a, &m, manifest_memo_epoch(mm));
	const struct set_scopes *scopes = &mf->scopes[0];
	assert_int_equal(scopes->nr, 6);
	for (size_t k = 0; k < scopes->nr; k++) {
		for (size_t j = 0; j < scopes->v[k].nr; j++) {
			uint32_t i = scopes->v[k].paths[j];
			assert_true(i < 9);
			seen[i]++;
			if (!scope_of[i])
				assert_null(scopes->v[k].dir);
			else
				assert_string_equal(scopes->v[k].dir, scope_of[i]);
		}
	}
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(seen[i], 1);
	manifest_memo_release(mm, mf);
	manifest_memo_free(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_forget),
		cmocka_unit_test(test_paths_grouped_by_scope),
		cmocka_unit_test(test_stale_read_not_remembered),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
