/* The daemon's copy of the aux facts. */
#include "unit.h"
#include "cache/factmemo.h"

#include <stdlib.h>
#include <string.h>

static void test_get_put_replace(void **state)
{
	struct fact_memo *fm = fact_memo_new();
	struct digest a = unit_digest_of(1), b = unit_digest_of(2);
	size_t len = 0;
	char *got;
	(void)state;

	assert_null(fact_memo_get(fm, &a, 1, &len));
	fact_memo_put(fm, &a, 1, "one", 3);
	fact_memo_put(fm, &a, 2, "other tag", 9);
	got = fact_memo_get(fm, &a, 1, &len);
	assert_int_equal(len, 3);
	assert_string_equal(got, "one");
	free(got);
	assert_null(fact_memo_get(fm, &b, 1, &len));
	/* A newer fact under the same key replaces the old one. */
	fact_memo_put(fm, &a, 1, "uno", 3);
	got = fact_memo_get(fm, &a, 1, &len);
	assert_string_equal(got, "uno");
	free(got);
	got = fact_memo_get(fm, &a, 2, &len);
	assert_string_equal(got, "other tag");
	free(got);
	fact_memo_free(fm);
}

/* Past the bound everything is forgotten, and remembering starts again. */
static void test_bounded(void **state)
{
	struct fact_memo *fm = fact_memo_new();
	size_t big = FACT_MEMO_MAX_BYTES / 3, len;
	char *data = calloc(1, big);
	struct digest k;
	char *got;
	(void)state;

	for (unsigned char i = 0; i < 4; i++) {
		k = unit_digest_of(i);
		fact_memo_put(fm, &k, 1, data, big);
	}
	k = unit_digest_of(0);
	assert_null(fact_memo_get(fm, &k, 1, &len));
	k = unit_digest_of(3);
	got = fact_memo_get(fm, &k, 1, &len);
	assert_non_null(got);
	assert_int_equal(len, big);
	free(got);
	free(data);
	fact_memo_free(fm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put_replace),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
