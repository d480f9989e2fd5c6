/* Direct keys: stable for the same inputs, sensitive to each input that can
 * change the output, blind to what cannot. */
#include "unit.h"
#include "cache/cache.h"
#include "compiler/rspfile.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

extern char **environ;

static char *dir;
static struct store st;
static struct config cfg;

/* The key of cmdline run in cwd (env changes are applied by the caller). */
static void key_of(const char *cmdline, const char *cwd, struct digest *key)
{
	struct invocation inv;
	struct cache c;

	invocation_init(&inv);
	split_response_text(cmdline, &inv.args);
	inv.compiler = strdup(strcmp(inv.args.v[0], "clang") ? "/usr/bin/gcc" : "/usr/bin/clang");
	inv.cwd = strdup(cwd);
	for (char **e = environ; *e; e++)
		strvec_push(&inv.env, *e);
	strvec_pushv(&inv.orig_argv, inv.args.v, inv.args.nr);
	inv.family = family_for(inv.args.v[0], inv.compiler);
	assert_int_equal(inv.family->analyse(&inv), 0);
	assert_int_equal(inv.uncacheable, 0);
	cache_init(&c, &st, &cfg);
	assert_int_equal(cache_direct_key(&c, &inv, key), 0);
	cache_release(&c);
	invocation_release(&inv);
}

static void test_stable_and_sensitive(void **state)
{
	struct digest base, again, k;
	char src[600];
	(void)state;

	assert_int_equal(chdir(dir), 0);
	snprintf(src, sizeof(src), "%s/a.c", dir);
	unit_write(src, "int main(void) { return 0; }\n");
	key_of("gcc -O2 -c a.c -o a.o", dir, &base);
	key_of("gcc -O2 -c a.c -o a.o", dir, &again);
	assert_true(digest_equal(&base, &again));

	/* Irrelevant: the object's name, the depfile's name, the cwd without
	 * debug info. */
	key_of("gcc -O2 -c a.c -o other.o", dir, &k);
	assert_true(digest_equal(&base, &k));
	key_of("gcc -O2 -c a.c -o a.o", "/elsewhere", &k);
	assert_true(digest_equal(&base, &k));

	/* Each of these changes the key. */
	static const char *const variants[] = {
		"gcc -O3 -c a.c -o a.o",
		"gcc -O2 -DX=1 -c a.c -o a.o",
		"gcc -O2 -Iinc -c a.c -o a.o",
		"gcc -O2 -c a.c -o a.o -MD",
		"gcc -O2 -g -c a.c -o a.o",
		"gcc -O2 -fdiagnostics-color=always -c a.c -o a.o",
		"gcc -O2 -x c++ -c a.c -o a.o",
		"clang -O2 -c a.c -o a.o",
	};
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		key_of(variants[i], dir, &k);
		if (digest_equal(&base, &k))
			fail_msg("'%s' has the same key as the base", variants[i]);
	}
	/* Typed fields: ("ab", "c") never hashes like ("a", "bc"). */
	struct digest k1, k2;
	struct hasher h;
	hasher_init(&h, NULL);
	hash_str(&h, "arg", "ab");
	hash_str(&h, "arg", "c");
	hasher_final(&h, &k1);
	hasher_init(&h, NULL);
	hash_str(&h, "arg", "a");
	hash_str(&h, "arg", "bc");
	hasher_final(&h, &k2);
	assert_false(digest_equal(&k1, &k2));
	/* "-I x" and "-Ix" are the same compile: the same key. */
	key_of("gcc -I inc -c a.c", dir, &k1);
	key_of("gcc -Iinc -c a.c", dir, &k2);
	assert_true(digest_equal(&k1, &k2));

	/* With debug info the cwd is in the key. */
	key_of("gcc -g -c a.c", "/one", &k1);
	key_of("gcc -g -c a.c", "/two", &k2);
	assert_false(digest_equal(&k1, &k2));
	/* ... unless a prefix map makes the two the same. */
	key_of("gcc -g -fdebug-prefix-map=/one=/x -c a.c", "/one", &k1);
	key_of("gcc -g -fdebug-prefix-map=/one=/x -c a.c", "/x", &k2);
	assert_true(digest_equal(&k1, &k2));

	/* Environment the compiler reads. */
	setenv("CPATH", "/opt/include", 1);
	key_of("gcc -O2 -c a.c -o a.o", dir, &k);
	unsetenv("CPATH");
	assert_false(digest_equal(&base, &k));
	setenv("SOURCE_DATE_EPOCH", "1", 1);
	key_of("gcc -O2 -c a.c -o a.o", dir, &k);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_false(digest_equal(&base, &k));
	/* ... and not what it does not read, nor a name it only begins. */
	setenv("ZCCACHE_UNIT_UNRELATED", "1", 1);
	key_of("gcc -O2 -c a.c -o a.o", dir, &k);
	assert_true(digest_equal(&base, &k));
	setenv("CPATHX", "/opt/include", 1);
	setenv("LAN", "x", 1);
	key_of("gcc -O2 -c a.c -o a.o", dir, &k);
	unsetenv("CPATHX");
	unsetenv("LAN");
	assert_true(digest_equal(&base, &k));

	/* The source content. */
	unit_write(src, "int main(void) { return 1; }\n");
	key_of("gcc -O2 -c a.c -o a.o", dir, &k);
	assert_false(digest_equal(&base, &k));
}

static int setup(void **state)
{
	(void)state;
	dir = unit_scratch_dir();
	memset(&cfg, 0, sizeof(cfg));
	cfg.cache_dir = dir;
	if (getenv("UNIT_DEBUG")) {
		cfg.debug = true;
		log_open("/dev/stderr");
	}
	assert_int_equal(store_open(&st, &cfg), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_release(&st);
	unit_rm_rf(dir);
	free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_and_sensitive),
	};
	return cmocka_run_group_tests_name("key", tests, setup, teardown);
}
