/* The string set that dedupes candidate paths on a miss. */
#include "unit.h"
#include "util/strset.h"

#include <stdio.h>

static void test_add_contains_order(void **state)
{
	struct strset set = STRSET_INIT;
	(void)state;

	assert_false(strset_contains(&set, "a", 1));
	assert_null(strset_next(&set, NULL));
	assert_true(strset_add(&set, "/usr/include/b.h", 16));
	assert_true(strset_add(&set, "/usr/include/a.h", 16));
	assert_false(strset_add(&set, "/usr/include/b.h", 16));
	/* A prefix of a member is another string. */
	assert_false(strset_contains(&set, "/usr/include", 12));
	assert_false(strset_add(&set, "/usr/include/a.hXX", 16)); /* only len bytes count */
	assert_int_equal(set.nr, 2);
	assert_true(strset_add(&set, "", 0));
	assert_true(strset_contains(&set, "", 0));
	/* Insertion order, each string once. */
	const char *p = strset_next(&set, NULL);
	assert_string_equal(p, "/usr/include/b.h");
	p = strset_next(&set, p);
	assert_string_equal(p, "/usr/include/a.h");
	p = strset_next(&set, p);
	assert_string_equal(p, "");
	assert_null(strset_next(&set, p));
	strset_clear(&set);
	assert_false(strset_contains(&set, "/usr/include/a.h", 16));
	assert_true(strset_add(&set, "again", 5));
	strset_clear(&set);
}

static void test_growth(void **state)
{
	struct strset set = STRSET_INIT;
	char path[64];
	(void)state;

	/* Far past the first table size: every member survives a regrow. */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(path, sizeof(path), "/src/project/include/h%d.h", i);
		assert_true(strset_add(&set, path, (size_t)n));
	}
	assert_int_equal(set.nr, 5000);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(path, sizeof(path), "/src/project/include/h%d.h", i);
		assert_true(strset_contains(&set, path, (size_t)n));
		assert_false(strset_add(&set, path, (size_t)n));
		n = snprintf(path, sizeof(path), "/src/project/include/x%d.h", i);
		assert_false(strset_contains(&set, path, (size_t)n));
	}
	int seen = 0;
	for (const char *p = NULL; (p = strset_next(&set, p)); seen++) {
		snprintf(path, sizeof(path), "/src/project/include/h%d.h", seen);
		assert_string_equal(p, path);
	}
	assert_int_equal(seen, 5000);
	strset_clear(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_contains_order),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
